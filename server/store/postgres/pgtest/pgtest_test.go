package pgtest

import (
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { Main(m) }

// A database made for a test is empty, usable, and gone after DropDatabase;
// as root, the cluster's files belong to another user.
func TestDatabaseLifecycle(t *testing.T) {
	ctx := context.Background()
	c := Get(t)
	start := time.Now()
	u, err := c.CreateDatabase(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("CREATE DATABASE took %v", time.Since(start))
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	var tables int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE schemaname = 'public'`).Scan(&tables); err != nil || tables != 0 {
		t.Fatalf("%d tables in a new database, %v", tables, err)
	}
	conn.Close(ctx)
	if c.cmd != nil && os.Geteuid() == 0 {
		st, err := os.Stat(c.dir + "/data")
		if err != nil {
			t.Fatal(err)
		}
		if uid := ownerUID(st); uid == 0 {
			t.Fatal("the cluster's data directory belongs to root")
		}
	}
	if err := c.DropDatabase(ctx, u); err != nil {
		t.Fatal(err)
	}
	if conn, err := pgx.Connect(ctx, u); err == nil {
		conn.Close(ctx)
		t.Fatal("connected to a dropped database")
	}
}

// Without PostgreSQL a test skips and names the package, except under
// CI=true, where it fails: run this package's lifecycle test again in a
// child process that cannot find the binaries.
func TestMissingPostgresSkipsOrFailsUnderCI(t *testing.T) {
	empty := t.TempDir()
	for _, ci := range []string{"", "true"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestDatabaseLifecycle$", "-test.v")
		cmd.Env = append(os.Environ(), EnvURL+"=", EnvBinDir+"="+empty, "CI="+ci)
		out, err := cmd.CombinedOutput()
		switch {
		case ci == "" && (err != nil || !strings.Contains(string(out), "--- SKIP") || !strings.Contains(string(out), "apt-get install postgresql")):
			t.Errorf("outside CI: %v\n%s", err, out)
		case ci == "true" && (err == nil || !strings.Contains(string(out), "--- FAIL") || strings.Contains(string(out), "--- SKIP")):
			t.Errorf("under CI=true: %v\n%s", err, out)
		}
	}
}

// Directories of clusters whose test binary died are removed at the next
// start: an hour old and no live server in them; not a young one, nor one
// whose server lives.
func TestRemoveStale(t *testing.T) {
	old := time.Now().Add(-2 * time.Hour)
	mk := func(pid int, mtime time.Time) string {
		dir, err := os.MkdirTemp("", "twofold-pg-")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(dir) })
		if pid != 0 {
			os.MkdirAll(dir+"/data", 0o700)
			if err := os.WriteFile(dir+"/data/postmaster.pid", []byte(strconv.Itoa(pid)+"\n/x\n"), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.Chtimes(dir, mtime, mtime); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	stale := mk(dead.Process.Pid, old)
	noPid := mk(0, old)
	live := mk(os.Getpid(), old)
	young := mk(dead.Process.Pid, time.Now())
	removeStale()
	for dir, want := range map[string]bool{stale: false, noPid: false, live: true, young: true} {
		if _, err := os.Stat(dir); (err == nil) != want {
			t.Errorf("%s: kept %v, want %v", dir, err == nil, want)
		}
	}
}
