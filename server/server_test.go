package server

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twofold-auth/twofold/server/auth"
	"github.com/twofold-auth/twofold/server/credential"
	"github.com/twofold-auth/twofold/server/secrets"
	"github.com/twofold-auth/twofold/server/service"
	"github.com/twofold-auth/twofold/shared/otpcode"
)

var fastArgon2 = credential.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func testConfig(dir string, logs io.Writer) Config {
	return Config{DataDir: dir, LogOutput: logs, Auth: service.Config{Argon2: fastArgon2}, Addr: "127.0.0.1:0"}
}

func TestConfigDefaults(t *testing.T) {
	c, err := Config{}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":8080" || c.BaseURL != "http://localhost:8080" || c.DataDir != "data" ||
		c.DBPath != filepath.Join("data", "twofold.db") || c.MasterKeyFile != filepath.Join("data", "master.key") ||
		c.LogLevel != "info" || c.LogFormat != "text" || c.App == nil || c.Now == nil || c.Rand == nil {
		t.Fatalf("defaults %+v", c)
	}
	if c.DBSync != "normal" {
		t.Fatalf("DBSync default %q", c.DBSync)
	}
	if d := DefaultConfig(); c.RateLimit != d.RateLimit || c.SweepInterval != time.Minute || c.ShutdownGrace != 10*time.Second ||
		c.Auth.PendingDeviceTTL != 10*time.Minute || c.Addr != d.Addr || c.DBSync != d.DBSync {
		t.Fatalf("defaults %+v, DefaultConfig %+v", c, d)
	}
	for _, bad := range []Config{{Addr: "nonsense"}, {BaseURL: "ftp://x"}, {LogLevel: "loud"}, {LogFormat: "xml"}, {DBSync: "sometimes"}} {
		if _, err := bad.withDefaults(); !errors.Is(err, ErrConfig) {
			t.Errorf("%+v: %v", bad, err)
		}
	}
}

