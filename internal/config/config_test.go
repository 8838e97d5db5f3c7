package config

import (
	"bytes"
	"flag"
	"io"
	"strings"
	"testing"
	"time"
)

func load(t *testing.T, env map[string]string, args ...string) (Config, error) {
	t.Helper()
	cfg := Defaults()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	validate, err := Register(fs, &cfg, func(k string) string { return env[k] }, true)
	if err != nil {
		return cfg, err
	}
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	return cfg, validate()
}

func TestDefaults(t *testing.T) {
	cfg, err := load(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "127.0.0.1:8080" || cfg.DataDir != "data" || cfg.PlatformHost != "piazza.localhost" || cfg.Demo {
		t.Fatalf("unexpected defaults: %+v", cfg)
	}
}

func TestEnvThenFlagWins(t *testing.T) {
	env := map[string]string{"PIAZZA_ADDR": "0.0.0.0:9000", "PIAZZA_DEMO": "true", "PIAZZA_SESSION_IDLE": "10m", "PIAZZA_TRUSTED_PROXIES": "10.0.0.0/8, 127.0.0.1"}
	cfg, err := load(t, env, "--addr", "127.0.0.1:7000", "--data", "/tmp/x/")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "127.0.0.1:7000" {
		t.Errorf("flag must win: %s", cfg.Addr)
	}
	if !cfg.Demo || cfg.SessionIdle != 10*time.Minute || cfg.DataDir != "/tmp/x" {
		t.Errorf("env not applied: %+v", cfg)
	}
	if len(cfg.TrustedProxies) != 2 || cfg.TrustedProxies[1].String() != "127.0.0.1/32" {
		t.Errorf("proxies: %v", cfg.TrustedProxies)
	}
}

func TestInvalid(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"bad addr", nil, []string{"--addr", "nope"}, "PIAZZA_ADDR"},
		{"mysql url", map[string]string{"PIAZZA_DATABASE_URL": "mysql://x"}, nil, "PIAZZA_DATABASE_URL"},
		{"bad log format", map[string]string{"PIAZZA_LOG_FORMAT": "xml"}, nil, "PIAZZA_LOG_FORMAT"},
		{"tls half", map[string]string{"PIAZZA_TLS_CERT": "a.pem"}, nil, "PIAZZA_TLS_KEY"},
		{"bad duration", map[string]string{"PIAZZA_SESSION_MAX": "forever"}, nil, "PIAZZA_SESSION_MAX"},
		{"platform host with port", nil, []string{"--platform-host", "piazza.localhost:80"}, "PIAZZA_PLATFORM_HOST"},
		{"bad proxy", map[string]string{"PIAZZA_TRUSTED_PROXIES": "10.0.0.0/99"}, nil, "PIAZZA_TRUSTED_PROXIES"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := load(t, tt.env, tt.args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) && !strings.Contains(err.Error(), "invalid") {
				t.Fatalf("want error mentioning %s, got %v", tt.want, err)
			}
		})
	}
}

func TestHelpListsEveryEnvironmentVariable(t *testing.T) {
	cfg := Defaults()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var buf bytes.Buffer
	fs.SetOutput(&buf)
	if _, err := Register(fs, &cfg, func(string) string { return "" }, true); err != nil {
		t.Fatal(err)
	}
	fs.PrintDefaults()
	for _, o := range options() {
		if !strings.Contains(buf.String(), o.env) || !strings.Contains(buf.String(), "-"+o.flag) {
			t.Errorf("help does not document %s / --%s", o.env, o.flag)
		}
	}
}
