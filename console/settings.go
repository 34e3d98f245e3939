package console

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"schoolcheck/service"
	"schoolcheck/service/school"
)

// The settings document as a form: the page shows the school's document field by field (coordinates and
// other numbers as numbers), and saving reads the form over the current document — what the form does not
// show (the reminders' times) is kept — then PutSettings validates and stores it, as PUT /school/settings.

// weekdayNames are the form's weekdays, Monday first as a Chinese week is written.
var weekdayNames = []struct{ Key, Name string }{
	{"mon", "周一"}, {"tue", "周二"}, {"wed", "周三"}, {"thu", "周四"}, {"fri", "周五"}, {"sat", "周六"}, {"sun", "周日"},
}

var mealNames = []struct{ Key, Name string }{{"breakfast", "早餐"}, {"lunch", "午餐"}, {"dinner", "晚餐"}}

// settingsData fills the settings page.
type settingsData struct {
	S        school.Settings
	Fences   []school.Fence // the school's fences and two empty rows to add to
	Weekdays []struct{ Key, Name string }
	Meals    []struct{ Key, Name string }
	Roles    []string
}

func (c *Console) settingsPage(w http.ResponseWriter, r *request) error {
	st, err := c.d.School.GetSettings(r.ctx(), r.A)
	if err != nil {
		return err
	}
	c.showSettings(w, r, st, nil)
	return nil
}

func (c *Console) showSettings(w http.ResponseWriter, r *request, st school.Settings, failed error) {
	fences := append(slices.Clone(st.Attendance.Fences), school.Fence{}, school.Fence{})
	c.show(w, r, "settings", "学校设置", settingsData{S: st, Fences: fences, Weekdays: weekdayNames, Meals: mealNames,
		Roles: service.StaffRoles}, r.URL.Query().Get("ok"), failed)
}

func (c *Console) settingsSave(w http.ResponseWriter, r *request) error {
	st, err := c.d.School.GetSettings(r.ctx(), r.A)
	if err != nil {
		return err
	}
	v := service.Invalid{}
	readSettings(v, r, &st)
	if err := v.Err(); err != nil {
		c.showSettings(w, r, st, err)
		return nil
	}
	if _, err := c.d.School.PutSettings(r.ctx(), r.A, st); err != nil {
		c.showSettings(w, r, st, err)
		return nil
	}
	redirect(w, r, "/console/settings", "设置已保存")
	return nil
}

// readSettings overlays the form on st; a number that does not parse is named in v with the document's
// field name, as the API's validation names it.
func readSettings(v service.Invalid, r *request, st *school.Settings) {
	st.Timezone = strings.TrimSpace(r.FormValue("timezone"))
	at := &st.Attendance
	at.Methods = r.Form["methods"]
	at.Fences = []school.Fence{}
	names, lats, lngs, radii := r.Form["fence_name"], r.Form["fence_lat"], r.Form["fence_lng"], r.Form["fence_radius"]
	for i := range names {
		if strings.TrimSpace(names[i]) == "" && at2(lats, i) == "" && at2(lngs, i) == "" {
			continue // an empty row
		}
		key := fmt.Sprintf("attendance.fences[%d]", len(at.Fences))
		at.Fences = append(at.Fences, school.Fence{Name: names[i], Lat: number(v, key+".lat", at2(lats, i)),
			Lng: number(v, key+".lng", at2(lngs, i)), RadiusM: number(v, key+".radius_m", at2(radii, i))})
	}
	at.MaxAccuracyM = number(v, "attendance.max_accuracy_m", r.FormValue("max_accuracy_m"))
	at.LateGraceMin = formInt(v, r, "late_grace_min")
	at.EarlyGraceMin = formInt(v, r, "early_grace_min")
	at.Windows = map[string]school.Window{}
	st.Meals.Served = map[string][]string{}
	for _, d := range weekdayNames {
		in, out := r.FormValue("in_"+d.Key), r.FormValue("out_"+d.Key)
		if in != "" || out != "" {
			at.Windows[d.Key] = school.Window{In: in, Out: out}
		}
		if meals := r.Form["meals_"+d.Key]; len(meals) > 0 {
			st.Meals.Served[d.Key] = meals
		}
	}
	st.Meals.LeaderPhotoRequired = r.FormValue("leader_photo_required") == "on"
	st.Phones = school.PhoneSettings{CollectBy: r.FormValue("collect_by"), ReturnFrom: r.FormValue("return_from")}
	st.Observations.QuotaPerTerm = map[string]int{}
	for _, role := range service.StaffRoles {
		st.Observations.QuotaPerTerm[role] = formInt(v, r, "quota_"+role)
	}
	st.Term = school.Term{Start: r.FormValue("term_start"), End: r.FormValue("term_end")}
}

func at2(list []string, i int) string {
	if i < len(list) {
		return strings.TrimSpace(list[i])
	}
	return ""
}

// number reads a decimal number of the form (a coordinate, a radius, an accuracy).
func number(v service.Invalid, field, s string) float64 {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		v.Add(field, "应为数字")
	}
	return f
}

// formInt reads a whole number of the form; empty is 0.
func formInt(v service.Invalid, r *request, field string) int {
	s := strings.TrimSpace(r.FormValue(field))
	if s == "" {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		v.Add(field, "应为整数")
	}
	return n
}
