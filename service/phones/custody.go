package phones

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"schoolcheck/model"
	"schoolcheck/service"
	"schoolcheck/service/evidence"
	"schoolcheck/service/school"
)

// Keeper roles, as a parent may see them: the class's head teacher, or the keeper's first role on the roster.
const (
	KeeperHeadTeacher = "head_teacher"
)

// Keeper is the staff member who keeps a class's phones. Parents see the name and role only (no id).
type Keeper struct {
	ID   string `json:"id,omitempty"`
	Name string `json:"name"`
	// Role is head_teacher when the keeper is the class's head teacher, else principal, leader or teacher.
	Role string `json:"role"`
}

// Custody is a class's custody arrangement as the API shows it. A class without one answers arranged false
// with empty fields. UpdatedBy is shown to staff only.
type Custody struct {
	ClassID    string       `json:"class_id"`
	ClassLabel string       `json:"class_label"`
	Arranged   bool         `json:"arranged"`
	Location   string       `json:"location"`
	Method     string       `json:"method"`
	Keeper     *Keeper      `json:"keeper"`
	Hotline    string       `json:"hotline"`
	UpdatedAt  *time.Time   `json:"updated_at"`
	UpdatedBy  *service.Ref `json:"updated_by,omitempty"`
}

// CustodyInput is PUT /classes/{id}/phone-custody: the whole arrangement.
type CustodyInput struct {
	Location string
	Method   string
	KeeperID string
	Hotline  string
}

// hotlinePattern is a telephone number as a school writes it: a landline with its area code
// ("0791-88881234"), a mobile, a short campus number, optionally with an extension ("转 8001").
var hotlinePattern = regexp.MustCompile(`^\+?\(?[0-9][0-9()\-]{1,22}[0-9](转[0-9]{1,6})?$`)

func (in *CustodyInput) validate() error {
	v := service.Invalid{}
	in.Location = v.Name("location", in.Location, 50)
	in.Method = v.Content("method", in.Method, 2, 300)
	if in.KeeperID == "" {
		v.Add("keeper_id", "必填")
	}
	v.ID("keeper_id", in.KeeperID)
	hotline, _ := service.CleanName(in.Hotline)
	in.Hotline = strings.Join(strings.Fields(hotline), "")
	if !hotlinePattern.MatchString(in.Hotline) || len(in.Hotline) > 32 {
		v.Add("hotline", "应为电话号码，如 0791-88881234 或 13912345678")
	}
	return v.Err()
}

// custodyAudit is what the audit trail keeps of an arrangement (the hotline masked: it may be a teacher's
// mobile).
type custodyAudit struct {
	Location string `json:"location"`
	Method   string `json:"method"`
	KeeperID string `json:"keeper_id"`
	Hotline  string `json:"hotline"`
}

func auditCustody(r *model.PhoneCustody) *custodyAudit {
	if r == nil {
		return nil
	}
	return &custodyAudit{Location: r.Location, Method: r.Method, KeeperID: r.KeeperID, Hotline: service.MaskPhone(r.Hotline)}
}

