package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

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

type auditEventView struct {
	ID         int64     `json:"id"`
	Type       string    `json:"type"`
	At         time.Time `json:"at"`
	ClientAddr string    `json:"client_addr"`
	DeviceID   string    `json:"device_id,omitempty"`
	Detail     string    `json:"detail,omitempty"`
}

type auditList struct {
	Events     []auditEventView `json:"events"`
	NextBefore *int64           `json:"next_before"`
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
	evs, err := ae.auth.AuditEvents(r.Context(), mustPrincipal(r).Session.UserID, before, limit)
	if err != nil {
		return err
	}
	out := auditList{Events: make([]auditEventView, len(evs))}
	for i, e := range evs {
		out.Events[i] = auditEventView{ID: e.ID, Type: e.Type, At: e.At.UTC(), ClientAddr: e.ClientAddr, DeviceID: e.DeviceID, Detail: e.Detail}
	}
	if len(evs) == limit {
		out.NextBefore = &evs[len(evs)-1].ID
	}
	return writeJSON(w, http.StatusOK, out)
}
