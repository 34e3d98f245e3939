package api_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"schoolcheck/api/apitest"
	"schoolcheck/model"
)

// benchPhoneClasses is a large school's classes (about 2,400 students).
const benchPhoneClasses = 60

// BenchmarkPhones measures the phone-custody routes through the real router on the database scripts/test.sh
// selects (SCHOOLCHECK_TEST_DB=mysql for MariaDB):
//
//	go test ./api/ -run '^$' -bench BenchmarkPhones -benchtime 300x
//	SCHOOLCHECK_TEST_DB=mysql go test ./api/ -run '^$' -bench BenchmarkPhones -benchtime 300x
//
// collect is the 8 a.m. collection of a school of 60 classes, each head teacher recording theirs (the day's
// checks are cleared, outside the timer, after each round); report/json and report/xlsx are the month's
// report of that school with a collection and a hand-back per class and school day of the month so far
// (60 × 18 × 2 checks, plus a spot check with a follow-up a day).
func BenchmarkPhones(b *testing.B) {
	e := apitest.New(b)
	e.Clock.Set(apitest.At("2026-10-20", "09:00"))
	sc := e.School()
	heads := make([]*apitest.User, benchPhoneClasses)
	classes := make([]*apitest.Class, benchPhoneClasses)
	for i := range heads {
		heads[i] = sc.Teacher(fmt.Sprintf("班主任%02d", i))
		classes[i] = sc.Class(heads[i])
		e.Put("classes/"+classes[i].ID+"/phones-registered", heads[i].Token, map[string]any{"count": 38}).Want(http.StatusOK)
		e.Put("classes/"+classes[i].ID+"/phone-custody", heads[i].Token, custodyReq(heads[i].ID)).Want(http.StatusOK)
	}
	e.Clock.Set(apitest.At("2026-11-25", "08:10"))
	relogin(e, append(heads, sc.Principal)...)
	clear := func() {
		if err := e.DB.Exec("DELETE FROM phone_checks WHERE school_id = ? AND date = ?", sc.ID, "2026-11-25").Error; err != nil {
			b.Fatal(err)
		}
	}
	b.Run("collect", func(b *testing.B) {
		clear()
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			if i > 0 && i%benchPhoneClasses == 0 {
				b.StopTimer()
				clear()
				b.StartTimer()
			}
			k := i % benchPhoneClasses
			if r := e.Post("phone-checks", heads[k].Token, checkReq(classes[k].ID, "2026-11-25", "collect", 38)); r.Code != http.StatusCreated {
				b.Fatalf("status %d: %s", r.Code, r.Body)
			}
		}
	})
	clear()
	seedPhoneMonth(b, e, sc, classes)
	for _, format := range []string{"json", "xlsx"} {
		b.Run("report/"+format, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				if r := e.Get("reports/phones?month=2026-11&format="+format, sc.Principal.Token); r.Code != http.StatusOK {
					b.Fatalf("status %d: %s", r.Code, r.Body)
				}
			}
		})
	}
}

// seedPhoneMonth writes the month's checks straight into the table (the router would take minutes).
func seedPhoneMonth(b *testing.B, e *apitest.Env, sc *apitest.School, classes []*apitest.Class) {
	b.Helper()
	n, found := 38, 1
	now := time.Now().UTC()
	var rows []model.PhoneCheck
	for d := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC); d.Day() <= 25; d = d.AddDate(0, 0, 1) {
		if d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
			continue
		}
		date := d.Format(time.DateOnly)
		for i, c := range classes {
			for _, kind := range []string{"collect", "return"} {
				rows = append(rows, model.PhoneCheck{ID: model.NewID(), SchoolID: sc.ID, ClassID: c.ID, Date: date, Kind: kind,
					Registered: n, Expected: &n, Counted: &n, CreatedAt: now, UpdatedAt: now})
			}
			if i == d.Day()%len(classes) {
				id := model.NewID()
				rows = append(rows, model.PhoneCheck{ID: id, SchoolID: sc.ID, ClassID: c.ID, Date: date, Kind: "spot", Slot: id,
					Registered: n, Found: &found, Note: "课桌内查出", Followup: "open", FollowupAt: &now, CreatedAt: now, UpdatedAt: now})
			}
		}
	}
	if err := e.DB.CreateInBatches(rows, 500).Error; err != nil {
		b.Fatal(err)
	}
}
