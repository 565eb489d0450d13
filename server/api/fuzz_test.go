package api

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/twofold-auth/twofold/server/api/wire"
	"github.com/twofold-auth/twofold/server/pushhub"
	"github.com/twofold-auth/twofold/server/service"
	"github.com/twofold-auth/twofold/shared/pushproto"
	"github.com/twofold-auth/twofold/shared/syncproto"
)

// FuzzRequestBody sends arbitrary bytes as the JSON body of every route
// of /api/v1 that reads one, through the real router (push sign-in on)
// over a real SQLite store, as the caller the route serves: a stranger
// (sign-up, sign-in, push registration), a user half way through sign-in
// (/session/mfa), a signed-in user with MFA and a fresh second factor
// (their own devices, codes, tokens and password) or an administrator
// who verified one (/admin). The routes are found by walking the router
// and sending each state-changing one a body that is not JSON: those that
// answer malformed_json read a body (and take none if they do not answer
// malformed_json to an empty one). For any body:
//
//   - no 5xx (and nothing but 2xx or 4xx);
//   - a 2xx only for a JSON object (or no body, or null, where the body
//     is optional);
//   - a 4xx is a JSON error with a code and a message;
//   - a 4xx writes nothing to the database: no row of any table is
//     inserted, updated or deleted (triggers count the writes per table,
//     which is stronger than comparing row counts), except that a refused
//     credential is counted where attemptWrites says (invariants 3 and 9).
//
// A 2xx may change anything; the world is then checked and repaired (a
// new user, device or group, the administrator signed in again) so that
// every route keeps reaching its handler. Each input is a route, named
// "METHOD /pattern" (any other string picks a route by its hash), and a
// body.
func FuzzRequestBody(f *testing.F) {
	w := newBodyWorld(f)
	seen := map[string]bool{}
	for _, rt := range w.routes {
		bodies, ok := w.seedBodies[rt.op]
		if !ok {
			f.Fatalf("%s reads a body but FuzzRequestBody has no seed for it: add valid bodies to seedBodies", rt.op)
		}
		for _, b := range bodies {
			f.Add(rt.op, b)
		}
		for _, b := range malformedBodies {
			f.Add(rt.op, []byte(b))
		}
		seen[rt.op] = true
	}
	for op := range w.seedBodies {
		if !seen[op] {
			f.Fatalf("seedBodies names %s, which does not read a body (or is not routed)", op)
		}
	}
	f.Fuzz(func(t *testing.T, op string, body []byte) {
		w.h.t = t // the harness's helpers fail the current input, not f
		defer func() { w.h.t = f }()
		rt := w.pick(op)
		before := w.writes(t)
		r := w.send(t, w.callerOf(rt.op), rt.method, rt.path, body)
		w.h.svc.Wait() // security notices go out in the background
		switch {
		case r.status >= 200 && r.status < 300:
			// Only a JSON object is a body; a route whose body is
			// optional also takes none (nothing, or null).
			trimmed := bytes.Trim(body, " \t\r\n")
			object := len(trimmed) > 0 && trimmed[0] == '{' && json.Valid(body)
			none := len(body) == 0 || string(trimmed) == "null"
			if !object && !(rt.optional && none) {
				t.Errorf("%s %q: %d for a body that is not a JSON object", rt.op, body, r.status)
			}
			w.repair(t)
			return
		case r.status < 400 || r.status >= 500:
			t.Fatalf("%s %q: %d %s", rt.op, body, r.status, r.body)
		}
		var e wire.ErrorBody
		dec := json.NewDecoder(bytes.NewReader(r.body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&e); err != nil || e.Error.Code == "" || e.Error.Message == "" ||
			!strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
			t.Fatalf("%s %q: %d is not a JSON error with a code and a message: %q (%s)", rt.op, body, r.status, r.body, r.header.Get("Content-Type"))
		}
		after := w.writes(t)
		for table, n := range after {
			if n != before[table] && !slices.Contains(attemptWrites[e.Error.Code], table) {
				t.Fatalf("%s %q: %d %s wrote to %s (%d → %d)", rt.op, body, r.status, e.Error.Code, table, before[table], n)
			}
		}
	})
}

