package client

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/twofold-auth/twofold/server/api/wire"
)

// An organisation's administration (/admin). Every method needs an admin
// of the caller's organisation whose session verified a second factor, or
// an application token minted under one: a member is refused with
// not_admin, an admin without a verified factor with
// admin_step_up_required. Users, groups and devices are named by id, and
// one of another organisation is not_found.

// AdminOrg is the admin's organisation and its MFA policy.
func (c *Client) AdminOrg(ctx context.Context) (wire.Organisation, error) {
	return call[wire.Organisation](ctx, c, http.MethodGet, "/admin/org", nil)
}

// UpdateAdminOrg changes the organisation's name, trusted-browser days or
// open sign-up (nil fields stay).
func (c *Client) UpdateAdminOrg(ctx context.Context, req wire.OrgUpdate) (wire.Organisation, error) {
	return call[wire.Organisation](ctx, c, http.MethodPatch, "/admin/org", req)
}

// RequireMFA turns the MFA requirement on for everyone or for groups; the
// admin must be enrolled (admin_not_enrolled).
func (c *Client) RequireMFA(ctx context.Context, req wire.RequirementRequest) (wire.RequirementResult, error) {
	return call[wire.RequirementResult](ctx, c, http.MethodPost, "/admin/mfa-requirement", req)
}

// SendRequirementOffCode emails the admin a 6-digit code (valid 5
// minutes) that confirms turning the requirement off; each call replaces
// the code sent before.
func (c *Client) SendRequirementOffCode(ctx context.Context) (wire.CodeSent, error) {
	return call[wire.CodeSent](ctx, c, http.MethodPost, "/admin/mfa-requirement/off-code", nil)
}

// RequirementOff turns the requirement off with the emailed code
// (email_code_failed for a wrong, used or expired one).
func (c *Client) RequirementOff(ctx context.Context, code string) error {
	return c.do(ctx, http.MethodDelete, "/admin/mfa-requirement", wire.EmailCode{Code: code}, nil)
}

// UserQuery selects the organisation's users: Search in their email,
// Status (enrolled, not-enrolled or exempt), GroupID; a page of at most
// Limit (0: the server's default, at most 500) from Offset.
type UserQuery struct {
	Search  string
	Status  string
	GroupID string
	Offset  int
	Limit   int
}

func (q UserQuery) values() url.Values {
	v := url.Values{}
	setNonZero(v, "q", q.Search)
	setNonZero(v, "status", q.Status)
	setNonZero(v, "group", q.GroupID)
	setNonZero(v, "offset", itoa(q.Offset))
	setNonZero(v, "limit", itoa(q.Limit))
	return v
}

// AdminUsers is a page of the organisation's users and how many match.
func (c *Client) AdminUsers(ctx context.Context, q UserQuery) (wire.OrgUserList, error) {
	return call[wire.OrgUserList](ctx, c, http.MethodGet, withQuery("/admin/users", q.values()), nil)
}

// AdminUsersCSV writes every user the query matches (its page ignored) to
// w as CSV.
func (c *Client) AdminUsersCSV(ctx context.Context, q UserQuery, w io.Writer) error {
	return c.downloadCSV(ctx, "/admin/users", q.values(), w, "offset", "limit")
}

// AdminUser is one user of the organisation with their devices.
func (c *Client) AdminUser(ctx context.Context, userID string) (wire.OrgUserDetail, error) {
	return call[wire.OrgUserDetail](ctx, c, http.MethodGet, "/admin/users/"+id(userID), nil)
}

// UpdateUser changes a user's role or exemption (never the last admin:
// last_admin).
func (c *Client) UpdateUser(ctx context.Context, userID string, req wire.UserUpdate) (wire.OrgUser, error) {
	return call[wire.OrgUser](ctx, c, http.MethodPatch, "/admin/users/"+id(userID), req)
}

// ResetMFA removes a user's devices, recovery codes, push registrations,
// trusted browsers, tokens and sessions, with a reason for the audit log.
func (c *Client) ResetMFA(ctx context.Context, userID, reason string) error {
	return c.do(ctx, http.MethodPost, "/admin/users/"+id(userID)+"/mfa-reset", wire.Reason{Reason: reason}, nil)
}

// DeleteUserDevice deletes a user's pending (never activated) device; an
// active one is refused (device_active: Reset MFA is the way).
func (c *Client) DeleteUserDevice(ctx context.Context, userID, deviceID string) error {
	return c.do(ctx, http.MethodDelete, "/admin/users/"+id(userID)+"/devices/"+id(deviceID), nil, nil)
}

