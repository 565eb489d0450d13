package server

import (
	"context"

	"github.com/twofold-auth/twofold/server/auth"
)

// CreateOrganisation opens the server's database as cfg describes, makes
// an organisation named name and invites adminEmail as its first admin
// (twofold-server org create). The invitation is mailed (or kept in the
// development outbox) and returned with its single-use link.
func CreateOrganisation(ctx context.Context, cfg Config, name, adminEmail string) (auth.Organisation, auth.NewInvitation, error) {
	srv, err := New(cfg)
	if err != nil {
		return auth.Organisation{}, auth.NewInvitation{}, err
	}
	defer srv.Close()
	return srv.svc.CreateOrganisation(ctx, name, adminEmail)
}
