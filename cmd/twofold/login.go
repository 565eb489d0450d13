package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

const loginUsage = `Usage:
  twofold login [--url URL] [--email EMAIL] [--password-stdin] [--totp CODE | --recovery-code CODE] [--name NAME]

Signs in with your email and password, then (when your account has MFA) a
code from your authenticator or a recovery code, creates an application
token named for this machine ("twofold CLI on HOST", or --name) and saves
the URL and token in the config file (os.UserConfigDir()/twofold/config.json,
mode 0600). Later server verbs use that token. Anything not given as a flag
is asked for on the terminal; the password is never a flag: type it, or pipe
it with --password-stdin. The session used to sign in is signed out again.

Application tokens authenticate without a second factor, by design; they can
manage devices and recovery codes (with a code for anything destructive) but
cannot create more tokens. Revoke one with 'twofold token revoke TOKEN_ID'.

Flags:
  --email EMAIL        your account's email address
  --password-stdin     read the password from the first line of standard input
  --totp CODE          a current code from your authenticator
  --recovery-code CODE a recovery code (XXXX-XXXX-XXXX-XXXX), used up by signing in
  --name NAME          the token's name (default "twofold CLI on HOST")
  --url URL            the server (default: TWOFOLD_URL, the config file, then ` + defaultServerURL + `)

Example:
  twofold login --url http://localhost:8080 --email alice@example.com
  printf '%s\n' "$PASSWORD" | twofold login --email alice@example.com --password-stdin --totp 123456
`

const tokenUsage = `Usage:
  twofold token list [-o table|json]
  twofold token create --name NAME [--expires 30d|12h|2026-12-31] [--email EMAIL] [--password-stdin] [--totp CODE | --recovery-code CODE]
  twofold token revoke TOKEN_ID

Application tokens are named API credentials, like OpenStack application
credentials: shown once, stored hashed by the server, optionally expiring,
and every use is recorded in your audit log. 'create' signs in with your
password (and second factor) just for this, because a token cannot create
tokens; it prints the new token once and does not save it (login does).

Flags:
  --name NAME          what the token is for
  --expires WHEN       a duration (30d, 12h, 90m) or a date (2026-12-31 or RFC 3339); default never
` + remoteFlagsHelp + `
Example:
  twofold token create --name ci --expires 30d --email alice@example.com
  twofold token list
  twofold token revoke tok_abcdefghijklmnop
`

type sessionAnswer struct {
	User struct {
		Email       string `json:"email"`
		MFAEnrolled bool   `json:"mfa_enrolled"`
	} `json:"user"`
	Session struct {
		Stage string `json:"stage"`
	} `json:"session"`
}

type tokenView struct {
	ID           string     `json:"id"`
	Name         string     `json:"name"`
	CreatedAt    time.Time  `json:"created_at"`
	ExpiresAt    *time.Time `json:"expires_at"`
	LastUsedAt   *time.Time `json:"last_used_at"`
	LastUsedAddr string     `json:"last_used_addr"`
}

type createdToken struct {
	Token  tokenView `json:"token"`
	Secret string    `json:"secret"`
}

// signInFlags are how a verb that signs in gets its credentials.
type signInFlags struct {
	email, totp, recovery string
	passwordStdin         bool
}

func addSignInFlags(fs *flag.FlagSet) *signInFlags {
	sf := &signInFlags{}
	fs.StringVar(&sf.email, "email", "", "")
	fs.BoolVar(&sf.passwordStdin, "password-stdin", false, "")
	fs.StringVar(&sf.totp, "totp", "", "")
	fs.StringVar(&sf.recovery, "recovery-code", "", "")
	return sf
}

// signIn runs the two-step sign-in on c's cookie jar and returns who signed
// in. Codes go only to the server; nothing here keeps them.
func signIn(e *env, c *apiClient, sf *signInFlags) (string, error) {
	if sf.totp != "" && sf.recovery != "" {
		return "", errors.New("give --totp or --recovery-code, not both")
	}
	p := newPrompter(e)
	email := sf.email
	var err error
	if email == "" {
		if email, err = p.line("Email: "); err != nil {
			return "", err
		}
	}
	var password string
	if sf.passwordStdin {
		password, err = p.line("")
	} else {
		password, err = p.secret("Password: ")
	}
	if err != nil {
		return "", err
	}
	var s sessionAnswer
	if err := c.call("POST", "/session", map[string]string{"email": email, "password": password}, &s); err != nil {
		return "", err
	}
	if s.Session.Stage != "partial" {
		return s.User.Email, nil
	}
	factor := map[string]string{}
	switch {
	case sf.totp != "":
		factor["code"] = sf.totp
	case sf.recovery != "":
		factor["recovery_code"] = sf.recovery
	default:
		answer, err := p.line("Code from your authenticator (or a recovery code): ")
		if err != nil {
			return "", err
		}
		if looksLikeTOTP(answer) {
			factor["code"] = answer
		} else {
			factor["recovery_code"] = answer
		}
	}
	if err := c.call("POST", "/session/mfa", factor, &s); err != nil {
		return "", err
	}
	return s.User.Email, nil
}

// looksLikeTOTP tells a typed code (digits, maybe spaced) from a recovery
// code (letters and dashes).
func looksLikeTOTP(s string) bool {
	s = strings.NewReplacer(" ", "", "-", "").Replace(strings.TrimSpace(s))
	if s == "" || len(s) > 10 {
		return false
	}
	_, err := strconv.ParseUint(s, 10, 64)
	return err == nil
}

func machineTokenName() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "this machine"
	}
	name := "twofold CLI on " + host
	if r := []rune(name); len(r) > 64 {
		name = string(r[:64])
	}
	return name
}

