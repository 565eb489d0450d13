// Command twofold-server is Twofold's verification server: accounts, TOTP
// devices, verification, recovery codes, the API under /api/v1 and the
// authenticator at /app/. It only parses flags and TWOFOLD_* variables and
// wires package server; `twofold-server rekey` rotates the master key.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/twofold-auth/twofold/server"
	"github.com/twofold-auth/twofold/server/api"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

const usage = `Usage:
  twofold-server [flags]         serve (default http://localhost:8080, data in ./data)
  twofold-server rekey [flags]   re-encrypt every TOTP secret under a new master key (server stopped)

Every flag can also be set by its TWOFOLD_* variable (the flag wins).
The master key comes from TWOFOLD_MASTER_KEY (base64 of 32 bytes) or the key
file (created with mode 0600 on first start). For rekey with
TWOFOLD_MASTER_KEY, put the new key in TWOFOLD_NEW_MASTER_KEY.

Example:
  twofold-server -addr :8080 -data ./data
  TWOFOLD_LOG_FORMAT=json twofold-server
  twofold-server rekey -data ./data

Flags:
`

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	if cmd == "help" {
		args = []string{"-h"}
		cmd = "serve"
	}
	cfg, err := parse(args, getenv, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "twofold-server: %v\n", err)
		return 2
	}
	cfg.LogOutput = stderr
	switch cmd {
	case "serve":
		srv, err := server.New(cfg)
		if err != nil {
			fmt.Fprintf(stderr, "twofold-server: %v\n", err)
			return 1
		}
		defer srv.Close()
		if err := srv.Run(ctx); err != nil {
			fmt.Fprintf(stderr, "twofold-server: %v\n", err)
			return 1
		}
		return 0
	case "rekey":
		res, err := server.Rekey(ctx, cfg)
		if err != nil {
			fmt.Fprintf(stderr, "twofold-server rekey: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "re-encrypted %d device secrets: key %s → %s\n", res.Devices, res.OldKeyID, res.NewKeyID)
		if cfg.MasterKey != "" {
			fmt.Fprintln(stdout, "start the server with TWOFOLD_MASTER_KEY set to the new key")
		} else {
			fmt.Fprintln(stdout, "the previous key is kept as "+cfg.MasterKeyFile+".old until you delete it")
		}
		return 0
	}
	fmt.Fprintf(stderr, "twofold-server: unknown command %q (see twofold-server -h)\n", cmd)
	return 2
}

// parse reads flags over TWOFOLD_* variables over defaults.
func parse(args []string, getenv func(string) string, out io.Writer) (server.Config, error) {
	var cfg server.Config
	fs := flag.NewFlagSet("twofold-server", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() {
		fmt.Fprint(out, usage)
		fs.PrintDefaults()
	}
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	d := server.DefaultConfig() // the defaults shown are the ones the server applies
	fs.StringVar(&cfg.Addr, "addr", env("TWOFOLD_ADDR", d.Addr), "listen address (TWOFOLD_ADDR)")
	fs.StringVar(&cfg.DataDir, "data", env("TWOFOLD_DATA_DIR", d.DataDir), "directory of the database and the master key file (TWOFOLD_DATA_DIR)")
	fs.StringVar(&cfg.MasterKeyFile, "master-key-file", getenv("TWOFOLD_MASTER_KEY_FILE"), "master key file (TWOFOLD_MASTER_KEY_FILE; default DATA/master.key)")
	fs.StringVar(&cfg.BaseURL, "base-url", getenv("TWOFOLD_BASE_URL"), "public base URL; https makes cookies Secure (TWOFOLD_BASE_URL; default http://localhost:PORT)")
	fs.StringVar(&cfg.MetricsAddr, "metrics-addr", getenv("TWOFOLD_METRICS_ADDR"), "serve /metrics on this separate address, e.g. 127.0.0.1:9464; off when empty (TWOFOLD_METRICS_ADDR)")
	fs.StringVar(&cfg.LogLevel, "log-level", env("TWOFOLD_LOG_LEVEL", d.LogLevel), "debug, info, warn or error (TWOFOLD_LOG_LEVEL)")
	fs.StringVar(&cfg.LogFormat, "log-format", env("TWOFOLD_LOG_FORMAT", d.LogFormat), "text or json (TWOFOLD_LOG_FORMAT)")
	fs.StringVar(&cfg.DBSync, "db-sync", env("TWOFOLD_DB_SYNC", d.DBSync), "SQLite commit durability: normal (no fsync per commit) or full (TWOFOLD_DB_SYNC)")
	proxies := fs.String("trusted-proxies", getenv("TWOFOLD_TRUSTED_PROXIES"), "comma-separated CIDRs whose X-Forwarded-For is trusted (TWOFOLD_TRUSTED_PROXIES)")
	rate := fs.String("rate-limit", env("TWOFOLD_RATE_LIMIT", strconv.Itoa(d.RateLimit.Requests)), "credential requests per minute per client address, -1 for none (TWOFOLD_RATE_LIMIT)")
	pendingTTL := fs.String("pending-device-ttl", env("TWOFOLD_PENDING_DEVICE_TTL", shortDuration(d.Auth.PendingDeviceTTL)), "how long a new TOTP device may wait for its first code (TWOFOLD_PENDING_DEVICE_TTL)")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	ttl, err := time.ParseDuration(*pendingTTL)
	if err != nil || ttl < time.Second || ttl > 24*time.Hour {
		return cfg, fmt.Errorf("-pending-device-ttl %q: want a duration from 1s to 24h, e.g. 10m", *pendingTTL)
	}
	cfg.Auth.PendingDeviceTTL = ttl
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	n, err := strconv.Atoi(*rate)
	if err != nil || n == 0 || n < -1 {
		return cfg, fmt.Errorf("-rate-limit %q: want a positive number or -1", *rate)
	}
	cfg.RateLimit = api.RateLimit{Requests: n, Window: d.RateLimit.Window}
	for p := range strings.SplitSeq(*proxies, ",") {
		if p = strings.TrimSpace(p); p != "" {
			cfg.TrustedProxies = append(cfg.TrustedProxies, p)
		}
	}
	cfg.MasterKey = getenv("TWOFOLD_MASTER_KEY")
	cfg.NewMasterKey = getenv("TWOFOLD_NEW_MASTER_KEY")
	return cfg, nil
}

// shortDuration writes a duration as people type it: 10m, not 10m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
