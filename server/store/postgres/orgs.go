package postgres

import (
	"context"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/twofold-auth/twofold/server/store"
)

// Organisations, their users and groups. Listings sort text in byte order
// (COLLATE "C"), as SQLite does, whatever the database's collation.

const orgColumns = `id, slug, name, created_at, require_mfa, trust_days, open_signup`

func scanOrg(r pgx.Row) (store.Organisation, error) {
	var o store.Organisation
	var require string
	var created int64
	var open int
	if err := r.Scan(&o.ID, &o.Slug, &o.Name, &created, &require, &o.TrustDays, &open); err != nil {
		return store.Organisation{}, err
	}
	o.CreatedAt, o.RequireMFA, o.OpenSignup = fromMS(created), store.Requirement(require), open != 0
	return o, nil
}

func (x reads) Organisation(ctx context.Context, id string) (store.Organisation, error) {
	o, err := scanOrg(x.q.QueryRow(ctx, `SELECT `+orgColumns+` FROM organisations WHERE id = $1`, id))
	if err != nil {
		return store.Organisation{}, x.fail("organisation", err)
	}
	return o, nil
}

func (x reads) OrganisationBySlug(ctx context.Context, slug string) (store.Organisation, error) {
	o, err := scanOrg(x.q.QueryRow(ctx, `SELECT `+orgColumns+` FROM organisations WHERE slug = $1`, slug))
	if err != nil {
		return store.Organisation{}, x.fail("organisation", err)
	}
	return o, nil
}

func (x reads) Organisations(ctx context.Context) ([]store.Organisation, error) {
	return collect(x, ctx, "organisations", scanOrg, `SELECT `+orgColumns+` FROM organisations ORDER BY slug COLLATE "C"`)
}

func (x writes) CreateOrganisation(ctx context.Context, o store.Organisation) error {
	if o.RequireMFA == "" {
		o.RequireMFA = store.RequireOff
	}
	return x.insert(ctx, "create organisation", `INSERT INTO organisations (`+orgColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		o.ID, o.Slug, o.Name, ms(o.CreatedAt), string(o.RequireMFA), o.TrustDays, flag(o.OpenSignup))
}

func (x writes) UpdateOrganisation(ctx context.Context, o store.Organisation) error {
	tag, err := x.q.Exec(ctx, `UPDATE organisations SET name = $1, require_mfa = $2, trust_days = $3, open_signup = $4 WHERE id = $5`,
		o.Name, string(o.RequireMFA), o.TrustDays, flag(o.OpenSignup), o.ID)
	return x.one("update organisation", tag, err)
}

// enrolledSQL says whether the user u has an active device.
const enrolledSQL = `EXISTS (SELECT 1 FROM totp_devices d WHERE d.user_id = u.id AND d.state = 'active')`

// userFilter is the WHERE clause of an organisation's user listing. The
// query is a case-insensitive substring of the (lower-case) email.
func userFilter(orgID string, f store.UserFilter) where {
	var w where
	w.add(`u.org_id = `, orgID)
	if f.Query != "" {
		w.and(`strpos(u.email, ` + w.arg(strings.ToLower(f.Query)) + `) > 0`)
	}
	switch f.Status {
	case "enrolled":
		w.and(`u.exempt_reason IS NULL AND ` + enrolledSQL)
	case "not-enrolled":
		w.and(`u.exempt_reason IS NULL AND NOT ` + enrolledSQL)
	case "exempt":
		w.and(`u.exempt_reason IS NOT NULL`)
	}
	if f.GroupID != "" {
		w.and(`EXISTS (SELECT 1 FROM group_members m WHERE m.user_id = u.id AND m.group_id = ` + w.arg(f.GroupID) + `)`)
	}
	return w
}

// OrgUsers counts the matching users, then reads one page of them by
// email, without their password hashes.
func (x reads) OrgUsers(ctx context.Context, orgID string, f store.UserFilter) ([]store.UserRow, int, error) {
	w := userFilter(orgID, f)
	var total int
	if err := x.q.QueryRow(ctx, `SELECT COUNT(*) FROM users u`+w.sql, w.args...).Scan(&total); err != nil {
		return nil, 0, x.fail("count users", err)
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 500
	}
	page := ` ORDER BY u.email COLLATE "C" LIMIT ` + w.arg(limit) + ` OFFSET ` + w.arg(max(0, f.Offset))
	rows, err := collect(x, ctx, "users", func(r pgx.Row) (store.UserRow, error) {
		var row store.UserRow
		var err error
		row.User, err = scanUser(r, &row.MFAEnrolled, &row.Groups)
		row.User.PasswordHash = ""
		if len(row.Groups) == 0 {
			row.Groups = nil
		}
		sort.Strings(row.Groups)
		return row, err
	}, `SELECT u.id, u.email, u.password_hash, u.created_at, u.org_id, u.role, u.exempt_reason, u.last_sign_in_at, u.must_enroll,
		`+enrolledSQL+`,
		ARRAY(SELECT g.name FROM group_members m JOIN user_groups g ON g.id = m.group_id WHERE m.user_id = u.id)
		FROM users u`+w.sql+page, w.args...)
	if err != nil {
		return nil, 0, err
	}
	return rows, total, nil
}

