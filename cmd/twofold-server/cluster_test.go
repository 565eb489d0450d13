package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"regexp"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/twofold-auth/twofold/server/secrets"
	"github.com/twofold-auth/twofold/server/store/postgres/pgtest"
)

// The cluster tests run real twofold-server processes: this test binary,
// run again with serveEnv set, is the server (TestMain hands its arguments
// to run, as main does). They share one PostgreSQL database of the test
// cluster, the master key and the public origin, as instances behind a load
// balancer do, and nothing else.
const serveEnv = "TWOFOLD_TEST_SERVE"

func TestMain(m *testing.M) {
	if os.Getenv(serveEnv) == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	pgtest.Main(m)
}

// clusterOrigin is the instances' shared public origin (their base URL):
// devices sign it whichever instance they reach.
const clusterOrigin = "http://twofold.test"

var clusterKey = secrets.EncodeKey(bytes.Repeat([]byte{8}, secrets.KeySize))

// process is one running twofold-server.
type process struct {
	t      testing.TB
	cmd    *exec.Cmd
	url    string // http://127.0.0.1:PORT
	logs   *lockedBuffer
	exited chan struct{}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

var listening = regexp.MustCompile(`msg="twofold server listening" addr=(\S+)`)

// instanceEnv is the environment of a cluster's server on dbURL.
func instanceEnv(t testing.TB, dbURL string) []string {
	return []string{"TWOFOLD_DATABASE_URL=" + dbURL, "TWOFOLD_MASTER_KEY=" + clusterKey, "TWOFOLD_DATA_DIR=" + t.TempDir()}
}

// startProcess starts a server process with env (its database and key)
// added to the test's, listening on a free loopback port, and waits until
// it serves.
func startProcess(t testing.TB, env ...string) *process {
	t.Helper()
	p := &process{t: t, logs: &lockedBuffer{}, exited: make(chan struct{})}
	p.cmd = exec.Command(os.Args[0], "-addr", "127.0.0.1:0")
	p.cmd.Env = append(os.Environ(), serveEnv+"=1", "TWOFOLD_BASE_URL="+clusterOrigin, "TWOFOLD_RATE_LIMIT=-1")
	p.cmd.Env = append(p.cmd.Env, env...)
	setDeathSignal(p.cmd)
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.cmd.Wait(); close(p.exited) }()
	t.Cleanup(p.stop)
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			p.logs.Write([]byte(line + "\n"))
			if m := listening.FindStringSubmatch(line); m != nil {
				addr <- m[1]
			}
		}
		io.Copy(p.logs, stderr)
	}()
	select {
	case a := <-addr:
		p.url = "http://" + a
	case <-p.exited:
		t.Fatalf("server exited: %s\n%s", p.cmd.ProcessState, p.logs)
	case <-time.After(30 * time.Second):
		t.Fatalf("server did not start:\n%s", p.logs)
	}
	return p
}

// stop ends the process (SIGTERM, then SIGKILL) if it still runs, and
// shows its log if the test failed.
func (p *process) stop() {
	select {
	case <-p.exited:
		return
	default:
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(15 * time.Second):
		p.cmd.Process.Kill()
		<-p.exited
	}
	if p.t.Failed() {
		p.t.Logf("log of %s:\n%s", p.url, p.logs)
	}
}

// kill ends the process with SIGKILL, as a crash would: no shutdown, no
// connection closed by it (the kernel resets them).
func (p *process) kill() {
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.exited
}

// cluster starts n processes on a new database, whose URL it returns too.
func cluster(t testing.TB, n int) ([]*process, string) {
	t.Helper()
	dbURL := pgtest.NewDatabase(t)
	out := make([]*process, n)
	var wg sync.WaitGroup
	for i := range out {
		wg.Go(func() { out[i] = startProcess(t, instanceEnv(t, dbURL)...) }) // concurrent starts migrate once
	}
	wg.Wait()
	for _, p := range out {
		if p == nil || p.url == "" {
			t.FailNow()
		}
	}
	return out, dbURL
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}
