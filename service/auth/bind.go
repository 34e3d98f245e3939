package auth

import (
	"context"
	"slices"
	"strings"

	"schoolcheck/model"
	"schoolcheck/service"
	"schoolcheck/service/evidence"
	"schoolcheck/service/school"
)

// BindInput is bind-phone: the getPhoneNumber code, and optionally the school (or region) the person means
// to act in now.
type BindInput struct {
	PhoneCode string
	SchoolID  string
	RegionID  string
}

// BindPhone links the login to every active roster entry (staff in any school, inspector in any region)
// with the WeChat-verified phone that no other WeChat account holds: one school adding a phone to its
// roster never stops another school's entry for it from being bound. 409 already_bound only when every
// matching entry is held by another account. The membership the person named becomes current, else the
// most recently added entry's; the others show in /me.
func (s *Service) BindPhone(ctx context.Context, a *service.Actor, in BindInput) (Session, error) {
	v := service.Invalid{}
	if strings.TrimSpace(in.PhoneCode) == "" {
		v.Add("phone_code", "缺少手机号授权凭证")
	}
	v.ID("school_id", in.SchoolID)
	v.ID("region_id", in.RegionID)
	if in.SchoolID != "" && in.RegionID != "" {
		v.Add("school_id", "school_id 与 region_id 只能指定一个")
	}
	if err := v.Err(); err != nil {
		return Session{}, err
	}
	phone, err := s.wx.PhoneNumber(ctx, in.PhoneCode)
	if err != nil {
		return Session{}, service.WrapWeChat(err)
	}
	phone = service.NormalizePhone(phone)
	want := membership{schoolID: in.SchoolID, regionID: in.RegionID}
	var current membership
	err = s.Tx(ctx, func(tx *service.Tx) error {
		var entries []model.Staff
		if err := model.CrossSchool(tx.DB).Where("phone = ? AND active = ?", phone, true).Order("created_at, id").
			Find(&entries).Error; err != nil {
			return err
		}
		if len(entries) == 0 {
			return notInRoster()
		}
		// The account's entries already bound, by membership: it holds one roster entry per school or region.
		var held []model.Staff
		if err := model.CrossSchool(tx.DB).Where("account_id = ? AND active = ?", a.AccountID, true).
			Find(&held).Error; err != nil {
			return err
		}
		holds := map[membership]string{}
		for _, st := range held {
			holds[entryMembership(st)] = st.ID
		}
		var mine []model.Staff
		otherAccount, otherEntry := 0, 0
		for _, st := range entries {
			k := entryMembership(st)
			switch {
			case st.AccountID != nil && *st.AccountID == a.AccountID:
				mine = append(mine, st)
				continue
			case st.AccountID != nil:
				otherAccount++
				continue
			case holds[k] != "" && holds[k] != st.ID:
				otherEntry++ // a second phone of the same person on one roster: one identity per school
				continue
			}
			ok, err := bindEntry(tx, a, st)
			if err != nil {
				return err
			}
			if !ok {
				otherAccount++ // bound by someone else meanwhile
				continue
			}
			s.Log.InfoContext(ctx, "staff bound", "staff_id", st.ID, "phone", service.MaskPhone(phone))
			holds[k] = st.ID
			mine = append(mine, st)
		}
		switch {
		case len(mine) == 0 && otherEntry > 0 && otherAccount == 0:
			return service.Conflict("conflict", "此微信已绑定该校的其他教职工身份")
		case len(mine) == 0:
			return service.Conflict("already_bound", "该教职工已绑定其他微信，如需更换请联系学校管理员")
		}
		current = entryMembership(mine[len(mine)-1]) // the most recently added entry
		if !want.empty() {
			if !slices.ContainsFunc(mine, func(st model.Staff) bool { return entryMembership(st) == want }) {
				f := "school_id"
				if want.regionID != "" {
					f = "region_id"
				}
				return notInRoster().Field(f, "该手机号不在这所学校（或地区）的名单中")
			}
			current = want
		}
		return remember(tx.DB, a.AccountID, current)
	})
	if err != nil {
		return Session{}, err
	}
	return s.session(ctx, a.AccountID, current)
}

func notInRoster() *service.Error {
	return service.E(service.ErrNotFound, "not_in_roster", "该手机号不在任何学校的教职工名单中，请联系学校管理员")
}

// entryMembership is the membership a roster entry gives: its school, or an inspector's region.
func entryMembership(st model.Staff) membership {
	if st.SchoolID == "" {
		return membership{regionID: st.RegionID}
	}
	return membership{schoolID: st.SchoolID}
}

