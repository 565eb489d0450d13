package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mattn/go-sqlite3"

	"github.com/twofold-auth/twofold/server/store"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Options tune the SQLite store; zero values get defaults.
type Options struct {
	ReadConns int                                 // size of the read-only pool (default 2×GOMAXPROCS, at least 4)
	MaxBatch  int                                 // Update calls grouped into one commit at most (default 256)
	OnDBError func(error)                         // called for every unexpected database error (metrics)
	OnCommit  func(calls int, took time.Duration) // called after each group commit (metrics)
	// Sync is SQLite's synchronous setting for the writer: "normal" (the
	// default) or "full". In WAL mode both are safe from corruption; with
	// normal a commit survives a crash of the process but may be lost with
	// the last second(s) of commits if the machine itself loses power (see
	// docs/security.md for why that is harmless to replay protection), and
	// costs no fsync; with full every group commit waits for an fsync.
	Sync string
	Now  func() time.Time
}

// Store is the embedded store.Store: one writer connection fed by a single
// goroutine that groups concurrent Update calls into one transaction, and a
// pool of read-only connections.
type Store struct {
	reads  // on the pool
	w      *sql.DB
	wc     *sql.Conn // w's one connection, pinned for the writer goroutine
	r      *sql.DB
	opts   Options
	ops    chan *op
	quit   chan struct{}
	done   chan struct{}
	cp     *sql.DB // checkpoints the WAL into the database file
	cpDone chan struct{}
	mu     sync.RWMutex // held for reading while queueing, for writing by Close
	closed bool
}

var _ store.Store = (*Store)(nil)

type op struct {
	ctx  context.Context
	fn   func(store.Tx) error
	err  error
	done chan struct{}
}

// Open opens (creating if needed) the database file at path, applies
// the embedded migrations and starts the writer.
func Open(path string, opts Options) (*Store, error) {
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("sqlite: database path %q must not contain ? or #", path)
	}
	if opts.ReadConns <= 0 {
		opts.ReadConns = max(4, 2*runtime.GOMAXPROCS(0))
	}
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 256
	}
	switch opts.Sync {
	case "":
		opts.Sync = "normal"
	case "normal", "full":
	default:
		return nil, fmt.Errorf("sqlite: sync %q: want normal or full", opts.Sync)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	common := "_foreign_keys=on&_busy_timeout=5000&_secure_delete=on&_stmt_cache_size=64"
	// The writer never checkpoints (that would put the checkpoint's fsync
	// on the commit path); the checkpointer goroutine does, on its own
	// connection.
	w := sql.OpenDB(connector{path + "?_journal_mode=WAL&_synchronous=" + strings.ToUpper(opts.Sync) + "&_txlock=immediate&" + common,
		[]string{"PRAGMA wal_autocheckpoint = 0"}})
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	if err := migrate(w, migrations, opts.Now()); err != nil {
		w.Close()
		return nil, err
	}
	wc, err := w.Conn(context.Background())
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: writer connection: %w", err)
	}
	r := sql.OpenDB(connector{dsn: path + "?_query_only=true&" + common})
	cp := sql.OpenDB(connector{dsn: path + "?" + common})
	cp.SetMaxOpenConns(1)
	r.SetMaxOpenConns(opts.ReadConns)
	r.SetMaxIdleConns(opts.ReadConns)
	s := &Store{
		reads:  reads{q: r},
		w:      w,
		wc:     wc,
		r:      r,
		opts:   opts,
		ops:    make(chan *op, opts.MaxBatch),
		quit:   make(chan struct{}),
		done:   make(chan struct{}),
		cpDone: make(chan struct{}),
	}
	s.reads.onErr = s.dbError
	s.cp = cp
	go s.writer()
	go s.checkpointer()
	return s, nil
}

// migrate applies, in version order, every embedded migration the database
// has not recorded, each in its own transaction. It checks each version
// rather than the highest one, because migrations are written on parallel
// branches: a database that got 0003 first must still get 0002. It
// refuses a database that records a version it does not have
// (store.ErrSchemaTooNew) before changing anything.
func migrate(db *sql.DB, fsys fs.FS, now time.Time) error {
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("sqlite: migrations table: %w", err)
	}
	applied := map[int]bool{}
	rows, err := db.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return fmt.Errorf("sqlite: schema version: %w", err)
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return fmt.Errorf("sqlite: schema version: %w", err)
		}
		applied[v] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: schema version: %w", err)
	}
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	versions := make([]int, len(names))
	for i, name := range names {
		if versions[i], err = strconv.Atoi(strings.SplitN(path.Base(name), "_", 2)[0]); err != nil {
			return fmt.Errorf("sqlite: migration %s: name must start with its version", path.Base(name))
		}
	}
	if err := store.CheckKnownMigrations(applied, versions); err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	for i, name := range names {
		base, version := path.Base(name), versions[i]
		if applied[version] {
			continue
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("sqlite: migration %s: %w", base, err)
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			tx.Rollback()
			return fmt.Errorf("sqlite: migration %s: %w", base, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
			version, base, ms(now)); err != nil {
			tx.Rollback()
			return fmt.Errorf("sqlite: migration %s: %w", base, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("sqlite: migration %s: %w", base, err)
		}
	}
	return nil
}

// SchemaVersion is the highest applied migration.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.r.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v)
	return v, err
}

