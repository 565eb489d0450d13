package service

import (
	"context"
	"errors"

	"github.com/twofold-auth/twofold/server/auth"
	"github.com/twofold-auth/twofold/server/store"
)

// Groups lists the organisation's groups with their member counts.
func (s *Admin) Groups(ctx context.Context, sess auth.Session) ([]auth.Group, error) {
	a, err := s.admin(ctx, sess)
	if err != nil {
		return nil, err
	}
	gs, err := s.store.Groups(ctx, a.org.ID)
	return views(gs, groupView), err
}

// CreateGroup makes a group (1 to 64 printable characters, unique in the
// organisation).
func (s *Admin) CreateGroup(ctx context.Context, c auth.Client, sess auth.Session, name string) (auth.Group, error) {
	a, err := s.admin(ctx, sess)
	if err != nil {
		return auth.Group{}, err
	}
	if name, err = normalizeLabel(name, auth.ErrInvalidGroupName); err != nil {
		return auth.Group{}, err
	}
	id, err := s.newID("grp")
	if err != nil {
		return auth.Group{}, err
	}
	g := store.Group{ID: id, OrgID: a.org.ID, Name: name, CreatedAt: s.now()}
	err = s.store.Update(ctx, func(tx store.Tx) error {
		if err := tx.CreateGroup(ctx, g); err != nil {
			return err
		}
		return s.auditAs(ctx, tx, c, a.user.ID, a.user.ID, EventGroupCreated, "", name)
	})
	if errors.Is(err, store.ErrConflict) {
		return auth.Group{}, auth.ErrGroupTaken
	}
	return groupView(g), err
}

// DeleteGroup deletes a group; its members' sessions follow the
// requirement at once.
func (s *Admin) DeleteGroup(ctx context.Context, c auth.Client, sess auth.Session, id string) error {
	return s.changeGroup(ctx, c, sess, id, EventGroupDeleted, func(ctx context.Context, tx store.Tx, g store.Group) error {
		return tx.DeleteGroup(ctx, g.OrgID, g.ID)
	})
}

// SetGroupRequired marks whether the group's members are required to use
// MFA under the groups scope.
func (s *Admin) SetGroupRequired(ctx context.Context, c auth.Client, sess auth.Session, id string, required bool) error {
	return s.changeGroup(ctx, c, sess, id, EventGroupChanged, func(ctx context.Context, tx store.Tx, g store.Group) error {
		return tx.SetGroupRequired(ctx, g.OrgID, g.ID, required)
	})
}

// AddMember adds a user of the organisation to a group.
func (s *Admin) AddMember(ctx context.Context, c auth.Client, sess auth.Session, groupID, userID string) error {
	return s.changeMember(ctx, c, sess, groupID, userID, EventMemberAdded, func(ctx context.Context, tx store.Tx) error {
		err := tx.AddGroupMember(ctx, groupID, userID)
		if errors.Is(err, store.ErrConflict) {
			return auth.ErrAlreadyMember
		}
		return err
	})
}

// RemoveMember removes a user from a group.
func (s *Admin) RemoveMember(ctx context.Context, c auth.Client, sess auth.Session, groupID, userID string) error {
	return s.changeMember(ctx, c, sess, groupID, userID, EventMemberRemoved, func(ctx context.Context, tx store.Tx) error {
		err := tx.RemoveGroupMember(ctx, groupID, userID)
		if errors.Is(err, store.ErrNotFound) {
			return auth.ErrUserNotFound
		}
		return err
	})
}

// changeGroup changes a group of the admin's organisation in one
// transaction, then brings its former members' sessions in line with the
// requirement.
func (s *Admin) changeGroup(ctx context.Context, c auth.Client, sess auth.Session, id, event string,
	change func(ctx context.Context, tx store.Tx, g store.Group) error) error {
	a, err := s.admin(ctx, sess)
	if err != nil {
		return err
	}
	return s.store.Update(ctx, func(tx store.Tx) error {
		g, err := tx.Group(ctx, a.org.ID, id)
		if errors.Is(err, store.ErrNotFound) {
			return auth.ErrGroupNotFound
		}
		if err != nil {
			return err
		}
		members, err := tx.GroupMembers(ctx, g.ID)
		if err != nil {
			return err
		}
		if err := change(ctx, tx, g); err != nil {
			return err
		}
		if err := s.reapply(ctx, tx, members); err != nil {
			return err
		}
		return s.auditAs(ctx, tx, c, a.user.ID, a.user.ID, event, "", g.Name)
	})
}

// changeMember changes one membership of a group of the admin's
// organisation, and brings the user's sessions in line.
func (s *Admin) changeMember(ctx context.Context, c auth.Client, sess auth.Session, groupID, userID, event string,
	change func(ctx context.Context, tx store.Tx) error) error {
	a, err := s.admin(ctx, sess)
	if err != nil {
		return err
	}
	return s.store.Update(ctx, func(tx store.Tx) error {
		g, err := tx.Group(ctx, a.org.ID, groupID)
		if errors.Is(err, store.ErrNotFound) {
			return auth.ErrGroupNotFound
		}
		if err != nil {
			return err
		}
		u, err := s.member(ctx, tx, a, userID)
		if err != nil {
			return err
		}
		if err := change(ctx, tx); err != nil {
			return err
		}
		if _, err := s.applyRequirement(ctx, tx, u, false, ""); err != nil {
			return err
		}
		return s.auditAs(ctx, tx, c, a.user.ID, u.ID, event, "", g.Name)
	})
}

// reapply brings users' sessions in line with the requirement.
func (s *core) reapply(ctx context.Context, tx store.Tx, userIDs []string) error {
	for _, id := range userIDs {
		u, err := tx.UserByID(ctx, id)
		if err != nil {
			return err
		}
		if _, err := s.applyRequirement(ctx, tx, u, false, ""); err != nil {
			return err
		}
	}
	return nil
}
