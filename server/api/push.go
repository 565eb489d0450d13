package api

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/twofold-auth/twofold/server/api/wire"
	"github.com/twofold-auth/twofold/server/auth"
	"github.com/twofold-auth/twofold/shared/pushproto"
)

// pushRoutes is push sign-in: device connections and registration, and the
// signing-in browser's side of a challenge.
type pushRoutes struct{ *api }

func (p pushRoutes) Routes() chi.Router {
	r := p.subrouter()
	r.Use(p.requirePush)
	r.Get("/ws", func(w http.ResponseWriter, r *http.Request) { p.hub.ServeHTTP(w, r) })
	r.With(p.registerLimit).Post("/registrations", p.handle(p.register))
	r.With(p.limit, p.requireSession).Post("/challenges", p.handle(p.create))
	r.With(p.requireSession).Get("/challenges/{id}", p.handle(p.get))
	r.With(p.requireSession).Get("/challenges/{id}/events", p.handle(p.events))
	r.With(p.limit, p.requireSession).Post("/challenges/{id}/complete", p.handle(p.complete))
	return r
}

func (p pushRoutes) requirePush(next http.Handler) http.Handler {
	return p.handle(func(w http.ResponseWriter, r *http.Request) error {
		if p.hub == nil || p.push == nil || !p.push.Enabled() {
			return auth.ErrPushDisabled
		}
		next.ServeHTTP(w, r)
		return nil
	})
}

// register records an authenticator's public key for one TOTP device. No
// session: an HMAC under the device's seed is the proof (shared/pushproto). It
// spends no time step and books nothing in the account's throttle; its own
// per-address limit (registerLimit) bounds the requests.
func (p pushRoutes) register(w http.ResponseWriter, r *http.Request) error {
	var req wire.PushRegistrationRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	key, err := base64.RawURLEncoding.DecodeString(req.PublicKey)
	if err != nil {
		return auth.ErrPushKey
	}
	proof, err := base64.RawURLEncoding.DecodeString(req.Proof)
	if err != nil || len(proof) != pushproto.ProofSize {
		return errPushProof
	}
	reg, err := p.push.Register(r.Context(), client(r), req.DeviceID, key, req.At, proof)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, wire.PushRegistration{DeviceID: reg.DeviceID, RegisteredAt: reg.CreatedAt})
}

func viewPushChallenge(c auth.PushChallenge) wire.PushChallenge {
	return wire.PushChallenge{ID: c.ID, Number: c.Number, State: string(c.State), CreatedAt: c.CreatedAt, ExpiresAt: c.ExpiresAt}
}

// create sends a prompt for the partial session's account.
func (p pushRoutes) create(w http.ResponseWriter, r *http.Request) error {
	ch, err := p.push.Challenge(r.Context(), client(r), principalOf(r))
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/push/challenges/"+ch.ID)
	return writeJSON(w, http.StatusCreated, viewPushChallenge(ch))
}

func (p pushRoutes) get(w http.ResponseWriter, r *http.Request) error {
	ch, err := p.push.ChallengeFor(r.Context(), principalOf(r), chi.URLParam(r, "id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, viewPushChallenge(ch))
}

// events streams the challenge's state (server-sent events) until it is
// no longer pending: the browser learns the outcome the moment the device
// answers, without polling.
func (p pushRoutes) events(w http.ResponseWriter, r *http.Request) error {
	sess, id := principalOf(r), chi.URLParam(r, "id")
	wake, cancel := p.hub.Subscribe(id) // before the first read, so no change is missed
	defer cancel()
	ch, err := p.push.ChallengeFor(r.Context(), sess, id)
	if err != nil {
		return err
	}
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Now().Add(ch.ExpiresAt.Sub(p.now()) + time.Minute))
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	for {
		b, _ := json.Marshal(viewPushChallenge(ch))
		if _, err := w.Write(append(append([]byte("event: state\ndata: "), b...), '\n', '\n')); err != nil {
			return nil
		}
		if err := rc.Flush(); err != nil {
			return nil
		}
		if ch.State != auth.PushPending {
			return nil
		}
		// The expiry timer is the fallback for a lost wake-up (another
		// instance's answer, a missed sweep); the state is the database's.
		timer := time.NewTimer(max(ch.ExpiresAt.Sub(p.now()), 0) + time.Second)
		select {
		case <-wake:
		case <-timer.C:
		case <-r.Context().Done():
			timer.Stop()
			return nil
		}
		timer.Stop()
		if ch, err = p.push.ChallengeFor(r.Context(), sess, id); err != nil {
			return nil // headers are sent: the stream just ends
		}
	}
}

// complete turns an approved challenge into a full session (amr pwd push),
// with a new cookie, like a second factor.
func (p pushRoutes) complete(w http.ResponseWriter, r *http.Request) error {
	ns, err := p.push.Redeem(r.Context(), client(r), principalOf(r), chi.URLParam(r, "id"))
	if err != nil {
		return err
	}
	resp, err := p.sessionResponse(r.Context(), ns.Session)
	if err != nil {
		return err
	}
	p.setSessionCookie(w, r, ns)
	return writeJSON(w, http.StatusOK, resp)
}
