package auth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"strings"
	"time"

	"gorm.io/gorm"

	"schoolcheck/model"
	"schoolcheck/service"
	"schoolcheck/service/jobs"
)

// The web console's sign-in by scanning (扫码登录). A browser asks for a login request and shows its QR code
// (<public_url>/q/login/<id>); the person scans it with the mini-program, which confirms the request with
// its token (POST /auth/console/confirm); the browser, polling with the secret only it holds, then receives
// a console session for the membership the token acts in. A console session resolves into the same
// service.Actor as a token does (loadActor, under the binding it was issued for), so every page has the
// authorization of the API.
const (
	// ConsoleLoginTTL is how long a login request can be confirmed and claimed.
	ConsoleLoginTTL = 2 * time.Minute
	consoleIDBytes  = 24
)

// ConsoleLogin is a new login request: the ID the QR code carries, and the poll secret that only the
// browser that asked holds.
type ConsoleLogin struct {
	ID        string
	Poll      string
	ExpiresAt time.Time
}

// ConsoleSession is a signed-in browser: the cookie's token, the CSRF token of its forms, and its end.
type ConsoleSession struct {
	Token     string
	CSRF      string
	ExpiresAt time.Time
}

// ConsoleConfirmation is the answer of POST /auth/console/confirm: which browser was signed in, where.
type ConsoleConfirmation struct {
	ID          string    `json:"id"`
	RequestedAt time.Time `json:"requested_at"`
	IP          string    `json:"ip"`
	UserAgent   string    `json:"user_agent"`
	Membership  string    `json:"membership"`
}

// ConsoleState is what a poll finds: "pending" (not yet confirmed), "expired" (or already used), or
// "confirmed" with the session.
type ConsoleState struct {
	State   string
	Session *ConsoleSession
}

func consoleHash(secret string) string {
	sum := sha256.Sum256([]byte("schoolcheck-console\x00" + secret))
	return hex.EncodeToString(sum[:])
}

func randomToken(n int) string { return hex.EncodeToString(model.NewSecret(n)) }

func loginGone() *service.Error {
	return service.E(service.ErrNotFound, "login_expired", "登录二维码已失效，请在电脑上刷新后重新扫码")
}

// StartConsoleLogin makes a login request for the browser at ip with its user agent (kept to show the
// person who confirms it).
func (s *Service) StartConsoleLogin(ctx context.Context, ip, userAgent string) (ConsoleLogin, error) {
	out := ConsoleLogin{ID: randomToken(consoleIDBytes), Poll: randomToken(32)}
	err := s.Tx(ctx, func(tx *service.Tx) error {
		out.ExpiresAt = tx.Now.Add(ConsoleLoginTTL)
		return tx.Create(&model.ConsoleLogin{ID: out.ID, PollHash: consoleHash(out.Poll), CreatedAt: tx.Now,
			ExpiresAt: out.ExpiresAt, IP: service.Clip(ip, 64), UserAgent: service.Clip(userAgent, 255)}).Error
	})
	return out, err
}

// consoleRequester checks that a may sign a console in: a bound roster entry (staff or inspector).
func consoleRequester(a *service.Actor, id string) (string, error) {
	if a == nil || !a.Bound() {
		return "", service.E(service.ErrForbidden, "not_bound", "请先绑定教职工手机号或加入班级")
	}
	if a.StaffID == "" {
		return "", service.ForbiddenBecause("电脑端管理后台仅供教职工和督学使用")
	}
	id = strings.TrimSpace(id)
	if id == "" || len(id) > 64 {
		return "", service.Invalid{"id": "缺少登录请求编号"}.Err()
	}
	return id, nil
}

// openLogin finds a login request that can still be confirmed at now.
func openLogin(db *gorm.DB, id string, now time.Time) (model.ConsoleLogin, error) {
	var row model.ConsoleLogin
	if err := db.Where("id = ?", id).Take(&row).Error; err != nil {
		if model.IsNotFound(err) {
			return row, loginGone()
		}
		return row, err
	}
	if row.ConfirmedAt != nil {
		return row, loginUsed()
	}
	if !now.Before(row.ExpiresAt) {
		return row, loginGone()
	}
	return row, nil
}

