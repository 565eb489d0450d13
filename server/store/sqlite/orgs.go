package sqlite

import (
	"context"
	"database/sql"
	"sort"
	"strings"
	"time"

	"github.com/twofold-auth/twofold/server/store"
)

// Organisations, their users and groups.

const orgColumns = `id, slug, name, created_at, require_mfa, trust_days, open_signup`

func scanOrg(sc interface{ Scan(...any) error }) (store.Organisation, error) {
	var o store.Organisation
	var created sql.NullInt64
	if err := sc.Scan(&o.ID, &o.Slug, &o.Name, &created, &o.RequireMFA, &o.TrustDays, &o.OpenSignup); err != nil {
		return store.Organisation{}, err
	}
	o.CreatedAt = fromMS(created)
	return o, nil
}

func (x reads) Organisation(ctx context.Context, id string) (store.Organisation, error) {
	o, err := scanOrg(x.q.QueryRowContext(ctx, `SELECT `+orgColumns+` FROM organisations WHERE id = ?`, id))
	if err != nil {
		return store.Organisation{}, x.fail("organisation", err)
	}
	return o, nil
}

func (x reads) OrganisationBySlug(ctx context.Context, slug string) (store.Organisation, error) {
	o, err := scanOrg(x.q.QueryRowContext(ctx, `SELECT `+orgColumns+` FROM organisations WHERE slug = ?`, slug))
	if err != nil {
		return store.Organisation{}, x.fail("organisation", err)
	}
	return o, nil
}

func (x reads) Organisations(ctx context.Context) ([]store.Organisation, error) {
	rows, err := x.q.QueryContext(ctx, `SELECT `+orgColumns+` FROM organisations ORDER BY slug`)
	if err != nil {
		return nil, x.fail("organisations", err)
	}
	defer rows.Close()
	var out []store.Organisation
	for rows.Next() {
		o, err := scanOrg(rows)
		if err != nil {
			return nil, x.fail("organisations", err)
		}
		out = append(out, o)
	}
	return out, x.rowsErr("organisations", rows)
}

func (x writes) CreateOrganisation(ctx context.Context, o store.Organisation) error {
	if o.RequireMFA == "" {
		o.RequireMFA = store.RequireOff
	}
	_, err := x.q.ExecContext(ctx, `INSERT INTO organisations (`+orgColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		o.ID, o.Slug, o.Name, ms(o.CreatedAt), string(o.RequireMFA), o.TrustDays, o.OpenSignup)
	if err != nil {
		return x.fail("create organisation", err)
	}
	return nil
}

func (x writes) UpdateOrganisation(ctx context.Context, o store.Organisation) error {
	res, err := x.q.ExecContext(ctx, `UPDATE organisations SET name = ?, require_mfa = ?, trust_days = ?, open_signup = ? WHERE id = ?`,
		o.Name, string(o.RequireMFA), o.TrustDays, o.OpenSignup, o.ID)
	return x.one("update organisation", res, err)
}

// userFilterSQL is the WHERE clause of an organisation's user listing.
func userFilterSQL(orgID string, f store.UserFilter) (string, []any) {
	where := ` WHERE u.org_id = ?`
	args := []any{orgID}
	if f.Query != "" {
		where += ` AND instr(u.email, ?) > 0`
		args = append(args, strings.ToLower(f.Query))
	}
	enrolled := `EXISTS (SELECT 1 FROM totp_devices d WHERE d.user_id = u.id AND d.state = 'active')`
	switch f.Status {
	case "enrolled":
		where += ` AND u.exempt_reason IS NULL AND ` + enrolled
	case "not-enrolled":
		where += ` AND u.exempt_reason IS NULL AND NOT ` + enrolled
	case "exempt":
		where += ` AND u.exempt_reason IS NOT NULL`
	}
	if f.GroupID != "" {
		where += ` AND EXISTS (SELECT 1 FROM group_members m WHERE m.user_id = u.id AND m.group_id = ?)`
		args = append(args, f.GroupID)
	}
	return where, args
}

func (x reads) OrgUsers(ctx context.Context, orgID string, f store.UserFilter) ([]store.UserRow, int, error) {
	where, args := userFilterSQL(orgID, f)
	var total int
	if err := x.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM users u`+where, args...).Scan(&total); err != nil {
		return nil, 0, x.fail("count users", err)
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 500
	}
	rows, err := x.q.QueryContext(ctx, `SELECT u.id, u.email, u.password_hash, u.created_at, u.org_id, u.role, u.exempt_reason, u.last_sign_in_at, u.must_enroll,
		EXISTS (SELECT 1 FROM totp_devices d WHERE d.user_id = u.id AND d.state = 'active'),
		COALESCE((SELECT group_concat(g.name, char(31)) FROM group_members m JOIN user_groups g ON g.id = m.group_id WHERE m.user_id = u.id), '')
		FROM users u`+where+` ORDER BY u.email LIMIT ? OFFSET ?`, append(args, limit, max(0, f.Offset))...)
	if err != nil {
		return nil, 0, x.fail("users", err)
	}
	defer rows.Close()
	var out []store.UserRow
	for rows.Next() {
		var row store.UserRow
		var groups string
		if row.User, err = scanUser(rows, &row.MFAEnrolled, &groups); err != nil {
			return nil, 0, x.fail("users", err)
		}
		row.User.PasswordHash = ""
		if groups != "" {
			row.Groups = strings.Split(groups, "\x1f")
			sort.Strings(row.Groups)
		}
		out = append(out, row)
	}
	return out, total, x.rowsErr("users", rows)
}

func (x reads) CountAdmins(ctx context.Context, orgID string) (int, error) {
	var n int
	if err := x.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE org_id = ? AND role = 'admin'`, orgID).Scan(&n); err != nil {
		return 0, x.fail("count admins", err)
	}
	return n, nil
}

