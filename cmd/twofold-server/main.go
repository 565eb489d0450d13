// Command twofold-server is Twofold's verification server: accounts, TOTP
// devices, verification, recovery codes, organisations, the API under
// /api/v1 and the authenticator at /app/. It only parses flags and
// TWOFOLD_* variables and wires package server; `twofold-server rekey`
// rotates the master key and `twofold-server org create` makes an
// organisation and invites its first admin; `twofold-server migrate-db`
// moves a SQLite database to PostgreSQL.
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
	"github.com/twofold-auth/twofold/server/mail"
	"github.com/twofold-auth/twofold/server/store/copydb"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

const usage = `Usage:
  twofold-server [flags]                          serve (default http://localhost:8080, data in ./data)
  twofold-server rekey [flags]                    re-encrypt every TOTP secret under a new master key (server stopped)
  twofold-server org create NAME -admin EMAIL [flags]
                                                  make an organisation and invite its first admin (prints the link)
  twofold-server migrate-db --from sqlite:PATH --to postgres://...
                                                  copy a SQLite database into an empty PostgreSQL one, verified row for row (servers stopped)

Every flag can also be set by its TWOFOLD_* variable (the flag wins).
The database is SQLite in the data directory unless -database-url names a
PostgreSQL database, which several instances can share (docs/deploy.md);
they then need one master key, which the server does not create for them.
The master key comes from TWOFOLD_MASTER_KEY (base64 of 32 bytes) or the key
file (created with mode 0600 on first start). For rekey with
TWOFOLD_MASTER_KEY, put the new key in TWOFOLD_NEW_MASTER_KEY.
Mail goes to the SMTP server named by -smtp-host; without one it is kept in
the development outbox that admins read at /admin/outbox. The SMTP password
is read from TWOFOLD_SMTP_PASSWORD or -smtp-password-file, never from a flag
(other users of the machine can read a process's arguments).

Example:
  twofold-server -addr :8080 -data ./data
  TWOFOLD_LOG_FORMAT=json twofold-server
  TWOFOLD_DATABASE_URL=postgres://twofold@db.internal/twofold TWOFOLD_MASTER_KEY=... twofold-server -trusted-proxies 10.0.0.0/8
  TWOFOLD_SMTP_PASSWORD=... twofold-server -smtp-host smtp.example.com -smtp-user twofold -smtp-from no-reply@example.com
  twofold-server org create "Acme Corp" -admin ann@acme.example
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
	if cmd == "org" {
		return runOrg(ctx, args, getenv, stdout, stderr)
	}
	if cmd == "migrate-db" {
		return runMigrateDB(ctx, args, getenv, stdout, stderr)
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
		return serve(ctx, cfg, stderr)
	case "rekey":
		return rekey(ctx, cfg, stdout, stderr)
	}
	fmt.Fprintf(stderr, "twofold-server: unknown command %q (see twofold-server -h)\n", cmd)
	return 2
}

func serve(ctx context.Context, cfg server.Config, stderr io.Writer) int {
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
}

func rekey(ctx context.Context, cfg server.Config, stdout, stderr io.Writer) int {
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

// runMigrateDB is `twofold-server migrate-db --from sqlite:PATH --to
// postgres://...` (the target defaults to TWOFOLD_DATABASE_URL).
func runMigrateDB(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("twofold-server migrate-db", flag.ContinueOnError)
	fs.SetOutput(stderr)
	from := fs.String("from", "", "the SQLite database to copy: sqlite:PATH, e.g. sqlite:data/twofold.db")
	to := fs.String("to", getenv("TWOFOLD_DATABASE_URL"), "the empty PostgreSQL database to copy into, postgres://... (TWOFOLD_DATABASE_URL)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	path, ok := strings.CutPrefix(*from, "sqlite:")
	switch {
	case fs.NArg() > 0:
		fmt.Fprintf(stderr, "twofold-server migrate-db: unexpected argument %q\n", fs.Arg(0))
		return 2
	case !ok || path == "":
		fmt.Fprintln(stderr, "twofold-server migrate-db: --from sqlite:PATH names the SQLite database to copy")
		return 2
	case !strings.HasPrefix(*to, "postgres://") && !strings.HasPrefix(*to, "postgresql://"):
		fmt.Fprintln(stderr, "twofold-server migrate-db: --to postgres://... names the PostgreSQL database to copy into")
		return 2
	}
	tables, err := copydb.Copy(ctx, path, *to)
	if err != nil {
		fmt.Fprintf(stderr, "twofold-server migrate-db: %v\n", err)
		return 1
	}
	rows := 0
	for _, t := range tables {
		fmt.Fprintf(stdout, "%-24s %8d rows\n", t.Name, t.Rows)
		rows += t.Rows
	}
	fmt.Fprintf(stdout, "copied and verified %d rows in %d tables; start the servers with -database-url (and the same master key)\n", rows, len(tables))
	return 0
}

// runOrg is `twofold-server org create NAME -admin EMAIL`: the name may
// come before or after the flags.
func runOrg(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "create" {
		fmt.Fprintln(stderr, "twofold-server org: want `org create NAME -admin EMAIL`")
		return 2
	}
	args = args[1:]
	var name string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = args[0], args[1:]
	}
	var admin string
	cfg, err := parseWith(args, getenv, stdout, func(fs *flag.FlagSet) {
		fs.StringVar(&admin, "admin", "", "email address of the organisation's first admin, who gets an invitation")
	}, func(rest []string) error {
		if len(rest) == 1 && name == "" {
			name = rest[0]
			return nil
		}
		return fmt.Errorf("want one organisation name, got %q", rest)
	})
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err == nil && (strings.TrimSpace(name) == "" || strings.TrimSpace(admin) == "") {
		err = errors.New("org create needs a NAME and -admin EMAIL")
	}
	if err != nil {
		fmt.Fprintf(stderr, "twofold-server org create: %v\n", err)
		return 2
	}
	cfg.LogOutput = stderr
	org, inv, err := server.CreateOrganisation(ctx, cfg, name, admin)
	if err != nil {
		fmt.Fprintf(stderr, "twofold-server org create: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "created organisation %q (%s, slug %s)\n", org.Name, org.ID, org.Slug)
	fmt.Fprintf(stdout, "invited %s as its admin; the link works once, until %s:\n%s\n", inv.Email, inv.ExpiresAt.Format(time.RFC3339), inv.Link)
	return 0
}

// parse reads the server's flags over TWOFOLD_* variables over defaults.
func parse(args []string, getenv func(string) string, out io.Writer) (server.Config, error) {
	return parseWith(args, getenv, out, nil, nil)
}

// parseWith is parse with a command's own flags added and its positional
// arguments handed to rest (none allowed when rest is nil).
func parseWith(args []string, getenv func(string) string, out io.Writer, extra func(*flag.FlagSet), rest func([]string) error) (server.Config, error) {
	var cfg server.Config
	fs := flag.NewFlagSet("twofold-server", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() {
		fmt.Fprint(out, usage)
		fs.PrintDefaults()
	}
	finish := serverFlags(fs, &cfg, getenv)
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		if rest == nil {
			return cfg, fmt.Errorf("unexpected argument %q", fs.Arg(0))
		}
		// Flags may follow a positional argument: parse what is after it.
		pos := []string{fs.Arg(0)}
		if err := fs.Parse(fs.Args()[1:]); err != nil {
			return cfg, err
		}
		if err := rest(append(pos, fs.Args()...)); err != nil {
			return cfg, err
		}
	}
	return cfg, finish()
}

// serverFlags defines every server flag on fs, each defaulting to its
// TWOFOLD_* variable, and returns the check that converts and validates
// them after parsing.
func serverFlags(fs *flag.FlagSet, cfg *server.Config, getenv func(string) string) func() error {
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	d := server.DefaultConfig() // the defaults shown are the ones the server applies
	fs.StringVar(&cfg.Addr, "addr", env("TWOFOLD_ADDR", d.Addr), "listen address (TWOFOLD_ADDR)")
	fs.StringVar(&cfg.DataDir, "data", env("TWOFOLD_DATA_DIR", d.DataDir), "directory of the database and the master key file (TWOFOLD_DATA_DIR)")
	fs.StringVar(&cfg.DatabaseURL, "database-url", getenv("TWOFOLD_DATABASE_URL"), "PostgreSQL database for several instances, postgres://USER@HOST/DB; empty: SQLite in DATA (TWOFOLD_DATABASE_URL; put a password in the variable, PGPASSWORD or ~/.pgpass, not in this flag)")
	fs.StringVar(&cfg.MasterKeyFile, "master-key-file", getenv("TWOFOLD_MASTER_KEY_FILE"), "master key file (TWOFOLD_MASTER_KEY_FILE; default DATA/master.key)")
	fs.StringVar(&cfg.BaseURL, "base-url", getenv("TWOFOLD_BASE_URL"), "public base URL; https makes cookies Secure (TWOFOLD_BASE_URL; default http://localhost:PORT)")
	fs.StringVar(&cfg.MetricsAddr, "metrics-addr", getenv("TWOFOLD_METRICS_ADDR"), "serve /metrics on this separate address, e.g. 127.0.0.1:9464; off when empty (TWOFOLD_METRICS_ADDR)")
	fs.StringVar(&cfg.LogLevel, "log-level", env("TWOFOLD_LOG_LEVEL", d.LogLevel), "debug, info, warn or error (TWOFOLD_LOG_LEVEL)")
	fs.StringVar(&cfg.LogFormat, "log-format", env("TWOFOLD_LOG_FORMAT", d.LogFormat), "text or json (TWOFOLD_LOG_FORMAT)")
	fs.StringVar(&cfg.DBSync, "db-sync", env("TWOFOLD_DB_SYNC", d.DBSync), "SQLite commit durability: normal (no fsync per commit) or full (TWOFOLD_DB_SYNC)")
	fs.StringVar(&cfg.Auth.Issuer, "issuer", env("TWOFOLD_ISSUER", d.Auth.Issuer), "otpauth issuer authenticator apps show; other organisations than the default add their slug, e.g. \"Twofold (acme)\" (TWOFOLD_ISSUER)")
	proxies := fs.String("trusted-proxies", getenv("TWOFOLD_TRUSTED_PROXIES"), "comma-separated CIDRs whose X-Forwarded-For is trusted (TWOFOLD_TRUSTED_PROXIES)")
	rate := fs.String("rate-limit", env("TWOFOLD_RATE_LIMIT", strconv.Itoa(d.RateLimit.Requests)), "credential requests per minute per client address, -1 for none (TWOFOLD_RATE_LIMIT)")
	pendingTTL := fs.String("pending-device-ttl", env("TWOFOLD_PENDING_DEVICE_TTL", shortDuration(d.Auth.PendingDeviceTTL)), "how long a new TOTP device may wait for its first code (TWOFOLD_PENDING_DEVICE_TTL)")
	openSignup := fs.String("open-signup", getenv("TWOFOLD_OPEN_SIGNUP"), "true or false: open or close sign-up into the default organisation at start; empty keeps the admins' setting (TWOFOLD_OPEN_SIGNUP)")
	smtp := smtpFlags(fs, cfg, env, d.SMTP)
	return func() error {
		ttl, err := time.ParseDuration(*pendingTTL)
		if err != nil || ttl < time.Second || ttl > 24*time.Hour {
			return fmt.Errorf("-pending-device-ttl %q: want a duration from 1s to 24h, e.g. 10m", *pendingTTL)
		}
		cfg.Auth.PendingDeviceTTL = ttl
		n, err := strconv.Atoi(*rate)
		if err != nil || n == 0 || n < -1 {
			return fmt.Errorf("-rate-limit %q: want a positive number or -1", *rate)
		}
		cfg.RateLimit = api.RateLimit{Requests: n, Window: d.RateLimit.Window}
		for p := range strings.SplitSeq(*proxies, ",") {
			if p = strings.TrimSpace(p); p != "" {
				cfg.TrustedProxies = append(cfg.TrustedProxies, p)
			}
		}
		if *openSignup != "" {
			open, err := strconv.ParseBool(*openSignup)
			if err != nil {
				return fmt.Errorf("-open-signup %q: want true or false", *openSignup)
			}
			cfg.OpenSignup = &open
		}
		if strings.TrimSpace(cfg.Auth.Issuer) == "" {
			return errors.New("-issuer: want a name, e.g. Twofold")
		}
		cfg.MasterKey = getenv("TWOFOLD_MASTER_KEY")
		cfg.NewMasterKey = getenv("TWOFOLD_NEW_MASTER_KEY")
		return smtp()
	}
}

// smtpFlags defines the -smtp-* flags and returns their check.
func smtpFlags(fs *flag.FlagSet, cfg *server.Config, env func(string, string) string, d mail.Config) func() error {
	fs.StringVar(&cfg.SMTP.Host, "smtp-host", env("TWOFOLD_SMTP_HOST", ""), "SMTP server for mail; empty keeps mail in the development outbox (TWOFOLD_SMTP_HOST)")
	port := fs.String("smtp-port", env("TWOFOLD_SMTP_PORT", ""), "SMTP port (TWOFOLD_SMTP_PORT; default 587 for starttls, 465 for tls, 25 for none)")
	security := fs.String("smtp-security", env("TWOFOLD_SMTP_SECURITY", string(d.Security)), "starttls (required), tls (implicit) or none (TWOFOLD_SMTP_SECURITY)")
	fs.StringVar(&cfg.SMTP.User, "smtp-user", env("TWOFOLD_SMTP_USER", ""), "SMTP user name; empty for no authentication (TWOFOLD_SMTP_USER)")
	passwordFile := fs.String("smtp-password-file", env("TWOFOLD_SMTP_PASSWORD_FILE", ""), "file holding the SMTP password (TWOFOLD_SMTP_PASSWORD_FILE; or TWOFOLD_SMTP_PASSWORD itself)")
	fs.StringVar(&cfg.SMTP.From, "smtp-from", env("TWOFOLD_SMTP_FROM", ""), "From address, e.g. \"Twofold <no-reply@example.com>\" (TWOFOLD_SMTP_FROM)")
	return func() error {
		cfg.SMTP.Security = mail.Security(*security)
		switch cfg.SMTP.Security {
		case mail.StartTLS, mail.TLS, mail.None:
		default:
			return fmt.Errorf("-smtp-security %q: want starttls, tls or none", *security)
		}
		if *port != "" {
			n, err := strconv.Atoi(*port)
			if err != nil || n < 1 || n > 65535 {
				return fmt.Errorf("-smtp-port %q: want a port number", *port)
			}
			cfg.SMTP.Port = n
		}
		cfg.SMTP.Password = env("TWOFOLD_SMTP_PASSWORD", "")
		if *passwordFile != "" {
			b, err := os.ReadFile(*passwordFile)
			if err != nil {
				return fmt.Errorf("-smtp-password-file: %v", err)
			}
			cfg.SMTP.Password = strings.TrimRight(string(b), "\r\n")
		}
		if cfg.SMTP.Host != "" && cfg.SMTP.From == "" {
			return errors.New("-smtp-from: mail needs a From address when -smtp-host is set")
		}
		return nil
	}
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
