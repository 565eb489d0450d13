package storetest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/twofold-auth/twofold/server/store"
)

func seedOrg(t testing.TB, s store.Store, id, slug string) {
	t.Helper()
	Update(t, s, func(tx store.Tx) error {
		return tx.CreateOrganisation(ctx, store.Organisation{ID: id, Slug: slug, Name: slug, CreatedAt: T0, TrustDays: 30})
	})
}

func seedMember(t testing.TB, s store.Store, orgID, id string, role store.Role) {
	t.Helper()
	Update(t, s, func(tx store.Tx) error {
		return tx.CreateUser(ctx, store.User{ID: id, Email: id + "@example.com", PasswordHash: "x", CreatedAt: T0, OrgID: orgID, Role: role})
	})
}

// The default organisation exists from the start; users join it unless
// told otherwise; organisations are found by id and slug.
func testOrganisations(t *testing.T, s store.Store) {
	def, err := s.Organisation(ctx, store.DefaultOrgID)
	if err != nil || def.Slug != "default" || !def.OpenSignup || def.RequireMFA != store.RequireOff {
		t.Fatalf("default organisation %+v %v", def, err)
	}
	SeedUser(t, s, "usr_a")
	if u, _ := s.UserByID(ctx, "usr_a"); u.OrgID != store.DefaultOrgID || u.Role != store.RoleMember {
		t.Fatalf("user's organisation and role %+v", u)
	}
	seedOrg(t, s, "org_acme", "acme")
	if err := s.Update(ctx, func(tx store.Tx) error {
		return tx.CreateOrganisation(ctx, store.Organisation{ID: "org_x", Slug: "acme", Name: "x", CreatedAt: T0})
	}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("taken slug: %v", err)
	}
	o, err := s.OrganisationBySlug(ctx, "acme")
	if err != nil || o.ID != "org_acme" || o.TrustDays != 30 {
		t.Fatalf("by slug %+v %v", o, err)
	}
	o.RequireMFA, o.TrustDays, o.OpenSignup, o.Name = store.RequireGroups, 7, true, "Acme Inc."
	Update(t, s, func(tx store.Tx) error { return tx.UpdateOrganisation(ctx, o) })
	if got, _ := s.Organisation(ctx, "org_acme"); got != o {
		t.Fatalf("updated %+v, want %+v", got, o)
	}
	if all, _ := s.Organisations(ctx); len(all) != 2 {
		t.Fatalf("organisations %+v", all)
	}
	if _, err := s.Organisation(ctx, "org_none"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing: %v", err)
	}
}

// seedOrgUsers makes two organisations: acme with ann (admin, enrolled,
// signed in), bob (pending device), cat and dan (exempt), in groups
// engineering (required: ann, bob) and ops (ann); other with eve.
func seedOrgUsers(t *testing.T, s store.Store) {
	seedOrg(t, s, "org_acme", "acme")
	seedOrg(t, s, "org_other", "other")
	for _, id := range []string{"usr_ann", "usr_bob", "usr_cat", "usr_dan"} {
		seedMember(t, s, "org_acme", id, store.RoleMember)
	}
	seedMember(t, s, "org_other", "usr_eve", store.RoleAdmin)
	SeedDevice(t, s, "usr_ann", "dev_ann", store.DeviceActive)
	SeedDevice(t, s, "usr_bob", "dev_bob", store.DevicePending)
	Update(t, s, func(tx store.Tx) error { return tx.SetExempt(ctx, "usr_dan", "break-glass account") })
	Update(t, s, func(tx store.Tx) error { return tx.SetRole(ctx, "usr_ann", store.RoleAdmin) })
	Update(t, s, func(tx store.Tx) error { return tx.SetLastSignIn(ctx, "usr_ann", T0.Add(time.Hour)) })
	for _, g := range []store.Group{{ID: "grp_eng", OrgID: "org_acme", Name: "engineering", CreatedAt: T0, RequireMFA: true},
		{ID: "grp_ops", OrgID: "org_acme", Name: "ops", CreatedAt: T0}} {
		Update(t, s, func(tx store.Tx) error { return tx.CreateGroup(ctx, g) })
	}
	if err := s.Update(ctx, func(tx store.Tx) error {
		return tx.CreateGroup(ctx, store.Group{ID: "grp_dup", OrgID: "org_acme", Name: "ops", CreatedAt: T0})
	}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("taken group name: %v", err)
	}
	for _, m := range [][2]string{{"grp_eng", "usr_ann"}, {"grp_eng", "usr_bob"}, {"grp_ops", "usr_ann"}} {
		Update(t, s, func(tx store.Tx) error { return tx.AddGroupMember(ctx, m[0], m[1]) })
	}
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.AddGroupMember(ctx, "grp_eng", "usr_ann") }); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("member twice: %v", err)
	}
}

