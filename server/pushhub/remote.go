package pushhub

import (
	"context"
	"crypto/subtle"
	"errors"
	"time"

	"github.com/twofold-auth/twofold/server/auth"
	"github.com/twofold-auth/twofold/server/store"
	"github.com/twofold-auth/twofold/shared/pushproto"
)

// Feed brings the push changes that other server instances commit: on
// PostgreSQL, LISTEN/NOTIFY (server/store/postgres's Listener). Without a
// feed (SQLite: one instance) the hub hears everything from its own
// process's push service, through service.PushNotifier.
type Feed interface {
	// Follow calls changed for each change until ctx ends, and resync
	// whenever changes may have been missed (a lost connection).
	Follow(ctx context.Context, changed func(store.PushChange), resync func()) error
}

// remoteWorkers bounds the database reads in flight for other instances'
// changes; the feed waits for a free one (its notifications queue in the
// database meanwhile).
const remoteWorkers = 32

// Follow applies the changes of other instances to this hub's device
// connections and waiting browsers until ctx ends. A change carries ids
// only, and most concern no connection of this instance: those cost a map
// lookup. For the others the hub reads the state from the database: a new
// challenge is offered with the account's pending ones (as when a device
// connects; a connection sends each prompt once), a settled one is
// announced to the account's devices and wakes its waiting browsers, and a
// device whose registration changed is closed if it is gone or has
// another key.
func (h *Hub) Follow(ctx context.Context, f Feed) error {
	return f.Follow(ctx, func(c store.PushChange) { h.changed(ctx, c) }, func() { h.resync(ctx) })
}

func (h *Hub) changed(ctx context.Context, c store.PushChange) {
	switch c.Kind {
	case store.PushPrompted:
		if conns := h.userConns(c.UserID); len(conns) > 0 {
			at := time.Now()
			h.async(func() { h.offerPending(ctx, conns, at) })
		}
	case store.PushSettled:
		h.wake(c.ID) // the browser reads the outcome itself
		if conns := h.userConns(c.UserID); len(conns) > 0 {
			h.async(func() { h.settleFrom(ctx, c.ID, conns) })
		}
	case store.PushRegistrationChanged:
		if cn := h.conn(c.ID); cn != nil {
			h.async(func() { h.recheck(ctx, cn) })
		}
	}
}

// resync catches up after changes may have been missed: every waiting
// browser reads its challenge again; every connected account is offered
// its pending prompts, and told of those it was sent that have settled
// since; every connection's registration is checked.
func (h *Hub) resync(ctx context.Context) {
	h.mu.Lock()
	for _, set := range h.waiters {
		for ch := range set {
			select {
			case ch <- struct{}{}:
			default:
			}
		}
	}
	users := make([][]*conn, 0, len(h.byUser))
	for _, set := range h.byUser {
		conns := make([]*conn, 0, len(set))
		for c := range set {
			conns = append(conns, c)
		}
		users = append(users, conns)
	}
	h.mu.Unlock()
	for _, conns := range users {
		h.async(func() {
			pending := h.offerPending(ctx, conns, time.Time{})
			for _, cn := range conns {
				h.recheck(ctx, cn)
				for _, id := range cn.unsettled() {
					if !pending[id] {
						h.settleFrom(ctx, id, []*conn{cn})
					}
				}
			}
		})
	}
}

// offerPending sends the account's pending prompts to its connections
// (each connection sends a prompt once) and returns their ids.
func (h *Hub) offerPending(ctx context.Context, conns []*conn, at time.Time) map[string]bool {
	pending, err := h.svc.Pending(ctx, conns[0].reg)
	if err != nil {
		h.opts.Log.Error("push: pending prompts", "err", err)
		return nil
	}
	ids := make(map[string]bool, len(pending))
	for _, p := range pending {
		ids[p.ID] = true
		f := promptFrame(p)
		for _, cn := range conns {
			cn.sendPrompt(p.ID, f, at)
		}
	}
	return ids
}

// settleFrom tells the connections that a challenge is over, if it is.
func (h *Hub) settleFrom(ctx context.Context, id string, conns []*conn) {
	ch, err := h.svc.ChallengeState(ctx, id)
	if errors.Is(err, auth.ErrPushNotFound) {
		ch, err = auth.PushChallenge{ID: id, State: auth.PushExpired}, nil // gone with its account
	}
	if err != nil {
		h.opts.Log.Error("push: challenge state", "challenge_id", id, "err", err)
		return
	}
	if ch.State == auth.PushPending {
		return
	}
	f := pushproto.EncodeSettled(pushproto.Settled{ChallengeID: id, Outcome: string(ch.State)})
	for _, cn := range conns {
		cn.settle(id, f)
	}
}

// recheck closes a connection whose registration is gone (4001) or now
// has another key (4000).
func (h *Hub) recheck(ctx context.Context, cn *conn) {
	reg, err := h.svc.Registration(ctx, cn.deviceID)
	switch {
	case errors.Is(err, auth.ErrPushRevoked):
		cn.close(statusRevoked, "registration revoked")
	case err != nil:
		h.opts.Log.Error("push: registration", "device_id", cn.deviceID, "err", err)
	case !sameKey(reg.PublicKey, cn.reg.PublicKey):
		cn.close(statusReplaced, "registration replaced")
	}
}

// userConns are the account's connections to this instance.
func (h *Hub) userConns(userID string) []*conn {
	h.mu.Lock()
	defer h.mu.Unlock()
	set := h.byUser[userID]
	if len(set) == 0 {
		return nil
	}
	out := make([]*conn, 0, len(set))
	for c := range set {
		out = append(out, c)
	}
	return out
}

// async runs fn on one of the remote workers, waiting for a free one.
func (h *Hub) async(fn func()) {
	h.work <- struct{}{}
	go func() {
		defer func() { <-h.work }()
		fn()
	}()
}

func sameKey(a, b []byte) bool { return subtle.ConstantTimeCompare(a, b) == 1 }
