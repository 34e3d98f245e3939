package service

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"schoolcheck/model"
)

// Session is the answer to login, bind and join: a token and who it belongs to.
type Session struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
	Bound     bool      `json:"bound"`
	User      *User     `json:"user"`
}

// User is GET /me.
type User struct {
	ID      string      `json:"id"`
	Name    string      `json:"name"`
	Roles   []string    `json:"roles"`
	School  *Ref        `json:"school"`
	Region  *Ref        `json:"region"`
	Classes []UserClass `json:"classes"`
}

// UserClass is a class the user is linked to, as head teacher or parent.
type UserClass struct {
	ID       string `json:"id"`
	Grade    string `json:"grade"`
	Name     string `json:"name"`
	Relation string `json:"relation"`
}

// Login exchanges a wx.login code for a token. The code is single-use: it is never retried. WeChat being
// down is a 503 and writes nothing.
func (s *Service) Login(ctx context.Context, code string) (Session, error) {
	code = strings.TrimSpace(code)
	if code == "" || len(code) > 128 {
		return Session{}, invalid{"code": "缺少登录凭证"}.err()
	}
	ws, err := s.wx.Code2Session(ctx, code)
	if err != nil {
		return Session{}, wrapWeChat(err)
	}
	var accountID string
	err = s.tx(ctx, func(tx *gorm.DB) error {
		var acct model.Account
		err := tx.Where("open_id = ?", ws.OpenID).Take(&acct).Error
		switch {
		case model.IsNotFound(err):
			acct = model.Account{ID: model.NewID(), OpenID: ws.OpenID, UnionID: ws.UnionID, LastLoginAt: s.now().UTC()}
			if err := tx.Create(&acct).Error; err != nil {
				return err
			}
		case err != nil:
			return err
		default:
			updates := map[string]any{"last_login_at": s.now().UTC()}
			if ws.UnionID != "" {
				updates["union_id"] = ws.UnionID
			}
			if err := tx.Model(&acct).Updates(updates).Error; err != nil {
				return err
			}
		}
		accountID = acct.ID
		return nil
	})
	if model.IsDuplicate(err) { // a concurrent first login of the same person created it
		var acct model.Account
		if err = s.read(ctx).Where("open_id = ?", ws.OpenID).Take(&acct).Error; err == nil {
			accountID = acct.ID
		}
	}
	if err != nil {
		return Session{}, wrapDB(err)
	}
	return s.session(ctx, accountID)
}

// session issues a token for an account and describes its user.
func (s *Service) session(ctx context.Context, accountID string) (Session, error) {
	a, err := s.Actor(ctx, accountID)
	if err != nil {
		return Session{}, err
	}
	token, exp, err := s.issueToken(accountID)
	if err != nil {
		return Session{}, err
	}
	out := Session{Token: token, ExpiresAt: exp, Bound: a.Bound()}
	if a.Bound() {
		u, err := s.Me(ctx, a)
		if err != nil {
			return Session{}, err
		}
		out.User = &u
	}
	return out, nil
}

var phonePattern = regexp.MustCompile(`^1[3-9]\d{9}$`)

// normalizePhone keeps the 11 digits of a mainland mobile number.
func normalizePhone(p string) string {
	p = strings.NewReplacer(" ", "", "-", "").Replace(strings.TrimSpace(p))
	p = strings.TrimPrefix(strings.TrimPrefix(p, "+86"), "0086")
	return p
}

// maskPhone keeps the first three and last four digits, for logs.
func maskPhone(p string) string {
	if len(p) < 7 {
		return "***"
	}
	return p[:3] + "****" + p[len(p)-4:]
}

