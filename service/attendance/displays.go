package attendance

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"schoolcheck/model"
	"schoolcheck/service"
	"schoolcheck/service/evidence"
	"schoolcheck/service/school"
	"time"
)

// Display is an office screen link. Token is the secret part of its URL, returned once at creation.
type Display struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	Token     string     `json:"-"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at"`
}

func displayView(r model.AttendanceDisplay, loc *time.Location) Display {
	return Display{ID: r.ID, Name: r.Name, CreatedAt: service.Local(r.CreatedAt, loc), RevokedAt: service.InZone(r.RevokedAt, loc)}
}

// displayHash is what is stored of a display token.
func displayHash(token string) string {
	sum := sha256.Sum256([]byte("schoolcheck-display\x00" + token))
	return hex.EncodeToString(sum[:])
}

// CreateDisplay makes a link for the office PC that shows the rotating QR code without a login (principal).
func (s *Service) CreateDisplay(ctx context.Context, a *service.Actor, name string) (Display, error) {
	if err := a.Require(service.RolePrincipal); err != nil {
		return Display{}, err
	}
	v := service.Invalid{}
	name = v.Name("name", name, 30)
	if err := v.Err(); err != nil {
		return Display{}, err
	}
	token, err := newDisplayToken()
	if err != nil {
		return Display{}, err
	}
	row := model.AttendanceDisplay{ID: model.NewID(), SchoolID: a.SchoolID, Name: name, TokenHash: displayHash(token),
		CreatedBy: a.StaffID}
	var out Display
	err = s.Tx(ctx, func(tx *service.Tx) error {
		si, err := school.Load(tx.DB, a.SchoolID)
		if err != nil {
			return err
		}
		row.CreatedAt = tx.Now
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		out = Display{ID: row.ID, Name: name, Token: token, CreatedAt: service.Local(tx.Now, si.Loc)}
		return evidence.Created(tx, a, a.SchoolID, evidence.AttendanceDisplay, row.ID, out)
	})
	if err != nil {
		return Display{}, err
	}
	return out, nil
}

// newDisplayToken is the secret of a display link: 32 random bytes.
func newDisplayToken() (string, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(raw), nil
}

// ReissueDisplay gives a live display link a new secret (principal) and returns it: the old URL stops
// working at once. It is how a retried create (the same Idempotency-Key) answers: the same link, a fresh
// URL, and never a second live link. A revoked or unknown link is 404.
func (s *Service) ReissueDisplay(ctx context.Context, a *service.Actor, id string) (Display, error) {
	if err := a.Require(service.RolePrincipal); err != nil {
		return Display{}, err
	}
	token, err := newDisplayToken()
	if err != nil {
		return Display{}, err
	}
	var out Display
	err = s.Tx(ctx, func(tx *service.Tx) error {
		d, si, err := changeLiveDisplay(tx, a, id, "token_hash", displayHash(token))
		if err != nil {
			return err
		}
		out = displayView(d, si.Loc)
		out.Token = token
		return nil
	})
	return out, err
}

// changeLiveDisplay sets one column of a live (not revoked) display link of the actor's school and returns
// the link as it was; an unknown, another school's or a revoked link is 404.
func changeLiveDisplay(tx *service.Tx, a *service.Actor, id, column string, value any) (model.AttendanceDisplay, *school.Info, error) {
	var d model.AttendanceDisplay
	si, err := school.Load(tx.DB, a.SchoolID)
	if err != nil {
		return d, nil, err
	}
	if err := tx.Scopes(a.Scope()).Where("id = ? AND revoked_at IS NULL", id).Take(&d).Error; err != nil {
		if model.IsNotFound(err) {
			return d, nil, service.NotFound("签到屏幕链接")
		}
		return d, nil, err
	}
	res := tx.Model(&model.AttendanceDisplay{}).Scopes(a.Scope()).Where("id = ? AND revoked_at IS NULL", id).
		Update(column, value)
	if res.Error != nil {
		return d, nil, res.Error
	}
	if res.RowsAffected == 0 {
		return d, nil, service.NotFound("签到屏幕链接")
	}
	return d, si, nil
}

// ListDisplays lists the school's display links, revoked ones included (principal).
func (s *Service) ListDisplays(ctx context.Context, a *service.Actor) ([]Display, error) {
	if err := a.Require(service.RolePrincipal); err != nil {
		return nil, err
	}
	si, err := school.Load(s.Read(ctx), a.SchoolID)
	if err != nil {
		return nil, err
	}
	var rows []model.AttendanceDisplay
	if err := s.Read(ctx).Scopes(a.Scope()).Order("id DESC").Limit(200).Find(&rows).Error; err != nil {
		return nil, service.WrapDB(err)
	}
	out := make([]Display, 0, len(rows))
	for _, r := range rows {
		out = append(out, displayView(r, si.Loc))
	}
	return out, nil
}

// RevokeDisplay ends a display link at once (principal); another school's is 404, a revoked one 404 too.
func (s *Service) RevokeDisplay(ctx context.Context, a *service.Actor, id string) error {
	if err := a.Require(service.RolePrincipal); err != nil {
		return err
	}
	return s.Tx(ctx, func(tx *service.Tx) error {
		d, si, err := changeLiveDisplay(tx, a, id, "revoked_at", tx.Now)
		if err != nil {
			return err
		}
		return evidence.Deleted(tx, a, a.SchoolID, evidence.AttendanceDisplay, id, displayView(d, si.Loc), "")
	})
}

// DisplayView is what an office screen shows: whose screen it is and the current QR code.
type DisplayView struct {
	School string
	Name   string
	QR     QRToken
	Now    time.Time
}

// DisplayQR resolves a display link (no login: the token is the credential) into the school's current QR
// code. An unknown or revoked link is 404.
func (s *Service) DisplayQR(ctx context.Context, token string) (DisplayView, error) {
	if token == "" || len(token) > 100 {
		return DisplayView{}, service.NotFound("签到屏幕链接")
	}
	var d model.AttendanceDisplay
	// Cross-school by design: the secret token, not a login, says which school's screen this is.
	err := model.CrossSchool(s.Read(ctx)).Where("token_hash = ? AND revoked_at IS NULL", displayHash(token)).Take(&d).Error
	if model.IsNotFound(err) {
		return DisplayView{}, service.NotFound("签到屏幕链接")
	}
	if err != nil {
		return DisplayView{}, service.WrapDB(err)
	}
	si, err := s.schoolWithQRSecret(ctx, d.SchoolID)
	if err != nil {
		return DisplayView{}, err
	}
	now := s.Now()
	return DisplayView{School: si.School.Name, Name: d.Name, QR: issueQR(si.School, now, si.Loc), Now: now.In(si.Loc)}, nil
}
