// Package configs holds schoolcheck's one configuration struct: defaults, an optional YAML file and
// SCHOOLCHECK_* environment overrides (which win), validation with clear startup errors, and a masked copy
// that is safe to print.
package configs

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Config is every setting of the binary. Each leaf has an environment name: SCHOOLCHECK_ + the upper-cased
// yaml path with "." replaced by "_" (for example SCHOOLCHECK_DATABASE_DSN). Fields tagged secret:"true"
// are masked by Masked.
type Config struct {
	HTTP     HTTP     `yaml:"http"`
	DataDir  string   `yaml:"data_dir"`
	Database Database `yaml:"database"`
	Storage  Storage  `yaml:"storage"`
	WeChat   WeChat   `yaml:"wechat"`
	Auth     Auth     `yaml:"auth"`
	Redis    Redis    `yaml:"redis"`
	Jobs     Jobs     `yaml:"jobs"`
	Log      Log      `yaml:"log"`
}

// Jobs configures the scheduler (reminders and clean-ups).
type Jobs struct {
	// Interval is how often each instance looks for due reminders and clean-ups.
	Interval time.Duration `yaml:"interval"`
}

// HTTP configures the listener and how the server sees its clients.
type HTTP struct {
	Addr string `yaml:"addr"`
	// PublicURL is how clients reach this server; local-disk photo URLs, office display links and the office
	// QR code's link use it. Empty: derived from Addr (see DerivedPublicURL), so a server started on another
	// port hands out links that work.
	PublicURL string `yaml:"public_url"`
	// TrustedProxies lists the proxy addresses/CIDRs whose X-Forwarded-For is believed; empty trusts none.
	TrustedProxies  []string      `yaml:"trusted_proxies"`
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
	// DrainDelay is how long a stopping server keeps serving with /readyz at 503 before it closes its
	// listener, so a load balancer stops sending first (0: close at once, as on a single instance).
	DrainDelay   time.Duration `yaml:"drain_delay"`
	MaxBodyBytes int64         `yaml:"max_body_bytes"`
	// RequestTimeout bounds every request, UploadTimeout an upload (photos, the staff import): past it the
	// dependency it waits for is given up and the answer is 503 with Retry-After.
	RequestTimeout time.Duration `yaml:"request_timeout"`
	UploadTimeout  time.Duration `yaml:"upload_timeout"`
}

// Database selects SQLite (embedded) or MySQL/MariaDB and its pool.
type Database struct {
	Driver          string        `yaml:"driver"`
	DSN             string        `yaml:"dsn" secret:"dsn"`
	MaxOpenConns    int           `yaml:"max_open_conns"`
	MaxIdleConns    int           `yaml:"max_idle_conns"`
	ConnMaxLifetime time.Duration `yaml:"conn_max_lifetime"`
	ConnMaxIdleTime time.Duration `yaml:"conn_max_idle_time"`
}

// Storage selects local disk or MinIO/S3 for photos.
type Storage struct {
	Driver    string `yaml:"driver"`
	Endpoint  string `yaml:"endpoint"`
	AccessKey string `yaml:"access_key"`
	SecretKey string `yaml:"secret_key" secret:"true"`
	Bucket    string `yaml:"bucket"`
	UseSSL    bool   `yaml:"use_ssl"`
	Region    string `yaml:"region"`
}

// WeChat holds the mini-program's credentials. Without an AppID the server offers dev login (codes
// "dev:<name>" log in as anyone), which only the embedded default allows by itself: anywhere else it needs
// DevLogin set explicitly, and never goes with an AppID (see Validate).
type WeChat struct {
	AppID     string `yaml:"app_id"`
	AppSecret string `yaml:"app_secret" secret:"true"`
	// DevLogin allows dev login outside the embedded default (a shared test server); never in production.
	DevLogin bool   `yaml:"dev_login"`
	APIBase  string `yaml:"api_base"`
	// Templates maps our subscribe-message names (feedback_reply, meal_reminder, …) to WeChat template ids;
	// from the environment as "name=id,name=id".
	Templates map[string]string `yaml:"templates"`
	// TemplateFields says which keyword of each template shows which of our message fields, as
	// "field:keyword field:keyword" by template name ("meal:thing1 date:date2 due:time3 tip:thing4"): the
	// keywords are those of the template chosen in the mini-program's console. Defaults are built in; a
	// template given in the file or the environment ("name=field:kw field:kw,name=...") replaces its default.
	TemplateFields map[string]string `yaml:"template_fields"`
	// MiniprogramState is formal, trial or developer: which build a subscribe message opens.
	MiniprogramState string        `yaml:"miniprogram_state"`
	Timeout          time.Duration `yaml:"timeout"`
	// LinkCheckFile and LinkCheckContent are the check file WeChat asks for when the mini-program registers
	// the office QR code's link prefix <public_url>/q/ (扫普通链接二维码打开小程序): the server answers
	// GET /q/<LinkCheckFile> with LinkCheckContent. Empty: no check file.
	LinkCheckFile    string `yaml:"link_check_file"`
	LinkCheckContent string `yaml:"link_check_content"`
}

// Auth configures token signing.
type Auth struct {
	JWTSecret string        `yaml:"jwt_secret" secret:"true"`
	TokenTTL  time.Duration `yaml:"token_ttl"`
}

// Redis, when Addr is set, shares the WeChat access token and rate limits between instances.
type Redis struct {
	Addr     string `yaml:"addr"`
	Password string `yaml:"password" secret:"true"`
	DB       int    `yaml:"db"`
}

// Log configures the structured logs.
type Log struct {
	Level string `yaml:"level"`
}

