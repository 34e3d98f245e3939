package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"

	"schoolcheck/model"
	"schoolcheck/service"
	"schoolcheck/service/inspections"
	"schoolcheck/service/report"
	"schoolcheck/service/school"
)

// seedConfig is `loadgen seed`: a city of districts and schools with a year of every module's records,
// written with batched inserts, then the inspection reports measured beside hand-written SQL.
type seedConfig struct {
	dsn                            string
	districts, schools, staff, cls int
	from                           string
	days                           int
	keep, measureOnly              bool
}

// seedMain runs `loadgen seed [flags]`.
func seedMain(args []string) error {
	var c seedConfig
	fs := flag.NewFlagSet("seed", flag.ExitOnError)
	fs.StringVar(&c.dsn, "dsn", "root@tcp(127.0.0.1:3306)/", "MariaDB DSN on loopback; a fresh database is created (and dropped unless -keep)")
	fs.IntVar(&c.districts, "districts", 3, "districts of the city")
	fs.IntVar(&c.schools, "schools", 99, "schools (spread over the districts)")
	fs.IntVar(&c.staff, "staff", 80, "staff per school")
	fs.IntVar(&c.cls, "classes", 30, "classes per school")
	fs.StringVar(&c.from, "from", "2025-09-01", "first day of the seeded year")
	fs.IntVar(&c.days, "days", 365, "days seeded from -from")
	fs.BoolVar(&c.keep, "keep", false, "keep the database")
	fs.BoolVar(&c.measureOnly, "measure", false, "only measure: -dsn names a database an earlier -keep run seeded")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if c.schools < 1 || c.schools > 2000 || c.staff < 6 || c.staff > 300 || c.cls < 1 || c.cls > 100 || c.days < 1 || c.days > 400 {
		return fmt.Errorf("-schools 1..2000, -staff 6..300, -classes 1..100, -days 1..400")
	}
	ctx := context.Background()
	env, err := open(ctx, config{driver: "mysql", dsn: c.dsn, pool: 20, keep: c.keep})
	if err != nil {
		return err
	}
	defer env.close()
	if c.measureOnly {
		city, schools, err := seededCity(env)
		if err != nil {
			return err
		}
		return measure(ctx, env, city, schools, c)
	}
	start := time.Now()
	city, schools, err := seedCity(ctx, env, c)
	if err != nil {
		return err
	}
	fmt.Printf("seeded %d schools in %d districts on %s in %s\n", len(schools), c.districts, env.where, time.Since(start).Round(time.Millisecond))
	rows, err := seedRecords(ctx, env.db, schools, c)
	if err != nil {
		return err
	}
	el := time.Since(start)
	fmt.Printf("records: %s — %d rows in %s (%.0f rows/s)\n", rows, rows.total(), el.Round(time.Millisecond), float64(rows.total())/el.Seconds())
	return measure(ctx, env, city, schools, c)
}

// seeded counts the rows written per table.
type seeded map[string]int

func (s seeded) total() int {
	n := 0
	for _, v := range s {
		n += v
	}
	return n
}

func (s seeded) String() string {
	var parts []string
	for _, t := range []string{"attendance_punches", "meals", "feedback", "feedback_replies", "phone_checks", "observations", "findings"} {
		parts = append(parts, fmt.Sprintf("%s %d", t, s[t]))
	}
	return strings.Join(parts, ", ")
}

// seedSchool is one seeded school: its id, staff and classes.
type seedSchool struct {
	id, region string
	staff      []string
	classes    []string
}

