package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twofold-auth/twofold/server/api/apitest"
	"github.com/twofold-auth/twofold/server/api/client"
	"github.com/twofold-auth/twofold/server/api/wire"
	"github.com/twofold-auth/twofold/server/store"
	"github.com/twofold-auth/twofold/server/store/postgres"
	"github.com/twofold-auth/twofold/shared/pushproto"
)

// load is a mixed load on a cluster whose first process is killed midway,
// and the ledger of what the clients were told succeeded (a 2xx answer).
type load struct {
	t        *testing.T
	ps       []*process
	killedAt atomic.Int64 // unix ns; 0 while the first process lives
	stop     chan struct{}
	n        atomic.Int64

	mu          sync.Mutex
	activations []*apitest.Account
	steps       []spentStep
	redemptions []redemption
	fromEach    [2]int         // acknowledgments by process
	afterKill   map[string]int // acknowledgments by the survivor after the kill, by kind
}

type spentStep struct {
	acct *apitest.Account
	code string
	step uint64
}

type redemption struct {
	acct        *apitest.Account
	challengeID string
}

// pick chooses a process at random, as a load balancer that does not yet
// know the first one died would.
func (l *load) pick() int { return rand.IntN(len(l.ps)) }

func (l *load) running() bool {
	select {
	case <-l.stop:
		return false
	default:
		return true
	}
}

// acked records an acknowledgment of a kind from process i.
func (l *load) acked(i int, kind string, record func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	record()
	l.fromEach[i]++
	if i != 0 && l.killedAt.Load() != 0 {
		l.afterKill[kind]++
	}
}

// refused checks an error from process i: the survivor must never fail
// (no 5xx, no broken connection); the killed one may, from the kill on.
func (l *load) refused(i int, what string, err error, allowed ...string) {
	if err == nil {
		return
	}
	for _, code := range allowed {
		if client.IsCode(err, code) {
			return
		}
	}
	if i == 0 && client.StatusOf(err) == 0 {
		return // the killed process: not reached, or cut off mid-answer
	}
	l.t.Errorf("%s at process %d: %v", what, i, err)
}

// activate enrolls new accounts: sign-up, a device, its activation.
func (l *load) activate(ctx context.Context) {
	for l.running() {
		i := l.pick()
		acct, err := apitest.Enroll(ctx, l.ps[i].url, fmt.Sprintf("new%d@example.com", l.n.Add(1)), time.Now())
		if err == nil {
			l.acked(i, "activation", func() { l.activations = append(l.activations, acct) })
		}
		l.refused(i, "enroll", err)
	}
}

// spend steps accounts up with their next code, each step once.
func (l *load) spend(ctx context.Context, accts []*apitest.Account) {
	last := map[*apitest.Account]uint64{}
	for k := 0; l.running(); k++ {
		acct := accts[k%len(accts)]
		at := time.Now().Add(30 * time.Second)
		step := uint64(at.Unix() / 30)
		if last[acct] >= step {
			time.Sleep(5 * time.Millisecond)
			continue
		}
		time.Sleep(80 * time.Millisecond) // an account's one step spread over the run
		i, code := l.pick(), acct.Code(at)
		_, err := acct.Client(l.ps[i].url).SecondFactor(ctx, wire.SecondFactorRequest{Code: code})
		if err == nil {
			l.acked(i, "step", func() { l.steps = append(l.steps, spentStep{acct, code, step}) })
		}
		if err == nil || client.IsCode(err, "verification_failed") {
			last[acct] = step // refused: a request left unanswered by the kill spent it
		}
		l.refused(i, "step-up", err, "verification_failed")
	}
}

// redeem signs accounts in with their password and a push prompt, each
// approval completed once.
func (l *load) redeem(ctx context.Context, accts []*apitest.Account, devs []*apitest.Device) {
	for k := 0; l.running(); k++ {
		l.pushOnce(ctx, accts[k%len(accts)], devs[k%len(accts)])
	}
}

// pushOnce is one sign-in with a push: every request to a process chosen
// at random, the device moving to the survivor when its process dies.
func (l *load) pushOnce(ctx context.Context, acct *apitest.Account, dev *apitest.Device) {
	i := l.pick()
	c := acct.Client(l.ps[i].url)
	c.SignOut(ctx)
	if _, err := c.SignIn(ctx, acct.Email, apitest.Password); err != nil {
		l.refused(i, "sign in", err)
		return
	}
	i = l.pick()
	ch, err := acct.Client(l.ps[i].url).CreatePushChallenge(ctx)
	if err != nil {
		l.refused(i, "push", err, "push_limit")
		return
	}
	if !l.approve(ctx, dev, ch) {
		return
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		i = l.pick()
		got, err := acct.Client(l.ps[i].url).PushChallenge(ctx, ch.ID)
		l.refused(i, "push state", err)
		if err == nil && got.State == "approved" {
			break
		}
	}
	i = l.pick()
	if _, err := acct.Client(l.ps[i].url).CompletePushSignIn(ctx, ch.ID); err == nil {
		l.acked(i, "redemption", func() { l.redemptions = append(l.redemptions, redemption{acct, ch.ID}) })
	} else {
		l.refused(i, "complete", err, "verification_failed") // an earlier unanswered completion redeemed it
	}
}

