//go:build !(js && wasm)

package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/twofold-auth/twofold/server/api/apitest"
	"github.com/twofold-auth/twofold/wasm/accounts"
	"github.com/twofold-auth/twofold/wasm/storage"
	"github.com/twofold-auth/twofold/wasm/syncclient"
	"github.com/twofold-auth/twofold/wasm/vault"
)

// Sync through the App, as the bridge drives it, against the real server:
// the sync state lives in the vault (it survives a lock), a pairing code
// scanned as an image joins, edits travel both ways, the trash restores,
// and recovery refuses a wrong key and changes nothing.

type netTransport struct{ hc *http.Client }

func (n netTransport) Do(method, url string, header map[string]string, body []byte) (int, []byte, error) {
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := n.hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

func syncApp(t *testing.T, srv *apitest.Server, clk *apitest.Clock, hc *http.Client) *App {
	t.Helper()
	a := NewApp(Config{Storage: storage.NewMemory(), Params: vault.Params{MemoryKiB: 8, Time: 1, Threads: 1}, Rand: rand.Reader, Now: clk.Now,
		Sync: SyncConfig{Transport: netTransport{hc}, Keys: syncclient.HostKeys{}, DH: syncclient.HostX25519{}, Origin: srv.URL}, Transfer: &localTransfer{}})
	if err := a.Create(pass); err != nil {
		t.Fatal(err)
	}
	return a
}

func syncLabels(t *testing.T, a *App) string {
	t.Helper()
	l, err := a.List()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, v := range l {
		out = append(out, v.Label)
	}
	return strings.Join(out, ",")
}

// modulesImage draws a QR code's modules as an RGBA frame, 4 px a module
// with a quiet zone, as the page's canvas does.
func modulesImage(size int, modules []byte) ([]byte, int) {
	const px, quiet = 4, 4
	w := (size + 2*quiet) * px
	img := bytes.Repeat([]byte{255}, w*w*4)
	for y := range size {
		for x := range size {
			if modules[y*size+x] == 0 {
				continue
			}
			for dy := range px {
				for dx := range px {
					o := (((y+quiet)*px+dy)*w + (x+quiet)*px + dx) * 4
					img[o], img[o+1], img[o+2] = 0, 0, 0
				}
			}
		}
	}
	return img, w
}

func TestSyncThroughTheApp(t *testing.T) {
	clk := apitest.NewClock(time.Date(2026, 3, 1, 12, 0, 10, 0, time.UTC))
	srv := apitest.Start(t, apitest.Options{Now: clk.Now})
	owner, err := apitest.Enroll(context.Background(), srv.URL, "app-sync@example.com", clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	a := syncApp(t, srv, clk, owner.Browser)
	if _, err := a.AddURI(seedURI); err != nil {
		t.Fatal(err)
	}
	wantCode(t, a.SyncRemove([]string{"sdv_x"}), CodeSyncOff)
	on, err := a.SyncEnable("Laptop")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := syncclient.ParseRecoveryKey(on.RecoveryKey); err != nil || !strings.HasPrefix(on.Identity, "sid_") {
		t.Fatalf("enabled %+v: %v", on, err)
	}
	_, err = a.SyncEnable("again")
	wantCode(t, err, CodeSyncOn)
	// The sync state is in the vault: it survives a lock.
	a.Lock()
	if err := a.Unlock(pass); err != nil {
		t.Fatal(err)
	}
	if st, err := a.SyncStatus(); err != nil || !st.On || st.Name != "Laptop" || st.Pending != 0 {
		t.Fatalf("status after unlock %+v %v", st, err)
	}

	// A backup holds the accounts, not this browser's sync keys.
	backup, err := a.ExportBackup(pass)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := vault.OpenBackup(backup, []byte(pass))
	if err != nil {
		t.Fatal(err)
	}
	if st, err := accounts.Unmarshal(plain); err != nil || st.Len() != 1 || st.Sync() != nil {
		t.Fatalf("backup: %v", err)
	}

	// B joins by scanning the code's image.
	b := syncApp(t, srv, clk, &http.Client{})
	p, err := a.SyncPairingOpen()
	if err != nil {
		t.Fatal(err)
	}
	img, w := modulesImage(p.Size, p.Modules)
	scanned, err := b.DecodeQR(img, w, w)
	if err != nil || scanned.Kind != KindPairing || scanned.Pairing != p.URI {
		t.Fatalf("scanned %+v %v", scanned, err)
	}
	confirmB, err := b.SyncJoin(scanned.Pairing, "Desktop")
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := b.SyncJoined(); ok || err != nil {
		t.Fatalf("joined before approval: %v %v", ok, err)
	}
	j, err := a.SyncPairingPoll()
	if err != nil || !j.Joined || j.Confirm != confirmB || j.Name != "Desktop" {
		t.Fatalf("poll %+v %v (B shows %s)", j, err, confirmB)
	}
	if err := a.SyncPairingApprove(); err != nil {
		t.Fatal(err)
	}
	if ok, err := b.SyncJoined(); !ok || err != nil {
		t.Fatalf("joined: %v %v", ok, err)
	}
	if syncLabels(t, b) != syncLabels(t, a) || syncLabels(t, b) == "" {
		t.Fatalf("B %q, A %q", syncLabels(t, b), syncLabels(t, a))
	}

	// An edit in B reaches A; a delete in A reaches B and its trash.
	bl, _ := b.List()
	if _, err := b.Rename(bl[0].ID, "Oracle", "renamed-on-b"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // the background push
	if _, err := b.SyncNow(0); err != nil {
		t.Fatal(err)
	}
	if r, err := a.SyncNow(0); err != nil || !r.Changed || syncLabels(t, a) != "Oracle (renamed-on-b)" {
		t.Fatalf("A after B's edit: %+v %v %q", r, err, syncLabels(t, a))
	}
	if err := a.Delete(bl[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := a.SyncNow(0); err != nil {
		t.Fatal(err)
	}
	if _, err := b.SyncNow(0); err != nil || syncLabels(t, b) != "" {
		t.Fatalf("B after A's delete: %v %q", err, syncLabels(t, b))
	}
	trash, err := b.Trash()
	if err != nil || len(trash) != 1 || trash[0].ID != bl[0].ID {
		t.Fatalf("trash %+v %v", trash, err)
	}
	if at, err := a.Trash(); err != nil || len(at) != 1 {
		t.Fatalf("A's trash %+v %v", at, err)
	}
	if _, err := b.Restore(bl[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := b.SyncNow(0); err != nil {
		t.Fatal(err)
	}
	if _, err := a.SyncNow(0); err != nil || syncLabels(t, a) != "Oracle (renamed-on-b)" {
		t.Fatalf("A after the restore: %v %q", err, syncLabels(t, a))
	}
	if at, err := a.Trash(); err != nil || len(at) != 0 {
		t.Fatalf("A's trash after B's restore: %+v %v", at, err)
	}
	devs, err := a.SyncDevices()
	if err != nil || len(devs.Devices) != 2 {
		t.Fatalf("devices %+v %v", devs, err)
	}

	// C recovers: a wrong key (right form) is refused and changes nothing.
	c := syncApp(t, srv, clk, &http.Client{})
	wrong, _ := syncclient.NewRecoveryKey(rand.Reader)
	if err := c.SyncRecover(on.Identity, wrong.String(), "Fresh"); err == nil || toAPIError(err).Code != "sync_unauthenticated" {
		t.Fatalf("wrong key: %v", err)
	}
	if st, _ := c.SyncStatus(); st.On || syncLabels(t, c) != "" {
		t.Fatalf("after a wrong key: %+v %q", st, syncLabels(t, c))
	}
	wantCode(t, c.SyncRecover(on.Identity, "not a key", "Fresh"), CodeSyncRecoveryKey)
	if err := c.SyncRecover(on.Identity, strings.ToLower(on.RecoveryKey), "Fresh"); err != nil {
		t.Fatal(err)
	}
	if syncLabels(t, c) != "Oracle (renamed-on-b)" {
		t.Fatalf("recovered %q", syncLabels(t, c))
	}
	// C removes B (lost); B's next upload is refused. A list naming B
	// twice is refused first, and changes nothing.
	for _, d := range devs.Devices {
		if d.Name == "Desktop" {
			wantCode(t, c.SyncRemove([]string{d.ID, d.ID}), "sync_remove_list")
			if err := c.SyncRemove([]string{d.ID}); err != nil && toAPIError(err).Code != CodeSyncUnknown {
				t.Fatal(err)
			}
		}
	}
	if _, err := b.AddURI("otpauth://totp/X:late@example.com?secret=JBSWY3DPEHPK3PXP&issuer=X"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.SyncNow(0); err == nil || toAPIError(err).Code != "sync_device_removed" {
		t.Fatalf("removed B syncs: %v", err)
	}
	// C leaves on its own: sync is off there, its accounts stay.
	st, _ := c.SyncStatus()
	if err := c.SyncRemove([]string{st.Device}); err != nil {
		t.Fatal(err)
	}
	if st, err := c.SyncStatus(); err != nil || st.On || syncLabels(t, c) != "Oracle (renamed-on-b)" {
		t.Fatalf("after leaving: %+v %v %q", st, err, syncLabels(t, c))
	}
	// A pairing shown is forgotten on lock.
	if _, err := a.SyncPairingOpen(); err != nil {
		t.Fatal(err)
	}
	a.Lock()
	if err := a.Unlock(pass); err != nil {
		t.Fatal(err)
	}
	wantCode(t, a.SyncPairingApprove(), CodeSyncNoPairing)
}