func (x writes) SetRole(ctx context.Context, userID string, role store.Role) error {
	res, err := x.q.ExecContext(ctx, `UPDATE users SET role = ? WHERE id = ?`, string(role), userID)
	return x.one("set role", res, err)
}

func (x writes) SetExempt(ctx context.Context, userID, reason string) error {
	var v any
	if reason != "" {
		v = reason
	}
	res, err := x.q.ExecContext(ctx, `UPDATE users SET exempt_reason = ? WHERE id = ?`, v, userID)
	return x.one("set exempt", res, err)
}

func (x writes) SetMustEnroll(ctx context.Context, userID string, must bool) error {
	res, err := x.q.ExecContext(ctx, `UPDATE users SET must_enroll = ? WHERE id = ?`, must, userID)
	return x.one("set must enroll", res, err)
}

func (x writes) SetLastSignIn(ctx context.Context, userID string, at time.Time) error {
	res, err := x.q.ExecContext(ctx, `UPDATE users SET last_sign_in_at = ? WHERE id = ?`, nullMS(at), userID)
	return x.one("set last sign-in", res, err)
}

// Groups.

const groupColumns = `g.id, g.org_id, g.name, g.created_at, g.require_mfa,
	(SELECT COUNT(*) FROM group_members m WHERE m.group_id = g.id)`

func (x reads) groups(ctx context.Context, query string, args ...any) ([]store.Group, error) {
	rows, err := x.q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, x.fail("groups", err)
	}
	defer rows.Close()
	var out []store.Group
	for rows.Next() {
		var g store.Group
		var created sql.NullInt64
		if err := rows.Scan(&g.ID, &g.OrgID, &g.Name, &created, &g.RequireMFA, &g.Members); err != nil {
			return nil, x.fail("groups", err)
		}
		g.CreatedAt = fromMS(created)
		out = append(out, g)
	}
	return out, x.rowsErr("groups", rows)
}

func (x reads) Groups(ctx context.Context, orgID string) ([]store.Group, error) {
	return x.groups(ctx, `SELECT `+groupColumns+` FROM user_groups g WHERE g.org_id = ? ORDER BY g.name`, orgID)
}

func (x reads) Group(ctx context.Context, orgID, id string) (store.Group, error) {
	gs, err := x.groups(ctx, `SELECT `+groupColumns+` FROM user_groups g WHERE g.org_id = ? AND g.id = ?`, orgID, id)
	if err != nil {
		return store.Group{}, err
	}
	if len(gs) == 0 {
		return store.Group{}, store.ErrNotFound
	}
	return gs[0], nil
}

func (x reads) UserGroups(ctx context.Context, userID string) ([]store.Group, error) {
	return x.groups(ctx, `SELECT `+groupColumns+` FROM user_groups g JOIN group_members gm ON gm.group_id = g.id
		WHERE gm.user_id = ? ORDER BY g.name`, userID)
}

func (x reads) GroupMembers(ctx context.Context, groupID string) ([]string, error) {
	rows, err := x.q.QueryContext(ctx, `SELECT user_id FROM group_members WHERE group_id = ? ORDER BY user_id`, groupID)
	if err != nil {
		return nil, x.fail("group members", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, x.fail("group members", err)
		}
		out = append(out, id)
	}
	return out, x.rowsErr("group members", rows)
}

func (x writes) CreateGroup(ctx context.Context, g store.Group) error {
	_, err := x.q.ExecContext(ctx, `INSERT INTO user_groups (id, org_id, name, created_at, require_mfa) VALUES (?, ?, ?, ?, ?)`,
		g.ID, g.OrgID, g.Name, ms(g.CreatedAt), g.RequireMFA)
	if err != nil {
		return x.fail("create group", err)
	}
	return nil
}

func (x writes) DeleteGroup(ctx context.Context, orgID, id string) error {
	res, err := x.q.ExecContext(ctx, `DELETE FROM user_groups WHERE org_id = ? AND id = ?`, orgID, id)
	return x.one("delete group", res, err)
}

func (x writes) SetGroupRequired(ctx context.Context, orgID, id string, required bool) error {
	res, err := x.q.ExecContext(ctx, `UPDATE user_groups SET require_mfa = ? WHERE org_id = ? AND id = ?`, required, orgID, id)
	return x.one("set group required", res, err)
}

func (x writes) AddGroupMember(ctx context.Context, groupID, userID string) error {
	_, err := x.q.ExecContext(ctx, `INSERT INTO group_members (group_id, user_id) VALUES (?, ?)`, groupID, userID)
	if err != nil {
		return x.fail("add group member", err)
	}
	return nil
}

func (x writes) RemoveGroupMember(ctx context.Context, groupID, userID string) error {
	res, err := x.q.ExecContext(ctx, `DELETE FROM group_members WHERE group_id = ? AND user_id = ?`, groupID, userID)
	return x.one("remove group member", res, err)
}

func (x writes) SetSessionsStage(ctx context.Context, userID string, from, to store.Stage) (int64, error) {
	res, err := x.q.ExecContext(ctx, `UPDATE sessions SET stage = ? WHERE user_id = ? AND stage = ?`, string(to), userID, string(from))
	return x.count("set sessions stage", res, err)
}

// rowsErr reports an iteration error.
func (x reads) rowsErr(what string, rows *sql.Rows) error {
	if err := rows.Err(); err != nil {
		return x.fail(what, err)
	}
	return nil
}
