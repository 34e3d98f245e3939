package auth

import (
	"context"
	"errors"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"schoolcheck/service"
)

const (
	tokenIssuer   = "schoolcheck"
	tokenAudience = "schoolcheck-miniprogram"
)

// claims are a token's: the account (subject), the membership the token acts in (empty for a login that
// had none when it was issued), and the binding of its roster entry there (model.Staff.Binding; empty for
// none). A token only ever acts through the binding it was issued under: a staff member removed and
// re-added binds again, and the tokens of the old binding do not come back with the new one.
type claims struct {
	jwt.RegisteredClaims
	Membership string `json:"mem,omitempty"`
	Binding    string `json:"bnd,omitempty"`
}

// issueToken signs a token for an account in a membership under a binding: HS256, at most 2 hours, issuer
// and audience set.
func (s *Service) issueToken(accountID string, m membership, binding string) (string, time.Time, error) {
	now := s.Now().UTC()
	exp := now.Add(s.ttl).Truncate(time.Second)
	c := claims{RegisteredClaims: jwt.RegisteredClaims{
		Subject:   accountID,
		Issuer:    tokenIssuer,
		Audience:  jwt.ClaimStrings{tokenAudience},
		IssuedAt:  jwt.NewNumericDate(now),
		NotBefore: jwt.NewNumericDate(now.Add(-time.Minute)),
		ExpiresAt: jwt.NewNumericDate(exp),
	}, Membership: m.String(), Binding: binding}
	signed, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(s.secret)
	return signed, exp, err
}

// Authenticate verifies a bearer token (algorithm pinned to HS256, issuer, audience and expiry checked) and
// resolves the acting user, in the token's membership, from the database.
func (s *Service) Authenticate(ctx context.Context, token string) (*service.Actor, error) {
	var c claims
	_, err := jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return s.secret, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(tokenIssuer), jwt.WithAudience(tokenAudience), jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(s.Now), jwt.WithLeeway(30*time.Second))
	if errors.Is(err, jwt.ErrTokenExpired) {
		return nil, service.E(service.ErrUnauthenticated, "token_expired", "登录已过期，请重新登录")
	}
	if err != nil || c.Subject == "" {
		return nil, service.E(service.ErrUnauthenticated, "unauthenticated", "登录凭证无效，请重新登录")
	}
	m := parseMembership(c.Membership)
	db := s.Read(ctx)
	if m.empty() { // issued before the login held any membership: the one it would start in now
		if m, err = defaultMembership(db, c.Subject); err != nil {
			return nil, err
		}
	}
	a, _, err := loadActor(db, c.Subject, m, &c.Binding)
	return a, err
}
