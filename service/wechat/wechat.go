// Package wechat is schoolcheck's only door to the WeChat mini-program APIs: login (code2session), phone binding,
// text moderation (msgSecCheck) and subscribe messages. It wraps github.com/silenceper/wechat/v2 so that the rest of
// the code sees typed errors, never SDK error strings (which embed secrets), and never the session_key.
//
// Client talks to WeChat (or to wechattest.Server through Config.APIBase); Dev is the stand-in used when no AppID
// is configured. Both have the same method set, so the service declares one small interface for them.
package wechat

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/silenceper/wechat/v2/credential"
	"github.com/silenceper/wechat/v2/miniprogram"
	mpconfig "github.com/silenceper/wechat/v2/miniprogram/config"
	"github.com/silenceper/wechat/v2/util"
)

// DefaultAPIBase is where WeChat's server APIs live; Config.APIBase overrides it for tests and egress gateways.
const DefaultAPIBase = "https://api.weixin.qq.com"

// Config configures the real client. Secrets in it are never logged or put in errors.
type Config struct {
	AppID, AppSecret string
	// APIBase replaces scheme and host of every SDK call (default DefaultAPIBase). A path in it is prefixed.
	APIBase string
	// Timeout bounds every HTTP exchange with WeChat (default 5s), so a dead WeChat cannot hang a request.
	Timeout time.Duration
	// Redis, when set, holds the access token so that all instances share one (fetching a new token
	// invalidates the previous one after a few minutes). Without it a per-process cache is used.
	Redis *redis.Client
	// Logger receives retries and cache trouble; never secrets or message content. Default slog.Default().
	Logger *slog.Logger
	// Templates maps our template names (e.g. "feedback_reply") to WeChat template ids.
	Templates map[string]string
	// MiniprogramState is the version a subscribe message opens: "formal" (default), "trial" or "developer".
	MiniprogramState string
}

// Session is who a wx.login code belongs to. The session_key is deliberately absent: nothing here needs it.
type Session struct{ OpenID, UnionID string }

// Verdict is msgSecCheck's suggestion for a text, so callers can reject or queue content for review.
type Verdict string

// Verdicts returned by CheckText, named as WeChat names its "suggest" values.
const (
	VerdictPass   Verdict = "pass"
	VerdictReview Verdict = "review"
	VerdictRisky  Verdict = "risky"
)

// SubscribeMessage is a one-time subscribe message in our vocabulary; Template is our name, not WeChat's id.
type SubscribeMessage struct {
	ToOpenID string
	Template string
	Page     string
	Data     map[string]string // keyword (e.g. "thing1") -> value
}

// Error kinds callers branch on with errors.Is; the API layer maps them to statuses.
var (
	// ErrInvalidCode: WeChat rejected a login or phone code (invalid, already used, or a high-risk user).
	ErrInvalidCode = errors.New("wechat: code rejected")
	// ErrUnavailable: WeChat could not be reached or is busy (network, timeout, HTTP 5xx, errcode -1 or quota).
	ErrUnavailable = errors.New("wechat: unavailable")
	// ErrSubscriptionRefused: the user has no remaining consent for that template (errcode 43101).
	ErrSubscriptionRefused = errors.New("wechat: subscription refused by user")
	// ErrNoTemplate: our template name has no WeChat template id configured.
	ErrNoTemplate = errors.New("wechat: no template configured")
)

// APIError is any other WeChat errcode, kept so it can be logged and investigated. Msg is scrubbed of secrets.
type APIError struct {
	Code int
	Msg  string
}

// Error reports the errcode and WeChat's message; it never contains credentials or codes.
func (e *APIError) Error() string { return fmt.Sprintf("wechat: errcode %d: %s", e.Code, e.Msg) }

// Client calls WeChat through the SDK. It is safe for concurrent use.
type Client struct {
	mp        *miniprogram.MiniProgram
	tokens    tokenCache
	tokenKey  string
	secret    string
	log       *slog.Logger
	templates map[string]string
	state     string
}

// New builds the real client and points the SDK at cfg.APIBase.
//
// The SDK sends every request through the process-wide util.DefaultHTTPClient; New replaces it with a client
// that has cfg.Timeout and rewrites api.weixin.qq.com to cfg.APIBase. That is process-wide state: the last New
// wins, so a process should build one Client (tests use one fake WeChat per process or build clients in turn).
func New(cfg Config) (*Client, error) {
	if cfg.AppID == "" || cfg.AppSecret == "" {
		return nil, errors.New("wechat: AppID and AppSecret are required (use NewDev for dev login)")
	}
	if cfg.APIBase == "" {
		cfg.APIBase = DefaultAPIBase
	}
	base, err := url.Parse(cfg.APIBase)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" || base.RawQuery != "" {
		return nil, errors.New("wechat: APIBase must be an absolute http(s) URL without query")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	switch cfg.MiniprogramState {
	case "":
		cfg.MiniprogramState = "formal"
	case "formal", "trial", "developer":
	default:
		return nil, fmt.Errorf("wechat: MiniprogramState %q is not formal, trial or developer", cfg.MiniprogramState)
	}
	templates := make(map[string]string, len(cfg.Templates))
	for name, id := range cfg.Templates {
		templates[name] = id
	}

	var tokens tokenCache = newMemoryCache()
	if cfg.Redis != nil {
		tokens = newRedisCache(cfg.Redis, cfg.Timeout, cfg.Logger)
	}
	util.DefaultHTTPClient = newHTTPClient(base, cfg.Timeout)

	mp := miniprogram.NewMiniProgram(&mpconfig.Config{AppID: cfg.AppID, AppSecret: cfg.AppSecret, Cache: tokens})
	return &Client{
		mp:     mp,
		tokens: tokens,
		// The key DefaultAccessToken stores the token under; deleting it forces a fetch.
		tokenKey:  fmt.Sprintf("%s_access_token_%s", credential.CacheKeyMiniProgramPrefix, cfg.AppID),
		secret:    cfg.AppSecret,
		log:       cfg.Logger.With("component", "wechat"),
		templates: templates,
		state:     cfg.MiniprogramState,
	}, nil
}

// Ping makes sure an access token can be had (from the cache when one is held), which proves the credentials
// were accepted at least once. It is cheap and does not call WeChat on every use.
func (c *Client) Ping(ctx context.Context) error {
	ctx, tr := withTrace(ctx)
	_, err := c.mp.GetContext().GetAccessTokenContext(ctx)
	return c.classify(ctx, "ping", tr, err, nil)
}
