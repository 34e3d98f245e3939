package photos

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/image/draw"
	"golang.org/x/sync/semaphore"

	"schoolcheck/model"
	"schoolcheck/model/modeltest"
	"schoolcheck/service"
	"schoolcheck/service/school"
	"schoolcheck/storage/storagetest"
)

// photoFixture is a w×h photo-like JPEG: gradients with per-pixel noise (amplitude noise), so that the
// encoder has real detail to work on.
func photoFixture(tb testing.TB, w, h, noise, quality int) []byte {
	tb.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	r := rand.New(rand.NewPCG(1, 2))
	for y := range h {
		for x := range w {
			n := 0
			if noise > 0 {
				n = r.IntN(noise)
			}
			i := img.PixOffset(x, y)
			img.Pix[i] = uint8(x*200/w + n)
			img.Pix[i+1] = uint8(y*200/h + n/2)
			img.Pix[i+2] = uint8((x+y)%128 + n)
			img.Pix[i+3] = 255
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: quality}); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

// BenchmarkPhotoPipeline runs the whole processing of a 12-megapixel upload (sniff, header check, decode,
// resize to 2560 px, re-encode, SHA-256), without storage or database.
func BenchmarkPhotoPipeline(b *testing.B) {
	data := photoFixture(b, 4000, 3000, 40, 90)
	s := New(service.NewCore(nil, nil, nil), nil)
	ctx := context.Background()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.processPhoto(ctx, data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBareResize is the baseline: image/jpeg decode, one x/image/draw scale to 2560×1920 and encode of
// the same file, with the scaler the pipeline uses and with CatmullRom for comparison.
func BenchmarkBareResize(b *testing.B) {
	data := photoFixture(b, 4000, 3000, 40, 90)
	for _, k := range []struct {
		name string
		s    draw.Scaler
	}{{"ApproxBiLinear", draw.ApproxBiLinear}, {"CatmullRom", draw.CatmullRom}} {
		b.Run(k.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				src, err := jpeg.Decode(bytes.NewReader(data))
				if err != nil {
					b.Fatal(err)
				}
				dst := image.NewRGBA(image.Rect(0, 0, 2560, 1920))
				k.s.Scale(dst, dst.Bounds(), src, src.Bounds(), draw.Src, nil)
				var out bytes.Buffer
				if err := jpeg.Encode(&out, dst, &jpeg.Options{Quality: photoQuality}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkPhotoBurst uploads twenty 40-megapixel photos at once through UploadPhoto (local store, the test
// database) and reports the peak Go heap and the peak resident set of the burst, with the service's memory
// budget and, for comparison, without any limit. Run with -benchtime=1x.
func BenchmarkPhotoBurst(b *testing.B) {
	plain := image.NewNRGBA(image.Rect(0, 0, 8000, 5000))
	for i := range plain.Pix {
		plain.Pix[i] = uint8(i / 4000 % 256)
	}
	var pngBuf bytes.Buffer
	if err := png.Encode(&pngBuf, plain); err != nil {
		b.Fatal(err)
	}
	plain = nil
	files := map[string][]byte{"jpeg": photoFixture(b, 8000, 5000, 12, 85), "png": pngBuf.Bytes()}
	for _, kind := range []string{"jpeg", "png"} {
		for _, limited := range []bool{true, false} {
			name := kind + "/budget"
			if !limited {
				name = kind + "/unlimited"
			}
			b.Run(name, func(b *testing.B) {
				data := files[kind]
				if len(data) > MaxPhotoBytes {
					b.Fatalf("%s fixture is %d bytes, over the upload limit", kind, len(data))
				}
				s, a := burstService(b)
				if !limited {
					s.mem = semaphore.NewWeighted(1 << 40)
				}
				var heap, rss uint64
				for b.Loop() {
					h, r := measurePeak(func() {
						var wg sync.WaitGroup
						for range 20 {
							wg.Add(1)
							go func() {
								defer wg.Done()
								if _, err := s.Upload(context.Background(), a, Upload{Data: data}); err != nil {
									b.Error(err)
								}
							}()
						}
						wg.Wait()
					})
					heap, rss = max(heap, h), max(rss, r)
				}
				b.ReportMetric(float64(heap)/(1<<20), "peak-heap-MiB")
				b.ReportMetric(float64(rss)/(1<<20), "peak-RSS-MiB")
				b.ReportMetric(float64(len(data))/(1<<20), "file-MiB")
			})
		}
	}
}

// burstService is a service on a fresh database and store with a school and its principal as the actor.
func burstService(b *testing.B) (*Service, *service.Actor) {
	b.Helper()
	db := modeltest.DB(b)
	core := service.NewCore(db, nil, nil)
	s := New(core, storagetest.Store(b))
	id, err := school.New(core).Bootstrap(context.Background(), school.BootstrapInput{Region: "压测区", School: "压测学校", PrincipalName: "校长",
		PrincipalPhone: "13900002222"})
	if err != nil {
		b.Fatal(err)
	}
	var st model.Staff
	if err := db.Scopes(model.InSchool(id)).Take(&st).Error; err != nil {
		b.Fatal(err)
	}
	return s, &service.Actor{AccountID: "bench", StaffID: st.ID, Name: st.Name, SchoolID: id, Roles: []string{service.RolePrincipal}}
}

// measurePeak runs fn and returns the highest heap in use (sampled every millisecond from runtime/metrics)
// and the peak resident set of the process during fn (VmHWM, reset before; Linux only, else 0).
func measurePeak(fn func()) (heap, rss uint64) {
	runtime.GC()
	debug.FreeOSMemory()
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) // reset VmHWM to the current RSS
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/heap/unused:bytes"}}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(sample)
			heap = max(heap, sample[0].Value.Uint64()+sample[1].Value.Uint64())
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	fn()
	close(done)
	wg.Wait()
	return heap, vmHWM()
}

func vmHWM() uint64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			n, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n << 10
		}
	}
	return 0
}

// A full decode budget queues uploads: the wait ends with the caller's context, or with 503 when the
// budget stays full; room made by a finished decode lets the next one in.
func TestPhotoMemoryBudgetQueues(t *testing.T) {
	s := New(service.NewCore(nil, nil, nil), nil)
	if !s.mem.TryAcquire(photoMemoryBudget) {
		t.Fatal("budget not free")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.reservePhotoMemory(ctx, 1, time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled wait: %v", err)
	}
	if err := s.reservePhotoMemory(context.Background(), 1, time.Millisecond); !errors.Is(err, service.ErrUnavailable) {
		t.Fatalf("full budget: %v", err)
	}
	done := make(chan error)
	go func() { done <- s.reservePhotoMemory(context.Background(), photoMemoryBudget, time.Hour) }()
	s.mem.Release(photoMemoryBudget)
	if err := <-done; err != nil {
		t.Fatalf("wait after release: %v", err)
	}
}

// The eight EXIF orientations put a 3×2 image's top-left pixel where the viewer expects it.
func TestOrient(t *testing.T) {
	src := image.NewRGBA(image.Rect(0, 0, 3, 2))
	for y := range 2 {
		for x := range 3 {
			src.Set(x, y, color.RGBA{R: uint8(10*x + y), A: 255})
		}
	}
	// For each orientation: the output size and the source (x, y) that lands at output (0, 0) and (1, 0).
	for o, want := range map[int]struct{ w, h, x0, y0, x1, y1 int }{
		1: {3, 2, 0, 0, 1, 0}, 2: {3, 2, 2, 0, 1, 0}, 3: {3, 2, 2, 1, 1, 1}, 4: {3, 2, 0, 1, 1, 1},
		5: {2, 3, 0, 0, 0, 1}, 6: {2, 3, 0, 1, 0, 0}, 7: {2, 3, 2, 1, 2, 0}, 8: {2, 3, 2, 0, 2, 1},
	} {
		out := orient(src, o)
		b := out.Bounds()
		at := func(x, y int) uint8 { r, _, _, _ := out.At(x, y).RGBA(); return uint8(r >> 8) }
		if b.Dx() != want.w || b.Dy() != want.h || at(0, 0) != uint8(10*want.x0+want.y0) || at(1, 0) != uint8(10*want.x1+want.y1) {
			t.Errorf("orientation %d: %v, (0,0)=%d (1,0)=%d, want %+v", o, b, at(0, 0), at(1, 0), want)
		}
	}
}

// A JPEG's EXIF orientation is found in big- and little-endian TIFF headers and ignored when absent.
func TestExifOrientation(t *testing.T) {
	app1 := func(tiff []byte) []byte {
		seg := append([]byte("Exif\x00\x00"), tiff...)
		n := len(seg) + 2
		return append(append([]byte{0xFF, 0xD8, 0xFF, 0xE1, byte(n >> 8), byte(n)}, seg...), 0xFF, 0xD9)
	}
	be := []byte{'M', 'M', 0, '*', 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 8, 0, 0, 0, 0, 0, 0}
	le := []byte{'I', 'I', '*', 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0}
	for name, c := range map[string]struct {
		data []byte
		want int
	}{
		"big endian": {app1(be), 8}, "little endian": {app1(le), 3}, "none": {[]byte{0xFF, 0xD8, 0xFF, 0xD9}, 1},
		"truncated": {app1(be)[:14], 1}, "garbage tiff": {app1([]byte("XXXXXXXXXXXX")), 1},
	} {
		if got := exifOrientation(c.data); got != c.want {
			t.Errorf("%s: %d, want %d", name, got, c.want)
		}
	}
	// A progressive frame header (SOF2) is told from a baseline one, after other segments.
	progressive := append(app1(be)[:len(app1(be))-2], 0xFF, 0xC2, 0, 3, 8, 0xFF, 0xD9)
	if !jpegProgressive(progressive) || jpegProgressive(photoFixture(t, 16, 16, 0, 80)) {
		t.Error("progressive JPEG not told from baseline")
	}
}
