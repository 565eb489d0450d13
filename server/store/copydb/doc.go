// Package copydb moves a Twofold database from SQLite to PostgreSQL
// (twofold-server migrate-db): every table, row for row, in one
// PostgreSQL transaction that also verifies what it wrote against the
// source before it commits.
//
// Both databases are first brought to this binary's schema by their own
// engine's Open (so both refuse a schema newer than the binary), which
// makes their tables and columns the same (store/postgres's
// TestSchemaMatchesSQLite) and their values interchangeable: times are
// BIGINT Unix milliseconds on both, flags INTEGER 0 or 1, hashes and
// sealed secrets bytes. The target must hold no data: only what its own
// migrations put there (the default organisation). Its tables are locked
// for the copy, so a server started on it too early waits rather than
// writes in between. Rows are copied parents first (foreign keys), with
// their ids; then every identity sequence (audit_events, outbox) is moved
// past the highest copied id, so that the server's next insert does not
// collide. Verification reads every table back from PostgreSQL and
// compares it with SQLite's: the number of rows, and the rows themselves
// as a multiset of digests of every column's value.
package copydb
