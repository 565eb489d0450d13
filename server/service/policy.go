package service

import (
	"context"
	"slices"

	"github.com/twofold-auth/twofold/server/store"
)

// The organisation's MFA requirement: off, for the members of the groups
// marked required, or for everyone; exempt users never. It is enforced in
// three places: at sign-in (a required user with no active device gets a
// session in the enroll stage, good only for enrolling a device), when an
// admin changes it (applyRequirement moves or ends the affected sessions),
// and when a required user would turn MFA off (refused).

// required reports whether u must use MFA: their MFA was reset by an admin
// (until they enroll again), or their organisation requires it of them.
func (s *core) required(ctx context.Context, r store.Reader, u store.User) (bool, error) {
	if u.MustEnroll {
		return true, nil
	}
	if u.ExemptReason != "" {
		return false, nil
	}
	org, err := r.Organisation(ctx, u.OrgID)
	if err != nil {
		return false, err
	}
	switch org.RequireMFA {
	case store.RequireEveryone:
		return true, nil
	case store.RequireGroups:
		gs, err := r.UserGroups(ctx, u.ID)
		if err != nil {
			return false, err
		}
		return slices.ContainsFunc(gs, func(g store.Group) bool { return g.RequireMFA }), nil
	}
	return false, nil
}

// applyRequirement brings u's sessions in line with the requirement after
// a change (the policy, a group, an exemption), in tx. A required user:
// with signOut every session but keepSessionID ends; otherwise, without an
// active device, their full sessions move to the enroll stage (their next
// request is sent to enrollment). A user no longer required: sessions in
// the enroll stage move back to full. It returns the sessions changed.
func (s *core) applyRequirement(ctx context.Context, tx store.Tx, u store.User, signOut bool, keepSessionID string) (int64, error) {
	req, err := s.required(ctx, tx, u)
	if err != nil {
		return 0, err
	}
	if !req {
		return tx.SetSessionsStage(ctx, u.ID, store.StageEnroll, store.StageFull)
	}
	if signOut {
		return tx.DeleteOtherSessions(ctx, u.ID, keepSessionID, false)
	}
	enrolled, err := hasActiveDevice(ctx, tx, u.ID)
	if err != nil || enrolled {
		return 0, err
	}
	return tx.SetSessionsStage(ctx, u.ID, store.StageFull, store.StageEnroll)
}

// orgUsers calls fn for every user of the organisation, in pages.
func orgUsers(ctx context.Context, r store.Reader, orgID string, fn func(store.UserRow) error) error {
	const page = 500
	for offset := 0; ; offset += page {
		rows, _, err := r.OrgUsers(ctx, orgID, store.UserFilter{Offset: offset, Limit: page})
		if err != nil {
			return err
		}
		for _, row := range rows {
			if err := fn(row); err != nil {
				return err
			}
		}
		if len(rows) < page {
			return nil
		}
	}
}
