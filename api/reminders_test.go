package api_test

import (
	"net/http"
	"strings"
	"testing"

	"schoolcheck/api/apitest"
	"schoolcheck/service/school"
)

// The meal reminder goes at the after time of a served meal without a leader's record: to the duty leader,
// or to every leader (principal included) when nobody is on duty; a leader's record stops it; an unbound
// leader is nobody to tell. Two instances passing at once, again and again, and a restarted one, send each
// occasion once.
func TestMealUnrecordedReminder(t *testing.T) {
	e, e2 := remindEnv(t)
	sc := e.School()
	duty, other := sc.Leader("值班领导"), sc.Leader("副校长")
	e.Post("staff", sc.Principal.Token, map[string]any{"name": "未绑定领导", "phone": apitest.Phone(),
		"roles": []string{"leader"}, "subjects": []string{}}).Want(http.StatusCreated)
	for _, u := range []*apitest.User{duty, other, sc.Principal} {
		consent(e, u, "meal_reminder", 5)
	}
	e.Put("meals/duty", sc.Principal.Token, map[string]any{"date": "2026-11-25", "meal": "lunch", "leader_id": duty.ID}).
		Want(http.StatusOK)
	const tpl = "TPL_MEAL_REMINDER"

	e.Clock.Set(apitest.At("2026-11-25", "13:29"))
	pass(t, e, e2)
	none(t, e, tpl, duty, other, sc.Principal)
	e.Clock.Set(apitest.At("2026-11-25", "13:31"))
	pass(t, e, e2)
	pass(t, e, e2)
	pass(t, e.Another()) // a restart
	m := onlyOnce(t, e, duty, tpl)
	if m.Data["thing1"] != "午餐陪餐" || m.Data["date2"] != "2026年11月25日" || m.Data["time3"] != "13:30" ||
		!strings.Contains(m.Data["thing4"], "尚无领导陪餐记录") || m.Page != "pages/meals/new?date=2026-11-25&meal=lunch" {
		t.Fatalf("meal reminder %+v", m)
	}
	none(t, e, tpl, other, sc.Principal)
	if n, _ := consentsLeft(t, e, duty, "meal_reminder"); n != 4 {
		t.Fatalf("%d consents left, want 4", n)
	}
	if got := outbox(t, e, "meal_unrecorded", sc.ID); got["sent"] != 1 || len(got) != 1 {
		t.Fatalf("outbox %v", got)
	}

	// Thursday a leader records lunch in time: nobody is reminded.
	e.Clock.Set(apitest.At("2026-11-26", "12:30"))
	other.Token = e.Relogin(other)
	e.Post("meals", other.Token, mealReq("2026-11-26", photoID(e, other.Token))).Want(http.StatusCreated)
	e.Clock.Set(apitest.At("2026-11-26", "13:31"))
	pass(t, e, e2)
	if len(sentTo(e, duty, tpl))+len(sentTo(e, other, tpl))+len(sentTo(e, sc.Principal, tpl)) != 1 {
		t.Fatal("reminded although a leader recorded the meal")
	}
	// Friday nobody is on duty: every bound leader, the principal too, once each.
	e.Clock.Set(apitest.At("2026-11-27", "13:31"))
	pass(t, e, e2)
	pass(t, e2)
	if len(sentTo(e, duty, tpl)) != 2 || len(sentTo(e, other, tpl)) != 1 || len(sentTo(e, sc.Principal, tpl)) != 1 {
		t.Fatalf("Friday: duty %d, other %d, principal %d", len(sentTo(e, duty, tpl)), len(sentTo(e, other, tpl)),
			len(sentTo(e, sc.Principal, tpl)))
	}
	if got := outbox(t, e, "meal_unrecorded", sc.ID); got["sent"] != 4 || len(got) != 1 {
		t.Fatalf("outbox %v", got)
	}
}

