package api_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"image/jpeg"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
)

func TestPhotoUploadStoresReencodedJPEG(t *testing.T) {
	e := mealEnv(t)
	sc := e.School()
	leader := sc.Leader("李主任")
	r := upload(e, leader.Token, jpegBytes(t, 3000, 2000)).Want(http.StatusCreated)
	var out struct {
		ID, URL       string
		Width, Height int
		Bytes         int64
	}
	r.JSON(&out)
	if out.Width != 2560 || out.Height != 1707 {
		t.Fatalf("3000×2000 stored as %d×%d, want the long side 2560", out.Width, out.Height)
	}
	key, attached, ok := photoRow(e, sc.ID, out.ID)
	if !ok || attached != nil {
		t.Fatalf("row: found %v attached %v", ok, attached)
	}
	if want := "schools/" + sc.ID + "/2026/11/" + out.ID + ".jpg"; key != want {
		t.Fatalf("key %q, want %q", key, want)
	}
	obj := storedObject(e, key)
	if int64(len(obj)) != out.Bytes {
		t.Fatalf("stored %d bytes, answer says %d", len(obj), out.Bytes)
	}
	var sum string
	if err := e.DB.Table("photos").Where("school_id = ? AND id = ?", sc.ID, out.ID).Select("sha256").Scan(&sum).Error; err != nil {
		t.Fatal(err)
	}
	if h := sha256.Sum256(obj); sum != hex.EncodeToString(h[:]) {
		t.Fatalf("recorded sha256 %s does not match the object", sum)
	}
	// The signed URL serves the object, and lives at most 15 minutes.
	resp, err := http.Get(out.URL)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !bytes.Equal(got, obj) {
		t.Fatalf("GET signed URL: %d, %d bytes", resp.StatusCode, len(got))
	}
	u, _ := url.Parse(out.URL)
	if exp := u.Query().Get("X-Amz-Expires"); exp != "" {
		if n, _ := strconv.Atoi(exp); n <= 0 || n > 900 {
			t.Fatalf("signed for %s s", exp)
		}
	}
	// A small image keeps its size; WebP and PNG with transparency become JPEGs too.
	webp, err := os.ReadFile("testdata/meals_photo.webp")
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"jpeg": jpegBytes(t, 640, 480), "png": pngBytes(t, 640, 480, true), "webp": webp} {
		r := upload(e, leader.Token, data).Want(http.StatusCreated)
		key, _, _ := photoRow(e, sc.ID, r.Str("id"))
		img, err := jpeg.Decode(bytes.NewReader(storedObject(e, key)))
		if err != nil {
			t.Fatalf("%s: stored object is not a JPEG: %v", name, err)
		}
		if w := r.Map()["width"].(float64); int(w) != img.Bounds().Dx() {
			t.Fatalf("%s: width %v, object %d", name, w, img.Bounds().Dx())
		}
	}
}

func TestPhotoRefusals(t *testing.T) {
	e := mealEnv(t)
	sc := e.School()
	teacher := sc.Teacher("王老师")
	small := jpegBytes(t, 200, 150)
	big := make([]byte, 11<<20)
	copy(big, small)
	justOver := make([]byte, 10<<20+1)
	copy(justOver, small)
	header := pngClaiming(60000, 60000)
	// A JPEG whose frame header claims 10000×5000 (50 MP): refused from the header alone.
	huge := bytes.Clone(small)
	if i := bytes.Index(huge, []byte{0xFF, 0xC0}); i > 0 {
		huge[i+5], huge[i+6], huge[i+7], huge[i+8] = 0x13, 0x88, 0x27, 0x10 // height 5000, width 10000
	} else {
		t.Fatal("no SOF0 in test JPEG")
	}
	for _, c := range []struct {
		name   string
		data   []byte
		status int
		code   string
	}{
		{"text", []byte("这不是一张照片，只是一段文字。"), 415, "unsupported_media_type"},
		{"html", []byte("<html><body><img src=x onerror=alert(1)></body></html>"), 415, "unsupported_media_type"},
		{"gif", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), 415, "unsupported_media_type"},
		{"html before a jpeg", append([]byte("<html><script>x()</script></html>"), small...), 415, "unsupported_media_type"},
		{"zip before a jpeg", append([]byte("PK\x03\x04\x14\x00\x00\x00"), small...), 415, "unsupported_media_type"},
		{"truncated jpeg", small[:len(small)/2], 422, "invalid_photo"},
		{"header only jpeg", small[:20], 422, "invalid_photo"},
		{"png claiming 60000x60000", header, 422, "invalid_photo"},
		{"jpeg claiming 50 MP", huge, 422, "invalid_photo"},
		{"11 MiB", big, 413, "payload_too_large"},
		{"10 MiB + 1 byte", justOver, 413, "payload_too_large"},
		{"empty", nil, 400, "invalid_argument"},
	} {
		t.Run(c.name, func(t *testing.T) {
			upload(e, teacher.Token, c.data).WantError(c.status, c.code)
		})
	}
	// An oversized file sent without Content-Length is cut off while it is read.
	t.Run("11 MiB chunked", func(t *testing.T) {
		var buf bytes.Buffer
		buf.WriteString("--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\n\r\n")
		buf.Write(big)
		buf.WriteString("\r\n--B--\r\n")
		req := httptest.NewRequest("POST", "/api/v1/photos", io.MultiReader(&buf))
		req.ContentLength = -1
		req.Header.Set("Content-Type", "multipart/form-data; boundary=B")
		req.Header.Set("Authorization", "Bearer "+teacher.Token)
		w := httptest.NewRecorder()
		e.Handler.ServeHTTP(w, req)
		if w.Code != http.StatusRequestEntityTooLarge || !strings.Contains(w.Body.String(), "payload_too_large") {
			t.Fatalf("chunked 11 MiB: %d %s", w.Code, w.Body)
		}
	})
	e.Upload("photos", teacher.Token, "file", "a.jpg", small, map[string]string{"purpose": "selfie"}, nil).
		WantError(http.StatusBadRequest, "invalid_argument")
	e.Upload("photos", teacher.Token, "image", "a.jpg", small, nil, nil).WantError(http.StatusBadRequest, "invalid_argument")
	e.Post("photos", teacher.Token, map[string]string{"file": "x"}).WantError(http.StatusBadRequest, "invalid_argument")
	e.Upload("photos", "", "file", "a.jpg", small, nil, nil).WantError(http.StatusUnauthorized, "unauthenticated")
	insp := e.Inspector(sc.Region)
	// An inspector uploads only for a school of their region, which they name (a finding's photos).
	upload(e, insp.Token, small).WantError(http.StatusBadRequest, "invalid_argument")
	if n := e.Count("photos", sc.ID); n != 0 {
		t.Fatalf("refused uploads left %d rows", n)
	}
}