func loginUsed() *service.Error {
	return service.Conflict("login_used", "该登录二维码已被确认过，请在电脑上刷新后重新扫码")
}

// consoleView describes a login request to the person about to confirm it, in their membership's zone.
func consoleView(db *gorm.DB, a *service.Actor, row model.ConsoleLogin) ConsoleConfirmation {
	return ConsoleConfirmation{ID: row.ID, RequestedAt: service.Local(row.CreatedAt, service.SchoolZone(db, a.SchoolID)),
		IP: row.IP, UserAgent: row.UserAgent, Membership: membershipOf(a).String()}
}

// ConsoleLoginRequest describes a login request before it is confirmed, for the mini-program to show who
// is asking from where: the browser's address and user agent, and the membership it would act in.
func (s *Service) ConsoleLoginRequest(ctx context.Context, a *service.Actor, id string) (ConsoleConfirmation, error) {
	id, err := consoleRequester(a, id)
	if err != nil {
		return ConsoleConfirmation{}, err
	}
	db := s.Read(ctx)
	row, err := openLogin(db, id, s.Now())
	if err != nil {
		return ConsoleConfirmation{}, service.WrapDB(err)
	}
	return consoleView(db, a, row), nil
}

// ConfirmConsoleLogin confirms a login request with the acting token: the browser that asked will act in
// the token's membership, as its roster entry there. Only a staff member or an inspector (a bound roster
// entry) may; a request is confirmed once, within its two minutes.
func (s *Service) ConfirmConsoleLogin(ctx context.Context, a *service.Actor, id string) (ConsoleConfirmation, error) {
	var out ConsoleConfirmation
	id, err := consoleRequester(a, id)
	if err != nil {
		return out, err
	}
	m := membershipOf(a)
	err = s.Tx(ctx, func(tx *service.Tx) error {
		// The roster entry's binding, which the session will act under (as a token issued now would).
		again, binding, err := loadActor(tx.DB, a.AccountID, m, nil)
		if err != nil {
			return err
		}
		if again.StaffID != a.StaffID {
			return service.Forbidden()
		}
		row, err := openLogin(tx.DB, id, tx.Now)
		if err != nil {
			return err
		}
		res := tx.Model(&model.ConsoleLogin{}).Where("id = ? AND confirmed_at IS NULL", id).
			Updates(map[string]any{"confirmed_at": tx.Now, "account_id": a.AccountID, "membership": m.String(), "binding": binding})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return loginUsed()
		}
		out = consoleView(tx.DB, a, row)
		return nil
	})
	return out, err
}

// PollConsoleLogin is the browser's poll: with the request's poll secret, a confirmed request becomes a
// session, once.
func (s *Service) PollConsoleLogin(ctx context.Context, id, poll string) (ConsoleState, error) {
	var row model.ConsoleLogin
	if err := s.Read(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		if model.IsNotFound(err) {
			return ConsoleState{State: "expired"}, nil
		}
		return ConsoleState{}, service.WrapDB(err)
	}
	if subtle.ConstantTimeCompare([]byte(row.PollHash), []byte(consoleHash(poll))) != 1 {
		return ConsoleState{State: "expired"}, nil
	}
	now := s.Now()
	switch {
	case row.ClaimedAt != nil || !now.Before(row.ExpiresAt):
		return ConsoleState{State: "expired"}, nil
	case row.ConfirmedAt == nil:
		return ConsoleState{State: "pending"}, nil
	}
	var sess ConsoleSession
	claimed := false
	err := s.Tx(ctx, func(tx *service.Tx) error {
		res := tx.Model(&model.ConsoleLogin{}).Where("id = ? AND claimed_at IS NULL AND confirmed_at IS NOT NULL", id).
			Update("claimed_at", tx.Now)
		if res.Error != nil || res.RowsAffected != 1 {
			return res.Error
		}
		claimed = true
		var err error
		sess, err = s.newConsoleSession(tx, row.AccountID, parseMembership(row.Membership), row.Binding)
		return err
	})
	if err != nil {
		return ConsoleState{}, err
	}
	if !claimed {
		return ConsoleState{State: "expired"}, nil
	}
	return ConsoleState{State: "confirmed", Session: &sess}, nil
}

