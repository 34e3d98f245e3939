package console

import (
	"context"
	"io"
	"net/http"
	"strings"

	"schoolcheck/api"
	"schoolcheck/service"
	"schoolcheck/service/attendance"
	"schoolcheck/service/report"
	"schoolcheck/service/school"
)

var errNoPage = service.NotFound("页面")

// home is the start page: what the signed-in person can open, by role.
func (c *Console) home(w http.ResponseWriter, r *request) error {
	c.show(w, r, "home", "首页", nil, r.URL.Query().Get("ok"), nil)
	return nil
}

// staffData fills the staff page.
type staffData struct {
	Items []school.Staff
	Next  string
	Roles []string
	Form  map[string]string
}

func (c *Console) staffList(w http.ResponseWriter, r *request) error {
	return c.showStaff(w, r, nil, nil)
}

func (c *Console) showStaff(w http.ResponseWriter, r *request, form map[string]string, failed error) error {
	q := r.URL.Query()
	page, err := c.d.School.ListStaff(r.ctx(), r.A, school.StaffQuery{Page: service.PageQuery{Limit: 100, Cursor: q.Get("cursor")}})
	if err != nil {
		return err
	}
	c.show(w, r, "staff", "教职工", staffData{Items: page.Items, Next: page.NextCursor, Roles: service.StaffRoles, Form: form},
		q.Get("ok"), failed)
	return nil
}

// staffForm reads the add and edit forms into the service's input: name, phone, roles (checkboxes) and
// subjects (separated by commas or 、).
func staffForm(r *request) (school.StaffInput, map[string]string) {
	name, phone := strings.TrimSpace(r.FormValue("name")), strings.TrimSpace(r.FormValue("phone"))
	roles := r.Form["roles"]
	if roles == nil {
		roles = []string{}
	}
	subjects := splitList(r.FormValue("subjects"))
	return school.StaffInput{Name: &name, Phone: &phone, Roles: &roles, Subjects: &subjects},
		map[string]string{"name": name, "phone": phone, "subjects": r.FormValue("subjects")}
}

func splitList(s string) []string {
	out := []string{}
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '，' || r == '、' }) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func (c *Console) staffCreate(w http.ResponseWriter, r *request) error {
	in, form := staffForm(r)
	st, err := c.d.School.CreateStaff(r.ctx(), r.A, in)
	if err != nil {
		return c.showStaff(w, r, form, err)
	}
	redirect(w, r, "/console/staff", "已添加 "+st.Name)
	return nil
}

// staffImport hands the uploaded roster to the same import as POST /staff/import; a bad row is a 422 whose
// fields ("row 3") the page lists.
func (c *Console) staffImport(w http.ResponseWriter, r *request) error {
	f, fh, err := r.FormFile("file")
	if err != nil {
		return c.showStaff(w, r, nil, service.E(service.ErrInvalid, "invalid_argument", "请选择要导入的文件").
			Field("file", "请选择要导入的 .xlsx 或 .csv 文件"))
	}
	defer func() { _ = f.Close() }()
	if fh.Size > school.MaxImportBytes {
		return c.showStaff(w, r, nil, service.E(service.ErrTooLarge, "payload_too_large", "导入文件不能超过 5 MB"))
	}
	data, err := io.ReadAll(io.LimitReader(f, school.MaxImportBytes+1))
	if err != nil {
		return err
	}
	res, err := c.d.School.ImportStaff(r.ctx(), r.A, fh.Filename, data)
	if err != nil {
		return c.showStaff(w, r, nil, err)
	}
	redirect(w, r, "/console/staff", "导入完成：新增 "+itoa(res.Created)+" 人，更新 "+itoa(res.Updated)+" 人，未变 "+itoa(res.Unchanged)+" 人")
	return nil
}

// staffEditData fills one staff member's page.
type staffEditData struct {
	Staff school.Staff
	Roles []string
}

func (c *Console) staffEdit(w http.ResponseWriter, r *request) error {
	return c.showStaffEdit(w, r, nil)
}

func (c *Console) showStaffEdit(w http.ResponseWriter, r *request, failed error) error {
	st, err := c.d.School.GetStaff(r.ctx(), r.A, r.PathValue("id"))
	if err != nil {
		return err
	}
	c.show(w, r, "staff_edit", st.Name, staffEditData{Staff: st, Roles: service.StaffRoles}, r.URL.Query().Get("ok"), failed)
	return nil
}

