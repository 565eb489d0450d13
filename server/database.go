package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/twofold-auth/twofold/server/metrics"
	"github.com/twofold-auth/twofold/server/store"
	"github.com/twofold-auth/twofold/server/store/postgres"
	"github.com/twofold-auth/twofold/server/store/sqlite"
)

// Database engines, as /healthz names them.
const (
	EngineSQLite   = "sqlite"
	EnginePostgres = "postgres"
)

// database is the store the configuration names: SQLite at DBPath, or
// PostgreSQL at DatabaseURL (pg is then set).
type database struct {
	store.Store
	engine string
	pg     *postgres.Store
	feed   *postgres.Listener // on PostgreSQL, once listen has run
	where  string             // for the log: the file, or the server and database without credentials
}

// listen starts following other instances' push changes (PostgreSQL).
func (d *database) listen(ctx context.Context, log *slog.Logger) error {
	feed, err := d.pg.Listen(ctx, postgres.ListenOptions{Log: log})
	if err != nil {
		return err
	}
	d.feed = feed
	return nil
}

// Close closes the listener, then the store.
func (d *database) Close() error {
	if d.feed != nil {
		d.feed.Close()
	}
	return d.Store.Close()
}

// isPostgresURL reports whether s names a PostgreSQL database (libpq's URL
// forms).
func isPostgresURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// openDatabase opens (creating and migrating) the configured database.
func openDatabase(ctx context.Context, cfg Config, m *metrics.Metrics) (*database, error) {
	if cfg.DatabaseURL == "" {
		if err := createPrivate(cfg.DBPath); err != nil {
			return nil, err
		}
		st, err := sqlite.Open(cfg.DBPath, sqlite.Options{OnDBError: m.DBError, Now: cfg.Now, Sync: cfg.DBSync})
		if err != nil {
			return nil, err
		}
		return &database{Store: st, engine: EngineSQLite, where: cfg.DBPath}, nil
	}
	pg, err := postgres.Open(ctx, cfg.DatabaseURL, postgres.Options{OnDBError: m.DBError, OnRetry: m.DBRerun, Now: cfg.Now})
	if err != nil {
		return nil, err
	}
	return &database{Store: pg, engine: EnginePostgres, pg: pg, where: redactURL(cfg.DatabaseURL)}, nil
}

// redactURL is a database URL without its user, password and parameters:
// what may be logged.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "postgres://(unparsable)"
	}
	return u.Scheme + "://" + u.Host + u.Path
}

// createPrivate creates the database file with mode 0600 (in a 0700
// directory) before SQLite opens it; SQLite gives its -wal and -shm files the
// same mode.
func createPrivate(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	return f.Close()
}

// checkDatabaseURL checks the form of Config.DatabaseURL.
func checkDatabaseURL(s string) error {
	if s == "" || isPostgresURL(s) {
		return nil
	}
	return fmt.Errorf("%w: database URL must be postgres://... (empty for SQLite in the data directory)", ErrConfig)
}
