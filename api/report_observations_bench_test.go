package api_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"schoolcheck/api/apitest"
	"schoolcheck/model"
	"schoolcheck/service/report"
	"schoolcheck/service/school"
)

// benchObsStaff and benchObsEach size a term of a large school: every staff member gives benchObsEach
// observations between 1 September and 25 November.
const (
	benchObsStaff = 80
	benchObsEach  = 20
)

// BenchmarkObservationReport measures the term's report (JSON and workbook), the inspections Summary and
// one page of GET /observations on a school of 80 staff with 1,600 observations, through the real router
// on the database scripts/test.sh selects:
//
//	go test ./api/ -run '^$' -bench BenchmarkObservationReport -benchtime 20x
//	SCHOOLCHECK_TEST_DB=mysql go test ./api/ -run '^$' -bench BenchmarkObservationReport -benchtime 20x
func BenchmarkObservationReport(b *testing.B) {
	e := apitest.New(b, apitest.WithNow(apitest.At("2026-09-01", "08:00")))
	sc := e.School()
	staff := make([]*apitest.User, benchObsStaff)
	for i := range staff {
		staff[i] = sc.Teacher(fmt.Sprintf("教师%02d", i))
	}
	start := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	var rows []model.Observation
	for i := range staff {
		for k := range benchObsEach {
			day := start.AddDate(0, 0, (i+k*4)%86)
			created := day.Add(2 * time.Hour)
			row := model.Observation{ID: model.NewID(), SchoolID: sc.ID, ObserverID: staff[i].ID,
				TeacherID: staff[(i+k+1)%benchObsStaff].ID, Date: day.Format(time.DateOnly), Period: 1 + k%8,
				Subject: []string{"语文", "数学", "英语", "科学"}[k%4], Topic: "课题", Kind: "routine", RubricVersion: 1,
				Scores: `{"objectives":16,"content":16,"methods":16,"engagement":16,"outcomes":16}`, Total: 60 + (i+k)%40,
				MaxTotal: 100, Strengths: "导入自然，学生参与度高", Suggestions: "小组讨论的时间可以再充分一些",
				Moderation: "pass", ReflectionModeration: "pass", CreatedAt: created, UpdatedAt: created}
			if k%2 == 0 {
				ack := created.Add(24 * time.Hour)
				row.AcknowledgedAt, row.Reflection = &ack, "下次改进提问设计"
			}
			rows = append(rows, row)
		}
	}
	if err := e.DB.CreateInBatches(rows, 200).Error; err != nil {
		b.Fatal(err)
	}
	e.Clock.Set(apitest.At("2026-11-25", "09:00"))
	p := e.Relogin(sc.Principal)
	q := "reports/observations?from=2026-09-01&to=2026-11-25"
	get := func(path string) func(b *testing.B) {
		return func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				if r := e.Get(path, p); r.Code != http.StatusOK {
					b.Fatalf("status %d: %s", r.Code, r.Body)
				}
			}
		}
	}
	b.Run("json", get(q))
	b.Run("xlsx", get(q+"&format=xlsx"))
	b.Run("list-page", get("observations"))
	b.Run("summary", func(b *testing.B) {
		si, err := school.Load(e.DB, sc.ID)
		if err != nil {
			b.Fatal(err)
		}
		per, err := report.SpanPeriod(report.Query{From: "2026-09-01", To: "2026-11-25"}, si, e.Clock.Now())
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for range b.N {
			if s, err := e.App.Observations.Summary(context.Background(), si, per); err != nil || s.Observations != len(rows) {
				b.Fatalf("summary %+v: %v", s, err)
			}
		}
	})
}