// attemptWrites are the tables a 4xx may write, by error code: a refused
// code, password or emailed code is counted (against the account, or for
// a password from a known browser against that browser) and goes to the
// audit log, so that guessing is bounded and visible.
var attemptWrites = map[string][]string{
	"verification_failed": {"verification_throttle", "audit_events"},
	"invalid_credentials": {"password_throttle", "known_browsers", "audit_events"},
	"wrong_password":      {"password_throttle", "known_browsers", "audit_events"},
	"email_code_failed":   {"email_codes", "audit_events"},
}

// malformedBodies are sent to every route as seeds: not JSON, not an
// object, wrong types, an unknown field, trailing data, invalid UTF-8, an
// unpaired surrogate escape, a huge number, deep nesting.
var malformedBodies = []string{
	``,
	`{`,
	`[]`,
	`null`,
	`{"name":1,"code":{},"email":[]}`,
	`{"nope":true}`,
	`{} {}`,
	"{\"name\":\"\xff\"}",
	`{"name":"\ud800","code":"\udc00"}`,
	`{"trust_days":1e400,"at":-1e400}`,
	strings.Repeat(`{"a":`, 200) + strings.Repeat(`}`, 200),
}

// bodyRoute is a route that reads a body, its parameters filled in.
type bodyRoute struct {
	op           string // "METHOD /pattern"
	method, path string
	optional     bool // the route also takes no body
}

// bodyWorld is the server and the callers FuzzRequestBody sends as.
type bodyWorld struct {
	h      *harness
	writer *sql.DB // counts writes (triggers) and reads the counts
	routes []bodyRoute

	admin        *account
	adminCodes   []string // the administrator's unused recovery codes
	adminSigns   int      // how often the administrator signed in again
	memberID     string   // a user of the organisation, for /admin/users/{id}
	memberDevice string
	groupID      string
	groups       int
	users        int
	first        *account       // the first user, whose device the push registration seed names
	user         []*http.Cookie // the current user's session, with a fresh second factor
	partial      []*http.Cookie // the same user signed in with the password only
	pendingID    string         // a device of the current user, being set up

	seedBodies map[string][][]byte

	sync        *syncWorld // the first user's sync identity; requests to it are signed by its browser
	syncPairing string     // an open pairing slot of it
	syncNew     *syncBrowser
}

const fuzzPushOrigin = "https://mfa.example"

func newBodyWorld(f *testing.F) *bodyWorld {
	h := newHarness(f, func(o *harnessOptions) {
		o.logLevel = slog.LevelError // a long run would keep every debug line
		o.sync.UploadsPerMinute = -1 // the clock does not move while fuzzing
		// Failures are still counted (attemptWrites), but nobody is
		// locked out: the world's own sign-ins must keep working.
		o.throttle.FreeFailures, o.throttle.WindowBudget = 1<<30, 1<<30
	})
	// Push sign-in on: the same router and services, with a hub.
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	hub := pushhub.NewHub(h.svc.Push, pushhub.Options{Log: quiet, Now: h.clock.Now, Rand: h.rand})
	f.Cleanup(hub.Close)
	if err := h.svc.Push.Enable(service.PushConfig{Origin: fuzzPushOrigin}, hub); err != nil {
		f.Fatal(err)
	}
	plain := h.srv
	h.srv = httptest.NewServer(NewRouter(Deps{Accounts: h.svc.Accounts, Devices: h.svc.Devices, Tokens: h.svc.Tokens, Push: h.svc.Push,
		Audit: h.svc.Audit, Admin: h.svc.Admin, Sync: h.svc.Sync, DB: h.st, Metrics: h.metrics, Log: quiet, App: testApp, Now: h.clock.Now,
		RateLimit: h.opts.rateLimit, Hub: hub}))
	plain.Close()

	w := &bodyWorld{h: h}
	w.admin = h.orgAdmin("admin@example.com")
	w.adminCodes = w.admin.recovery
	member := h.enroll("member@example.com")
	w.memberID, w.memberDevice = member.c.userID(), member.deviceID
	w.newGroup()
	w.newUser(f)
	w.newSync(f)
	w.countWrites(f)
	w.findRoutes(f)
	w.seedBodies = w.seeds(f)
	return w
}

