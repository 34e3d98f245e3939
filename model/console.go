package model

import "time"

// ConsoleLogin is one scan-to-login request of the web console (扫码登录): the browser that asked holds a
// poll secret (only its hash is kept) and polls; the mini-program confirms the request by its ID, which the
// QR code carries, with a bound account's token. It is single-use (ConfirmedAt, then ClaimedAt, are set
// once each, by a conditional update) and expires two minutes after it was made. Membership and Binding
// are the confirming token's: the session acts in that membership only.
type ConsoleLogin struct {
	ID          string    `gorm:"primaryKey;size:64"`
	PollHash    string    `gorm:"size:64"`
	CreatedAt   time.Time `gorm:"index:idx_console_logins_created"`
	ExpiresAt   time.Time
	IP          string `gorm:"size:64"`
	UserAgent   string `gorm:"size:255"`
	ConfirmedAt *time.Time
	AccountID   string `gorm:"size:36"`
	Membership  string `gorm:"size:64"`
	Binding     string `gorm:"size:36"`
	ClaimedAt   *time.Time
}

// ConsoleSession is a signed-in browser of the web console: the cookie's token (only its hash is kept),
// the account, membership and binding it acts in (resolved into a service.Actor on every request, as a
// token is), and the CSRF token every form of the session carries.
type ConsoleSession struct {
	ID         string    `gorm:"primaryKey;size:36"`
	TokenHash  string    `gorm:"size:64;uniqueIndex"`
	AccountID  string    `gorm:"size:36;index"`
	Membership string    `gorm:"size:64"`
	Binding    string    `gorm:"size:36"`
	CSRF       string    `gorm:"size:64"`
	CreatedAt  time.Time `gorm:"index:idx_console_sessions_created"`
	ExpiresAt  time.Time
	EndedAt    *time.Time
}
