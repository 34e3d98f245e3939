package api_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"schoolcheck/api/apitest"
	"schoolcheck/storage"
	"schoolcheck/storage/storagetest"
)

// Photos no record took are deleted after a day, objects and rows; attached and younger ones stay. Three
// sweeps at once (three instances) agree.
func TestPhotoSweep(t *testing.T) {
	e := mealEnv(t)
	sc := e.School()
	leader := sc.Leader("许主任")
	orphan, kept := photoID(e, leader.Token), photoID(e, leader.Token)
	e.Post("meals", leader.Token, mealReq("2026-11-25", kept)).Want(http.StatusCreated)
	e.Clock.Advance(20 * time.Hour)
	young := photoID(e, e.Relogin(leader))
	keys := map[string]string{}
	for _, id := range []string{orphan, kept, young} {
		keys[id], _, _ = photoRow(e, sc.ID, id)
	}
	e.Clock.Advance(5 * time.Hour) // orphan 25 h old, young 5 h
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := e.App.Photos.Sweep(context.Background())
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent sweep: %v", err)
		}
	}
	if _, _, found := photoRow(e, sc.ID, orphan); found || storedObject(e, keys[orphan]) != nil {
		t.Fatalf("day-old unattached photo kept (row %v)", found)
	}
	for _, id := range []string{kept, young} {
		if _, _, found := photoRow(e, sc.ID, id); !found || storedObject(e, keys[id]) == nil {
			t.Fatalf("photo %s swept (row %v)", id, found)
		}
	}
	// An object already gone does not stop the sweep of its row.
	e.Clock.Advance(25 * time.Hour)
	if err := e.Store.Delete(context.Background(), keys[young]); err != nil {
		t.Fatal(err)
	}
	if err := e.RunJobs(); err != nil {
		t.Fatal(err)
	}
	if _, _, found := photoRow(e, sc.ID, young); found {
		t.Fatal("row of a photo whose object was gone is kept")
	}
	// The meal keeps its photo.
	if _, _, found := photoRow(e, sc.ID, kept); !found {
		t.Fatal("attached photo swept")
	}
}

// Two records filed at once with the same photo: exactly one gets it, the other is 422 and not written.
func TestPhotoAttachRace(t *testing.T) {
	e := mealEnv(t)
	sc := e.School()
	leader := sc.Leader("吕主任")
	for round, dates := range [][2]string{{"2026-11-25", "2026-11-24"}, {"2026-11-23", "2026-11-20"}, {"2026-11-19", "2026-11-18"}} {
		p := photoID(e, leader.Token)
		codes := make([]int, 2)
		var wg sync.WaitGroup
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				codes[i] = e.Post("meals", leader.Token, mealReq(dates[i], p)).Code
			}()
		}
		wg.Wait()
		if got := [2]int{codes[0], codes[1]}; got != [2]int{201, 422} && got != [2]int{422, 201} {
			t.Fatalf("round %d: statuses %v, want one 201 and one 422", round, codes)
		}
	}
}

// MinIO stopped during uploads: 503 with Retry-After, nothing recorded, nothing stored; started again,
// uploads work.
func TestPhotoObjectStoreDown(t *testing.T) {
	proc := storagetest.MinIOProcess(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	store, err := storage.NewMinIO(ctx, proc.Config("photos-down"))
	if err != nil {
		t.Fatal(err)
	}
	e := mealEnv(t, apitest.WithStore(store))
	sc := e.School()
	leader := sc.Leader("何主任")
	img := jpegBytes(t, 800, 600)
	upload(e, leader.Token, img).Want(http.StatusCreated)
	proc.Stop()
	r := upload(e, leader.Token, img).WantError(http.StatusServiceUnavailable, "unavailable")
	if r.Header.Get("Retry-After") == "" {
		t.Fatal("503 without Retry-After")
	}
	if n := e.Count("photos", sc.ID); n != 1 {
		t.Fatalf("%d photo rows after a failed upload, want 1", n)
	}
	proc.Start()
	upload(e, leader.Token, img).Want(http.StatusCreated)
	keys, err := store.List(ctx, "schools/"+sc.ID+"/")
	if err != nil {
		t.Fatal(err)
	}
	if n := e.Count("photos", sc.ID); n != 2 || len(keys) != 2 {
		t.Fatalf("%d rows and %d objects, want 2 and 2: %v", n, len(keys), keys)
	}
}
