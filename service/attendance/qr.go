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
	// QRPrefix marked the office QR code's content before it became a link; a punch still accepts it.
	QRPrefix = "schoolcheck:qr:"
	// QRPath is the path under http.public_url of the link the office QR code encodes,
	// <public_url>/q/<token>: the mini-program registers that prefix (扫普通链接二维码打开小程序), so WeChat's
	// own scanner opens its sign-in page with the link.
	QRPath = "/q/"
)

// QRToken is the current office sign-in token of a school. Content, what the QR code encodes, is the link
// QRLink makes of the token; the HTTP layer, which knows the public URL, fills it.
type QRToken struct {
	Token     string    `json:"token"`
	Content   string    `json:"content"`
	ExpiresAt time.Time `json:"expires_at"`
}

// QRLink is the link an office QR code encodes: <publicURL>/q/<token>.
func QRLink(publicURL, token string) string {
	return strings.TrimRight(publicURL, "/") + QRPath + token
}

// scannedToken is the token of what a phone scanned: the whole link (<public_url>/q/<token>, with or
// without a query string the scanner added), the older "schoolcheck:qr:" content, or the bare token. The
// token's signature, not the link's host, is what proves it.
func scannedToken(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndex(s, QRPath); i >= 0 && strings.Contains(s[:i], "://") {
		s = s[i+len(QRPath):]
		if j := strings.IndexAny(s, "?#/"); j >= 0 {
			s = s[:j]
		}
	}
	return strings.TrimPrefix(s, QRPrefix)
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
	return QRToken{Token: tok, ExpiresAt: exp.Truncate(time.Second)}
}

// verifyQR accepts a token of this school for the current or the previous step; another school's token,
// an older one and a forged one all fail alike.
func verifyQR(sc model.School, token string, now time.Time) bool {
	if sc.QRSecret == "" {
		return false
	}
	token = scannedToken(token)
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
			Updates(map[string]any{"qr_secret": secret, "revision": school.NextRevision()}).Error
	})
	if err != nil {
		return nil, err
	}
	return school.Load(s.Read(ctx), schoolID)
}
