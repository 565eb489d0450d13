package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/twofold-auth/twofold/server"
	"github.com/twofold-auth/twofold/server/mail"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestParseDefaultsEnvAndFlags(t *testing.T) {
	cfg, err := parse(nil, env(nil), &bytes.Buffer{})
	if err != nil || cfg.Addr != ":8080" || cfg.DataDir != "data" || cfg.LogLevel != "info" || cfg.LogFormat != "text" ||
		cfg.RateLimit.Requests != 60 || cfg.DBSync != "normal" || cfg.Auth.PendingDeviceTTL != 10*time.Minute {
		t.Fatalf("defaults %+v %v", cfg, err)
	}
	vars := env(map[string]string{
		"TWOFOLD_ADDR": ":9090", "TWOFOLD_DATA_DIR": "/var/lib/twofold", "TWOFOLD_BASE_URL": "https://mfa.example",
		"TWOFOLD_LOG_LEVEL": "debug", "TWOFOLD_LOG_FORMAT": "json", "TWOFOLD_MASTER_KEY": "a2V5",
		"TWOFOLD_TRUSTED_PROXIES": "10.0.0.0/8, 192.168.0.0/16", "TWOFOLD_RATE_LIMIT": "-1", "TWOFOLD_DB_SYNC": "full",
		"TWOFOLD_PENDING_DEVICE_TTL": "15m",
	})
	cfg, err = parse(nil, vars, &bytes.Buffer{})
	if err != nil || cfg.Addr != ":9090" || cfg.DataDir != "/var/lib/twofold" || cfg.BaseURL != "https://mfa.example" ||
		cfg.LogLevel != "debug" || cfg.LogFormat != "json" || cfg.MasterKey != "a2V5" || len(cfg.TrustedProxies) != 2 ||
		cfg.RateLimit.Requests != -1 || cfg.DBSync != "full" || cfg.Auth.PendingDeviceTTL != 15*time.Minute {
		t.Fatalf("from environment %+v %v", cfg, err)
	}
	// Flags win over the environment.
	cfg, err = parse([]string{"-addr", "127.0.0.1:7000", "-log-format", "text"}, vars, &bytes.Buffer{})
	if err != nil || cfg.Addr != "127.0.0.1:7000" || cfg.LogFormat != "text" || cfg.DataDir != "/var/lib/twofold" {
		t.Fatalf("flags %+v %v", cfg, err)
	}
	for _, bad := range [][]string{{"-rate-limit", "0"}, {"-rate-limit", "x"}, {"-nope"}, {"extra"},
		{"-pending-device-ttl", "0s"}, {"-pending-device-ttl", "ten minutes"}, {"-pending-device-ttl", "48h"}} {
		if _, err := parse(bad, env(nil), &bytes.Buffer{}); err == nil {
			t.Errorf("parse(%q) accepted", bad)
		}
	}
}

