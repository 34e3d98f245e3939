package observations

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"gorm.io/gorm"

	"schoolcheck/model"
	"schoolcheck/service"
	"schoolcheck/service/evidence"
	"schoolcheck/service/school"
)

// Rubric is one version of a school's rubric (GET/PUT /observations/rubric). Version 1 is the built-in
// default, which a school has until its principal publishes one of its own (version 2, 3, …). CreatedAt and
// CreatedBy are null for the default.
type Rubric struct {
	Version   int          `json:"version"`
	Items     []RubricItem `json:"items"`
	MaxTotal  int          `json:"max_total"`
	CreatedAt *time.Time   `json:"created_at"`
	CreatedBy *service.Ref `json:"created_by"`
}

// RubricItem is one scored aspect of a lesson.
type RubricItem struct {
	Key  string `json:"key"`
	Name string `json:"name"`
	Max  int    `json:"max"`
}

// defaultRubric is version 1. It never changes: observations scored on version 1 are read against it.
func defaultRubric() Rubric {
	items := []RubricItem{{"objectives", "教学目标", 20}, {"content", "教学内容", 20}, {"methods", "教学方法", 20},
		{"engagement", "学生活动", 20}, {"outcomes", "教学效果", 20}}
	return Rubric{Version: 1, Items: items, MaxTotal: 100}
}

// Rubric limits: at most 20 items of at most 100 points altogether.
const (
	maxRubricItems = 20
	maxRubricTotal = 100
)

var rubricKey = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)

// validateItems checks a rubric a principal publishes: 1–20 items, keys unique (lower-case letters, digits
// and underscores), names non-empty, each max a positive integer, the maxima adding up to at most 100.
func validateItems(v service.Invalid, items []RubricItem) []RubricItem {
	switch {
	case len(items) == 0:
		v.Add("items", "至少一个评分项")
	case len(items) > maxRubricItems:
		v.Add("items", fmt.Sprintf("最多 %d 个评分项", maxRubricItems))
	}
	out := make([]RubricItem, 0, len(items))
	seen, total := map[string]int{}, 0
	for i, it := range items {
		field := fmt.Sprintf("items[%d]", i)
		switch j, dup := seen[it.Key]; {
		case !rubricKey.MatchString(it.Key):
			v.Add(field+".key", "应为小写英文字母开头的字母、数字或下划线，最多 32 个字符")
		case dup:
			v.Add(field+".key", fmt.Sprintf("与第 %d 项重复", j+1))
		default:
			seen[it.Key] = i
		}
		it.Name = v.Name(field+".name", it.Name, 20)
		if it.Max < 1 || it.Max > maxRubricTotal {
			v.Add(field+".max", fmt.Sprintf("满分应为 1–%d 的正整数", maxRubricTotal))
		}
		total += it.Max
		out = append(out, it)
	}
	if total > maxRubricTotal {
		v.Add("items", fmt.Sprintf("各项满分合计不超过 %d 分（现为 %d 分）", maxRubricTotal, total))
	}
	return out
}

// score checks an observation's scores against the rubric — every item scored, each from 0 to its max, no
// other key — and returns the total. Faults are named "scores.<key>".
func (r Rubric) score(v service.Invalid, scores map[string]int) int {
	if scores == nil {
		v.Add("scores", "必填：每个评分项的得分")
		return 0
	}
	total := 0
	for _, it := range r.Items {
		n, ok := scores[it.Key]
		switch {
		case !ok:
			v.Add("scores."+it.Key, "必填（"+it.Name+"）")
		case n < 0 || n > it.Max:
			v.Add("scores."+it.Key, fmt.Sprintf("%s应在 0–%d 分之间", it.Name, it.Max))
		}
		total += n
	}
	for k := range scores {
		if !r.has(k) {
			v.Add("scores."+k, "不是第 "+strconv.Itoa(r.Version)+" 版评分表的评分项")
		}
	}
	return total
}

func (r Rubric) has(key string) bool {
	for _, it := range r.Items {
		if it.Key == key {
			return true
		}
	}
	return false
}