// Users list per organisation with their MFA status and groups, filtered
// and paged; roles, exemptions and admin counts stay in their organisation.
func testOrgUsers(t *testing.T, s store.Store) {
	seedOrgUsers(t, s)
	ids := func(rows []store.UserRow) []string {
		var out []string
		for _, r := range rows {
			out = append(out, r.User.ID)
		}
		return out
	}
	for name, tc := range map[string]struct {
		f     store.UserFilter
		want  []string
		total int
	}{
		"all":          {store.UserFilter{}, []string{"usr_ann", "usr_bob", "usr_cat", "usr_dan"}, 4},
		"enrolled":     {store.UserFilter{Status: "enrolled"}, []string{"usr_ann"}, 1},
		"not enrolled": {store.UserFilter{Status: "not-enrolled"}, []string{"usr_bob", "usr_cat"}, 2},
		"exempt":       {store.UserFilter{Status: "exempt"}, []string{"usr_dan"}, 1},
		"group":        {store.UserFilter{GroupID: "grp_eng"}, []string{"usr_ann", "usr_bob"}, 2},
		"query":        {store.UserFilter{Query: "B"}, []string{"usr_bob"}, 1},
		"page":         {store.UserFilter{Offset: 1, Limit: 2}, []string{"usr_bob", "usr_cat"}, 4},
	} {
		rows, total, err := s.OrgUsers(ctx, "org_acme", tc.f)
		if err != nil || !slices.Equal(ids(rows), tc.want) || total != tc.total {
			t.Errorf("%s: %v (total %d) %v, want %v (%d)", name, ids(rows), total, err, tc.want, tc.total)
		}
	}
	rows, _, _ := s.OrgUsers(ctx, "org_acme", store.UserFilter{Query: "ann"})
	if len(rows) != 1 || !rows[0].MFAEnrolled || !slices.Equal(rows[0].Groups, []string{"engineering", "ops"}) ||
		rows[0].User.Role != store.RoleAdmin || rows[0].User.PasswordHash != "" || !rows[0].User.LastSignInAt.Equal(T0.Add(time.Hour)) {
		t.Fatalf("row %+v", rows)
	}
	if rows, _, _ := s.OrgUsers(ctx, "org_acme", store.UserFilter{Query: "dan"}); rows[0].User.ExemptReason != "break-glass account" {
		t.Fatalf("exempt reason %+v", rows[0].User)
	}
	if rows, _, _ := s.OrgUsers(ctx, "org_other", store.UserFilter{}); len(rows) != 1 || rows[0].User.ID != "usr_eve" {
		t.Fatalf("other organisation's users %v", ids(rows))
	}
	if n, _ := s.CountAdmins(ctx, "org_acme"); n != 1 {
		t.Fatalf("admins %d", n)
	}
}