// Update queues fn for the writer and waits for its commit. A call whose
// context ends before the writer reaches it is skipped; once started, it runs
// to the end and Update reports its real outcome.
func (s *Store) Update(ctx context.Context, fn func(store.Tx) error) error {
	o := &op{ctx: ctx, fn: fn, done: make(chan struct{})}
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return store.ErrClosed
	}
	select {
	case s.ops <- o:
	case <-ctx.Done():
		s.mu.RUnlock()
		return ctx.Err()
	}
	s.mu.RUnlock()
	<-o.done
	return o.err
}

// writer owns the write connection. It opens a transaction for the first
// queued call and keeps running calls as long as more are queued (up to
// MaxBatch), taking in those that arrive while it works; then it commits
// once for all of them.
func (s *Store) writer() {
	defer close(s.done)
	batch := make([]*op, 0, s.opts.MaxBatch)
	for {
		var first *op
		select {
		case first = <-s.ops:
		case <-s.quit:
			// Run what was queued before Close.
			for {
				select {
				case o := <-s.ops:
					s.runBatch(append(batch[:0], o))
				default:
					return
				}
			}
		}
		batch = s.runBatch(append(batch[:0], first))
	}
}

// runBatch runs batch and whatever else is queued meanwhile in one
// transaction and reports every call's outcome after the commit.
//
// A call's error must undo only its own writes. The transaction's first
// call runs bare: if it fails, the transaction holds nothing else, so it is
// rolled back whole (and the next call starts a new one). Every later call
// runs under a savepoint, rolled back to on its error. Under light load
// most transactions hold a single call, which then costs no savepoint
// statements at all.
//
// The transaction is plain BEGIN IMMEDIATE / COMMIT on the pinned
// connection rather than a database/sql Tx: a Tx's context is cancellable,
// so database/sql starts a goroutine to watch it for every query run in
// it, a cost paid for cancellation the writer never uses.
func (s *Store) runBatch(batch []*op) []*op {
	finish := func(err error) []*op {
		for _, o := range batch {
			if o.err == nil {
				o.err = err
			}
			close(o.done)
		}
		return batch
	}
	t := &sqliteTx{writes{reads{q: writerQuerier{s.wc}, onErr: s.dbError}}}
	open := false // a transaction is open
	ran := 0      // calls run in it
	var began time.Time
	yielded := false
	for i := 0; i < len(batch); i++ {
		o := batch[i]
		switch {
		case o.ctx.Err() != nil:
			o.err = o.ctx.Err() // given up on before it started: skipped
		case !open:
			began = time.Now()
			if err := s.exec("BEGIN IMMEDIATE"); err != nil {
				return finish(fmt.Errorf("sqlite: begin: %w", err))
			}
			open, ran = true, 0
			fallthrough // the first call of the transaction
		case ran == 0:
			if o.err = runOp(o, t); o.err != nil {
				s.exec("ROLLBACK") // an error here is reported; the next BEGIN tells whether the connection is usable
				open = false
				break
			}
			ran++
		default:
			if o.err = s.runSavepoint(o, t); errors.Is(o.err, errTxBroken) {
				s.exec("ROLLBACK")
				return finish(o.err)
			}
			ran++
		}
		if i == len(batch)-1 && len(batch) < s.opts.MaxBatch {
			if more, ok := s.next(&yielded); ok {
				batch = append(batch, more)
			}
		}
	}
	if !open {
		return finish(nil) // every call failed or was skipped
	}
	if err := s.exec("COMMIT"); err != nil {
		// SQLite may leave the transaction open after a failed COMMIT;
		// a ROLLBACK when none is open is harmless.
		s.exec("ROLLBACK")
		return finish(fmt.Errorf("sqlite: commit: %w", err))
	}
	if s.opts.OnCommit != nil {
		s.opts.OnCommit(ran, time.Since(began))
	}
	return finish(nil)
}

// next takes a queued call without waiting for one. When the queue is
// empty it first yields the processor, once per batch (*yielded): under
// load, request goroutines that are runnable get to queue their calls into
// this transaction instead of paying for a commit of their own; when the
// server is idle nothing is runnable and the yield returns at once.
func (s *Store) next(yielded *bool) (*op, bool) {
	for {
		select {
		case o := <-s.ops:
			return o, true
		default:
		}
		if *yielded {
			return nil, false
		}
		*yielded = true
		runtime.Gosched()
	}
}

