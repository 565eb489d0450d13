package api

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/twofold-auth/twofold/server/api/wire"
	"github.com/twofold-auth/twofold/server/auth"
	"github.com/twofold-auth/twofold/shared/syncproto"
)

// syncRoutes is vault sync between browsers (docs/vault-format.md, "Sync
// between browsers"). Every route but the join is signed (the service
// checks the signature over the body as it came, so handlers read the body
// first and decode it after); creating an identity also needs a full
// session. The join, the joiner's status and recovery are open to
// strangers and have their own per-address limit; the uploads have larger
// bodies and a per-identity limit (the service's).
type syncRoutes struct{ *api }

// Body caps of the uploads: the largest ciphertext in base64, and 16 KiB
// for the rest of the body (a rotation's envelopes among it).
const (
	syncChangeBody   = (syncproto.MaxChange+2)/3*4 + 16<<10
	syncSnapshotBody = (syncproto.MaxSnapshot+2)/3*4 + 16<<10
)

func (s syncRoutes) Routes() chi.Router {
	r := s.subrouter()
	r.Use(s.requireSync)
	r.With(s.requireFull).Post("/identities", s.handle(s.createIdentity))
	r.Route("/{identity}", func(r chi.Router) {
		r.Get("/", s.handle(s.state))
		r.With(withBodyLimit(syncChangeBody)).Post("/changes", s.handle(s.appendChange))
		r.Get("/changes", s.handle(s.changes))
		r.With(withBodyLimit(syncSnapshotBody)).Put("/snapshot", s.handle(s.putSnapshot))
		r.Get("/snapshot", s.handle(s.snapshot))
		r.Get("/envelope", s.handle(s.envelope))
		r.Post("/pairings", s.handle(s.createPairing))
		r.With(s.syncLimit).Post("/pairings/{pairing}/join", s.handle(s.join))
		r.Get("/pairings/{pairing}", s.handle(s.pairing))
		r.Post("/pairings/{pairing}/approve", s.handle(s.approve))
		r.With(s.syncLimit).Get("/pairings/{pairing}/status", s.handle(s.pairingStatus))
		r.Delete("/devices/{device}", s.handle(s.removeDevice))
		r.With(withBodyLimit(syncSnapshotBody)).Post("/epochs", s.handle(s.rotate))
		r.With(s.syncLimit).Post("/recovery", s.handle(s.recover))
	})
	return r
}

// requireSync answers 404 on a router built without the sync service.
func (s syncRoutes) requireSync(next http.Handler) http.Handler {
	return s.handle(func(w http.ResponseWriter, r *http.Request) error {
		if s.sync == nil {
			return errNotFound
		}
		next.ServeHTTP(w, r)
		return nil
	})
}

var errBase64 = errorf(http.StatusBadRequest, "invalid_base64",
	"A key, meta, MAC, envelope or ciphertext is not base64url without padding.")

// unb64 decodes base64url fields, keeping the first error.
type unb64 struct{ err error }

func (d *unb64) bytes(s string) []byte {
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil && d.err == nil {
		d.err = errBase64
	}
	return b
}

