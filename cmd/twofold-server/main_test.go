package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/twofold-auth/twofold/server"
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
		cfg.DBSync != d.DBSync || cfg.RateLimit != d.RateLimit || cfg.Auth.PendingDeviceTTL != d.Auth.PendingDeviceTTL {
		t.Fatalf("flag defaults %+v, server defaults %+v (%v)", cfg, d, err)
	}
	var help bytes.Buffer
	parse([]string{"-h"}, env(nil), &help)
	for _, want := range []string{`(default ":8080")`, `(default "data")`, `(default "10m")`, `(default "60")`, `(default "normal")`} {
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
