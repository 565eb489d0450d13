package postgres

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twofold-auth/twofold/server/store"
	"github.com/twofold-auth/twofold/server/store/storetest"
)

// TestConcurrentProcesses re-runs this test binary as child processes
// (childEnv names their role) that share nothing but the database.
const (
	childEnv    = "TWOFOLD_PGTEST_CHILD"
	childURLEnv = "TWOFOLD_PGTEST_CHILD_URL"

	raceProcs      = 6  // child processes
	raceGoroutines = 4  // racing goroutines in each
	raceRounds     = 10 // rounds per goroutine: a verification, an answer, a redemption
)

// raceReport is what a child process prints when it is done.
type raceReport struct {
	PID                                  int
	Consumed, Booked, Answered, Redeemed int // successes of each kind
	Updates, Retries, MaxRuns            int // Update calls, runs again, most runs of one function
	Errors                               []string
}

// Invariants 2, 3 and 6 across processes: six processes of four goroutines
// each race to consume one TOTP step (a verification that fails books a
// throttle failure and an audit event, in the same transaction), to answer
// one push challenge and to redeem another. In total exactly one of each
// succeeds, and every failed verification is booked: the throttle record
// and the audit log count all of them.
func TestConcurrentProcesses(t *testing.T) {
	s, url := openTest(t, Options{})
	storetest.SeedUser(t, s, "usr_a")
	storetest.SeedDevice(t, s, "usr_a", "dev_a", store.DeviceActive)
	storetest.Update(t, s, func(tx store.Tx) error {
		for _, id := range []string{"pch_answer", "pch_redeem"} {
			if err := tx.CreatePushChallenge(ctx, store.PushChallenge{ID: id, UserID: "usr_a", SessionID: "ses_a",
				Number: 42, Candidates: [3]int{17, 42, 88}, State: store.PushPending, CreatedAt: t0, ExpiresAt: t0.Add(time.Minute)}); err != nil {
				return err
			}
		}
		_, err := tx.AnswerPushChallenge(ctx, "pch_redeem", "usr_a", store.PushApproved, "dev_a", t0)
		return err
	})

	type child struct {
		cmd    *exec.Cmd
		stdin  io.WriteCloser
		stdout *bufio.Reader
		stderr bytes.Buffer
	}
	children := make([]*child, raceProcs)
	for i := range children {
		c := &child{cmd: exec.Command(os.Args[0], "-test.run=^$")}
		c.cmd.Env = append(os.Environ(), childEnv+"=race", childURLEnv+"="+url)
		c.cmd.Stderr = &c.stderr
		var err error
		if c.stdin, err = c.cmd.StdinPipe(); err != nil {
			t.Fatal(err)
		}
		out, err := c.cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		c.stdout = bufio.NewReader(out)
		if err := c.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer c.cmd.Process.Kill() // a no-op once it has exited
		children[i] = c
	}
	// Start them together: each has opened the store when it says ready.
	for i, c := range children {
		if line, err := c.stdout.ReadString('\n'); strings.TrimSpace(line) != "ready" {
			t.Fatalf("child %d: %q %v\n%s", i, line, err, c.stderr.String())
		}
	}
	began := time.Now()
	for _, c := range children {
		io.WriteString(c.stdin, "go\n")
		c.stdin.Close()
	}
	var total raceReport
	pids := map[int]bool{}
	for i, c := range children {
		var r raceReport
		if err := json.NewDecoder(c.stdout).Decode(&r); err != nil {
			t.Fatalf("child %d: report: %v\n%s", i, err, c.stderr.String())
		}
		if err := c.cmd.Wait(); err != nil {
			t.Errorf("child %d: %v\n%s", i, err, c.stderr.String())
		}
		for _, e := range r.Errors {
			t.Errorf("child %d: %s", i, e)
		}
		pids[r.PID] = true
		total.Consumed += r.Consumed
		total.Booked += r.Booked
		total.Answered += r.Answered
		total.Redeemed += r.Redeemed
		total.Updates += r.Updates
		total.Retries += r.Retries
		total.MaxRuns = max(total.MaxRuns, r.MaxRuns)
	}
	took := time.Since(began)
	attempts := raceProcs * raceGoroutines * raceRounds
	t.Logf("%d processes × %d goroutines × %d rounds: %d updates in %v, %d runs again (at most %d runs of one function)",
		len(pids), raceGoroutines, raceRounds, total.Updates, took.Round(time.Millisecond), total.Retries, total.MaxRuns)
	if len(pids) != raceProcs || pids[os.Getpid()] {
		t.Fatalf("reports from %d distinct child processes, want %d", len(pids), raceProcs)
	}
	if total.MaxRuns > 3 {
		t.Errorf("a function ran %d times: a third run runs alone, so it cannot lose again", total.MaxRuns)
	}
	if total.Consumed != 1 || total.Answered != 1 || total.Redeemed != 1 {
		t.Fatalf("successes: %d consumptions, %d answers, %d redemptions; want one of each", total.Consumed, total.Answered, total.Redeemed)
	}
	if total.Booked != attempts-1 {
		t.Fatalf("children booked %d failures, want %d", total.Booked, attempts-1)
	}
	th, err := s.Throttle(ctx, "usr_a")
	if err != nil || th.ConsecutiveFailures != attempts-1 || th.WindowFailures != attempts-1 {
		t.Fatalf("throttle %+v %v: want %d failures booked", th, err, attempts-1)
	}
	var events int
	if err := s.pool.QueryRow(ctx, `SELECT COUNT(*) FROM audit_events WHERE user_id = 'usr_a' AND type = 'verification_failure'`).Scan(&events); err != nil || events != attempts-1 {
		t.Fatalf("%d failure events (%v), want %d", events, err, attempts-1)
	}
	if d, _ := s.Device(ctx, "usr_a", "dev_a"); d.LastStep == nil || *d.LastStep != 1000 {
		t.Fatalf("device %+v", d)
	}
	if c, _ := s.PushChallenge(ctx, "pch_answer"); c.State != store.PushApproved || !strings.HasPrefix(c.DeviceID, "dev_pid") {
		t.Fatalf("answered challenge %+v", c)
	}
	if c, _ := s.PushChallenge(ctx, "pch_redeem"); c.State != store.PushRedeemed {
		t.Fatalf("redeemed challenge %+v", c)
	}
}

