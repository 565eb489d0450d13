package api

import (
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/twofold-auth/twofold/server/api/wire"
	"github.com/twofold-auth/twofold/server/auth"
)

// auditEvents is the user's own security events.
type auditEvents struct{ *api }

func (ae auditEvents) Routes() chi.Router {
	r := ae.subrouter()
	r.Use(ae.requireFull)
	r.Get("/", ae.handle(ae.list))
	return r
}

func (ae auditEvents) list(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	before, limit := int64(0), 50
	if v := q.Get("before"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return errBadQuery
		}
		before = n
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > auth.MaxAuditPage {
			return errBadQuery
		}
		limit = n
	}
	evs, err := ae.audit.Events(r.Context(), principalOf(r).UserID, before, limit)
	if err != nil {
		return err
	}
	out := wire.AuditList{Events: make([]wire.AuditEvent, len(evs))}
	for i, e := range evs {
		out.Events[i] = wire.AuditEvent{ID: e.ID, Type: e.Type, At: e.At.UTC(), ClientAddr: e.ClientAddr, UserAgent: e.UserAgent,
			ActorEmail: e.ActorEmail, DeviceID: e.DeviceID, Detail: e.Detail}
	}
	if len(evs) == limit {
		out.NextBefore = &evs[len(evs)-1].ID
	}
	return writeJSON(w, http.StatusOK, out)
}
