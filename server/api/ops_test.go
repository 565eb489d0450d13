package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/twofold-auth/twofold/server/api/wire"
	"github.com/twofold-auth/twofold/server/service"
)

// The OpenAPI document and the router agree both ways: every route under
// /api/v1 is documented, and every documented operation is routed.
func TestOpenAPIMatchesRouter(t *testing.T) {
	h := newHarness(t)
	var doc struct {
		OpenAPI string `json:"openapi"`
		Servers []struct {
			URL string `json:"url"`
		} `json:"servers"`
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(openAPIDoc, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" || len(doc.Servers) != 1 || doc.Servers[0].URL != "/api/v1" {
		t.Fatalf("document header: %s %+v", doc.OpenAPI, doc.Servers)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			if method == "parameters" {
				continue
			}
			documented[strings.ToUpper(method)+" /api/v1"+path] = true
		}
	}
	routed := map[string]bool{}
	router := NewRouter(Deps{Accounts: h.svc.Accounts, Devices: h.svc.Devices, Tokens: h.svc.Tokens, Push: h.svc.Push, Audit: h.svc.Audit, Admin: h.svc.Admin, Sync: h.svc.Sync, DB: h.st, App: testApp})
	err := chi.Walk(router.(chi.Routes), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if !strings.HasPrefix(route, "/api/v1/") {
			return nil
		}
		route = strings.ReplaceAll(route, "/*/", "/")
		if len(route) > len("/api/v1/") {
			route = strings.TrimSuffix(route, "/")
		}
		routed[method+" "+route] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for op := range routed {
		if !documented[op] {
			t.Errorf("routed but not in openapi.json: %s", op)
		}
	}
	for op := range documented {
		if !routed[op] {
			t.Errorf("in openapi.json but not routed: %s", op)
		}
	}
	if len(routed) < 15 {
		t.Fatalf("only %d routes walked: %v", len(routed), routed)
	}
	// Every error code the API can send is named in the document.
	for _, m := range registry {
		if !strings.Contains(string(openAPIDoc), m.api.Code) {
			t.Errorf("error code %s not documented", m.api.Code)
		}
	}
	for _, e := range []*APIError{errUnauthenticated, errSecondFactor, errNotFound, errUnsupportedMedia, errBodyTooLarge,
		errMalformedJSON, errCrossOrigin, errRateLimited, errBadQuery, errInternal, errBase64} {
		if !strings.Contains(string(openAPIDoc), e.Code) {
			t.Errorf("error code %s not documented", e.Code)
		}
	}
	r := h.client().must(200, "GET", "/api/v1/openapi.json", nil)
	if !json.Valid(r.body) || r.header.Get("Content-Type") != "application/json" {
		t.Fatal("served document")
	}
}

func TestHealthzMetricsTime(t *testing.T) {
	h := newHarness(t)
	c := h.client()
	c.must(200, "GET", "/healthz", nil)
	var tr wire.Time
	c.must(200, "GET", "/api/v1/time", nil).decode(t, &tr)
	if tr.UnixMS != t0.UnixMilli() {
		t.Fatalf("time %d", tr.UnixMS)
	}
	a := h.enroll("m@example.com")
	a.c.do("POST", "/api/v1/session/mfa", map[string]string{"code": "000000"})
	h.clock.Advance(30 * time.Second)
	a.c.must(200, "POST", "/api/v1/session/mfa", map[string]string{"code": h.code(a.secret)})
	// The metrics listener's handler (server.MetricsHandler), not the public router.
	rec := httptest.NewRecorder()
	h.metrics.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	m := rec.Body.String()
	for _, want := range []string{
		`twofold_verifications_total{outcome="success",purpose="activate"} 1`,
		`twofold_verifications_total{outcome="success",purpose="step_up"} 1`,
		`twofold_verification_duration_seconds_count{purpose="step_up"} 2`,
		`twofold_db_errors_total 0`,
		`twofold_http_requests_total{code="200",method="POST",route="/api/v1/session/mfa"} 1`,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if !strings.Contains(m, `twofold_verifications_total{outcome="wrong",purpose="step_up"} 1`) &&
		!strings.Contains(m, `twofold_verifications_total{outcome="replay",purpose="step_up"} 1`) {
		t.Error("failed verification not counted")
	}
	h.st.Close()
	if r := c.do("GET", "/healthz", nil); r.status != 503 || r.errorCode() != "unavailable" {
		t.Fatalf("healthz with the database closed: %d %s", r.status, r.body)
	}
}

// An unexpected error is a logged 500 whose body says nothing of it.
func TestUnexpectedErrorIsBare500(t *testing.T) {
	h := newHarness(t)
	a := &api{log: h.svc2log(), metrics: h.metrics}
	rec := newRecorder()
	req, _ := http.NewRequest("GET", "/x", nil)
	a.handle(func(http.ResponseWriter, *http.Request) error {
		return errors.New("disk on fire at /var/lib/secret-path")
	})(rec, req)
	if rec.status != 500 || strings.Contains(rec.body.String(), "fire") || !strings.Contains(rec.body.String(), `"internal"`) {
		t.Fatalf("%d %s", rec.status, rec.body.String())
	}
	if !strings.Contains(h.logs.String(), "disk on fire") {
		t.Fatal("cause not logged")
	}
	// A panic too.
	rec = newRecorder()
	a.recoverer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom secret") })).ServeHTTP(rec, req)
	if rec.status != 500 || strings.Contains(rec.body.String(), "boom") {
		t.Fatalf("panic: %d %s", rec.status, rec.body.String())
	}
}

func TestGoldenResponses(t *testing.T) {
	h := newHarness(t)
	c := h.client()
	writeGolden(t, "sign_up", c.must(201, "POST", "/api/v1/users", map[string]string{"email": "golden@example.com", "password": password}).body)
	r := c.must(201, "POST", "/api/v1/totp-devices", `{"name":"phone"}`)
	var created map[string]map[string]any
	r.decode(t, &created)
	if !strings.HasPrefix(created["enrollment"]["qr_png"].(string), "data:image/png;base64,iVBOR") {
		t.Fatal("qr_png is not a PNG")
	}
	created["enrollment"]["qr_png"] = "data:image/png;base64,…"
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.Encode(created)
	masked := buf.Bytes()
	writeGolden(t, "create_device", masked)
	writeGolden(t, "device_list", c.must(200, "GET", "/api/v1/totp-devices", nil).body)
	writeGolden(t, "error_verification_failed", c.do("POST", "/api/v1/totp-devices/"+created["device"]["id"].(string)+"/activate", `{"code":"000000"}`).body)
	writeGolden(t, "error_unknown_field", c.do("POST", "/api/v1/session/mfa", `{"code":"1","x":1}`).body)
	var keys []string
	for k := range created["enrollment"] {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if strings.Join(keys, ",") != "account,algorithm,digits,issuer,otpauth_uri,period,qr_png,secret,secret_grouped" {
		t.Fatalf("enrollment fields %v", keys)
	}
}

// Each schema of openapi.json has exactly the JSON fields of the wire type
// the handlers send or read, and the audit event types are the services'.
func TestOpenAPISchemasMatchWire(t *testing.T) {
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]struct {
					Enum []string `json:"enum"`
				} `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(openAPIDoc, &doc); err != nil {
		t.Fatal(err)
	}
	types := map[string]any{
		"PushRegistrationRequest": wire.PushRegistrationRequest{}, "PushRegistration": wire.PushRegistration{},
		"PushChallenge": wire.PushChallenge{}, "Error": wire.ErrorBody{}, "Time": wire.Time{}, "Credentials": wire.Credentials{},
		"Factor": wire.Factor{}, "User": wire.User{}, "Session": wire.Session{}, "SessionResponse": wire.SessionResponse{},
		"Device": wire.Device{}, "DeviceList": wire.DeviceList{}, "CreateDeviceRequest": wire.CreateDeviceRequest{},
		"Enrollment": wire.Key{}, "CreateDeviceResponse": wire.Enrollment{}, "RenameRequest": wire.RenameRequest{},
		"ActivateRequest": wire.ActivateRequest{}, "ActivateResponse": wire.ActivateResponse{},
		"RecoveryStatus": wire.RecoveryStatus{}, "RecoveryCodes": wire.RecoveryCodes{}, "Deleted": wire.Deleted{},
		"AuditEvent": wire.AuditEvent{}, "AuditList": wire.AuditList{}, "AppToken": wire.AppToken{},
		"AppTokenList": wire.AppTokenList{}, "CreateAppTokenRequest": wire.CreateAppTokenRequest{},
		"CreateAppTokenResponse": wire.CreatedAppToken{}, "Protected": wire.Protected{},
		"SessionListItem": wire.SessionListItem{}, "SessionList": wire.SessionList{},
		"ChangePasswordRequest": wire.ChangePasswordRequest{}, "ChangePasswordResponse": wire.ChangePasswordResponse{},
		"SecondFactorRequest": wire.SecondFactorRequest{}, "TrustedBrowser": wire.TrustedBrowser{},
		"TrustedBrowserList": wire.TrustedBrowserList{}, "Organisation": wire.Organisation{}, "OrgUpdate": wire.OrgUpdate{},
		"RequirementRequest": wire.RequirementRequest{}, "RequirementResult": wire.RequirementResult{},
		"CodeSent": wire.CodeSent{}, "EmailCode": wire.EmailCode{}, "OrgUser": wire.OrgUser{}, "OrgUserList": wire.OrgUserList{},
		"OrgUserDetail": wire.OrgUserDetail{}, "UserUpdate": wire.UserUpdate{}, "Reason": wire.Reason{}, "Group": wire.Group{},
		"GroupList": wire.GroupList{}, "GroupRequest": wire.GroupRequest{}, "GroupUpdate": wire.GroupUpdate{},
		"InvitationRequest": wire.InvitationRequest{}, "Invitation": wire.Invitation{}, "NewInvitation": wire.NewInvitation{},
		"InvitationList": wire.InvitationList{}, "OrgAuditEvent": wire.OrgAuditEvent{}, "OrgAuditList": wire.OrgAuditList{},
		"Mail": wire.Mail{}, "Outbox": wire.Outbox{}, "SessionStatus": wire.SessionStatus{},
		"CLIGrantRequest": wire.CLIGrantRequest{}, "CLIGrant": wire.CLIGrant{}, "CLIGrantRedeem": wire.CLIGrantRedeem{},
		"SyncIdentityRequest": wire.SyncIdentityRequest{}, "SyncIdentityEnvelopes": wire.SyncIdentityEnvelopes{},
		"SyncIdentityCreated": wire.SyncIdentityCreated{}, "SyncState": wire.SyncState{}, "SyncDevice": wire.SyncDevice{},
		"SyncChangeRequest": wire.SyncChangeRequest{}, "SyncChangeCreated": wire.SyncChangeCreated{}, "SyncChange": wire.SyncChange{},
		"SyncChangeList": wire.SyncChangeList{}, "SyncSnapshotRequest": wire.SyncSnapshotRequest{}, "SyncEnvelope": wire.SyncEnvelope{},
		"SyncCounter": wire.SyncCounter{}, "SyncPairingCreated": wire.SyncPairingCreated{}, "SyncJoinRequest": wire.SyncJoinRequest{},
		"SyncPairing": wire.SyncPairing{}, "SyncJoin": wire.SyncJoin{}, "SyncApproveRequest": wire.SyncApproveRequest{},
		"SyncDeviceCreated": wire.SyncDeviceCreated{}, "SyncPairingStatus": wire.SyncPairingStatus{},
		"SyncRotationRequest": wire.SyncRotationRequest{}, "SyncRotationSnapshot": wire.SyncRotationSnapshot{},
		"SyncRecoveryRequest": wire.SyncRecoveryRequest{}, "SyncRecovered": wire.SyncRecovered{},
	}
	for name, schema := range doc.Components.Schemas {
		v, ok := types[name]
		if !ok {
			t.Errorf("schema %s names no wire type (add it to this test)", name)
			continue
		}
		var fields, documented []string
		rt := reflect.TypeOf(v)
		for i := range rt.NumField() {
			tag, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
			fields = append(fields, tag)
		}
		for p := range schema.Properties {
			documented = append(documented, p)
		}
		slices.Sort(fields)
		slices.Sort(documented)
		if !slices.Equal(fields, documented) {
			t.Errorf("schema %s has %v; wire.%s has %v", name, documented, rt.Name(), fields)
		}
	}
	for name := range types {
		if _, ok := doc.Components.Schemas[name]; !ok {
			t.Errorf("wire type for %s is not documented", name)
		}
	}
	for _, name := range []string{"AuditEvent", "OrgAuditEvent"} {
		enum := slices.Clone(doc.Components.Schemas[name].Properties["type"].Enum)
		want := slices.Clone(service.AuditEventTypes)
		slices.Sort(enum)
		slices.Sort(want)
		if !slices.Equal(enum, want) {
			t.Errorf("%s.type enum %v, want the services' %v", name, enum, want)
		}
	}
}

type pinger struct{ err error }

func (p pinger) Ping(context.Context) error { return p.err }

// /healthz names the engine and, when the router has a notification
// connection (PostgreSQL), checks it too: down, the instance is 503 with
// a message saying so, the reason only in the log.
func TestHealthzReportsDatabaseAndNotifications(t *testing.T) {
	logs := &syncBuffer{}
	get := func(d Deps) (int, string) {
		d.Log = slog.New(slog.NewTextHandler(logs, nil))
		rec := httptest.NewRecorder()
		NewRouter(d).ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
		return rec.Code, rec.Body.String()
	}
	if code, body := get(Deps{DB: pinger{}, Database: "sqlite"}); code != 200 || body != `{"status":"ok","database":"sqlite"}`+"\n" {
		t.Fatalf("SQLite: %d %s", code, body)
	}
	ok := Deps{DB: pinger{}, Database: "postgres", Notifications: pinger{}}
	if code, body := get(ok); code != 200 || body != `{"status":"ok","database":"postgres","notifications":"listening"}`+"\n" {
		t.Fatalf("PostgreSQL: %d %s", code, body)
	}
	deaf := ok
	deaf.Notifications = pinger{errors.New("not listening since 12:00: connection refused")}
	if code, body := get(deaf); code != 503 || !strings.Contains(body, `"unavailable"`) || !strings.Contains(body, "notification") ||
		strings.Contains(body, "refused") {
		t.Fatalf("listener down: %d %s", code, body)
	}
	down := ok
	down.DB = pinger{errors.New("connection refused")}
	if code, body := get(down); code != 503 || !strings.Contains(body, "database") || strings.Contains(body, "refused") {
		t.Fatalf("database down: %d %s", code, body)
	}
	if !strings.Contains(logs.String(), "connection refused") {
		t.Fatalf("the reason is not logged: %s", logs.String())
	}
}