// The collection reminder goes at phones.collect_by to the head teacher of each class with phones
// registered and no collect record; a holiday of the calendar sends nothing and a 调休 Saturday does.
func TestPhoneCollectReminder(t *testing.T) {
	e, e2 := remindEnv(t)
	e.Clock.Set(apitest.At("2026-11-25", "08:00"))
	sc := e.School()
	heads := []*apitest.User{sc.Teacher("一班班主任"), sc.Teacher("二班班主任"), sc.Teacher("三班班主任")}
	var classes []*apitest.Class
	for i, h := range heads {
		classes = append(classes, sc.Class(h))
		consent(e, h, "phone_reminder", 5)
		e.Put("classes/"+classes[i].ID+"/phones-registered", h.Token, map[string]any{"count": []int{38, 30, 0}[i]}).
			Want(http.StatusOK)
	}
	// The second class collects in time; the third has no phones to collect.
	e.Post("phone-checks", heads[1].Token, checkReq(classes[1].ID, "2026-11-25", "collect", 30, 30)).Want(http.StatusCreated)
	e.Put("calendar/2026-11-26", sc.Principal.Token, map[string]any{"workday": false, "note": "校运会", "meals": nil}).
		Want(http.StatusOK)
	e.Put("calendar/2026-11-28", sc.Principal.Token, map[string]any{"workday": true, "note": "调休", "meals": nil}).
		Want(http.StatusOK)
	// A school that switched the reminder off.
	off := e.School()
	offHead := off.Teacher("关闭提醒的班主任")
	offClass := off.Class(offHead)
	consent(e, offHead, "phone_reminder", 5)
	e.Put("classes/"+offClass.ID+"/phones-registered", offHead.Token, map[string]any{"count": 40}).Want(http.StatusOK)
	st := off.Settings()
	st.Reminders.PhoneCollect.Enabled = false
	off.SetSettings(st)
	const tpl = "TPL_PHONE"

	e.Clock.Set(apitest.At("2026-11-25", "08:31"))
	pass(t, e, e2)
	pass(t, e.Another())
	none(t, e, tpl, offHead)
	m := onlyOnce(t, e, heads[0], tpl)
	if m.Data["thing1"] != classes[0].Label || m.Data["date2"] != "2026年11月25日" || m.Data["time3"] != "08:30" ||
		m.Page != "pages/phones/check?class_id="+classes[0].ID+"&kind=collect&date=2026-11-25" {
		t.Fatalf("phone reminder %+v", m)
	}
	none(t, e, tpl, heads[1], heads[2])
	// The holiday: nothing; Friday and the 调休 Saturday: reminded again, once a day.
	for _, d := range []string{"2026-11-26", "2026-11-27", "2026-11-28", "2026-11-29"} {
		e.Clock.Set(apitest.At(d, "08:31"))
		pass(t, e, e2)
	}
	if n := len(sentTo(e, heads[0], tpl)); n != 3 {
		t.Fatalf("%d reminders over Wednesday, a holiday, Friday, a 调休 Saturday and a Sunday; want 3", n)
	}
	var dates []string
	for _, m := range sentTo(e, heads[0], tpl) {
		dates = append(dates, m.Data["date2"])
	}
	if strings.Join(dates, " ") != "2026年11月25日 2026年11月27日 2026年11月28日" {
		t.Fatalf("reminded on %v", dates)
	}
}