func (c *Console) staffUpdate(w http.ResponseWriter, r *request) error {
	in, _ := staffForm(r)
	if _, err := c.d.School.UpdateStaff(r.ctx(), r.A, r.PathValue("id"), in); err != nil {
		return c.showStaffEdit(w, r, err)
	}
	redirect(w, r, "/console/staff/"+r.PathValue("id"), "已保存")
	return nil
}

func (c *Console) staffDeactivate(w http.ResponseWriter, r *request) error {
	if err := c.d.School.DeactivateStaff(r.ctx(), r.A, r.PathValue("id")); err != nil {
		return c.showStaffEdit(w, r, err)
	}
	redirect(w, r, "/console/staff", "已停用")
	return nil
}

// classData fills the classes page.
type classData struct {
	Items []school.Class
	Next  string
	Staff []school.Staff
}

func (c *Console) classList(w http.ResponseWriter, r *request) error { return c.showClasses(w, r, nil) }

func (c *Console) showClasses(w http.ResponseWriter, r *request, failed error) error {
	q := r.URL.Query()
	page, err := c.d.School.ListClasses(r.ctx(), r.A, service.PageQuery{Limit: 100, Cursor: q.Get("cursor")})
	if err != nil {
		return err
	}
	data := classData{Items: page.Items, Next: page.NextCursor}
	active := true
	if staff, err := c.d.School.ListStaff(r.ctx(), r.A, school.StaffQuery{Active: &active, Page: service.PageQuery{Limit: 100}}); err == nil {
		data.Staff = staff.Items
	}
	c.show(w, r, "classes", "班级与邀请码", data, q.Get("ok"), failed)
	return nil
}

func (c *Console) classCreate(w http.ResponseWriter, r *request) error {
	v := service.Invalid{}
	grade, name := r.FormValue("grade"), r.FormValue("name")
	count := formInt(v, r, "student_count")
	in := school.ClassInput{Grade: &grade, Name: &name, StudentCount: &count}
	if head := r.FormValue("head_teacher_id"); head != "" {
		in.HeadTeacherID = &head
	}
	if err := v.Err(); err != nil {
		return c.showClasses(w, r, err)
	}
	cl, err := c.d.School.CreateClass(r.ctx(), r.A, in)
	if err != nil {
		return c.showClasses(w, r, err)
	}
	redirect(w, r, "/console/classes", "已添加 "+cl.Label)
	return nil
}

func (c *Console) classInvite(w http.ResponseWriter, r *request) error {
	cl, err := c.d.School.RotateInviteCode(r.ctx(), r.A, r.PathValue("id"))
	if err != nil {
		return c.showClasses(w, r, err)
	}
	redirect(w, r, "/console/classes", cl.Label+"的新邀请码："+cl.InviteCode)
	return nil
}

// calendarData fills the calendar page.
type calendarData struct {
	Month string
	Days  []school.DayPlan
}

func (c *Console) calendarPage(w http.ResponseWriter, r *request) error {
	return c.showCalendar(w, r, nil)
}

func (c *Console) showCalendar(w http.ResponseWriter, r *request, failed error) error {
	month := r.FormValue("month")
	if month == "" {
		month = c.thisMonth(r)
	}
	days, err := c.d.School.Calendar(r.ctx(), r.A, month)
	if err != nil {
		return err
	}
	c.show(w, r, "calendar", "校历（调休与假期）", calendarData{Month: month, Days: days}, r.URL.Query().Get("ok"), failed)
	return nil
}

func (c *Console) calendarSet(w http.ResponseWriter, r *request) error {
	date := r.FormValue("date")
	_, err := c.d.School.SetCalendarDay(r.ctx(), r.A, date, school.CalendarDayInput{Workday: r.FormValue("workday") == "true",
		Note: r.FormValue("note")})
	if err != nil {
		return c.showCalendar(w, r, err)
	}
	redirect(w, r, "/console/calendar?month="+monthOf(date), "已设置 "+date)
	return nil
}