// countWrites adds a table of write counts and, on every other table,
// triggers that count each inserted, updated or deleted row.
func (w *bodyWorld) countWrites(f *testing.F) {
	db, err := sql.Open("sqlite3", "file:"+w.h.dbPath+"?_busy_timeout=5000")
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { db.Close() })
	rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
	if err != nil {
		f.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		rows.Scan(&name)
		tables = append(tables, name)
	}
	if err := rows.Close(); err != nil || len(tables) < 10 {
		f.Fatalf("tables %v: %v", tables, err)
	}
	stmts := []string{`CREATE TABLE fuzz_writes (tbl TEXT PRIMARY KEY, n INTEGER NOT NULL)`}
	for _, t := range tables {
		stmts = append(stmts, fmt.Sprintf(`INSERT INTO fuzz_writes VALUES ('%s', 0)`, t))
		for _, ev := range []string{"INSERT", "UPDATE", "DELETE"} {
			stmts = append(stmts, fmt.Sprintf(`CREATE TRIGGER fuzz_%s_%s AFTER %s ON "%s" BEGIN
				UPDATE fuzz_writes SET n = n + 1 WHERE tbl = '%s'; END`, t, strings.ToLower(ev), ev, t, t))
		}
	}
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			f.Fatalf("%s: %v", s, err)
		}
	}
	w.writer = db
}

// writes returns the number of rows written so far, per table.
func (w *bodyWorld) writes(t testing.TB) map[string]int64 {
	rows, err := w.writer.Query(`SELECT tbl, n FROM fuzz_writes`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var table string
		var n int64
		if err := rows.Scan(&table, &n); err != nil {
			t.Fatal(err)
		}
		out[table] = n
	}
	return out
}

// findRoutes walks the router and keeps the routes that read a body.
func (w *bodyWorld) findRoutes(f *testing.F) {
	var ops []bodyRoute
	err := chi.Walk(w.h.srv.Config.Handler.(chi.Routes), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		route = strings.ReplaceAll(route, "/*/", "/")
		if !strings.HasPrefix(route, "/api/v1/") || method == "GET" || method == "HEAD" || method == "OPTIONS" {
			return nil
		}
		route = strings.TrimSuffix(route, "/")
		ops = append(ops, bodyRoute{op: method + " " + route, method: method})
		return nil
	})
	if err != nil {
		f.Fatal(err)
	}
	slices.SortFunc(ops, func(a, b bodyRoute) int { return strings.Compare(a.op, b.op) })
	for _, rt := range ops {
		rt.path = w.fill(rt.op)
		r := w.send(f, w.callerOf(rt.op), rt.method, rt.path, []byte("{"))
		w.repair(f) // probing a route that reads no body ran it
		if r.errorCode() != "malformed_json" {
			continue
		}
		r = w.send(f, w.callerOf(rt.op), rt.method, rt.path, nil)
		w.repair(f)
		rt.optional = r.errorCode() != "malformed_json"
		w.routes = append(w.routes, rt)
	}
	// Every operation documented with a request body was found.
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(openAPIDoc, &doc); err != nil {
		f.Fatal(err)
	}
	for path, ops := range doc.Paths {
		for method, raw := range ops {
			var op struct {
				RequestBody json.RawMessage `json:"requestBody"`
			}
			if method == "parameters" || json.Unmarshal(raw, &op) != nil {
				continue
			}
			name := strings.ToUpper(method) + " /api/v1" + path
			if op.RequestBody != nil && !slices.ContainsFunc(w.routes, func(r bodyRoute) bool { return r.op == name }) {
				f.Errorf("%s has a request body in openapi.json but did not answer malformed_json to one", name)
			}
		}
	}
	if len(w.routes) < 20 {
		f.Fatalf("only %d routes read a body: %v", len(w.routes), w.routes)
	}
}