func runLogin(e *env, args []string) int {
	fs := newFlagSet("login")
	rf := addRemoteFlags(fs)
	sf := addSignInFlags(fs)
	name := fs.String("name", "", "")
	rest, status, done := parseFlags(e, fs, args, loginUsage)
	if done {
		return status
	}
	if len(rest) > 0 {
		return fail(e, exitUsage, "login: unexpected argument %q (see twofold login --help)", rest[0])
	}
	c, err := rf.client(e, false)
	if err != nil {
		return fail(e, exitUsage, "login: %v", err)
	}
	c.token = "" // sign in with a session, never an old token
	email, err := signIn(e, c, sf)
	if err != nil {
		return remoteFail(e, "login", err)
	}
	var ct createdToken
	tokenName := firstNonEmpty(*name, machineTokenName())
	if err := c.call("POST", "/app-tokens", map[string]string{"name": tokenName}, &ct); err != nil {
		return remoteFail(e, "login", err)
	}
	_ = c.call("DELETE", "/session", nil, nil) // the token is what stays signed in
	path, err := saveConfig(config{URL: c.base, Token: ct.Secret})
	if err != nil {
		return fail(e, exitFail, "login: token %s created but not saved: %v", ct.Token.ID, err)
	}
	fmt.Fprintf(e.stdout, "Signed in to %s as %s.\n", c.base, email)
	fmt.Fprintf(e.stdout, "Created the application token %q (%s) and saved it in %s (mode 0600).\n", ct.Token.Name, ct.Token.ID, path)
	fmt.Fprintf(e.stdout, "It works without a second factor; revoke it with: twofold token revoke %s\n", ct.Token.ID)
	return exitOK
}

func runToken(e *env, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(e.stdout, tokenUsage)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	sub, args := args[0], args[1:]
	fs := newFlagSet("token " + sub)
	rf := addRemoteFlags(fs)
	sf := addSignInFlags(fs)
	name := fs.String("name", "", "")
	expires := fs.String("expires", "", "")
	rest, status, done := parseFlags(e, fs, args, tokenUsage)
	if done {
		return status
	}
	verb := "token " + sub
	switch sub {
	case "list":
		c, err := rf.client(e, true)
		if err != nil {
			return fail(e, exitUsage, "%s: %v", verb, err)
		}
		var list struct {
			Tokens []tokenView `json:"tokens"`
		}
		if err := c.call("GET", "/app-tokens", nil, &list); err != nil {
			return remoteFail(e, verb, err)
		}
		if c.output == "json" {
			printJSON(e.stdout, list)
			return exitOK
		}
		rows := make([][]string, len(list.Tokens))
		for i, t := range list.Tokens {
			last := when(t.LastUsedAt)
			if t.LastUsedAddr != "" {
				last += " from " + t.LastUsedAddr
			}
			rows[i] = []string{t.ID, t.Name, when(&t.CreatedAt), when(t.ExpiresAt), last}
		}
		table(e.stdout, []string{"ID", "NAME", "CREATED", "EXPIRES", "LAST USED"}, rows)
		return exitOK
	case "create":
		if strings.TrimSpace(*name) == "" {
			return fail(e, exitUsage, "%s: --name is required (see twofold token --help)", verb)
		}
		body := map[string]string{"name": *name}
		if *expires != "" {
			at, err := parseExpiry(*expires, time.Now())
			if err != nil {
				return fail(e, exitUsage, "%s: --expires %q: %v", verb, *expires, err)
			}
			body["expires_at"] = at.UTC().Format(time.RFC3339)
		}
		c, err := rf.client(e, false)
		if err != nil {
			return fail(e, exitUsage, "%s: %v", verb, err)
		}
		c.token = ""
		if _, err := signIn(e, c, sf); err != nil {
			return remoteFail(e, verb, err)
		}
		var ct createdToken
		err = c.call("POST", "/app-tokens", body, &ct)
		_ = c.call("DELETE", "/session", nil, nil)
		if err != nil {
			return remoteFail(e, verb, err)
		}
		if c.output == "json" {
			printJSON(e.stdout, ct)
			return exitOK
		}
		fmt.Fprintf(e.stdout, "Token %q (%s), expires %s.\nCopy it now, it is not shown again:\n%s\n", ct.Token.Name, ct.Token.ID, when(ct.Token.ExpiresAt), ct.Secret)
		return exitOK
	case "revoke":
		if len(rest) != 1 {
			return fail(e, exitUsage, "%s: give one TOKEN_ID (see twofold token list)", verb)
		}
		c, err := rf.client(e, true)
		if err != nil {
			return fail(e, exitUsage, "%s: %v", verb, err)
		}
		if err := c.call("DELETE", "/app-tokens/"+rest[0], nil, nil); err != nil {
			return remoteFail(e, verb, err)
		}
		fmt.Fprintf(e.stdout, "Revoked %s.\n", rest[0])
		return exitOK
	}
	return fail(e, exitUsage, "token: unknown subcommand %q (list, create, revoke)", sub)
}

// parseExpiry reads 30d, 12h, 90m, a date (YYYY-MM-DD, end of that day UTC)
// or an RFC 3339 time.
func parseExpiry(s string, now time.Time) (time.Time, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days <= 0 {
			return time.Time{}, errors.New("want a positive number of days, like 30d")
		}
		return now.Add(time.Duration(days) * 24 * time.Hour), nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		if d <= 0 {
			return time.Time{}, errors.New("want a positive duration")
		}
		return now.Add(d), nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t.Add(24*time.Hour - time.Second), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, errors.New("want a duration (30d, 12h) or a date (2026-12-31)")
}
