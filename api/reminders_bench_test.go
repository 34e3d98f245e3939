package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"schoolcheck/api/apitest"
	"schoolcheck/model"
	"schoolcheck/service/school"
)

// The city the scheduler benchmark seeds: schools × staff × classes, with a day of records.
const (
	benchSchools = 100
	benchStaff   = 80
	benchClasses = 30
	benchDay     = "2026-11-25"
)

// BenchmarkReminderPass measures one scheduler pass over a seeded city on the database scripts/test.sh
// selects (SCHOOLCHECK_TEST_DB=mysql for MariaDB), counting the statements it sends through GORM:
//
//	go test ./api/ -run '^$' -bench BenchmarkReminderPass -benchtime 20x
//	SCHOOLCHECK_TEST_DB=mysql SCHOOLCHECK_TEST_MYSQL_DSN=... go test ./api/ -run '^$' -bench BenchmarkReminderPass -benchtime 20x
//
// The city is 100 schools of 80 bound staff and 30 classes, with a day of records (sign-ins and most
// sign-outs, lunch recorded in half the schools, duties in a third, phones registered everywhere and
// collected in half the classes, open feedback and unacknowledged observations) and 30 days of finished
// scheduler slots. Each case is the pass at one minute of the day after a pass the minute before: "quiet"
// is a minute with nothing due (the cost every instance pays every jobs.interval), the others the minute a
// reminder falls due in every school at once — its slots are released again between iterations, outside
// the timer, so each iteration is that minute's first pass.
func BenchmarkReminderPass(b *testing.B) {
	e := apitest.New(b, apitest.WithOwnDatabase())
	seedReminderCity(b, e.DB)
	var statements atomic.Int64
	count := func(*gorm.DB) { statements.Add(1) }
	cb := e.DB.Callback()
	for _, err := range []error{
		cb.Query().After("gorm:query").Register("bench:count", count),
		cb.Create().After("gorm:create").Register("bench:count", count),
		cb.Update().After("gorm:update").Register("bench:count", count),
		cb.Delete().After("gorm:delete").Register("bench:count", count),
		cb.Row().After("gorm:row").Register("bench:count", count),
		cb.Raw().After("gorm:raw").Register("bench:count", count),
	} {
		if err != nil {
			b.Fatal(err)
		}
	}
	cases := []struct {
		name, at string
		slots    map[string]string // job → occasion key released between iterations
	}{
		{"quiet_10:15", "10:15", nil},
		{"window_07:50", "07:50", map[string]string{"observations.observation_ack": "ack", "meals.feedback_overdue": "07:50"}},
		{"phone_collect_08:30", "08:30", map[string]string{"phones.phone_collect": "collect"}},
		{"meal_unrecorded_13:30", "13:30", map[string]string{"meals.meal_unrecorded": "lunch"}},
		{"signout_18:00", "18:00", map[string]string{"attendance.signout": "signout"}},
	}
	ctx := context.Background()
	for _, c := range cases {
		at := apitest.At(benchDay, c.at)
		e.Clock.Set(at.Add(-time.Minute))
		if _, err := e.App.Scheduler.Pass(ctx); err != nil {
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) {
			e.Clock.Set(at)
			var queued, stmts int64
			for range b.N {
				b.StopTimer()
				for job, key := range c.slots {
					if err := e.DB.Where("job = ? AND slot = ?", job, benchDay+" "+key).Delete(&model.JobRun{}).Error; err != nil {
						b.Fatal(err)
					}
				}
				if err := e.DB.Where("status = ?", "pending").Delete(&model.OutboxMessage{}).Error; err != nil {
					b.Fatal(err)
				}
				before := statements.Load()
				b.StartTimer()
				if _, err := e.App.Scheduler.Pass(ctx); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				stmts += statements.Load() - before
				var n int64
				e.DB.Model(&model.OutboxMessage{}).Where("status = ?", "pending").Count(&n)
				queued += n
				b.StartTimer()
			}
			b.ReportMetric(float64(stmts)/float64(b.N), "statements/op")
			b.ReportMetric(float64(queued)/float64(b.N), "queued/op")
		})
	}
}

