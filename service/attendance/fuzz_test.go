package attendance

import (
	"testing"
	"time"

	"schoolcheck/model"
)

// FuzzQRToken feeds the office QR check whatever a phone may scan: it never panics, and accepts only this
// school's token of the current or previous step (in any of the forms scannedToken reads).
func FuzzQRToken(f *testing.F) {
	sc := model.School{ID: "01a2-school", QRSecret: "secret-of-the-school"}
	now := time.Date(2026, 11, 25, 0, 40, 10, 0, time.UTC)
	tok := issueQR(sc, now, time.UTC).Token
	f.Add(tok)
	f.Add(QRLink("https://example.test", tok) + "?scancode_time=1")
	f.Add(QRPrefix + tok)
	f.Add("123." + tok)
	f.Add("9223372036854775807.x")
	f.Add("-1.")
	f.Fuzz(func(t *testing.T, s string) {
		if !verifyQR(sc, s, now) {
			return
		}
		got := scannedToken(s)
		step := now.Unix() / int64(qrStep/time.Second)
		if got != issueQR(sc, now, time.UTC).Token && got != issueQR(sc, time.Unix((step-1)*int64(qrStep/time.Second), 0), time.UTC).Token {
			t.Fatalf("accepted %q (read as %q), which this school never issued", s, got)
		}
	})
}
