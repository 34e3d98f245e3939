package auth

import (
	"context"
	"strings"
	"time"

	"schoolcheck/model"
	"schoolcheck/service"
)

// Session is the answer to login, bind, join and switch: a token, the membership it acts in and who it
// belongs to there.
type Session struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
	Bound     bool      `json:"bound"`
	User      *User     `json:"user"`
}

// Login exchanges a wx.login code for a token, in the membership the account chose last (else its oldest).
// The code is single-use: it is never retried. WeChat being down is a 503 and writes nothing.
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
	m, err := defaultMembership(s.Read(ctx), accountID)
	if err != nil {
		return Session{}, err
	}
	return s.session(ctx, accountID, m)
}

// session issues a token for an account acting in m and describes its user there.
func (s *Service) session(ctx context.Context, accountID string, m membership) (Session, error) {
	a, binding, err := loadActor(s.Read(ctx), accountID, m, nil)
	if err != nil {
		return Session{}, err
	}
	token, exp, err := s.issueToken(accountID, m, binding)
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