// Groups stay in their organisation; membership, the required mark,
// exemptions, the obligation to enroll and session stages change per
// user.
func testGroupsAndUserFlags(t *testing.T, s store.Store) {
	seedOrgUsers(t, s)
	gs, _ := s.Groups(ctx, "org_acme")
	if len(gs) != 2 || gs[0].Name != "engineering" || gs[0].Members != 2 || !gs[0].RequireMFA || gs[1].RequireMFA {
		t.Fatalf("groups %+v", gs)
	}
	if _, err := s.Group(ctx, "org_other", "grp_eng"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("another organisation's group: %v", err)
	}
	if ug, _ := s.UserGroups(ctx, "usr_ann"); len(ug) != 2 {
		t.Fatalf("user's groups %+v", ug)
	}
	if m, _ := s.GroupMembers(ctx, "grp_eng"); !slices.Equal(m, []string{"usr_ann", "usr_bob"}) {
		t.Fatalf("members %v", m)
	}
	Update(t, s, func(tx store.Tx) error { return tx.SetGroupRequired(ctx, "org_acme", "grp_ops", true) })
	Update(t, s, func(tx store.Tx) error { return tx.RemoveGroupMember(ctx, "grp_eng", "usr_bob") })
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.DeleteGroup(ctx, "org_other", "grp_ops") }); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("delete another organisation's group: %v", err)
	}
	Update(t, s, func(tx store.Tx) error { return tx.DeleteGroup(ctx, "org_acme", "grp_ops") })
	if ug, _ := s.UserGroups(ctx, "usr_ann"); len(ug) != 1 || ug[0].ID != "grp_eng" {
		t.Fatalf("after delete %+v", ug)
	}
	Update(t, s, func(tx store.Tx) error { return tx.SetExempt(ctx, "usr_dan", "") })
	if u, _ := s.UserByID(ctx, "usr_dan"); u.ExemptReason != "" {
		t.Fatalf("exemption not cleared %+v", u)
	}
	Update(t, s, func(tx store.Tx) error { return tx.SetMustEnroll(ctx, "usr_dan", true) })
	if u, _ := s.UserByID(ctx, "usr_dan"); !u.MustEnroll {
		t.Fatalf("must enroll not set %+v", u)
	}
	if rows, _, _ := s.OrgUsers(ctx, "org_acme", store.UserFilter{Query: "dan"}); !rows[0].User.MustEnroll {
		t.Fatalf("must enroll not listed %+v", rows[0].User)
	}
	Update(t, s, func(tx store.Tx) error { return tx.SetMustEnroll(ctx, "usr_dan", false) })
	if u, _ := s.UserByID(ctx, "usr_dan"); u.MustEnroll {
		t.Fatalf("must enroll not cleared %+v", u)
	}
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.SetMustEnroll(ctx, "usr_nobody", true) }); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("must enroll of nobody: %v", err)
	}
	// Sessions move stage per user.
	SeedSession(t, s, "usr_cat", "ses_cat", false)
	Update(t, s, func(tx store.Tx) error {
		n, err := tx.SetSessionsStage(ctx, "usr_cat", store.StageFull, store.StageEnroll)
		if n != 1 {
			t.Errorf("moved %d", n)
		}
		return err
	})
	if sess, _ := s.Sessions(ctx, "usr_cat", T0); len(sess) != 1 || sess[0].Stage != store.StageEnroll {
		t.Fatalf("stage %+v", sess)
	}
}

// An invitation is single use, whatever the concurrency, and expires.
func testInvitations(t *testing.T, s store.Store) {
	seedOrg(t, s, "org_acme", "acme")
	seedMember(t, s, "org_acme", "usr_adm", store.RoleAdmin)
	inv := store.Invitation{ID: "inv_a", OrgID: "org_acme", Email: "new@example.com", Role: store.RoleMember, TokenHash: []byte("h1"),
		CreatedBy: "usr_adm", CreatedAt: T0, ExpiresAt: T0.Add(time.Hour)}
	Update(t, s, func(tx store.Tx) error { return tx.CreateInvitation(ctx, inv) })
	got, err := s.InvitationByHash(ctx, []byte("h1"))
	if err != nil || got.Email != "new@example.com" || !got.UsedAt.IsZero() || !got.ExpiresAt.Equal(T0.Add(time.Hour)) {
		t.Fatalf("invitation %+v %v", got, err)
	}
	if n := Race(t, s, 20, func(tx store.Tx, _ int) (bool, error) { return tx.UseInvitation(ctx, "inv_a", T0.Add(time.Minute)) }); n != 1 {
		t.Fatalf("invitation used %d times", n)
	}
	inv.ID, inv.TokenHash = "inv_b", []byte("h2")
	Update(t, s, func(tx store.Tx) error { return tx.CreateInvitation(ctx, inv) })
	Update(t, s, func(tx store.Tx) error {
		if ok, err := tx.UseInvitation(ctx, "inv_b", T0.Add(time.Hour)); ok || err != nil {
			t.Errorf("expired invitation used: %v %v", ok, err)
		}
		return nil
	})
	if all, _ := s.Invitations(ctx, "org_acme"); len(all) != 2 {
		t.Fatalf("invitations %+v", all)
	}
}

