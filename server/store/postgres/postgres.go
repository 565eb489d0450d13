package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/twofold-auth/twofold/server/store"
)

// Options tune the PostgreSQL store; zero values get defaults.
type Options struct {
	// MaxConns caps the connection pool (default: pool_max_conns in the
	// URL, else pgxpool's default, the greater of 4 and the number of CPUs).
	MaxConns int32
	// MaxAttempts bounds how many times Update runs a function whose
	// transaction lost a serialization conflict or a deadlock (default 20).
	MaxAttempts int
	OnDBError   func(error) // called for every unexpected database error (metrics)
	OnRetry     func(error) // called before Update runs a function again (metrics)
	Now         func() time.Time
}

// Store is the PostgreSQL store.Store: a pgx connection pool; reads run on
// it directly, each Update in a SERIALIZABLE transaction of its own.
type Store struct {
	reads      // on the pool
	pool       *pgxpool.Pool
	opts       Options
	connConfig *pgx.ConnConfig // the pool's, for a Listener's own connection
	own        *backends       // the pool's server processes, whose notifications a Listener skips
	closed     atomic.Bool
}

var _ store.Store = (*Store)(nil)

// Open connects to the database at url (postgres://...), applies the
// embedded migrations (one instance at a time: see migrate) and returns the
// store. ctx bounds the connection and the migrations, not the store.
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 20
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	cfg, err := pgxpool.ParseConfig(url) // its errors mask the password
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	if _, ok := cfg.ConnConfig.RuntimeParams["application_name"]; !ok {
		cfg.ConnConfig.RuntimeParams["application_name"] = "twofold"
	}
	own := &backends{pids: map[uint32]bool{}}
	cfg.AfterConnect = func(_ context.Context, c *pgx.Conn) error { own.add(c.PgConn().PID()); return nil }
	cfg.BeforeClose = func(c *pgx.Conn) { own.remove(c.PgConn().PID()) }
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if err := migrate(ctx, pool, migrations, opts.Now()); err != nil {
		pool.Close()
		return nil, err
	}
	s := &Store{pool: pool, opts: opts, connConfig: cfg.ConnConfig, own: own}
	s.reads = reads{q: pool, onErr: s.dbError}
	return s, nil
}

// SQLSTATEs Update retries: the transaction lost to a concurrent one and
// running it again may succeed.
const (
	sqlstateSerializationFailure = "40001"
	sqlstateDeadlockDetected     = "40P01"
	sqlstateUniqueViolation      = "23505"
)

func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == sqlstateSerializationFailure || pe.Code == sqlstateDeadlockDetected)
}

// Update runs fn in a SERIALIZABLE transaction, so Updates are
// serializable by PostgreSQL's own guarantee, across connections and
// processes alike. A transaction that loses a serialization conflict or a
// deadlock is rolled back and fn runs again (the contract allows it), up to
// MaxAttempts runs in all; then Update returns the database's error.
//
// Reruns go through a lane, a lock on the empty table retry_lane that
// every transaction takes in the same round trip as its BEGIN, before its
// first query takes the snapshot:
//
//   - a first attempt takes it in ROW SHARE mode, which first attempts
//     share and which costs them nothing else;
//   - a second run takes it in SHARE UPDATE EXCLUSIVE mode: reruns take
//     turns among themselves, beside the first attempts, each with a
//     snapshot taken after the rerun before it committed;
//   - a third run, and any later one, takes it in EXCLUSIVE mode: it waits
//     for the transactions in flight to end and holds new ones back until
//     it commits, so that, with nothing running beside it, it cannot lose
//     again.
//
// Transactions that read and write one hot row (an account's throttle
// record under a burst of guesses) conflict, and of k concurrent ones one
// commits per round. With a random backoff instead of the lane a
// transaction lost up to 17 to 45 rounds in a row (96 contenders in six
// processes, TestConcurrentProcesses with 16 goroutines and connections
// per process); with turns among reruns alone, up to 8 to 11, and a push
// answer racing a stream of new prompts lost 20 runs in a row and failed
// (TestRerunNotStarvedByFirstAttempts). Running every rerun alone would
// bound that to 2, but stops the world at each rerun: under 64 concurrent
// verifications, a fifth of which run again, it nearly halved their
// throughput. The third run alone bounds it to 3 at the cost of the rare
// transaction that loses twice. Being a transaction's lock, the lane ends
// with the transaction, whatever happens to the process that took it.
func (s *Store) Update(ctx context.Context, fn func(store.Tx) error) error {
	if s.closed.Load() {
		return store.ErrClosed
	}
	for attempt := 1; ; attempt++ {
		err := s.attempt(ctx, fn, attempt)
		var conflict *retryError
		if !errors.As(err, &conflict) {
			return err
		}
		if attempt >= s.opts.MaxAttempts {
			err = fmt.Errorf("postgres: update gave up after %d attempts: %w", attempt, conflict.err)
			s.dbError(err)
			return err
		}
		if s.opts.OnRetry != nil {
			s.opts.OnRetry(conflict.err)
		}
	}
}

// retryError marks an attempt that lost a conflict.
type retryError struct{ err error }

func (e *retryError) Error() string { return e.err.Error() }

// The BEGINs of a function's first run, its second, and its later ones
// (see Update). Sent as one simple query, each costs one round trip;
// LOCK TABLE takes no snapshot, so the transaction's snapshot is taken by
// fn's first query, after any wait.
var begins = [...]string{
	`BEGIN ISOLATION LEVEL SERIALIZABLE; LOCK TABLE retry_lane IN ROW SHARE MODE`,
	`BEGIN ISOLATION LEVEL SERIALIZABLE; LOCK TABLE retry_lane IN SHARE UPDATE EXCLUSIVE MODE`,
	`BEGIN ISOLATION LEVEL SERIALIZABLE; LOCK TABLE retry_lane IN EXCLUSIVE MODE`,
}

// attempt runs fn once in its own transaction: run is 1 for the first
// run, and picks the lane's mode.
func (s *Store) attempt(ctx context.Context, fn func(store.Tx) error, run int) error {
	begin := begins[min(run, len(begins))-1]
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.Serializable, BeginQuery: begin})
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return s.fail("begin", err)
	}
	st := &txState{}
	fnErr := runFn(fn, &pgTx{writes{reads{q: tx, onErr: s.dbError, st: st}}})
	// Rollback and commit run even when ctx has ended: the connection goes
	// back to the pool clean, and an Update whose function finished reports
	// the commit's real outcome rather than a cancellation that came after.
	bg := context.WithoutCancel(ctx)
	if fnErr != nil || st.conflict != nil {
		tx.Rollback(bg) // a failure here closes the connection; the pool replaces it
		if st.conflict != nil {
			// fn may have swallowed or wrapped the error; the transaction
			// lost all the same.
			return &retryError{st.conflict}
		}
		return fnErr
	}
	if err := tx.Commit(bg); err != nil {
		if retryable(err) {
			return &retryError{err}
		}
		return s.fail("commit", err)
	}
	return nil
}

// runFn runs fn, turning a panic into its error.
func runFn(fn func(store.Tx) error, tx store.Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("postgres: update panicked: %v", p)
		}
	}()
	return fn(tx)
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

// SchemaVersion is the highest applied migration.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.pool.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v)
	return v, err
}

// Ping checks a read and an empty write transaction.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.pool.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil {
		s.dbError(err)
		return err
	}
	return s.Update(ctx, func(store.Tx) error { return nil })
}

// Close waits for the connections in use to come back and closes the pool.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	s.pool.Close()
	return nil
}

type pgTx struct{ writes }

var _ store.Tx = (*pgTx)(nil)
