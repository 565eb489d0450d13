package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/twofold-auth/twofold/server/api/client"
	"github.com/twofold-auth/twofold/server/api/wire"
)

// The organisation's records: its audit log and the mail the server sent.

// auditFormat is audit list's -o: table, json, or csv (every page).
type auditFormat string

func (o *auditFormat) String() string { return string(*o) }
func (o *auditFormat) Type() string   { return "table|json|csv" }
func (o *auditFormat) Set(s string) error {
	if s != "table" && s != "json" && s != "csv" {
		return errors.New("want table, json or csv")
	}
	*o = auditFormat(s)
	return nil
}

func auditCmd(r *remote) *cobra.Command {
	cmd := subgroup(r, "audit", "read the organisation's audit log",
		`  twofold admin audit list --since 24h
  twofold admin audit list --user bob@example.com --type mfa_reset -o json
  twofold admin audit list --since 2026-01-01T00:00:00Z -o csv > audit.csv`)
	var q client.OrgAuditQuery
	var since, user string
	var limit int
	format := auditFormat("table")
	list := &cobra.Command{
		Use:   "list",
		Short: "list security events, newest first: who, whom, from where, when",
		Long: `Lists the organisation's security events, newest first, with the actor
(the admin, for admin actions), the user, the client address and user agent.
-o csv writes every matching event (all pages) for a spreadsheet; a table
or JSON shows the newest --limit of them.`,
		Args: noArgs("list takes flags only"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runAuditList(cmd.Context(), r, q, since, user, limit, format)
		},
	}
	// A local -o, which takes csv too, in place of the admin group's.
	list.Flags().VarP(&format, "output", "o", "print a table, JSON, or CSV (every page) for a spreadsheet")
	_ = list.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{"table", "json", "csv"}, cobra.ShellCompDirectiveNoFileComp))
	list.Flags().StringVar(&since, "since", "", "only events since `WHEN`: RFC 3339 (2026-03-01T00:00:00Z), a date, or a duration ago (24h, 7d)")
	list.Flags().StringVar(&user, "user", "", "only events about the `USER` (a user id or an email address)")
	list.Flags().StringVar(&q.Type, "type", "", "only events of the `TYPE` (sign_in_failure, mfa_reset, ...)")
	list.Flags().IntVar(&limit, "limit", 100, "show at most `N` events (table and JSON; 0: all)")
	cmd.AddCommand(list)
	return cmd
}

// parseSince reads --since: a duration ago (90m, 24h, 7d), a date
// (YYYY-MM-DD, its start in UTC) or an RFC 3339 time.
func parseSince(s string, now time.Time) (time.Time, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		if days, err := strconv.Atoi(n); err == nil && days > 0 {
			return now.Add(-time.Duration(days) * 24 * time.Hour), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return now.Add(-d), nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, errors.New("want a duration ago (24h, 7d), a date (2026-03-01) or an RFC 3339 time")
}

func runAuditList(ctx context.Context, r *remote, q client.OrgAuditQuery, since, user string, limit int, format auditFormat) error {
	if since != "" {
		t, err := parseSince(since, time.Now())
		if err != nil {
			return usagef("--since %q: %v", since, err)
		}
		q.Since = t
	}
	if limit < 0 {
		return usagef("--limit %d: want 0 (all) or more", limit)
	}
	c, err := r.tokenClient()
	if err != nil {
		return err
	}
	if user != "" {
		u, err := findUser(ctx, c, user)
		if err != nil {
			return err
		}
		q.UserID = u.ID
	}
	if format == "csv" {
		return c.OrgAuditCSV(ctx, q, r.e.stdout)
	}
	out := wire.OrgAuditList{Events: []wire.OrgAuditEvent{}}
	for {
		q.Limit = 200 // the server's largest page
		if limit > 0 {
			q.Limit = min(q.Limit, limit-len(out.Events))
		}
		page, err := c.OrgAuditEvents(ctx, q)
		if err != nil {
			return err
		}
		out.Events = append(out.Events, page.Events...)
		out.NextBefore = page.NextBefore
		if page.NextBefore == nil || limit > 0 && len(out.Events) >= limit {
			break
		}
		q.Before = *page.NextBefore
	}
	o := outputFormat(format)
	return o.print(r.e.stdout, out, func(w io.Writer) { auditTable(w, out.Events) })
}

func auditTable(w io.Writer, events []wire.OrgAuditEvent) {
	rows := make([][]string, len(events))
	for i, ev := range events {
		at := ev.At
		rows[i] = []string{when(&at), ev.Type, firstNonEmpty(ev.UserEmail, "-"), firstNonEmpty(ev.ActorEmail, "-"),
			firstNonEmpty(ev.ClientAddr, "-"), firstNonEmpty(ev.Detail, "-")}
	}
	table(w, []string{"TIME", "TYPE", "USER", "ACTOR", "FROM", "DETAIL"}, rows)
}

func outboxCmd(r *remote) *cobra.Command {
	cmd := subgroup(r, "outbox", "read the mail the server sent (or kept, when it sends none)",
		`  twofold admin outbox list`)
	cmd.AddCommand(&cobra.Command{
		Use:   "list",
		Short: "list the organisation's mail, newest first, with each message",
		Long: `Lists the mail the server wrote for your organisation, newest first, each
message in full. With no SMTP server configured (the 'make run' default) this
development outbox is where mail stays, and nothing is sent: the list says
so first.`,
		Args: noArgs("list takes no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return show(cmd.Context(), r, (*client.Client).Outbox, outboxText)
		},
	})
	return cmd
}

func outboxText(w io.Writer, out wire.Outbox) {
	if !out.SMTPConfigured {
		fmt.Fprintln(w, "Mail is not being sent: no SMTP server is configured, so messages stay in this development outbox.")
	}
	if len(out.Mails) == 0 {
		fmt.Fprintln(w, "No mail yet.")
		return
	}
	for _, m := range out.Mails {
		state := "not sent"
		switch {
		case m.SentAt != nil:
			state = "sent " + when(m.SentAt)
		case m.Error != "":
			state = "not sent: " + m.Error
		}
		created := m.CreatedAt
		fmt.Fprintf(w, "\n#%d  %s  to %s  (%s)\nSubject: %s\n\n", m.ID, when(&created), m.To, state, m.Subject)
		for _, line := range strings.Split(strings.TrimRight(m.Body, "\n"), "\n") {
			fmt.Fprintln(w, "    "+line)
		}
	}
}
