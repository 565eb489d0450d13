package api

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/twofold-auth/twofold/server/api/wire"
	"github.com/twofold-auth/twofold/server/auth"
)

// admin is an organisation's administration under /admin. Every route
// needs a full session or a token (the service then checks the caller is
// an admin of their organisation with a verified second factor), and every
// lookup stays within that organisation.
type admin struct{ *api }

func (ad admin) Routes() chi.Router {
	r := ad.subrouter()
	r.Use(ad.requireFullOrToken)
	r.Get("/org", ad.handle(ad.org))
	r.Patch("/org", ad.handle(ad.updateOrg))
	r.Post("/mfa-requirement", ad.handle(ad.requireMFA))
	r.With(ad.limit).Post("/mfa-requirement/off-code", ad.handle(ad.sendOffCode))
	r.With(ad.limit).Delete("/mfa-requirement", ad.handle(ad.requirementOff))
	r.Get("/users", ad.handle(ad.users))
	r.Get("/users/{id}", ad.handle(ad.user))
	r.Patch("/users/{id}", ad.handle(ad.updateUser))
	r.Post("/users/{id}/mfa-reset", ad.handle(ad.resetMFA))
	r.Delete("/users/{id}/devices/{device}", ad.handle(ad.deleteUserDevice))
	r.Get("/groups", ad.handle(ad.groups))
	r.Post("/groups", ad.handle(ad.createGroup))
	r.Patch("/groups/{id}", ad.handle(ad.updateGroup))
	r.Delete("/groups/{id}", ad.handle(ad.deleteGroup))
	r.Put("/groups/{id}/members/{user}", ad.handle(ad.addMember))
	r.Delete("/groups/{id}/members/{user}", ad.handle(ad.removeMember))
	r.Get("/invitations", ad.handle(ad.invitations))
	r.Post("/invitations", ad.handle(ad.invite))
	r.Get("/audit-events", ad.handle(ad.auditEvents))
	r.Get("/outbox", ad.handle(ad.outbox))
	return r
}

func viewOrg(o auth.Organisation, smtp bool) wire.Organisation {
	return wire.Organisation{ID: o.ID, Slug: o.Slug, Name: o.Name, RequireMFA: string(o.RequireMFA), TrustDays: o.TrustDays,
		OpenSignup: o.OpenSignup, SMTPConfigured: smtp}
}

// smtp reports whether mail leaves the server (the outbox says so).
func (ad admin) smtp(r *http.Request) bool {
	_, sent, err := ad.adm.Outbox(r.Context(), principalOf(r), 1)
	return err == nil && sent
}

func (ad admin) org(w http.ResponseWriter, r *http.Request) error {
	o, err := ad.adm.Org(r.Context(), principalOf(r))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, viewOrg(o, ad.smtp(r)))
}

func (ad admin) updateOrg(w http.ResponseWriter, r *http.Request) error {
	var req wire.OrgUpdate
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	o, err := ad.adm.UpdateOrg(r.Context(), client(r), principalOf(r), auth.OrgChange{Name: req.Name, TrustDays: req.TrustDays, OpenSignup: req.OpenSignup})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, viewOrg(o, ad.smtp(r)))
}

func (ad admin) requireMFA(w http.ResponseWriter, r *http.Request) error {
	var req wire.RequirementRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if req.Sessions != "sign_out" && req.Sessions != "keep" {
		return errSessionsChoice
	}
	res, err := ad.adm.RequireMFA(r.Context(), client(r), principalOf(r), auth.Requirement(req.Scope), req.GroupIDs, req.Sessions == "sign_out")
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.RequirementResult{Organisation: viewOrg(res.Organisation, ad.smtp(r)),
		AffectedUsers: res.Affected, SessionsChanged: res.Sessions})
}

