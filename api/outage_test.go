package api_test

import (
	"net/http"
	"testing"

	"schoolcheck/api/apitest"
)

// A database that goes away mid-session answers 503 with Retry-After on every kind of route — reads,
// writes and the token check itself — never a hang or a 500; /readyz says so too.
func TestDatabaseDownIs503(t *testing.T) {
	e := apitest.New(t, apitest.WithOwnDatabase())
	sc := e.School()
	e.Get("me", sc.Principal.Token).Want(http.StatusOK)
	sqlDB, err := e.DB.DB()
	if err != nil {
		t.Fatal(err)
	}
	if err := sqlDB.Close(); err != nil {
		t.Fatal(err)
	}
	for _, r := range []*apitest.Response{
		e.Get("me", sc.Principal.Token),
		e.Post("staff", sc.Principal.Token, map[string]any{"name": "新老师", "phone": apitest.Phone(), "roles": []string{"teacher"}}),
		e.Get("/readyz", ""),
	} {
		r.Want(http.StatusServiceUnavailable)
		if r.Header.Get("Retry-After") == "" {
			t.Errorf("503 without Retry-After: %s", r.Body)
		}
	}
	e.Get("/healthz", "").Want(http.StatusOK)
}