// An emailed code is single use whatever the concurrency, dies after its
// wrong tries, expires, and a new code voids the old.
func testEmailCodes(t *testing.T, s store.Store) {
	seedOrg(t, s, "org_acme", "acme")
	seedMember(t, s, "org_acme", "usr_adm", store.RoleAdmin)
	code := store.EmailCode{ID: "ecd_1", UserID: "usr_adm", Purpose: "mfa_off", CodeHash: []byte("c1"), CreatedAt: T0, ExpiresAt: T0.Add(5 * time.Minute)}
	Update(t, s, func(tx store.Tx) error { return tx.CreateEmailCode(ctx, code) })
	if _, err := s.EmailCode(ctx, "usr_adm", "mfa_off", T0.Add(5*time.Minute)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("expired code found: %v", err)
	}
	for i := range 3 {
		Update(t, s, func(tx store.Tx) error { return tx.FailEmailCode(ctx, "ecd_1", 3, T0) })
		c, err := s.EmailCode(ctx, "usr_adm", "mfa_off", T0)
		if i < 2 && (err != nil || c.Attempts != i+1) || i == 2 && !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("after %d wrong tries: %+v %v", i+1, c, err)
		}
	}
	code.ID, code.CreatedAt = "ecd_2", T0.Add(time.Second)
	Update(t, s, func(tx store.Tx) error { return tx.CreateEmailCode(ctx, code) })
	if n := Race(t, s, 20, func(tx store.Tx, _ int) (bool, error) { return tx.UseEmailCode(ctx, "ecd_2", T0) }); n != 1 {
		t.Fatalf("code used %d times", n)
	}
	// A used code stays used: a wrong try neither counts nor changes it,
	// and an expired code cannot be used.
	Update(t, s, func(tx store.Tx) error { return tx.FailEmailCode(ctx, "ecd_2", 1, T0.Add(time.Minute)) })
	code.ID, code.CreatedAt = "ecd_4", T0.Add(2*time.Second)
	Update(t, s, func(tx store.Tx) error { return tx.CreateEmailCode(ctx, code) })
	Update(t, s, func(tx store.Tx) error {
		if ok, err := tx.UseEmailCode(ctx, "ecd_4", T0.Add(5*time.Minute)); ok || err != nil {
			t.Errorf("expired code used: %v %v", ok, err)
		}
		return nil
	})
	code.ID = "ecd_3"
	Update(t, s, func(tx store.Tx) error { return tx.CreateEmailCode(ctx, code) })
	Update(t, s, func(tx store.Tx) error { return tx.VoidEmailCodes(ctx, "usr_adm", "mfa_off", T0) })
	if _, err := s.EmailCode(ctx, "usr_adm", "mfa_off", T0); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("voided code found: %v", err)
	}
}

func testOutbox(t *testing.T, s store.Store) {
	seedOrg(t, s, "org_acme", "acme")
	seedMember(t, s, "org_acme", "usr_a", store.RoleMember)
	var id int64
	Update(t, s, func(tx store.Tx) error {
		var err error
		id, err = tx.AddMail(ctx, store.Mail{OrgID: "org_acme", To: "a@example.com", Subject: "s", Body: "b", CreatedAt: T0})
		return err
	})
	Update(t, s, func(tx store.Tx) error { return tx.MarkMailSent(ctx, id, T0.Add(time.Second), "") })
	mails, _ := s.Outbox(ctx, "org_acme", 10)
	if len(mails) != 1 || mails[0].Subject != "s" || !mails[0].SentAt.Equal(T0.Add(time.Second)) {
		t.Fatalf("outbox %+v", mails)
	}
	if other, _ := s.Outbox(ctx, store.DefaultOrgID, 10); len(other) != 0 {
		t.Fatalf("another organisation's outbox %+v", other)
	}
}

