package service

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"schoolcheck/model"
)

// The office QR code rotates every qrStep and a token is accepted during the step it was issued in and the
// next one, so a code photographed and sent home stops working within a minute.
const (
	qrStep = 30 * time.Second
	// QRPrefix marks the office QR code's content, so the mini-program can tell it from other codes; the
	// punch accepts the token with or without it.
	QRPrefix = "schoolcheck:qr:"
)

// QRToken is the current office sign-in token of a school.
type QRToken struct {
	Token     string    `json:"token"`
	Content   string    `json:"content"` // what the QR code encodes: QRPrefix + token
	ExpiresAt time.Time `json:"expires_at"`
}

// qrSig signs one time step for one school with the school's secret: a token is bound to both.
func qrSig(sc model.School, step int64) string {
	mac := hmac.New(sha256.New, []byte(sc.QRSecret))
	mac.Write([]byte("schoolcheck-office-qr\x00" + sc.ID + "\x00" + strconv.FormatInt(step, 10)))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil)[:18])
}

// issueQR makes the token of the step containing now.
func issueQR(sc model.School, now time.Time, loc *time.Location) QRToken {
	step := now.Unix() / int64(qrStep/time.Second)
	tok := strconv.FormatInt(step, 10) + "." + qrSig(sc, step)
	exp := time.Unix((step+2)*int64(qrStep/time.Second), 0).In(loc)
	return QRToken{Token: tok, Content: QRPrefix + tok, ExpiresAt: exp}
}

// verifyQR accepts a token of this school for the current or the previous step; another school's token,
// an older one and a forged one all fail alike.
func verifyQR(sc model.School, token string, now time.Time) bool {
	if sc.QRSecret == "" {
		return false
	}
	token = strings.TrimPrefix(strings.TrimSpace(token), QRPrefix)
	stepStr, sig, ok := strings.Cut(token, ".")
	if !ok || len(token) > 64 {
		return false
	}
	step, err := strconv.ParseInt(stepStr, 10, 64)
	cur := now.Unix() / int64(qrStep/time.Second)
	if err != nil || step > cur || step < cur-1 {
		return false
	}
	return hmac.Equal([]byte(sig), []byte(qrSig(sc, step)))
}

// OfficeQR returns the school's current office QR token (leaders), for a screen the app itself drives.
func (s *Service) OfficeQR(ctx context.Context, a *Actor) (QRToken, error) {
	if err := a.require(RolePrincipal, RoleLeader); err != nil {
		return QRToken{}, err
	}
	si, err := s.schoolWithQRSecret(ctx, a.SchoolID)
	if err != nil {
		return QRToken{}, err
	}
	return issueQR(si.School, s.now(), si.Loc), nil
}

// schoolWithQRSecret loads a school, giving it a QR secret first if it has none (schools made before QR).
func (s *Service) schoolWithQRSecret(ctx context.Context, schoolID string) (*schoolInfo, error) {
	si, err := loadSchool(s.read(ctx), schoolID)
	if err != nil || si.School.QRSecret != "" {
		return si, err
	}
	secret := hex.EncodeToString(model.NewSecret(32))
	err = s.tx(ctx, func(tx *gorm.DB) error {
		return tx.Model(&model.School{}).Where("id = ? AND (qr_secret = '' OR qr_secret IS NULL)", schoolID).
			Update("qr_secret", secret).Error
	})
	if err != nil {
		return nil, err
	}
	return loadSchool(s.read(ctx), schoolID)
}

// Display is an office screen link. Token is the secret part of its URL, returned once at creation.
type Display struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	Token     string     `json:"-"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at"`
}

// displayHash is what is stored of a display token.
func displayHash(token string) string {
	sum := sha256.Sum256([]byte("schoolcheck-display\x00" + token))
	return hex.EncodeToString(sum[:])
}

// CreateDisplay makes a link for the office PC that shows the rotating QR code without a login (principal).
func (s *Service) CreateDisplay(ctx context.Context, a *Actor, name string) (Display, error) {
	if err := a.require(RolePrincipal); err != nil {
		return Display{}, err
	}
	name = strings.TrimSpace(name)
	if name == "" || len([]rune(name)) > 30 {
		return Display{}, invalid{"name": "名称为 1–30 个字"}.err()
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return Display{}, err
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	now := s.now().UTC()
	row := model.AttendanceDisplay{ID: model.NewID(), SchoolID: a.SchoolID, Name: name, TokenHash: displayHash(token),
		CreatedBy: a.StaffID, CreatedAt: now}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		return s.audit(tx, a, a.SchoolID, ActionCreate, "attendance_display", row.ID, map[string]any{"name": name})
	})
	if err != nil {
		return Display{}, err
	}
	return Display{ID: row.ID, Name: name, Token: token, CreatedAt: now}, nil
}

// ListDisplays lists the school's display links, revoked ones included (principal).
func (s *Service) ListDisplays(ctx context.Context, a *Actor) ([]Display, error) {
	if err := a.require(RolePrincipal); err != nil {
		return nil, err
	}
	var rows []model.AttendanceDisplay
	if err := s.read(ctx).Scopes(a.scope()).Order("id DESC").Limit(200).Find(&rows).Error; err != nil {
		return nil, wrapDB(err)
	}
	out := make([]Display, 0, len(rows))
	for _, r := range rows {
		out = append(out, Display{ID: r.ID, Name: r.Name, CreatedAt: r.CreatedAt, RevokedAt: r.RevokedAt})
	}
	return out, nil
}

// RevokeDisplay ends a display link at once (principal); another school's is 404, a revoked one 404 too.
func (s *Service) RevokeDisplay(ctx context.Context, a *Actor, id string) error {
	if err := a.require(RolePrincipal); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&model.AttendanceDisplay{}).Scopes(a.scope()).Where("id = ? AND revoked_at IS NULL", id).
			Update("revoked_at", s.now().UTC())
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return notFound("签到屏幕链接")
		}
		return s.audit(tx, a, a.SchoolID, ActionDelete, "attendance_display", id, nil)
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
		return DisplayView{}, notFound("签到屏幕链接")
	}
	var d model.AttendanceDisplay
	// Cross-school by design: the secret token, not a login, says which school's screen this is.
	err := model.CrossSchool(s.read(ctx)).Where("token_hash = ? AND revoked_at IS NULL", displayHash(token)).Take(&d).Error
	if model.IsNotFound(err) {
		return DisplayView{}, notFound("签到屏幕链接")
	}
	if err != nil {
		return DisplayView{}, wrapDB(err)
	}
	si, err := s.schoolWithQRSecret(ctx, d.SchoolID)
	if err != nil {
		return DisplayView{}, err
	}
	now := s.now()
	return DisplayView{School: si.School.Name, Name: d.Name, QR: issueQR(si.School, now, si.Loc), Now: now.In(si.Loc)}, nil
}
