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

// twofold admin: an organisation's administration over /api/v1/admin, as
// the cloud CLIs do it. Every verb uses the application token; the server
// lets it through only for an admin whose token was made with a second
// factor (twofold login with a code). This file holds the command table,
// what the verbs share (finding a user by id or email, a group by name)
// and the users verbs; admin_policy.go, admin_groups.go and admin_audit.go
// the others.

func adminCmd(e *env) *cobra.Command {
	cmd, r := serverGroup(e, "admin", "administer your organisation: users, the MFA requirement, groups, audit, mail",
		`For admins of an organisation: list users and their MFA status, invite,
promote and demote, exempt a service account, reset a user's MFA, require
MFA of everyone or of groups (and turn that off with a code sent by email),
read the audit log and the mail the server sent. Every verb uses your
application token, which must have been made with a second factor: run
'twofold login' and enter a code from your authenticator. A USER is a user
id (usr_...) or an email address; a group is named by its name. Verbs that
destroy or take away ask first on a terminal; scripts give --force.`,
		`  twofold admin users list --mfa-status not-enrolled
  twofold admin users invite carol@example.com --role member
  twofold admin mfa reset --user-id bob@example.com --reason "lost phone"
  twofold admin org-mfa enable --scope group:pilot --keep-sessions
  twofold admin org-mfa disable
  twofold admin audit list --since 24h -o csv > audit.csv`)
	cmd.AddCommand(adminUsersCmd(r), adminMFACmd(r), orgMFACmd(r), auditCmd(r), groupsCmd(r), outboxCmd(r))
	return cmd
}

// subgroup is a group of admin verbs (users, groups, ...): they inherit
// the admin group's --url, --token and -o.
func subgroup(r *remote, name, short, example string) *cobra.Command {
	cmd := group(r.e, name, short, "", example)
	cmd.Long = strings.ToUpper(short[:1]) + short[1:] + "."
	return cmd
}

func adminUsersCmd(r *remote) *cobra.Command {
	cmd := subgroup(r, "users", "list, inspect, invite, promote and exempt your organisation's users",
		`  twofold admin users list --group pilot -o json
  twofold admin users get bob@example.com
  twofold admin users set-role bob@example.com --role admin
  twofold admin users exempt backup-bot@example.com --reason "service account"`)
	cmd.AddCommand(usersListCmd(r), &cobra.Command{
		Use: "get USER", Short: "show a user, their groups, MFA status and devices",
		Args: exactArgs(1, "give one USER: a user id or an email address"),
		RunE: func(cmd *cobra.Command, args []string) error { return runUsersGet(cmd.Context(), r, args[0]) },
	}, usersInviteCmd(r), usersSetRoleCmd(r), usersExemptCmd(r))
	return cmd
}

// mfaStatuses are the users page's statuses, as the server names them and
// as people read them.
var mfaStatuses = map[string]string{"enrolled": "Enrolled", "not-enrolled": "Not Enrolled", "exempt": "Exempt"}

func mfaStatusText(s string) string { return firstNonEmpty(mfaStatuses[s], s) }

// findUser is a user of the admin's organisation, by id or email address.
func findUser(ctx context.Context, c *client.Client, ref string) (wire.OrgUser, error) {
	ref = strings.TrimSpace(ref)
	if !strings.Contains(ref, "@") {
		d, err := c.AdminUser(ctx, ref)
		return d.User, err
	}
	list, err := c.AdminUsers(ctx, client.UserQuery{Search: strings.ToLower(ref), Limit: 500})
	if err != nil {
		return wire.OrgUser{}, err
	}
	for _, u := range list.Users {
		if strings.EqualFold(u.Email, ref) {
			return u, nil
		}
	}
	return wire.OrgUser{}, failf("no user %s in your organisation (see twofold admin users list)", ref)
}

// findGroup is a group of the admin's organisation, by name.
func findGroup(ctx context.Context, c *client.Client, name string) (wire.Group, error) {
	list, err := c.Groups(ctx)
	if err != nil {
		return wire.Group{}, err
	}
	for _, g := range list.Groups {
		if g.Name == name {
			return g, nil
		}
	}
	return wire.Group{}, failf("no group named %q in your organisation (see twofold admin groups list)", name)
}

