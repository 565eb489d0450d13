// Package pgtest gives tests a real PostgreSQL without anything set up by
// hand: a throwaway cluster (initdb into a temporary directory, a postgres
// server listening only on a unix socket in that directory, stopped and
// removed when the tests end; it syncs nothing to disk, except the durable
// cluster that benchmarks ask for) and a fresh database per test. The
// binaries are found through TWOFOLD_PG_BINDIR, then PATH, then Debian's
// /usr/lib/postgresql/N/bin (the newest N); TWOFOLD_TEST_POSTGRES_URL
// instead names an existing server whose user may create databases. As
// root, initdb and postgres refuse to run, so the cluster runs as the
// `postgres` system user that Debian's package creates (or
// TWOFOLD_PG_USER, or `nobody`), owning the temporary directory. Without
// PostgreSQL a test skips, naming the package to install, except under
// CI=true, where it fails.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Environment variables the helper reads.
const (
	EnvURL    = "TWOFOLD_TEST_POSTGRES_URL" // an existing server to use instead of a throwaway cluster
	EnvBinDir = "TWOFOLD_PG_BINDIR"         // the directory holding initdb and postgres
	EnvUser   = "TWOFOLD_PG_USER"           // the system user the cluster runs as when the tests run as root
)

// ErrNotInstalled is returned by Start when no PostgreSQL binaries are found.
var ErrNotInstalled = errors.New("pgtest: PostgreSQL is not installed (Debian: apt-get install postgresql)")

// Cluster is a PostgreSQL server the tests may create databases on: a
// throwaway one started by Start, or an existing one (EnvURL).
type Cluster struct {
	base *url.URL // connection URL; its path (the database) is replaced per database

	// Only for a throwaway cluster:
	dir    string // temporary directory: data/, the socket, postgres.log
	cmd    *exec.Cmd
	exited chan struct{} // closed when the server process has exited

	mu    sync.Mutex
	admin *pgx.Conn // to the maintenance database "postgres", for CREATE/DROP DATABASE
	n     atomic.Int64
}

// socketPort only names the socket file (.s.PGSQL.<port>): the server
// listens on no TCP port, and the socket lives in the cluster's own
// directory, so clusters never collide.
const socketPort = 5432

// Config says how to run a throwaway cluster.
type Config struct {
	// Durable runs the server as a production one runs: fsync on, and
	// commits wait for the disk unless a session asks otherwise
	// (synchronous_commit=off), so that benchmarks measure real commits.
	// Otherwise nothing is synced to disk, which is safe for a cluster
	// thrown away after the tests, and makes them twice as fast.
	Durable bool
}

// Start starts a throwaway cluster, or connects to EnvURL's server when it
// is set. It returns ErrNotInstalled (wrapped) when there are no binaries.
func Start(ctx context.Context, cfg Config) (*Cluster, error) {
	if raw := os.Getenv(EnvURL); raw != "" {
		u, err := url.Parse(raw)
		if err != nil {
			return nil, fmt.Errorf("pgtest: %s: %w", EnvURL, err)
		}
		c := &Cluster{base: u}
		if err := c.connectAdmin(ctx); err != nil {
			return nil, err
		}
		return c, nil
	}
	bin, err := BinDir()
	if err != nil {
		return nil, err
	}
	removeStale()
	dir, err := os.MkdirTemp("", "twofold-pg-")
	if err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	c := &Cluster{dir: dir, base: &url.URL{Scheme: "postgres", User: url.User("postgres"), Path: "/postgres",
		RawQuery: url.Values{"host": {dir}, "port": {strconv.Itoa(socketPort)}, "sslmode": {"disable"}}.Encode()}}
	if err := c.start(ctx, bin, cfg); err != nil {
		c.Stop()
		return nil, err
	}
	return c, nil
}

