// Package sqlite is the embedded store.Store: SQLite with WAL, foreign keys,
// a busy timeout, versioned SQL migrations embedded and applied at open, a
// pool of read-only connections and exactly one writer connection. Update
// calls that arrive together share one transaction and one commit (group
// commit), each under its own savepoint so each keeps its own result and
// its own rollback; that is what makes the per-request cost of verification
// small while replay and throttle state stay in the database. Update calls
// run one at a time on the writer, so they are serializable and never
// retried. It passes the store conformance suite (storetest).
package sqlite
