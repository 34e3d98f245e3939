package configs

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

func envOf(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestPrecedenceDefaultsFileEnv(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "c.yaml")
	yaml := "http:\n  addr: \":9000\"\ndatabase:\n  driver: mysql\n  dsn: \"app:filepw@tcp(db:3306)/sc\"\n" +
		"storage:\n  driver: minio\n  endpoint: \"minio:9000\"\n  access_key: ak\n  secret_key: filesecret\n  bucket: b\n" +
		"wechat:\n  app_id: wx123\n  app_secret: wxsecret\n"
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(file, envOf(map[string]string{
		"SCHOOLCHECK_HTTP_ADDR":             ":7000",
		"SCHOOLCHECK_REDIS_ADDR":            "127.0.0.1:6379",
		"SCHOOLCHECK_HTTP_SHUTDOWN_TIMEOUT": "3s",
		"SCHOOLCHECK_WECHAT_TEMPLATES":      "feedback_reply=T1, meal_reminder=T2",
		"SCHOOLCHECK_HTTP_TRUSTED_PROXIES":  "10.0.0.0/8,127.0.0.1",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.HTTP.Addr != ":7000" {
		t.Errorf("env should win over file: addr = %q", cfg.HTTP.Addr)
	}
	if cfg.Database.Driver != "mysql" || cfg.Storage.Endpoint != "minio:9000" {
		t.Errorf("file should win over defaults: %+v %+v", cfg.Database, cfg.Storage)
	}
	if cfg.Log.Level != "info" || cfg.DataDir != "./data" {
		t.Errorf("defaults lost: %+v", cfg)
	}
	if cfg.HTTP.ShutdownTimeout != 3*time.Second || cfg.Redis.Addr != "127.0.0.1:6379" {
		t.Errorf("env leaves not applied: %+v %+v", cfg.HTTP, cfg.Redis)
	}
	if cfg.WeChat.Templates["meal_reminder"] != "T2" || len(cfg.HTTP.TrustedProxies) != 2 {
		t.Errorf("map/list env not parsed: %v %v", cfg.WeChat.Templates, cfg.HTTP.TrustedProxies)
	}
}

func TestMaskedHidesSecrets(t *testing.T) {
	cfg := Default()
	cfg.Database.DSN = "app:topsecretpw@tcp(db:3306)/sc?parseTime=true"
	cfg.Storage.SecretKey = "miniosecret"
	cfg.WeChat.AppSecret = "wxsecretvalue"
	cfg.Auth.JWTSecret = strings.Repeat("j", 40)
	cfg.Redis.Password = "redispw"
	out := fmt.Sprintf("%+v", cfg.Masked())
	for _, secret := range []string{"topsecretpw", "miniosecret", "wxsecretvalue", strings.Repeat("j", 40), "redispw"} {
		if strings.Contains(out, secret) {
			t.Errorf("masked config shows %q: %s", secret, out)
		}
	}
	if !strings.Contains(out, "app:***@tcp(db:3306)/sc") {
		t.Errorf("DSN should keep its shape: %s", out)
	}
	if cfg.Storage.SecretKey != "miniosecret" {
		t.Error("Masked must not change the original")
	}
}

func TestValidationErrorsAreClear(t *testing.T) {
	cases := map[string]map[string]string{
		"mysql needs dsn":       {"SCHOOLCHECK_DATABASE_DRIVER": "mysql"},
		"unknown driver":        {"SCHOOLCHECK_DATABASE_DRIVER": "postgres"},
		"app id without secret": {"SCHOOLCHECK_WECHAT_APP_ID": "wx123"},
		"short jwt secret":      {"SCHOOLCHECK_AUTH_JWT_SECRET": "short"},
		"ttl over 2h":           {"SCHOOLCHECK_AUTH_TOKEN_TTL": "3h"},
		"bad bool":              {"SCHOOLCHECK_STORAGE_USE_SSL": "maybe"},
		"minio incomplete":      {"SCHOOLCHECK_STORAGE_DRIVER": "minio"},
	}
	for name, env := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := Load("", envOf(env)); err == nil {
				t.Fatalf("want an error for %v", env)
			}
		})
	}
	if _, err := Load("", envOf(nil)); err != nil {
		t.Fatalf("defaults must be valid: %v", err)
	}
}

func TestUnknownYAMLKeyRejected(t *testing.T) {
	file := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(file, []byte("http:\n  adr: \":1\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(file, envOf(nil)); err == nil || !strings.Contains(err.Error(), "adr") {
		t.Fatalf("want an error naming the unknown key, got %v", err)
	}
}

func TestExampleFileIsTheDefaults(t *testing.T) {
	cfg, err := Load("config.example.yaml", envOf(nil))
	if err != nil {
		t.Fatalf("config.example.yaml does not load: %v", err)
	}
	want := Default()
	want.HTTP.PublicURL = "http://localhost:8080"
	want.WeChat.Templates = map[string]string{}
	want.HTTP.TrustedProxies = []string{}
	if fmt.Sprintf("%+v", cfg) != fmt.Sprintf("%+v", want) {
		t.Fatalf("config.example.yaml drifted from Default():\n got %+v\nwant %+v", cfg, want)
	}
	// A map read from the file adds to the defaults' entries, so the file's own must be all of them.
	raw, err := os.ReadFile("config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		WeChat struct {
			TemplateFields map[string]string `yaml:"template_fields"`
		} `yaml:"wechat"`
	}
	if err := yaml.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(file.WeChat.TemplateFields) != fmt.Sprint(DefaultTemplateFields()) {
		t.Fatalf("config.example.yaml template_fields %v, defaults %v", file.WeChat.TemplateFields, DefaultTemplateFields())
	}
}

