package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/twofold-auth/twofold/server/api/client"
	"github.com/twofold-auth/twofold/server/api/wire"
)

// The MFA policy: Reset MFA for one user, and the organisation's
// requirement (on for everyone or for groups, off with an emailed code).

func adminMFACmd(r *remote) *cobra.Command {
	cmd := subgroup(r, "mfa", "reset a user's MFA (a lost or replaced phone)",
		`  twofold admin mfa reset --user-id bob@example.com --reason "lost phone"`)
	var ref, reason string
	var force *bool
	reset := &cobra.Command{
		Use:   "reset --user-id USER --reason TEXT",
		Short: "remove a user's authenticators, recovery codes, trusted browsers, tokens and sessions, after asking",
		Args:  noArgs("every value goes with a flag"),
		RunE:  func(cmd *cobra.Command, _ []string) error { return runMFAReset(cmd.Context(), r, ref, reason, *force) },
	}
	reset.Flags().StringVar(&ref, "user-id", "", "the `USER`: a user id or an email address (required)")
	reset.Flags().StringVar(&reason, "reason", "", "why (`TEXT`, at most 200 characters; it goes to the audit log and the user's email) (required)")
	force = addForceFlag(reset.Flags())
	cmd.AddCommand(reset)
	return cmd
}

func runMFAReset(ctx context.Context, r *remote, ref, reason string, force bool) error {
	if ref == "" || strings.TrimSpace(reason) == "" {
		return usagef("give --user-id USER and --reason TEXT (see twofold admin mfa reset --help)")
	}
	c, err := r.tokenClient()
	if err != nil {
		return err
	}
	u, err := findUser(ctx, c, ref)
	if err != nil {
		return err
	}
	err = confirm(r.e, force, confirmation{action: "reset the MFA of " + u.Email, details: []string{
		"Every authenticator, recovery code, push registration, trusted browser, application token and session of " + u.Email +
			" is removed; they set up an authenticator again at their next sign-in, and get an email saying so."}})
	if err != nil {
		return err
	}
	if err := c.ResetMFA(ctx, u.ID, reason); err != nil {
		return err
	}
	fmt.Fprintf(r.e.stdout, "Reset the MFA of %s (%s). They set up an authenticator at their next sign-in.\n", u.Email, u.ID)
	return nil
}