// BindPhone links the login to the staff roster entry (or inspector) with the WeChat-verified phone.
func (s *Service) BindPhone(ctx context.Context, a *Actor, phoneCode string) (Session, error) {
	if strings.TrimSpace(phoneCode) == "" {
		return Session{}, invalid{"phone_code": "缺少手机号授权凭证"}.err()
	}
	phone, err := s.wx.PhoneNumber(ctx, phoneCode)
	if err != nil {
		return Session{}, wrapWeChat(err)
	}
	phone = normalizePhone(phone)
	err = s.tx(ctx, func(tx *gorm.DB) error {
		var entries []model.Staff
		if err := model.CrossSchool(tx).Where("phone = ? AND active = ?", phone, true).Order("created_at").
			Find(&entries).Error; err != nil {
			return err
		}
		if len(entries) == 0 {
			return E(ErrNotFound, "not_in_roster", "该手机号不在任何学校的教职工名单中，请联系学校管理员")
		}
		if a.StaffID != "" && !slices.ContainsFunc(entries, func(st model.Staff) bool { return st.ID == a.StaffID }) {
			return conflict("conflict", "此微信已绑定其他教职工身份")
		}
		for _, st := range entries {
			if st.AccountID != nil && *st.AccountID == a.AccountID {
				return nil // already bound to this WeChat: nothing to do
			}
		}
		st := entries[0]
		now := s.now().UTC()
		res := model.CrossSchool(tx).Model(&model.Staff{}).Where("id = ? AND account_id IS NULL", st.ID).
			Updates(map[string]any{"account_id": a.AccountID, "bound_at": now, "updated_at": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return conflict("already_bound", "该教职工已绑定其他微信，如需更换请联系学校管理员")
		}
		s.log.InfoContext(ctx, "staff bound", "staff_id", st.ID, "phone", maskPhone(phone))
		return s.audit(tx, a, st.SchoolID, ActionUpdate, "staff", st.ID, map[string]any{"bound": true})
	})
	if err != nil {
		return Session{}, err
	}
	return s.session(ctx, a.AccountID)
}

// JoinInput is a parent joining a class with its invite code.
type JoinInput struct {
	InviteCode     string
	Relation       string
	ConsentVersion string
}

// Join links the login to a class as a parent. A parent may join several classes.
func (s *Service) Join(ctx context.Context, a *Actor, in JoinInput) (Session, error) {
	v := invalid{}
	code := strings.ToUpper(strings.TrimSpace(in.InviteCode))
	if code == "" || len(code) > 16 {
		v.add("invite_code", "请输入班级邀请码")
	}
	if !slices.Contains([]string{"father", "mother", "guardian"}, in.Relation) {
		v.add("relation", "应为 father、mother 或 guardian")
	}
	if strings.TrimSpace(in.ConsentVersion) == "" || len(in.ConsentVersion) > 32 {
		v.add("consent_version", "请先阅读并同意隐私说明")
	}
	if err := v.err(); err != nil {
		return Session{}, err
	}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var class model.Class
		if err := model.CrossSchool(tx).Where("invite_code = ?", code).Take(&class).Error; err != nil {
			if model.IsNotFound(err) {
				return E(ErrNotFound, "invalid_invite", "邀请码无效或已更换，请向班主任索取新的邀请码")
			}
			return err
		}
		var link model.ParentLink
		err := tx.Scopes(model.InSchool(class.SchoolID)).Where("class_id = ? AND account_id = ?", class.ID, a.AccountID).
			Take(&link).Error
		now := s.now().UTC()
		switch {
		case model.IsNotFound(err):
			link = model.ParentLink{ID: model.NewID(), SchoolID: class.SchoolID, ClassID: class.ID, AccountID: a.AccountID,
				Relation: in.Relation, ConsentVersion: in.ConsentVersion, CreatedAt: now}
			if err := tx.Create(&link).Error; err != nil {
				return err
			}
		case err != nil:
			return err
		default:
			if err := tx.Model(&model.ParentLink{}).Scopes(model.InSchool(class.SchoolID)).Where("id = ?", link.ID).
				Updates(map[string]any{"removed_at": nil, "relation": in.Relation, "consent_version": in.ConsentVersion}).Error; err != nil {
				return err
			}
		}
		return s.audit(tx, a, class.SchoolID, ActionCreate, "parent_link", link.ID,
			map[string]any{"class_id": class.ID, "relation": in.Relation, "consent_version": in.ConsentVersion})
	})
	if err != nil {
		return Session{}, err
	}
	return s.session(ctx, a.AccountID)
}

// Me describes the acting user: roles, school, region and linked classes.
func (s *Service) Me(ctx context.Context, a *Actor) (User, error) {
	db := s.read(ctx)
	u := User{ID: a.UserID(), Name: a.Name, Roles: append([]string{}, a.Roles...), Classes: []UserClass{}}
	regionID := a.RegionID
	if a.SchoolID != "" {
		var sc model.School
		if err := db.Where("id = ?", a.SchoolID).Take(&sc).Error; err != nil {
			return User{}, wrapDB(err)
		}
		u.School = &Ref{ID: sc.ID, Name: sc.Name}
		regionID = sc.RegionID
	}
	if regionID != "" {
		var r model.Region
		if err := db.Where("id = ?", regionID).Take(&r).Error; err == nil {
			u.Region = &Ref{ID: r.ID, Name: r.Name}
		} else if !model.IsNotFound(err) {
			return User{}, wrapDB(err)
		}
	}
	if a.SchoolID == "" {
		return u, nil
	}
	var classes []model.Class
	q := db.Scopes(a.scope())
	switch {
	case a.StaffID != "" && len(a.ParentClassIDs) > 0:
		q = q.Where("head_teacher_id = ? OR id IN ?", a.StaffID, a.ParentClassIDs)
	case a.StaffID != "":
		q = q.Where("head_teacher_id = ?", a.StaffID)
	default:
		q = q.Where("id IN ?", a.ParentClassIDs)
	}
	if err := q.Order("grade, name").Find(&classes).Error; err != nil {
		return User{}, wrapDB(err)
	}
	for _, c := range classes {
		rel := "parent"
		if c.HeadTeacherID != nil && *c.HeadTeacherID == a.StaffID && a.StaffID != "" {
			rel = "head_teacher"
		}
		u.Classes = append(u.Classes, UserClass{ID: c.ID, Grade: c.Grade, Name: c.Name, Relation: rel})
	}
	if a.StaffID == "" && len(classes) > 0 {
		u.Name = ClassLabel(classes[0]) + "家长"
	}
	return u, nil
}

// ClassLabel is how a class is written: "三年级2班".
func ClassLabel(c model.Class) string {
	name := c.Name
	if !strings.HasSuffix(name, "班") {
		name += "班"
	}
	return c.Grade + name
}
