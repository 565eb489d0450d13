package service

import (
	"context"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/twofold-auth/twofold/server/auth"
	"github.com/twofold-auth/twofold/server/credential"
	"github.com/twofold-auth/twofold/server/store"
)

// Invite makes an invitation for email to join the organisation with a
// role: a single-use link, valid InvitationTTL, mailed to the invitee and
// returned once (the CLI prints it); only its hash is kept.
func (s *Admin) Invite(ctx context.Context, c auth.Client, sess auth.Session, email string, role auth.Role) (auth.NewInvitation, error) {
	a, err := s.admin(ctx, sess)
	if err != nil {
		return auth.NewInvitation{}, err
	}
	return s.invite(ctx, c, a.user.ID, a.org, email, role)
}

func (s *core) invite(ctx context.Context, c auth.Client, actorID string, org store.Organisation, email string, role auth.Role) (auth.NewInvitation, error) {
	email, err := NormalizeEmail(email)
	if err != nil {
		return auth.NewInvitation{}, err
	}
	if role == "" {
		role = auth.RoleMember
	}
	if role != auth.RoleMember && role != auth.RoleAdmin {
		return auth.NewInvitation{}, auth.ErrInvalidScope
	}
	if _, err := s.store.UserByEmail(ctx, email); err == nil {
		return auth.NewInvitation{}, auth.ErrEmailTaken
	}
	token, hash, err := credential.NewToken(s.rand)
	if err != nil {
		return auth.NewInvitation{}, err
	}
	id, err := s.newID("inv")
	if err != nil {
		return auth.NewInvitation{}, err
	}
	now := s.now()
	inv := store.Invitation{ID: id, OrgID: org.ID, Email: email, Role: store.Role(role), TokenHash: hash, CreatedBy: actorID,
		CreatedAt: now, ExpiresAt: now.Add(s.cfg.InvitationTTL)}
	err = s.store.Update(ctx, func(tx store.Tx) error {
		if err := tx.CreateInvitation(ctx, inv); err != nil {
			return err
		}
		return s.auditAs(ctx, tx, c, actorID, actorID, EventInvited, "", email+" as "+string(role))
	})
	if err != nil {
		return auth.NewInvitation{}, err
	}
	link := s.cfg.BaseURL + "/sign-up?invitation=" + token
	days := max(1, int(s.cfg.InvitationTTL/(24*time.Hour)))
	body := "You are invited to join " + org.Name + " on Twofold.\n\nCreate your account here; the link works once, for " +
		strconv.Itoa(days) + " days:\n\n" + link + "\n"
	if err := s.mail(ctx, org.ID, email, "You are invited to "+org.Name, body); err != nil {
		s.log.Warn("invitation mail not sent; the link is in the outbox", "invitation", id, "err", err)
	}
	return auth.NewInvitation{Invitation: invitationView(inv), Link: link}, nil
}

// Invitations lists the organisation's invitations, newest first.
func (s *Admin) Invitations(ctx context.Context, sess auth.Session) ([]auth.Invitation, error) {
	a, err := s.admin(ctx, sess)
	if err != nil {
		return nil, err
	}
	invs, err := s.store.Invitations(ctx, a.org.ID)
	return views(invs, invitationView), err
}

// AuditEvents lists the organisation's events, newest first.
func (s *Admin) AuditEvents(ctx context.Context, sess auth.Session, f auth.AuditFilter) ([]auth.AuditEvent, error) {
	a, err := s.admin(ctx, sess)
	if err != nil {
		return nil, err
	}
	if f.Limit <= 0 || f.Limit > auth.MaxAuditPage {
		f.Limit = auth.MaxAuditPage
	}
	evs, err := s.store.OrgAuditEvents(ctx, a.org.ID, store.AuditFilter{UserID: f.UserID, Type: f.Type, Since: f.Since,
		Until: f.Until, BeforeID: f.BeforeID, Limit: f.Limit})
	if err != nil {
		return nil, err
	}
	out := views(evs, auditView)
	emails := map[string]string{}
	email := func(id string) string {
		if id == "" {
			return ""
		}
		if e, ok := emails[id]; ok {
			return e
		}
		u, err := s.store.UserByID(ctx, id)
		if err == nil && u.OrgID == a.org.ID {
			emails[id] = u.Email
		} else {
			emails[id] = "" // deleted, or (never) another organisation's
		}
		return emails[id]
	}
	for i := range out {
		out[i].UserEmail, out[i].ActorEmail = email(out[i].UserID), email(out[i].ActorID)
	}
	return out, nil
}