func orgMFACmd(r *remote) *cobra.Command {
	cmd := subgroup(r, "org-mfa", "require MFA of everyone or of groups, turn that off, see the policy",
		`  twofold admin org-mfa status
  twofold admin org-mfa enable --scope everyone --invalidate-sessions
  twofold admin org-mfa enable --scope group:pilot,group:ops --keep-sessions
  twofold admin org-mfa disable`)
	cmd.AddCommand(orgMFAEnableCmd(r), orgMFADisableCmd(r), &cobra.Command{
		Use: "status", Short: "the organisation's MFA requirement and settings",
		Args: noArgs("status takes no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error { return runOrgMFAStatus(cmd.Context(), r) },
	})
	return cmd
}

// policy is what org-mfa status prints: the organisation and the groups
// its requirement covers when it is by group.
type policy struct {
	Organisation   wire.Organisation `json:"organisation"`
	RequiredGroups []string          `json:"required_groups"`
}

func runOrgMFAStatus(ctx context.Context, r *remote) error {
	c, err := r.tokenClient()
	if err != nil {
		return err
	}
	o, err := c.AdminOrg(ctx)
	if err != nil {
		return err
	}
	p := policy{Organisation: o, RequiredGroups: []string{}}
	gs, err := c.Groups(ctx)
	if err != nil {
		return err
	}
	for _, g := range gs.Groups {
		if g.RequireMFA {
			p.RequiredGroups = append(p.RequiredGroups, g.Name)
		}
	}
	return r.output.print(r.e.stdout, p, func(w io.Writer) {
		required := map[string]string{"off": "off", "everyone": "of everyone",
			"groups": "of the members of " + strings.Join(p.RequiredGroups, ", ")}[o.RequireMFA]
		trust, mail, signup := "off", "not sent: no SMTP server is configured, mail stays in the development outbox (twofold admin outbox list)", "closed (invitations only)"
		if o.TrustDays > 0 {
			trust = fmt.Sprintf("%d days", o.TrustDays)
		}
		if o.SMTPConfigured {
			mail = "sent by SMTP"
		}
		if o.OpenSignup {
			signup = "open"
		}
		table(w, []string{"SETTING", "VALUE"}, [][]string{{"Organisation", o.Name + " (" + o.Slug + ")"},
			{"MFA required", firstNonEmpty(required, o.RequireMFA)}, {"Trusted browsers", trust}, {"Sign-up", signup}, {"Mail", mail}})
	})
}

func orgMFAEnableCmd(r *remote) *cobra.Command {
	var scope string
	var signOut, keep bool
	var force *bool
	cmd := &cobra.Command{
		Use:   "enable --scope everyone|group:NAME[,group:NAME] (--invalidate-sessions | --keep-sessions)",
		Short: "require MFA of everyone or of groups (asks first when it signs people out)",
		Long: `Requires MFA of everyone in the organisation, or of the members of the
groups named. Users it covers who have no authenticator must set one up
right after their password, before anything else. Say what happens to the
sessions signed in now, as the console's dialog asks:
--invalidate-sessions signs every affected session out at once (yours
excepted), --keep-sessions leaves them signed in until they expire, but
sends an unenrolled user to set up an authenticator at their next request.
You must have an authenticator yourself first. Under group scope, the groups
named become the required ones and the others stop being required.`,
		Args: noArgs("every value goes with a flag"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runOrgMFAEnable(cmd.Context(), r, scope, signOut, keep, *force)
		},
	}
	cmd.Flags().StringVar(&scope, "scope", "", "the `SCOPE`, who must use MFA: everyone, or group:NAME (several separated by commas) (required)")
	cmd.Flags().BoolVar(&signOut, "invalidate-sessions", false, "sign every affected session out now")
	cmd.Flags().BoolVar(&keep, "keep-sessions", false, "keep sessions signed in; unenrolled users are sent to enrollment at their next request")
	force = addForceFlag(cmd.Flags())
	return cmd
}

// parseScope reads --scope: everyone, or group:NAME[,group:NAME...].
func parseScope(s string) (everyone bool, groups []string, err error) {
	if s == "everyone" {
		return true, nil, nil
	}
	for _, part := range strings.Split(s, ",") {
		name, ok := strings.CutPrefix(strings.TrimSpace(part), "group:")
		if !ok || strings.TrimSpace(name) == "" {
			return false, nil, usagef("--scope %q: want everyone, or group:NAME (several separated by commas)", s)
		}
		groups = append(groups, strings.TrimSpace(name))
	}
	return false, groups, nil
}

func runOrgMFAEnable(ctx context.Context, r *remote, scope string, signOut, keep, force bool) error {
	everyone, names, err := parseScope(scope)
	if err != nil {
		return err
	}
	if signOut == keep {
		return usagef("give --invalidate-sessions (sign affected sessions out now) or --keep-sessions, exactly one")
	}
	c, err := r.tokenClient()
	if err != nil {
		return err
	}
	req := wire.RequirementRequest{Scope: "everyone", Sessions: "keep"}
	who := "everyone"
	if !everyone {
		req.Scope, who = "groups", "the members of "+strings.Join(names, ", ")
		for _, n := range names {
			g, err := findGroup(ctx, c, n)
			if err != nil {
				return err
			}
			req.GroupIDs = append(req.GroupIDs, g.ID)
		}
	}
	if signOut {
		req.Sessions = "sign_out"
		err := confirm(r.e, force, confirmation{action: "require MFA of " + who + " and sign their sessions out",
			details: []string{"Every signed-in session of the users this covers ends now (yours excepted); they sign in again, and those without an authenticator set one up first."}})
		if err != nil {
			return err
		}
	}
	res, err := c.RequireMFA(ctx, req)
	if err != nil {
		return err
	}
	return r.output.print(r.e.stdout, res, func(w io.Writer) {
		fmt.Fprintf(w, "MFA is now required of %s (%d users).\n", who, res.AffectedUsers)
		if signOut {
			fmt.Fprintf(w, "Signed out %d sessions.\n", res.SessionsChanged)
		} else {
			fmt.Fprintf(w, "Sessions stay signed in; %d of them belong to users without an authenticator, who are sent to set one up at their next request.\n", res.SessionsChanged)
		}
	})
}

func orgMFADisableCmd(r *remote) *cobra.Command {
	var code string
	cmd := &cobra.Command{
		Use:   "disable [--code CODE]",
		Short: "turn the MFA requirement off, confirmed with a code sent to your email",
		Long: `Turning the requirement off is confirmed with a 6-digit code the server
emails you: it works once, for 5 minutes. Without --code this sends a new
code (each attempt does, and the earlier one stops working) and, on a
terminal, asks for it. In a script, run it once to send the code, then
again with --code CODE. When the server sends no mail (no SMTP server), the
code is in the development outbox: twofold admin outbox list.`,
		Example: `  twofold admin org-mfa disable
  twofold admin org-mfa disable --code 123456`,
		Args: noArgs("disable takes no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error { return runOrgMFADisable(cmd.Context(), r, code) },
	}
	cmd.Flags().StringVar(&code, "code", "", "the `CODE` emailed to you by an earlier 'disable' (scripts)")
	return cmd
}

func runOrgMFADisable(ctx context.Context, r *remote, code string) error {
	c, err := r.tokenClient()
	if err != nil {
		return err
	}
	if code == "" {
		if code, err = sendOffCode(ctx, r, c); err != nil || code == "" {
			return err
		}
	}
	err = c.RequirementOff(ctx, strings.TrimSpace(code))
	if client.IsCode(err, "email_code_failed") {
		return failf("that code was not accepted (wrong, used, or older than 5 minutes); the requirement stays on. Run 'twofold admin org-mfa disable' again: it sends a new code")
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(r.e.stdout, "The MFA requirement is off. Users who had been sent to set up an authenticator can carry on without one.")
	return nil
}

// sendOffCode has the code mailed and, at a terminal, asks for it; where
// nobody can answer it says how to finish and returns no code.
func sendOffCode(ctx context.Context, r *remote, c *client.Client) (string, error) {
	sent, err := c.SendRequirementOffCode(ctx)
	if err != nil {
		return "", err
	}
	fmt.Fprintf(r.e.stderr, "Sent a new code to %s: it works once, for %d minutes (each attempt sends a new code; the earlier one stops working).\n",
		sent.SentTo, sent.ExpiresInSeconds/60)
	if o, err := c.AdminOrg(ctx); err == nil && !o.SMTPConfigured {
		fmt.Fprintln(r.e.stderr, "This server sends no mail (no SMTP server): the code is in the development outbox, see 'twofold admin outbox list'.")
	}
	if !r.e.interactive {
		fmt.Fprintln(r.e.stdout, "The requirement stays on until you confirm: twofold admin org-mfa disable --code CODE")
		return "", nil
	}
	code, err := promptLine(r.e, "Code from the email: ")
	if err != nil {
		return "", usagef("no code given (%v); the requirement stays on", err)
	}
	if strings.TrimSpace(code) == "" {
		return "", usagef("no code given; the requirement stays on")
	}
	return code, nil
}
