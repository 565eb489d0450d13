package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/twofold-auth/twofold/server/api/client"
	"github.com/twofold-auth/twofold/server/api/wire"
)

// Server verbs talk to a Twofold server's JSON API (/api/v1) through
// server/api/client. The server's URL and an application token come from
// --url and --token, else from TWOFOLD_URL and TWOFOLD_TOKEN, else from the
// config file `twofold login` writes (os.UserConfigDir()/twofold/config.json,
// mode 0600).

const defaultServerURL = "http://localhost:8080"

// userAgent names the CLI in the sessions it starts.
const userAgent = "twofold-cli"

// config is what `twofold login` saves.
type config struct {
	URL   string `json:"url"`
	Token string `json:"token"`
	// Enrollment is the signed-in session that created an account's first
	// device: an application token cannot make the first device (it could
	// turn MFA on with an authenticator of its own), and a pending device
	// belongs to the session that created it, so 'activate' and
	// 'generate-totp-seed' use this session for that device. It is
	// dropped (and signed out) when the device is activated.
	Enrollment *enrollmentSession `json:"enrollment,omitempty"`
}

type enrollmentSession struct {
	URL      string `json:"url"`
	DeviceID string `json:"device_id"`
	Cookie   string `json:"cookie"` // name=value of the session cookie
}

func configPath() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("no config directory: %v", err)
	}
	return filepath.Join(dir, "twofold", "config.json"), nil
}

func loadConfig() (config, string, error) {
	p, err := configPath()
	if err != nil {
		return config{}, "", err
	}
	data, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return config{}, p, nil
	}
	if err != nil {
		return config{}, p, err
	}
	var c config
	if err := json.Unmarshal(data, &c); err != nil {
		return config{}, p, fmt.Errorf("%s is not valid JSON: %v", p, err)
	}
	return c, p, nil
}

// saveConfig writes the config with mode 0600 (it holds a token), through a
// temporary file so a crash never leaves half a file.
func saveConfig(c config) (string, error) {
	p, err := configPath()
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return "", err
	}
	data, _ := json.MarshalIndent(c, "", "  ")
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o600); err != nil {
		return "", err
	}
	if err := os.Chmod(tmp, 0o600); err != nil {
		return "", err
	}
	return p, os.Rename(tmp, p)
}

// remote is how a server verb reaches its server: the flags every server
// verb takes (--url, --token, -o) and what they resolve to.
type remote struct {
	e          *env
	url, token string
	output     *outputFormat
}

// serverGroup is a group of server verbs: they all take --url, --token and
// -o.
func serverGroup(e *env, name, short, long, example string) (*cobra.Command, *remote) {
	cmd := group(e, name, short, long, example)
	return cmd, addRemoteFlags(e, cmd, cmd.PersistentFlags())
}

func addRemoteFlags(e *env, cmd *cobra.Command, fs *pflag.FlagSet) *remote {
	r := &remote{e: e}
	fs.StringVar(&r.url, "url", "", "the server's `URL` (default: TWOFOLD_URL, the config file, then "+defaultServerURL+")")
	fs.StringVar(&r.token, "token", "", "an application `TOKEN` (default: TWOFOLD_TOKEN, then the config file)")
	r.output = addOutputFlag(fs)
	completeOutput(cmd)
	return r
}

// target is the server's URL and the token for it: flags, then the
// environment, then the config file (whose token only goes to the server
// it came from).
func (r *remote) target() (base, token string, err error) {
	cfg, _, err := loadConfig()
	if err != nil {
		return "", "", usagef("%v", err)
	}
	base = firstNonEmpty(r.url, r.e.getenv("TWOFOLD_URL"), cfg.URL, defaultServerURL)
	token = firstNonEmpty(r.token, r.e.getenv("TWOFOLD_TOKEN"))
	if token == "" && (r.url == "" || r.url == cfg.URL) {
		token = cfg.Token
	}
	return base, token, nil
}

// tokenClient is a client that authenticates with the application token.
func (r *remote) tokenClient() (*client.Client, error) {
	base, token, err := r.target()
	if err != nil {
		return nil, err
	}
	if token == "" {
		_, path, _ := loadConfig()
		return nil, usagef("no application token: run 'twofold login' first (it saves one in %s), or pass --token / set TWOFOLD_TOKEN", path)
	}
	return newClient(base, client.WithToken(token))
}

// sessionClient is a client for a cookie session (signing in, or resuming
// a saved session with client.WithSessionCookie), never a token.
func (r *remote) sessionClient(opts ...client.Option) (*client.Client, error) {
	base, _, err := r.target()
	if err != nil {
		return nil, err
	}
	return newClient(base, opts...)
}

