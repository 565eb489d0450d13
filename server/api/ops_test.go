package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/twofold-auth/twofold/server/api/wire"
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
	router := NewRouter(Deps{Accounts: h.svc.Accounts, Devices: h.svc.Devices, Tokens: h.svc.Tokens, Push: h.svc.Push, Audit: h.svc.Audit, DB: h.st, App: testApp})
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
		errMalformedJSON, errCrossOrigin, errRateLimited, errBadQuery, errInternal} {
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
