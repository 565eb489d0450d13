package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/twofold-auth/twofold/server/api/wire"
	"github.com/twofold-auth/twofold/server/secrets"
	"github.com/twofold-auth/twofold/server/store/postgres/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// testKey is the master key the PostgreSQL tests' instances share.
var testKey = secrets.EncodeKey(bytes.Repeat([]byte{5}, secrets.KeySize))

// pgConfig is testConfig on a PostgreSQL database, with the shared key.
func pgConfig(dir, dbURL string, logs io.Writer) Config {
	cfg := testConfig(dir, logs)
	cfg.DatabaseURL, cfg.MasterKey = dbURL, testKey
	return cfg
}

// serve runs srv on a loopback listener until the test ends and returns
// its URL.
func serve(t testing.TB, srv *Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return "http://" + ln.Addr().String()
}

func health(t testing.TB, base string) (int, wire.Health) {
	t.Helper()
	resp, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var h wire.Health
	json.NewDecoder(resp.Body).Decode(&h)
	return resp.StatusCode, h
}

// DatabaseURL selects PostgreSQL: the server runs on it (nothing is
// written to the data directory when the key comes from the environment),
// /healthz names the engine, and a device enrolled there verifies.
func TestServerOnPostgres(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	srv, err := New(pgConfig(dir, pgtest.NewDatabase(t), io.Discard))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	sess, secret := enrollDevice(t, srv)
	if err := verifyNow(t, srv, sess, secret, 30*time.Second); err != nil {
		t.Fatalf("verify on PostgreSQL: %v", err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("data directory made on PostgreSQL with the key in the environment: %v", err)
	}
	if code, h := health(t, serve(t, srv)); code != 200 || h.Status != "ok" || h.Database != EnginePostgres || h.Notifications != "listening" {
		t.Fatalf("healthz %d %+v", code, h)
	}
}

// SQLite's /healthz names its engine and has no notification connection.
func TestHealthzNamesSQLite(t *testing.T) {
	srv, err := New(testConfig(t.TempDir(), io.Discard))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if code, h := health(t, serve(t, srv)); code != 200 || h.Database != EngineSQLite || h.Notifications != "" {
		t.Fatalf("healthz %d %+v", code, h)
	}
}

// On PostgreSQL the server never makes a master key of its own: a second
// instance with a fresh data directory would make another key, and seal
// devices the first cannot open. A key file given to it (a copy of the
// shared one) is used as is.
func TestPostgresNeedsASharedKey(t *testing.T) {
	dbURL := pgtest.NewDatabase(t)
	dir := t.TempDir()
	cfg := pgConfig(dir, dbURL, io.Discard)
	cfg.MasterKey = ""
	if _, err := New(cfg); !errors.Is(err, ErrNoSharedKey) {
		t.Fatalf("no key on PostgreSQL: %v, want ErrNoSharedKey", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "master.key")); !os.IsNotExist(err) {
		t.Fatal("a key file was made")
	}
	if err := secrets.WriteKeyFile(filepath.Join(dir, "master.key"), bytes.Repeat([]byte{5}, secrets.KeySize)); err != nil {
		t.Fatal(err)
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatalf("with a copy of the shared key file: %v", err)
	}
	srv.Close()
	cfg.DatabaseURL = "mysql://nope"
	if _, err := New(cfg); !errors.Is(err, ErrConfig) {
		t.Fatalf("a database URL that is not PostgreSQL's: %v", err)
	}
}

// Rekey works on PostgreSQL too (every instance stopped): the rows move to
// the new key, which alone verifies afterwards.
func TestRekeyOnPostgres(t *testing.T) {
	cfg := pgConfig(t.TempDir(), pgtest.NewDatabase(t), io.Discard)
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	sess, secret := enrollDevice(t, srv)
	srv.Close()
	cfg.NewMasterKey = secrets.EncodeKey(bytes.Repeat([]byte{6}, secrets.KeySize))
	if res, err := Rekey(context.Background(), cfg); err != nil || res.Devices != 1 {
		t.Fatalf("rekey %+v %v", res, err)
	}
	if _, err := New(cfg); !errors.Is(err, ErrUnknownKeyID) {
		t.Fatalf("the old key after rekey: %v", err)
	}
	cfg.MasterKey, cfg.NewMasterKey = cfg.NewMasterKey, ""
	if srv, err = New(cfg); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if err := verifyNow(t, srv, sess, secret, 30*time.Second); err != nil {
		t.Fatalf("verify after rekey: %v", err)
	}
}