// seedCity creates the regions, the schools (through Bootstrap, backdated to -from), their staff and classes.
func seedCity(ctx context.Context, e *env, c seedConfig) (string, []seedSchool, error) {
	cityName := "压测市" + e.runID
	city, err := e.app.School.AddRegion(ctx, cityName, "")
	if err != nil {
		return "", nil, err
	}
	var districts []model.Region
	for i := range c.districts {
		d, err := e.app.School.AddRegion(ctx, fmt.Sprintf("%s第%d区", cityName, i+1), cityName)
		if err != nil {
			return "", nil, err
		}
		districts = append(districts, d)
	}
	opened, err := time.ParseInLocation(time.DateOnly, c.from, service.Beijing())
	if err != nil {
		return "", nil, err
	}
	opened = opened.Add(-24 * time.Hour).UTC()
	out := make([]seedSchool, c.schools)
	for i := range out {
		d := districts[i%len(districts)]
		id, err := e.app.School.Bootstrap(ctx, school.BootstrapInput{Region: d.Name, School: fmt.Sprintf("压测学校%03d", i+1),
			PrincipalName: "校长", PrincipalPhone: fmt.Sprintf("138%08d", i)})
		if err != nil {
			return "", nil, err
		}
		sc := seedSchool{id: id, region: d.ID}
		if err := model.CrossSchool(e.db).Model(&model.School{}).Where("id = ?", id).
			Updates(map[string]any{"created_at": opened, "revision": school.NextRevision()}).Error; err != nil {
			return "", nil, err
		}
		var principal []string
		if err := e.db.Model(&model.Staff{}).Scopes(model.InSchool(id)).Pluck("id", &principal).Error; err != nil {
			return "", nil, err
		}
		if err := e.db.Model(&model.Staff{}).Scopes(model.InSchool(id)).Where("1 = 1").Update("created_at", opened).Error; err != nil {
			return "", nil, err
		}
		sc.staff = principal
		staff := make([]model.Staff, 0, c.staff-1)
		for j := 1; j < c.staff; j++ {
			roles := "teacher"
			if j < 5 {
				roles = "leader,teacher"
			}
			st := model.Staff{ID: model.NewID(), SchoolID: id, Name: fmt.Sprintf("教师%02d", j), Phone: fmt.Sprintf("139%04d%04d", i, j),
				Roles: roles, Subjects: `["数学"]`, Active: true, CreatedAt: opened, UpdatedAt: opened}
			staff = append(staff, st)
			sc.staff = append(sc.staff, st.ID)
		}
		if err := e.db.CreateInBatches(&staff, 500).Error; err != nil {
			return "", nil, err
		}
		classes := make([]model.Class, 0, c.cls)
		regs := make([]model.PhoneRegistration, 0, c.cls)
		for j := range c.cls {
			head := sc.staff[1+j%(len(sc.staff)-1)]
			cl := model.Class{ID: model.NewID(), SchoolID: id, Grade: fmt.Sprintf("%d年级", 1+j/5), Name: fmt.Sprintf("%d班", 1+j%5),
				HeadTeacherID: &head, StudentCount: 45, InviteCode: fmt.Sprintf("S%s%03d%02d", e.runID, i, j), PhonesRegistered: 40,
				CreatedAt: opened, UpdatedAt: opened}
			classes = append(classes, cl)
			regs = append(regs, model.PhoneRegistration{ID: model.NewID(), SchoolID: id, ClassID: cl.ID, FromDate: c.from, Count: 40,
				CreatedAt: opened, UpdatedAt: opened})
			sc.classes = append(sc.classes, cl.ID)
		}
		if err := e.db.CreateInBatches(&classes, 500).Error; err != nil {
			return "", nil, err
		}
		if err := e.db.CreateInBatches(&regs, 500).Error; err != nil {
			return "", nil, err
		}
		out[i] = sc
	}
	return city.ID, out, nil
}

// seededCity finds the city an earlier run seeded in the database and its schools.
func seededCity(e *env) (string, []seedSchool, error) {
	var city model.Region
	if err := e.db.Where("parent_id = '' AND name LIKE ?", "压测市%").Order("created_at DESC").Take(&city).Error; err != nil {
		return "", nil, fmt.Errorf("no seeded city in the database: %w", err)
	}
	e.runID = strings.TrimPrefix(city.Name, "压测市")
	var districts []string
	if err := e.db.Model(&model.Region{}).Where("parent_id = ?", city.ID).Pluck("id", &districts).Error; err != nil {
		return "", nil, err
	}
	var rows []model.School
	if err := e.db.Where("region_id IN ?", districts).Order("name").Find(&rows).Error; err != nil {
		return "", nil, err
	}
	out := make([]seedSchool, len(rows))
	for i, r := range rows {
		out[i] = seedSchool{id: r.ID, region: r.RegionID}
	}
	return city.ID, out, nil
}

