package server

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/twofold-auth/twofold/server/metrics"
	"github.com/twofold-auth/twofold/server/secrets"
	"github.com/twofold-auth/twofold/server/service"
	"github.com/twofold-auth/twofold/server/store"
)

// RekeyResult says what a rotation did.
type RekeyResult struct {
	Devices  int    // rows re-encrypted
	OldKeyID string // primary key before
	NewKeyID string // primary key after
}

// Rekey re-encrypts every device secret under a new master key, in one
// transaction, each row keeping its identity as associated data and
// recording the new key id. Run it with the server stopped (every
// instance, on PostgreSQL).
//
// With a key file: a new key is written to master.key.new (0600), the rows
// are re-encrypted, then master.key becomes master.key.old and
// master.key.new becomes master.key. A server started at any point of that
// sequence can read every row (it loads .new and .old too); delete
// master.key.old once the rotation is done and backed up.
//
// With TWOFOLD_MASTER_KEY: the new key comes from TWOFOLD_NEW_MASTER_KEY;
// after Rekey, start the server with the new value.
func Rekey(ctx context.Context, cfg Config) (RekeyResult, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return RekeyResult{}, err
	}
	newFile := cfg.MasterKeyFile + ".new"
	newKey, err := rekeyTarget(cfg, newFile)
	if err != nil {
		return RekeyResult{}, err
	}
	old, err := loadKeyring(cfg, cfg.Logger)
	if err != nil {
		return RekeyResult{}, err
	}
	cfg.DBSync = "full" // on SQLite, every row on disk before the key files move
	st, err := openDatabase(ctx, cfg, metrics.New())
	if err != nil {
		return RekeyResult{}, err
	}
	defer st.Close()
	if err := checkKeyIDs(st, old); err != nil {
		return RekeyResult{}, err
	}
	next, err := secrets.NewKeyring(cfg.Rand, newKey)
	if err != nil {
		return RekeyResult{}, err
	}
	res := RekeyResult{OldKeyID: old.PrimaryID(), NewKeyID: next.PrimaryID()}
	if res.Devices, err = reseal(ctx, st, old, next); err != nil {
		return RekeyResult{}, err
	}
	if cfg.MasterKey == "" {
		if err := os.Rename(cfg.MasterKeyFile, cfg.MasterKeyFile+".old"); err != nil {
			return res, err
		}
		if err := os.Rename(newFile, cfg.MasterKeyFile); err != nil {
			return res, err
		}
	}
	cfg.Logger.Info("master key rotated", "devices", res.Devices, "old_key_id", res.OldKeyID, "new_key_id", res.NewKeyID)
	return res, nil
}

// rekeyTarget is the new master key: TWOFOLD_NEW_MASTER_KEY's with an
// environment key, else the key file's .new (an interrupted rotation's,
// to resume it, or a new one written there first).
func rekeyTarget(cfg Config, newFile string) ([]byte, error) {
	if cfg.MasterKey != "" {
		if cfg.NewMasterKey == "" {
			return nil, ErrRekeyNeedsKey
		}
		key, err := secrets.DecodeKey(cfg.NewMasterKey)
		if err != nil {
			return nil, fmt.Errorf("%w: TWOFOLD_NEW_MASTER_KEY: %v", ErrConfig, err)
		}
		return key, nil
	}
	if _, err := os.Stat(cfg.MasterKeyFile); err != nil {
		return nil, fmt.Errorf("master key file: %w", err)
	}
	key, err := secrets.ReadKeyFile(newFile)
	if errors.Is(err, fs.ErrNotExist) {
		if key, err = secrets.GenerateKey(cfg.Rand); err == nil {
			err = secrets.WriteKeyFile(newFile, key)
		}
	}
	return key, err
}

// reseal re-encrypts every device secret from old to next in one
// transaction, and counts them.
func reseal(ctx context.Context, st store.Store, old, next *secrets.Keyring) (int, error) {
	n := 0
	err := st.Update(ctx, func(tx store.Tx) error {
		n = 0
		ds, err := tx.AllDevices(ctx)
		if err != nil {
			return err
		}
		for _, d := range ds {
			aad := service.DeviceAAD(d.ID, d.UserID)
			secret, err := old.Open(d.KeyID, d.SecretSealed, aad)
			if err != nil {
				return fmt.Errorf("device %s: %w", d.ID, err)
			}
			keyID, sealed, err := next.Seal(secret, aad)
			clear(secret)
			if err != nil {
				return err
			}
			if err := tx.ResealDevice(ctx, d.ID, keyID, sealed); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}
