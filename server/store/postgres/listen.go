package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/twofold-auth/twofold/server/store"
)

// pushChannel is the channel migration 0009's triggers notify.
const pushChannel = "twofold_push"

// ListenOptions tune a Listener; zero values get defaults.
type ListenOptions struct {
	// CheckEvery is how long the connection may stay silent before a query
	// checks it (default 15 s): a server or network that vanished without
	// closing the socket is noticed within about twice that.
	CheckEvery time.Duration
	// MaxBackoff bounds the wait between reconnection attempts (default
	// 5 s; the first waits 100 ms).
	MaxBackoff time.Duration
	Log        *slog.Logger
}

// Listener follows the push changes that other processes commit: LISTEN
// on a connection of its own, outside the pool. The changes the store's
// own pool makes are skipped (that process's hub was told directly), so
// an instance hears only the others'. PostgreSQL delivers a notification
// only to sessions listening when it commits: after a lost connection
// Follow reconnects and calls its resync function, and the caller reads
// what it may have missed from the database.
type Listener struct {
	s    *Store
	cfg  *pgx.ConnConfig
	opts ListenOptions

	mu        sync.Mutex
	conn      *pgx.Conn // nil while disconnected
	down      error     // why not listening (nil while listening)
	since     time.Time // when it stopped listening
	following bool      // Follow runs, and owns conn
	closed    bool
}

// Listen connects and starts listening, so that an instance starts only
// once it hears the others; Follow then delivers the changes.
func (s *Store) Listen(ctx context.Context, opts ListenOptions) (*Listener, error) {
	if opts.CheckEvery <= 0 {
		opts.CheckEvery = 15 * time.Second
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = 5 * time.Second
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	cfg := s.connConfig.Copy()
	cfg.RuntimeParams["application_name"] = "twofold-listen"
	l := &Listener{s: s, cfg: cfg, opts: opts}
	conn, err := l.connect(ctx)
	if err != nil {
		return nil, fmt.Errorf("postgres: listen: %w", err)
	}
	l.conn = conn
	return l, nil
}

func (l *Listener) connect(ctx context.Context) (*pgx.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, err := pgx.ConnectConfig(ctx, l.cfg)
	if err != nil {
		return nil, err
	}
	if _, err := conn.Exec(ctx, "LISTEN "+pushChannel); err != nil {
		conn.Close(context.WithoutCancel(ctx))
		return nil, err
	}
	return conn, nil
}

// Follow calls changed for every change another process commits, in the
// order PostgreSQL delivers them, until ctx ends. When the connection is
// lost it reconnects (backing off up to MaxBackoff) and, listening again,
// calls resync: whatever was committed in between was not delivered.
func (l *Listener) Follow(ctx context.Context, changed func(store.PushChange), resync func()) error {
	l.mu.Lock()
	l.following = true
	l.mu.Unlock()
	defer l.stop()
	for {
		conn := l.current()
		if conn == nil {
			var err error
			if conn, err = l.reconnect(ctx); err != nil {
				return nil // ctx ended, or closed
			}
			resync()
		}
		err := l.receive(ctx, conn, changed)
		if ctx.Err() != nil {
			return nil
		}
		l.lost(conn, err)
	}
}

// receive delivers the connection's notifications until it fails.
func (l *Listener) receive(ctx context.Context, conn *pgx.Conn, changed func(store.PushChange)) error {
	for {
		wctx, cancel := context.WithTimeout(ctx, l.opts.CheckEvery)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case err == nil:
			if l.s.own.has(n.PID) {
				continue
			}
			if c, ok := parseChange(n.Payload); ok {
				changed(c)
			} else {
				l.opts.Log.Warn("postgres: unknown push notification", "payload", n.Payload)
			}
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(wctx.Err(), context.DeadlineExceeded):
			// Silent for CheckEvery: make sure the connection is alive.
			pctx, cancel := context.WithTimeout(ctx, l.opts.CheckEvery)
			_, err := conn.Exec(pctx, "SELECT 1")
			cancel()
			if err != nil {
				return err
			}
		default:
			return err
		}
	}
}

// parseChange reads a payload of migration 0009's triggers.
func parseChange(payload string) (store.PushChange, bool) {
	f := strings.Fields(payload)
	if len(f) != 3 {
		return store.PushChange{}, false
	}
	c := store.PushChange{Kind: store.PushChangeKind(f[0]), ID: f[1], UserID: f[2]}
	switch c.Kind {
	case store.PushPrompted, store.PushSettled, store.PushRegistrationChanged:
		return c, true
	}
	return store.PushChange{}, false
}

func (l *Listener) current() *pgx.Conn {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.conn
}

// lost records that conn stopped listening.
func (l *Listener) lost(conn *pgx.Conn, err error) {
	l.mu.Lock()
	if l.conn == conn {
		l.conn, l.down, l.since = nil, err, time.Now()
	}
	l.mu.Unlock()
	conn.Close(context.Background())
	l.opts.Log.Warn("postgres: push notification connection lost; reconnecting", "err", err)
}

// reconnect connects again, backing off between attempts, until it is
// listening or ctx ends.
func (l *Listener) reconnect(ctx context.Context) (*pgx.Conn, error) {
	wait := 100 * time.Millisecond
	for {
		conn, err := l.connect(ctx)
		l.mu.Lock()
		closed := l.closed
		switch {
		case err == nil && !closed:
			l.conn, l.down = conn, nil
		case err != nil:
			l.down = err
		}
		l.mu.Unlock()
		if closed {
			if conn != nil {
				conn.Close(context.Background())
			}
			return nil, errors.New("postgres: listener closed")
		}
		if err == nil {
			l.opts.Log.Info("postgres: push notification connection back; catching up")
			return conn, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait/2 + rand.N(wait/2+1)):
		}
		wait = min(2*wait, l.opts.MaxBackoff)
	}
}

// Ping reports whether the listener is listening (/healthz): nil, or why
// and since when it is not.
func (l *Listener) Ping(context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.closed:
		return errors.New("postgres: listener closed")
	case l.conn == nil:
		return fmt.Errorf("postgres: not listening since %s: %w", l.since.Format(time.RFC3339), l.down)
	}
	return nil
}

// stop ends Follow: the connection is closed, and so is the listener if
// Close came meanwhile.
func (l *Listener) stop() {
	l.mu.Lock()
	conn := l.conn
	l.conn, l.following, l.closed = nil, false, true
	l.down, l.since = errors.New("postgres: listener stopped"), time.Now()
	l.mu.Unlock()
	if conn != nil {
		conn.Close(context.Background())
	}
}

// Close closes the listener. While Follow runs, ending its context is what
// closes the connection (pgx connections are not for concurrent use).
func (l *Listener) Close() error {
	l.mu.Lock()
	conn := l.conn
	l.closed = true
	if l.following {
		conn = nil
	} else {
		l.conn = nil
	}
	l.mu.Unlock()
	if conn != nil {
		return conn.Close(context.Background())
	}
	return nil
}

// backends are the server processes (PIDs) of a pool's connections.
type backends struct {
	mu   sync.Mutex
	pids map[uint32]bool
}

func (b *backends) add(pid uint32)    { b.mu.Lock(); b.pids[pid] = true; b.mu.Unlock() }
func (b *backends) remove(pid uint32) { b.mu.Lock(); delete(b.pids, pid); b.mu.Unlock() }
func (b *backends) has(pid uint32) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.pids[pid]
}
