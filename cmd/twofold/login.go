package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/twofold-auth/twofold/server/api/client"
	"github.com/twofold-auth/twofold/server/api/wire"
)

func loginCmd(e *env) *cobra.Command {
	var name string
	var browser, noBrowser bool
	var sf *signInFlags
	var r *remote
	cmd := &cobra.Command{
		Use:   "login",
		Short: "sign in to a server and save an application token",
		Long: `Signs in with your email and password, then (when your account has MFA) a
code from your authenticator or a recovery code, creates an application
token named for this machine ("twofold CLI on HOST", or --name) and saves
the URL and token in the config file (os.UserConfigDir()/twofold/config.json,
mode 0600). Later server verbs use that token. Anything not given as a flag
is asked for on the terminal; the password is never a flag: type it, or pipe
it with --password-stdin. The session used to sign in is signed out again.

With --browser you sign in on the server's web page instead, as cloud CLIs
do: the CLI listens on 127.0.0.1, opens your browser at the sign-in page
(and prints its address, for another browser or when none opens), you sign
in there with your password and second factor and choose Allow, and the page
hands a one-time grant back to the CLI, which trades it (with a secret that
never left the CLI) for the token. It waits up to 5 minutes.

Application tokens authenticate without a second factor, by design; they can
manage devices and recovery codes (with a code for anything destructive) but
cannot create more tokens. Revoke one with 'twofold token revoke TOKEN_ID'.
A token made with a second factor also works for 'twofold admin' (for
admins).`,
		Example: `  twofold login --url http://localhost:8080 --email alice@example.com
  twofold login --browser --url https://mfa.example.com
  printf '%s\n' "$PASSWORD" | twofold login --email alice@example.com --password-stdin --totp 123456`,
		Args: noArgs("see twofold login --help"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !browser {
				return runLogin(cmd, r, sf, name)
			}
			if sf.email != "" || sf.passwordStdin || sf.factor.totp != "" || sf.factor.recovery != "" {
				return usagef("with --browser you sign in on the web page: give no --email, --password-stdin, --totp or --recovery-code")
			}
			return runBrowserLogin(cmd.Context(), r, name, !noBrowser)
		},
	}
	r = addRemoteFlags(e, cmd, cmd.Flags())
	sf = addSignInFlags(cmd.Flags())
	cmd.Flags().StringVar(&name, "name", "", "the token's `NAME` (default \"twofold CLI on HOST\")")
	cmd.Flags().BoolVar(&browser, "browser", false, "sign in on the server's web page, in your browser")
	cmd.Flags().BoolVar(&noBrowser, "no-browser", false, "with --browser: only print the page's address, open no browser")
	return cmd
}