// The flags' defaults are the server's own (server.DefaultConfig), so the
// two cannot drift; -h shows them as people type them.
func TestFlagDefaultsAreTheServers(t *testing.T) {
	cfg, err := parse(nil, env(nil), &bytes.Buffer{})
	d := server.DefaultConfig()
	if err != nil || cfg.Addr != d.Addr || cfg.DataDir != d.DataDir || cfg.LogLevel != d.LogLevel || cfg.LogFormat != d.LogFormat ||
		cfg.DBSync != d.DBSync || cfg.RateLimit != d.RateLimit || cfg.Auth.PendingDeviceTTL != d.Auth.PendingDeviceTTL ||
		cfg.Auth.Issuer != d.Auth.Issuer || cfg.SMTP.Security != d.SMTP.Security {
		t.Fatalf("flag defaults %+v, server defaults %+v (%v)", cfg, d, err)
	}
	var help bytes.Buffer
	parse([]string{"-h"}, env(nil), &help)
	for _, want := range []string{`(default ":8080")`, `(default "data")`, `(default "10m")`, `(default "60")`, `(default "normal")`,
		`(default "Twofold")`, `(default "starttls")`} {
		if !strings.Contains(help.String(), want) {
			t.Errorf("-h does not show %s:\n%s", want, help.String())
		}
	}
	for d, want := range map[time.Duration]string{10 * time.Minute: "10m", 90 * time.Second: "1m30s", 2 * time.Hour: "2h", time.Second: "1s"} {
		if got := shortDuration(d); got != want {
			t.Errorf("shortDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestRunHelpUnknownAndBadConfig(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"help"}, env(nil), &out, &errOut); code != 0 || !strings.Contains(out.String(), "twofold-server rekey") {
		t.Fatalf("help: %d %s", code, out.String())
	}
	if code := run(context.Background(), []string{"frobnicate"}, env(nil), &out, &errOut); code != 2 {
		t.Fatalf("unknown command: %d", code)
	}
	errOut.Reset()
	code := run(context.Background(), []string{"-data", t.TempDir(), "-log-level", "loud"}, env(nil), &out, &errOut)
	if code != 1 || !strings.Contains(errOut.String(), "log level") {
		t.Fatalf("bad log level: %d %s", code, errOut.String())
	}
}

// The server starts, and stops cleanly when its context ends (SIGTERM and
// SIGINT cancel that context in main).
func TestServeUntilCancelled(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var out, errOut bytes.Buffer
	code := run(ctx, []string{"-addr", "127.0.0.1:0", "-data", t.TempDir()}, env(nil), &out, &errOut)
	if code != 0 || !strings.Contains(errOut.String(), "listening") || !strings.Contains(errOut.String(), "shutting down") {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
}

func TestRekeyCommand(t *testing.T) {
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	run(ctx, []string{"-addr", "127.0.0.1:0", "-data", dir}, env(nil), &out, &errOut)
	cancel()
	out.Reset()
	if code := run(context.Background(), []string{"rekey", "-data", dir}, env(nil), &out, &errOut); code != 0 ||
		!strings.Contains(out.String(), "re-encrypted 0 device secrets") {
		t.Fatalf("rekey: %d %s %s", code, out.String(), errOut.String())
	}
}

func TestParseMailIssuerAndSignupFlags(t *testing.T) {
	pwFile := t.TempDir() + "/smtp-password"
	if err := os.WriteFile(pwFile, []byte("from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	vars := env(map[string]string{"TWOFOLD_SMTP_HOST": "smtp.example.com", "TWOFOLD_SMTP_USER": "twofold",
		"TWOFOLD_SMTP_PASSWORD": "from-env", "TWOFOLD_SMTP_FROM": "Twofold <no-reply@example.com>", "TWOFOLD_OPEN_SIGNUP": "false"})
	cfg, err := parse(nil, vars, &bytes.Buffer{})
	if err != nil || cfg.SMTP.Host != "smtp.example.com" || cfg.SMTP.Security != mail.StartTLS || cfg.SMTP.Port != 0 ||
		cfg.SMTP.User != "twofold" || cfg.SMTP.Password != "from-env" || cfg.SMTP.From != "Twofold <no-reply@example.com>" ||
		cfg.OpenSignup == nil || *cfg.OpenSignup || cfg.Auth.Issuer != "Twofold" {
		t.Fatalf("from environment %+v %v", cfg, err)
	}
	cfg, err = parse([]string{"-smtp-security", "tls", "-smtp-port", "2465", "-smtp-password-file", pwFile,
		"-issuer", "Example IT", "-open-signup", "true"}, vars, &bytes.Buffer{})
	if err != nil || cfg.SMTP.Security != mail.TLS || cfg.SMTP.Port != 2465 || cfg.SMTP.Password != "from-file" ||
		cfg.Auth.Issuer != "Example IT" || !*cfg.OpenSignup {
		t.Fatalf("flags %+v %v", cfg, err)
	}
	for _, bad := range [][]string{{"-smtp-security", "ssl"}, {"-smtp-port", "0"}, {"-smtp-port", "smtp"},
		{"-smtp-host", "smtp.example.com"}, {"-smtp-password-file", t.TempDir() + "/missing"},
		{"-open-signup", "maybe"}, {"-issuer", " "}} {
		if _, err := parse(bad, env(nil), &bytes.Buffer{}); err == nil {
			t.Errorf("parse(%q) accepted", bad)
		}
	}
	// A bad SMTP configuration stops the server before it listens.
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"-data", t.TempDir(), "-smtp-host", "smtp.example.com", "-smtp-from", "not an address"}, env(nil), &out, &errOut)
	if code != 1 || !strings.Contains(errOut.String(), "From") {
		t.Fatalf("bad From: %d %s", code, errOut.String())
	}
}

func TestOrgCreate(t *testing.T) {
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"org", "create", "Acme Corp", "-admin", "ann@acme.example", "-data", dir,
		"-base-url", "https://mfa.example"}, env(nil), &out, &errOut)
	if code != 0 || !strings.Contains(out.String(), `created organisation "Acme Corp"`) || !strings.Contains(out.String(), "slug acme-corp") ||
		!strings.Contains(out.String(), "https://mfa.example/sign-up?invitation=") {
		t.Fatalf("org create: %d %s %s", code, out.String(), errOut.String())
	}
	// Flags before the name work too; the same name again is refused.
	out.Reset()
	errOut.Reset()
	code = run(context.Background(), []string{"org", "create", "-data", dir, "-admin", "bob@acme.example", "Acme Corp"}, env(nil), &out, &errOut)
	if code != 1 || !strings.Contains(errOut.String(), "organisation") {
		t.Fatalf("duplicate: %d %s %s", code, out.String(), errOut.String())
	}
	for _, bad := range [][]string{{"org"}, {"org", "delete", "x"}, {"org", "create", "-data", dir, "NoAdmin"},
		{"org", "create", "-data", dir, "-admin", "ann@acme.example"}, {"org", "create", "-data", dir, "A", "B", "-admin", "c@d.example"},
		{"org", "create", "-data", dir, "-nope"}} {
		errOut.Reset()
		if code := run(context.Background(), bad, env(nil), &out, &errOut); code != 2 || errOut.Len() == 0 {
			t.Errorf("%q: exit %d %s", bad, code, errOut.String())
		}
	}
	errOut.Reset()
	if code := run(context.Background(), []string{"org", "create", "-data", dir, "-admin", "not-an-email", "Beta"}, env(nil), &out, &errOut); code != 1 {
		t.Errorf("bad admin email: exit %d %s", code, errOut.String())
	}
	// The refused address left no organisation behind: Beta can be made.
	errOut.Reset()
	if code := run(context.Background(), []string{"org", "create", "-data", dir, "-admin", "cy@beta.example", "Beta"}, env(nil), &out, &errOut); code != 0 {
		t.Errorf("Beta after the refusal: exit %d %s", code, errOut.String())
	}
}