// fill puts the world's ids into a route's parameters.
func (w *bodyWorld) fill(op string) string {
	_, path, _ := strings.Cut(op, " ")
	switch {
	case strings.HasPrefix(path, "/api/v1/admin/groups/"):
		path = strings.Replace(path, "{id}", w.groupID, 1)
	case strings.HasPrefix(path, "/api/v1/admin/users/"):
		path = strings.Replace(path, "{id}", w.memberID, 1)
	case strings.HasPrefix(path, "/api/v1/totp-devices/"):
		path = strings.Replace(path, "{id}", w.pendingID, 1)
	}
	var identity, pairing string
	if w.sync != nil {
		identity, pairing = w.sync.a.identity, w.syncPairing
	}
	return strings.NewReplacer("{user}", w.memberID, "{device}", w.memberDevice, "{id}", "x", "{identity}", identity,
		"{pairing}", pairing).Replace(path)
}

// callerOf is who sends a route's requests (their cookies).
func (w *bodyWorld) callerOf(op string) []*http.Cookie {
	switch _, path, _ := strings.Cut(op, " "); {
	case strings.HasPrefix(path, "/api/v1/admin/"):
		return cookiesOf(w.admin.c)
	case path == "/api/v1/session/mfa":
		return w.partial
	case path == "/api/v1/users", path == "/api/v1/session", path == "/api/v1/push/registrations", path == "/api/v1/cli-grants/token":
		return nil
	}
	return w.user
}

func cookiesOf(c *testClient) []*http.Cookie {
	u, _ := url.Parse(c.h.srv.URL)
	return c.http.Jar.Cookies(u)
}

// pick finds the route an input names, or one by the name's hash.
func (w *bodyWorld) pick(op string) bodyRoute {
	for _, rt := range w.routes {
		if rt.op == op {
			rt.path = w.fill(rt.op)
			return rt
		}
	}
	hash := fnv.New32a()
	hash.Write([]byte(op))
	rt := w.routes[hash.Sum32()%uint32(len(w.routes))]
	rt.path = w.fill(rt.op)
	return rt
}

// send sends body as JSON with the caller's cookies; a cookie the
// response sets is not kept.
func (w *bodyWorld) send(t testing.TB, cookies []*http.Cookie, method, path string, body []byte) response {
	req, err := http.NewRequest(method, w.h.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for _, c := range cookies {
		req.AddCookie(c)
	}
	w.signSync(t, req, path, body)
	resp, err := w.h.transport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: data}
}

// newUser signs up a user with an active device, steps them up with a
// recovery code (no clock change), adds a device being set up and signs
// them in again with the password only.
func (w *bodyWorld) newUser(t testing.TB) {
	w.admin.c.must(200, "PATCH", "/api/v1/admin/org", map[string]bool{"open_signup": true})
	w.users++
	u := w.h.enroll(fmt.Sprintf("user%d@example.com", w.users))
	if w.first == nil {
		w.first = u
	}
	u.c.must(200, "POST", "/api/v1/session/mfa", map[string]string{"recovery_code": u.recovery[0]})
	var pending wire.Enrollment
	u.c.must(201, "POST", "/api/v1/totp-devices", map[string]string{"name": "spare"}).decode(t, &pending)
	w.user, w.pendingID = cookiesOf(u.c), pending.Device.ID
	w.partial = cookiesOf(w.h.signIn(u.email))
}

func (w *bodyWorld) newGroup() {
	w.groups++
	var g wire.Group
	w.admin.c.must(201, "POST", "/api/v1/admin/groups", map[string]string{"name": fmt.Sprintf("Pilot %d", w.groups)}).decode(w.h.t, &g)
	w.groupID = g.ID
}

