// Package postgres is the store.Store for deployments that run several
// server instances on one database: PostgreSQL (10 or later; tested on 15)
// through pgx's connection pool, opened by a postgres:// URL. It passes the
// store conformance suite (storetest), and its own tests add what only it
// can show: the contract kept by several processes at once, concurrent
// starts, reruns.
//
// Isolation: every Update is one SERIALIZABLE transaction, so Updates are
// serializable by PostgreSQL's guarantee across connections, processes and
// machines, with no locking of its own. A transaction that loses a
// serialization conflict (SQLSTATE 40001) or a deadlock (40P01), whether a
// statement or the commit reports it, and even if fn swallowed the error,
// is rolled back and fn runs again, up to Options.MaxAttempts runs; reruns
// take turns through a lock, and a third run runs alone, holding back new
// transactions (see Update), so that one hot row (an account's throttle
// record under a burst of guesses) or a stream of new transactions does
// not make it lose round after round. The conditional writes (ConsumeStep, the push
// challenge transitions, ...) are single UPDATE ... WHERE statements judged
// by their row count, RETURNING where SQLite used it; of concurrent
// attempts one changes the row, and the others find it changed when they
// run again.
//
// Errors: no row is store.ErrNotFound; a duplicate key is store.ErrConflict,
// written as INSERT ... ON CONFLICT DO NOTHING so that, as on SQLite, the
// transaction stays usable after it (a failed statement would abort it).
// Any other failed statement aborts the transaction: fn should return the
// error. Reads outside Update run on the pool, each seeing committed data.
//
// Times are BIGINT Unix milliseconds, NULL for a zero time, exactly as on
// SQLite: the round trip is millisecond precision in UTC, and a row moves
// between the engines unchanged. Contexts bound every statement (pgx closes
// a connection whose context ends mid-query; the pool replaces it); the
// rollback and the commit of an Update whose fn returned run even if its
// context has ended meanwhile, so Update reports what happened.
//
// Migrations: versioned SQL files embedded from migrations/, applied at
// Open in version order, each in its own transaction and recorded in
// schema_migrations, while Open holds a session-level advisory lock, so
// instances that start together migrate one at a time. The numbers follow
// SQLite's: PostgreSQL's first file is 0006, the whole schema as SQLite has
// it after its 0001 to 0006 (no PostgreSQL database predates it), and every
// later change gets one file per engine with the same number;
// TestSchemaMatchesSQLite checks the numbers and every column.
package postgres