// exec runs a statement without arguments on the writer's connection,
// reporting its error.
func (s *Store) exec(stmt string) error {
	_, err := s.wc.ExecContext(context.Background(), stmt)
	s.dbError(err)
	return err
}

// errTxBroken marks a savepoint statement's failure: the transaction is then
// in an unknown state, and every call in it fails.
var errTxBroken = errors.New("sqlite: transaction broken")

// runSavepoint runs o under a savepoint in the open transaction, undoing
// only its writes if it fails.
func (s *Store) runSavepoint(o *op, t store.Tx) error {
	if err := s.exec("SAVEPOINT op"); err != nil {
		return fmt.Errorf("%w: savepoint: %w", errTxBroken, err)
	}
	opErr := runOp(o, t)
	if opErr != nil {
		if err := s.exec("ROLLBACK TO op"); err != nil {
			return fmt.Errorf("%w: rollback to savepoint: %w", errTxBroken, err)
		}
	}
	if err := s.exec("RELEASE op"); err != nil {
		return fmt.Errorf("%w: release savepoint: %w", errTxBroken, err)
	}
	return opErr
}

// runOp runs one call, turning a panic into its error so the writer lives on.
func runOp(o *op, t store.Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("sqlite: update panicked: %v", p)
		}
	}()
	return o.fn(t)
}

func (s *Store) dbError(err error) {
	if err == nil || errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrConflict) ||
		errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return
	}
	if s.opts.OnDBError != nil {
		s.opts.OnDBError(err)
	}
}

// Ping checks both connections.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.r.PingContext(ctx); err != nil {
		s.dbError(err)
		return err
	}
	var one int
	if err := s.r.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		s.dbError(err)
		return err
	}
	return s.Update(ctx, func(store.Tx) error { return nil })
}

// Close stops the writer after the queued calls and closes the database.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	close(s.quit)
	<-s.done
	<-s.cpDone
	return errors.Join(s.r.Close(), s.cp.Close(), s.wc.Close(), s.w.Close())
}

type sqliteTx struct{ writes }

var _ store.Tx = (*sqliteTx)(nil)

func isUnique(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && (se.ExtendedCode == sqlite3.ErrConstraintUnique || se.ExtendedCode == sqlite3.ErrConstraintPrimaryKey)
}

// writerQuerier runs a shared transaction's statements under the writer's
// own context: a caller's cancelled context would interrupt SQLite, which
// rolls back the whole transaction, other callers' work included.
type writerQuerier struct{ c *sql.Conn }

func (w writerQuerier) ExecContext(_ context.Context, query string, args ...any) (sql.Result, error) {
	return w.c.ExecContext(context.Background(), query, args...)
}

func (w writerQuerier) QueryContext(_ context.Context, query string, args ...any) (*sql.Rows, error) {
	return w.c.QueryContext(context.Background(), query, args...)
}

func (w writerQuerier) QueryRowContext(_ context.Context, query string, args ...any) *sql.Row {
	return w.c.QueryRowContext(context.Background(), query, args...)
}

// mmapSize lets SQLite read the database file through a memory map: a
// connection that sees another's commit drops its page cache, and re-reading
// pages from a map costs no system calls.
const mmapSize = 256 << 20

// connector opens go-sqlite3 connections with the per-connection pragmas
// that have no DSN parameter.
type connector struct {
	dsn     string
	pragmas []string
}

func (c connector) Connect(context.Context) (driver.Conn, error) {
	conn, err := sqliteDriver.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	sc := conn.(*sqlite3.SQLiteConn)
	for _, p := range append([]string{fmt.Sprintf("PRAGMA mmap_size = %d", mmapSize)}, c.pragmas...) {
		if _, err := sc.Exec(p, nil); err != nil {
			sc.Close()
			return nil, err
		}
	}
	return conn, nil
}

func (c connector) Driver() driver.Driver { return sqliteDriver }

var sqliteDriver = &sqlite3.SQLiteDriver{}

// checkpointInterval is how often the WAL is copied back into the database.
const checkpointInterval = 250 * time.Millisecond

// checkpointer runs passive checkpoints (which never block the writer or
// readers) until Close.
func (s *Store) checkpointer() {
	defer close(s.cpDone)
	t := time.NewTicker(checkpointInterval)
	defer t.Stop()
	for {
		select {
		case <-s.quit:
			return
		case <-t.C:
			if _, err := s.cp.Exec("PRAGMA wal_checkpoint(PASSIVE)"); err != nil {
				s.dbError(err)
			}
		}
	}
}
