package api_test

import (
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"

	"schoolcheck/api/apitest"
	"schoolcheck/service/school"
)

// benchPunchStaff is how many teachers take turns; every round each signs in once.
const benchPunchStaff = 50

// BenchmarkPunch measures POST /attendance/punches through the real router (authentication, JSON,
// service, database) on the database scripts/test.sh selects (SCHOOLCHECK_TEST_DB=mysql for MariaDB).
//
//	go test ./api/ -run '^$' -bench BenchmarkPunch -benchtime 2000x
//	SCHOOLCHECK_TEST_DB=mysql go test ./api/ -run '^$' -bench BenchmarkPunch -benchtime 2000x
//
// first-in is the morning rush: every punch is the day's first "in" of its teacher (the day's rows are
// cleared, outside the timer, after each round). repeat-in is a second "in" that keeps the first; out
// replaces the day's "out"; parallel-out runs several clients at once.
func BenchmarkPunch(b *testing.B) {
	e := apitest.New(b)
	sc := e.School()
	st := sc.Settings()
	st.Attendance.Methods = []string{"location", "qr"}
	st.Attendance.Fences = []school.Fence{{Name: "行政楼", Lat: fenceLat, Lng: fenceLng, RadiusM: 200}}
	for _, d := range []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"} {
		st.Attendance.Windows[d] = school.Window{In: "07:50", Out: "17:30"}
	}
	sc.SetSettings(st)
	leader := sc.Leader("值班主任")
	users := make([]*apitest.User, benchPunchStaff)
	for i := range users {
		users[i] = sc.Teacher(fmt.Sprintf("教师%02d", i))
	}
	e.Clock.Set(apitest.At("2026-11-25", "07:45"))
	for _, u := range append(users, leader) {
		u.Token = e.Relogin(u)
	}
	qr := e.Get("attendance/qr", leader.Token).Want(http.StatusOK).Str("content")
	located := map[string]any{"kind": "in", "lat": fenceLat + 0.0005, "lng": fenceLng, "accuracy_m": 25}
	scanned := map[string]any{"kind": "in", "qr_token": qr}
	clear := func() {
		if err := e.DB.Exec("DELETE FROM attendance_punches WHERE school_id = ?", sc.ID).Error; err != nil {
			b.Fatal(err)
		}
	}
	punch := func(b *testing.B, u *apitest.User, body map[string]any, want int) {
		if r := e.Post("attendance/punches", u.Token, body); r.Code != want {
			b.Errorf("status %d, want %d: %s", r.Code, want, r.Body) // Errorf: RunParallel's goroutines may not FailNow
		}
	}
	firstIn := func(body map[string]any) func(b *testing.B) {
		return func(b *testing.B) {
			clear()
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				if i > 0 && i%benchPunchStaff == 0 {
					b.StopTimer()
					clear()
					b.StartTimer()
				}
				punch(b, users[i%benchPunchStaff], body, http.StatusCreated)
			}
		}
	}
	b.Run("first-in/location", firstIn(located))
	b.Run("first-in/qr", firstIn(scanned))
	b.Run("repeat-in", func(b *testing.B) {
		b.ReportAllocs()
		for i := range b.N {
			punch(b, users[i%benchPunchStaff], located, http.StatusOK)
		}
	})
	out := map[string]any{"kind": "out", "lat": fenceLat, "lng": fenceLng, "accuracy_m": 25}
	b.Run("out", func(b *testing.B) {
		b.ReportAllocs()
		for i := range b.N {
			punch(b, users[i%benchPunchStaff], out, http.StatusCreated)
		}
	})
	b.Run("parallel-out", func(b *testing.B) {
		var next atomic.Int64
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				punch(b, users[next.Add(1)%benchPunchStaff], out, http.StatusCreated)
			}
		})
	})
}