func testTrustedBrowsers(t *testing.T, s store.Store) {
	seedOrg(t, s, "org_acme", "acme")
	seedMember(t, s, "org_acme", "usr_a", store.RoleMember)

	b := store.TrustedBrowser{ID: "tb_a", UserID: "usr_a", TokenHash: []byte("t1"), CreatedAt: T0, ExpiresAt: T0.Add(24 * time.Hour),
		LastUsedAt: T0, ClientAddr: "192.0.2.1", UserAgent: "ua"}
	Update(t, s, func(tx store.Tx) error { return tx.PutTrustedBrowser(ctx, b) })
	b.LastUsedAt = T0.Add(time.Hour)
	Update(t, s, func(tx store.Tx) error { return tx.PutTrustedBrowser(ctx, b) })
	if got, err := s.TrustedBrowserByHash(ctx, []byte("t1")); err != nil || !got.LastUsedAt.Equal(T0.Add(time.Hour)) {
		t.Fatalf("trusted %+v %v", got, err)
	}
	b.ID, b.TokenHash, b.ExpiresAt = "tb_b", []byte("t2"), T0.Add(time.Minute)
	Update(t, s, func(tx store.Tx) error { return tx.PutTrustedBrowser(ctx, b) })
	Update(t, s, func(tx store.Tx) error {
		n, err := tx.DeleteExpiredTrustedBrowsers(ctx, T0.Add(time.Minute))
		if n != 1 {
			t.Errorf("expired %d", n)
		}
		return err
	})
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.DeleteTrustedBrowser(ctx, "usr_b", "tb_a") }); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("another user's browser: %v", err)
	}
	if list, _ := s.TrustedBrowsers(ctx, "usr_a"); len(list) != 1 {
		t.Fatalf("trusted %+v", list)
	}
	Update(t, s, func(tx store.Tx) error {
		n, err := tx.DeleteTrustedBrowsers(ctx, "usr_a")
		if n != 1 {
			t.Errorf("revoked %d", n)
		}
		return err
	})
}

// An organisation's audit log holds its users' events (filed by the user's
// organisation when none is given), filtered by type, user and time.
func testOrgAudit(t *testing.T, s store.Store) {
	seedOrg(t, s, "org_acme", "acme")
	seedMember(t, s, "org_acme", "usr_a", store.RoleMember)
	for i, e := range []store.AuditEvent{
		{UserID: "usr_a", ActorID: "usr_a", OrgID: "org_acme", Type: "sign_in_success", UserAgent: "ua"},
		{UserID: "usr_a", ActorID: "usr_adm", OrgID: "org_acme", Type: "mfa_reset", Detail: "lost phone"},
		{UserID: "usr_z", ActorID: "usr_z", OrgID: store.DefaultOrgID, Type: "sign_in_success"},
	} {
		e.At = T0.Add(time.Duration(i) * time.Minute)
		Update(t, s, func(tx store.Tx) error { return tx.AddAuditEvent(ctx, e) })
	}
	// With no organisation given, an event is filed under its user's.
	Update(t, s, func(tx store.Tx) error {
		return tx.AddAuditEvent(ctx, store.AuditEvent{UserID: "usr_a", ActorID: "usr_a", Type: "sign_out", At: T0.Add(-time.Minute)})
	})
	if evs, _ := s.OrgAuditEvents(ctx, "org_acme", store.AuditFilter{Type: "sign_out", Limit: 10}); len(evs) != 1 {
		t.Fatalf("event without an organisation: %+v", evs)
	}
	evs, _ := s.OrgAuditEvents(ctx, "org_acme", store.AuditFilter{Limit: 10, Since: T0})
	if len(evs) != 2 || evs[0].Type != "mfa_reset" || evs[0].ActorID != "usr_adm" || evs[1].UserAgent != "ua" {
		t.Fatalf("organisation's events %+v", evs)
	}
	for name, tc := range map[string]struct {
		f    store.AuditFilter
		want int
	}{
		"type":     {store.AuditFilter{Type: "mfa_reset", Limit: 10}, 1},
		"user":     {store.AuditFilter{UserID: "usr_adm", Since: T0, Limit: 10}, 1},
		"since":    {store.AuditFilter{Since: T0.Add(time.Minute), Limit: 10}, 1},
		"until":    {store.AuditFilter{Since: T0, Until: T0.Add(time.Minute), Limit: 10}, 1},
		"before":   {store.AuditFilter{Since: T0, BeforeID: evs[0].ID, Limit: 10}, 1},
		"limit":    {store.AuditFilter{Limit: 1}, 1},
		"all":      {store.AuditFilter{Limit: 10}, 3},
		"no match": {store.AuditFilter{Type: "x", Limit: 10}, 0},
	} {
		if got, err := s.OrgAuditEvents(ctx, "org_acme", tc.f); err != nil || len(got) != tc.want {
			t.Errorf("%s: %d events %v, want %d", name, len(got), err, tc.want)
		}
	}
}