// -database-url (or TWOFOLD_DATABASE_URL) selects PostgreSQL; the default
// stays SQLite in the data directory, as `make run` has it.
func TestParseDatabaseURL(t *testing.T) {
	cfg, err := parse(nil, env(nil), &bytes.Buffer{})
	if err != nil || cfg.DatabaseURL != "" {
		t.Fatalf("default %q %v", cfg.DatabaseURL, err)
	}
	vars := env(map[string]string{"TWOFOLD_DATABASE_URL": "postgres://twofold@db/twofold"})
	if cfg, err = parse(nil, vars, &bytes.Buffer{}); err != nil || cfg.DatabaseURL != "postgres://twofold@db/twofold" {
		t.Fatalf("from the environment %q %v", cfg.DatabaseURL, err)
	}
	if cfg, err = parse([]string{"-database-url", "postgresql://other/db"}, vars, &bytes.Buffer{}); err != nil || cfg.DatabaseURL != "postgresql://other/db" {
		t.Fatalf("flag %q %v", cfg.DatabaseURL, err)
	}
	var errOut bytes.Buffer
	if code := run(context.Background(), []string{"-database-url", "mysql://x"}, env(nil), &bytes.Buffer{}, &errOut); code != 1 ||
		!strings.Contains(errOut.String(), "postgres://") {
		t.Fatalf("a URL that is not PostgreSQL's: %d %s", code, errOut.String())
	}
}
