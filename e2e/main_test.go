package e2e

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The server every test talks to, started once by TestMain.
var (
	serverURL string // e.g. http://127.0.0.1:41234, no trailing slash
	serverBin string // the built cmd/twofold-server
	repoRoot  string
	setupErr  error // why the server could not be started; tests fail with it
)

// chromiumPath is Debian's Chromium (package "chromium").
const chromiumPath = "/usr/bin/chromium"

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if testing.Short() || !haveChromium() {
		// Every test skips (or, under CI=true, fails) on its own.
		return m.Run()
	}
	if u := os.Getenv("TWOFOLD_E2E_URL"); u != "" {
		// Run against a server someone started already (for debugging).
		serverURL = strings.TrimSuffix(u, "/")
		return m.Run()
	}
	stop, err := startServer()
	if err != nil {
		setupErr = err
		fmt.Fprintln(os.Stderr, "e2e:", err)
	}
	code := m.Run()
	if stop != nil {
		stop()
	}
	return code
}

func haveChromium() bool {
	_, err := os.Stat(chromiumPath)
	return err == nil
}

// startServer builds the wasm and the server, starts the server on a free
// loopback port with a temporary data directory and waits for /healthz.
func startServer() (stop func(), err error) {
	wd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	repoRoot = filepath.Dir(wd)
	tmp, err := os.MkdirTemp("", "twofold-e2e-")
	if err != nil {
		return nil, err
	}
	cleanup := func() { os.RemoveAll(tmp) }

	// The server embeds web/app, so the wasm (and its precompressed copies)
	// must be built first. `make test` has just built it; rebuilding then
	// would rewrite files other packages' builds are embedding.
	if wasmStale() {
		if out, err := runIn(repoRoot, nil, "make", "--no-print-directory", "-s", "wasm"); err != nil {
			cleanup()
			return nil, fmt.Errorf("make wasm: %v\n%s", err, out)
		}
	}
	bin := filepath.Join(tmp, "twofold-server")
	serverBin = bin
	if out, err := runIn(repoRoot, nil, "go", "build", "-o", bin, "./cmd/twofold-server"); err != nil {
		cleanup()
		return nil, fmt.Errorf("go build ./cmd/twofold-server: %v\n%s", err, out)
	}
	addr, err := freeAddr()
	if err != nil {
		cleanup()
		return nil, err
	}
	dataDir := filepath.Join(tmp, "data")
	if err := os.Mkdir(dataDir, 0o700); err != nil {
		cleanup()
		return nil, err
	}
	logPath := filepath.Join(tmp, "server.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		cleanup()
		return nil, err
	}
	cmd := exec.Command(bin, serverArgs(addr, dataDir)...)
	cmd.Dir = tmp
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.Env = append(os.Environ(), serverEnv(addr, dataDir)...)
	if err := cmd.Start(); err != nil {
		logFile.Close()
		cleanup()
		return nil, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop = func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		logFile.Close()
		if os.Getenv("TWOFOLD_E2E_LOG") != "" {
			if b, err := os.ReadFile(logPath); err == nil {
				os.Stderr.Write(b)
			}
		}
		cleanup()
	}
	serverURL = "http://" + addr
	if err := waitHealthy(serverURL+"/healthz", exited, 30*time.Second); err != nil {
		stop()
		b, _ := os.ReadFile(logPath)
		return nil, fmt.Errorf("server did not become healthy: %v\nserver log:\n%s", err, b)
	}
	return stop, nil
}

// wasmStale reports whether web/app/twofold.wasm or the transfer module
// twofold-transfer.wasm (or a precompressed copy) is missing or older than
// a Go file of shared/ or wasm/, or than go.mod.
func wasmStale() bool {
	built := time.Now()
	for _, f := range []string{"twofold.wasm", "twofold.wasm.gz", "twofold.wasm.br", "wasm_exec.js",
		"twofold-transfer.wasm", "twofold-transfer.wasm.gz", "twofold-transfer.wasm.br"} {
		fi, err := os.Stat(filepath.Join(repoRoot, "web", "app", f))
		if err != nil {
			return true
		}
		if fi.ModTime().Before(built) {
			built = fi.ModTime()
		}
	}
	stale := false
	for _, dir := range []string{"shared", "wasm"} {
		_ = filepath.WalkDir(filepath.Join(repoRoot, dir), func(p string, d fs.DirEntry, err error) error {
			if err != nil || stale {
				return err
			}
			if !d.IsDir() && strings.HasSuffix(p, ".go") && !strings.HasSuffix(p, "_test.go") {
				if fi, err := d.Info(); err == nil && fi.ModTime().After(built) {
					stale = true
				}
			}
			return nil
		})
	}
	for _, f := range []string{"go.mod", "go.sum"} {
		if fi, err := os.Stat(filepath.Join(repoRoot, f)); err == nil && fi.ModTime().After(built) {
			stale = true
		}
	}
	return stale
}

// serverArgs and serverEnv are how cmd/twofold-server is told where to listen
// and where to keep its data. Every browser of the suite comes from
// 127.0.0.1, so the per-address limit on credential requests (60 a minute
// by default, for one person) is raised to what a whole suite of sign-ups
// and sign-ins in one minute needs; server/api TestRateLimitPerClientAddress
// tests the limit itself.
func serverArgs(addr, dataDir string) []string {
	return []string{"--addr", addr, "--data", dataDir, "--rate-limit", "600"}
}

func serverEnv(addr, dataDir string) []string { return nil }

func runIn(dir string, env []string, name string, args ...string) ([]byte, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	return cmd.CombinedOutput()
}

// freeAddr returns a loopback address with a port nobody listens on now.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func waitHealthy(url string, exited <-chan error, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = errors.New(resp.Status)
		}
		select {
		case e := <-exited:
			return fmt.Errorf("server exited: %v", e)
		case <-ctx.Done():
			return fmt.Errorf("%v (last: %v)", ctx.Err(), err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// startExtraServer starts another server (own port, own data, extra flags)
// for a test that must stop it or configure it, and returns its URL and a
// stop function that is also registered as a cleanup.
func startExtraServer(t testing.TB, extraArgs ...string) (url string, stop func()) {
	t.Helper()
	addr, err := freeAddr()
	if err != nil {
		t.Fatal(err)
	}
	return "http://" + addr, serverAt(t, addr, t.TempDir(), extraArgs...)
}

// serverAt starts the test's server binary at addr with its data in dir
// (so a test can stop it and start it again where the page expects it)
// and returns a stop function, also registered as a cleanup.
func serverAt(t testing.TB, addr, dir string, extraArgs ...string) (stop func()) {
	t.Helper()
	if serverBin == "" {
		t.Skip("e2e: no server binary (TWOFOLD_E2E_URL is set)")
	}
	cmd := exec.Command(serverBin, append(serverArgs(addr, dir), extraArgs...)...)
	cmd.Dir = dir
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-exited:
			case <-time.After(10 * time.Second):
				_ = cmd.Process.Kill()
				<-exited
			}
		})
	}
	t.Cleanup(stop)
	if err := waitHealthy("http://"+addr+"/healthz", exited, 20*time.Second); err != nil {
		t.Fatal(err)
	}
	return stop
}
