package main

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/twofold-auth/twofold/server/api/client"
	"github.com/twofold-auth/twofold/server/api/wire"
)

// Groups: named sets of users, so MFA can be required of a small group
// first. Groups are named by their names here, never their ids.

func groupsCmd(r *remote) *cobra.Command {
	cmd := subgroup(r, "groups", "list, create and delete groups, change their members, mark them required",
		`  twofold admin groups create pilot
  twofold admin groups add-member pilot bob@example.com
  twofold admin groups require pilot --on
  twofold admin groups list`)
	oneName := exactArgs(1, "give the group's NAME")
	nameAndUser := exactArgs(2, "give the group's NAME and a USER (a user id or an email address)")
	var delForce, removeForce *bool
	del := &cobra.Command{
		Use: "delete NAME", Short: "delete a group (its members stay users), after asking", Args: oneName,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runGroupDelete(cmd.Context(), r, args[0], *delForce)
		},
	}
	delForce = addForceFlag(del.Flags())
	remove := &cobra.Command{
		Use: "remove-member NAME USER", Short: "take a user out of a group, after asking", Args: nameAndUser,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runGroupMember(cmd.Context(), r, args[0], args[1], false, *removeForce)
		},
	}
	removeForce = addForceFlag(remove.Flags())
	cmd.AddCommand(&cobra.Command{
		Use: "list", Short: "list the groups, their members and whether MFA is required of them",
		Args: noArgs("list takes no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return show(cmd.Context(), r, (*client.Client).Groups, groupsTable)
		},
	}, &cobra.Command{
		Use: "create NAME", Short: "create a group", Args: oneName,
		RunE: func(cmd *cobra.Command, args []string) error {
			create := func(c *client.Client, ctx context.Context) (wire.Group, error) { return c.CreateGroup(ctx, args[0]) }
			return show(cmd.Context(), r, create, func(w io.Writer, g wire.Group) { fmt.Fprintf(w, "Created the group %q (%s).\n", g.Name, g.ID) })
		},
	}, del, &cobra.Command{
		Use: "add-member NAME USER", Short: "add a user to a group", Args: nameAndUser,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runGroupMember(cmd.Context(), r, args[0], args[1], true, false)
		},
	}, remove, groupRequireCmd(r))
	return cmd
}

func groupsTable(w io.Writer, list wire.GroupList) {
	rows := make([][]string, len(list.Groups))
	for i, g := range list.Groups {
		required := "no"
		if g.RequireMFA {
			required = "yes"
		}
		rows[i] = []string{g.Name, strconv.Itoa(g.Members), required, when(&g.CreatedAt), g.ID}
	}
	table(w, []string{"NAME", "MEMBERS", "MFA REQUIRED", "CREATED", "ID"}, rows)
}

func runGroupDelete(ctx context.Context, r *remote, name string, force bool) error {
	c, err := r.tokenClient()
	if err != nil {
		return err
	}
	g, err := findGroup(ctx, c, name)
	if err != nil {
		return err
	}
	details := []string{fmt.Sprintf("Its %d members leave it (they stay users).", g.Members)}
	if g.RequireMFA {
		details = append(details, "MFA is required of this group: when the requirement is by group, its members are no longer required by it.")
	}
	if err := confirm(r.e, force, confirmation{action: "delete the group " + g.Name, details: details}); err != nil {
		return err
	}
	if err := c.DeleteGroup(ctx, g.ID); err != nil {
		return err
	}
	fmt.Fprintf(r.e.stdout, "Deleted the group %q.\n", g.Name)
	return nil
}

// runGroupMember adds a user to a group, or takes them out after asking.
func runGroupMember(ctx context.Context, r *remote, name, ref string, add, force bool) error {
	c, err := r.tokenClient()
	if err != nil {
		return err
	}
	g, err := findGroup(ctx, c, name)
	if err != nil {
		return err
	}
	u, err := findUser(ctx, c, ref)
	if err != nil {
		return err
	}
	if add {
		if err := c.AddGroupMember(ctx, g.ID, u.ID); err != nil {
			return err
		}
		fmt.Fprintf(r.e.stdout, "Added %s to %q.\n", u.Email, g.Name)
		return nil
	}
	what := confirmation{action: "remove " + u.Email + " from the group " + g.Name}
	if g.RequireMFA {
		what.details = []string{"MFA is required of this group: unless another rule covers " + u.Email + ", it no longer is of them."}
	}
	if err := confirm(r.e, force, what); err != nil {
		return err
	}
	if err := c.RemoveGroupMember(ctx, g.ID, u.ID); err != nil {
		return err
	}
	fmt.Fprintf(r.e.stdout, "Removed %s from %q.\n", u.Email, g.Name)
	return nil
}

func groupRequireCmd(r *remote) *cobra.Command {
	var on, off bool
	cmd := &cobra.Command{
		Use:   "require NAME (--on | --off)",
		Short: "mark whether MFA is required of a group (when the requirement is by group)",
		Args:  exactArgs(1, "give the group's NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if on == off {
				return usagef("give --on or --off, one of the two")
			}
			c, err := r.tokenClient()
			if err != nil {
				return err
			}
			g, err := findGroup(cmd.Context(), c, args[0])
			if err != nil {
				return err
			}
			if err := c.SetGroupRequired(cmd.Context(), g.ID, on); err != nil {
				return err
			}
			state := "now"
			if off {
				state = "no longer"
			}
			fmt.Fprintf(r.e.stdout, "MFA is %s required of the group %q (while the organisation's requirement is by group).\n", state, g.Name)
			return nil
		},
	}
	cmd.Flags().BoolVar(&on, "on", false, "require MFA of the group's members")
	cmd.Flags().BoolVar(&off, "off", false, "stop requiring it")
	return cmd
}
