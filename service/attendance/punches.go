package attendance

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"schoolcheck/model"
	"schoolcheck/service"
	"schoolcheck/service/school"
)

// Punch kinds, methods and statuses of office sign-in (坐班).
const (
	PunchIn  = "in"
	PunchOut = "out"

	MethodLocation   = "location"
	MethodQR         = "qr"
	MethodCorrection = "correction"

	StatusOnTime     = "on_time"
	StatusLate       = "late"
	StatusNormal     = "normal"
	StatusEarlyLeave = "early_leave"
)

// Punch is a sign-in or sign-out as the API shows it. Fence and DistanceM are null for QR and correction
// punches; At carries the school's UTC offset.
type Punch struct {
	ID        string    `json:"id"`
	Kind      string    `json:"kind"`
	At        time.Time `json:"at"`
	Date      string    `json:"date"`
	Method    string    `json:"method"`
	Fence     *string   `json:"fence"`
	DistanceM *int      `json:"distance_m"`
	Status    string    `json:"status"`
}

func punchOut(m model.AttendancePunch, loc *time.Location) Punch {
	p := Punch{ID: m.ID, Kind: m.Kind, At: service.Local(m.At, loc), Date: m.Date, Method: m.Method, DistanceM: m.DistanceM,
		Status: m.Status}
	if m.Method == MethodLocation {
		fence := m.Fence
		p.Fence = &fence
	}
	return p
}

// PunchInput is what the mini-program sends: the kind, its GCJ-02 position and accuracy, and optionally the
// office QR code it scanned. It never sends a time.
type PunchInput struct {
	Kind      string
	Lat, Lng  *float64
	AccuracyM *float64
	QRToken   string
}

// Punch signs the actor in or out on server time (any staff member). created is false when a second "in"
// the same day kept the first one, which is returned instead (the call is idempotent). A later "out"
// replaces an earlier one. The hot path of the morning rush: the school and its calendar day are kept
// under the school's revision (school.Days; one query when it moved on) and the punch is one upsert;
// nothing else is written (the punch row is its own record).
func (s *Service) Punch(ctx context.Context, a *service.Actor, in PunchInput) (Punch, bool, error) {
	if err := a.RequireStaff(); err != nil {
		return Punch{}, false, err
	}
	if in.Kind != PunchIn && in.Kind != PunchOut {
		return Punch{}, false, service.Invalid{"kind": "应为 in 或 out"}.Err()
	}
	now := s.Now()
	db := s.Read(ctx)
	si, plan, err := s.days.Today(db, a, now)
	if err != nil {
		return Punch{}, false, err
	}
	if !plan.Workday || plan.Window == nil {
		return Punch{}, false, service.Rule("not_a_workday", "今天不是工作日，无需坐班签到")
	}
	row := model.AttendancePunch{ID: model.NewID(), SchoolID: a.SchoolID, StaffID: a.StaffID, Date: plan.Date,
		Kind: in.Kind, At: now.UTC().Truncate(time.Second)}
	if err := s.placePunch(si, a, in, now, &row); err != nil {
		return Punch{}, false, err
	}
	row.Status = punchStatus(in.Kind, row.At, plan, si)
	row.CreatedAt, row.UpdatedAt = row.At, row.At
	var created bool
	err = service.Retried(ctx, s.Log, func() (err error) {
		created, err = upsertPunch(db, &row, in.Kind == PunchOut)
		return err
	})
	if err != nil {
		return Punch{}, false, service.WrapDB(err)
	}
	return punchOut(row, si.Loc), created, nil
}

// placePunch checks where the punch comes from and fills its method, fence, distance and accuracy: the
// office QR code when one is given and the school accepts QR, else the phone's location if accepted.
func (s *Service) placePunch(si *school.Info, a *service.Actor, in PunchInput, now time.Time, row *model.AttendancePunch) error {
	at := si.Settings.Attendance
	if in.QRToken != "" && slices.Contains(at.Methods, MethodQR) {
		if !verifyQR(si.School, in.QRToken, now) {
			return service.Rule("invalid_qr", "二维码无效或已过期，请重新扫描办公室的签到二维码")
		}
		row.Method = MethodQR
		return nil
	}
	if !slices.Contains(at.Methods, MethodLocation) {
		return service.Rule("invalid_qr", "本校使用二维码签到，请扫描办公室的签到二维码")
	}
	v := service.Invalid{}
	if in.Lat == nil || *in.Lat < -90 || *in.Lat > 90 {
		v.Add("lat", "必填，应在 -90 到 90 之间")
	}
	if in.Lng == nil || *in.Lng < -180 || *in.Lng > 180 {
		v.Add("lng", "必填，应在 -180 到 180 之间")
	}
	if in.AccuracyM == nil || *in.AccuracyM < 0 || math.IsNaN(*in.AccuracyM) {
		v.Add("accuracy_m", "必填，不小于 0")
	}
	if err := v.Err(); err != nil {
		return err
	}
	if *in.AccuracyM > at.MaxAccuracyM {
		return service.Rule("poor_accuracy", fmt.Sprintf("定位精度不足（%.0f 米），请到室外或打开 WLAN 后重试", *in.AccuracyM)).
			Field("accuracy_m", fmt.Sprintf("不超过 %.0f 米", at.MaxAccuracyM))
	}
	fence, dist, ok := nearestFence(at.Fences, *in.Lat, *in.Lng)
	if !ok {
		return service.Rule("out_of_range", "学校尚未设置签到范围，请联系管理员")
	}
	meters := int(math.Round(dist))
	if dist > fence.RadiusM {
		return service.Rule("out_of_range", fmt.Sprintf("不在签到范围内：距离%s约 %d 米", fence.Name, meters)).
			Field("distance_m", fmt.Sprint(meters))
	}
	acc := *in.AccuracyM
	row.Method, row.Fence, row.DistanceM, row.AccuracyM = MethodLocation, fence.Name, &meters, &acc
	return nil
}

