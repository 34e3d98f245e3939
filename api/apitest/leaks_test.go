package apitest

import (
	"strings"
	"testing"
)

// TestLeaksFindsWhatItLooksFor plants each kind of leak once: the check must name every one, and pass
// what is fine (a masked phone, a presigned URL's credential id, a duration).
func TestLeaksFindsWhatItLooksFor(t *testing.T) {
	planted := []struct{ what, answer, log string }{
		{"a stack trace", `{"error":"goroutine 12 [running]"}`, ""},
		{"a stack trace", "", `{"msg":"x","at":"service/school/staff.go:41"}`},
		{"SQL", `{"error":"Error 1064 (42000): You have an error in your SQL syntax"}`, ""},
		{"SQL", "", `{"err":"SELECT * FROM staff WHERE id = 1"}`},
		{"a filesystem path", `{"error":"open /tmp/x/objects/a.jpg: no such file"}`, ""},
		{"a secret", `{"token":"` + JWTSecret + `"}`, ""},
		{"a full mobile number", "", `{"msg":"bind","phone":"13912345678"}`},
		{"coordinates", "", `{"msg":"punch","lat":28.682891}`},
	}
	for _, p := range planted {
		var answers []Answer
		if p.answer != "" {
			answers = []Answer{{Request: "GET /api/v1/x", Status: 400, Body: p.answer}}
		}
		got := Leaks(answers, p.log, Secrets())
		if len(got) == 0 || !strings.Contains(strings.Join(got, "\n"), "shows "+p.what) {
			t.Errorf("%q / %q: found %v, want %s", p.answer, p.log, got, p.what)
		}
	}
	fine := []Answer{{Request: "GET /api/v1/staff", Status: 200, Body: `{"phone":"13912345678"}`},
		{Request: "GET /api/v1/meals/1", Status: 200, Body: `{"url":"http://m/x.jpg?X-Amz-Credential=` + Secrets()[0] + `%2F20261125"}`}}
	if got := Leaks(fine, `{"msg":"request","ms":12,"phone":"139****5678","status":200}`, Secrets()); len(got) != 0 {
		t.Errorf("found leaks in what is fine: %v", got)
	}
}

// A request id or a UUID with eleven digits in a row is not a phone number.
func TestLeaksTellIDsFromPhones(t *testing.T) {
	line := `{"request_id":"cea880754dd13733909193f6","user_id":"01a2341f-e212-700c-87f0-20b49a07d5d9"}`
	if got := Leaks(nil, line, nil); len(got) != 0 {
		t.Fatal(got)
	}
}
