package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/twofold-auth/twofold/server/store"
)

//go:embed migrations/*.sql
var migrations embed.FS

// migrationLock is the key of the session-level advisory lock that Open
// holds while it migrates ("twofold" in ASCII): instances starting at once
// migrate one after the other, and the later ones find nothing to do.
const migrationLock int64 = 0x74776f666f6c64

// migrate applies, in version order, every migration of fsys (migrations/
// in it) the database has not recorded, each in its own transaction,
// holding migrationLock.
// Like SQLite's, it checks each version rather than the highest one,
// because migrations are written on parallel branches: a database that got
// a later version first must still get an earlier one; and it refuses a
// database that records a version it does not have (store.ErrSchemaTooNew:
// a newer server migrated it), before changing anything.
func migrate(ctx context.Context, pool *pgxpool.Pool, fsys fs.FS, now time.Time) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("postgres: connect: %w", err)
	}
	defer conn.Release()
	// The lock is what makes concurrent starts safe: two concurrent
	// creations of one table, even IF NOT EXISTS, can both try to create
	// it, and one then fails.
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, migrationLock); err != nil {
		return fmt.Errorf("postgres: migration lock: %w", err)
	}
	defer func() {
		// The lock belongs to the connection's session, which goes back to
		// the pool: if it cannot be released, end the session (which
		// releases it) rather than pool a connection that holds it.
		if _, uerr := conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, migrationLock); uerr != nil {
			conn.Conn().Close(context.WithoutCancel(ctx))
		}
	}()
	// Created only when missing: a role without CREATE on the schema (a
	// runtime role, docs/deploy.md) may open a database that is up to
	// date, where even CREATE TABLE IF NOT EXISTS would be refused.
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&exists); err != nil {
		return fmt.Errorf("postgres: migrations table: %w", err)
	}
	if !exists {
		if _, err := conn.Exec(ctx, `CREATE TABLE schema_migrations (
			version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`); err != nil {
			return fmt.Errorf("postgres: migrations table: %w", err)
		}
	}
	applied, err := appliedVersions(ctx, conn.Conn())
	if err != nil {
		return fmt.Errorf("postgres: schema version: %w", err)
	}
	list, err := migrationFiles(fsys)
	if err != nil {
		return err
	}
	versions := make([]int, len(list))
	for i, m := range list {
		versions[i] = m.version
	}
	if err := store.CheckKnownMigrations(applied, versions); err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	for _, m := range list {
		if applied[m.version] {
			continue
		}
		body, err := fs.ReadFile(fsys, m.path)
		if err != nil {
			return err
		}
		tx, err := conn.Begin(ctx)
		if err != nil {
			return fmt.Errorf("postgres: migration %s: %w", m.name, err)
		}
		// Without arguments, pgx sends the file as one simple query, which
		// may hold several statements.
		if _, err := tx.Exec(ctx, string(body)); err != nil {
			tx.Rollback(context.WithoutCancel(ctx))
			return fmt.Errorf("postgres: migration %s: %w", m.name, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
			m.version, m.name, now.UnixMilli()); err != nil {
			tx.Rollback(context.WithoutCancel(ctx))
			return fmt.Errorf("postgres: migration %s: %w", m.name, err)
		}
		if err := tx.Commit(ctx); err != nil {
			return fmt.Errorf("postgres: migration %s: %w", m.name, err)
		}
	}
	return nil
}

// appliedVersions are the versions schema_migrations records.
func appliedVersions(ctx context.Context, conn *pgx.Conn) (map[int]bool, error) {
	rows, err := conn.Query(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return nil, err
	}
	vs, err := pgx.CollectRows(rows, pgx.RowTo[int])
	applied := make(map[int]bool, len(vs))
	for _, v := range vs {
		applied[v] = true
	}
	return applied, err
}

type migration struct {
	version    int
	name, path string
}

// migrationFiles lists the migrations of fsys in version order.
func migrationFiles(fsys fs.FS) ([]migration, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, p := range names {
		base := path.Base(p)
		v, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return nil, fmt.Errorf("postgres: migration %s: name must start with its version", base)
		}
		out = append(out, migration{version: v, name: base, path: p})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}
