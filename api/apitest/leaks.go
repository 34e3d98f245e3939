package apitest

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"

	"schoolcheck/service/wechat/wechattest"
	"schoolcheck/storage/storagetest"
)

// Transcript records every answer an environment gives (set Env.Transcript before the requests).
type Transcript struct {
	mu      sync.Mutex
	answers []Answer
}

// Answer is one recorded response.
type Answer struct {
	Request string // "POST /api/v1/meals"
	Status  int
	Body    string
}

func (tr *Transcript) add(a Answer) {
	tr.mu.Lock()
	tr.answers = append(tr.answers, a)
	tr.mu.Unlock()
}

// Answers is what was recorded so far.
func (tr *Transcript) Answers() []Answer {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return append([]Answer(nil), tr.answers...)
}

// JWTSecret is the token signing secret of every test environment.
const JWTSecret = "test-secret-test-secret-test-secret!"

// leak is one thing no answer or log line may contain.
type leak struct {
	what string
	re   *regexp.Regexp
}

var (
	// Never in an answer or a log line.
	everywhere = []leak{
		{"a stack trace", regexp.MustCompile(`goroutine \d+|\.go:\d+|runtime/debug|panic\(`)},
		{"SQL", regexp.MustCompile(`(?i)\bSELECT\b.+\bFROM\b|\bINSERT INTO\b|\bUPDATE\b\s+\S+\s+SET\b|\bDELETE FROM\b|Error \d{4}|SQLSTATE|sqlite3?:|SQL logic error|near "`)},
		{"a filesystem path", regexp.MustCompile(`(^|[\s"'=(:])/(tmp|root|home|usr|var|work|etc|opt|proc)/`)},
	}
	// Never in a log line (answers show phones to those who may see them).
	inLogs = []leak{
		{"a full mobile number", regexp.MustCompile(`(^|[^0-9A-Za-z])1[3-9]\d{9}([^0-9A-Za-z]|$)`)},
		{"coordinates", regexp.MustCompile(`(?i)"(lat|lng|latitude|longitude)"|\b\d{1,3}\.\d{5,}\b`)},
	}
	// X-Amz-Credential names the access key id in every presigned URL: an id, not the secret.
	amzCredential = regexp.MustCompile(`X-Amz-Credential=[^&"]*`)
)

// Secrets are the test configuration's secrets: the JWT secret, WeChat's app secret, MinIO's secret key
// and the given extra ones (schools' QR secrets).
func Secrets(extra ...string) []string {
	s := []string{JWTSecret, wechattest.AppSecret}
	if storagetest.UsingMinIO() {
		s = append(s, storagetest.MinIOSecretKey())
	}
	return append(s, extra...)
}

// CheckNoLeaks fails t for every leak Leaks finds.
func CheckNoLeaks(t *testing.T, answers []Answer, logs string, secrets []string) {
	t.Helper()
	for _, l := range Leaks(answers, logs, secrets) {
		t.Error(l)
	}
}

// Leaks names every answer or log line that shows a stack trace, SQL, a filesystem path or a secret, and
// every log line with a full mobile number or coordinates (at most three of each kind, then a count).
func Leaks(answers []Answer, logs string, secrets []string) []string {
	var out []string
	found := map[string]int{}
	report := func(where, what, text string) {
		key := where + ": " + what
		if found[key]++; found[key] <= 3 {
			out = append(out, fmt.Sprintf("%s shows %s: %s", where, what, clip([]byte(text))))
		}
	}
	scan := func(where, text string, rules []leak) {
		text = amzCredential.ReplaceAllString(text, "X-Amz-Credential=…")
		for _, l := range rules {
			if l.re.MatchString(text) {
				report(where, l.what, text)
			}
		}
		for _, s := range secrets {
			if s != "" && strings.Contains(text, s) {
				report(where, "a secret", text)
			}
		}
	}
	for _, a := range answers {
		if strings.HasPrefix(a.Request, "GET /metrics") {
			continue // Go's runtime metrics name go_ files and their own numbers
		}
		scan(fmt.Sprintf("the answer to %s (%d)", a.Request, a.Status), a.Body, everywhere)
	}
	for _, line := range strings.Split(logs, "\n") {
		scan("a log line", line, append(append([]leak{}, everywhere...), inLogs...))
	}
	for k, n := range found {
		if n > 3 {
			out = append(out, fmt.Sprintf("%s: %d more", k, n-3))
		}
	}
	return out
}
