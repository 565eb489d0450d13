package api

import (
	"github.com/twofold-auth/twofold/server/api/wire"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestPendingDeviceExpiresHTTP(t *testing.T) {
	h := newHarness(t)
	c := h.signUp("exp@example.com")
	var created wire.Enrollment
	c.must(201, "POST", "/api/v1/totp-devices", nil).decode(t, &created)
	if created.Device.Name != "Authenticator" || created.Device.ExpiresAt == nil || !created.Device.ExpiresAt.Equal(t0.Add(10*time.Minute)) {
		t.Fatalf("device %+v", created.Device)
	}
	h.clock.Advance(10 * time.Minute)
	secret := secretOf(t, created.Enrollment.Secret)
	r := c.do("POST", "/api/v1/totp-devices/"+created.Device.ID+"/activate", map[string]string{"code": h.code(secret)})
	if r.status != 410 || r.errorCode() != "device_expired" {
		t.Fatalf("activate expired: %d %s", r.status, r.body)
	}
	var list wire.DeviceList
	c.must(200, "GET", "/api/v1/totp-devices", nil).decode(t, &list)
	if len(list.Devices) != 0 {
		t.Fatalf("expired device listed: %+v", list)
	}
	if n, _, err := h.svc.Sweep(t.Context()); err != nil || n != 1 {
		t.Fatalf("sweep: %d %v", n, err)
	}
	if rc := h.rowCounts(); rc["totp_devices"] != 0 {
		t.Fatalf("rows %v", rc)
	}
}

func TestDeleteInactiveHTTP(t *testing.T) {
	h := newHarness(t)
	a := h.enroll("inact@example.com")
	h.clock.Advance(30 * time.Second)
	a.c.must(200, "POST", "/api/v1/session/mfa", map[string]string{"code": h.code(a.secret)}) // step-up
	for range 2 {
		a.c.must(201, "POST", "/api/v1/totp-devices", `{"name":"spare"}`)
	}
	var del wire.Deleted
	a.c.must(200, "DELETE", "/api/v1/totp-devices/inactive", nil).decode(t, &del)
	if del.Deleted != 2 {
		t.Fatalf("deleted %d", del.Deleted)
	}
	var list wire.DeviceList
	a.c.must(200, "GET", "/api/v1/totp-devices", nil).decode(t, &list)
	if len(list.Devices) != 1 || list.Devices[0].State != "active" {
		t.Fatalf("left %+v", list)
	}
}

func TestRenameAndDeleteNeedsFreshFactorHTTP(t *testing.T) {
	h := newHarness(t)
	a := h.enroll("del@example.com")
	dev := "/api/v1/totp-devices/" + a.deviceID
	var d wire.Device
	a.c.must(200, "PATCH", dev, `{"name":"  Work phone "}`).decode(t, &d)
	if d.Name != "Work phone" {
		t.Fatalf("renamed to %q", d.Name)
	}
	// The sign-up session never did MFA: deleting needs a factor.
	if r := a.c.do("DELETE", dev, nil); r.status != 403 || r.errorCode() != "fresh_factor_required" {
		t.Fatalf("delete without factor: %d %s", r.status, r.body)
	}
	if r := a.c.do("DELETE", "/api/v1/mfa", nil); r.status != 403 || r.errorCode() != "fresh_factor_required" {
		t.Fatalf("disable MFA without factor: %d %s", r.status, r.body)
	}
	// An MFA sign-in makes the session fresh for 5 minutes.
	h.clock.Advance(30 * time.Second)
	b := h.signIn("del@example.com")
	b.must(200, "POST", "/api/v1/session/mfa", map[string]string{"code": h.code(a.secret)})
	h.clock.Advance(5*time.Minute + time.Second)
	if r := b.do("DELETE", dev, nil); r.errorCode() != "fresh_factor_required" {
		t.Fatalf("stale: %d %s", r.status, r.body)
	}
	b.must(200, "POST", "/api/v1/session/mfa", map[string]string{"code": h.code(a.secret)}) // step-up
	b.must(204, "DELETE", dev, nil)
	b.must(404, "GET", dev, nil)
	var st wire.RecoveryStatus
	b.must(200, "GET", "/api/v1/recovery-codes", nil).decode(t, &st)
	if st.Remaining != 0 {
		t.Fatalf("recovery codes outlive the last device: %d", st.Remaining)
	}
	var sr wire.SessionResponse
	b.must(200, "GET", "/api/v1/session", nil).decode(t, &sr)
	if sr.User.MFAEnrolled {
		t.Fatal("MFA still enrolled")
	}
}

// Adding a device once one is active needs a fresh second factor, from a
// session or an application token alike; the first one needs none from a
// session, and a token cannot make it.
func TestAddDeviceNeedsFreshFactorHTTP(t *testing.T) {
	h := newHarness(t)
	c := h.signUp("add@example.com")
	token, _ := newToken(t, c, map[string]string{"name": "cli"})
	anon := h.client()
	// No active device: the session may add (pending) devices, the token not.
	var first wire.Enrollment
	c.must(201, "POST", "/api/v1/totp-devices", `{"name":"phone"}`).decode(t, &first)
	c.must(201, "POST", "/api/v1/totp-devices", `{"name":"spare"}`)
	if r := anon.do("POST", "/api/v1/totp-devices", `{"name":"spare"}`, bearer(token)...); r.status != 403 || r.errorCode() != "token_not_allowed" {
		t.Fatalf("token, first device: %d %s", r.status, r.body)
	}
	secret := secretOf(t, first.Enrollment.Secret)
	c.must(200, "POST", "/api/v1/totp-devices/"+first.Device.ID+"/activate", map[string]string{"code": h.code(secret)})

	// Active now: the sign-up session (MFA never verified) and the token
	// are refused, and nothing is stored.
	before := h.rowCounts()["totp_devices"]
	if r := c.do("POST", "/api/v1/totp-devices", `{"name":"tablet"}`); r.status != 403 || r.errorCode() != "fresh_factor_required" {
		t.Fatalf("session without fresh factor: %d %s", r.status, r.body)
	}
	if r := anon.do("POST", "/api/v1/totp-devices", `{"name":"tablet"}`, bearer(token)...); r.status != 403 || r.errorCode() != "fresh_factor_required" {
		t.Fatalf("token without factor: %d %s", r.status, r.body)
	}
	if r := c.do("POST", "/api/v1/totp-devices", `{"name":"tablet","code":"000000"}`); r.status != 403 || r.errorCode() != "verification_failed" {
		t.Fatalf("wrong code: %d %s", r.status, r.body)
	}
	if n := h.rowCounts()["totp_devices"]; n != before {
		t.Fatalf("%d devices after refusals, want %d", n, before)
	}

	// A current code in the request does it (once).
	h.clock.Advance(30 * time.Second)
	code := h.code(secret)
	anon.must(201, "POST", "/api/v1/totp-devices", map[string]string{"name": "tablet", "code": code}, bearer(token)...)
	if r := c.do("POST", "/api/v1/totp-devices", map[string]string{"name": "tablet", "code": code}); r.errorCode() != "verification_failed" {
		t.Fatalf("replayed code: %d %s", r.status, r.body)
	}
	// So does a step-up of the session, for 5 minutes.
	h.clock.Advance(30 * time.Second)
	c.must(200, "POST", "/api/v1/session/mfa", map[string]string{"code": h.code(secret)})
	c.must(201, "POST", "/api/v1/totp-devices", `{"name":"laptop"}`)
	h.clock.Advance(5*time.Minute + time.Second)
	if r := c.do("POST", "/api/v1/totp-devices", `{"name":"desk"}`); r.errorCode() != "fresh_factor_required" {
		t.Fatalf("stale step-up: %d %s", r.status, r.body)
	}
}

func TestRecoveryCodesHTTP(t *testing.T) {
	h := newHarness(t)
	a := h.enroll("rc@example.com")
	var st wire.RecoveryStatus
	a.c.must(200, "GET", "/api/v1/recovery-codes", nil).decode(t, &st)
	if st.Remaining != 10 {
		t.Fatalf("remaining %d", st.Remaining)
	}
	var fresh wire.RecoveryCodes
	a.c.must(201, "POST", "/api/v1/recovery-codes", map[string]string{"recovery_code": strings.ToLower(a.recovery[0])}).decode(t, &fresh)
	if len(fresh.RecoveryCodes) != 10 {
		t.Fatalf("%+v", fresh)
	}
	// Sign in with a new one; the old set is void.
	c := h.signIn("rc@example.com")
	if r := c.do("POST", "/api/v1/session/mfa", map[string]string{"recovery_code": a.recovery[1]}); r.errorCode() != "verification_failed" {
		t.Fatalf("old code: %d %s", r.status, r.body)
	}
	var sr wire.SessionResponse
	c.must(200, "POST", "/api/v1/session/mfa", map[string]string{"recovery_code": fresh.RecoveryCodes[0]}).decode(t, &sr)
	if strings.Join(sr.Session.AMR, " ") != "pwd recovery" {
		t.Fatalf("amr %v", sr.Session.AMR)
	}
	// Disable MFA with a recovery code; then the password alone signs in.
	c.must(204, "DELETE", "/api/v1/mfa", map[string]string{"recovery_code": fresh.RecoveryCodes[1]})
	c = h.signIn("rc@example.com")
	c.must(200, "GET", "/api/v1/session", nil).decode(t, &sr)
	if sr.Session.Stage != "full" || strings.Join(sr.Session.AMR, " ") != "pwd" || sr.Session.MFATOTPVerified {
		t.Fatalf("after MFA off: %+v", sr.Session)
	}
}

func TestAuditEventsHTTP(t *testing.T) {
	h := newHarness(t)
	a := h.enroll("audit@example.com")
	a.c.do("POST", "/api/v1/session/mfa", map[string]string{"code": "000000"})
	var list wire.AuditList
	a.c.must(200, "GET", "/api/v1/audit-events?limit=3", nil).decode(t, &list)
	if len(list.Events) != 3 || list.NextBefore == nil {
		t.Fatalf("page %+v", list)
	}
	var types []string
	for _, e := range list.Events {
		types = append(types, e.Type)
	}
	var rest wire.AuditList
	a.c.must(200, "GET", "/api/v1/audit-events?before="+itoa(*list.NextBefore), nil).decode(t, &rest)
	for _, e := range rest.Events {
		types = append(types, e.Type)
	}
	want := "verification_failure recovery_codes_generated device_activated device_enrolled sign_up"
	if strings.Join(types, " ") != want {
		t.Fatalf("events %v, want %s", types, want)
	}
	for _, q := range []string{"?limit=0", "?limit=x", "?before=-1", "?limit=201"} {
		if r := a.c.do("GET", "/api/v1/audit-events"+q, nil); r.status != 400 || r.errorCode() != "invalid_query" {
			t.Errorf("%s: %d %s", q, r.status, r.body)
		}
	}
	// Another user sees none of them.
	other := h.signUp("other@example.com")
	other.must(200, "GET", "/api/v1/audit-events", nil).decode(t, &list)
	if len(list.Events) != 1 || list.Events[0].Type != "sign_up" {
		t.Fatalf("other user's events %+v", list.Events)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