// The sign-out reminder goes after_min after the window ends to those who signed in and not out; it needs
// a consent, 43101 zeroes the consents and is recorded, and /metrics counts each outcome per reminder. A
// name is cut to what WeChat's name keyword takes.
func TestSignoutReminderConsentAndRefusal(t *testing.T) {
	e, e2 := remindEnv(t)
	sc := e.School()
	st := sc.Settings()
	st.Attendance.Methods = []string{"location", "qr"}
	st.Attendance.Fences = []school.Fence{{Name: "行政楼", Lat: fenceLat, Lng: fenceLng, RadiusM: 200}}
	sc.SetSettings(st)
	// Names of 13 characters: a name keyword takes 10.
	stays, refuses := sc.Teacher("欧阳娜娜娜娜娜娜娜娜娜娜娜"), sc.Teacher("司马拒收拒收拒收拒收拒收拒")
	leaves, absent, silent := sc.Teacher("按时签退"), sc.Teacher("没来"), sc.Teacher("未订阅")
	for _, u := range []*apitest.User{stays, leaves, absent, refuses} {
		consent(e, u, "signout_reminder", 3)
	}
	clockAt(e, "2026-11-25", "07:45", stays, leaves, silent, refuses)
	for _, u := range []*apitest.User{stays, leaves, silent, refuses} {
		punchIn(e, u, "in").Want(http.StatusCreated)
	}
	clockAt(e, "2026-11-25", "17:35", leaves)
	punchIn(e, leaves, "out").Want(http.StatusCreated)
	const tpl = "TPL_SIGNOUT"

	e.Clock.Set(apitest.At("2026-11-25", "17:59"))
	pass(t, e, e2)
	none(t, e, tpl, stays, refuses)
	e.Clock.Set(apitest.At("2026-11-25", "18:01"))
	// Messages go in queue order: the first send to WeChat is refused.
	if err := e.RunJobs(); err != nil {
		t.Fatal(err)
	}
	e.WX.SetErrcode(subscribeSend, 43101, 1)
	e.Drain()
	pass(t, e, e2)
	pass(t, e.Another())
	got := len(sentTo(e, stays, tpl)) + len(sentTo(e, refuses, tpl))
	if got != 1 {
		t.Fatalf("%d sign-out reminders sent, want 1 (one refused)", got)
	}
	refused, sent := refuses, stays
	if len(sentTo(e, refuses, tpl)) == 1 {
		refused, sent = stays, refuses
	}
	if n, at := consentsLeft(t, e, refused, "signout_reminder"); n != 0 || !at {
		t.Fatalf("after 43101: %d consents, refused recorded %v", n, at)
	}
	if n, _ := consentsLeft(t, e, sent, "signout_reminder"); n != 2 {
		t.Fatalf("%d consents left after one send, want 2", n)
	}
	none(t, e, tpl, leaves, absent, silent)
	m := onlyOnce(t, e, sent, tpl)
	if m.Data["name1"] != string([]rune(sent.Name)[:10]) || m.Data["time2"] != "2026年11月25日 07:45" ||
		m.Data["time3"] != "17:30" || !strings.HasPrefix(m.Page, "pages/attendance/punch?kind=out&in_id=") {
		t.Fatalf("sign-out reminder %+v", m)
	}
	if got := outbox(t, e, "signout", sc.ID); got["sent"] != 1 || got["refused"] != 1 || got["no_consent"] != 1 || len(got) != 3 {
		t.Fatalf("outbox %v", got)
	}
	// The first instance drained them all: its metrics count each outcome of the reminder.
	for outcome, want := range map[string]string{"sent": "1", "refused": "1", "no_consent": "1"} {
		if v := metric(e, "signout_reminder", "signout", outcome); v != want {
			t.Errorf("metric %s = %s, want %s", outcome, v, want)
		}
	}
	if !strings.Contains(e.Logs.String(), `"reminder":"signout"`) || !strings.Contains(e.Logs.String(), "outbox drained") {
		t.Fatal("the reminder's run and the drain are not logged")
	}
}

// Feedback still open after_hours goes to every principal once, with the feedback's id in the page and its
// text cut to a thing keyword; feedback answered, or found risky, does not.
func TestFeedbackOverdueReminder(t *testing.T) {
	e, e2 := remindEnv(t)
	e.Clock.Set(apitest.At("2026-11-23", "09:00"))
	sc := e.School()
	second := sc.Staff("第二校长", "principal")
	leader := sc.Leader("后勤主任")
	parent := sc.Parent(sc.Class(nil))
	for _, u := range []*apitest.User{sc.Principal, second, leader} {
		consent(e, u, "feedback_overdue", 5)
	}
	long := strings.Repeat("饭菜偏咸", 10)
	open := e.Post("feedback", parent.Token, map[string]any{"category": "taste", "content": long}).Want(http.StatusCreated).Str("id")
	answered := e.Post("feedback", parent.Token, map[string]any{"category": "price", "content": "价格偏高"}).
		Want(http.StatusCreated).Str("id")
	// Text WeChat asked a human to look at stays out of the message: its category stands in.
	e.WX.SetTextVerdict("待审词乙", "review")
	review := e.Post("feedback", parent.Token, map[string]any{"category": "hygiene", "content": "这里有待审词乙"}).
		Want(http.StatusCreated).Str("id")
	e.Post("feedback/"+answered+"/replies", sc.Principal.Token, map[string]string{"content": "已调整"}).Want(http.StatusCreated)
	const tpl = "TPL_OVERDUE"

	e.Clock.Set(apitest.At("2026-11-24", "09:01"))
	pass(t, e, e2)
	none(t, e, tpl, sc.Principal, second, leader)
	e.Clock.Set(apitest.At("2026-11-25", "09:01"))
	pass(t, e, e2)
	e.Clock.Set(apitest.At("2026-11-25", "10:01"))
	pass(t, e, e2)
	e.Clock.Set(apitest.At("2026-11-26", "09:01"))
	pass(t, e, e2.Another())
	for _, u := range []*apitest.User{sc.Principal, second} {
		byPage := map[string]map[string]string{}
		for _, m := range sentTo(e, u, tpl) {
			if byPage[m.Page] != nil {
				t.Fatalf("%s reminded twice of %s", u.Name, m.Page)
			}
			byPage[m.Page] = m.Data
		}
		m, r := byPage["pages/feedback/detail?id="+open], byPage["pages/feedback/detail?id="+review]
		if len(byPage) != 2 || m == nil || r == nil {
			t.Fatalf("%s: %v", u.Name, byPage)
		}
		if !strings.HasSuffix(m["thing1"], "家长") || m["thing2"] != strings.Repeat("饭菜偏咸", 4)+"饭菜偏…" ||
			m["time3"] != "2026年11月23日 09:00" || !strings.Contains(m["thing4"], "48小时") || r["thing2"] != "卫生" {
			t.Fatalf("overdue reminders %v", byPage)
		}
	}
	none(t, e, tpl, leader)
}