// repair checks what a 2xx may have changed and makes the world whole:
// the administrator's session (signed in again with a recovery code), the
// group, and the user with their sessions and device being set up (a new
// user).
func (w *bodyWorld) repair(t testing.TB) {
	get := func(c []*http.Cookie, path string, v any) bool {
		r := w.send(t, c, "GET", path, nil)
		return r.status == 200 && json.Unmarshal(r.body, v) == nil
	}
	var admin wire.SessionResponse
	if !get(cookiesOf(w.admin.c), "/api/v1/session", &admin) || admin.Session.Stage != "full" || admin.User.Role != "admin" || admin.Session.MFAVerifiedAt == nil {
		w.adminSigns++
		if len(w.adminCodes) == 0 || w.adminSigns > 100 {
			t.Fatalf("the administrator's session keeps ending: %+v", admin)
		}
		c := w.h.signIn(w.admin.email)
		c.must(200, "POST", "/api/v1/session/mfa", map[string]string{"recovery_code": w.adminCodes[0]})
		w.admin.c, w.adminCodes = c, w.adminCodes[1:]
		if len(w.adminCodes) == 0 {
			var rc wire.RecoveryCodes
			c.must(201, "POST", "/api/v1/recovery-codes", nil).decode(t, &rc)
			w.adminCodes = rc.RecoveryCodes
		}
	}
	var groups wire.GroupList
	if !get(cookiesOf(w.admin.c), "/api/v1/admin/groups", &groups) {
		t.Fatal("the administrator cannot list groups")
	}
	if !slices.ContainsFunc(groups.Groups, func(g wire.Group) bool { return g.ID == w.groupID }) {
		w.newGroup()
	}
	var user, partial wire.SessionResponse
	var dev wire.Device
	if !get(w.user, "/api/v1/session", &user) || user.Session.Stage != "full" || !user.User.MFAEnrolled ||
		!get(w.partial, "/api/v1/session", &partial) || partial.Session.Stage != "partial" ||
		!get(w.user, "/api/v1/totp-devices/"+w.pendingID, &dev) || dev.State != "pending" {
		w.newUser(t)
	}
}

