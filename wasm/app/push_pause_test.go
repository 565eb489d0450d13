package main

import (
	"bytes"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/twofold-auth/twofold/shared/pushproto"
	"github.com/twofold-auth/twofold/wasm/accounts"
	"github.com/twofold-auth/twofold/wasm/pushclient"
	"github.com/twofold-auth/twofold/wasm/vault"
)

// waitStatus reads events until a status event of the account says paused
// (or not), and fails after a bound.
func waitStatus(t *testing.T, events chan PushEvent, id string, paused bool) PushStatus {
	t.Helper()
	deadline := time.After(10 * time.Second) // a bound, not a measurement
	for {
		select {
		case e := <-events:
			if e.Type == "status" && e.AccountID == id && e.Status != nil && e.Status.Paused == paused && e.Status.State == "connected" {
				return *e.Status
			}
		case <-deadline:
			t.Fatalf("no status event with paused=%v", paused)
		}
	}
}

func prompt(id string) []byte {
	return pushproto.EncodePrompt(pushproto.Prompt{ChallengeID: id, Numbers: [3]int{11, 22, 33}, Service: "Twofold",
		Account: "ana@example.com", CreatedMs: t0.UnixMilli(), ExpiresMs: t0.Add(time.Minute).UnixMilli()})
}

func statusFor(t *testing.T, a *App, id string) PushStatus {
	t.Helper()
	list, err := a.PushStatuses()
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range list {
		if st.AccountID == id {
			return st
		}
	}
	t.Fatalf("no status for %s in %+v", id, list)
	return PushStatus{}
}

// Issue 12, item 4: after "Deny, this wasn't me" the account's status says
// its prompts are paused (the page shows what to do), also when the report
// was made on another device of the account; the next prompt shows the
// server resumed them, and the pause is lifted. Lock keeps it.
func TestPushReportPausesAccount(t *testing.T) {
	a, f, events, store := pushApp(t)
	acct, _ := a.AddURI(pushURI)
	if _, err := a.PushEnable(acct.ID); err != nil {
		t.Fatal(err)
	}
	c := f.conn(t)
	if st := statusFor(t, a, acct.ID); st.Paused {
		t.Fatalf("paused before any report: %+v", st)
	}

	c.in <- prompt("pch_1")
	verdict := make(chan PushVerdict, 1)
	go func() {
		for e := range events {
			if e.Type == "prompt" {
				break
			}
		}
		v, err := a.PushAnswer("pch_1", "report", 0)
		if err != nil {
			t.Error(err)
		}
		verdict <- v
	}()
	ans, _ := pushproto.Decode(<-c.out)
	if af, err := ans.Answer(); err != nil || af.Decision != pushproto.Report {
		t.Fatalf("answer %+v %v", af, err)
	}
	c.in <- pushproto.EncodeSettled(pushproto.Settled{ChallengeID: "pch_1", Outcome: pushproto.OutcomeReported})
	if v := <-verdict; v.Outcome != pushproto.OutcomeReported {
		t.Fatalf("verdict %+v", v)
	}
	st := waitStatus(t, events, acct.ID, true)
	if st.PausedAtMs != float64(t0.UnixMilli()) || st.Server != "https://id.example.com" {
		t.Fatalf("paused status %+v", st)
	}
	if st := statusFor(t, a, acct.ID); !st.Paused {
		t.Fatalf("PushStatuses after the report: %+v", st)
	}

	// The pause is kept in the vault: a reload (another App on the same
	// storage, unlocked, push started) still says it, from the same time.
	storedPause := func(app *App) int64 {
		var ms int64
		_ = app.read(func(s *accounts.State) error {
			if acc, ok := s.Find(acct.ID); ok && acc.Push != nil {
				ms = acc.Push.PausedMs
			}
			return nil
		})
		return ms
	}
	for deadline := time.Now().Add(10 * time.Second); storedPause(a) != t0.UnixMilli(); { // a bound, not a measurement
		if time.Now().After(deadline) {
			t.Fatal("the pause was not saved in the vault")
		}
		time.Sleep(10 * time.Millisecond)
	}
	reloaded := NewApp(Config{Storage: store, Params: vault.Params{MemoryKiB: 8, Time: 1, Threads: 1}, Rand: rand.NewChaCha8([32]byte{2}),
		Now: func() time.Time { return t0 },
		Push: PushConfig{HTTP: f, Dial: f.dial, Keys: testKeys, OnEvent: func(PushEvent) {},
			Options: pushclient.Options{Now: func() time.Time { return t0 }, Rand: bytes.NewReader(make([]byte, 1<<10))}}})
	if err := reloaded.Unlock(pass); err != nil {
		t.Fatal(err)
	}
	if err := reloaded.PushStart(); err != nil {
		t.Fatal(err)
	}
	if st := statusFor(t, reloaded, acct.ID); !st.Paused || st.PausedAtMs != float64(t0.UnixMilli()) {
		t.Fatalf("after a reload: %+v", st)
	}
	reloaded.Lock()

	// The server prompts again only once it resumed: the pause is lifted.
	c.in <- prompt("pch_2")
	waitStatus(t, events, acct.ID, false)
	if st := statusFor(t, a, acct.ID); st.Paused {
		t.Fatalf("still paused after a new prompt: %+v", st)
	}
	for deadline := time.Now().Add(10 * time.Second); storedPause(a) != 0; { // a bound, not a measurement
		if time.Now().After(deadline) {
			t.Fatal("the lifted pause was not saved in the vault")
		}
		time.Sleep(10 * time.Millisecond)
	}

	// A report made on another device of the account reaches this one as
	// the prompt's settlement: paused here too.
	c.in <- pushproto.EncodeSettled(pushproto.Settled{ChallengeID: "pch_2", Outcome: pushproto.OutcomeReported})
	waitStatus(t, events, acct.ID, true)
	// A denial is no report.
	c.in <- prompt("pch_3")
	waitStatus(t, events, acct.ID, false)
	c.in <- pushproto.EncodeSettled(pushproto.Settled{ChallengeID: "pch_3", Outcome: pushproto.OutcomeDenied})
	c.in <- prompt("pch_4")
	c.in <- pushproto.EncodeSettled(pushproto.Settled{ChallengeID: "pch_4", Outcome: pushproto.OutcomeReported})
	waitStatus(t, events, acct.ID, true)

	// Turning prompts off forgets it (a new registration is a new device).
	if err := a.PushDisable(acct.ID); err != nil {
		t.Fatal(err)
	}
	if st := statusFor(t, a, acct.ID); st.Paused || st.Enabled {
		t.Fatalf("after turning prompts off: %+v", st)
	}
}