// StartConsoleSession signs a browser in directly as the acting user, in its membership: the console's dev
// login (wechat.dev_login), which logs in through Login and BindPhone like the mini-program does.
func (s *Service) StartConsoleSession(ctx context.Context, a *service.Actor) (ConsoleSession, error) {
	var out ConsoleSession
	if a == nil || a.StaffID == "" {
		return out, service.ForbiddenBecause("电脑端管理后台仅供教职工和督学使用")
	}
	m := membershipOf(a)
	err := s.Tx(ctx, func(tx *service.Tx) error {
		_, binding, err := loadActor(tx.DB, a.AccountID, m, nil)
		if err != nil {
			return err
		}
		out, err = s.newConsoleSession(tx, a.AccountID, m, binding)
		return err
	})
	return out, err
}

// newConsoleSession stores a session; it lasts as long as a token does.
func (s *Service) newConsoleSession(tx *service.Tx, accountID string, m membership, binding string) (ConsoleSession, error) {
	out := ConsoleSession{Token: randomToken(32), CSRF: randomToken(24), ExpiresAt: tx.Now.Add(s.ttl)}
	err := tx.Create(&model.ConsoleSession{ID: model.NewID(), TokenHash: consoleHash(out.Token), AccountID: accountID,
		Membership: m.String(), Binding: binding, CSRF: out.CSRF, CreatedAt: tx.Now, ExpiresAt: out.ExpiresAt}).Error
	return out, err
}

// AuthenticateConsole resolves a console session's cookie into the acting user, from the database, as
// Authenticate does for a token, and returns the session's CSRF token.
func (s *Service) AuthenticateConsole(ctx context.Context, token string) (*service.Actor, string, error) {
	if token == "" || len(token) > 128 {
		return nil, "", service.E(service.ErrUnauthenticated, "unauthenticated", "请先登录")
	}
	var row model.ConsoleSession
	err := s.Read(ctx).Where("token_hash = ?", consoleHash(token)).Take(&row).Error
	switch {
	case model.IsNotFound(err):
		return nil, "", service.E(service.ErrUnauthenticated, "unauthenticated", "请先登录")
	case err != nil:
		return nil, "", service.WrapDB(err)
	case row.EndedAt != nil || !s.Now().Before(row.ExpiresAt):
		return nil, "", service.E(service.ErrUnauthenticated, "token_expired", "登录已过期，请重新扫码登录")
	}
	a, _, err := loadActor(s.Read(ctx), row.AccountID, parseMembership(row.Membership), &row.Binding)
	if err != nil {
		return nil, "", err
	}
	if a.StaffID == "" { // removed from the roster (or bound again) since: the session is over
		return nil, "", service.E(service.ErrUnauthenticated, "unauthenticated", "登录已失效，请重新扫码登录")
	}
	return a, row.CSRF, nil
}

// EndConsoleSession signs a browser out.
func (s *Service) EndConsoleSession(ctx context.Context, token string) error {
	return s.Tx(ctx, func(tx *service.Tx) error {
		return tx.Model(&model.ConsoleSession{}).Where("token_hash = ? AND ended_at IS NULL", consoleHash(token)).
			Update("ended_at", tx.Now).Error
	})
}

// ConsolePurgeJob forgets the console's login requests a day after they were made and its sessions a day
// after they ended or expired (neither is evidence of anything: the audit rows name the roster entry).
func (s *Service) ConsolePurgeJob() jobs.Job {
	return jobs.Job{Name: "auth.console_purge", Every: 6 * time.Hour, Run: func(ctx context.Context, _ jobs.Slot) error {
		cutoff := s.Now().UTC().Add(-24 * time.Hour)
		db := s.Read(ctx)
		if err := db.Where("created_at < ?", cutoff).Delete(&model.ConsoleLogin{}).Error; err != nil {
			return service.WrapDB(err)
		}
		return service.WrapDB(db.Where("expires_at < ? OR ended_at < ?", cutoff, cutoff).Delete(&model.ConsoleSession{}).Error)
	}}
}
