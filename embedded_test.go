package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
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
	dir := t.TempDir()
	bin := filepath.Join(dir, "schoolcheck")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	port := freePort(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir,
		"SCHOOLCHECK_HTTP_ADDR=127.0.0.1:" + port, "SCHOOLCHECK_DATA_DIR=" + filepath.Join(dir, "data"),
		"SCHOOLCHECK_WECHAT_LINK_CHECK_FILE=Ab12Cd34Ef.txt", "SCHOOLCHECK_WECHAT_LINK_CHECK_CONTENT=0123456789abcdef"}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	}()
	// Read what it prints until it listens: the demo instructions come first.
	var printed strings.Builder
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		printed.WriteString(sc.Text() + "\n")
		if strings.Contains(sc.Text(), `"msg":"listening"`) {
			break
		}
	}
	if !strings.Contains(printed.String(), `"msg":"listening"`) {
		t.Fatalf("the server never listened; stdout:\n%s\nstderr:\n%s", printed.String(), stderr.String())
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	base := "http://127.0.0.1:" + port
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
	hc := exec.CommandContext(ctx, bin, "healthcheck")
	hc.Env = cmd.Env
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

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return port
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
