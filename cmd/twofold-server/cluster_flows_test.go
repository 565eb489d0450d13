package main

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/twofold-auth/twofold/server/api/apitest"
	"github.com/twofold-auth/twofold/server/api/client"
	"github.com/twofold-auth/twofold/server/api/wire"
	"github.com/twofold-auth/twofold/shared/pushproto"
)

// Two processes on one database behave as one server: an account enrolled
// through A signs in through B with its password and the next code, and
// that code, spent at B, is refused at A.
func TestClusterEnrollHereSignInThere(t *testing.T) {
	ps, _ := cluster(t, 2)
	a, b := ps[0], ps[1]
	ctx := ctxT(t)
	acct, err := apitest.Enroll(ctx, a.url, "ann@example.com", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	atA, atB := acct.Client(a.url), acct.Client(b.url)
	if err := atA.SignOut(ctx); err != nil {
		t.Fatal(err)
	}
	if s, err := atB.SignIn(ctx, acct.Email, apitest.Password); err != nil || s.Session.Stage != "partial" {
		t.Fatalf("sign in at B: %+v %v", s, err)
	}
	next := acct.Code(time.Now().Add(30 * time.Second)) // the activation spent the current step
	s, err := atB.SecondFactor(ctx, wire.SecondFactorRequest{Code: next})
	if err != nil || s.Session.Stage != "full" || !slices.Equal(s.Session.AMR, []string{"pwd", "otp"}) {
		t.Fatalf("second factor at B: %+v %v", s, err)
	}
	if _, err := atA.SecondFactor(ctx, wire.SecondFactorRequest{Code: next}); !client.IsCode(err, "verification_failed") {
		t.Fatalf("the code spent at B, again at A: %v", err)
	}
}

// Invariant 2 across processes: one code sent 100 times at once, half to
// each process, succeeds exactly once.
func TestClusterSameCodeAtBothOnce(t *testing.T) {
	ps, _ := cluster(t, 2)
	ctx := ctxT(t)
	acct, err := apitest.Enroll(ctx, ps[0].url, "ann@example.com", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	code := acct.Code(time.Now().Add(30 * time.Second))
	const n = 100
	start := make(chan struct{})
	results := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		c := acct.Client(ps[i%2].url)
		c.Time(ctx) // connect first, so the requests leave together
		wg.Go(func() {
			<-start
			_, results[i] = c.SecondFactor(ctx, wire.SecondFactorRequest{Code: code})
		})
	}
	close(start)
	wg.Wait()
	ok := 0
	for i, err := range results {
		switch {
		case err == nil:
			ok++
		case !client.IsCode(err, "verification_failed"):
			t.Errorf("request %d (process %d): %v", i, i%2, err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d of %d submissions of one code succeeded, want exactly 1", ok, n)
	}
}

// A device connected to process A receives the prompt a sign-in page
// creates through process B; its approval (sent to A) completes the page
// waiting on B.
func TestClusterPushAcrossProcesses(t *testing.T) {
	ps, _ := cluster(t, 2)
	a, b := ps[0], ps[1]
	ctx := ctxT(t)
	acct, err := apitest.Enroll(ctx, a.url, "ann@example.com", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	dev := apitest.NewDevice(acct.DeviceID, clusterOrigin)
	if err := dev.Register(ctx, acct.Client(a.url), acct.Secret, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := dev.Connect(ctx, a.url); err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	atB := acct.Client(b.url)
	atB.SignOut(ctx)
	if _, err := atB.SignIn(ctx, acct.Email, apitest.Password); err != nil {
		t.Fatal(err)
	}
	ch, err := atB.CreatePushChallenge(ctx)
	if err != nil {
		t.Fatal(err)
	}
	states, err := apitest.Events(ctx, acct.Browser, b.url, ch.ID)
	if err != nil {
		t.Fatal(err)
	}
	if s := <-states; s.State != "pending" {
		t.Fatalf("first state %+v", s)
	}
	p, err := dev.Prompt(10 * time.Second)
	if err != nil || p.ChallengeID != ch.ID || !slices.Contains(p.Numbers[:], ch.Number) {
		t.Fatalf("device on A: prompt %+v %v, want %s", p, err, ch.ID)
	}
	if err := dev.Answer(ctx, ch.ID, pushproto.Approve, ch.Number); err != nil {
		t.Fatal(err)
	}
	select {
	case s := <-states:
		if s.State != "approved" {
			t.Fatalf("page on B saw %+v", s)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the page waiting on B never learnt of the approval given through A")
	}
	s, err := atB.CompletePushSignIn(ctx, ch.ID)
	if err != nil || s.Session.Stage != "full" || !slices.Equal(s.Session.AMR, []string{"pwd", "push"}) {
		t.Fatalf("complete at B: %+v %v", s, err)
	}
}