// bindEntry binds one unheld entry to the account, if nobody bound it meanwhile, with its audit row. The
// row names the entry itself as the actor: the login's other memberships are nothing to this school.
func bindEntry(tx *service.Tx, a *service.Actor, st model.Staff) (bool, error) {
	res := model.CrossSchool(tx.DB).Model(&model.Staff{}).Where("id = ? AND account_id IS NULL", st.ID).
		Updates(map[string]any{"account_id": a.AccountID, "bound_at": tx.Now, "binding": model.NewPseudonym(),
			"updated_at": tx.Now})
	if res.Error != nil || res.RowsAffected == 0 {
		return false, res.Error
	}
	if st.SchoolID == "" {
		return true, nil // an inspector's entry belongs to a region, which keeps no audit trail
	}
	self := &service.Actor{AccountID: a.AccountID, StaffID: st.ID, Name: st.Name, SchoolID: st.SchoolID}
	return true, evidence.Record(tx, self, st.SchoolID, evidence.ActionUpdate, evidence.Staff, st.ID,
		evidence.Changes{"bound": {From: false, To: true}})
}

// JoinInput is a parent joining a class with its invite code.
type JoinInput struct {
	InviteCode     string
	Relation       string
	ConsentVersion string
}

// Join links the login to a class as a parent, and makes that school the current membership. A parent may
// join several classes, in any schools. A parent the school removed cannot come back with the code they
// had (403 readmission_required): the head teacher or a leader readmits them, or a new code lets them join.
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
	var current membership
	err := s.Tx(ctx, func(tx *service.Tx) error {
		var class model.Class
		if err := model.CrossSchool(tx.DB).Where("invite_code = ?", code).Take(&class).Error; err != nil {
			if model.IsNotFound(err) {
				return service.E(service.ErrNotFound, "invalid_invite", "邀请码无效或已更换，请向班主任索取新的邀请码")
			}
			return err
		}
		current = membership{schoolID: class.SchoolID}
		var link model.ParentLink
		err := tx.Scopes(model.InSchool(class.SchoolID)).Where("class_id = ? AND account_id = ?", class.ID, a.AccountID).
			Take(&link).Error
		after := school.LinkAudit{ClassID: class.ID, Relation: in.Relation, ConsentVersion: in.ConsentVersion, Active: true}
		switch {
		case model.IsNotFound(err):
			link = model.ParentLink{ID: model.NewID(), SchoolID: class.SchoolID, ClassID: class.ID, AccountID: a.AccountID,
				AuthorID: model.NewPseudonym(), Relation: in.Relation, ConsentVersion: in.ConsentVersion, CreatedAt: tx.Now}
			if err := tx.Create(&link).Error; err != nil {
				return err
			}
			if err := evidence.Created(tx, linkActor(a, link), class.SchoolID, evidence.ParentLink, link.ID, after); err != nil {
				return err
			}
		case err != nil:
			return err
		case link.RemovedAt != nil && link.RemovedCode == code:
			return service.E(service.ErrForbidden, "readmission_required",
				"您已被移出该班级，请联系班主任重新接纳，或索取新的邀请码")
		default: // still linked (a new relation or consent), or removed before the code was changed
			before := school.LinkAudit{ClassID: class.ID, Relation: link.Relation, ConsentVersion: link.ConsentVersion,
				Active: link.RemovedAt == nil}
			if err := tx.Model(&model.ParentLink{}).Scopes(model.InSchool(class.SchoolID)).Where("id = ?", link.ID).
				Updates(map[string]any{"removed_at": nil, "removed_code": "", "relation": in.Relation,
					"consent_version": in.ConsentVersion}).Error; err != nil {
				return err
			}
			if _, err := evidence.Updated(tx, linkActor(a, link), class.SchoolID, evidence.ParentLink, link.ID, before, after); err != nil {
				return err
			}
		}
		return remember(tx.DB, a.AccountID, current)
	})
	if err != nil {
		return Session{}, err
	}
	return s.session(ctx, a.AccountID, current)
}

// linkActor is the class link acting on itself (joining), as its audit rows name it: by the link's id,
// which the school already sees with its relation, never by the person's pseudonym, staff id or name.
func linkActor(a *service.Actor, link model.ParentLink) *service.Actor {
	return &service.Actor{AccountID: a.AccountID, SchoolID: link.SchoolID, Roles: []string{service.RoleParent},
		ParentClassIDs: []string{link.ClassID}, ParentAuthorIDs: []string{link.ID}}
}