// The production default for passwords is Argon2id at 19 MiB or more.
func TestProductionArgon2Default(t *testing.T) {
	srv, err := New(Config{DataDir: t.TempDir(), LogOutput: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if p := srv.Services().Config().Argon2; p.MemoryKiB < 19*1024 || p.Time < 2 || p != credential.DefaultArgon2 {
		t.Fatalf("server default Argon2 %+v", p)
	}
}

// Invariant 1, key handling: the key file is created 0600 once, logged by
// path and id, never by value; a server with another key refuses a database
// it cannot read.
func TestInvariant1_MasterKeyFileAndWrongKey(t *testing.T) {
	dir := t.TempDir()
	logs := &syncBuf{}
	srv, err := New(testConfig(dir, logs))
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(dir, "master.key")
	info, err := os.Stat(keyFile)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", info, err)
	}
	if db, _ := os.Stat(filepath.Join(dir, "twofold.db")); db.Mode().Perm() != 0o600 {
		t.Fatalf("database mode %v", db.Mode().Perm())
	}
	key, _ := secrets.ReadKeyFile(keyFile)
	if !strings.Contains(logs.String(), "created a new master key file") || !strings.Contains(logs.String(), secrets.KeyID(key)) ||
		strings.Contains(logs.String(), secrets.EncodeKey(key)) {
		t.Fatalf("creation log: %s", logs.String())
	}
	enrollDevice(t, srv)
	srv.Close()

	logs2 := &syncBuf{}
	srv, err = New(testConfig(dir, logs2))
	if err != nil {
		t.Fatal(err)
	}
	srv.Close()
	if strings.Contains(logs2.String(), "created") {
		t.Fatal("key file created twice")
	}
	other := testConfig(dir, io.Discard)
	other.MasterKey = secrets.EncodeKey(bytes.Repeat([]byte{1}, 32))
	if _, err := New(other); !errors.Is(err, ErrUnknownKeyID) {
		t.Fatalf("wrong key: %v", err)
	}
}

// enrollDevice signs up a user with one active device and returns a
// function giving a full session and the seed.
func enrollDevice(t *testing.T, srv *Server) (auth.Session, []byte) {
	t.Helper()
	ctx := context.Background()
	c := auth.Client{Addr: "192.0.2.1"}
	ns, err := srv.Services().Accounts.SignUp(ctx, c, "k"+strings.ReplaceAll(t.Name(), "/", "")+"@example.com", "correct horse", "")
	if err != nil {
		t.Fatal(err)
	}
	enr, err := srv.Services().Devices.Enroll(ctx, c, ns.Session, "phone", auth.Factor{})
	if err != nil {
		t.Fatal(err)
	}
	code, _ := otpcode.TOTP(enr.Key.Secret, otpcode.Params{Algorithm: "SHA1", Digits: 6, Period: 30}, srv.cfg.Now().Add(-30*time.Second))
	if _, err := srv.Services().Devices.Activate(ctx, c, ns.Session, enr.Device.ID, code); err != nil {
		t.Fatal(err)
	}
	return ns.Session, enr.Key.Secret
}

func verifyNow(t *testing.T, srv *Server, sess auth.Session, secret []byte, offset time.Duration) error {
	code, _ := otpcode.TOTP(secret, otpcode.Params{Algorithm: "SHA1", Digits: 6, Period: 30}, time.Now().Add(offset))
	_, err := srv.Services().Accounts.SecondFactor(context.Background(), auth.Client{}, sess, auth.Factor{Code: code}, false)
	return err
}

func TestRekeyWithKeyFile(t *testing.T) {
	dir := t.TempDir()
	srv, err := New(testConfig(dir, io.Discard))
	if err != nil {
		t.Fatal(err)
	}
	sess, secret := enrollDevice(t, srv)
	srv.Close()
	keyFile := filepath.Join(dir, "master.key")
	oldKey, _ := secrets.ReadKeyFile(keyFile)

	res, err := Rekey(context.Background(), testConfig(dir, io.Discard))
	if err != nil || res.Devices != 1 || res.OldKeyID != secrets.KeyID(oldKey) || res.NewKeyID == res.OldKeyID {
		t.Fatalf("rekey %+v %v", res, err)
	}
	newKey, _ := secrets.ReadKeyFile(keyFile)
	if secrets.KeyID(newKey) != res.NewKeyID {
		t.Fatal("key file not replaced")
	}
	if kept, _ := secrets.ReadKeyFile(keyFile + ".old"); !bytes.Equal(kept, oldKey) {
		t.Fatal("old key not kept")
	}
	if _, err := os.Stat(keyFile + ".new"); !os.IsNotExist(err) {
		t.Fatal(".new left behind")
	}
	// Rows carry the new key id, and the seed still verifies with only the new key.
	os.Remove(keyFile + ".old")
	srv, err = New(testConfig(dir, io.Discard))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ds, _ := srv.Store().AllDevices(context.Background())
	if len(ds) != 1 || ds[0].KeyID != res.NewKeyID {
		t.Fatalf("devices %+v", ds)
	}
	if err := verifyNow(t, srv, sess, secret, 0); err != nil {
		t.Fatalf("verify after rekey: %v", err)
	}
}

func TestRekeyWithEnvironmentKeys(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(dir, io.Discard)
	cfg.MasterKey = secrets.EncodeKey(bytes.Repeat([]byte{3}, 32))
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	sess, secret := enrollDevice(t, srv)
	srv.Close()
	if _, err := Rekey(context.Background(), cfg); !errors.Is(err, ErrRekeyNeedsKey) {
		t.Fatalf("no new key: %v", err)
	}
	cfg.NewMasterKey = secrets.EncodeKey(bytes.Repeat([]byte{4}, 32))
	if res, err := Rekey(context.Background(), cfg); err != nil || res.Devices != 1 {
		t.Fatalf("%+v %v", res, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "master.key")); !os.IsNotExist(err) {
		t.Fatal("a key file appeared though the key is in the environment")
	}
	if _, err := New(cfg); !errors.Is(err, ErrUnknownKeyID) {
		t.Fatalf("old key after rekey: %v", err)
	}
	cfg.MasterKey, cfg.NewMasterKey = cfg.NewMasterKey, ""
	srv, err = New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if err := verifyNow(t, srv, sess, secret, 0); err != nil {
		t.Fatalf("verify after rekey: %v", err)
	}
}

func TestServeAndGracefulShutdown(t *testing.T) {
	srv, err := New(testConfig(t.TempDir(), io.Discard))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	resp, err := http.Get("http://" + ln.Addr().String() + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", resp, err)
	}
	resp.Body.Close()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no shutdown")
	}
	if _, err := http.Get("http://" + ln.Addr().String() + "/healthz"); err == nil {
		t.Fatal("still serving")
	}
}