// A template's fields given in the file or the environment replace that template's default only.
func TestTemplateFieldsOverrideByName(t *testing.T) {
	file := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(file, []byte("wechat:\n  template_fields:\n    meal_reminder: \"meal:thing9\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(file, envOf(map[string]string{"SCHOOLCHECK_WECHAT_TEMPLATE_FIELDS": "signout_reminder=name:name2 tip:thing1"}))
	if err != nil {
		t.Fatal(err)
	}
	got, def := cfg.WeChat.TemplateFields, DefaultTemplateFields()
	if got["meal_reminder"] != "meal:thing9" || got["signout_reminder"] != "name:name2 tip:thing1" ||
		got["phone_reminder"] != def["phone_reminder"] || len(got) != len(def) {
		t.Fatalf("template_fields %v", got)
	}
}

func TestPublicURLDerivedFromAddr(t *testing.T) {
	cases := []struct {
		env  map[string]string
		want string
	}{
		{nil, "http://localhost:8080"},
		{map[string]string{"SCHOOLCHECK_HTTP_ADDR": ":9090"}, "http://localhost:9090"},
		{map[string]string{"SCHOOLCHECK_HTTP_ADDR": "0.0.0.0:9091"}, "http://localhost:9091"},
		{map[string]string{"SCHOOLCHECK_HTTP_ADDR": "[::]:9092"}, "http://localhost:9092"},
		{map[string]string{"SCHOOLCHECK_HTTP_ADDR": "127.0.0.1:9093"}, "http://127.0.0.1:9093"},
		{map[string]string{"SCHOOLCHECK_HTTP_ADDR": "127.0.0.1:9093", "SCHOOLCHECK_HTTP_PUBLIC_URL": "https://sc.example.cn"},
			"https://sc.example.cn"},
	}
	for _, c := range cases {
		cfg, err := Load("", envOf(c.env))
		if err != nil {
			t.Fatalf("%v: %v", c.env, err)
		}
		if cfg.HTTP.PublicURL != c.want {
			t.Errorf("%v: public_url %q, want %q", c.env, cfg.HTTP.PublicURL, c.want)
		}
	}
	if _, err := Load("", envOf(map[string]string{"SCHOOLCHECK_HTTP_ADDR": "nonsense"})); err == nil {
		t.Error("an addr without a port and no public_url must be refused")
	}
}

// Dev login lets anyone log in as anyone: only the embedded default runs it by itself. A server with MySQL
// or MinIO and no AppID refuses to start, naming wechat.dev_login, unless it opts in; an AppID and the
// opt-in together are refused by every command.
func TestDevLoginOnlyEmbeddedOrOptedIn(t *testing.T) {
	mysql := map[string]string{"SCHOOLCHECK_DATABASE_DRIVER": "mysql", "SCHOOLCHECK_DATABASE_DSN": "u:p@tcp(db:3306)/sc"}
	minio := map[string]string{"SCHOOLCHECK_STORAGE_DRIVER": "minio", "SCHOOLCHECK_STORAGE_ENDPOINT": "minio:9000",
		"SCHOOLCHECK_STORAGE_ACCESS_KEY": "ak", "SCHOOLCHECK_STORAGE_SECRET_KEY": "sk"}
	with := func(base map[string]string, kv ...string) map[string]string {
		out := map[string]string{}
		for k, v := range base {
			out[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			out[kv[i]] = kv[i+1]
		}
		return out
	}
	wx := []string{"SCHOOLCHECK_WECHAT_APP_ID", "wx123", "SCHOOLCHECK_WECHAT_APP_SECRET", "wxsecret"}
	optIn := []string{"SCHOOLCHECK_WECHAT_DEV_LOGIN", "true"}
	cases := []struct {
		name     string
		env      map[string]string
		devLogin bool   // when it loads
		refused  string // the setting the error names, when it does not
	}{
		{"embedded default", nil, true, ""},
		{"mysql without app id", mysql, false, "wechat.dev_login"},
		{"minio without app id", minio, false, "wechat.dev_login"},
		{"mysql and minio without app id", with(mysql, "SCHOOLCHECK_STORAGE_DRIVER", "minio", "SCHOOLCHECK_STORAGE_ENDPOINT",
			"minio:9000", "SCHOOLCHECK_STORAGE_ACCESS_KEY", "ak", "SCHOOLCHECK_STORAGE_SECRET_KEY", "sk"), false, "wechat.dev_login"},
		{"mysql opted in", with(mysql, optIn...), true, ""},
		{"minio opted in", with(minio, optIn...), true, ""},
		{"mysql with app id", with(mysql, wx...), false, ""},
		{"embedded with app id", with(nil, wx...), false, ""},
		{"app id and opt-in together", with(mysql, append(wx, optIn...)...), false, "wechat.dev_login"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := Load("", envOf(tc.env))
			if err == nil {
				err = cfg.ValidateServe()
			} else if tc.refused == "" || !strings.Contains(err.Error(), tc.refused) {
				t.Fatalf("Load: %v", err)
			}
			if tc.refused != "" {
				if err == nil || !strings.Contains(err.Error(), tc.refused) {
					t.Fatalf("want a refusal naming %s, got %v", tc.refused, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.DevLogin() != tc.devLogin {
				t.Fatalf("DevLogin() = %v, want %v", cfg.DevLogin(), tc.devLogin)
			}
		})
	}
	// Embedded means SQLite and local disk together.
	c := Default()
	c.Storage.Driver = "minio"
	if c.Embedded() || c.DevLogin() {
		t.Fatal("SQLite with MinIO is not the embedded default")
	}
}
