package auth

import (
	"context"
	"slices"
	"strings"
	"time"

	"schoolcheck/model"
	"schoolcheck/service"
	"schoolcheck/service/evidence"
	"schoolcheck/service/school"
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
	ID      string       `json:"id"`
	Name    string       `json:"name"`
	Roles   []string     `json:"roles"`
	School  *service.Ref `json:"school"`
	Region  *service.Ref `json:"region"`
	Classes []UserClass  `json:"classes"`
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
		return Session{}, service.Invalid{"code": "缺少登录凭证"}.Err()
	}
	ws, err := s.wx.Code2Session(ctx, code)
	if err != nil {
		return Session{}, service.WrapWeChat(err)
	}
	var accountID string
	err = s.Tx(ctx, func(tx *service.Tx) error {
		var acct model.Account
		err := tx.Where("open_id = ?", ws.OpenID).Take(&acct).Error
		switch {
		case model.IsNotFound(err):
			acct = model.Account{ID: model.NewID(), OpenID: ws.OpenID, UnionID: ws.UnionID, LastLoginAt: tx.Now, CreatedAt: tx.Now}
			if err := tx.Create(&acct).Error; err != nil {
				return err
			}
		case err != nil:
			return err
		default:
			updates := map[string]any{"last_login_at": tx.Now}
			if ws.UnionID != "" {
				updates["union_id"] = ws.UnionID
			}
			if err := tx.Model(&model.Account{}).Where("id = ?", acct.ID).Updates(updates).Error; err != nil {
				return err
			}
		}
		accountID = acct.ID
		return nil
	})
	if model.IsDuplicate(err) { // a concurrent first login of the same person created it
		var acct model.Account
		if err = s.Read(ctx).Where("open_id = ?", ws.OpenID).Take(&acct).Error; err == nil {
			accountID = acct.ID
		}
	}
	if err != nil {
		return Session{}, service.WrapDB(err)
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
	out := Session{Token: token, ExpiresAt: service.Local(exp, service.SchoolZone(s.Read(ctx), a.SchoolID)), Bound: a.Bound()}
	if a.Bound() {
		u, err := s.Me(ctx, a)
		if err != nil {
			return Session{}, err
		}
		out.User = &u
	}
	return out, nil
}

