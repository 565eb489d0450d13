package server

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/twofold-auth/twofold/server/api/apitest"
	"github.com/twofold-auth/twofold/server/store"
	"github.com/twofold-auth/twofold/server/store/postgres/pgtest"
	"github.com/twofold-auth/twofold/server/store/storetest"
	"github.com/twofold-auth/twofold/shared/pushproto"
)

// origin is the public origin the instances of a test share, as they
// would behind a load balancer: devices sign it, whichever instance they
// reach.
const origin = "http://twofold.test"

// instanceLog receives the instances' logs: nothing, unless a test being
// debugged sets it to os.Stderr.
var instanceLog io.Writer = io.Discard

// instance is one server of a deployment, on its own loopback listener.
type instance struct {
	srv *Server
	url string
}

// startInstances starts n servers on one PostgreSQL database; they share
// nothing else.
func startInstances(t testing.TB, n int, dbURL string) []instance {
	t.Helper()
	out := make([]instance, n)
	for i := range out {
		cfg := pgConfig(t.TempDir(), dbURL, instanceLog)
		cfg.BaseURL, cfg.RateLimit.Requests = origin, -1
		srv, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { srv.Close() })
		out[i] = instance{srv: srv, url: serve(t, srv)}
	}
	return out
}

// pushAccount enrolls an account at one instance and registers a push
// device for it.
func pushAccount(t testing.TB, at instance, email string) (*apitest.Account, *apitest.Device) {
	t.Helper()
	a, err := apitest.Enroll(context.Background(), at.url, email, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	d := apitest.NewDevice(a.DeviceID, origin)
	if err := d.Register(context.Background(), a.Client(at.url), a.Secret, time.Now()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	return a, d
}

// partial signs the account's browser out and in again with its password
// at an instance: a partial session, which may ask for a push.
func partial(t testing.TB, a *apitest.Account, at instance) {
	t.Helper()
	c := a.Client(at.url)
	c.SignOut(context.Background())
	if s, err := c.SignIn(context.Background(), a.Email, apitest.Password); err != nil || s.Session.Stage != "partial" {
		t.Fatalf("sign in: %+v %v", s, err)
	}
}

// waitHealth waits until the instance's /healthz answers want.
func waitHealth(t testing.TB, in instance, want int) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if code, _ := health(t, in.url); code == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s/healthz never answered %d", in.url, want)
		}
	}
}

