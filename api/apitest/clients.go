package apitest

import (
	"fmt"
	"net/http"
)

// ClientIPHeader names the client address the router sees for one request (the header is removed first).
// Without it every request gets an address of its own, so per-IP limits only bite where a test means them to.
const ClientIPHeader = "X-Apitest-Client-IP"

// Relogin logs the user's WeChat in again and returns a fresh token for the same account, as the
// mini-program does when its token has expired (tests that move the clock past the token lifetime).
func (e *Env) Relogin(u *User) string {
	e.T.Helper()
	code := fmt.Sprintf("relogin%d", unique())
	e.WX.AddCode(code, u.OpenID, "")
	r := e.Post("auth/login", "", map[string]string{"code": code}).Want(http.StatusOK)
	if r.Map()["bound"] != true {
		e.T.Fatalf("relogin of %s is not bound: %s", u.Name, r.Body)
	}
	return r.Str("token")
}

// Count is the number of rows of a school's table (tenant tables are always counted within a school).
func (e *Env) Count(table, schoolID string) int64 {
	e.T.Helper()
	var n int64
	if err := e.DB.Table(table).Where("school_id = ?", schoolID).Count(&n).Error; err != nil {
		e.T.Fatalf("count %s: %v", table, err)
	}
	return n
}