// Groups lists the organisation's groups.
func (c *Client) Groups(ctx context.Context) (wire.GroupList, error) {
	return call[wire.GroupList](ctx, c, http.MethodGet, "/admin/groups", nil)
}

// CreateGroup makes a group.
func (c *Client) CreateGroup(ctx context.Context, name string) (wire.Group, error) {
	return call[wire.Group](ctx, c, http.MethodPost, "/admin/groups", wire.GroupRequest{Name: name})
}

// SetGroupRequired marks whether the group's members must use MFA when the
// requirement is by group.
func (c *Client) SetGroupRequired(ctx context.Context, groupID string, required bool) error {
	return c.do(ctx, http.MethodPatch, "/admin/groups/"+id(groupID), wire.GroupUpdate{RequireMFA: &required}, nil)
}

// DeleteGroup deletes a group (its members stay users).
func (c *Client) DeleteGroup(ctx context.Context, groupID string) error {
	return c.do(ctx, http.MethodDelete, "/admin/groups/"+id(groupID), nil, nil)
}

// AddGroupMember adds a user to a group (already_member when they are).
func (c *Client) AddGroupMember(ctx context.Context, groupID, userID string) error {
	return c.do(ctx, http.MethodPut, "/admin/groups/"+id(groupID)+"/members/"+id(userID), nil, nil)
}

// RemoveGroupMember takes a user out of a group.
func (c *Client) RemoveGroupMember(ctx context.Context, groupID, userID string) error {
	return c.do(ctx, http.MethodDelete, "/admin/groups/"+id(groupID)+"/members/"+id(userID), nil, nil)
}

// Invitations lists the organisation's invitations (never their links).
func (c *Client) Invitations(ctx context.Context) (wire.InvitationList, error) {
	return call[wire.InvitationList](ctx, c, http.MethodGet, "/admin/invitations", nil)
}

// Invite invites an email address (role member or admin; empty: member):
// the answer carries the link, once.
func (c *Client) Invite(ctx context.Context, req wire.InvitationRequest) (wire.NewInvitation, error) {
	return call[wire.NewInvitation](ctx, c, http.MethodPost, "/admin/invitations", req)
}

// OrgAuditQuery selects the organisation's audit events: about UserID, of
// Type, at or after Since and before Until (zero: unbounded); a page of
// the events older than the event Before (0: the newest), at most Limit
// (0: the server's default).
type OrgAuditQuery struct {
	UserID string
	Type   string
	Since  time.Time
	Until  time.Time
	Before int64
	Limit  int
}

func (q OrgAuditQuery) values() url.Values {
	v := url.Values{}
	setNonZero(v, "user", q.UserID)
	setNonZero(v, "type", q.Type)
	if !q.Since.IsZero() {
		v.Set("since", q.Since.UTC().Format(time.RFC3339))
	}
	if !q.Until.IsZero() {
		v.Set("until", q.Until.UTC().Format(time.RFC3339))
	}
	setNonZero(v, "before", strconv.FormatInt(q.Before, 10))
	setNonZero(v, "limit", itoa(q.Limit))
	return v
}

// OrgAuditEvents is a page of the organisation's audit log, newest first;
// its NextBefore is the next page's Before.
func (c *Client) OrgAuditEvents(ctx context.Context, q OrgAuditQuery) (wire.OrgAuditList, error) {
	return call[wire.OrgAuditList](ctx, c, http.MethodGet, withQuery("/admin/audit-events", q.values()), nil)
}

// OrgAuditCSV writes every event the query matches (its page ignored) to
// w as CSV.
func (c *Client) OrgAuditCSV(ctx context.Context, q OrgAuditQuery, w io.Writer) error {
	return c.downloadCSV(ctx, "/admin/audit-events", q.values(), w, "before", "limit")
}

// Outbox is the organisation's mail, newest first, and whether it leaves
// the server (SMTP configured) or stays in the development outbox.
func (c *Client) Outbox(ctx context.Context) (wire.Outbox, error) {
	return call[wire.Outbox](ctx, c, http.MethodGet, "/admin/outbox", nil)
}

func itoa(n int) string { return strconv.Itoa(n) }

// setNonZero sets a query parameter unless its value is empty or "0".
func setNonZero(v url.Values, key, value string) {
	if value != "" && value != "0" {
		v.Set(key, value)
	}
}

func withQuery(path string, v url.Values) string {
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}