// BinDir finds the directory holding PostgreSQL's initdb and postgres.
func BinDir() (string, error) {
	has := func(dir string) bool {
		for _, name := range []string{"initdb", "postgres"} {
			if fi, err := os.Stat(filepath.Join(dir, name)); err != nil || fi.IsDir() {
				return false
			}
		}
		return true
	}
	if dir := os.Getenv(EnvBinDir); dir != "" {
		if !has(dir) {
			return "", fmt.Errorf("%w: %s=%s holds no initdb and postgres", ErrNotInstalled, EnvBinDir, dir)
		}
		return dir, nil
	}
	// initdb runs the postgres binary of its own directory, so resolve a
	// symbolic link on PATH (/usr/local/bin/initdb) to that directory.
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil && has(filepath.Dir(real)) {
			return filepath.Dir(real), nil
		}
	}
	// Debian's packages keep the binaries off PATH, one directory per major version.
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return majorVersion(dirs[i]) > majorVersion(dirs[j]) })
	for _, dir := range dirs {
		if has(dir) {
			return dir, nil
		}
	}
	return "", ErrNotInstalled
}

func majorVersion(binDir string) float64 {
	v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(binDir)), 64)
	return v
}

func (c *Cluster) start(ctx context.Context, bin string, cfg Config) error {
	data := filepath.Join(c.dir, "data")
	cred, err := runAs()
	if err != nil {
		return err
	}
	if cred != nil {
		// The unprivileged user must own the directory it writes into; the
		// directory sits in the temporary directory (usually /tmp, which
		// anyone may traverse), not under a root-only test directory.
		if err := os.Chown(c.dir, int(cred.Uid), int(cred.Gid)); err != nil {
			return fmt.Errorf("pgtest: %w", err)
		}
	}
	logf, err := os.Create(filepath.Join(c.dir, "postgres.log"))
	if err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	defer logf.Close() // the child holds its own descriptor
	// Trust authentication is safe here: the only way in is the socket in a
	// directory of this test run.
	initdb := exec.CommandContext(ctx, filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "-A", "trust",
		"-E", "UTF8", "--locale=C", "--no-sync")
	initdb.Stdout, initdb.Stderr = logf, logf
	setProc(initdb, cred, false)
	if err := initdb.Run(); err != nil {
		return fmt.Errorf("pgtest: initdb: %w\n%s", err, c.logTail())
	}
	args := []string{"-D", data, "-k", c.dir, "-h", "", "-p", strconv.Itoa(socketPort),
		"-c", "max_connections=300", "-c", "unix_socket_permissions=0777"}
	if !cfg.Durable {
		args = append(args, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	}
	c.cmd = exec.Command(filepath.Join(bin, "postgres"), args...)
	c.cmd.Stdout, c.cmd.Stderr = logf, logf
	setProc(c.cmd, cred, true)
	if err := c.cmd.Start(); err != nil {
		return fmt.Errorf("pgtest: postgres: %w", err)
	}
	c.exited = make(chan struct{})
	go func() { c.cmd.Wait(); close(c.exited) }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		err := c.connectAdmin(ctx)
		if err == nil {
			return nil
		}
		select {
		case <-c.exited:
			return fmt.Errorf("pgtest: postgres exited: %s\n%s", c.cmd.ProcessState, c.logTail())
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("pgtest: postgres did not accept connections: %w\n%s", err, c.logTail())
		}
	}
}

// removeStale removes the directories of clusters whose test binary died
// without stopping them (a test timeout, a kill): the server died with it
// (see setProc), but its files, some 40 MB, stayed. A directory counts as
// stale when it is an hour old and no live server's pid is in it; a
// younger one may belong to a test binary starting right now.
func removeStale() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "twofold-pg-*"))
	for _, dir := range dirs {
		fi, err := os.Stat(dir)
		if err != nil || time.Since(fi.ModTime()) < time.Hour {
			continue
		}
		if b, err := os.ReadFile(filepath.Join(dir, "data", "postmaster.pid")); err == nil {
			pid, _ := strconv.Atoi(strings.SplitN(string(b), "\n", 2)[0])
			if pid > 0 && syscall.Kill(pid, 0) == nil {
				continue
			}
		}
		os.RemoveAll(dir)
	}
}

// runAs is the user the cluster runs as: nil (the current one) unless the
// tests run as root, which initdb and postgres refuse.
func runAs() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	names := []string{"postgres", "nobody"}
	if name := os.Getenv(EnvUser); name != "" {
		names = []string{name}
	}
	for _, name := range names {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
		gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
		if err1 != nil || err2 != nil || uid == 0 {
			continue
		}
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), NoSetGroups: true}, nil
	}
	return nil, fmt.Errorf("pgtest: running as root, and no unprivileged user (%s) to run PostgreSQL as: set %s", strings.Join(names, ", "), EnvUser)
}

