package api

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/twofold-auth/twofold/server/api/wire"
	"github.com/twofold-auth/twofold/server/auth"
)

// Sync routes by which browsers join and leave an identity: pairing,
// removal, recovery, and the key rotation that follows them.

func (s syncRoutes) createPairing(w http.ResponseWriter, r *http.Request) error {
	var req wire.SyncCounter
	body, err := decodeJSONBody(r, &req)
	if err != nil {
		return err
	}
	p, err := s.sync.CreatePairing(r.Context(), signed(r, body), req.Counter)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, wire.SyncPairingCreated{PairingID: p.ID, ExpiresAt: p.ExpiresAt})
}

// join is a new browser's join: no signature, the slot id is the
// capability.
func (s syncRoutes) join(w http.ResponseWriter, r *http.Request) error {
	var req wire.SyncJoinRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	var d unb64
	j := auth.SyncJoin{SyncKeys: auth.SyncKeys{SigningKey: d.bytes(req.SigningKey), WrapKey: d.bytes(req.WrapKey), Meta: d.bytes(req.Meta)},
		MAC: d.bytes(req.MAC)}
	if d.err != nil {
		return d.err
	}
	if err := s.sync.JoinPairing(r.Context(), chi.URLParam(r, "identity"), chi.URLParam(r, "pairing"), j); err != nil {
		return err
	}
	w.WriteHeader(http.StatusAccepted)
	return nil
}

func (s syncRoutes) pairing(w http.ResponseWriter, r *http.Request) error {
	req, err := signedGet(r)
	if err != nil {
		return err
	}
	p, err := s.sync.Pairing(r.Context(), req, chi.URLParam(r, "pairing"))
	if err != nil {
		return err
	}
	out := wire.SyncPairing{State: string(p.State), ExpiresAt: p.ExpiresAt}
	if j := p.Join; j != nil {
		out.Join = &wire.SyncJoin{SigningKey: b64(j.SigningKey), WrapKey: b64(j.WrapKey), Meta: b64(j.Meta), MAC: b64(j.MAC),
			JoinedAt: j.JoinedAt}
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s syncRoutes) approve(w http.ResponseWriter, r *http.Request) error {
	var req wire.SyncApproveRequest
	body, err := decodeJSONBody(r, &req)
	if err != nil {
		return err
	}
	var d unb64
	a := auth.SyncApproval{Counter: req.Counter, Epoch: req.Epoch, Envelope: d.bytes(req.Envelope)}
	if d.err != nil {
		return d.err
	}
	deviceID, err := s.sync.ApprovePairing(r.Context(), signed(r, body), chi.URLParam(r, "pairing"), a)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, wire.SyncDeviceCreated{DeviceID: deviceID})
}

// pairingStatus is the joining browser's poll, signed by the key it
// joined with.
func (s syncRoutes) pairingStatus(w http.ResponseWriter, r *http.Request) error {
	req, err := signedGet(r)
	if err != nil {
		return err
	}
	p, err := s.sync.PairingStatus(r.Context(), req, chi.URLParam(r, "pairing"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.SyncPairingStatus{State: string(p.State), DeviceID: p.DeviceID})
}

func (s syncRoutes) removeDevice(w http.ResponseWriter, r *http.Request) error {
	var req wire.SyncCounter
	body, err := decodeJSONBody(r, &req)
	if err != nil {
		return err
	}
	if err := s.sync.RemoveDevice(r.Context(), signed(r, body), chi.URLParam(r, "device"), req.Counter); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s syncRoutes) rotate(w http.ResponseWriter, r *http.Request) error {
	var req wire.SyncRotationRequest
	body, err := decodeJSONBody(r, &req)
	if err != nil {
		return err
	}
	var d unb64
	rot := auth.SyncRotation{Counter: req.Counter, Epoch: req.Epoch, Envelopes: make(map[string][]byte, len(req.Envelopes)),
		SnapshotSeq: req.Snapshot.Seq, Snapshot: d.bytes(req.Snapshot.Ciphertext)}
	for recipient, env := range req.Envelopes {
		rot.Envelopes[recipient] = d.bytes(env)
	}
	if d.err != nil {
		return d.err
	}
	if err := s.sync.RotateEpoch(r.Context(), signed(r, body), rot); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s syncRoutes) recover(w http.ResponseWriter, r *http.Request) error {
	var req wire.SyncRecoveryRequest
	body, err := decodeJSONBody(r, &req)
	if err != nil {
		return err
	}
	var d unb64
	k := auth.SyncKeys{SigningKey: d.bytes(req.SigningKey), WrapKey: d.bytes(req.WrapKey), Meta: d.bytes(req.Meta)}
	if d.err != nil {
		return d.err
	}
	out, err := s.sync.Recover(r.Context(), signed(r, body), k)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, wire.SyncRecovered{DeviceID: out.DeviceID, Epoch: out.Epoch, Envelope: b64(out.Envelope)})
}
