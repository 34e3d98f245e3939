package console

import (
	"encoding/json"
	"errors"
	"html/template"
	"io"
	"net/http"
	"strconv"
	"time"

	"schoolcheck/service"
	"schoolcheck/service/inspections"
	"schoolcheck/service/photos"
	"schoolcheck/service/report"
)

// The inspectors' pages, and the findings a school answers, on service/inspections: the region overview
// (inspections.Overview, a table by school and by sub-region, sortable, with ECharts charts of the month by
// school and of the region's last months), a school's month (its overview row, every module's workbook, the
// evidence pack), and the findings (list with filters, create, answer, verify or send back).
func (c *Console) inspectorRoutes() {
	m := c.mux
	m.HandleFunc("GET /console/region", c.signedIn(c.regionPage))
	m.HandleFunc("GET /console/region.xlsx", c.signedIn(c.regionXLSX))
	m.HandleFunc("GET /console/region/trend", c.signedIn(c.regionTrend))
	m.HandleFunc("GET /console/schools/{id}", c.signedIn(c.schoolPage))
	m.HandleFunc("GET /console/evidence", c.signedIn(c.evidenceDownload))
	m.HandleFunc("GET /console/findings", c.signedIn(c.findingsPage))
	m.HandleFunc("POST /console/findings", c.signedIn(c.findingCreate))
	m.HandleFunc("GET /console/findings/{id}", c.signedIn(c.findingPage))
	m.HandleFunc("POST /console/findings/{id}/respond", c.signedIn(c.findingRespond))
	m.HandleFunc("POST /console/findings/{id}/verify", c.signedIn(c.findingVerify))
}

// trendMonths is how many months the overview's trend chart shows, this one included.
const trendMonths = 6

// regionData fills the region overview; Chart is the charts' data for overview.js.
type regionData struct {
	O        inspections.Overview
	RegionID string
	Chart    template.JS
}

// chartData is what overview.js draws of the month: each school's rates.
type chartData struct {
	Schools    []string  `json:"schools"`
	Attendance []float64 `json:"attendance"`
	Meals      []float64 `json:"meals"`
	Phones     []float64 `json:"phones"`
}

// trendData is the region's total for the last months, oldest first, which overview.js asks for after the
// page has shown (each month is one Overview of the whole region).
type trendData struct {
	Months     []string  `json:"months"`
	Attendance []float64 `json:"attendance"`
	Meals      []float64 `json:"meals"`
	Phones     []float64 `json:"phones"`
}

func (c *Console) regionPage(w http.ResponseWriter, r *request) error {
	month := r.FormValue("month")
	if month == "" {
		month = c.thisMonth(r)
	}
	q := report.Query{Month: month, RegionID: r.FormValue("region_id")}
	o, err := c.d.Inspections.Overview(r.ctx(), r.A, q)
	if err != nil {
		return err
	}
	cd := chartData{}
	for _, it := range o.Items {
		cd.Schools = append(cd.Schools, it.School.Name)
		cd.Attendance = append(cd.Attendance, it.Attendance.Rate)
		cd.Meals = append(cd.Meals, it.Meals.Coverage)
		cd.Phones = append(cd.Phones, it.Phones.Coverage)
	}
	raw, err := json.Marshal(cd)
	if err != nil {
		return err
	}
	title := "区域总览"
	if o.Region != nil {
		title = o.Region.Name + " · 区域总览"
	}
	c.show(w, r, "region", title, regionData{O: o, RegionID: q.RegionID, Chart: template.JS(raw)}, "", nil)
	return nil
}

