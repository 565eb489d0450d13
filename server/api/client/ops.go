package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/twofold-auth/twofold/server/api/wire"
)

// Time is the server's clock (the authenticator compares its own with it).
func (c *Client) Time(ctx context.Context) (wire.Time, error) {
	return call[wire.Time](ctx, c, http.MethodGet, "/time", nil)
}

// AuditPage selects a page of audit events: those older than the event
// Before (0: the newest), at most Limit of them (0: the server's default).
// A page's NextBefore is the next page's Before.
type AuditPage struct {
	Before int64
	Limit  int
}

// AuditEvents lists the account's own security events, newest first.
func (c *Client) AuditEvents(ctx context.Context, p AuditPage) (wire.AuditList, error) {
	q := url.Values{}
	setNonZero(q, "before", strconv.FormatInt(p.Before, 10))
	setNonZero(q, "limit", itoa(p.Limit))
	return call[wire.AuditList](ctx, c, http.MethodGet, withQuery("/audit-events", q), nil)
}