// earthRadiusM is the mean Earth radius (IUGG), good to 0.5 % for the great-circle distance.
const earthRadiusM = 6371008.8

// distanceM is the great-circle (haversine) distance in meters between two points. On GCJ-02 coordinates
// the offset from WGS-84 varies slowly, so the distance across a campus is as good as on WGS-84.
func distanceM(lat1, lng1, lat2, lng2 float64) float64 {
	rad := math.Pi / 180
	dLat, dLng := (lat2-lat1)*rad, (lng2-lng1)*rad
	h := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLng/2)*math.Sin(dLng/2)
	return 2 * earthRadiusM * math.Asin(math.Min(1, math.Sqrt(h)))
}

// nearestFence picks the fence whose edge is closest: inside any fence wins over outside all, and outside
// all it is the nearest centre (whose distance the error reports).
func nearestFence(fences []school.Fence, lat, lng float64) (school.Fence, float64, bool) {
	best, bestD, found := school.Fence{}, math.Inf(1), false
	for _, f := range fences {
		d := distanceM(lat, lng, f.Lat, f.Lng)
		inside, bestInside := d <= f.RadiusM, found && bestD <= best.RadiusM
		if !found || (inside && !bestInside) || (inside == bestInside && d < bestD) {
			best, bestD, found = f, d, true
		}
	}
	return best, bestD, found
}

// punchStatus rates a punch against the day's window: "in" is late only after window.in + late grace
// (exactly at the edge is on time), "out" is early before window.out − early grace.
func punchStatus(kind string, at time.Time, plan school.DayPlan, si *school.Info) string {
	st := si.Settings.Attendance
	at = at.Truncate(time.Second)
	if kind == PunchIn {
		limit := service.At(plan.Date, plan.Window.In, si.Loc).Add(time.Duration(st.LateGraceMin) * time.Minute)
		if at.After(limit) {
			return StatusLate
		}
		return StatusOnTime
	}
	limit := service.At(plan.Date, plan.Window.Out, si.Loc).Add(-time.Duration(st.EarlyGraceMin) * time.Minute)
	if at.Before(limit) {
		return StatusEarlyLeave
	}
	return StatusNormal
}

// punchKey is the unique key of a day's punch of one kind.
var punchKey = []clause.Column{{Name: "school_id"}, {Name: "staff_id"}, {Name: "date"}, {Name: "kind"}}

// punchColumns are what a replacing punch overwrites (the id too: it is a new punch).
var punchColumns = []string{"id", "at", "method", "fence", "distance_m", "accuracy_m", "status", "updated_at"}

// upsertPunch writes the day's punch in one statement. With replace the row overwrites an existing one of
// the same kind; without, an existing one is kept and read back into row (created false). The statement is
// its own transaction: GORM's default one around a Create (BEGIN … COMMIT, two more round trips, a tenth of
// the API's CPU in the rush's profile) would guard nothing here.
func upsertPunch(db *gorm.DB, row *model.AttendancePunch, replace bool) (bool, error) {
	db = db.Session(&gorm.Session{SkipDefaultTransaction: true})
	if replace {
		err := db.Clauses(clause.OnConflict{Columns: punchKey, DoUpdates: clause.AssignmentColumns(punchColumns)}).
			Create(row).Error
		return err == nil, err
	}
	res := db.Clauses(clause.OnConflict{Columns: punchKey, DoNothing: true}).Create(row)
	if res.Error != nil || res.RowsAffected > 0 {
		return res.Error == nil, res.Error
	}
	var kept model.AttendancePunch
	err := db.Scopes(model.InSchool(row.SchoolID)).
		Where("staff_id = ? AND date = ? AND kind = ?", row.StaffID, row.Date, row.Kind).Take(&kept).Error
	*row = kept
	return false, err
}
