package attendance

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"schoolcheck/model"
	"schoolcheck/service"
	"schoolcheck/service/school"
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
func (s *Service) OfficeQR(ctx context.Context, a *service.Actor) (QRToken, error) {
	if err := a.Require(service.RolePrincipal, service.RoleLeader); err != nil {
		return QRToken{}, err
	}
	si, err := s.schoolWithQRSecret(ctx, a.SchoolID)
	if err != nil {
		return QRToken{}, err
	}
	return issueQR(si.School, s.Now(), si.Loc), nil
}

// schoolWithQRSecret loads a school, giving it a QR secret first if it has none (schools made before QR).
func (s *Service) schoolWithQRSecret(ctx context.Context, schoolID string) (*school.Info, error) {
	si, err := school.Load(s.Read(ctx), schoolID)
	if err != nil || si.School.QRSecret != "" {
		return si, err
	}
	secret := hex.EncodeToString(model.NewSecret(32))
	err = s.Tx(ctx, func(tx *service.Tx) error {
		return tx.Model(&model.School{}).Where("id = ? AND (qr_secret = '' OR qr_secret IS NULL)", schoolID).
			Update("qr_secret", secret).Error
	})
	if err != nil {
		return nil, err
	}
	return school.Load(s.Read(ctx), schoolID)
}
