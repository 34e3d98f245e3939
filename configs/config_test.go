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
		"storage:\n  driver: minio\n  endpoint: \"minio:9000\"\n  access_key: ak\n  secret_key: filesecret\n  bucket: b\n"
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
