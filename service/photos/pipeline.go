package photos

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"time"

	"golang.org/x/image/draw"
	"golang.org/x/image/webp"

	"schoolcheck/service"
)

// Photo limits (API.md "Photos"; DESIGN.md "Photos").
const (
	// MaxPhotoBytes is the largest upload accepted (10 MiB); the api reads at most one byte more.
	MaxPhotoBytes = 10 << 20
	// maxPhotoPixels refuses images whose header claims more (a 60000×60000 PNG is a few KB on the wire and
	// 14 GB once decoded).
	maxPhotoPixels = 40_000_000
	// photoLongSide is the longest side kept: enough to read a menu board, small on a phone.
	photoLongSide = 2560
	// photoQuality is the JPEG quality of the stored copy.
	photoQuality = 82
	// photoMemoryBudget bounds the bytes that concurrent decodes may hold at once. Each decode reserves its
	// estimate (decodeCost) before decoding, so a burst of 40-megapixel uploads queues instead of exhausting
	// memory; one decode of the largest accepted image (a 16-bit 40 MP PNG, about 390 MB) still fits.
	photoMemoryBudget = 512 << 20
	// photoQueueWait is how long an upload waits for room in the budget before it is told to retry (503).
	photoQueueWait = 30 * time.Second
)

// Formats recognised by content.
const (
	formatJPEG = "jpeg"
	formatPNG  = "png"
	formatWebP = "webp"
)

// sniffPhoto names the image format from the first bytes, whatever the file name or Content-Type claim.
func sniffPhoto(b []byte) string {
	switch {
	case len(b) >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF:
		return formatJPEG
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return formatPNG
	case len(b) >= 12 && string(b[0:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		return formatWebP
	}
	return ""
}

func decodeConfig(format string, b []byte) (image.Config, error) {
	r := bytes.NewReader(b)
	switch format {
	case formatJPEG:
		return jpeg.DecodeConfig(r)
	case formatPNG:
		return png.DecodeConfig(r)
	}
	return webp.DecodeConfig(r)
}

func decodeImage(format string, b []byte) (image.Image, error) {
	r := bytes.NewReader(b)
	switch format {
	case formatJPEG:
		return jpeg.Decode(r)
	case formatPNG:
		return png.Decode(r)
	}
	return webp.Decode(r)
}

// decodeCost estimates the bytes a decode of cfg holds at its peak: the decoded image (worst case per colour
// model), the coefficients a progressive JPEG decoder keeps (4 bytes per coefficient, up to three full-size
// components), the first half-size step (RGBA, a quarter of the pixels at 4 bytes) and the output with its
// encoder. An estimate over the budget takes the whole budget: that decode runs alone.
func decodeCost(cfg image.Config, progressive bool) int64 {
	perPixel := int64(4)
	switch cfg.ColorModel {
	case color.GrayModel:
		perPixel = 1
	case color.Gray16Model:
		perPixel = 2
	case color.YCbCrModel:
		perPixel = 3
	case color.RGBA64Model, color.NRGBA64Model:
		perPixel = 8
	}
	if _, ok := cfg.ColorModel.(color.Palette); ok {
		perPixel = 1
	}
	if progressive {
		perPixel += 12
	}
	px := int64(cfg.Width) * int64(cfg.Height)
	cost := px*(perPixel+1) + photoLongSide*photoLongSide*4 + 4<<20
	return min(cost, photoMemoryBudget)
}

// processedPhoto is the stored form of an upload.
type processedPhoto struct {
	data          []byte
	width, height int
	sha256        string
}

// processPhoto turns an upload into the JPEG that is stored: format by content (else 415), dimensions from
// the header before any decode (over 40 MP or unreadable: 422), then decode, EXIF orientation applied, long
// side reduced to 2560 px and re-encoded — which drops EXIF, GPS and anything appended to the file. Decodes
// wait for room in the service's memory budget, at most photoQueueWait (then 503) and never past ctx.
func (s *Service) processPhoto(ctx context.Context, data []byte) (processedPhoto, error) {
	format := sniffPhoto(data)
	if format == "" {
		return processedPhoto{}, service.E(service.ErrUnsupportedMedia, "unsupported_media_type", "只支持 JPEG、PNG 或 WebP 格式的照片")
	}
	cfg, err := decodeConfig(format, data)
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 {
		return processedPhoto{}, invalidPhoto("照片文件已损坏，无法读取")
	}
	if int64(cfg.Width)*int64(cfg.Height) > maxPhotoPixels {
		return processedPhoto{}, invalidPhoto("照片像素过多（超过 4000 万像素），请压缩后再上传")
	}
	cost := decodeCost(cfg, format == formatJPEG && jpegProgressive(data))
	if err := s.reservePhotoMemory(ctx, cost, photoQueueWait); err != nil {
		return processedPhoto{}, err
	}
	defer s.mem.Release(cost)
	src, err := decodeImage(format, data)
	if err != nil {
		return processedPhoto{}, invalidPhoto("照片文件已损坏，无法读取")
	}
	orientation := 1
	if format == formatJPEG {
		orientation = exifOrientation(data)
	}
	out := fitPhoto(src, photoLongSide)
	out = orient(out, orientation)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, out, &jpeg.Options{Quality: photoQuality}); err != nil {
		return processedPhoto{}, err
	}
	sum := sha256.Sum256(buf.Bytes())
	b := out.Bounds()
	return processedPhoto{data: buf.Bytes(), width: b.Dx(), height: b.Dy(), sha256: hex.EncodeToString(sum[:])}, nil
}

// reservePhotoMemory waits up to wait for cost bytes of the decode budget: the caller's cancellation ends
// the wait with ctx's error, a full budget with 503 so the mini-program retries later.
func (s *Service) reservePhotoMemory(ctx context.Context, cost int64, wait time.Duration) error {
	wctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	if err := s.mem.Acquire(wctx, cost); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		e := service.E(service.ErrUnavailable, "unavailable", "照片处理繁忙，请稍后重试")
		e.RetryAfter = 10 * time.Second
		return e
	}
	return nil
}