// show makes one request with the application token and prints the
// answer: as it came with -o json, else as table writes it. Most server
// verbs are this and nothing more.
func show[T any](ctx context.Context, r *remote, call func(*client.Client, context.Context) (T, error), table func(io.Writer, T)) error {
	c, err := r.tokenClient()
	if err != nil {
		return err
	}
	v, err := call(c, ctx)
	if err != nil {
		return err
	}
	return r.output.print(r.e.stdout, v, func(w io.Writer) { table(w, v) })
}

func newClient(base string, opts ...client.Option) (*client.Client, error) {
	c, err := client.New(base, append(opts, client.WithUserAgent(userAgent))...)
	if err != nil {
		return nil, usagef("--url: %v", err)
	}
	return c, nil
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// factorFlags are --totp and --recovery-code: a second factor for a
// request that needs a fresh one (an application token carries none).
type factorFlags struct{ totp, recovery string }

func addFactorFlags(fs *pflag.FlagSet, totpUsage string) *factorFlags {
	f := &factorFlags{}
	fs.StringVar(&f.totp, "totp", "", totpUsage)
	fs.StringVar(&f.recovery, "recovery-code", "", "a recovery `CODE` (XXXX-XXXX-XXXX-XXXX) instead, used up by this")
	return f
}

// factor is the factor given, at most one (zero when none).
func (f *factorFlags) factor() (wire.Factor, error) {
	if f.totp != "" && f.recovery != "" {
		return wire.Factor{}, usagef("give --totp or --recovery-code, not both")
	}
	return wire.Factor{Code: f.totp, RecoveryCode: f.recovery}, nil
}

// signInFlags are how a verb that signs in gets its credentials.
type signInFlags struct {
	email         string
	passwordStdin bool
	factor        *factorFlags
}

func addSignInFlags(fs *pflag.FlagSet) *signInFlags {
	sf := &signInFlags{}
	fs.StringVar(&sf.email, "email", "", "your account's `EMAIL` address")
	fs.BoolVar(&sf.passwordStdin, "password-stdin", false, "read the password from the first line of standard input")
	sf.factor = addFactorFlags(fs, "a current `CODE` from your authenticator")
	return sf
}

// signIn runs the two-step sign-in on c's cookie session and returns it
// (its user, and its stage: full, or enroll when the organisation requires
// MFA of an account that has no authenticator yet). Anything not given as
// a flag is asked for; the password is never a flag. Codes go only to the
// server; nothing here keeps them.
func signIn(ctx context.Context, e *env, c *client.Client, sf *signInFlags) (wire.SessionResponse, error) {
	f, err := sf.factor.factor()
	if err != nil {
		return wire.SessionResponse{}, err
	}
	email := sf.email
	if email == "" {
		if email, err = promptLine(e, "Email: "); err != nil {
			return wire.SessionResponse{}, err
		}
	}
	var password string
	if sf.passwordStdin {
		password, err = promptLine(e, "")
	} else {
		password, err = promptSecret(e, "Password: ")
	}
	if err != nil {
		return wire.SessionResponse{}, err
	}
	s, err := c.SignIn(ctx, email, password)
	if err != nil || s.Session.Stage != "partial" {
		return s, err
	}
	if f == (wire.Factor{}) {
		answer, err := promptLine(e, "Code from your authenticator (or a recovery code): ")
		if err != nil {
			return wire.SessionResponse{}, err
		}
		f.Code = answer
		if !looksLikeTOTP(answer) {
			f = wire.Factor{RecoveryCode: answer}
		}
	}
	return c.SecondFactor(ctx, wire.SecondFactorRequest{Code: f.Code, RecoveryCode: f.RecoveryCode})
}

// signInForToken is signIn for a verb that then makes a token: a session
// the organisation sent to enrollment can make none, so it is signed out
// again and the person told how to enroll first.
func signInForToken(ctx context.Context, e *env, c *client.Client, sf *signInFlags) (string, error) {
	s, err := signIn(ctx, e, c, sf)
	if err != nil {
		return "", err
	}
	if s.Session.Stage == "enroll" {
		_ = c.SignOut(ctx)
		return "", failf("your organisation requires two-step sign-in, and %[1]s has no authenticator yet: set one up first with "+
			"'twofold mfa-totp-device create --email %[1]s' (it signs you in and prints the key for your authenticator app) and "+
			"'twofold mfa-totp-device activate DEVICE_ID --totp CODE', then run 'twofold login' again", s.User.Email)
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

// cookieString and parseCookie keep a session cookie in the config file as
// name=value.
func cookieString(k *http.Cookie) string { return k.Name + "=" + k.Value }

func parseCookie(s string) *http.Cookie {
	name, value, _ := strings.Cut(s, "=")
	return &http.Cookie{Name: name, Value: value}
}