func (x reads) CountAdmins(ctx context.Context, orgID string) (int, error) {
	var n int
	if err := x.q.QueryRow(ctx, `SELECT COUNT(*) FROM users WHERE org_id = $1 AND role = 'admin'`, orgID).Scan(&n); err != nil {
		return 0, x.fail("count admins", err)
	}
	return n, nil
}

// Groups.

const groupColumns = `g.id, g.org_id, g.name, g.created_at, g.require_mfa,
	(SELECT COUNT(*) FROM group_members m WHERE m.group_id = g.id)`

func scanGroup(r pgx.Row) (store.Group, error) {
	var g store.Group
	var created int64
	var required int
	err := r.Scan(&g.ID, &g.OrgID, &g.Name, &created, &required, &g.Members)
	g.CreatedAt, g.RequireMFA = fromMS(created), required != 0
	return g, err
}

func (x reads) Groups(ctx context.Context, orgID string) ([]store.Group, error) {
	return collect(x, ctx, "groups", scanGroup, `SELECT `+groupColumns+` FROM user_groups g
		WHERE g.org_id = $1 ORDER BY g.name COLLATE "C"`, orgID)
}

func (x reads) Group(ctx context.Context, orgID, id string) (store.Group, error) {
	g, err := scanGroup(x.q.QueryRow(ctx, `SELECT `+groupColumns+` FROM user_groups g WHERE g.org_id = $1 AND g.id = $2`, orgID, id))
	if err != nil {
		return store.Group{}, x.fail("group", err)
	}
	return g, nil
}

func (x reads) UserGroups(ctx context.Context, userID string) ([]store.Group, error) {
	return collect(x, ctx, "groups", scanGroup, `SELECT `+groupColumns+` FROM user_groups g
		JOIN group_members gm ON gm.group_id = g.id WHERE gm.user_id = $1 ORDER BY g.name COLLATE "C"`, userID)
}

func (x reads) GroupMembers(ctx context.Context, groupID string) ([]string, error) {
	return collect(x, ctx, "group members", func(r pgx.Row) (string, error) {
		var id string
		return id, r.Scan(&id)
	}, `SELECT user_id FROM group_members WHERE group_id = $1 ORDER BY user_id COLLATE "C"`, groupID)
}

func (x writes) CreateGroup(ctx context.Context, g store.Group) error {
	return x.insert(ctx, "create group", `INSERT INTO user_groups (id, org_id, name, created_at, require_mfa) VALUES ($1, $2, $3, $4, $5)`,
		g.ID, g.OrgID, g.Name, ms(g.CreatedAt), flag(g.RequireMFA))
}

func (x writes) DeleteGroup(ctx context.Context, orgID, id string) error {
	tag, err := x.q.Exec(ctx, `DELETE FROM user_groups WHERE org_id = $1 AND id = $2`, orgID, id)
	return x.one("delete group", tag, err)
}

func (x writes) SetGroupRequired(ctx context.Context, orgID, id string, required bool) error {
	tag, err := x.q.Exec(ctx, `UPDATE user_groups SET require_mfa = $1 WHERE org_id = $2 AND id = $3`, flag(required), orgID, id)
	return x.one("set group required", tag, err)
}

func (x writes) AddGroupMember(ctx context.Context, groupID, userID string) error {
	return x.insert(ctx, "add group member", `INSERT INTO group_members (group_id, user_id) VALUES ($1, $2)`, groupID, userID)
}

func (x writes) RemoveGroupMember(ctx context.Context, groupID, userID string) error {
	tag, err := x.q.Exec(ctx, `DELETE FROM group_members WHERE group_id = $1 AND user_id = $2`, groupID, userID)
	return x.one("remove group member", tag, err)
}

func (x writes) SetSessionsStage(ctx context.Context, userID string, from, to store.Stage) (int64, error) {
	tag, err := x.q.Exec(ctx, `UPDATE sessions SET stage = $1 WHERE user_id = $2 AND stage = $3`, string(to), userID, string(from))
	return x.count("set sessions stage", tag, err)
}
