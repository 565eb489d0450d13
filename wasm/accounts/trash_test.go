package accounts

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

// A deleted account stays in the trash for TrashDays, survives the
// vault's encoding, comes back at the end of the list, and is gone (its
// secret zeroed) after that; a restore that would duplicate an account
// is refused and changes nothing.
func TestTrash(t *testing.T) {
	r := rnd()
	s, a := add(t, &State{}, r, totpKey("Oracle", "ana@example.com", []byte("0123456789abcdef")))
	s, b := add(t, s, r, totpKey("GitHub", "ana", []byte("fedcba9876543210")))
	now := epoch.Add(time.Hour)

	d, err := s.Delete(a.ID, now)
	if err != nil || d.Len() != 1 {
		t.Fatalf("Delete: %v", err)
	}
	got := d.Trash(now)
	if len(got) != 1 || got[0].ID != a.ID || got[0].Label != "Oracle (ana@example.com)" || got[0].DeletedMs != now.UnixMilli() {
		t.Fatalf("Trash = %+v", got)
	}

	// Through the vault encoding.
	plain := d.Marshal()
	d2, err := Unmarshal(plain)
	if err != nil || len(d2.Trash(now)) != 1 || d2.TrashedAccount(a.ID) == nil || string(d2.TrashedAccount(a.ID).Key.Secret) != "0123456789abcdef" {
		t.Fatalf("trash after Unmarshal: %v", err)
	}

	back, err := d2.Restore(a.ID, now.Add(time.Minute))
	if err != nil || back.Len() != 2 || back.Accounts()[1].ID != a.ID || len(back.Trash(now)) != 0 {
		t.Fatalf("Restore: %v", err)
	}
	if _, err := back.Restore(a.ID, now); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second Restore: %v", err)
	}

	// The same key added again meanwhile: refused, trash kept.
	again, _ := add(t, d2, r, totpKey("Oracle", "ana@example.com", []byte("0123456789abcdef")))
	var dup *DuplicateError
	if _, err := again.Restore(a.ID, now); !errors.As(err, &dup) {
		t.Fatalf("Restore over a duplicate: %v", err)
	}
	if len(again.Trash(now)) != 1 {
		t.Fatal("a refused restore changed the trash")
	}

	// Deleted for good: gone from the trash and from the vault's bytes.
	purged, err := d2.Purge(a.ID)
	if err != nil || len(purged.Trash(now)) != 0 || bytes.Contains(purged.Marshal(), []byte("0123456789abcdef")) {
		t.Fatalf("Purge: %v", err)
	}
	if _, err := purged.Purge(a.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second Purge: %v", err)
	}
	if len(d2.Trash(now)) != 1 {
		t.Fatal("Purge changed its receiver")
	}

	// After TrashDays the entry is not listed, not restorable, and the
	// next delete drops it from the vault.
	late := now.Add(TrashDays*24*time.Hour + time.Second)
	if len(d.Trash(late)) != 0 {
		t.Fatal("an entry past TrashDays is listed")
	}
	if _, err := d.Restore(a.ID, late); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Restore past TrashDays: %v", err)
	}
	e, err := d.Delete(b.ID, late)
	if err != nil || e.TrashedAccount(a.ID) != nil || e.TrashedAccount(b.ID) == nil {
		t.Fatalf("Delete past TrashDays kept the old entry: %v", err)
	}
}