// findCustody reads a class's arrangement (nil when it has none).
func findCustody(db *gorm.DB, schoolID, classID string) (*model.PhoneCustody, error) {
	var rows []model.PhoneCustody
	if err := db.Scopes(model.InSchool(schoolID)).Where("class_id = ?", classID).Limit(1).Find(&rows).Error; err != nil {
		return nil, service.WrapDB(err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	return &rows[0], nil
}

// PutCustody sets a class's arrangement (the class's head teacher or a leader). The keeper must be an active
// staff member of the school. Audited as phone_custody with the class id.
func (s *Service) PutCustody(ctx context.Context, a *service.Actor, classID string, in CustodyInput) (Custody, error) {
	if err := a.RequireStaff(); err != nil {
		return Custody{}, err
	}
	if err := in.validate(); err != nil {
		return Custody{}, err
	}
	var out Custody
	err := s.Tx(ctx, func(tx *service.Tx) error {
		c, err := recordClass(tx.DB, a, classID)
		if err != nil {
			return err
		}
		if st, err := school.FindStaff(tx.DB, a.SchoolID, in.KeeperID); err != nil || !st.Active {
			return service.Invalid{"keeper_id": "不是本校在职教职工"}.Err()
		}
		before, err := findCustody(tx.DB, a.SchoolID, c.ID)
		if err != nil {
			return err
		}
		row := model.PhoneCustody{SchoolID: a.SchoolID, ClassID: c.ID, Location: in.Location, Method: in.Method,
			KeeperID: in.KeeperID, Hotline: in.Hotline, UpdatedBy: a.UserID(), CreatedAt: tx.Now, UpdatedAt: tx.Now}
		if before == nil {
			if err := tx.Create(&row).Error; err != nil {
				if model.IsDuplicate(err) {
					return service.Conflict("conflict", "保管安排刚被他人保存，请刷新后重试")
				}
				return err
			}
			if err := evidence.Created(tx, a, a.SchoolID, evidence.PhoneCustody, c.ID, auditCustody(&row)); err != nil {
				return err
			}
		} else {
			row.CreatedAt = before.CreatedAt
			if err := tx.Model(&model.PhoneCustody{}).Scopes(a.Scope()).Where("class_id = ?", c.ID).
				Updates(map[string]any{"location": row.Location, "method": row.Method, "keeper_id": row.KeeperID,
					"hotline": row.Hotline, "updated_by": row.UpdatedBy, "updated_at": tx.Now}).Error; err != nil {
				return err
			}
			if _, err := evidence.Updated(tx, a, a.SchoolID, evidence.PhoneCustody, c.ID, auditCustody(before),
				auditCustody(&row)); err != nil {
				return err
			}
		}
		out, err = custodyView(tx.DB, a, c, &row, true)
		return err
	})
	return out, err
}

// GetCustody reads a class's arrangement: leaders, the class's head teacher and its keeper see it whole;
// the class's parents see it with the keeper by name and role only. Anyone else is 403; another school's
// class 404.
func (s *Service) GetCustody(ctx context.Context, a *service.Actor, classID string) (Custody, error) {
	parent := a.IsParent() && slices.Contains(a.ParentClassIDs, classID)
	if !a.IsStaff() && !parent {
		return Custody{}, service.Forbidden()
	}
	db := s.Read(ctx)
	c, err := school.FindClass(db, a.SchoolID, classID)
	if err != nil {
		return Custody{}, err
	}
	row, err := findCustody(db, a.SchoolID, c.ID)
	if err != nil {
		return Custody{}, err
	}
	staff := a.IsStaff() && (mayRecord(a, c) || (row != nil && row.KeeperID == a.StaffID))
	if !staff && !parent {
		return Custody{}, service.ForbiddenBecause("只有本班班主任、保管人、学校领导和本班家长可以查看保管安排")
	}
	return custodyView(db, a, c, row, staff)
}

// custodyView shows an arrangement; full is the staff's view (ids, who changed it last).
func custodyView(db *gorm.DB, a *service.Actor, c model.Class, row *model.PhoneCustody, full bool) (Custody, error) {
	out := Custody{ClassID: c.ID, ClassLabel: school.ClassLabel(c)}
	if row == nil {
		return out, nil
	}
	si, err := school.Load(db, a.SchoolID)
	if err != nil {
		return Custody{}, err
	}
	out.Arranged, out.Location, out.Method, out.Hotline = true, row.Location, row.Method, row.Hotline
	out.UpdatedAt = service.InZone(&row.UpdatedAt, si.Loc)
	ids := []string{row.KeeperID, row.UpdatedBy}
	var staff []model.Staff
	if err := db.Scopes(model.InSchool(a.SchoolID)).Select("id", "name", "roles").Where("id IN ?", ids).
		Find(&staff).Error; err != nil {
		return Custody{}, service.WrapDB(err)
	}
	for _, st := range staff {
		if st.ID == row.KeeperID {
			out.Keeper = &Keeper{Name: st.Name, Role: keeperRole(st, c)}
			if full {
				out.Keeper.ID = st.ID
			}
		}
		if full && st.ID == row.UpdatedBy {
			out.UpdatedBy = &service.Ref{ID: st.ID, Name: st.Name}
		}
	}
	return out, nil
}

// keeperRole is the role a keeper is shown with.
func keeperRole(st model.Staff, c model.Class) string {
	if c.HeadTeacherID != nil && *c.HeadTeacherID == st.ID {
		return KeeperHeadTeacher
	}
	roles := school.SplitRoles(st.Roles)
	for _, r := range service.StaffRoles {
		if slices.Contains(roles, r) {
			return r
		}
	}
	return service.RoleTeacher
}

// MissingClass is a class that has no custody arrangement yet.
type MissingClass struct {
	ClassID     string       `json:"class_id"`
	ClassLabel  string       `json:"class_label"`
	HeadTeacher *service.Ref `json:"head_teacher"`
}

// MissingCustody lists the classes without an arrangement, for the principal and leaders to chase.
func (s *Service) MissingCustody(ctx context.Context, a *service.Actor, page service.PageQuery) (service.Page[MissingClass], error) {
	if err := a.RequireLeader(); err != nil {
		return service.Page[MissingClass]{}, err
	}
	db := s.Read(ctx)
	q := db.Model(&model.Class{}).Scopes(a.Scope()).Where(
		"NOT EXISTS (SELECT 1 FROM phone_custody pc WHERE pc.school_id = ? AND pc.class_id = classes.id)", a.SchoolID)
	return service.List(q, page, "id", false, func(c *model.Class) string { return c.ID },
		func(rows []model.Class) ([]MissingClass, error) {
			var heads []string
			for _, c := range rows {
				if c.HeadTeacherID != nil {
					heads = append(heads, *c.HeadTeacherID)
				}
			}
			names, err := school.StaffNames(db, a.SchoolID, heads)
			if err != nil {
				return nil, err
			}
			out := make([]MissingClass, 0, len(rows))
			for _, c := range rows {
				m := MissingClass{ClassID: c.ID, ClassLabel: school.ClassLabel(c)}
				if c.HeadTeacherID != nil {
					m.HeadTeacher = &service.Ref{ID: *c.HeadTeacherID, Name: names[*c.HeadTeacherID]}
				}
				out = append(out, m)
			}
			return out, nil
		})
}