// A polyglot — a JPEG with a ZIP archive and an HTML page appended — is accepted as the JPEG it starts
// with, and what is stored is a clean re-encoded JPEG without the payload.
func TestPhotoPolyglotStoresOnlyTheImage(t *testing.T) {
	e := mealEnv(t)
	sc := e.School()
	parent := sc.Parent(sc.Class(nil))
	zip := []byte("PK\x03\x04\x14\x00\x00\x00\x08\x00payload.txtPK\x05\x06\x00\x00\x00\x00")
	html := []byte("<html><script>alert('x')</script></html>")
	poly := append(append(jpegBytes(t, 320, 240), zip...), html...)
	r := upload(e, parent.Token, poly).Want(http.StatusCreated)
	key, _, _ := photoRow(e, sc.ID, r.Str("id"))
	obj := storedObject(e, key)
	if _, err := jpeg.Decode(bytes.NewReader(obj)); err != nil {
		t.Fatalf("stored object does not decode: %v", err)
	}
	if !bytes.HasSuffix(obj, []byte{0xFF, 0xD9}) {
		t.Fatal("stored object has bytes after the JPEG end marker")
	}
	for _, bad := range [][]byte{[]byte("PK\x03\x04"), []byte("PK\x05\x06"), []byte("<html"), []byte("<script")} {
		if bytes.Contains(obj, bad) {
			t.Fatalf("stored object still carries %q", bad)
		}
	}
}

func TestPhotoDropsExifAndGPS(t *testing.T) {
	e := mealEnv(t)
	sc := e.School()
	leader := sc.Leader("赵副校长")
	src := withExif(jpegBytes(t, 300, 200), 6) // stored sideways, "rotate 90° clockwise to view"
	if !bytes.Contains(src, []byte("Exif\x00\x00")) || jpegSegments(src)[0] != 0xE1 {
		t.Fatal("test JPEG has no Exif segment")
	}
	r := upload(e, leader.Token, src).Want(http.StatusCreated)
	m := r.Map()
	if m["width"].(float64) != 200 || m["height"].(float64) != 300 {
		t.Fatalf("orientation 6 not applied: %v×%v", m["width"], m["height"])
	}
	key, _, _ := photoRow(e, sc.ID, r.Str("id"))
	obj := storedObject(e, key)
	if bytes.Contains(obj, []byte("Exif")) || bytes.Contains(obj, []byte("II*\x00")) {
		t.Fatal("stored object still carries EXIF")
	}
	for _, marker := range jpegSegments(obj) {
		if marker == 0xE1 {
			t.Fatal("stored object has an APP1 segment")
		}
	}
	// Without an Exif segment nothing is rotated.
	plain := upload(e, leader.Token, jpegBytes(t, 300, 200)).Want(http.StatusCreated).Map()
	if plain["width"].(float64) != 300 {
		t.Fatalf("plain JPEG rotated: %v", plain)
	}
}
