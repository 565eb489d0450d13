// Package storetest is the store conformance suite: the tests every engine
// of store.Store must pass, and the only thing a new engine has to pass.
// They check what package store's contract promises (atomic and
// serializable Update, the conditional writes, ErrNotFound and
// ErrConflict, cascades) and each method's behaviour, with plain
// concurrency from goroutines; an engine's own tests add what only it can
// show (several processes, crashes, its batching).
//
// An engine's test calls Run with a function that opens a new, empty,
// migrated store for each subtest:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store { return openTemp(t) })
//	}
package storetest

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twofold-auth/twofold/server/store"
)

// Open makes a new, empty store for one subtest; it closes it itself (with
// t.Cleanup) or leaves that to the caller's cleanup.
type Open func(t *testing.T) store.Store

// T0 is the suite's reference time.
var T0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

var ctx = context.Background()

// Run runs the whole suite against stores made by open.
func Run(t *testing.T, open Open) {
	for _, tc := range []struct {
		name string
		fn   func(*testing.T, store.Store)
	}{
		{"UpdateIsAtomic", testUpdateIsAtomic},
		{"UpdatesAreSerializable", testUpdatesAreSerializable},
		{"UsersAndConflicts", testUsersAndConflicts},
		{"FailedWriteKeepsTransaction", testFailedWriteKeepsTransaction},
		{"SessionsByIDAndHash", testSessions},
		{"SessionCascadeAndExpiry", testSessionCascadeAndExpiry},
		{"ConsumeStepOnceUnderContention", testConsumeStepOnce},
		{"ConsumeStepPendingRules", testConsumeStepPending},
		{"VerifierState", testVerifierState},
		{"DevicesLifecycle", testDevices},
		{"DeleteDeviceByState", testDeleteDeviceByState},
		{"ReplacePendingSecretOnlyCreator", testReplacePendingSecret},
		{"RecoveryCodesSingleUse", testRecoveryCodes},
		{"ThrottleRecords", testThrottles},
		{"ConcurrentFailuresAllBooked", testConcurrentFailuresBooked},
		{"KnownBrowsers", testKnownBrowsers},
		{"AuditPages", testAudit},
		{"AppTokensTouchOncePerInterval", testAppTokens},
		{"PushRegistrations", testPushRegistrations},
		{"PushChallengeSingleUse", testPushChallengeSingleUse},
		{"PushFatiguePauseExpiry", testPushFatigue},
		{"TimesRoundTripToMilliseconds", testTimes},
		{"TextAndBytesRoundTrip", testTextAndBytes},
		{"Organisations", testOrganisations},
		{"OrgUsers", testOrgUsers},
		{"GroupsAndUserFlags", testGroupsAndUserFlags},
		{"InvitationsSingleUse", testInvitations},
		{"EmailCodesSingleUse", testEmailCodes},
		{"Outbox", testOutbox},
		{"TrustedBrowsers", testTrustedBrowsers},
		{"OrgAudit", testOrgAudit},
		{"CLIGrants", testCLIGrants},
		{"SyncIdentities", testSyncIdentities},
		{"SyncCounterGuardUnderContention", testSyncCounterGuard},
		{"SyncSequenceGapFree", testSyncSequence},
		{"SyncEpochSwitchOnce", testSyncEpochSwitch},
		{"SyncPairingJoinedOnce", testSyncPairings},
		{"SyncSnapshotsAndPruning", testSyncSnapshots},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open(t)) })
	}
}

// Update runs fn and fails the test on an error.
func Update(t testing.TB, s store.Store, fn func(store.Tx) error) {
	t.Helper()
	if err := s.Update(ctx, fn); err != nil {
		t.Fatal(err)
	}
}

// SeedUser creates a user id with email id@example.com.
func SeedUser(t testing.TB, s store.Store, id string) {
	t.Helper()
	Update(t, s, func(tx store.Tx) error {
		return tx.CreateUser(ctx, store.User{ID: id, Email: id + "@example.com", PasswordHash: "x", CreatedAt: T0})
	})
}

// SeedDevice creates a device of the user in state, pending for 10 minutes.
func SeedDevice(t testing.TB, s store.Store, userID, id string, state store.DeviceState) {
	t.Helper()
	Update(t, s, func(tx store.Tx) error {
		return tx.CreateDevice(ctx, store.Device{ID: id, UserID: userID, Name: "phone", State: state,
			KeyID: "k", SecretSealed: []byte{1, 2, 3}, Algorithm: "SHA1", Digits: 6, Period: 30,
			CreatedAt: T0, ExpiresAt: T0.Add(10 * time.Minute)})
	})
}

// SeedSession creates a session of the user.
func SeedSession(t testing.TB, s store.Store, userID, id string, verified bool) store.Session {
	t.Helper()
	sess := store.Session{ID: id, TokenHash: []byte("hash of " + id), UserID: userID, Stage: store.StageFull,
		AMR: []string{"pwd"}, CreatedAt: T0, ExpiresAt: T0.Add(time.Hour), ClientAddr: "192.0.2.1", UserAgent: "test"}
	if verified {
		sess.MFAVerifiedAt = T0
	}
	Update(t, s, func(tx store.Tx) error { return tx.CreateSession(ctx, sess) })
	return sess
}

func contextWithCancel() (context.Context, context.CancelFunc) { return context.WithCancel(ctx) }

// Race runs fn in n concurrent Updates (racer i gets i) and returns how
// many reported true: the conditional writes' single-use property.
func Race(t testing.TB, s store.Store, n int, fn func(tx store.Tx, i int) (bool, error)) int {
	var wins atomic.Int32
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			Update(t, s, func(tx store.Tx) error {
				ok, err := fn(tx, i)
				if ok {
					wins.Add(1)
				}
				return err
			})
		}()
	}
	wg.Wait()
	return int(wins.Load())
}