func (ad admin) sendOffCode(w http.ResponseWriter, r *http.Request) error {
	if err := decodeOptionalJSON(r, &struct{}{}); err != nil {
		return err
	}
	sess := principalOf(r)
	if err := ad.adm.SendRequirementOffCode(r.Context(), client(r), sess); err != nil {
		return err
	}
	u, err := ad.accounts.Account(r.Context(), sess.UserID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusAccepted, wire.CodeSent{SentTo: u.Email, ExpiresInSeconds: 300})
}

func (ad admin) requirementOff(w http.ResponseWriter, r *http.Request) error {
	var req wire.EmailCode
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if err := ad.adm.RequirementOff(r.Context(), client(r), principalOf(r), req.Code); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func viewOrgUser(u auth.OrgUser) wire.OrgUser {
	groups := u.Groups
	if groups == nil {
		groups = []string{}
	}
	return wire.OrgUser{ID: u.ID, Email: u.Email, Role: string(u.Role), Groups: groups, MFAStatus: string(u.Status()),
		ExemptReason: u.ExemptReason, CreatedAt: u.CreatedAt.UTC(), LastSignInAt: optTime(u.LastSignInAt)}
}

// users lists the organisation's users; ?format=csv gives every match as
// a CSV file.
func (ad admin) users(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := auth.UserFilter{Query: q.Get("q"), Status: auth.MFAStatus(q.Get("status")), GroupID: q.Get("group")}
	switch f.Status {
	case "", auth.StatusEnrolled, auth.StatusNotEnrolled, auth.StatusExempt:
	default:
		return errBadQuery
	}
	var err error
	if f.Offset, err = intParam(q.Get("offset"), 0, 1<<30, 0); err != nil {
		return err
	}
	if f.Limit, err = intParam(q.Get("limit"), 1, 500, 50); err != nil {
		return err
	}
	csvOut := q.Get("format") == "csv"
	if csvOut {
		f.Offset, f.Limit = 0, 500
	}
	var all []auth.OrgUser
	total := 0
	for {
		page, n, err := ad.adm.Users(r.Context(), principalOf(r), f)
		if err != nil {
			return err
		}
		all, total = append(all, page...), n
		if !csvOut || len(page) < f.Limit {
			break
		}
		f.Offset += len(page)
	}
	if csvOut {
		rows := [][]string{{"email", "role", "groups", "mfa_status", "exempt_reason", "created_at", "last_sign_in_at"}}
		for _, u := range all {
			v := viewOrgUser(u)
			last := ""
			if v.LastSignInAt != nil {
				last = v.LastSignInAt.Format(time.RFC3339)
			}
			rows = append(rows, []string{v.Email, v.Role, joinGroups(v.Groups), v.MFAStatus, v.ExemptReason, v.CreatedAt.Format(time.RFC3339), last})
		}
		return writeCSV(w, "users.csv", rows)
	}
	out := wire.OrgUserList{Users: make([]wire.OrgUser, len(all)), Total: total}
	for i, u := range all {
		out.Users[i] = viewOrgUser(u)
	}
	return writeJSON(w, http.StatusOK, out)
}

func joinGroups(gs []string) string {
	s := ""
	for i, g := range gs {
		if i > 0 {
			s += "; "
		}
		s += g
	}
	return s
}

// intParam reads an optional integer query parameter within [lo, hi].
func intParam(v string, lo, hi, def int) (int, error) {
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, errBadQuery
	}
	return n, nil
}

// writeCSV sends rows as a CSV download. A cell a spreadsheet would read as
// a formula (=, +, -, @) is prefixed with a quote, so an email address or
// a reason cannot run in the admin's spreadsheet.
func writeCSV(w http.ResponseWriter, name string, rows [][]string) error {
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.WriteHeader(http.StatusOK)
	cw := csv.NewWriter(w)
	for _, row := range rows {
		for i, cell := range row {
			if cell != "" && (cell[0] == '=' || cell[0] == '+' || cell[0] == '-' || cell[0] == '@') {
				row[i] = "'" + cell
			}
		}
		if err := cw.Write(row); err != nil {
			return nil // the client went away; headers are sent
		}
	}
	cw.Flush()
	return nil
}

