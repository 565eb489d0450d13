package client_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/twofold-auth/twofold/server/api/apitest"
	"github.com/twofold-auth/twofold/server/api/client"
	"github.com/twofold-auth/twofold/server/api/wire"
)

// A device's life: created (the key shown once), a new key while pending,
// activated (recovery codes once), renamed, read back; refusals decoded.
func TestDeviceLifecycle(t *testing.T) {
	e := newEnv(t, apitest.Options{})
	c := e.user(t, "dev@example.com")
	enr, err := c.CreateDevice(ctx, wire.CreateDeviceRequest{Name: "phone"})
	if err != nil || enr.Device.State != "pending" || enr.Device.Name != "phone" || enr.Enrollment.Secret == "" ||
		!strings.HasPrefix(enr.Enrollment.OTPAuthURI, "otpauth://totp/") || !strings.HasPrefix(enr.Enrollment.QRPNG, "data:image/png;base64,") {
		t.Fatalf("create: %+v %v", enr, err)
	}
	id := enr.Device.ID
	again, err := c.RegenerateSeed(ctx, id, wire.Factor{})
	if err != nil || again.Device.ID != id || again.Enrollment.Secret == enr.Enrollment.Secret {
		t.Fatalf("new seed: %+v %v", again, err)
	}
	_, err = c.ActivateDevice(ctx, id, e.code(t, enr.Enrollment.Secret))
	wantCode(t, err, http.StatusForbidden, "verification_failed")
	act, err := c.ActivateDevice(ctx, id, e.code(t, again.Enrollment.Secret))
	if err != nil || act.Device.State != "active" || len(act.RecoveryCodes) != 10 {
		t.Fatalf("activate: %+v %v", act, err)
	}
	_, err = c.RegenerateSeed(ctx, id, wire.Factor{})
	wantCode(t, err, http.StatusConflict, "device_active")

	if d, err := c.RenameDevice(ctx, id, "work phone"); err != nil || d.Name != "work phone" {
		t.Fatalf("rename: %+v %v", d, err)
	}
	_, err = c.RenameDevice(ctx, id, " ")
	wantCode(t, err, http.StatusBadRequest, "invalid_name")
	if d, err := c.Device(ctx, id); err != nil || d.Name != "work phone" || d.State != "active" || d.ActivatedAt == nil {
		t.Fatalf("device: %+v %v", d, err)
	}
	_, err = c.Device(ctx, "dev_nosuchdevice000")
	wantCode(t, err, http.StatusNotFound, "not_found")
	if list, err := c.Devices(ctx); err != nil || len(list.Devices) != 1 || list.Devices[0].ID != id {
		t.Fatalf("devices: %+v %v", list, err)
	}
}

// With a token: another device needs a fresh factor; pending ones go
// together; recovery codes are counted and replaced; an active device's
// deletion needs a factor; MFA off.
func TestDevicesWithAToken(t *testing.T) {
	e := newEnv(t, apitest.Options{})
	c, key, recovery := e.enrolled(t, "tok@example.com")
	created, err := c.CreateAppToken(ctx, wire.CreateAppTokenRequest{Name: "ci", Code: e.code(t, key)})
	if err != nil {
		t.Fatal(err)
	}
	tc := e.Client(t, client.WithToken(created.Secret))
	_, err = tc.CreateDevice(ctx, wire.CreateDeviceRequest{Name: "spare"})
	wantCode(t, err, http.StatusForbidden, "fresh_factor_required")
	if _, err := tc.CreateDevice(ctx, wire.CreateDeviceRequest{Name: "spare", RecoveryCode: recovery[0]}); err != nil {
		t.Fatal(err)
	}
	if n, err := tc.DeleteInactiveDevices(ctx); err != nil || n.Deleted != 1 {
		t.Fatalf("delete inactive: %+v %v", n, err)
	}

	if st, err := tc.RecoveryStatus(ctx); err != nil || st.Remaining != 9 {
		t.Fatalf("recovery status: %+v %v", st, err)
	}
	_, err = tc.RegenerateRecoveryCodes(ctx, wire.Factor{})
	wantCode(t, err, http.StatusForbidden, "fresh_factor_required")
	fresh, err := tc.RegenerateRecoveryCodes(ctx, wire.Factor{RecoveryCode: recovery[1]})
	if err != nil || len(fresh.RecoveryCodes) != 10 {
		t.Fatalf("regenerate: %+v %v", fresh, err)
	}

	list, err := tc.Devices(ctx)
	if err != nil || len(list.Devices) != 1 {
		t.Fatalf("devices: %+v %v", list, err)
	}
	id := list.Devices[0].ID
	wantCode(t, tc.DeleteDevice(ctx, id, wire.Factor{}), http.StatusForbidden, "fresh_factor_required")
	wantCode(t, tc.DeleteDevice(ctx, id, wire.Factor{RecoveryCode: recovery[2]}), http.StatusForbidden, "verification_failed") // the old set
	e.clock.Advance(30 * time.Second)
	if err := tc.DeleteDevice(ctx, id, wire.Factor{Code: e.code(t, key)}); err != nil {
		t.Fatal(err)
	}
	if list, err := tc.Devices(ctx); err != nil || len(list.Devices) != 0 {
		t.Fatalf("after delete: %+v %v", list, err)
	}
}

func TestDisableMFA(t *testing.T) {
	e := newEnv(t, apitest.Options{})
	c, _, recovery := e.enrolled(t, "off@example.com")
	wantCode(t, c.DisableMFA(ctx, wire.Factor{Code: "12"}), http.StatusBadRequest, "invalid_code_format")
	if err := c.DisableMFA(ctx, wire.Factor{RecoveryCode: recovery[0]}); err != nil {
		t.Fatal(err)
	}
	if s, err := c.Session(ctx); err != nil || s.User.MFAEnrolled {
		t.Fatalf("after MFA off: %+v %v", s, err)
	}
	wantCode(t, c.DisableMFA(ctx, wire.Factor{RecoveryCode: recovery[1]}), http.StatusConflict, "mfa_not_enrolled")
}