// seedRecords writes every school day of the period for every school, four schools at a time.
func seedRecords(ctx context.Context, db *gorm.DB, schools []seedSchool, c seedConfig) (seeded, error) {
	total := seeded{}
	var mu sync.Mutex
	var firstErr error
	work := make(chan int)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				n, err := seedSchoolYear(ctx, db, schools[i], c, int64(i))
				mu.Lock()
				for k, v := range n {
					total[k] += v
				}
				if err != nil && firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
		}()
	}
	for i := range schools {
		work <- i
	}
	close(work)
	wg.Wait()
	return total, firstErr
}

// batcher inserts rows of one table in multi-row statements of 1,000.
func flush[T any](db *gorm.DB, rows *[]T, n seeded, table string, force bool) error {
	if len(*rows) == 0 || (!force && len(*rows) < 1000) {
		return nil
	}
	if err := db.CreateInBatches(rows, 1000).Error; err != nil {
		return fmt.Errorf("%s: %w", table, err)
	}
	n[table] += len(*rows)
	*rows = (*rows)[:0]
	return nil
}

func seedSchoolYear(ctx context.Context, db *gorm.DB, sc seedSchool, c seedConfig, seed int64) (seeded, error) {
	db = db.WithContext(ctx)
	r := rand.New(rand.NewPCG(uint64(seed), 7))
	n := seeded{}
	first, _ := time.Parse(time.DateOnly, c.from)
	loc := service.Beijing()
	var (
		punches []model.AttendancePunch
		meals   []model.Meal
		fbs     []model.Feedback
		replies []model.FeedbackReply
		checks  []model.PhoneCheck
		obs     []model.Observation
		finds   []model.Finding
	)
	all := func(force bool) error {
		for _, err := range []error{flush(db, &punches, n, "attendance_punches", force), flush(db, &meals, n, "meals", force),
			flush(db, &fbs, n, "feedback", force), flush(db, &replies, n, "feedback_replies", force),
			flush(db, &checks, n, "phone_checks", force), flush(db, &obs, n, "observations", force),
			flush(db, &finds, n, "findings", force)} {
			if err != nil {
				return err
			}
		}
		return nil
	}
	for d := range c.days {
		day := first.AddDate(0, 0, d)
		if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
			continue
		}
		date := day.Format(time.DateOnly)
		at := func(h, m int) time.Time { return time.Date(day.Year(), day.Month(), day.Day(), h, m, 0, 0, loc).UTC() }
		for _, st := range sc.staff {
			if r.IntN(100) < 4 {
				continue // absent
			}
			in, status := at(7, 30+r.IntN(25)), "on_time"
			if r.IntN(100) < 5 {
				in, status = at(8, 5), "late"
			}
			punches = append(punches, model.AttendancePunch{ID: model.NewID(), SchoolID: sc.id, StaffID: st, Date: date, Kind: "in",
				At: in, Method: "location", Fence: "行政楼", Status: status, CreatedAt: in, UpdatedAt: in})
			if r.IntN(100) < 97 {
				out := at(17, 35+r.IntN(20))
				punches = append(punches, model.AttendancePunch{ID: model.NewID(), SchoolID: sc.id, StaffID: st, Date: date, Kind: "out",
					At: out, Method: "location", Fence: "行政楼", Status: "normal", CreatedAt: out, UpdatedAt: out})
			}
		}
		if r.IntN(100) < 92 {
			leader := sc.staff[r.IntN(5)]
			meals = append(meals, model.Meal{ID: model.NewID(), SchoolID: sc.id, Date: date, Meal: "lunch", AuthorID: leader, Role: "leader",
				Label: "领导", Dishes: `["米饭","红烧肉","青菜","紫菜汤"]`, Hygiene: 5, Taste: 4, Quantity: 4, Temperature: 4, Price: 5,
				Comment: "饭菜可口，分量足", Issues: "", CreatedAt: at(12, 40), UpdatedAt: at(12, 40)})
		}
		if r.IntN(100) < 30 {
			meals = append(meals, model.Meal{ID: model.NewID(), SchoolID: sc.id, Date: date, Meal: "lunch", AuthorID: model.NewID(), Role: "parent",
				Label: "三年级2班家长", Dishes: `["米饭","青菜"]`, Hygiene: 4, Taste: 4, Quantity: 5, Temperature: 3, Price: 4,
				Comment: "汤偏凉", CreatedAt: at(12, 50), UpdatedAt: at(12, 50)})
		}
		if r.IntN(100) < 40 {
			created := at(19, 0)
			fb := model.Feedback{ID: model.NewID(), SchoolID: sc.id, AccountID: model.NewID(), ClassID: sc.classes[0], Label: "三年级2班家长",
				Category: "taste", Content: "今天的菜偏咸，希望改进", Status: "open", Moderation: "pass", CreatedDate: date,
				CreatedAt: created, UpdatedAt: created}
			if r.IntN(100) < 85 {
				rep := created.Add(time.Duration(2+r.IntN(40)) * time.Hour)
				fb.Status, fb.FirstReplyAt = "replied", &rep
				replies = append(replies, model.FeedbackReply{ID: model.NewID(), SchoolID: sc.id, FeedbackID: fb.ID, AuthorID: sc.staff[0],
					AuthorRole: "leader", Label: "校长", Content: "已反馈食堂调整", Moderation: "pass", CreatedAt: rep})
			}
			fbs = append(fbs, fb)
		}
		for _, cl := range sc.classes {
			for _, kind := range []string{"collect", "return"} {
				if r.IntN(100) < 6 {
					continue
				}
				exp, cnt := 40, 40
				if r.IntN(100) < 2 {
					cnt = 39
				}
				followup := ""
				if cnt != exp {
					followup = "resolved"
				}
				checks = append(checks, model.PhoneCheck{ID: model.NewID(), SchoolID: sc.id, ClassID: cl, Date: date, Kind: kind,
					Registered: 40, Expected: &exp, Counted: &cnt, Discrepancy: exp - cnt, Location: "班级手机柜", AuthorID: sc.staff[1],
					AuthorName: "班主任", Followup: followup, CreatedAt: at(8, 20), UpdatedAt: at(8, 20)})
			}
		}
		for k := range 6 { // about 6 observations a school day
			observer, teacher := sc.staff[r.IntN(len(sc.staff))], sc.staff[r.IntN(len(sc.staff))]
			if observer == teacher {
				continue
			}
			obs = append(obs, model.Observation{ID: model.NewID(), SchoolID: sc.id, ObserverID: observer, TeacherID: teacher, Date: date,
				Period: 1 + k, Subject: "数学", Topic: "分数的意义", Kind: "routine", RubricVersion: 1, Scores: "{}", Total: 70 + r.IntN(30),
				MaxTotal: 100, Strengths: "目标明确，环节清楚", Suggestions: "增加学生活动", Moderation: "pass", ReflectionModeration: "pass",
				CreatedAt: at(11, 0), UpdatedAt: at(11, 0)})
		}
		if day.Day() == 15 && r.IntN(100) < 50 {
			status := []string{"open", "answered", "closed"}[r.IntN(3)]
			finds = append(finds, model.Finding{ID: model.NewID(), SchoolID: sc.id, RegionID: sc.region, Module: "meals", Title: "陪餐记录缺照片",
				Detail: "部分记录无照片", Due: day.AddDate(0, 0, 14).Format(time.DateOnly), Status: status, ByName: "督学",
				CreatedAt: at(10, 0), UpdatedAt: at(10, 0)})
		}
		if err := all(false); err != nil {
			return n, err
		}
	}
	return n, all(true)
}