// An observation not acknowledged after_days days is brought to the observed teacher once, at the start of
// a school day; an acknowledged one is not.
func TestObservationAckReminder(t *testing.T) {
	e, e2 := remindEnv(t)
	e.Clock.Set(apitest.At("2026-11-16", "10:00"))
	sc := e.School()
	observer, teacher, answers := sc.Leader("教导主任"), sc.Teacher("语文老师"), sc.Teacher("数学老师")
	for _, u := range []*apitest.User{teacher, answers} {
		consent(e, u, "observation_ack", 2)
	}
	id := observe(e, observer.Token, obsReq(teacher.ID, "2026-11-16", 16))
	done := observe(e, observer.Token, obsReq(answers.ID, "2026-11-16", 17))
	e.Post("observations/"+done+"/acknowledge", answers.Token, map[string]string{"reflection": "朗读指导还要加强，课后反思如下"}).
		Want(http.StatusOK)
	const tpl = "TPL_OBS_ACK"

	e.Clock.Set(apitest.At("2026-11-23", "07:51")) // six days and 22 hours
	pass(t, e, e2)
	none(t, e, tpl, teacher, answers)
	e.Clock.Set(apitest.At("2026-11-24", "07:51"))
	pass(t, e, e2)
	e.Clock.Set(apitest.At("2026-11-25", "07:51"))
	pass(t, e, e.Another())
	m := onlyOnce(t, e, teacher, tpl)
	if m.Page != "pages/observations/detail?id="+id || m.Data["name1"] != "教导主任" ||
		m.Data["thing2"] != "语文：《秋天的雨》第一课时" || m.Data["date3"] != "2026年11月16日" {
		t.Fatalf("ack reminder %+v", m)
	}
	none(t, e, tpl, answers)
}

// A reminder about a record looks back notify.ReminderWindow (30 days) at most: feedback left open longer
// than that is not raised again, so the outbox, which forgets a message 90 days after it is over, can never
// queue the same occasion twice.
func TestFeedbackOverdueLooksBackThirtyDays(t *testing.T) {
	e, e2 := remindEnv(t)
	e.Clock.Set(apitest.At("2026-10-12", "09:00"))
	sc := e.School()
	parent := sc.Parent(sc.Class(nil))
	e.Post("feedback", parent.Token, map[string]any{"category": "taste", "content": "十月的意见"}).Want(http.StatusCreated)
	e.Clock.Set(apitest.At("2026-11-23", "09:00"))
	recent := e.Post("feedback", e.Relogin(parent), map[string]any{"category": "taste", "content": "十一月的意见"}).
		Want(http.StatusCreated).Str("id")
	sc.Principal.Token = e.Relogin(sc.Principal)
	consent(e, sc.Principal, "feedback_overdue", 5)
	e.Clock.Set(apitest.At("2026-11-26", "09:01"))
	pass(t, e, e2)
	var pages []string
	for _, m := range sentTo(e, sc.Principal, "TPL_OVERDUE") {
		pages = append(pages, m.Page)
	}
	if want := "pages/feedback/detail?id=" + recent; len(pages) != 1 || pages[0] != want {
		t.Fatalf("reminded of %v, want only %s", pages, want)
	}
}