// rubricView converts a stored version, its time in loc (UTC when nil).
func rubricView(m model.ObservationRubric, names map[string]string, loc *time.Location) Rubric {
	out := Rubric{Version: m.Version, MaxTotal: m.MaxTotal, Items: []RubricItem{}}
	_ = json.Unmarshal([]byte(m.Items), &out.Items)
	if loc == nil {
		loc = time.UTC
	}
	at := m.CreatedAt.In(loc)
	out.CreatedAt, out.CreatedBy = &at, &service.Ref{ID: m.CreatedBy, Name: names[m.CreatedBy]}
	return out
}

// currentRubric is the school's newest version (the default when it has published none).
func currentRubric(db *gorm.DB, schoolID string) (Rubric, error) {
	var rows []model.ObservationRubric
	if err := db.Scopes(model.InSchool(schoolID)).Order("version DESC").Limit(1).Find(&rows).Error; err != nil {
		return Rubric{}, service.WrapDB(err)
	}
	if len(rows) == 0 {
		return defaultRubric(), nil
	}
	return rubricView(rows[0], nil, nil), nil
}

// rubrics are every version of a school's rubric by number, the default included (for views and reports
// of observations scored on older versions).
func rubrics(db *gorm.DB, schoolID string) (map[int]Rubric, error) {
	var rows []model.ObservationRubric
	if err := db.Scopes(model.InSchool(schoolID)).Order("version").Find(&rows).Error; err != nil {
		return nil, service.WrapDB(err)
	}
	out := map[int]Rubric{1: defaultRubric()}
	for _, r := range rows {
		out[r.Version] = rubricView(r, nil, nil)
	}
	return out, nil
}

// GetRubric shows the school's rubric in force, or an older version (version > 0), to its staff.
func (s *Service) GetRubric(ctx context.Context, a *service.Actor, version int) (Rubric, error) {
	if err := a.RequireStaff(); err != nil {
		return Rubric{}, err
	}
	db := s.Read(ctx)
	si, err := school.Load(db, a.SchoolID)
	if err != nil {
		return Rubric{}, err
	}
	q := db.Scopes(a.Scope())
	if version > 0 {
		q = q.Where("version = ?", version)
	} else {
		q = q.Order("version DESC").Limit(1)
	}
	var rows []model.ObservationRubric
	if err := q.Find(&rows).Error; err != nil {
		return Rubric{}, service.WrapDB(err)
	}
	switch {
	case len(rows) == 0 && version <= 1:
		return defaultRubric(), nil
	case len(rows) == 0:
		return Rubric{}, service.NotFound("评分表版本")
	}
	names, err := school.StaffNames(db, a.SchoolID, []string{rows[0].CreatedBy})
	if err != nil {
		return Rubric{}, err
	}
	return rubricView(rows[0], names, si.Loc), nil
}

// PutRubric publishes a new version of the rubric (principal). Observations already filed keep the version
// they were scored on; new ones are scored on this one. Two principals publishing at once: one wins, the
// other gets 409 and publishes again on top of it.
func (s *Service) PutRubric(ctx context.Context, a *service.Actor, items []RubricItem) (Rubric, error) {
	if err := a.Require(service.RolePrincipal); err != nil {
		return Rubric{}, err
	}
	v := service.Invalid{}
	items = validateItems(v, items)
	if err := v.Err(); err != nil {
		return Rubric{}, err
	}
	total := 0
	for _, it := range items {
		total += it.Max
	}
	raw, _ := json.Marshal(items)
	var row model.ObservationRubric
	var loc *time.Location
	err := s.Tx(ctx, func(tx *service.Tx) error {
		si, err := school.Load(tx.DB, a.SchoolID)
		if err != nil {
			return err
		}
		loc = si.Loc
		cur, err := currentRubric(tx.DB, a.SchoolID)
		if err != nil {
			return err
		}
		row = model.ObservationRubric{ID: model.NewID(), SchoolID: a.SchoolID, Version: cur.Version + 1,
			Items: string(raw), MaxTotal: total, CreatedBy: a.StaffID, CreatedAt: tx.Now}
		if err := tx.Create(&row).Error; err != nil {
			if model.IsDuplicate(err) {
				return service.Conflict("conflict", "评分表刚刚被其他人修改，请刷新后重试")
			}
			return err
		}
		return evidence.Created(tx, a, a.SchoolID, evidence.Rubric, row.ID,
			map[string]any{"version": row.Version, "items": items, "max_total": total})
	})
	if err != nil {
		return Rubric{}, err
	}
	return rubricView(row, map[string]string{a.StaffID: a.Name}, loc), nil
}