func (c *Cluster) logTail() string {
	b, _ := os.ReadFile(filepath.Join(c.dir, "postgres.log"))
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

func (c *Cluster) connectAdmin(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.base.String())
	if err != nil {
		return fmt.Errorf("pgtest: connect: %w", err)
	}
	c.admin = conn
	return nil
}

// URL is the connection URL of the named database.
func (c *Cluster) URL(database string) string {
	u := *c.base
	u.Path = "/" + database
	return u.String()
}

// CreateDatabase creates a new, empty database and returns its URL.
func (c *Cluster) CreateDatabase(ctx context.Context) (string, error) {
	name := fmt.Sprintf("twofold_test_%d_%d", os.Getpid(), c.n.Add(1))
	c.mu.Lock()
	defer c.mu.Unlock()
	// template0: the cluster's template1 may hold anything an outside server's owner put there.
	if _, err := c.admin.Exec(ctx, "CREATE DATABASE "+name+" TEMPLATE template0"); err != nil {
		return "", fmt.Errorf("pgtest: create database: %w", err)
	}
	return c.URL(name), nil
}

// DropDatabase drops a database made by CreateDatabase, ending its
// connections first.
func (c *Cluster) DropDatabase(ctx context.Context, dbURL string) error {
	u, err := url.Parse(dbURL)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	_, err = c.admin.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{strings.TrimPrefix(u.Path, "/")}.Sanitize()+" WITH (FORCE)")
	return err
}

// Stop stops a throwaway cluster and removes its directory (an existing
// server is only disconnected from).
func (c *Cluster) Stop() error {
	if c.admin != nil {
		c.admin.Close(context.Background())
	}
	if c.dir == "" {
		return nil
	}
	if c.cmd != nil && c.exited != nil {
		// SIGINT is postgres's "fast" shutdown: roll back, close, exit.
		c.cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-c.exited:
		case <-time.After(20 * time.Second):
			c.cmd.Process.Kill()
			<-c.exited
		}
	}
	return os.RemoveAll(c.dir)
}

// The clusters shared by one test binary's tests, started on first use.
var (
	shared, durable = &lazy{}, &lazy{cfg: Config{Durable: true}}
)

type lazy struct {
	cfg  Config
	once sync.Once
	c    *Cluster
	err  error
}

func (l *lazy) get(tb testing.TB) *Cluster {
	tb.Helper()
	l.once.Do(func() { l.c, l.err = Start(context.Background(), l.cfg) })
	switch {
	case l.err == nil:
		return l.c
	case errors.Is(l.err, ErrNotInstalled) && os.Getenv("CI") != "true":
		tb.Skipf("%v, or set %s", l.err, EnvURL)
	default:
		tb.Fatal(l.err)
	}
	return nil
}

// Main runs the tests and then stops the shared clusters that tests
// started; call it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	for _, l := range []*lazy{shared, durable} {
		if l.c != nil {
			if err := l.c.Stop(); err != nil {
				fmt.Fprintln(os.Stderr, "pgtest: stopping a cluster:", err)
			}
		}
	}
	os.Exit(code)
}

// Get is the cluster shared by the tests, started on first use. When
// PostgreSQL is not installed it skips tb, naming the package to install,
// or fails it under CI=true; any other failure to start fails tb.
func Get(tb testing.TB) *Cluster { tb.Helper(); return shared.get(tb) }

// Durable is like Get, for a cluster with Config.Durable (benchmarks).
func Durable(tb testing.TB) *Cluster { tb.Helper(); return durable.get(tb) }

// NewDatabase creates an empty database on the shared cluster for tb and
// returns its URL (see Cluster.NewDatabase).
func NewDatabase(tb testing.TB) string { tb.Helper(); return Get(tb).NewDatabase(tb) }

// NewDatabase creates an empty database for tb and returns its URL; it is
// dropped when tb ends (after the cleanups tb's code registers later, such
// as closing a store on it).
func (c *Cluster) NewDatabase(tb testing.TB) string {
	tb.Helper()
	u, err := c.CreateDatabase(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := c.DropDatabase(context.Background(), u); err != nil {
			tb.Errorf("pgtest: drop database: %v", err)
		}
	})
	return u
}