func runLogin(cmd *cobra.Command, r *remote, sf *signInFlags, name string) error {
	c, err := r.sessionClient() // a session, never an old token
	if err != nil {
		return err
	}
	ctx, e := cmd.Context(), r.e
	email, err := signInForToken(ctx, e, c, sf)
	if err != nil {
		return err
	}
	ct, err := c.CreateAppToken(ctx, wire.CreateAppTokenRequest{Name: firstNonEmpty(name, machineTokenName())})
	if err != nil {
		return err
	}
	_ = c.SignOut(ctx) // the token is what stays signed in
	path, err := saveConfig(config{URL: c.BaseURL(), Token: ct.Secret})
	if err != nil {
		return failf("token %s created but not saved: %v", ct.Token.ID, err)
	}
	fmt.Fprintf(e.stdout, "Signed in to %s as %s.\n", c.BaseURL(), email)
	fmt.Fprintf(e.stdout, "Created the application token %q (%s) and saved it in %s (mode 0600).\n", ct.Token.Name, ct.Token.ID, path)
	fmt.Fprintf(e.stdout, "It works without a second factor; revoke it with: twofold token revoke %s\n", ct.Token.ID)
	return nil
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

func tokenCmd(e *env) *cobra.Command {
	cmd, r := serverGroup(e, "token", "create, list and revoke application tokens", `Application tokens are named API credentials, like OpenStack application
credentials: shown once, stored hashed by the server, optionally expiring,
and every use is recorded in your audit log. 'create' signs in with your
password (and second factor) just for this, because a token cannot create
tokens; it prints the new token once and does not save it (login does).`,
		`  twofold token create --name ci --expires 30d --email alice@example.com
  twofold token list
  twofold token revoke tok_abcdefghijklmnop`)
	cmd.AddCommand(&cobra.Command{
		Use: "list", Short: "list your application tokens (never their secrets)",
		Args: noArgs("list takes no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return show(cmd.Context(), r, (*client.Client).AppTokens, tokensTable)
		},
	}, tokenCreateCmd(r), &cobra.Command{
		Use: "revoke TOKEN_ID", Short: "revoke an application token",
		Args: exactArgs(1, "give one TOKEN_ID (see twofold token list)"),
		RunE: func(cmd *cobra.Command, args []string) error { return runTokenRevoke(cmd, r, args[0]) },
	})
	return cmd
}

func tokensTable(w io.Writer, list wire.AppTokenList) {
	rows := make([][]string, len(list.Tokens))
	for i, t := range list.Tokens {
		last := when(t.LastUsedAt)
		if t.LastUsedAddr != "" {
			last += " from " + t.LastUsedAddr
		}
		rows[i] = []string{t.ID, t.Name, when(&t.CreatedAt), when(t.ExpiresAt), last}
	}
	table(w, []string{"ID", "NAME", "CREATED", "EXPIRES", "LAST USED"}, rows)
}

func tokenCreateCmd(r *remote) *cobra.Command {
	var name, expires string
	var sf *signInFlags
	cmd := &cobra.Command{
		Use:   "create --name NAME",
		Short: "sign in and create an application token (printed once, not saved)",
		Args:  noArgs("every value goes with a flag"),
		RunE:  func(cmd *cobra.Command, _ []string) error { return runTokenCreate(cmd, r, sf, name, expires) },
	}
	cmd.Flags().StringVar(&name, "name", "", "what the token is for: its `NAME`")
	cmd.Flags().StringVar(&expires, "expires", "", "`WHEN` it expires: a duration (30d, 12h, 90m) or a date (2026-12-31 or RFC 3339); default never")
	sf = addSignInFlags(cmd.Flags())
	return cmd
}

func runTokenCreate(cmd *cobra.Command, r *remote, sf *signInFlags, name, expires string) error {
	if strings.TrimSpace(name) == "" {
		return usagef("--name is required (see twofold token --help)")
	}
	req := wire.CreateAppTokenRequest{Name: name}
	if expires != "" {
		at, err := parseExpiry(expires, time.Now())
		if err != nil {
			return usagef("--expires %q: %v", expires, err)
		}
		at = at.UTC().Truncate(time.Second)
		req.ExpiresAt = &at
	}
	c, err := r.sessionClient()
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	if _, err := signInForToken(ctx, r.e, c, sf); err != nil {
		return err
	}
	ct, err := c.CreateAppToken(ctx, req)
	_ = c.SignOut(ctx)
	if err != nil {
		return err
	}
	return r.output.print(r.e.stdout, ct, func(w io.Writer) {
		fmt.Fprintf(w, "Token %q (%s), expires %s.\nCopy it now, it is not shown again:\n%s\n", ct.Token.Name, ct.Token.ID, when(ct.Token.ExpiresAt), ct.Secret)
	})
}

func runTokenRevoke(cmd *cobra.Command, r *remote, id string) error {
	c, err := r.tokenClient()
	if err != nil {
		return err
	}
	if err := c.RevokeAppToken(cmd.Context(), id); err != nil {
		return err
	}
	fmt.Fprintf(r.e.stdout, "Revoked %s.\n", id)
	return nil
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
