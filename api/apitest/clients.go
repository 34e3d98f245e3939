package apitest

import (
	"fmt"
	"net/http"
)

// ClientIPHeader, sent on a request of an Env that SpreadClientIPs, makes the router see that client
// address (the header itself is removed before the router sees the request).
const ClientIPHeader = "X-Apitest-Client-IP"

// SpreadClientIPs gives every request of the environment a client address of its own unless it names one
// with ClientIPHeader. httptest sends everything from 192.0.2.1, and the per-IP login limit (30 a minute,
// shared by every test through Redis when SCHOOLCHECK_TEST_REDIS_ADDR is set) would otherwise refuse the
// fixtures of a test that logs in many users. Call it right after New; api.Routes(e.Handler) then no longer
// sees the gin engine, so tests of the route list do not call it.
func (e *Env) SpreadClientIPs() {
	next := e.Handler
	e.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ip := r.Header.Get(ClientIPHeader)
		r.Header.Del(ClientIPHeader)
		if ip == "" {
			n := unique()
			ip = fmt.Sprintf("10.%d.%d.%d", n>>16&0xff, n>>8&0xff, n&0xff)
		}
		r.RemoteAddr = ip + ":40000"
		next.ServeHTTP(w, r)
	})
}

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
