package api

import (
	"context"
	_ "embed"
	"github.com/twofold-auth/twofold/server/api/wire"
	"net/http"
	"time"
)

//go:embed openapi.json
var openAPIDoc []byte

func (a *api) openAPI(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json")
	w.Write(openAPIDoc)
	return nil
}

// serverTime lets the authenticator compare its clock with the server's.
func (a *api) serverTime(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, http.StatusOK, wire.Time{UnixMS: a.now().UnixMilli()})
}

// healthz answers 200 when the database answers (a read and an empty write
// transaction) and, on PostgreSQL, the notification connection is
// listening; 503 otherwise, saying which part failed (the log has why).
func (a *api) healthz(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "no-store")
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := a.db.Ping(ctx); err != nil {
		a.log.Error("health check failed: database", "err", err)
		return errDatabaseUnavailable
	}
	h := wire.Health{Status: "ok", Database: a.dbEngine}
	if a.notify != nil {
		if err := a.notify.Ping(ctx); err != nil {
			a.log.Error("health check failed: notification connection", "err", err)
			return errNotificationsUnavailable
		}
		h.Notifications = "listening"
	}
	return writeJSON(w, http.StatusOK, h)
}
