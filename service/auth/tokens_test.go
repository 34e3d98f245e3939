package auth

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"schoolcheck/model"
	"schoolcheck/model/modeltest"
	"schoolcheck/service"
)

// Tokens are HS256 only, with issuer, audience and expiry checked (restored from before the restructure).
func TestTokensArePinnedAndChecked(t *testing.T) {
	db := modeltest.DB(t)
	now := time.Date(2026, 11, 25, 1, 0, 0, 0, time.UTC)
	secret := []byte("0123456789abcdef0123456789abcdef")
	s := New(service.NewCore(db, nil, func() time.Time { return now }), nil, secret, 2*time.Hour)
	acct := model.Account{ID: model.NewID(), OpenID: "oTok1"}
	if err := db.Create(&acct).Error; err != nil {
		t.Fatal(err)
	}
	good, exp, err := s.issueToken(acct.ID, membership{}, "")
	if err != nil {
		t.Fatal(err)
	}
	if exp.Sub(now) != 2*time.Hour {
		t.Fatalf("expiry %v after issue, want 2h", exp.Sub(now))
	}
	if a, err := s.Authenticate(context.Background(), good); err != nil || a.AccountID != acct.ID {
		t.Fatalf("a good token: %v %v", a, err)
	}
	sign := func(m jwt.SigningMethod, key any, c jwt.RegisteredClaims) string {
		tok, err := jwt.NewWithClaims(m, c).SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	claims := func() jwt.RegisteredClaims {
		return jwt.RegisteredClaims{Subject: acct.ID, Issuer: tokenIssuer, Audience: jwt.ClaimStrings{tokenAudience},
			ExpiresAt: jwt.NewNumericDate(now.Add(time.Hour)), IssuedAt: jwt.NewNumericDate(now)}
	}
	wrongAud, wrongIss, noExp, expired := claims(), claims(), claims(), claims()
	wrongAud.Audience = jwt.ClaimStrings{"someone-else"}
	wrongIss.Issuer = "other"
	noExp.ExpiresAt = nil
	expired.ExpiresAt = jwt.NewNumericDate(now.Add(-time.Minute))
	cases := map[string]struct {
		token string
		code  string
	}{
		"HS512 with the same key":   {sign(jwt.SigningMethodHS512, secret, claims()), "unauthenticated"},
		"alg none":                  {sign(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claims()), "unauthenticated"},
		"another key":               {sign(jwt.SigningMethodHS256, []byte("another-key-another-key-another!!"), claims()), "unauthenticated"},
		"wrong audience":            {sign(jwt.SigningMethodHS256, secret, wrongAud), "unauthenticated"},
		"wrong issuer":              {sign(jwt.SigningMethodHS256, secret, wrongIss), "unauthenticated"},
		"no expiry":                 {sign(jwt.SigningMethodHS256, secret, noExp), "unauthenticated"},
		"expired":                   {sign(jwt.SigningMethodHS256, secret, expired), "token_expired"},
		"truncated":                 {good[:len(good)-4], "unauthenticated"},
		"unknown account (deleted)": {sign(jwt.SigningMethodHS256, secret, jwt.RegisteredClaims{Subject: "nobody", Issuer: tokenIssuer, Audience: jwt.ClaimStrings{tokenAudience}, ExpiresAt: jwt.NewNumericDate(now.Add(time.Hour))}), "unauthenticated"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := s.Authenticate(context.Background(), c.token)
			var se *service.Error
			if !errors.As(err, &se) || !errors.Is(err, service.ErrUnauthenticated) || se.Code != c.code {
				t.Fatalf("want 401 %s, got %v", c.code, err)
			}
		})
	}
}