// Outbox lists the organisation's mail, newest first: with no SMTP server
// configured, the development outbox; with one, the delivery record.
func (s *Admin) Outbox(ctx context.Context, sess auth.Session, limit int) ([]auth.Mail, bool, error) {
	a, err := s.admin(ctx, sess)
	if err != nil {
		return nil, false, err
	}
	if limit <= 0 || limit > 200 {
		limit = 200
	}
	ms, err := s.store.Outbox(ctx, a.org.ID, limit)
	return views(ms, mailView), s.mailer != nil, err
}

var slugRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$`)

// Slug makes an organisation's slug from its name: lower-case letters,
// digits and dashes.
func Slug(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		default:
			dash = true
		}
	}
	s := b.String()
	if len(s) > 32 {
		s = strings.TrimRight(s[:32], "-")
	}
	return s
}

// CreateOrganisation makes an organisation and invites its first admin
// (twofold-server org create); the invitation's link is returned (and
// mailed).
func (sv *Service) CreateOrganisation(ctx context.Context, name, adminEmail string) (auth.Organisation, auth.NewInvitation, error) {
	s := sv.core
	name, err := normalizeLabel(name, auth.ErrInvalidOrg)
	if err != nil {
		return auth.Organisation{}, auth.NewInvitation{}, err
	}
	slug := Slug(name)
	if !slugRE.MatchString(slug) {
		return auth.Organisation{}, auth.NewInvitation{}, auth.ErrInvalidOrg
	}
	// The admin's address is checked before anything is made, so a bad one
	// leaves no organisation without an admin behind.
	if adminEmail, err = NormalizeEmail(adminEmail); err != nil {
		return auth.Organisation{}, auth.NewInvitation{}, err
	}
	if _, err := s.store.UserByEmail(ctx, adminEmail); err == nil {
		return auth.Organisation{}, auth.NewInvitation{}, auth.ErrEmailTaken
	}
	id, err := s.newID("org")
	if err != nil {
		return auth.Organisation{}, auth.NewInvitation{}, err
	}
	org := store.Organisation{ID: id, Slug: slug, Name: name, CreatedAt: s.now(), RequireMFA: store.RequireOff, TrustDays: 30}
	err = s.store.Update(ctx, func(tx store.Tx) error { return tx.CreateOrganisation(ctx, org) })
	if errors.Is(err, store.ErrConflict) {
		return auth.Organisation{}, auth.NewInvitation{}, auth.ErrOrgTaken
	}
	if err != nil {
		return auth.Organisation{}, auth.NewInvitation{}, err
	}
	inv, err := s.invite(ctx, auth.Client{Addr: "server"}, "", org, adminEmail, auth.RoleAdmin)
	if err != nil {
		return orgView(org), auth.NewInvitation{}, err
	}
	s.log.Info("organisation created", "org_id", id, "slug", slug, "admin_invited", inv.Email)
	return orgView(org), inv, nil
}

// SetOpenSignup opens or closes the default organisation's sign-up (the
// server's -open-signup flag, applied at start).
func (sv *Service) SetOpenSignup(ctx context.Context, open bool) error {
	s := sv.core
	return s.store.Update(ctx, func(tx store.Tx) error {
		o, err := tx.Organisation(ctx, store.DefaultOrgID)
		if err != nil || o.OpenSignup == open {
			return err
		}
		o.OpenSignup = open
		return tx.UpdateOrganisation(ctx, o)
	})
}