// Default is the embedded default: SQLite and local disk under ./data, dev login (allowed there without
// wechat.dev_login).
func Default() Config {
	return Config{
		HTTP: HTTP{Addr: ":8080", ShutdownTimeout: 20 * time.Second,
			MaxBodyBytes: 1 << 20, RequestTimeout: 15 * time.Second, UploadTimeout: time.Minute},
		DataDir:  "./data",
		Database: Database{Driver: "sqlite", MaxOpenConns: 20, MaxIdleConns: 10, ConnMaxLifetime: 30 * time.Minute, ConnMaxIdleTime: 5 * time.Minute},
		Storage:  Storage{Driver: "local", Bucket: "schoolcheck"},
		WeChat:   WeChat{APIBase: "https://api.weixin.qq.com", MiniprogramState: "formal", Timeout: 5 * time.Second, TemplateFields: DefaultTemplateFields()},
		Auth:     Auth{TokenTTL: 2 * time.Hour},
		Jobs:     Jobs{Interval: time.Minute},
		Log:      Log{Level: "info"},
	}
}

// DefaultTemplateFields are the built-in keyword mappings of our subscribe-message templates (the fields are
// service/notify's Fields; README "Reminders" says what each carries).
func DefaultTemplateFields() map[string]string {
	return map[string]string{
		"feedback_reply":   "subject:thing1 reply:thing2 replied_at:time3",
		"meal_reminder":    "meal:thing1 date:date2 due:time3 tip:thing4",
		"phone_reminder":   "class:thing1 date:date2 due:time3 tip:thing4",
		"signout_reminder": "name:name1 signed_in:time2 window_end:time3 tip:thing4",
		"feedback_overdue": "from:thing1 content:thing2 written_at:time3 tip:thing4",
		"observation_ack":  "observer:name1 lesson:thing2 date:date3 tip:thing4",
		"finding_new":      "title:thing1 module:thing2 due:date3 tip:thing4",
		"finding_answered": "school:thing1 title:thing2 answered_at:time3 tip:thing4",
	}
}

// Load builds the effective configuration: defaults, then the YAML file at path (if not empty), then the
// environment as given by lookup (os.LookupEnv in main). It validates the result.
func Load(path string, lookup func(string) (string, bool)) (Config, error) {
	cfg := Default()
	if path != "" {
		raw, err := os.ReadFile(path)
		if err != nil {
			return cfg, fmt.Errorf("config: read %s: %w", path, err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(raw))
		dec.KnownFields(true)
		if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
			return cfg, fmt.Errorf("config: %s: %w", path, err)
		}
	}
	if err := applyEnv(reflect.ValueOf(&cfg).Elem(), "SCHOOLCHECK", lookup); err != nil {
		return cfg, err
	}
	if cfg.HTTP.PublicURL == "" {
		cfg.HTTP.PublicURL = DerivedPublicURL(cfg.HTTP.Addr)
	}
	return cfg, cfg.Validate()
}

// DerivedPublicURL is the public URL of a server listening on addr when none is configured:
// http://localhost:<port> for an address on every interface (":9090", "0.0.0.0:9090", "[::]:9090"), and
// http://<host>:<port> for one bound to a host ("127.0.0.1:9090"), which is the only place it answers.
func DerivedPublicURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" {
		return ""
	}
	switch host {
	case "", "0.0.0.0", "::":
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// applyEnv walks the struct and overrides every leaf whose environment variable is set.
func applyEnv(v reflect.Value, prefix string, lookup func(string) (string, bool)) error {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name := strings.Split(f.Tag.Get("yaml"), ",")[0]
		env := prefix + "_" + strings.ToUpper(name)
		fv := v.Field(i)
		if fv.Kind() == reflect.Struct {
			if err := applyEnv(fv, env, lookup); err != nil {
				return err
			}
			continue
		}
		raw, ok := lookup(env)
		if !ok {
			continue
		}
		if err := setValue(fv, raw); err != nil {
			return fmt.Errorf("config: %s=%q: %w", env, mask(f, raw), err)
		}
	}
	return nil
}

func setValue(fv reflect.Value, raw string) error {
	switch fv.Interface().(type) {
	case time.Duration:
		d, err := time.ParseDuration(raw)
		if err != nil {
			return errors.New("want a duration such as 30s or 5m")
		}
		fv.SetInt(int64(d))
		return nil
	case []string:
		var list []string
		for _, s := range strings.Split(raw, ",") {
			if s = strings.TrimSpace(s); s != "" {
				list = append(list, s)
			}
		}
		fv.Set(reflect.ValueOf(list))
		return nil
	case map[string]string:
		// Entries from the environment replace the file's or the defaults' under their names; others stay.
		m := map[string]string{}
		for k, v := range fv.Interface().(map[string]string) {
			m[k] = v
		}
		for _, pair := range strings.Split(raw, ",") {
			if strings.TrimSpace(pair) == "" {
				continue
			}
			k, val, ok := strings.Cut(pair, "=")
			if !ok {
				return errors.New("want name=value pairs separated by commas")
			}
			m[strings.TrimSpace(k)] = strings.TrimSpace(val)
		}
		fv.Set(reflect.ValueOf(m))
		return nil
	}
	switch fv.Kind() {
	case reflect.String:
		fv.SetString(raw)
	case reflect.Int, reflect.Int64:
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return errors.New("want an integer")
		}
		fv.SetInt(n)
	case reflect.Bool:
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return errors.New("want true or false")
		}
		fv.SetBool(b)
	default:
		return fmt.Errorf("unsupported type %s", fv.Type())
	}
	return nil
}
