package api_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"testing"

	"schoolcheck/api/apitest"
	"schoolcheck/storage"
)

// mealEnv is the meals tests' environment.
func mealEnv(t *testing.T, opts ...apitest.Option) *apitest.Env {
	return apitest.New(t, opts...)
}

// testImage is a w×h picture with gradients and a diagonal, so scaling and rotation can be checked.
func testImage(w, h int, alpha bool) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			a := uint8(255)
			if alpha && x < w/2 {
				a = 0
			}
			img.SetNRGBA(x, y, color.NRGBA{R: uint8(x * 255 / w), G: uint8(y * 255 / h), B: uint8((x + y) % 256), A: a})
		}
	}
	return img
}

func jpegBytes(t testing.TB, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, testImage(w, h, false), &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func pngBytes(t testing.TB, w, h int, alpha bool) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, testImage(w, h, alpha)); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// pngClaiming is a PNG whose IHDR (with a valid CRC) claims w×h pixels, followed by IEND: a few bytes on the
// wire that would need gigabytes if anyone decoded them.
func pngClaiming(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		_ = binary.Write(&b, binary.BigEndian, uint32(len(data)))
		body := append([]byte(typ), data...)
		b.Write(body)
		_ = binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(body))
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 6 // 8-bit RGBA
	chunk("IHDR", ihdr)
	chunk("IEND", nil)
	return b.Bytes()
}

// withExif inserts an APP1 Exif segment after SOI: IFD0 with Orientation and a GPS IFD pointer, and a GPS
// IFD with latitude and longitude (28°40'58.98"N 115°51'28.44"E), built by hand.
func withExif(jpg []byte, orientation uint16) []byte {
	le := binary.LittleEndian
	t := make([]byte, 140)
	copy(t, "II*\x00")
	le.PutUint32(t[4:], 8)
	entry := func(at int, tag, typ uint16, count, value uint32) {
		le.PutUint16(t[at:], tag)
		le.PutUint16(t[at+2:], typ)
		le.PutUint32(t[at+4:], count)
		le.PutUint32(t[at+8:], value)
	}
	le.PutUint16(t[8:], 2)
	entry(10, 0x0112, 3, 1, uint32(orientation)) // Orientation (SHORT, left-justified)
	entry(22, 0x8825, 4, 1, 38)                  // GPSInfo IFD at 38
	le.PutUint16(t[38:], 4)
	entry(40, 0x0001, 2, 2, uint32('N'))
	entry(52, 0x0002, 5, 3, 92)
	entry(64, 0x0003, 2, 2, uint32('E'))
	entry(76, 0x0004, 5, 3, 116)
	for i, r := range [][2]uint32{{28, 1}, {40, 1}, {5898, 100}, {115, 1}, {51, 1}, {2844, 100}} {
		le.PutUint32(t[92+8*i:], r[0])
		le.PutUint32(t[96+8*i:], r[1])
	}
	seg := append([]byte("Exif\x00\x00"), t...)
	app1 := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(app1[2:], uint16(len(seg)+2))
	out := append([]byte{}, jpg[:2]...)
	out = append(out, app1...)
	out = append(out, seg...)
	return append(out, jpg[2:]...)
}

// jpegSegments lists the marker bytes of a JPEG's header segments up to the scan.
func jpegSegments(b []byte) []byte {
	var out []byte
	for i := 2; i+4 <= len(b) && b[i] == 0xFF; {
		m := b[i+1]
		out = append(out, m)
		if m == 0xDA {
			break
		}
		i += 2 + int(binary.BigEndian.Uint16(b[i+2:]))
	}
	return out
}

// upload posts a photo file as wx.uploadFile does.
func upload(e *apitest.Env, token string, data []byte) *apitest.Response {
	e.T.Helper()
	return e.Upload("photos", token, "file", "photo.jpg", data, map[string]string{"purpose": "meal"}, nil)
}

// photoID uploads a small JPEG and returns the photo's id.
func photoID(e *apitest.Env, token string) string {
	e.T.Helper()
	return upload(e, token, jpegBytes(e.T, 64, 48)).Want(http.StatusCreated).Str("id")
}

// photoRow reads a photo's row (school-scoped, as the tenancy guard wants).
func photoRow(e *apitest.Env, schoolID, id string) (key string, attachedTo *string, found bool) {
	e.T.Helper()
	var rows []struct {
		ObjectKey  string
		AttachedTo *string
	}
	if err := e.DB.Table("photos").Where("school_id = ? AND id = ?", schoolID, id).Find(&rows).Error; err != nil {
		e.T.Fatal(err)
	}
	if len(rows) == 0 {
		return "", nil, false
	}
	return rows[0].ObjectKey, rows[0].AttachedTo, true
}

// storedObject fetches a photo's object from the store, or nil when it is gone.
func storedObject(e *apitest.Env, key string) []byte {
	e.T.Helper()
	r, err := e.Store.Get(context.Background(), key)
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	}
	if err != nil {
		e.T.Fatal(err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		e.T.Fatal(err)
	}
	return b
}
