package console

import (
	"net/http"

	"schoolcheck/service"
	"schoolcheck/service/report"
)

// The inspectors' pages. The region overview and the findings stand on service/inspections (issue 14),
// which has not landed on this branch: until it does, the overview and findings pages say so, and a
// school's page gives the month's workbooks of every module, read through each module's ReportXLSX with
// the inspector's actor (which checks the school is in the inspector's region).
func (c *Console) inspectorRoutes() {
	m := c.mux
	m.HandleFunc("GET /console/region", c.signedIn(c.regionPage))
	m.HandleFunc("GET /console/schools/{id}", c.signedIn(c.schoolPage))
	m.HandleFunc("GET /console/findings", c.signedIn(c.findingsPage))
}

func (c *Console) regionPage(w http.ResponseWriter, r *request) error {
	if !r.A.Has(service.RoleInspector) {
		return service.Forbidden()
	}
	c.show(w, r, "region", "区域总览", nil, "", nil)
	return nil
}

// schoolData fills a school's page for an inspector.
type schoolData struct {
	School    service.Ref
	Month     string
	Workbooks workbookLinks
}

func (c *Console) schoolPage(w http.ResponseWriter, r *request) error {
	si, err := report.School(c.d.School.Read(r.ctx()), r.A, r.PathValue("id"))
	if err != nil {
		return err
	}
	month := r.FormValue("month")
	if month == "" {
		month = c.thisMonth(r)
	}
	c.show(w, r, "school", si.School.Name, schoolData{School: si.Ref(), Month: month,
		Workbooks: workbookLinks{Month: month, SchoolID: si.School.ID, Modules: reportModules}}, "", nil)
	return nil
}

func (c *Console) findingsPage(w http.ResponseWriter, r *request) error {
	if err := requireConsole(r.A); err != nil {
		return err
	}
	c.show(w, r, "findings", "督导问题", nil, "", nil)
	return nil
}

// requireConsole is anyone the console serves: a school's staff or a region's inspector.
func requireConsole(a *service.Actor) error {
	if a == nil || a.StaffID == "" {
		return service.Forbidden()
	}
	return nil
}