// seedReminderCity writes the city straight into the tables, in batches.
func seedReminderCity(b *testing.B, db *gorm.DB) {
	b.Helper()
	opened := apitest.At("2026-09-01", "08:00").UTC()
	day := apitest.At(benchDay, "00:00")
	settings, err := json.Marshal(school.DefaultSettings(opened))
	if err != nil {
		b.Fatal(err)
	}
	var (
		regions  []model.Region
		schools  []model.School
		accounts []model.Account
		staff    []model.Staff
		classes  []model.Class
		regs     []model.PhoneRegistration
		checks   []model.PhoneCheck
		punches  []model.AttendancePunch
		meals    []model.Meal
		duties   []model.MealDuty
		feedback []model.Feedback
		obs      []model.Observation
		runs     []model.JobRun
	)
	regions = append(regions, model.Region{ID: model.NewID(), Name: "压测市", CreatedAt: opened})
	for s := range benchSchools {
		sc := model.School{ID: model.NewID(), RegionID: regions[0].ID, Name: fmt.Sprintf("压测学校%03d", s),
			Timezone: "Asia/Shanghai", Settings: string(settings), QRSecret: "x", CreatedAt: opened, UpdatedAt: opened}
		schools = append(schools, sc)
		ids := make([]string, benchStaff)
		for i := range benchStaff {
			acct := model.Account{ID: model.NewID(), OpenID: fmt.Sprintf("bench-%03d-%02d", s, i), CreatedAt: opened,
				LastLoginAt: opened}
			roles := "teacher"
			switch {
			case i == 0:
				roles = "principal,leader"
			case i < 5:
				roles = "leader"
			}
			ids[i] = model.NewID()
			staff = append(staff, model.Staff{ID: ids[i], SchoolID: sc.ID, RegionID: sc.RegionID, Name: fmt.Sprintf("教师%02d", i),
				Phone: fmt.Sprintf("139%04d%04d", s, i), Roles: roles, Active: true, AccountID: &acct.ID, BoundAt: &opened,
				CreatedAt: opened, UpdatedAt: opened})
			accounts = append(accounts, acct)
			in := day.Add(7*time.Hour + 45*time.Minute).UTC()
			punches = append(punches, model.AttendancePunch{ID: model.NewID(), SchoolID: sc.ID, StaffID: ids[i], Date: benchDay,
				Kind: "in", At: in, Method: "qr", Status: "on_time", CreatedAt: in, UpdatedAt: in})
			if i%4 != 0 {
				out := day.Add(17*time.Hour + 35*time.Minute).UTC()
				punches = append(punches, model.AttendancePunch{ID: model.NewID(), SchoolID: sc.ID, StaffID: ids[i], Date: benchDay,
					Kind: "out", At: out, Method: "qr", Status: "normal", CreatedAt: out, UpdatedAt: out})
			}
		}
		for c := range benchClasses {
			head := ids[5+c]
			cl := model.Class{ID: model.NewID(), SchoolID: sc.ID, Grade: fmt.Sprintf("%d年级", c/5+1), Name: fmt.Sprintf("%d班", c%5+1),
				HeadTeacherID: &head, StudentCount: 45, InviteCode: fmt.Sprintf("B%03d%02d", s, c), PhonesRegistered: 20,
				CreatedAt: opened, UpdatedAt: opened}
			classes = append(classes, cl)
			regs = append(regs, model.PhoneRegistration{ID: model.NewID(), SchoolID: sc.ID, ClassID: cl.ID, FromDate: "2026-09-01",
				Count: 20, SetBy: head, CreatedAt: opened, UpdatedAt: opened})
			if c%2 == 0 {
				n := 20
				checks = append(checks, model.PhoneCheck{ID: model.NewID(), SchoolID: sc.ID, ClassID: cl.ID, Date: benchDay,
					Kind: "collect", Registered: n, Expected: &n, Counted: &n, AuthorID: head, CreatedAt: opened, UpdatedAt: opened})
			}
		}
		if s%2 == 0 {
			meals = append(meals, model.Meal{ID: model.NewID(), SchoolID: sc.ID, Date: benchDay, Meal: "lunch", AuthorID: ids[1],
				Role: "leader", Dishes: "[]", Hygiene: 5, Taste: 5, Quantity: 5, Temperature: 5, Price: 5, CreatedAt: opened, UpdatedAt: opened})
		}
		if s%3 == 0 {
			duties = append(duties, model.MealDuty{SchoolID: sc.ID, Date: benchDay, Meal: "lunch", LeaderID: ids[2],
				AssignedBy: ids[0], UpdatedAt: opened})
		}
		for f := range 5 {
			at := day.Add(-time.Duration(24*(f+1)) * time.Hour).UTC()
			feedback = append(feedback, model.Feedback{ID: model.NewID(), SchoolID: sc.ID, AccountID: model.NewID(),
				ClassID: classes[len(classes)-1].ID, Label: "五年级5班家长", Category: "taste", Content: "饭菜偏咸", Status: "open",
				Moderation: "pass", CreatedDate: at.Format(time.DateOnly), CreatedAt: at, UpdatedAt: at})
		}
		for o := range 10 {
			at := day.Add(-time.Duration(24*(o+3)) * time.Hour).UTC()
			obs = append(obs, model.Observation{ID: model.NewID(), SchoolID: sc.ID, ObserverID: ids[1], TeacherID: ids[10+o],
				Date: at.Format(time.DateOnly), Period: 2, Subject: "语文", Topic: "古诗两首", Kind: "routine", RubricVersion: 1,
				Scores: "{}", Total: 80, MaxTotal: 100, Moderation: "pass", CreatedAt: at, UpdatedAt: at})
		}
		// A month of finished slots, as the scheduler leaves them.
		for d := 1; d <= 30; d++ {
			date, done := day.AddDate(0, 0, -d).Format(time.DateOnly), day.AddDate(0, 0, -d).Add(20*time.Hour).UTC()
			for job, keys := range map[string][]string{"meals.meal_unrecorded": {"lunch"}, "phones.phone_collect": {"collect"},
				"attendance.signout": {"signout"}, "observations.observation_ack": {"ack"},
				"meals.feedback_overdue": {"07:50", "08:00", "09:00", "10:00", "11:00", "12:00", "13:00", "14:00", "15:00", "16:00", "17:00"}} {
				for _, k := range keys {
					runs = append(runs, model.JobRun{Job: job, SchoolID: sc.ID, Slot: date + " " + k, Holder: "bench",
						StartedAt: done, ExpiresAt: done, DoneAt: &done, Outcome: "ok", Runs: 1})
				}
			}
		}
	}
	for _, rows := range []any{regions, schools, accounts, staff, classes, regs, checks, punches, meals, duties, feedback, obs, runs} {
		if err := db.CreateInBatches(rows, 500).Error; err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSchedulerLeaseHistory measures the pass every instance makes every minute when nothing is due,
// in a city of 1,500 schools whose scheduler slots of the last 40 days are kept (the purge's horizon):
//
//	go test ./api/ -run '^$' -bench BenchmarkSchedulerLeaseHistory -benchtime 20x
//
// "indexed" is the schema as migrated; "primary_key_only" drops migration 10's index on (job, slot), which
// leaves the pass's read of the day's finished slots to the primary key (job, school, slot).
func BenchmarkSchedulerLeaseHistory(b *testing.B) {
	e := apitest.New(b, apitest.WithOwnDatabase())
	opened := apitest.At("2026-09-01", "08:00").UTC()
	settings, err := json.Marshal(school.DefaultSettings(opened))
	if err != nil {
		b.Fatal(err)
	}
	region := model.Region{ID: model.NewID(), Name: "压测市", CreatedAt: opened}
	if err := e.DB.Create(&region).Error; err != nil {
		b.Fatal(err)
	}
	day := apitest.At(benchDay, "00:00")
	keys := map[string][]string{"meals.meal_unrecorded": {"lunch"}, "phones.phone_collect": {"collect"},
		"attendance.signout": {"signout"}, "observations.observation_ack": {"ack"},
		"meals.feedback_overdue": {"07:50", "08:00", "09:00", "10:00", "11:00", "12:00", "13:00", "14:00", "15:00", "16:00", "17:00"}}
	for s := range 1500 {
		sc := model.School{ID: model.NewID(), RegionID: region.ID, Name: fmt.Sprintf("压测学校%04d", s), Timezone: "Asia/Shanghai",
			Settings: string(settings), QRSecret: "x", CreatedAt: opened, UpdatedAt: opened}
		runs := make([]model.JobRun, 0, 40*15)
		for d := 1; d < 40; d++ { // the purge keeps 40 days
			date, done := day.AddDate(0, 0, -d).Format(time.DateOnly), day.AddDate(0, 0, -d).Add(20*time.Hour).UTC()
			for job, ks := range keys {
				for _, k := range ks {
					runs = append(runs, model.JobRun{Job: job, SchoolID: sc.ID, Slot: date + " " + k, Holder: "bench",
						StartedAt: done, ExpiresAt: done, DoneAt: &done, Outcome: "ok", Runs: 1})
				}
			}
		}
		if err := e.DB.Create(&sc).Error; err != nil {
			b.Fatal(err)
		}
		if err := e.DB.CreateInBatches(runs, 200).Error; err != nil {
			b.Fatal(err)
		}
	}
	ctx := context.Background()
	e.Clock.Set(apitest.At(benchDay, "10:14"))
	if _, err := e.App.Scheduler.Pass(ctx); err != nil {
		b.Fatal(err)
	}
	e.Clock.Set(apitest.At(benchDay, "10:15"))
	for _, name := range []string{"indexed", "primary_key_only"} {
		if name == "primary_key_only" {
			if err := e.DB.Migrator().DropIndex(&model.JobRun{}, "idx_job_runs_slot"); err != nil {
				b.Fatal(err)
			}
		}
		b.Run(name, func(b *testing.B) {
			for range b.N {
				if _, err := e.App.Scheduler.Pass(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
