package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"mime/multipart"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestEmbeddedDefaultOnAnotherPort is what a newcomer does: build the binary, start it with no config but
// another port, log in as the demo principal with the dev login, upload a photo and open the URL the API
// gave for it; create an office display link and open that too. Every link must point at the port the
// server really listens on (http.public_url derived from http.addr).
func TestEmbeddedDefaultOnAnotherPort(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts the binary")
	}
	bin := buildBinary(t)
	env := binaryEnv(t, "SCHOOLCHECK_WECHAT_LINK_CHECK_FILE", "Ab12Cd34Ef.txt",
		"SCHOOLCHECK_WECHAT_LINK_CHECK_CONTENT", "0123456789abcdef")
	base, text := serveBinary(t, bin, env)
	printed := strings.Builder{}
	printed.WriteString(text)
	if !strings.Contains(printed.String(), base+"/api/v1/auth/login") {
		t.Errorf("the demo instructions do not use the server's address %s:\n%s", base, printed.String())
	}
	m := regexp.MustCompile(`principal \S+\n.*"code":"dev:(\d+)"`).FindStringSubmatch(printed.String())
	if m == nil {
		t.Fatalf("no demo principal printed:\n%s", printed.String())
	}
	phone := m[1]

	var login struct{ Token string }
	call(t, "POST", base+"/api/v1/auth/login", "", `{"code":"dev:`+phone+`"}`, &login)
	var bound struct{ Token string }
	call(t, "POST", base+"/api/v1/auth/bind-phone", login.Token, `{"phone_code":"dev:`+phone+`"}`, &bound)

	var photo struct{ ID, URL string }
	upload(t, base+"/api/v1/photos", bound.Token, testJPEG(t), &photo)
	if !strings.HasPrefix(photo.URL, base+"/") {
		t.Fatalf("photo url %q does not point at the server %s", photo.URL, base)
	}
	if status, ct := get(t, photo.URL); status != http.StatusOK || ct != "image/jpeg" {
		t.Fatalf("GET the photo's url: %d %s", status, ct)
	}

	var display struct{ ID, URL string }
	call(t, "POST", base+"/api/v1/attendance/displays", bound.Token, `{"name":"教师办公室"}`, &display)
	if !strings.HasPrefix(display.URL, base+"/display/") {
		t.Fatalf("display url %q does not point at the server %s", display.URL, base)
	}
	if status, ct := get(t, display.URL); status != http.StatusOK || !strings.HasPrefix(ct, "text/html") {
		t.Fatalf("GET the display url: %d %s", status, ct)
	}
	// The container health check finds the server on its port too.
	hc := exec.Command(bin, "healthcheck")
	hc.Env = append(env, "SCHOOLCHECK_HTTP_ADDR="+strings.TrimPrefix(base, "http://"))
	if out, err := hc.CombinedOutput(); err != nil {
		t.Fatalf("schoolcheck healthcheck: %v %s", err, out)
	}
	var qr struct{ Content string }
	call(t, "GET", base+"/api/v1/attendance/qr", bound.Token, "", &qr)
	if !strings.HasPrefix(qr.Content, base+"/q/") {
		t.Fatalf("the office QR code encodes %q, want a link under %s/q/", qr.Content, base)
	}
	// WeChat fetches its check file under the prefix before the mini-program may register it.
	res, err := client.Get(base + "/q/Ab12Cd34Ef.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if body, _ := io.ReadAll(res.Body); res.StatusCode != http.StatusOK || string(body) != "0123456789abcdef" {
		t.Fatalf("the link check file: %d %q", res.StatusCode, body)
	}
}

var client = &http.Client{Timeout: 20 * time.Second}

// get fetches url and returns its status and content type.
func get(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	return res.StatusCode, res.Header.Get("Content-Type")
}

func call(t *testing.T, method, url, token, body string, out any) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	finish(t, req, out)
}

func upload(t *testing.T, url, token string, content []byte, out any) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "meal.jpg")
	_, _ = fw.Write(content)
	_ = mw.WriteField("purpose", "meal")
	_ = mw.Close()
	req, err := http.NewRequest("POST", url, &buf)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	finish(t, req, out)
}

func finish(t *testing.T, req *http.Request, out any) {
	t.Helper()
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode/100 != 2 {
		t.Fatalf("%s %s: %d %s", req.Method, req.URL.Path, res.StatusCode, raw)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		t.Fatalf("%s %s: %v: %s", req.Method, req.URL.Path, err, raw)
	}
}

func testJPEG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 320, 240))
	for x := 0; x < 320; x++ {
		for y := 0; y < 240; y++ {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 120, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(fmt.Errorf("jpeg: %w", err))
	}
	return buf.Bytes()
}