// seeds are valid bodies for each route that reads one (wrong codes and
// passwords included: they are valid bodies), keyed by route.
func (w *bodyWorld) seeds(f *testing.F) map[string][][]byte {
	str := func(s string) *string { return &s }
	yes, no := true, false
	days := 30
	soon := t0.Add(24 * time.Hour)
	// A registration that the server accepts: the first user's active
	// device, this server, now (the clock does not move while fuzzing).
	pub := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{5}, 32)).Public().(ed25519.PublicKey)
	at := w.h.clock.Now().Unix()
	proof := pushproto.RegistrationProof(w.first.secret, fuzzPushOrigin, w.first.deviceID, pub, at)
	enc := base64.RawURLEncoding
	// A grant the CLI can redeem: made by the current user for a verifier.
	verifier := strings.Repeat("v", 43)
	challenge := sha256.Sum256([]byte(verifier))
	var grant wire.CLIGrant
	r := w.send(f, w.user, "POST", "/api/v1/cli-grants", fmt.Appendf(nil, `{"code_challenge":%q,"name":"laptop"}`, enc.EncodeToString(challenge[:])))
	if r.status != 201 || json.Unmarshal(r.body, &grant) != nil {
		f.Fatalf("making a CLI grant: %d %s", r.status, r.body)
	}
	bodies := map[string][]any{
		"POST /api/v1/users": {
			wire.Credentials{Email: "new@example.com", Password: "a long enough password"},
			wire.Credentials{Email: "member@example.com", Password: "a long enough password"},
			wire.Credentials{Email: "invited@example.com", Password: "a long enough password", Invitation: "bm90IGFuIGludml0YXRpb24"},
		},
		"POST /api/v1/session": {
			wire.Credentials{Email: "member@example.com", Password: password},
			wire.Credentials{Email: "member@example.com", Password: "not the password"},
			wire.Credentials{Email: "nobody@example.com", Password: password},
		},
		"POST /api/v1/session/mfa": {
			wire.SecondFactorRequest{Code: "123456"},
			wire.SecondFactorRequest{RecoveryCode: "ABCD-EFGH-IJKL-MNOP", TrustBrowser: true},
		},
		"POST /api/v1/password": {
			wire.ChangePasswordRequest{CurrentPassword: password, NewPassword: "another long password"},
			wire.ChangePasswordRequest{CurrentPassword: "not the password", NewPassword: "another long password", Code: "123456"},
		},
		"POST /api/v1/totp-devices":               {wire.CreateDeviceRequest{Name: "tablet"}, wire.CreateDeviceRequest{Name: "tablet", Code: "123456"}},
		"PATCH /api/v1/totp-devices/{id}":         {wire.RenameRequest{Name: "spare phone"}},
		"DELETE /api/v1/totp-devices/{id}":        {wire.Factor{}, wire.Factor{Code: "123456"}},
		"POST /api/v1/totp-devices/{id}/activate": {wire.ActivateRequest{Code: "123456"}},
		"POST /api/v1/totp-devices/{id}/seed":     {wire.Factor{}, wire.Factor{RecoveryCode: "ABCD-EFGH-IJKL-MNOP"}},
		"POST /api/v1/recovery-codes":             {wire.Factor{}, wire.Factor{Code: "123456"}},
		"DELETE /api/v1/mfa":                      {wire.Factor{Code: "123456"}},
		"POST /api/v1/cli-grants": {
			wire.CLIGrantRequest{CodeChallenge: enc.EncodeToString(challenge[:]), Name: "laptop", ExpiresAt: &soon},
			wire.CLIGrantRequest{CodeChallenge: enc.EncodeToString(challenge[:]), Name: "laptop", Code: "123456"},
		},
		"POST /api/v1/cli-grants/token": {
			wire.CLIGrantRedeem{Grant: grant.Grant, CodeVerifier: verifier},
			wire.CLIGrantRedeem{Grant: grant.Grant, CodeVerifier: strings.Repeat("w", 43)},
		},
		"POST /api/v1/app-tokens": {wire.CreateAppTokenRequest{Name: "ci"}, wire.CreateAppTokenRequest{Name: "ci", ExpiresAt: &soon, Code: "123456"}},
		"POST /api/v1/push/registrations": {
			wire.PushRegistrationRequest{DeviceID: w.first.deviceID, PublicKey: enc.EncodeToString(pub), At: at, Proof: enc.EncodeToString(proof)},
			wire.PushRegistrationRequest{DeviceID: w.first.deviceID, PublicKey: enc.EncodeToString(pub), At: at, Proof: enc.EncodeToString(make([]byte, 32))},
		},
		"PATCH /api/v1/admin/org":                      {wire.OrgUpdate{Name: str("Example"), TrustDays: &days, OpenSignup: &yes}, wire.OrgUpdate{OpenSignup: &no}},
		"POST /api/v1/admin/mfa-requirement":           {wire.RequirementRequest{Scope: "groups", GroupIDs: []string{w.groupID}, Sessions: "keep"}, wire.RequirementRequest{Scope: "everyone", Sessions: "sign_out"}},
		"POST /api/v1/admin/mfa-requirement/off-code":  {struct{}{}},
		"DELETE /api/v1/admin/mfa-requirement":         {wire.EmailCode{Code: "123456"}},
		"PATCH /api/v1/admin/users/{id}":               {wire.UserUpdate{Role: str("admin")}, wire.UserUpdate{Exempt: &yes, ExemptReason: "kiosk"}},
		"POST /api/v1/admin/users/{id}/mfa-reset":      {wire.Reason{Reason: "lost phone"}},
		"POST /api/v1/admin/groups":                    {wire.GroupRequest{Name: "Ops"}},
		"PATCH /api/v1/admin/groups/{id}":              {map[string]bool{"require_mfa": true}},
		"PUT /api/v1/admin/groups/{id}/members/{user}": {struct{}{}},
		"POST /api/v1/admin/invitations":               {wire.InvitationRequest{Email: "new@example.com", Role: "member"}},
	}
	maps.Copy(bodies, w.syncSeeds(f))
	out := map[string][][]byte{}
	for op, vs := range bodies {
		for _, v := range vs {
			b, err := json.Marshal(v)
			if err != nil {
				f.Fatal(err)
			}
			out[op] = append(out[op], b)
		}
	}
	return out
}