// childMain is a child process of TestConcurrentProcesses: it opens the
// store, says ready, waits for the word, races, and prints its report.
func childMain(role string) int {
	if role != "race" {
		fmt.Fprintln(os.Stderr, "unknown child role", role)
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var mu sync.Mutex
	r := raceReport{PID: os.Getpid()}
	s, err := Open(ctx, os.Getenv(childURLEnv), Options{OnRetry: func(error) { mu.Lock(); r.Retries++; mu.Unlock() }})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer s.Close()
	fmt.Println("ready")
	if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	device := fmt.Sprintf("dev_pid%d", r.PID)
	// update runs fn, counting its runs (fn sets its outcome afresh on each).
	update := func(fn func(store.Tx) error) error {
		runs := 0
		err := s.Update(ctx, func(tx store.Tx) error { runs++; return fn(tx) })
		mu.Lock()
		defer mu.Unlock()
		r.Updates++
		r.MaxRuns = max(r.MaxRuns, runs)
		if err != nil {
			r.Errors = append(r.Errors, err.Error())
		}
		return err
	}
	var wg sync.WaitGroup
	for range raceGoroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range raceRounds {
				var consumed, booked, answered, redeemed bool
				// A verification: the step, else a booked failure.
				err := update(func(tx store.Tx) error {
					consumed, booked = false, false
					_, th, _, err := tx.VerifierState(ctx, "usr_a")
					if err != nil {
						return err
					}
					if consumed, err = tx.ConsumeStep(ctx, "dev_a", store.DeviceActive, 1000, t0); err != nil || consumed {
						return err
					}
					th.ConsecutiveFailures++
					th.WindowFailures++
					if err := tx.PutThrottle(ctx, th); err != nil {
						return err
					}
					booked = true
					return tx.AddAuditEvent(ctx, store.AuditEvent{UserID: "usr_a", Type: "verification_failure", At: t0, Detail: device})
				})
				if err != nil {
					consumed, booked = false, false
				}
				if update(func(tx store.Tx) error {
					var err error
					answered, err = tx.AnswerPushChallenge(ctx, "pch_answer", "usr_a", store.PushApproved, device, t0.Add(time.Second))
					return err
				}) != nil {
					answered = false
				}
				if update(func(tx store.Tx) error {
					var err error
					redeemed, err = tx.RedeemPushChallenge(ctx, "pch_redeem", "ses_a", t0)
					return err
				}) != nil {
					redeemed = false
				}
				mu.Lock()
				r.Consumed += b2i(consumed)
				r.Booked += b2i(booked)
				r.Answered += b2i(answered)
				r.Redeemed += b2i(redeemed)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if err := json.NewEncoder(os.Stdout).Encode(&r); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
