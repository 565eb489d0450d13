package service

import (
	"context"
	"time"

	"github.com/twofold-auth/twofold/server/store"
)

// Sweep deletes pending devices past their expiry, expired sessions,
// expired known browsers and grants, sync pairings expired for an hour, and
// sync changes a snapshot covers once they are 60 days old.
func (sv *Service) Sweep(ctx context.Context) (devices, sessions int64, err error) {
	s := sv.core
	now := s.now()
	err = s.store.Update(ctx, func(tx store.Tx) error {
		var err error
		if devices, err = tx.DeleteExpiredPendingDevices(ctx, now); err != nil {
			return err
		}
		if sessions, err = tx.DeleteExpiredSessions(ctx, now); err != nil {
			return err
		}
		if _, err = tx.DeleteExpiredTrustedBrowsers(ctx, now); err != nil {
			return err
		}
		if _, err = tx.DeleteExpiredCLIGrants(ctx, now); err != nil {
			return err
		}
		if _, err = tx.DeleteExpiredSyncPairings(ctx, now.Add(-s.cfg.Sync.PairingGrace)); err != nil {
			return err
		}
		if _, err = tx.PruneSyncChanges(ctx, "", now.Add(-s.cfg.Sync.ChangeRetention)); err != nil {
			return err
		}
		_, err = tx.DeleteExpiredKnownBrowsers(ctx, now)
		return err
	})
	if err == nil && devices+sessions > 0 {
		s.log.Info("sweep", "expired_devices", devices, "expired_sessions", sessions)
	}
	return devices, sessions, err
}

// RunSweeper sweeps every interval until ctx ends.
func (sv *Service) RunSweeper(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, _, err := sv.Sweep(ctx); err != nil && ctx.Err() == nil {
				sv.core.log.Error("sweep failed", "err", err)
			}
		}
	}
}