// newSync gives the first user a sync identity (its browser uploads one
// change) with an open pairing slot, and makes the key of a browser that
// may create another.
func (w *bodyWorld) newSync(f *testing.F) {
	w.sync = newSyncWorldFor(f, w.h, w.first, 200)
	var slot wire.SyncPairingCreated
	w.sync.a.send("POST", w.sync.a.path("/pairings"), wire.SyncCounter{Counter: w.sync.a.next()}).must(f, 201).decode(f, &slot)
	w.syncPairing = slot.PairingID
	w.syncNew = newSyncBrowser(w.h, nil, 201)
}

// signSync signs a request to the sync routes as the route's signer: the
// identity's browser, the recovery key, or the new browser's key for an
// identity (the join is not signed).
func (w *bodyWorld) signSync(t testing.TB, req *http.Request, path string, body []byte) {
	if w.sync == nil || !strings.HasPrefix(path, "/api/v1/sync/") || strings.HasSuffix(path, "/join") {
		return
	}
	a := w.sync.a
	signer, key := a.device, a.sign
	switch {
	case path == "/api/v1/sync/identities":
		signer, key = syncproto.SignerNew, w.syncNew.sign
	case strings.HasSuffix(path, "/recovery"):
		signer = syncproto.SignerRecovery
		key, _ = recoveryKeys(t, w.sync.recovery)
	}
	hs := a.headers(signer, key, req.Method, path, body)
	for i := 0; i < len(hs); i += 2 {
		req.Header.Set(hs[i], hs[i+1])
	}
}

// syncSeeds are valid bodies for the sync routes (signed by send).
func (w *bodyWorld) syncSeeds(f *testing.F) map[string][]any {
	a, n := w.sync.a, w.syncNew
	env := enc(sealEnvelope(f, w.sync.k, n.wrap.PublicKey(), a.identity, 1, "x"))
	ct := enc([]byte("a ciphertext the server does not read"))
	keys := wire.SyncRecoveryRequest{SigningKey: enc(n.signPub()), WrapKey: enc(n.wrap.PublicKey().Bytes()), Meta: enc([]byte("meta"))}
	return map[string][]any{
		"POST /api/v1/sync/identities": {wire.SyncIdentityRequest{SigningKey: keys.SigningKey, WrapKey: keys.WrapKey, Meta: keys.Meta,
			Envelopes: wire.SyncIdentityEnvelopes{Device: env}, Counter: 1}},
		"POST /api/v1/sync/{identity}/changes": {wire.SyncChangeRequest{Counter: 10, Epoch: 1, Ciphertext: ct},
			wire.SyncChangeRequest{Counter: 11, Epoch: 2, Ciphertext: ct}},
		"PUT /api/v1/sync/{identity}/snapshot":                    {wire.SyncSnapshotRequest{Counter: 12, Epoch: 1, Seq: 1, Ciphertext: ct}},
		"POST /api/v1/sync/{identity}/pairings":                   {wire.SyncCounter{Counter: 13}},
		"POST /api/v1/sync/{identity}/pairings/{pairing}/join":    {wire.SyncJoinRequest{SigningKey: keys.SigningKey, WrapKey: keys.WrapKey, MAC: enc(make([]byte, 32))}},
		"POST /api/v1/sync/{identity}/pairings/{pairing}/approve": {wire.SyncApproveRequest{Counter: 14, Epoch: 1, Envelope: env}},
		"DELETE /api/v1/sync/{identity}/devices/{device}":         {wire.SyncCounter{Counter: 15}},
		"POST /api/v1/sync/{identity}/epochs": {wire.SyncRotationRequest{Counter: 16, Epoch: 2, Envelopes: map[string]string{a.device: env, "recovery": env},
			Snapshot: wire.SyncRotationSnapshot{Seq: 1, Ciphertext: ct}}},
		"POST /api/v1/sync/{identity}/recovery": {keys},
	}
}