// BindPhone links the login to the staff roster entry (or inspector) with the WeChat-verified phone.
func (s *Service) BindPhone(ctx context.Context, a *service.Actor, phoneCode string) (Session, error) {
	if strings.TrimSpace(phoneCode) == "" {
		return Session{}, service.Invalid{"phone_code": "缺少手机号授权凭证"}.Err()
	}
	phone, err := s.wx.PhoneNumber(ctx, phoneCode)
	if err != nil {
		return Session{}, service.WrapWeChat(err)
	}
	phone = service.NormalizePhone(phone)
	err = s.Tx(ctx, func(tx *service.Tx) error {
		var entries []model.Staff
		if err := model.CrossSchool(tx.DB).Where("phone = ? AND active = ?", phone, true).Order("created_at").
			Find(&entries).Error; err != nil {
			return err
		}
		if len(entries) == 0 {
			return service.E(service.ErrNotFound, "not_in_roster", "该手机号不在任何学校的教职工名单中，请联系学校管理员")
		}
		if a.StaffID != "" && !slices.ContainsFunc(entries, func(st model.Staff) bool { return st.ID == a.StaffID }) {
			return service.Conflict("conflict", "此微信已绑定其他教职工身份")
		}
		for _, st := range entries {
			if st.AccountID != nil && *st.AccountID == a.AccountID {
				return nil // already bound to this WeChat: nothing to do
			}
		}
		st := entries[0]
		now := tx.Now
		res := model.CrossSchool(tx.DB).Model(&model.Staff{}).Where("id = ? AND account_id IS NULL", st.ID).
			Updates(map[string]any{"account_id": a.AccountID, "bound_at": now, "updated_at": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return service.Conflict("already_bound", "该教职工已绑定其他微信，如需更换请联系学校管理员")
		}
		s.Log.InfoContext(ctx, "staff bound", "staff_id", st.ID, "phone", service.MaskPhone(phone))
		if st.SchoolID == "" {
			return nil // an inspector's entry belongs to a region
		}
		return evidence.Record(tx, a, st.SchoolID, evidence.ActionUpdate, evidence.Staff, st.ID,
			evidence.Changes{"bound": {From: false, To: true}})
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
func (s *Service) Join(ctx context.Context, a *service.Actor, in JoinInput) (Session, error) {
	v := service.Invalid{}
	code := strings.ToUpper(strings.TrimSpace(in.InviteCode))
	if code == "" || len(code) > 16 {
		v.Add("invite_code", "请输入班级邀请码")
	}
	v.OneOf("relation", in.Relation, false, "father", "mother", "guardian")
	if c, ok := service.CleanName(in.ConsentVersion); c == "" || !ok || len(c) > 32 {
		v.Add("consent_version", "请先阅读并同意隐私说明")
	} else {
		in.ConsentVersion = c
	}
	if err := v.Err(); err != nil {
		return Session{}, err
	}
	err := s.Tx(ctx, func(tx *service.Tx) error {
		var class model.Class
		if err := model.CrossSchool(tx.DB).Where("invite_code = ?", code).Take(&class).Error; err != nil {
			if model.IsNotFound(err) {
				return service.E(service.ErrNotFound, "invalid_invite", "邀请码无效或已更换，请向班主任索取新的邀请码")
			}
			return err
		}
		var link model.ParentLink
		err := tx.Scopes(model.InSchool(class.SchoolID)).Where("class_id = ? AND account_id = ?", class.ID, a.AccountID).
			Take(&link).Error
		now := tx.Now
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
		return evidence.Created(tx, a, class.SchoolID, evidence.ParentLink, link.ID,
			map[string]any{"class_id": class.ID, "relation": in.Relation, "consent_version": in.ConsentVersion})
	})
	if err != nil {
		return Session{}, err
	}
	return s.session(ctx, a.AccountID)
}

// Me describes the acting user: roles, school, region and linked classes.
func (s *Service) Me(ctx context.Context, a *service.Actor) (User, error) {
	db := s.Read(ctx)
	u := User{ID: a.UserID(), Name: a.Name, Roles: append([]string{}, a.Roles...), Classes: []UserClass{}}
	regionID := a.RegionID
	if a.SchoolID != "" {
		var sc model.School
		if err := db.Where("id = ?", a.SchoolID).Take(&sc).Error; err != nil {
			return User{}, service.WrapDB(err)
		}
		u.School = &service.Ref{ID: sc.ID, Name: sc.Name}
		regionID = sc.RegionID
	}
	if regionID != "" {
		var r model.Region
		if err := db.Where("id = ?", regionID).Take(&r).Error; err == nil {
			u.Region = &service.Ref{ID: r.ID, Name: r.Name}
		} else if !model.IsNotFound(err) {
			return User{}, service.WrapDB(err)
		}
	}
	if a.SchoolID == "" {
		return u, nil
	}
	var classes []model.Class
	q := db.Scopes(a.Scope())
	switch {
	case a.StaffID != "" && len(a.ParentClassIDs) > 0:
		q = q.Where("head_teacher_id = ? OR id IN ?", a.StaffID, a.ParentClassIDs)
	case a.StaffID != "":
		q = q.Where("head_teacher_id = ?", a.StaffID)
	default:
		q = q.Where("id IN ?", a.ParentClassIDs)
	}
	if err := q.Order("grade, name").Find(&classes).Error; err != nil {
		return User{}, service.WrapDB(err)
	}
	for _, c := range classes {
		rel := "parent"
		if c.HeadTeacherID != nil && *c.HeadTeacherID == a.StaffID && a.StaffID != "" {
			rel = "head_teacher"
		}
		u.Classes = append(u.Classes, UserClass{ID: c.ID, Grade: c.Grade, Name: c.Name, Relation: rel})
	}
	if a.StaffID == "" && len(classes) > 0 {
		u.Name = school.ParentLabel(classes[0])
	}
	return u, nil
}