func (c *Console) calendarClear(w http.ResponseWriter, r *request) error {
	date := r.FormValue("date")
	if err := c.d.School.ClearCalendarDay(r.ctx(), r.A, date); err != nil {
		return c.showCalendar(w, r, err)
	}
	redirect(w, r, "/console/calendar?month="+monthOf(date), "已恢复 "+date+" 的默认安排")
	return nil
}

func monthOf(date string) string {
	if len(date) >= 7 {
		return date[:7]
	}
	return ""
}

// displayData fills the office displays page; URL is a new display's link, shown once.
type displayData struct {
	Items []attendance.Display
	URL   string
}

func (c *Console) displayList(w http.ResponseWriter, r *request) error {
	return c.showDisplays(w, r, "", nil)
}

func (c *Console) showDisplays(w http.ResponseWriter, r *request, link string, failed error) error {
	items, err := c.d.Attendance.ListDisplays(r.ctx(), r.A)
	if err != nil {
		return err
	}
	c.show(w, r, "displays", "办公室签到屏", displayData{Items: items, URL: link}, r.URL.Query().Get("ok"), failed)
	return nil
}

func (c *Console) displayCreate(w http.ResponseWriter, r *request) error {
	d, err := c.d.Attendance.CreateDisplay(r.ctx(), r.A, r.FormValue("name"))
	if err != nil {
		return c.showDisplays(w, r, "", err)
	}
	return c.showDisplays(w, r, strings.TrimRight(c.d.PublicURL, "/")+"/display/"+d.Token, nil)
}

func (c *Console) displayRevoke(w http.ResponseWriter, r *request) error {
	if err := c.d.Attendance.RevokeDisplay(r.ctx(), r.A, r.PathValue("id")); err != nil {
		return c.showDisplays(w, r, "", err)
	}
	redirect(w, r, "/console/displays", "已停用")
	return nil
}

// workbooks are the monthly reports every module prints, by the console's name for them.
func (c *Console) workbooks() map[string]func(context.Context, *service.Actor, report.Query) (report.File, error) {
	return map[string]func(context.Context, *service.Actor, report.Query) (report.File, error){
		"attendance": c.d.Attendance.ReportXLSX, "meals": c.d.Meals.ReportXLSX,
		"phones": c.d.Phones.ReportXLSX, "observations": c.d.Observations.ReportXLSX,
	}
}

// reportModules name the workbooks in the order the pages list them.
var reportModules = []struct{ Key, Name string }{
	{"attendance", "坐班考勤"}, {"meals", "陪餐记录"}, {"phones", "手机管理"}, {"observations", "听课评课"},
}

// workbookLinks are the month's workbook downloads of one school (the actor's own when SchoolID is empty).
type workbookLinks struct {
	Month    string
	SchoolID string
	Modules  []struct{ Key, Name string }
}

func (c *Console) reportsPage(w http.ResponseWriter, r *request) error {
	month := r.FormValue("month")
	if month == "" {
		month = c.thisMonth(r)
	}
	c.show(w, r, "reports", "报表与台账", workbookLinks{Month: month, SchoolID: r.FormValue("school_id"), Modules: reportModules}, "", nil)
	return nil
}

// thisMonth is the actor's month ("YYYY-MM"), in its school's zone (Beijing for a region).
func (c *Console) thisMonth(r *request) string {
	return service.LocalDate(c.d.School.Now(), service.SchoolZone(c.d.School.Read(r.ctx()), r.A.SchoolID))[:7]
}

// reportDownload serves a module's monthly workbook through the module's own ReportXLSX, as GET
// /reports/<module>?format=xlsx does.
func (c *Console) reportDownload(w http.ResponseWriter, r *request) error {
	fn, ok := c.workbooks()[strings.TrimSuffix(r.PathValue("module"), ".xlsx")]
	if !ok {
		return errNoPage
	}
	q := r.URL.Query()
	f, err := fn(r.ctx(), r.A, report.Query{Month: q.Get("month"), SchoolID: q.Get("school_id"), RegionID: q.Get("region_id")})
	if err != nil {
		return err
	}
	sendFile(w, f)
	return nil
}

// sendFile answers a generated download as the API does.
func sendFile(w http.ResponseWriter, f report.File) {
	w.Header().Set("Content-Disposition", api.Disposition(f.Name))
	w.Header().Set("Content-Type", f.ContentType)
	w.Header().Set("Cache-Control", "private, no-store")
	_, _ = w.Write(f.Data)
}
