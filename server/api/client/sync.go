package client

import (
	"context"
	"crypto/ed25519"
	"net/http"
	"strconv"
	"time"

	"github.com/twofold-auth/twofold/server/api/wire"
	"github.com/twofold-auth/twofold/shared/syncproto"
)

// Vault sync between browsers (/api/v1/sync; docs/vault-format.md). Every
// request is signed by a SyncSigner; the caller builds the bodies (the
// ciphertexts, envelopes and counters are the authenticator's business,
// not the client's).

// SyncSigner signs sync requests: as Device of Identity with Key. Device
// is a device id, or syncproto.SignerNew, SignerJoin or SignerRecovery.
type SyncSigner struct {
	Identity string
	Device   string
	Key      ed25519.PrivateKey
	Now      func() time.Time // the clock the signature's time comes from (default time.Now)
}

// sign sets the signature headers over the request as it will be sent.
func (s *SyncSigner) sign(req *http.Request, body []byte) {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	sig := syncproto.Sign(s.Key, s.Device, req.Method, req.URL.RequestURI(), now(), body)
	req.Header.Set(syncproto.HeaderDevice, sig.Device)
	req.Header.Set(syncproto.HeaderTime, sig.Time)
	req.Header.Set(syncproto.HeaderSignature, sig.Signature)
}

func syncCall[T any](ctx context.Context, c *Client, s SyncSigner, method, path string, body any) (T, error) {
	var out T
	err := c.signedDo(ctx, method, path, body, &out, &s)
	return out, err
}

func (s SyncSigner) path(rest string) string { return "/sync/" + id(s.Identity) + rest }

// CreateSyncIdentity creates an identity for the signed-in user (a cookie
// session), signed by s.Key, the first browser's key (as
// syncproto.SignerNew, whatever s.Device and s.Identity say).
func (c *Client) CreateSyncIdentity(ctx context.Context, s SyncSigner, req wire.SyncIdentityRequest) (wire.SyncIdentityCreated, error) {
	s.Identity, s.Device = "", syncproto.SignerNew
	return syncCall[wire.SyncIdentityCreated](ctx, c, s, http.MethodPost, "/sync/identities", req)
}

// SyncState is the identity's epoch, sequence numbers and browsers.
func (c *Client) SyncState(ctx context.Context, s SyncSigner) (wire.SyncState, error) {
	return syncCall[wire.SyncState](ctx, c, s, http.MethodGet, s.path(""), nil)
}

// AppendSyncChange uploads a change.
func (c *Client) AppendSyncChange(ctx context.Context, s SyncSigner, req wire.SyncChangeRequest) (wire.SyncChangeCreated, error) {
	return syncCall[wire.SyncChangeCreated](ctx, c, s, http.MethodPost, s.path("/changes"), req)
}

// SyncChanges reads up to limit changes after sequence number after (0:
// the server's default page), waiting up to wait (whole seconds, at most
// 25) for one. The client's own timeout must exceed wait.
func (c *Client) SyncChanges(ctx context.Context, s SyncSigner, after int64, limit int, wait time.Duration) (wire.SyncChangeList, error) {
	q := "?after=" + strconv.FormatInt(after, 10)
	if limit > 0 {
		q += "&limit=" + strconv.Itoa(limit)
	}
	if wait > 0 {
		q += "&wait=" + strconv.Itoa(int(wait/time.Second))
	}
	return syncCall[wire.SyncChangeList](ctx, c, s, http.MethodGet, s.path("/changes"+q), nil)
}

// PutSyncSnapshot replaces the identity's snapshot.
func (c *Client) PutSyncSnapshot(ctx context.Context, s SyncSigner, req wire.SyncSnapshotRequest) error {
	return c.signedDo(ctx, http.MethodPut, s.path("/snapshot"), req, nil, &s)
}

// SyncSnapshot is the identity's newest snapshot.
func (c *Client) SyncSnapshot(ctx context.Context, s SyncSigner) (wire.SyncChange, error) {
	return syncCall[wire.SyncChange](ctx, c, s, http.MethodGet, s.path("/snapshot"), nil)
}

// SyncEnvelope is the signer's envelope of the current epoch's key.
func (c *Client) SyncEnvelope(ctx context.Context, s SyncSigner) (wire.SyncEnvelope, error) {
	return syncCall[wire.SyncEnvelope](ctx, c, s, http.MethodGet, s.path("/envelope"), nil)
}

// RotateSyncEpoch starts the identity's next epoch.
func (c *Client) RotateSyncEpoch(ctx context.Context, s SyncSigner, req wire.SyncRotationRequest) error {
	return c.signedDo(ctx, http.MethodPost, s.path("/epochs"), req, nil, &s)
}

// CreateSyncPairing opens a pairing slot.
func (c *Client) CreateSyncPairing(ctx context.Context, s SyncSigner, counter int64) (wire.SyncPairingCreated, error) {
	return syncCall[wire.SyncPairingCreated](ctx, c, s, http.MethodPost, s.path("/pairings"), wire.SyncCounter{Counter: counter})
}

// JoinSyncPairing joins a pairing slot as a new browser (not signed).
func (c *Client) JoinSyncPairing(ctx context.Context, identityID, pairingID string, req wire.SyncJoinRequest) error {
	return c.do(ctx, http.MethodPost, "/sync/"+id(identityID)+"/pairings/"+id(pairingID)+"/join", req, nil)
}

// SyncPairing is a slot as a browser of the identity sees it.
func (c *Client) SyncPairing(ctx context.Context, s SyncSigner, pairingID string) (wire.SyncPairing, error) {
	return syncCall[wire.SyncPairing](ctx, c, s, http.MethodGet, s.path("/pairings/"+id(pairingID)), nil)
}

// ApproveSyncPairing adds the browser that joined a slot.
func (c *Client) ApproveSyncPairing(ctx context.Context, s SyncSigner, pairingID string, req wire.SyncApproveRequest) (wire.SyncDeviceCreated, error) {
	return syncCall[wire.SyncDeviceCreated](ctx, c, s, http.MethodPost, s.path("/pairings/"+id(pairingID)+"/approve"), req)
}

// SyncPairingStatus is a slot as the joining browser sees it (s.Device is
// syncproto.SignerJoin, s.Key the key it joined with).
func (c *Client) SyncPairingStatus(ctx context.Context, s SyncSigner, pairingID string) (wire.SyncPairingStatus, error) {
	return syncCall[wire.SyncPairingStatus](ctx, c, s, http.MethodGet, s.path("/pairings/"+id(pairingID)+"/status"), nil)
}

// RemoveSyncDevice removes a browser from the identity.
func (c *Client) RemoveSyncDevice(ctx context.Context, s SyncSigner, deviceID string, counter int64) error {
	return c.signedDo(ctx, http.MethodDelete, s.path("/devices/"+id(deviceID)), wire.SyncCounter{Counter: counter}, nil, &s)
}

// RecoverSync adds a browser with the recovery key (s.Device is
// syncproto.SignerRecovery, s.Key the recovery signing key).
func (c *Client) RecoverSync(ctx context.Context, s SyncSigner, req wire.SyncRecoveryRequest) (wire.SyncRecovered, error) {
	return syncCall[wire.SyncRecovered](ctx, c, s, http.MethodPost, s.path("/recovery"), req)
}
