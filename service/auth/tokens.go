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

// issueToken signs a token for an account: HS256, at most 2 hours, issuer and audience set.
func (s *Service) issueToken(accountID string) (string, time.Time, error) {
	now := s.Now().UTC()
	exp := now.Add(s.ttl).Truncate(time.Second)
	claims := jwt.RegisteredClaims{
		Subject:   accountID,
		Issuer:    tokenIssuer,
		Audience:  jwt.ClaimStrings{tokenAudience},
		IssuedAt:  jwt.NewNumericDate(now),
		NotBefore: jwt.NewNumericDate(now.Add(-time.Minute)),
		ExpiresAt: jwt.NewNumericDate(exp),
	}
	signed, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(s.secret)
	return signed, exp, err
}

// Authenticate verifies a bearer token (algorithm pinned to HS256, issuer, audience and expiry checked) and
// resolves the acting user from the database.
func (s *Service) Authenticate(ctx context.Context, token string) (*service.Actor, error) {
	var claims jwt.RegisteredClaims
	_, err := jwt.ParseWithClaims(token, &claims, func(*jwt.Token) (any, error) { return s.secret, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(tokenIssuer), jwt.WithAudience(tokenAudience), jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(s.Now), jwt.WithLeeway(30*time.Second))
	if errors.Is(err, jwt.ErrTokenExpired) {
		return nil, service.E(service.ErrUnauthenticated, "token_expired", "登录已过期，请重新登录")
	}
	if err != nil || claims.Subject == "" {
		return nil, service.E(service.ErrUnauthenticated, "unauthenticated", "登录凭证无效，请重新登录")
	}
	return s.Actor(ctx, claims.Subject)
}