// regionTrend serves GET /console/region/trend?month=&region_id=: the region's total of the trendMonths
// months up to month, each from Overview, as JSON for the trend chart.
func (c *Console) regionTrend(w http.ResponseWriter, r *request) error {
	first, err := time.Parse("2006-01", r.FormValue("month"))
	if err != nil {
		return service.Invalid{"month": "格式为 YYYY-MM"}.Err()
	}
	var out trendData
	for i := trendMonths - 1; i >= 0; i-- {
		m := first.AddDate(0, -i, 0).Format("2006-01")
		o, err := c.d.Inspections.Overview(r.ctx(), r.A, report.Query{Month: m, RegionID: r.FormValue("region_id")})
		if err != nil {
			return err
		}
		out.Months = append(out.Months, m)
		out.Attendance = append(out.Attendance, o.Total.Attendance.Rate)
		out.Meals = append(out.Meals, o.Total.Meals.Coverage)
		out.Phones = append(out.Phones, o.Total.Phones.Coverage)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (c *Console) regionXLSX(w http.ResponseWriter, r *request) error {
	f, err := c.d.Inspections.OverviewXLSX(r.ctx(), r.A, report.Query{Month: r.FormValue("month"), RegionID: r.FormValue("region_id")})
	if err != nil {
		return err
	}
	sendFile(w, f)
	return nil
}

// schoolData fills a school's page: its row of the overview for the month, and its downloads.
type schoolData struct {
	School    service.Ref
	Month     string
	Row       *inspections.SchoolRow
	From, To  string
	Workbooks workbookLinks
}

func (c *Console) schoolPage(w http.ResponseWriter, r *request) error {
	si, err := inspections.SchoolFor(c.d.School.Read(r.ctx()), r.A, r.PathValue("id"))
	if err != nil {
		return err
	}
	month := r.FormValue("month")
	if month == "" {
		month = c.thisMonth(r)
	}
	row, err := c.d.Inspections.SchoolMonth(r.ctx(), r.A, si.School.ID, month)
	if err != nil {
		return err
	}
	data := schoolData{School: si.Ref(), Month: month, From: month + "-01", To: lastDay(month),
		Workbooks: workbookLinks{Month: month, SchoolID: si.School.ID, Modules: reportModules}, Row: &row}
	c.show(w, r, "school", si.School.Name, data, "", nil)
	return nil
}

// lastDay is a month's last date ("YYYY-MM-DD"); a bad month gives "" (the service names it).
func lastDay(month string) string {
	t, err := time.Parse("2006-01", month)
	if err != nil {
		return ""
	}
	return t.AddDate(0, 1, -1).Format(time.DateOnly)
}

func (c *Console) evidenceDownload(w http.ResponseWriter, r *request) error {
	f, err := c.d.Inspections.Evidence(r.ctx(), r.A, inspections.EvidenceQuery{SchoolID: r.FormValue("school_id"),
		From: r.FormValue("from"), To: r.FormValue("to")})
	if err != nil {
		return err
	}
	sendFile(w, f)
	return nil
}

// findingModules name the findings' modules as the pages write them.
var findingModules = []struct{ Key, Name string }{
	{"attendance", "坐班考勤"}, {"meals", "陪餐"}, {"phones", "手机管理"}, {"observations", "听课评课"}, {"other", "其他"},
}

// findingsData fills the findings page.
type findingsData struct {
	Items    []inspections.Finding
	Next     string
	Status   string
	Overdue  bool
	SchoolID string
	Schools  []service.Ref // an inspector's schools, for the filter and the new finding's school
	Modules  []struct{ Key, Name string }
	Form     map[string]string
}

func (c *Console) findingsPage(w http.ResponseWriter, r *request) error {
	return c.showFindings(w, r, nil, nil)
}

func (c *Console) showFindings(w http.ResponseWriter, r *request, form map[string]string, failed error) error {
	q := r.URL.Query()
	fq := inspections.FindingQuery{SchoolID: q.Get("school_id"), Status: q.Get("status"), Overdue: q.Get("overdue") == "true",
		Page: service.PageQuery{Limit: 50, Cursor: q.Get("cursor")}}
	page, err := c.d.Inspections.ListFindings(r.ctx(), r.A, fq)
	if err != nil {
		return err
	}
	data := findingsData{Items: page.Items, Next: page.NextCursor, Status: fq.Status, Overdue: fq.Overdue,
		SchoolID: fq.SchoolID, Modules: findingModules, Form: form}
	if r.A.Has(service.RoleInspector) {
		tree, err := c.d.Inspections.Regions(r.ctx(), r.A)
		if err != nil {
			return err
		}
		data.Schools = schoolsOf(tree)
	}
	c.show(w, r, "findings", "督导问题", data, q.Get("ok"), failed)
	return nil
}

// schoolsOf lists a region tree's schools, depth first.
func schoolsOf(n inspections.RegionNode) []service.Ref {
	out := append([]service.Ref{}, n.Schools...)
	for _, ch := range n.Children {
		out = append(out, schoolsOf(ch)...)
	}
	return out
}

// formPhoto puts the form's photo (field "photo"; none is fine) through the photo pipeline, as POST /photos
// does (an inspector's names the school), and returns its id to attach.
func (c *Console) formPhoto(r *request, schoolID string) ([]string, error) {
	f, fh, err := r.FormFile("photo")
	switch {
	case errors.Is(err, http.ErrMissingFile) || errors.Is(err, http.ErrNotMultipart):
		return nil, nil
	case err != nil:
		return nil, service.E(service.ErrInvalid, "invalid_argument", "上传内容格式有误，请重试").Field("photo", "请重新选择照片")
	}
	defer func() { _ = f.Close() }()
	if fh.Size > photos.MaxPhotoBytes {
		return nil, service.E(service.ErrTooLarge, "payload_too_large", "照片不能超过 10 MB").Field("photo", "照片过大")
	}
	data, err := io.ReadAll(io.LimitReader(f, photos.MaxPhotoBytes+1))
	if err != nil {
		return nil, err
	}
	in := photos.Upload{Data: data, Purpose: "finding"}
	if r.A.Has(service.RoleInspector) {
		in.SchoolID = schoolID
	}
	p, err := c.d.Photos.Upload(r.ctx(), r.A, in)
	if err != nil {
		return nil, err
	}
	return []string{p.ID}, nil
}

func (c *Console) findingCreate(w http.ResponseWriter, r *request) error {
	in := inspections.FindingInput{SchoolID: r.FormValue("school_id"), Module: r.FormValue("module"),
		Title: r.FormValue("title"), Detail: r.FormValue("detail"), Due: r.FormValue("due")}
	ids, err := c.formPhoto(r, in.SchoolID)
	var f inspections.Finding
	if err == nil {
		in.PhotoIDs = ids
		f, err = c.d.Inspections.CreateFinding(r.ctx(), r.A, in)
	}
	if err != nil {
		return c.showFindings(w, r, map[string]string{"school_id": in.SchoolID, "module": in.Module, "title": in.Title,
			"detail": in.Detail, "due": in.Due}, err)
	}
	redirect(w, r, "/console/findings/"+f.ID, "已记录问题，已通知学校")
	return nil
}

// findingData fills one finding's page.
type findingData struct {
	F       inspections.Finding
	Modules map[string]string
}

func (c *Console) findingPage(w http.ResponseWriter, r *request) error {
	return c.showFinding(w, r, nil)
}

func (c *Console) showFinding(w http.ResponseWriter, r *request, failed error) error {
	f, err := c.d.Inspections.GetFinding(r.ctx(), r.A, r.PathValue("id"))
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, m := range findingModules {
		names[m.Key] = m.Name
	}
	c.show(w, r, "finding", f.Title, findingData{F: f, Modules: names}, r.URL.Query().Get("ok"), failed)
	return nil
}

func (c *Console) findingRespond(w http.ResponseWriter, r *request) error {
	id := r.PathValue("id")
	ids, err := c.formPhoto(r, "")
	if err == nil {
		_, err = c.d.Inspections.Respond(r.ctx(), r.A, id, inspections.ResponseInput{Content: r.FormValue("content"), PhotoIDs: ids})
	}
	if err != nil {
		return c.showFinding(w, r, err)
	}
	redirect(w, r, "/console/findings/"+id, "整改情况已提交，已通知督学")
	return nil
}

func (c *Console) findingVerify(w http.ResponseWriter, r *request) error {
	id := r.PathValue("id")
	in := inspections.VerifyInput{Comment: r.FormValue("comment")}
	if v := r.FormValue("accept"); v != "" {
		accept, err := strconv.ParseBool(v)
		if err == nil {
			in.Accept = &accept
		}
	}
	f, err := c.d.Inspections.Verify(r.ctx(), r.A, id, in)
	if err != nil {
		return c.showFinding(w, r, err)
	}
	msg := "已退回学校重新整改"
	if f.Status == inspections.StatusClosed {
		msg = "已销号"
	}
	redirect(w, r, "/console/findings/"+id, msg)
	return nil
}
