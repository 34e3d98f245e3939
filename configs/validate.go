package configs

import (
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"reflect"
	"strings"
	"time"
)

// Validate reports every problem at once, phrased for the operator reading the startup error.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if c.HTTP.Addr == "" {
		bad("http.addr is empty")
	}
	if u, err := url.Parse(c.HTTP.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("http.public_url %q is not an http(s) URL", c.HTTP.PublicURL)
	}
	if c.HTTP.MaxBodyBytes < 1024 {
		bad("http.max_body_bytes must be at least 1024")
	}
	if c.HTTP.RequestTimeout < time.Second || c.HTTP.UploadTimeout < c.HTTP.RequestTimeout {
		bad("http timeouts: want request_timeout >= 1s and upload_timeout >= request_timeout")
	}
	switch c.Database.Driver {
	case "sqlite":
	case "mysql":
		if c.Database.DSN == "" {
			bad("database.dsn is required when database.driver is mysql (a go-sql-driver DSN such as user:pass@tcp(host:3306)/schoolcheck)")
		}
	default:
		bad("database.driver %q: want sqlite or mysql", c.Database.Driver)
	}
	if c.Database.MaxOpenConns < 1 || c.Database.MaxIdleConns < 0 || c.Database.MaxIdleConns > c.Database.MaxOpenConns {
		bad("database pool: want max_open_conns >= 1 and 0 <= max_idle_conns <= max_open_conns")
	}
	switch c.Storage.Driver {
	case "local":
	case "minio":
		if c.Storage.Endpoint == "" || c.Storage.AccessKey == "" || c.Storage.SecretKey == "" || c.Storage.Bucket == "" {
			bad("storage.driver minio needs storage.endpoint, storage.access_key, storage.secret_key and storage.bucket")
		}
		if strings.Contains(c.Storage.Endpoint, "/") {
			bad("storage.endpoint %q: want host:port without a scheme (use storage.use_ssl for https)", c.Storage.Endpoint)
		}
	default:
		bad("storage.driver %q: want local or minio", c.Storage.Driver)
	}
	if (c.WeChat.AppID == "") != (c.WeChat.AppSecret == "") {
		bad("wechat.app_id and wechat.app_secret go together: set both for real WeChat login, or neither for dev login")
	}
	if c.WeChat.AppID != "" && c.WeChat.DevLogin {
		bad("wechat.dev_login is true but wechat.app_id is set: dev login and real WeChat login never run together")
	}
	if u, err := url.Parse(c.WeChat.APIBase); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("wechat.api_base %q is not an http(s) URL", c.WeChat.APIBase)
	}
	if (c.WeChat.LinkCheckFile == "") != (c.WeChat.LinkCheckContent == "") ||
		strings.ContainsAny(c.WeChat.LinkCheckFile, "/?#") {
		bad("wechat.link_check_file and wechat.link_check_content go together: the check file's name (no path) and what it holds")
	}
	if c.Auth.JWTSecret != "" && len(c.Auth.JWTSecret) < 32 {
		bad("auth.jwt_secret must be at least 32 characters (leave it empty to generate one into data_dir)")
	}
	if c.Auth.TokenTTL <= 0 || c.Auth.TokenTTL.Hours() > 2 {
		bad("auth.token_ttl must be positive and at most 2h")
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		bad("log.level %q: want debug, info, warn or error", c.Log.Level)
	}
	if c.DataDir == "" {
		bad("data_dir is empty")
	}
	if c.Jobs.Interval < time.Second || c.Jobs.Interval > time.Hour {
		bad("jobs.interval must be between 1s and 1h (default 1m)")
	}
	return errors.Join(errs...)
}

// ValidateServe is Validate plus what only a server that accepts logins needs: a production-shaped
// configuration (MySQL or MinIO) without wechat.app_id would run dev login, with which anyone logs in as
// anyone, so it refuses to start unless wechat.dev_login says so explicitly. The operator commands
// (migrate, bootstrap) log nobody in and need only Validate.
func (c Config) ValidateServe() error {
	err := c.Validate()
	if c.WeChat.AppID == "" && !c.Embedded() && !c.WeChat.DevLogin {
		err = errors.Join(err, fmt.Errorf("wechat.dev_login: this server has %s and no wechat.app_id, so it would "+
			"run dev login, with which anyone logs in as anyone (login dev:x, then bind any staff phone); set "+
			"wechat.app_id and wechat.app_secret, or, for a test server only, set wechat.dev_login: true "+
			"(SCHOOLCHECK_WECHAT_DEV_LOGIN=true)", c.productionParts()))
	}
	return err
}

// DevLogin reports whether the dev login (codes "dev:<name>") is on: without a real AppID, in the embedded
// default or with wechat.dev_login set. A configuration ValidateServe accepts never has it on anywhere else.
func (c Config) DevLogin() bool {
	return c.WeChat.AppID == "" && (c.Embedded() || c.WeChat.DevLogin)
}

// Embedded reports whether this is the embedded default's shape: SQLite and photos on local disk, the
// single-machine server that migrates itself at start and may run dev login by itself.
func (c Config) Embedded() bool { return c.Database.Driver == "sqlite" && c.Storage.Driver == "local" }

// productionParts names what makes the configuration a production one, for the dev-login refusal.
func (c Config) productionParts() string {
	var parts []string
	if c.Database.Driver != "sqlite" {
		parts = append(parts, "database.driver "+c.Database.Driver)
	}
	if c.Storage.Driver != "local" {
		parts = append(parts, "storage.driver "+c.Storage.Driver)
	}
	return strings.Join(parts, " and ")
}

// SQLitePath is where the embedded database lives when no DSN is given.
func (c Config) SQLitePath() string {
	if c.Database.DSN != "" {
		return c.Database.DSN
	}
	return filepath.Join(c.DataDir, "schoolcheck.db")
}

// Masked returns a copy that is safe to log: secrets become "***" and a DSN keeps everything but its password.
func (c Config) Masked() Config {
	m := c
	maskStruct(reflect.ValueOf(&m).Elem())
	return m
}

func maskStruct(v reflect.Value) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f, fv := t.Field(i), v.Field(i)
		if fv.Kind() == reflect.Struct {
			maskStruct(fv)
			continue
		}
		if fv.Kind() == reflect.String {
			fv.SetString(mask(f, fv.String()))
		}
	}
}

// mask hides a secret field's value; "dsn" secrets keep their shape without the password.
func mask(f reflect.StructField, v string) string {
	switch f.Tag.Get("secret") {
	case "true":
		if v == "" {
			return ""
		}
		return "***"
	case "dsn":
		return MaskDSN(v)
	}
	return v
}

// MaskDSN hides the password of a go-sql-driver DSN (user:password@tcp(host)/db).
func MaskDSN(dsn string) string {
	at := strings.LastIndex(dsn, "@")
	if at < 0 {
		return dsn
	}
	cred := dsn[:at]
	if user, _, ok := strings.Cut(cred, ":"); ok {
		return user + ":***" + dsn[at:]
	}
	return dsn
}

// Flat lists every leaf as "yaml.path" → value, durations written as 5s, for the one startup log line.
// Call it on Masked().
func (c Config) Flat() map[string]string {
	out := map[string]string{}
	flatten(reflect.ValueOf(c), "", out)
	return out
}

func flatten(v reflect.Value, prefix string, out map[string]string) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		name := strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0]
		if prefix != "" {
			name = prefix + "." + name
		}
		fv := v.Field(i)
		if fv.Kind() == reflect.Struct {
			flatten(fv, name, out)
			continue
		}
		out[name] = fmt.Sprint(fv.Interface())
	}
}
