package console

import (
	"net/http"
	"strconv"
)

// routes mounts every page. Signed-in pages go through signedIn: the session's actor, and a CSRF check on
// every POST; the services decide who may do what, as they do for the API.
func (c *Console) routes() {
	m := c.mux
	m.HandleFunc("GET /console/login", c.loginPage)
	m.HandleFunc("GET /console/login/poll", c.pollLogin)
	m.HandleFunc("POST /console/login/dev", c.devLogin)
	m.HandleFunc("POST /console/logout", c.signedIn(c.logout))
	m.HandleFunc("GET /console/{$}", c.signedIn(c.home))

	// A school's principal (and, where the service allows, its leaders).
	m.HandleFunc("GET /console/staff", c.signedIn(c.staffList))
	m.HandleFunc("POST /console/staff", c.signedIn(c.staffCreate))
	m.HandleFunc("POST /console/staff/import", c.signedIn(c.staffImport))
	m.HandleFunc("GET /console/staff/{id}", c.signedIn(c.staffEdit))
	m.HandleFunc("POST /console/staff/{id}", c.signedIn(c.staffUpdate))
	m.HandleFunc("POST /console/staff/{id}/deactivate", c.signedIn(c.staffDeactivate))
	m.HandleFunc("GET /console/classes", c.signedIn(c.classList))
	m.HandleFunc("POST /console/classes", c.signedIn(c.classCreate))
	m.HandleFunc("POST /console/classes/{id}/invite", c.signedIn(c.classInvite))
	m.HandleFunc("GET /console/settings", c.signedIn(c.settingsPage))
	m.HandleFunc("POST /console/settings", c.signedIn(c.settingsSave))
	m.HandleFunc("GET /console/calendar", c.signedIn(c.calendarPage))
	m.HandleFunc("POST /console/calendar", c.signedIn(c.calendarSet))
	m.HandleFunc("POST /console/calendar/clear", c.signedIn(c.calendarClear))
	m.HandleFunc("GET /console/displays", c.signedIn(c.displayList))
	m.HandleFunc("POST /console/displays", c.signedIn(c.displayCreate))
	m.HandleFunc("POST /console/displays/{id}/revoke", c.signedIn(c.displayRevoke))
	m.HandleFunc("GET /console/reports", c.signedIn(c.reportsPage))
	m.HandleFunc("GET /console/reports/{module}", c.signedIn(c.reportDownload))

	// Inspectors.
	c.inspectorRoutes()

	m.HandleFunc("/console/", func(w http.ResponseWriter, r *http.Request) {
		c.fail(w, r, nil, errNoPage)
	})
}

func itoa(n int) string { return strconv.Itoa(n) }