// timed runs fn, returning its time and the peak heap it reached above where it started.
func timed(fn func() error) (time.Duration, uint64, error) {
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	peak := base.HeapInuse
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				var m runtime.MemStats
				runtime.ReadMemStats(&m)
				peak = max(peak, m.HeapInuse)
			}
		}
	}()
	start := time.Now()
	err := fn()
	el := time.Since(start)
	close(done)
	return el, peak - base.HeapInuse, err
}

// measure times the city overview, a school's attendance month and the evidence pack, each beside one
// hand-written aggregate over the same rows, and prints the plans.
func measure(ctx context.Context, e *env, city string, schools []seedSchool, c seedConfig) error {
	if _, err := e.app.School.AddInspector(ctx, "压测市"+e.runID, "督学", "13700000000"); err != nil {
		return err
	}
	var insp model.Staff
	if err := model.CrossSchool(e.db).Where("phone = ? AND region_id = ?", "13700000000", city).Take(&insp).Error; err != nil {
		return err
	}
	actor := &service.Actor{StaffID: insp.ID, Name: insp.Name, RegionID: city, Roles: []string{service.RoleInspector}}
	first, _ := time.Parse(time.DateOnly, c.from)
	month := first.AddDate(0, 2, 0).Format("2006-01") // a full month of term
	mFirst, _ := time.Parse("2006-01", month)
	mLast := mFirst.AddDate(0, 1, -1).Format(time.DateOnly)
	fmt.Printf("\nmachine: %d CPUs, %s/%s, Go %s\n", runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version())
	run := func(name string, fn func() error) {
		best := time.Duration(1 << 62)
		var mem uint64
		for range 3 {
			el, m, err := timed(fn)
			if err != nil {
				fmt.Printf("%-44s error: %v\n", name, err)
				return
			}
			best, mem = min(best, el), max(mem, m)
		}
		fmt.Printf("%-44s best of 3 %8s   peak heap +%5.1f MiB\n", name, best.Round(100*time.Microsecond), float64(mem)/(1<<20))
	}
	var ov inspections.Overview
	run("overview, city, "+month+" (API service)", func() error {
		var err error
		ov, err = e.app.Inspections.Overview(ctx, actor, report.Query{Month: month})
		return err
	})
	fmt.Printf("  %d schools, %d sub-regions; city attendance %.4f, meals %.4f, phones %.4f\n", len(ov.Items), len(ov.SubRegions),
		ov.Total.Attendance.Rate, ov.Total.Meals.Coverage, ov.Total.Phones.Coverage)
	infos := make([]*school.Info, 0, len(schools))
	for _, sc := range schools {
		si, err := school.Load(e.db, sc.id)
		if err != nil {
			return err
		}
		infos = append(infos, si)
	}
	now := time.Now()
	var ts report.Targets
	for _, si := range infos {
		p, err := report.MonthPeriod(report.Query{Month: month}, si, now)
		if err != nil {
			return err
		}
		ts = append(ts, report.Target{School: si, Period: p})
	}
	batch := func(fn func(context.Context, report.Targets) error) func() error {
		return func() error { return fn(ctx, ts) }
	}
	run("  of which attendance (all schools at once)", batch(func(ctx context.Context, ts report.Targets) error {
		_, err := e.app.Attendance.Summaries(ctx, ts)
		return err
	}))
	run("  of which meals (one school at a time)", batch(func(ctx context.Context, ts report.Targets) error {
		_, err := e.app.Meals.Summaries(ctx, ts)
		return err
	}))
	run("  of which phones (all schools at once)", batch(func(ctx context.Context, ts report.Targets) error {
		_, err := e.app.Phones.Summaries(ctx, ts)
		return err
	}))
	run("  of which observations (all schools at once)", batch(func(ctx context.Context, ts report.Targets) error {
		_, err := e.app.Observations.Summaries(ctx, ts)
		return err
	}))
	ceiling := `SELECT school_id, SUM(n) FROM (
		SELECT school_id, COUNT(*) AS n FROM attendance_punches WHERE school_id IN ? AND date BETWEEN ? AND ? GROUP BY school_id
		UNION ALL SELECT school_id, COUNT(*) FROM meals WHERE school_id IN ? AND date BETWEEN ? AND ? GROUP BY school_id
		UNION ALL SELECT school_id, COUNT(*) FROM feedback WHERE school_id IN ? AND created_date BETWEEN ? AND ? GROUP BY school_id
		UNION ALL SELECT school_id, COUNT(*) FROM phone_checks WHERE school_id IN ? AND date BETWEEN ? AND ? GROUP BY school_id
		UNION ALL SELECT school_id, COUNT(*) FROM observations WHERE school_id IN ? AND date BETWEEN ? AND ? GROUP BY school_id
		UNION ALL SELECT school_id, COUNT(*) FROM findings WHERE school_id IN ? AND status <> 'closed' GROUP BY school_id
	) t WHERE school_id IN ? GROUP BY school_id`
	ids := make([]string, len(schools))
	for i, s := range schools {
		ids[i] = s.id
	}
	args := []any{}
	for range 5 {
		args = append(args, ids, mFirst.Format(time.DateOnly), mLast)
	}
	args = append(args, ids, ids)
	run("  ceiling: one SQL aggregate over the month", func() error {
		var rows []map[string]any
		return model.CrossSchool(e.db).Raw(ceiling, args...).Scan(&rows).Error
	})
	explain(model.CrossSchool(e.db), "EXPLAIN "+ceiling, args)

	one := schools[0].id
	q := report.Query{Month: month, SchoolID: one}
	run("attendance report, one school, JSON", func() error { _, err := e.app.Attendance.Report(ctx, actor, q); return err })
	run("attendance report, one school, xlsx", func() error { _, err := e.app.Attendance.ReportXLSX(ctx, actor, q); return err })
	run("  ceiling: one SQL aggregate (punches per staff)", func() error {
		var rows []map[string]any
		return model.CrossSchool(e.db).Raw(`SELECT staff_id, SUM(CASE WHEN kind = 'in' THEN 1 ELSE 0 END), SUM(CASE WHEN status = 'late' THEN 1 ELSE 0 END)
			FROM attendance_punches WHERE school_id = ? AND date BETWEEN ? AND ? GROUP BY staff_id`, one, mFirst.Format(time.DateOnly), mLast).
			Scan(&rows).Error
	})
	explain(model.CrossSchool(e.db), `EXPLAIN SELECT staff_id, COUNT(*) FROM attendance_punches WHERE school_id = ? AND date BETWEEN ? AND ? GROUP BY staff_id`,
		[]any{one, mFirst.Format(time.DateOnly), mLast})

	monthTo := first.AddDate(0, 1, -1).Format(time.DateOnly)
	termTo := first.AddDate(0, 4, 19).Format(time.DateOnly)
	yearTo := first.AddDate(0, 0, c.days-1).Format(time.DateOnly)
	for _, span := range [][2]string{{c.from, monthTo}, {c.from, termTo}, {c.from, yearTo}} {
		var size int
		run(fmt.Sprintf("evidence pack %s..%s", span[0], span[1]), func() error {
			f, err := e.app.Inspections.Evidence(ctx, actor, inspections.EvidenceQuery{SchoolID: one, From: span[0], To: span[1]})
			size = len(f.Data)
			return err
		})
		fmt.Printf("  workbook %.1f MiB\n", float64(size)/(1<<20))
		run("  ceiling: the same rows read by one SQL each", func() error {
			for _, t := range []string{"attendance_punches", "meals", "phone_checks", "observations"} {
				var n int64
				if err := model.CrossSchool(e.db).Raw("SELECT COUNT(*) FROM "+t+" WHERE school_id = ? AND date BETWEEN ? AND ?", one, span[0], span[1]).
					Scan(&n).Error; err != nil {
					return err
				}
			}
			return nil
		})
	}
	return nil
}

// explain prints a statement's plan: table, key used and rows examined.
func explain(db *gorm.DB, sql string, args []any) {
	var rows []map[string]any
	if err := db.Raw(sql, args...).Scan(&rows).Error; err != nil {
		fmt.Println("  explain:", err)
		return
	}
	for _, r := range rows {
		fmt.Printf("    EXPLAIN %-20v type=%-6v key=%-32v rows=%v %v\n", str(r["table"]), str(r["type"]), str(r["key"]), str(r["rows"]), str(r["Extra"]))
	}
}

func str(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case []byte:
		return string(x)
	}
	return fmt.Sprint(v)
}
