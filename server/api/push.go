package api

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/twofold-auth/twofold/server/auth"
	"github.com/twofold-auth/twofold/server/store"
	pushproto "github.com/twofold-auth/twofold/shared/push"
)

// PushHub is what the API needs of the push router: device websockets at
// /api/v1/push/ws, and wake-ups for a browser waiting on a challenge (its
// state is always read back from the database).
type PushHub interface {
	http.Handler
	Subscribe(challengeID string) (wake <-chan struct{}, cancel func())
}

// pushRoutes is push sign-in: device connections and registration, and the
// signing-in browser's side of a challenge.
type pushRoutes struct{ *api }

func (p pushRoutes) Routes() chi.Router {
	r := p.subrouter()
	r.Use(p.requirePush)
	r.Get("/ws", func(w http.ResponseWriter, r *http.Request) { p.push.ServeHTTP(w, r) })
	r.With(p.registerLimit).Post("/registrations", p.handle(p.register))
	r.With(p.limit, p.requireSession).Post("/challenges", p.handle(p.create))
	r.With(p.requireSession).Get("/challenges/{id}", p.handle(p.get))
	r.With(p.requireSession).Get("/challenges/{id}/events", p.handle(p.events))
	r.With(p.limit, p.requireSession).Post("/challenges/{id}/complete", p.handle(p.complete))
	return r
}

var (
	errPushOff         = errorf(http.StatusNotFound, "push_disabled", "Push sign-in is not enabled on this server.")
	errPushKey         = errorf(http.StatusBadRequest, "invalid_public_key", "public_key is an Ed25519 public key: 32 bytes in base64url.")
	errPushNone        = errorf(http.StatusConflict, "push_not_registered", "No authenticator of this account is set up for sign-in prompts; enter a code instead.")
	errPushPaused      = errorf(http.StatusForbidden, "push_paused", "Sign-in prompts are paused for this account because one was reported; sign in with a code or a recovery code to turn them back on.")
	errPushTooMany     = errorf(http.StatusTooManyRequests, "push_limit", "Too many sign-in prompts; answer the ones sent or wait a few minutes, or enter a code instead.")
	errPushNotFound    = errorf(http.StatusNotFound, "not_found", "No such sign-in prompt.")
	errPushNotApproved = errorf(http.StatusForbidden, "verification_failed", "This sign-in prompt was not approved (or has expired); send a new one or enter a code.")
	errPushNotPartial  = errorf(http.StatusConflict, "not_signing_in", "Prompts are for finishing a sign-in: sign in with your password first.")
	errPushProof       = errorf(http.StatusBadRequest, "invalid_proof", "proof is a registration proof: 32 bytes in base64url (see docs/push.md).")
	errPushRejected    = errorf(http.StatusForbidden, "registration_rejected",
		"The server did not accept this registration: the account must be active on this server and the authenticator's clock within 5 minutes of the server's.")
)

func (p pushRoutes) requirePush(next http.Handler) http.Handler {
	return p.handle(func(w http.ResponseWriter, r *http.Request) error {
		if p.push == nil || p.auth.PushConfig().Origin == "" {
			return errPushOff
		}
		next.ServeHTTP(w, r)
		return nil
	})
}

// pushError gives the push sentinels their public faces; the rest goes to
// the common table.
func pushError(err error) error {
	switch {
	case errors.Is(err, auth.ErrPushKey):
		return errPushKey
	case errors.Is(err, auth.ErrPushNotRegistered):
		return errPushNone
	case errors.Is(err, auth.ErrPushPaused):
		return errPushPaused
	case errors.Is(err, auth.ErrPushTooMany):
		return errPushTooMany
	case errors.Is(err, auth.ErrPushDisabled):
		return errPushOff
	case errors.Is(err, auth.ErrPushRejected):
		return errPushRejected
	}
	return err
}

type pushRegistrationRequest struct {
	DeviceID  string `json:"device_id"`
	PublicKey string `json:"public_key"`
	At        int64  `json:"at"`    // Unix seconds the proof was made at
	Proof     string `json:"proof"` // shared/push registration proof, base64url
}

