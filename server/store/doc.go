// Package store keeps Twofold's server state: users, sessions, TOTP devices
// (secrets sealed by package secrets before they get here), recovery code
// hashes, the per-account verification throttle and the audit log. Store is
// an interface so another database can follow; SQLite is the embedded
// implementation, with WAL, foreign keys, a busy timeout, versioned SQL
// migrations embedded and applied at open, a pool of read-only connections
// and exactly one writer connection. Every change goes through Update, whose
// function runs inside one transaction; SQLite's writer groups the Update
// calls that arrive together into one commit (each under its own savepoint,
// so each keeps its own result and its own rollback), which is what makes
// the per-request cost of verification small while replay and throttle state
// stay in the database.
package store