func (ad admin) user(w http.ResponseWriter, r *http.Request) error {
	u, ds, err := ad.adm.User(r.Context(), principalOf(r), chi.URLParam(r, "id"))
	if err != nil {
		return err
	}
	out := wire.OrgUserDetail{User: viewOrgUser(u), Devices: make([]wire.Device, len(ds))}
	for i, d := range ds {
		out.Devices[i] = viewDevice(d)
	}
	return writeJSON(w, http.StatusOK, out)
}

func (ad admin) updateUser(w http.ResponseWriter, r *http.Request) error {
	var req wire.UserUpdate
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	ch := auth.UserChange{Exempt: req.Exempt, ExemptReason: req.ExemptReason}
	if req.Role != nil {
		role := auth.Role(*req.Role)
		ch.Role = &role
	}
	u, err := ad.adm.UpdateUser(r.Context(), client(r), principalOf(r), chi.URLParam(r, "id"), ch)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, viewOrgUser(u))
}

func (ad admin) resetMFA(w http.ResponseWriter, r *http.Request) error {
	var req wire.Reason
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if err := ad.adm.ResetMFA(r.Context(), client(r), principalOf(r), chi.URLParam(r, "id"), req.Reason); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (ad admin) deleteUserDevice(w http.ResponseWriter, r *http.Request) error {
	if err := ad.adm.DeleteUserDevice(r.Context(), client(r), principalOf(r), chi.URLParam(r, "id"), chi.URLParam(r, "device")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func viewGroup(g auth.Group) wire.Group {
	return wire.Group{ID: g.ID, Name: g.Name, RequireMFA: g.RequireMFA, Members: g.Members, CreatedAt: g.CreatedAt.UTC()}
}

func (ad admin) groups(w http.ResponseWriter, r *http.Request) error {
	gs, err := ad.adm.Groups(r.Context(), principalOf(r))
	if err != nil {
		return err
	}
	out := wire.GroupList{Groups: make([]wire.Group, len(gs))}
	for i, g := range gs {
		out.Groups[i] = viewGroup(g)
	}
	return writeJSON(w, http.StatusOK, out)
}

func (ad admin) createGroup(w http.ResponseWriter, r *http.Request) error {
	var req wire.GroupRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	g, err := ad.adm.CreateGroup(r.Context(), client(r), principalOf(r), req.Name)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, viewGroup(g))
}

func (ad admin) updateGroup(w http.ResponseWriter, r *http.Request) error {
	var req wire.GroupUpdate
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if req.RequireMFA == nil {
		return errFieldRequired
	}
	if err := ad.adm.SetGroupRequired(r.Context(), client(r), principalOf(r), chi.URLParam(r, "id"), *req.RequireMFA); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (ad admin) deleteGroup(w http.ResponseWriter, r *http.Request) error {
	if err := ad.adm.DeleteGroup(r.Context(), client(r), principalOf(r), chi.URLParam(r, "id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (ad admin) addMember(w http.ResponseWriter, r *http.Request) error {
	if err := decodeOptionalJSON(r, &struct{}{}); err != nil {
		return err
	}
	if err := ad.adm.AddMember(r.Context(), client(r), principalOf(r), chi.URLParam(r, "id"), chi.URLParam(r, "user")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (ad admin) removeMember(w http.ResponseWriter, r *http.Request) error {
	if err := ad.adm.RemoveMember(r.Context(), client(r), principalOf(r), chi.URLParam(r, "id"), chi.URLParam(r, "user")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func viewInvitation(i auth.Invitation) wire.Invitation {
	return wire.Invitation{ID: i.ID, Email: i.Email, Role: string(i.Role), CreatedAt: i.CreatedAt.UTC(), ExpiresAt: i.ExpiresAt.UTC(),
		UsedAt: optTime(i.UsedAt)}
}

func (ad admin) invitations(w http.ResponseWriter, r *http.Request) error {
	invs, err := ad.adm.Invitations(r.Context(), principalOf(r))
	if err != nil {
		return err
	}
	out := wire.InvitationList{Invitations: make([]wire.Invitation, len(invs))}
	for i, inv := range invs {
		out.Invitations[i] = viewInvitation(inv)
	}
	return writeJSON(w, http.StatusOK, out)
}

func (ad admin) invite(w http.ResponseWriter, r *http.Request) error {
	var req wire.InvitationRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	inv, err := ad.adm.Invite(r.Context(), client(r), principalOf(r), req.Email, auth.Role(req.Role))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, wire.NewInvitation{Invitation: viewInvitation(inv.Invitation), Link: inv.Link})
}

// auditEvents lists the organisation's events, filtered by user, type and
// time (RFC 3339); ?format=csv gives them as a CSV file.
func (ad admin) auditEvents(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := auth.AuditFilter{UserID: q.Get("user"), Type: q.Get("type")}
	for _, p := range []struct {
		name string
		to   *time.Time
	}{{"since", &f.Since}, {"until", &f.Until}} {
		if v := q.Get(p.name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return errBadQuery
			}
			*p.to = t
		}
	}
	var err error
	if f.Limit, err = intParam(q.Get("limit"), 1, auth.MaxAuditPage, 50); err != nil {
		return err
	}
	before, err := intParam(q.Get("before"), 1, 1<<62, 0)
	if err != nil {
		return err
	}
	f.BeforeID = int64(before)
	if q.Get("format") == "csv" {
		return ad.auditCSV(w, r, f)
	}
	evs, err := ad.adm.AuditEvents(r.Context(), principalOf(r), f)
	if err != nil {
		return err
	}
	out := wire.OrgAuditList{Events: make([]wire.OrgAuditEvent, len(evs))}
	for i, e := range evs {
		out.Events[i] = viewOrgAuditEvent(e)
	}
	if len(evs) == f.Limit {
		out.NextBefore = &evs[len(evs)-1].ID
	}
	return writeJSON(w, http.StatusOK, out)
}

func viewOrgAuditEvent(e auth.AuditEvent) wire.OrgAuditEvent {
	return wire.OrgAuditEvent{ID: e.ID, Type: e.Type, At: e.At.UTC(), UserID: e.UserID, UserEmail: e.UserEmail,
		ActorID: e.ActorID, ActorEmail: e.ActorEmail, ClientAddr: e.ClientAddr, UserAgent: e.UserAgent, DeviceID: e.DeviceID, Detail: e.Detail}
}

// auditCSV sends every event the filter matches (not one page) as a CSV
// file, reading the log a page at a time.
func (ad admin) auditCSV(w http.ResponseWriter, r *http.Request, f auth.AuditFilter) error {
	rows := [][]string{{"time", "type", "user", "actor", "client_addr", "user_agent", "device_id", "detail"}}
	f.Limit = auth.MaxAuditPage
	for {
		evs, err := ad.adm.AuditEvents(r.Context(), principalOf(r), f)
		if err != nil {
			return err
		}
		for _, e := range evs {
			v := viewOrgAuditEvent(e)
			rows = append(rows, []string{v.At.Format(time.RFC3339), v.Type, v.UserEmail, v.ActorEmail, v.ClientAddr, v.UserAgent, v.DeviceID, v.Detail})
		}
		if len(evs) < f.Limit {
			return writeCSV(w, "audit.csv", rows)
		}
		f.BeforeID = evs[len(evs)-1].ID
	}
}

func (ad admin) outbox(w http.ResponseWriter, r *http.Request) error {
	ms, sent, err := ad.adm.Outbox(r.Context(), principalOf(r), 200)
	if err != nil {
		return err
	}
	out := wire.Outbox{SMTPConfigured: sent, Mails: make([]wire.Mail, len(ms))}
	for i, m := range ms {
		out.Mails[i] = wire.Mail{ID: m.ID, To: m.To, Subject: m.Subject, Body: m.Body, CreatedAt: m.CreatedAt.UTC(), SentAt: optTime(m.SentAt), Error: m.Error}
	}
	return writeJSON(w, http.StatusOK, out)
}