type pushRegistrationView struct {
	DeviceID     string    `json:"device_id"`
	RegisteredAt time.Time `json:"registered_at"`
}

// register records an authenticator's public key for one TOTP device. No
// session: an HMAC under the device's seed is the proof (shared/push). It
// spends no time step and books nothing in the account's throttle; its own
// per-address limit (registerLimit) bounds the requests.
func (p pushRoutes) register(w http.ResponseWriter, r *http.Request) error {
	var req pushRegistrationRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	key, err := base64.RawURLEncoding.DecodeString(req.PublicKey)
	if err != nil {
		return errPushKey
	}
	proof, err := base64.RawURLEncoding.DecodeString(req.Proof)
	if err != nil || len(proof) != pushproto.ProofSize {
		return errPushProof
	}
	reg, err := p.auth.RegisterPush(r.Context(), client(r), req.DeviceID, key, req.At, proof)
	if err != nil {
		return pushError(err)
	}
	return writeJSON(w, http.StatusCreated, pushRegistrationView{DeviceID: reg.DeviceID, RegisteredAt: reg.CreatedAt})
}

type pushChallengeView struct {
	ID        string    `json:"id"`
	Number    int       `json:"number"`
	State     string    `json:"state"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

func viewPushChallenge(c store.PushChallenge) pushChallengeView {
	return pushChallengeView{ID: c.ID, Number: c.Number, State: string(c.State), CreatedAt: c.CreatedAt, ExpiresAt: c.ExpiresAt}
}

// create sends a prompt for the partial session's account.
func (p pushRoutes) create(w http.ResponseWriter, r *http.Request) error {
	sess := mustPrincipal(r).Session
	if sess.Stage != store.StagePartial {
		return errPushNotPartial
	}
	ch, err := p.auth.CreatePushChallenge(r.Context(), client(r), sess)
	if err != nil {
		return pushError(err)
	}
	w.Header().Set("Location", "/api/v1/push/challenges/"+ch.ID)
	return writeJSON(w, http.StatusCreated, viewPushChallenge(ch))
}

func (p pushRoutes) get(w http.ResponseWriter, r *http.Request) error {
	ch, err := p.auth.PushChallengeFor(r.Context(), mustPrincipal(r).Session, chi.URLParam(r, "id"))
	if errors.Is(err, auth.ErrNotFound) {
		return errPushNotFound
	}
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, viewPushChallenge(ch))
}

// events streams the challenge's state (server-sent events) until it is
// no longer pending: the browser learns the outcome the moment the device
// answers, without polling.
func (p pushRoutes) events(w http.ResponseWriter, r *http.Request) error {
	sess, id := mustPrincipal(r).Session, chi.URLParam(r, "id")
	wake, cancel := p.push.Subscribe(id) // before the first read, so no change is missed
	defer cancel()
	ch, err := p.auth.PushChallengeFor(r.Context(), sess, id)
	if errors.Is(err, auth.ErrNotFound) {
		return errPushNotFound
	}
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
		if ch.State != store.PushPending {
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
		if ch, err = p.auth.PushChallengeFor(r.Context(), sess, id); err != nil {
			return nil // headers are sent: the stream just ends
		}
	}
}

// complete turns an approved challenge into a full session (amr pwd push),
// with a new cookie, like a second factor.
func (p pushRoutes) complete(w http.ResponseWriter, r *http.Request) error {
	sess := mustPrincipal(r).Session
	if sess.Stage != store.StagePartial {
		return errPushNotPartial
	}
	ns, err := p.auth.RedeemPush(r.Context(), client(r), sess, chi.URLParam(r, "id"))
	if errors.Is(err, auth.ErrVerificationFailed) {
		return errPushNotApproved
	}
	if err != nil {
		return pushError(err)
	}
	resp, err := p.sessionResponse(r.Context(), ns.Session)
	if err != nil {
		return err
	}
	p.setSessionCookie(w, r, ns)
	return writeJSON(w, http.StatusOK, resp)
}