// adminExec runs statements as the test cluster's superuser, on its
// maintenance database.
func adminExec(t testing.TB, stmts ...string) {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), pgtest.Get(t).URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	for _, s := range stmts {
		if _, err := conn.Exec(context.Background(), s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// A lost notification connection loses no prompt. Instance A's listener
// is cut off (its server process ended, and the database refusing new
// connections for a while) and /healthz says so; meanwhile a prompt is
// created through B for a device connected to A, and a device connected
// to B approves a prompt whose sign-in page waits on A. Neither reaches A
// while it is deaf. When A listens again it catches up from the database:
// the pending prompt is offered to the device, and the settled one wakes
// the page, which completes the sign-in.
func TestNoPromptLostWhileNotListening(t *testing.T) {
	dbURL := pgtest.NewDatabase(t)
	u, _ := url.Parse(dbURL)
	dbName := pgx.Identifier{u.Path[1:]}.Sanitize()
	in := startInstances(t, 2, dbURL)
	a, b := in[0], in[1]
	ctx := context.Background()

	ann, annDevice := pushAccount(t, a, "ann@example.com")
	if err := annDevice.Connect(ctx, a.url); err != nil {
		t.Fatal(err)
	}
	bob, bobDevice := pushAccount(t, a, "bob@example.com")
	if err := bobDevice.Connect(ctx, b.url); err != nil {
		t.Fatal(err)
	}
	partial(t, bob, a)
	waiting, err := bob.Client(a.url).CreatePushChallenge(ctx)
	if err != nil {
		t.Fatal(err)
	}
	states, err := apitest.Events(ctx, bob.Browser, a.url, waiting.ID)
	if err != nil {
		t.Fatal(err)
	}
	if s := <-states; s.State != "pending" {
		t.Fatalf("first state %+v", s)
	}
	if p, err := bobDevice.Prompt(10 * time.Second); err != nil || p.ChallengeID != waiting.ID {
		t.Fatalf("prompt made on A, device on B: %+v %v", p, err)
	}

	// A (and B) go deaf.
	adminExec(t, "ALTER DATABASE "+dbName+" ALLOW_CONNECTIONS false",
		fmt.Sprintf("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'twofold-listen' AND datname = '%s'", u.Path[1:]))
	t.Cleanup(func() { adminExec(t, "ALTER DATABASE "+dbName+" ALLOW_CONNECTIONS true") })
	waitHealth(t, a, 503)
	partial(t, ann, b)
	missed, err := ann.Client(b.url).CreatePushChallenge(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := bobDevice.Answer(ctx, waiting.ID, pushproto.Approve, waiting.Number); err != nil {
		t.Fatal(err)
	}
	if f, err := annDevice.Next(500 * time.Millisecond); err == nil {
		t.Fatalf("A's device got frame kind %d while A was not listening", f.Kind)
	}
	select {
	case s := <-states:
		t.Fatalf("A's sign-in page learnt %+v while A was not listening", s)
	case <-time.After(300 * time.Millisecond):
	}

	adminExec(t, "ALTER DATABASE "+dbName+" ALLOW_CONNECTIONS true")
	if p, err := annDevice.Prompt(15 * time.Second); err != nil || p.ChallengeID != missed.ID {
		t.Fatalf("after A listens again, its device got %+v %v; want the prompt %s", p, err, missed.ID)
	}
	select {
	case s := <-states:
		if s.State != "approved" {
			t.Fatalf("A's sign-in page learnt %+v", s)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("A's sign-in page never learnt of the approval")
	}
	if s, err := bob.Client(a.url).CompletePushSignIn(ctx, waiting.ID); err != nil || s.Session.Stage != "full" {
		t.Fatalf("complete on A: %+v %v", s, err)
	}
	waitHealth(t, a, 200)
}

// Background work is safe with several instances because each statement
// is conditional (UPDATE ... WHERE state = 'pending' AND expires_at <= now,
// DELETE ... WHERE expires_at <= now): however the instances' expiry and
// sweep runs interleave, each challenge expires once (reported by one
// instance, whose hub tells its devices; the others hear of it through the
// database) and each expired row is deleted once, with no error.
func TestBackgroundWorkOnSeveralInstances(t *testing.T) {
	in := startInstances(t, 2, pgtest.NewDatabase(t))
	st, ctx := in[0].srv.Store(), context.Background()
	now := time.Now()
	const users, perUser = 10, 20
	for u := range users {
		userID := fmt.Sprintf("usr_%02d", u)
		storetest.SeedUser(t, st, userID)
		storetest.Update(t, st, func(tx store.Tx) error {
			for i := range perUser {
				id := fmt.Sprintf("%s_%02d", userID, i)
				if err := tx.CreatePushChallenge(ctx, store.PushChallenge{ID: "pch_" + id, UserID: userID, SessionID: "ses_" + id,
					Number: 42, Candidates: [3]int{17, 42, 88}, State: store.PushPending, CreatedAt: now.Add(-2 * time.Minute),
					ExpiresAt: now.Add(-time.Minute)}); err != nil {
					return err
				}
				if err := tx.CreateSession(ctx, store.Session{ID: "ses_" + id, TokenHash: []byte(id), UserID: userID, Stage: store.StagePartial,
					AMR: []string{"pwd"}, CreatedAt: now.Add(-time.Hour), ExpiresAt: now.Add(-time.Minute)}); err != nil {
					return err
				}
			}
			return nil
		})
	}
	var expired, swept atomic.Int64
	var wg sync.WaitGroup
	for _, inst := range in {
		for range 4 {
			wg.Go(func() {
				n, err := inst.srv.Services().Push.Expire(ctx)
				if err != nil {
					t.Errorf("expire: %v", err)
				}
				expired.Add(int64(n))
				_, sessions, err := inst.srv.Services().Sweep(ctx)
				if err != nil {
					t.Errorf("sweep: %v", err)
				}
				swept.Add(sessions)
			})
		}
	}
	wg.Wait()
	if expired.Load() != users*perUser || swept.Load() != users*perUser {
		t.Fatalf("expired %d challenges and swept %d sessions in all, want %d of each", expired.Load(), swept.Load(), users*perUser)
	}
	for u := range users {
		if p, err := st.PendingPushChallenges(ctx, fmt.Sprintf("usr_%02d", u), now.Add(-time.Hour)); err != nil || len(p) != 0 {
			t.Fatalf("still pending: %d %v", len(p), err)
		}
	}
}