// optional is bytes for a field that may be left out ("" is none).
func (d *unb64) optional(s string) []byte {
	if s == "" {
		return nil
	}
	return d.bytes(s)
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// signed is the request as the sync service checks it.
func signed(r *http.Request, body []byte) auth.SyncRequest {
	return auth.SyncRequest{Client: client(r), Identity: chi.URLParam(r, "identity"),
		Device: r.Header.Get(syncproto.HeaderDevice), Time: r.Header.Get(syncproto.HeaderTime),
		Signature: r.Header.Get(syncproto.HeaderSignature), Method: r.Method, Target: r.URL.RequestURI(), Body: body}
}

// signedGet is a signed request without a body to decode.
func signedGet(r *http.Request) (auth.SyncRequest, error) {
	body, err := readBody(r)
	return signed(r, body), err
}

func (s syncRoutes) createIdentity(w http.ResponseWriter, r *http.Request) error {
	var req wire.SyncIdentityRequest
	body, err := decodeJSONBody(r, &req)
	if err != nil {
		return err
	}
	var d unb64
	in := auth.NewSyncIdentity{
		Device:             auth.SyncKeys{SigningKey: d.bytes(req.SigningKey), WrapKey: d.bytes(req.WrapKey), Meta: d.bytes(req.Meta)},
		RecoverySigningKey: d.optional(req.RecoverySigningKey), RecoveryWrapKey: d.optional(req.RecoveryWrapKey),
		DeviceEnvelope: d.bytes(req.Envelopes.Device), RecoveryEnvelope: d.optional(req.Envelopes.Recovery), Counter: req.Counter,
	}
	if d.err != nil {
		return d.err
	}
	identityID, deviceID, err := s.sync.CreateIdentity(r.Context(), signed(r, body), principalOf(r), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/sync/"+identityID)
	return writeJSON(w, http.StatusCreated, wire.SyncIdentityCreated{IdentityID: identityID, DeviceID: deviceID})
}

func (s syncRoutes) state(w http.ResponseWriter, r *http.Request) error {
	req, err := signedGet(r)
	if err != nil {
		return err
	}
	st, err := s.sync.State(r.Context(), req)
	if err != nil {
		return err
	}
	out := wire.SyncState{Epoch: st.Epoch, HeadSeq: st.HeadSeq, SnapshotSeq: st.SnapshotSeq, RotationDue: st.RotationDue,
		Devices: make([]wire.SyncDevice, len(st.Devices))}
	for i, d := range st.Devices {
		out.Devices[i] = wire.SyncDevice{ID: d.ID, SigningKey: b64(d.SigningKey), WrapKey: b64(d.WrapKey), Meta: b64(d.Meta),
			AddedAt: d.AddedAt, LastSeenAt: d.LastSeenAt}
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s syncRoutes) appendChange(w http.ResponseWriter, r *http.Request) error {
	var req wire.SyncChangeRequest
	body, err := decodeJSONBody(r, &req)
	if err != nil {
		return err
	}
	var d unb64
	u := auth.SyncUpload{Counter: req.Counter, Epoch: req.Epoch, Ciphertext: d.bytes(req.Ciphertext)}
	if d.err != nil {
		return d.err
	}
	seq, err := s.sync.AppendChange(r.Context(), signed(r, body), u)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, wire.SyncChangeCreated{Seq: seq})
}

func viewSyncChange(c auth.SyncChange) wire.SyncChange {
	return wire.SyncChange{Seq: c.Seq, Epoch: c.Epoch, DeviceID: c.DeviceID, Counter: c.Counter, Ciphertext: b64(c.Ciphertext),
		CreatedAt: c.CreatedAt}
}

// changes reads changes after ?after= (default 0), at most ?limit= (1 to
// 100, default 100), waiting up to ?wait= seconds (0 to 25) for one.
func (s syncRoutes) changes(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	after, err1 := queryInt(q.Get("after"), 0, 0, syncproto.MaxCounter)
	limit, err2 := queryInt(q.Get("limit"), auth.MaxSyncPage, 1, auth.MaxSyncPage)
	wait, err3 := queryInt(q.Get("wait"), 0, 0, 25)
	if err1 != nil || err2 != nil || err3 != nil {
		return errBadQuery
	}
	req, err := signedGet(r)
	if err != nil {
		return err
	}
	cs, err := s.sync.Changes(r.Context(), req, after, int(limit), time.Duration(wait)*time.Second)
	if err != nil {
		return err
	}
	out := wire.SyncChangeList{Changes: make([]wire.SyncChange, len(cs.Changes)), HeadSeq: cs.HeadSeq}
	for i, c := range cs.Changes {
		out.Changes[i] = viewSyncChange(c)
	}
	return writeJSON(w, http.StatusOK, out)
}

// queryInt parses a decimal query parameter within [lo, hi] (def when it
// is absent).
func queryInt(v string, def, lo, hi int64) (int64, error) {
	if v == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < lo || n > hi {
		return 0, errBadQuery
	}
	return n, nil
}

func (s syncRoutes) putSnapshot(w http.ResponseWriter, r *http.Request) error {
	var req wire.SyncSnapshotRequest
	body, err := decodeJSONBody(r, &req)
	if err != nil {
		return err
	}
	var d unb64
	u := auth.SyncUpload{Counter: req.Counter, Epoch: req.Epoch, Seq: req.Seq, Ciphertext: d.bytes(req.Ciphertext)}
	if d.err != nil {
		return d.err
	}
	if err := s.sync.PutSnapshot(r.Context(), signed(r, body), u); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s syncRoutes) snapshot(w http.ResponseWriter, r *http.Request) error {
	req, err := signedGet(r)
	if err != nil {
		return err
	}
	c, err := s.sync.Snapshot(r.Context(), req)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, viewSyncChange(c))
}

func (s syncRoutes) envelope(w http.ResponseWriter, r *http.Request) error {
	req, err := signedGet(r)
	if err != nil {
		return err
	}
	epoch, env, err := s.sync.Envelope(r.Context(), req)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.SyncEnvelope{Epoch: epoch, Envelope: b64(env)})
}
