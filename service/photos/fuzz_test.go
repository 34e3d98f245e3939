package photos

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"
	"time"

	"golang.org/x/sync/semaphore"

	"schoolcheck/service"
)

// FuzzProcessPhoto feeds the upload pipeline arbitrary bytes: it must never panic, never hang, and either
// refuse with the contract's error (415 unsupported_media_type, 422 invalid_photo) or store a JPEG within
// the limits. Seeds: a JPEG (with an EXIF orientation), a PNG, a WebP header, truncated files (testdata/fuzz
// has more).
func FuzzProcessPhoto(f *testing.F) {
	img := image.NewRGBA(image.Rect(0, 0, 8, 6))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	var j, p bytes.Buffer
	_ = jpeg.Encode(&j, img, nil)
	_ = png.Encode(&p, image.NewGray(image.Rect(0, 0, 3, 9)))
	f.Add(j.Bytes())
	f.Add(p.Bytes())
	f.Add(j.Bytes()[:len(j.Bytes())/2])
	f.Add(withEXIFOrientation(j.Bytes(), 6))
	f.Add([]byte("RIFF\x00\x00\x00\x00WEBPVP8 "))
	f.Add([]byte("\x89PNG\r\n\x1a\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s := &Service{mem: semaphore.NewWeighted(photoMemoryBudget)}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		out, err := s.processPhoto(ctx, data)
		if err != nil {
			var se *service.Error
			if !errors.As(err, &se) || (se.Code != "unsupported_media_type" && se.Code != "invalid_photo") {
				t.Fatalf("an upload answered with %v (a 500), not the contract's refusal", err)
			}
			return
		}
		if out.width <= 0 || out.height <= 0 || max(out.width, out.height) > photoLongSide {
			t.Fatalf("stored %d×%d", out.width, out.height)
		}
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(out.data))
		if err != nil || cfg.Width != out.width || cfg.Height != out.height || cfg.ColorModel == nil {
			t.Fatalf("the stored copy is not the JPEG described: %v %+v", err, cfg)
		}
	})
}

// FuzzJPEGSegments walks arbitrary bytes as JPEG segments (run on every upload before it is decoded).
func FuzzJPEGSegments(f *testing.F) {
	var j bytes.Buffer
	_ = jpeg.Encode(&j, image.NewUniform(color.White), nil)
	f.Add(withEXIFOrientation([]byte("\xff\xd8\xff\xd9"), 3))
	f.Add([]byte("\xff\xd8\xff\xe1\x00\x02"))
	f.Add([]byte("\xff\xd8\xff\xe1\xff\xffExif\x00\x00MM\x00*\x00\x00\x00\x08"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if o := exifOrientation(data); o < 1 || o > 8 {
			t.Fatalf("orientation %d", o)
		}
		_ = jpegProgressive(data)
	})
}

// withEXIFOrientation puts an APP1 EXIF segment with the orientation right after SOI.
func withEXIFOrientation(jpg []byte, o byte) []byte {
	tiff := []byte("MM\x00*\x00\x00\x00\x08\x00\x01\x01\x12\x00\x03\x00\x00\x00\x01\x00")
	tiff = append(tiff, o, 0, 0, 0, 0, 0, 0)
	seg := append([]byte("Exif\x00\x00"), tiff...)
	n := len(seg) + 2
	out := append([]byte{}, jpg[:2]...)
	out = append(out, 0xFF, 0xE1, byte(n>>8), byte(n))
	out = append(out, seg...)
	return append(out, jpg[2:]...)
}
