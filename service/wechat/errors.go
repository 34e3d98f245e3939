package wechat

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/silenceper/wechat/v2/util"
)

// WeChat errcodes this package acts on.
const (
	codeSystemBusy      = -1
	codeInvalidToken    = 40001 // invalid credential / access_token invalid or not latest
	codeInvalidToken2   = 40014 // invalid access_token
	codeExpiredToken    = 42001 // access_token expired
	codeInvalidCode     = 40029 // invalid code
	codeCodeUsed        = 40163 // code been used
	codeHighRiskUser    = 40226 // high-risk user: login blocked
	codeRefused         = 43101 // user refuse to accept the msg (no remaining consent)
	codeDailyQuota      = 45009 // reach max api daily quota limit
	codeMinuteQuota     = 45011 // api minute-quota reach limit
	codeTooManyRequests = 45033 // too many concurrent requests (rare)
)

// codeErrors maps the errcodes a login or phone code can draw to ErrInvalidCode.
var codeErrors = map[int]error{
	codeInvalidCode:  ErrInvalidCode,
	codeCodeUsed:     ErrInvalidCode,
	codeHighRiskUser: ErrInvalidCode,
}

// isTokenRejected reports whether err is WeChat refusing the access token, which is worth one fresh token.
func isTokenRejected(err error) bool {
	code, _, ok := errcodeOf(err)
	return ok && (code == codeInvalidToken || code == codeInvalidToken2 || code == codeExpiredToken)
}

// classify turns an SDK error into one of ours, scrubbed: the original error is not wrapped, because its text
// (and a *url.Error's URL) can hold the AppSecret, the access token or the login code.
func (c *Client) classify(ctx context.Context, op string, tr *trace, err error, kinds map[int]error) error {
	if err == nil {
		return nil
	}
	badStatus, netErr := tr.status()
	switch {
	case badStatus >= 500 || badStatus == http.StatusTooManyRequests:
		return fmt.Errorf("wechat %s: %w: HTTP %d", op, ErrUnavailable, badStatus)
	case badStatus != 0:
		return fmt.Errorf("wechat %s: unexpected HTTP status %d from WeChat", op, badStatus)
	}
	if code, msg, ok := errcodeOf(err); ok && !netErr {
		msg = c.scrub(msg)
		if kind := kinds[code]; kind != nil {
			return fmt.Errorf("wechat %s: %w (errcode %d: %s)", op, kind, code, msg)
		}
		switch code {
		case codeSystemBusy, codeDailyQuota, codeMinuteQuota, codeTooManyRequests:
			return fmt.Errorf("wechat %s: %w (errcode %d: %s)", op, ErrUnavailable, code, msg)
		}
		return fmt.Errorf("wechat %s: %w", op, &APIError{Code: code, Msg: msg})
	}
	// Network failure, timeout, cancellation, an unreadable answer or an unreachable token cache: all mean
	// "WeChat cannot be used right now".
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("wechat %s: %w: %w", op, ErrUnavailable, ctxErr)
	}
	return fmt.Errorf("wechat %s: %w: %s", op, ErrUnavailable, c.scrub(err.Error()))
}

// sdkErrcode finds "errcode=N" in the SDK's fmt.Errorf errors and the message after errmsg=/errormsg=.
var sdkErrcode = regexp.MustCompile(`\berrcode=(-?\d+)\s*,?\s*(?:errmsg|errormsg)=(.*)$`)

// errcodeOf extracts WeChat's errcode from an SDK error. The SDK returns *util.CommonError for some APIs and
// plain fmt.Errorf strings for others (code2session, access token), so both are handled.
func errcodeOf(err error) (code int, msg string, ok bool) {
	var ce *util.CommonError
	if errors.As(err, &ce) {
		return int(ce.ErrCode), ce.ErrMsg, true
	}
	if err == nil {
		return 0, "", false
	}
	m := sdkErrcode.FindStringSubmatch(err.Error())
	if m == nil {
		return 0, "", false
	}
	n, convErr := strconv.Atoi(m[1])
	if convErr != nil {
		return 0, "", false
	}
	return n, strings.TrimSpace(m[2]), true
}

// secretParam matches query parameters and JSON fields that carry credentials or single-use codes.
var secretParam = regexp.MustCompile(
	`(?i)\b(secret|appsecret|access_token|js_code|code|session_key)(=|"\s*:\s*"|%3D)[^&\s"',;)]*`)

// scrub removes credentials and codes from text taken from the SDK or WeChat before it is returned or logged.
func (c *Client) scrub(s string) string {
	if c != nil && c.secret != "" {
		s = strings.ReplaceAll(s, c.secret, "REDACTED")
	}
	return scrubText(s)
}

// scrubText is scrub without knowledge of the configured secret.
func scrubText(s string) string {
	return secretParam.ReplaceAllString(s, "${1}${2}REDACTED")
}