func usersListCmd(r *remote) *cobra.Command {
	var q client.UserQuery
	var groupName string
	cmd := &cobra.Command{
		Use: "list", Short: "list the users (every page), filtered by MFA status, group or email",
		Args: noArgs("list takes flags only"),
		RunE: func(cmd *cobra.Command, _ []string) error { return runUsersList(cmd.Context(), r, q, groupName) },
	}
	cmd.Flags().StringVar(&q.Status, "mfa-status", "", "only users whose MFA `STATUS` is enrolled, not-enrolled or exempt")
	cmd.Flags().StringVar(&groupName, "group", "", "only the members of the group `NAME`")
	cmd.Flags().StringVar(&q.Search, "search", "", "only users whose email contains `TEXT`")
	_ = cmd.RegisterFlagCompletionFunc("mfa-status", cobra.FixedCompletions([]string{"enrolled", "not-enrolled", "exempt"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func runUsersList(ctx context.Context, r *remote, q client.UserQuery, groupName string) error {
	if _, ok := mfaStatuses[q.Status]; q.Status != "" && !ok {
		return usagef("--mfa-status %q: want enrolled, not-enrolled or exempt", q.Status)
	}
	c, err := r.tokenClient()
	if err != nil {
		return err
	}
	if groupName != "" {
		g, err := findGroup(ctx, c, groupName)
		if err != nil {
			return err
		}
		q.GroupID = g.ID
	}
	all := wire.OrgUserList{Users: []wire.OrgUser{}}
	q.Limit = 500 // the server's largest page
	for {
		page, err := c.AdminUsers(ctx, q)
		if err != nil {
			return err
		}
		all.Users, all.Total = append(all.Users, page.Users...), page.Total
		if len(page.Users) == 0 || len(all.Users) >= page.Total {
			break
		}
		q.Offset = len(all.Users)
	}
	return r.output.print(r.e.stdout, all, func(w io.Writer) { usersTable(w, all.Users) })
}

func usersTable(w io.Writer, users []wire.OrgUser) {
	rows := make([][]string, len(users))
	for i, u := range users {
		rows[i] = []string{u.ID, u.Email, u.Role, firstNonEmpty(strings.Join(u.Groups, ", "), "-"), mfaStatusText(u.MFAStatus), when(u.LastSignInAt)}
	}
	table(w, []string{"ID", "EMAIL", "ROLE", "GROUPS", "MFA STATUS", "LAST SIGN-IN"}, rows)
}

func runUsersGet(ctx context.Context, r *remote, ref string) error {
	c, err := r.tokenClient()
	if err != nil {
		return err
	}
	u, err := findUser(ctx, c, ref)
	if err != nil {
		return err
	}
	d, err := c.AdminUser(ctx, u.ID)
	if err != nil {
		return err
	}
	return r.output.print(r.e.stdout, d, func(w io.Writer) {
		u := d.User
		status := mfaStatusText(u.MFAStatus)
		if u.ExemptReason != "" {
			status += " (" + u.ExemptReason + ")"
		}
		table(w, []string{"FIELD", "VALUE"}, [][]string{{"ID", u.ID}, {"Email", u.Email}, {"Role", u.Role},
			{"Groups", firstNonEmpty(strings.Join(u.Groups, ", "), "-")}, {"MFA status", status},
			{"Created", when(&u.CreatedAt)}, {"Last sign-in", when(u.LastSignInAt)}})
		if len(d.Devices) == 0 {
			fmt.Fprintln(w, "\nNo TOTP devices.")
			return
		}
		fmt.Fprintln(w)
		devicesTable(w, wire.DeviceList{Devices: d.Devices})
	})
}

// checkRole checks a --role value.
func checkRole(role string) error {
	if role != "member" && role != "admin" {
		return usagef("--role %q: want member or admin", role)
	}
	return nil
}

func usersInviteCmd(r *remote) *cobra.Command {
	var role string
	cmd := &cobra.Command{
		Use: "invite EMAIL", Short: "invite someone by email and print the link (it works once, for 7 days)",
		Args: exactArgs(1, "give one EMAIL address to invite"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkRole(role); err != nil {
				return err
			}
			c, err := r.tokenClient()
			if err != nil {
				return err
			}
			inv, err := c.Invite(cmd.Context(), wire.InvitationRequest{Email: args[0], Role: role})
			if err != nil {
				return err
			}
			return r.output.print(r.e.stdout, inv, func(w io.Writer) {
				fmt.Fprintf(w, "Invited %s as %s. The link works once, until %s; it was mailed to them too:\n%s\n",
					inv.Invitation.Email, inv.Invitation.Role, when(&inv.Invitation.ExpiresAt), inv.Link)
			})
		},
	}
	cmd.Flags().StringVar(&role, "role", "member", "their `ROLE` once they sign up: member or admin")
	completeRole(cmd)
	return cmd
}

func completeRole(cmd *cobra.Command) {
	_ = cmd.RegisterFlagCompletionFunc("role", cobra.FixedCompletions([]string{"member", "admin"}, cobra.ShellCompDirectiveNoFileComp))
}

func usersSetRoleCmd(r *remote) *cobra.Command {
	var role string
	var force *bool
	cmd := &cobra.Command{
		Use: "set-role USER --role member|admin", Short: "promote a user to admin or demote one to member (asks before demoting)",
		Args: exactArgs(1, "give one USER: a user id or an email address"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runSetRole(cmd.Context(), r, args[0], role, *force)
		},
	}
	cmd.Flags().StringVar(&role, "role", "", "the new `ROLE`: member or admin (required)")
	force = addForceFlag(cmd.Flags())
	completeRole(cmd)
	return cmd
}

func runSetRole(ctx context.Context, r *remote, ref, role string, force bool) error {
	if err := checkRole(role); err != nil {
		return err
	}
	c, err := r.tokenClient()
	if err != nil {
		return err
	}
	u, err := findUser(ctx, c, ref)
	if err != nil {
		return err
	}
	if u.Role == "admin" && role == "member" {
		err := confirm(r.e, force, confirmation{action: "demote " + u.Email + " from admin to member",
			details: []string{u.Email + " will no longer administer the organisation (if that is you, this token stops working here at once)."}})
		if err != nil {
			return err
		}
	}
	out, err := c.UpdateUser(ctx, u.ID, wire.UserUpdate{Role: &role})
	if err != nil {
		return err
	}
	return r.output.print(r.e.stdout, out, func(w io.Writer) { fmt.Fprintf(w, "%s is now %s %s.\n", out.Email, article(out.Role), out.Role) })
}

func article(role string) string {
	if role == "admin" {
		return "an"
	}
	return "a"
}

func usersExemptCmd(r *remote) *cobra.Command {
	var reason string
	var clear bool
	cmd := &cobra.Command{
		Use: "exempt USER (--reason TEXT | --clear)", Short: "exempt a service or break-glass account from the MFA requirement, or end that",
		Args: exactArgs(1, "give one USER: a user id or an email address"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if (reason == "") == !clear {
				return usagef("give --reason TEXT (why the account is exempt, for the audit log) or --clear, one of the two")
			}
			c, err := r.tokenClient()
			if err != nil {
				return err
			}
			u, err := findUser(cmd.Context(), c, args[0])
			if err != nil {
				return err
			}
			exempt := !clear
			out, err := c.UpdateUser(cmd.Context(), u.ID, wire.UserUpdate{Exempt: &exempt, ExemptReason: reason})
			if err != nil {
				return err
			}
			return r.output.print(r.e.stdout, out, func(w io.Writer) {
				if exempt {
					fmt.Fprintf(w, "%s is exempt from the MFA requirement (%s).\n", out.Email, out.ExemptReason)
				} else {
					fmt.Fprintf(w, "%s is no longer exempt; MFA status: %s.\n", out.Email, mfaStatusText(out.MFAStatus))
				}
			})
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why the account is exempt (`TEXT`, at most 200 characters; it goes to the audit log)")
	cmd.Flags().BoolVar(&clear, "clear", false, "end the exemption: the requirement applies again")
	return cmd
}