func invalidPhoto(msg string) *service.Error { return service.E(service.ErrRule, "invalid_photo", msg) }

// fitPhoto scales src so that its long side is at most long, flattening transparency onto white (JPEG has
// no alpha). Large reductions first halve the image with an exact 2×2 average (ApproxBiLinear at a factor of
// two samples the four source pixels equally), then take the last step below 2× with ApproxBiLinear: this
// anti-aliases like a mipmap while holding only small intermediates. x/image/draw's kernel scalers
// (CatmullRom, BiLinear) were measured to allocate width×source-height×32 bytes (286 MB for one 12 MP photo),
// too much for concurrent uploads; see docs/performance.md.
func fitPhoto(src image.Image, long int) image.Image {
	sb := src.Bounds()
	w, h := sb.Dx(), sb.Dy()
	if m := max(w, h); m > long {
		w, h = max(1, (w*long+m/2)/m), max(1, (h*long+m/2)/m)
	}
	opaque := isOpaque(src)
	if w == sb.Dx() && h == sb.Dy() && opaque {
		return src
	}
	cur := src
	for cb := cur.Bounds(); cb.Dx() >= 2*w && cb.Dy() >= 2*h; cb = cur.Bounds() {
		half := image.NewRGBA(image.Rect(0, 0, cb.Dx()/2, cb.Dy()/2))
		draw.ApproxBiLinear.Scale(half, half.Bounds(), cur, cb, draw.Src, nil)
		cur = half
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	op := draw.Src
	if !opaque {
		draw.Draw(dst, dst.Bounds(), image.White, image.Point{}, draw.Src)
		op = draw.Over
	}
	draw.ApproxBiLinear.Scale(dst, dst.Bounds(), cur, cur.Bounds(), op, nil)
	return dst
}

// isOpaque answers cheaply for the decoders' usual opaque types and asks the image otherwise.
func isOpaque(img image.Image) bool {
	switch m := img.(type) {
	case *image.YCbCr, *image.Gray, *image.Gray16, *image.CMYK:
		return true
	case interface{ Opaque() bool }:
		return m.Opaque()
	}
	return false
}