// approve waits for the device to show the challenge and approves it;
// a device whose process died connects to the survivor, which offers it
// the pending prompts.
func (l *load) approve(ctx context.Context, dev *apitest.Device, ch wire.PushChallenge) bool {
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		p, err := dev.Prompt(time.Until(deadline))
		if err != nil {
			dev.Close()
			if err := dev.Connect(ctx, l.ps[1].url); err != nil {
				l.t.Errorf("device to the survivor: %v", err)
				return false
			}
			continue
		}
		if p.ChallengeID == ch.ID {
			if err := dev.Answer(ctx, ch.ID, pushproto.Approve, ch.Number); err != nil {
				continue // its process died meanwhile: reconnect and answer again
			}
			return true
		}
	}
	l.t.Errorf("challenge %s never reached its device", ch.ID)
	return false
}

// check reads, from the database, every acknowledged activation, spent
// step and redemption, and asks the survivor to accept each again.
func (l *load) check(ctx context.Context, dbURL string) {
	st, err := postgres.Open(ctx, dbURL, postgres.Options{})
	if err != nil {
		l.t.Fatal(err)
	}
	defer st.Close()
	survivor := l.ps[1].url
	for _, a := range l.activations {
		if d, err := st.DeviceByID(ctx, a.DeviceID); err != nil || d.State != store.DeviceActive {
			l.t.Errorf("acknowledged activation of %s lost: %+v %v", a.DeviceID, d, err)
		}
	}
	for _, s := range l.steps {
		d, err := st.DeviceByID(ctx, s.acct.DeviceID)
		if err != nil || d.LastStep == nil || *d.LastStep < s.step {
			l.t.Errorf("acknowledged step %d of %s lost: last step %v %v", s.step, s.acct.DeviceID, d.LastStep, err)
		}
		if _, err := s.acct.Client(survivor).SecondFactor(ctx, wire.SecondFactorRequest{Code: s.code}); !client.IsCode(err, "verification_failed") {
			l.t.Errorf("spent code of step %d accepted again: %v", s.step, err)
		}
	}
	for _, r := range l.redemptions {
		if ch, err := st.PushChallenge(ctx, r.challengeID); err != nil || ch.State != store.PushRedeemed {
			l.t.Errorf("acknowledged redemption of %s lost: %+v %v", r.challengeID, ch.State, err)
		}
		if _, err := r.acct.Client(survivor).CompletePushSignIn(ctx, r.challengeID); err == nil {
			l.t.Errorf("challenge %s redeemed twice", r.challengeID)
		}
	}
}

// accounts enrolls n accounts through the cluster, with push devices
// connected to random processes when push is set.
func (l *load) accounts(ctx context.Context, prefix string, n int, push bool) ([]*apitest.Account, []*apitest.Device) {
	accts, devs := make([]*apitest.Account, n), make([]*apitest.Device, n)
	var wg sync.WaitGroup
	for k := range n {
		wg.Go(func() {
			url := l.ps[k%len(l.ps)].url
			acct, err := apitest.Enroll(ctx, url, fmt.Sprintf("%s%d@example.com", prefix, k), time.Now())
			if err != nil {
				l.t.Error(err)
				return
			}
			accts[k] = acct
			if push {
				devs[k] = apitest.NewDevice(acct.DeviceID, clusterOrigin)
				if err := devs[k].Register(ctx, acct.Client(url), acct.Secret, time.Now()); err != nil {
					l.t.Error(err)
				} else if err := devs[k].Connect(ctx, l.ps[l.pick()].url); err != nil {
					l.t.Error(err)
				}
				l.t.Cleanup(devs[k].Close)
			}
		})
	}
	wg.Wait()
	if l.t.Failed() {
		l.t.FailNow()
	}
	return accts, devs
}

// kill -9 of one process during a mixed load (new accounts activating
// devices, step-ups with codes, sign-ins with a push prompt completed; each
// request to either process) leaves the other serving, without one
// failure, and loses nothing a client was told succeeded: every
// acknowledged activation is active, every acknowledged step is spent
// (and its code refused again), every acknowledged redemption is redeemed
// (and refused again).
func TestClusterKillOneUnderLoad(t *testing.T) {
	ps, dbURL := cluster(t, 2)
	ctx := ctxT(t)
	l := &load{t: t, ps: ps, stop: make(chan struct{}), afterKill: map[string]int{}}
	stepAccts, _ := l.accounts(ctx, "step", 2*40, false)
	pushAccts, devs := l.accounts(ctx, "push", 10, true)

	var wg sync.WaitGroup
	for w := range 2 {
		wg.Go(func() { l.activate(ctx) })
		wg.Go(func() { l.spend(ctx, stepAccts[w*40:(w+1)*40]) })
		wg.Go(func() { l.redeem(ctx, pushAccts[w*5:(w+1)*5], devs[w*5:(w+1)*5]) })
	}
	time.Sleep(2500 * time.Millisecond)
	ps[0].kill()
	l.killedAt.Store(time.Now().UnixNano())
	time.Sleep(3500 * time.Millisecond)
	close(l.stop)
	wg.Wait()

	t.Logf("acknowledged: %d activations, %d steps, %d redemptions; %d by the killed process, %d by the survivor (after the kill: %v)",
		len(l.activations), len(l.steps), len(l.redemptions), l.fromEach[0], l.fromEach[1], l.afterKill)
	if l.fromEach[0] == 0 || len(l.afterKill) != 3 {
		t.Fatalf("the load did not reach both processes, or the survivor stopped serving a kind (%d by the killed process; after the kill %v)",
			l.fromEach[0], l.afterKill)
	}
	l.check(ctx, dbURL)
}
