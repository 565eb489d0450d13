package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/twofold-auth/twofold/server/api/client"
	"github.com/twofold-auth/twofold/server/api/wire"
)

func deviceCmd(e *env) *cobra.Command {
	cmd, r := serverGroup(e, "mfa-totp-device", "list, create, activate, rename and delete TOTP devices on the server",
		`Your TOTP devices, as in Oracle Cloud's 'oci iam mfa-totp-device'. 'create'
makes a pending device and prints its seed (key and otpauth URI) once: add it
to your authenticator and activate it with a current code within 10
minutes. Your first device is set up in a signed-in session, not with the
application token (a token must not be able to turn MFA on with an
authenticator of its own): 'create' then asks for your password, and keeps
that session in the config file until you activate the device. Once you
have an active device, creating another needs a current code from it (or a
recovery code): application tokens carry no second factor.
'generate-totp-seed' gives a pending device a new seed (and a fresh 10
minutes); an active device's seed is never shown again. 'rename' gives a
device a name you will recognise (1 to 64 printable characters; the
Security page of the demo site shows it too). 'delete' asks before it
deletes (scripts give --force instead), and an active device also needs a
current code or a recovery code. The first activation prints your recovery
codes, once.`,
		`  twofold mfa-totp-device create --name phone
  twofold mfa-totp-device activate dev_abcdefghijklmnop --totp 123456
  twofold mfa-totp-device rename dev_abcdefghijklmnop --name "work phone"
  twofold mfa-totp-device list -o json
  twofold mfa-totp-device delete dev_abcdefghijklmnop --recovery-code XXXX-XXXX-XXXX-XXXX
  twofold mfa-totp-device delete-inactive`)
	cmd.AddCommand(deviceListCmd(r), deviceCreateCmd(r), deviceActivateCmd(r), deviceSeedCmd(r), deviceRenameCmd(r), deviceDeleteCmd(r), &cobra.Command{
		Use: "delete-inactive", Short: "delete every pending device",
		Args: noArgs("delete-inactive takes no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return show(cmd.Context(), r, (*client.Client).DeleteInactiveDevices, func(w io.Writer, out wire.Deleted) {
				fmt.Fprintf(w, "Deleted %d inactive device(s).\n", out.Deleted)
			})
		},
	})
	return cmd
}

func deviceListCmd(r *remote) *cobra.Command {
	var userRef string
	cmd := &cobra.Command{
		Use: "list [--user-id USER]", Short: "list your TOTP devices (an admin: a user's)",
		Args: noArgs("list takes no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if userRef == "" {
				return show(cmd.Context(), r, (*client.Client).Devices, devicesTable)
			}
			userDevices := func(c *client.Client, ctx context.Context) (wire.DeviceList, error) {
				u, err := findUser(ctx, c, userRef)
				if err != nil {
					return wire.DeviceList{}, err
				}
				d, err := c.AdminUser(ctx, u.ID)
				return wire.DeviceList{Devices: d.Devices}, err
			}
			return show(cmd.Context(), r, userDevices, devicesTable)
		},
	}
	cmd.Flags().StringVar(&userRef, "user-id", "", "an admin: list the devices of the `USER` (a user id or an email address) instead")
	return cmd
}

// oneDevice is the argument check of the verbs that act on one device.
var oneDevice = exactArgs(1, "give one DEVICE_ID (see twofold mfa-totp-device list)")

func devicesTable(w io.Writer, list wire.DeviceList) {
	rows := make([][]string, len(list.Devices))
	for i, d := range list.Devices {
		rows[i] = []string{d.ID, d.Name, strings.ToUpper(d.State), when(&d.CreatedAt), when(d.LastUsedAt), when(d.ExpiresAt)}
	}
	table(w, []string{"ID", "NAME", "STATE", "CREATED", "LAST USED", "EXPIRES"}, rows)
}

func deviceCreateCmd(r *remote) *cobra.Command {
	var name string
	var sf *signInFlags
	cmd := &cobra.Command{
		Use:   "create",
		Short: "create a pending device and print its key, once",
		Args:  noArgs("every value goes with a flag"),
		RunE:  func(cmd *cobra.Command, _ []string) error { return runDeviceCreate(cmd.Context(), r, sf, name) },
	}
	cmd.Flags().StringVar(&name, "name", "", "the device's `NAME` (default \"Authenticator\")")
	sf = &signInFlags{factor: addFactorFlags(cmd.Flags(), "a current `CODE` from an active device (for another device)")}
	cmd.Flags().StringVar(&sf.email, "email", "", "your `EMAIL`, when the first device needs a sign-in")
	cmd.Flags().BoolVar(&sf.passwordStdin, "password-stdin", false, "read that password from standard input")
	return cmd
}

func runDeviceCreate(ctx context.Context, r *remote, sf *signInFlags, name string) error {
	f, err := sf.factor.factor()
	if err != nil {
		return err
	}
	req := wire.CreateDeviceRequest{Name: name, Code: f.Code, RecoveryCode: f.RecoveryCode}
	firstSignIn := &signInFlags{email: sf.email, passwordStdin: sf.passwordStdin, factor: &factorFlags{}}
	if _, token, err := r.target(); err == nil && token == "" {
		// No token yet (an organisation that requires MFA gives none
		// before the first device): the sign-in is the way in.
		fmt.Fprintln(r.e.stderr, "No application token here yet: the device is set up in a signed-in session.")
		enr, err := createFirstDevice(ctx, r, firstSignIn, req)
		if err != nil {
			return err
		}
		return printEnrollment(r, enr)
	}
	c, err := r.tokenClient()
	if err != nil {
		return err
	}
	enr, err := c.CreateDevice(ctx, req)
	if client.IsCode(err, "token_not_allowed") {
		// The first device: the sign-in asks for no code (there is none yet).
		fmt.Fprintln(r.e.stderr, "Your account has no active device yet: the first one is set up in a signed-in session, not with a token.")
		enr, err = createFirstDevice(ctx, r, firstSignIn, req)
	}
	if client.IsCode(err, "fresh_factor_required") {
		return failf("you have an active device: give --totp CODE (a current code from it) or --recovery-code CODE")
	}
	if err != nil {
		return err
	}
	return printEnrollment(r, enr)
}

// createFirstDevice creates an account's first device in a signed-in
// session (a token may not) and keeps that session in the config file for
// the device's activation.
func createFirstDevice(ctx context.Context, r *remote, sf *signInFlags, req wire.CreateDeviceRequest) (wire.Enrollment, error) {
	c, err := r.sessionClient()
	if err != nil {
		return wire.Enrollment{}, err
	}
	if _, err := signIn(ctx, r.e, c, sf); err != nil {
		return wire.Enrollment{}, err
	}
	enr, err := c.CreateDevice(ctx, req)
	if err != nil {
		return wire.Enrollment{}, err
	}
	cfg, _, err := loadConfig()
	if err != nil {
		return wire.Enrollment{}, err
	}
	k, _ := c.SessionCookie()
	if k == nil {
		return wire.Enrollment{}, fmt.Errorf("device %s created but the server set no session cookie to activate it with", enr.Device.ID)
	}
	cfg.Enrollment = &enrollmentSession{URL: c.BaseURL(), DeviceID: enr.Device.ID, Cookie: cookieString(k)}
	if cfg.URL == "" {
		cfg.URL = c.BaseURL() // later verbs find the server without --url
	}
	if _, err := saveConfig(cfg); err != nil {
		return wire.Enrollment{}, fmt.Errorf("device %s created but the session to activate it was not saved: %v", enr.Device.ID, err)
	}
	return enr, nil
}

// printEnrollment shows a seed: the one time it leaves the server.
func printEnrollment(r *remote, enr wire.Enrollment) error {
	return r.output.print(r.e.stdout, enr, func(w io.Writer) {
		k := enr.Enrollment
		fmt.Fprintf(w, "Device %s (%s) is pending until %s.\n", enr.Device.ID, enr.Device.Name, when(enr.Device.ExpiresAt))
		fmt.Fprintf(w, "Add this key to your authenticator now; it is not shown again:\n\n")
		table(w, []string{"ISSUER", "ACCOUNT", "KEY", "TYPE"}, [][]string{{k.Issuer, k.Account, k.SecretGrouped,
			fmt.Sprintf("time based, %s, %d digits, %d s", k.Algorithm, k.Digits, k.Period)}})
		fmt.Fprintf(w, "\n%s\n\nThen: twofold mfa-totp-device activate %s --totp CODE\n", k.OTPAuthURI, enr.Device.ID)
	})
}

// deviceClient is the client for a verb on one device: the enrollment
// session when the config file keeps one for this device (its first
// device's), else the application token.
func (r *remote) deviceClient(deviceID string) (c *client.Client, enrolling bool, err error) {
	base, _, err := r.target()
	if err != nil {
		return nil, false, err
	}
	cfg, _, _ := loadConfig()
	if en := cfg.Enrollment; en != nil && en.URL == strings.TrimSuffix(base, "/") && en.DeviceID == deviceID {
		c, err = r.sessionClient(client.WithSessionCookie(parseCookie(en.Cookie)))
		return c, err == nil, err
	}
	c, err = r.tokenClient()
	return c, false, err
}

func deviceActivateCmd(r *remote) *cobra.Command {
	var code string
	cmd := &cobra.Command{
		Use:   "activate DEVICE_ID --totp CODE",
		Short: "activate a pending device with a current code from it",
		Args:  oneDevice,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDeviceActivate(cmd.Context(), r, args[0], code)
		},
	}
	cmd.Flags().StringVar(&code, "totp", "", "a current `CODE` from the device (required)")
	return cmd
}

func runDeviceActivate(ctx context.Context, r *remote, id, code string) error {
	if code == "" {
		return usagef("--totp CODE is required (a current code from the device)")
	}
	c, enrolling, err := r.deviceClient(id)
	if err != nil {
		return err
	}
	out, err := c.ActivateDevice(ctx, id, code)
	if err != nil {
		return err
	}
	if enrolling {
		_ = c.SignOut(ctx) // its work is done
		cfg, _, _ := loadConfig()
		cfg.Enrollment = nil
		if _, err := saveConfig(cfg); err != nil {
			fmt.Fprintf(r.e.stderr, "twofold: mfa-totp-device activate: could not update the config file: %v\n", err)
		}
	}
	return r.output.print(r.e.stdout, out, func(w io.Writer) {
		fmt.Fprintf(w, "Device %s (%s) is active. Your next sign-in asks for a code.\n", out.Device.ID, out.Device.Name)
		if out.SignInCompleted {
			fmt.Fprintln(w, "Your organisation's requirement is met: now run 'twofold login' to get an application token.")
		}
		if len(out.RecoveryCodes) > 0 {
			printRecoveryCodes(w, out.RecoveryCodes)
		}
	})
}

func deviceSeedCmd(r *remote) *cobra.Command {
	var ff *factorFlags
	cmd := &cobra.Command{
		Use:   "generate-totp-seed DEVICE_ID",
		Short: "give a pending device a new key (and a fresh 10 minutes)",
		Args:  oneDevice,
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := ff.factor()
			if err != nil {
				return err
			}
			c, _, err := r.deviceClient(args[0])
			if err != nil {
				return err
			}
			enr, err := c.RegenerateSeed(cmd.Context(), args[0], f)
			if err != nil {
				return err
			}
			return printEnrollment(r, enr)
		},
	}
	ff = addFactorFlags(cmd.Flags(), "a current `CODE` from an active device, when the server asks for one")
	return cmd
}

func deviceRenameCmd(r *remote) *cobra.Command {
	var name string
	cmd := &cobra.Command{
		Use:   "rename DEVICE_ID --name NAME",
		Short: "give a device a new name",
		Args:  oneDevice,
		RunE: func(cmd *cobra.Command, args []string) error {
			if strings.TrimSpace(name) == "" {
				return usagef("--name NAME is required (the device's new name)")
			}
			rename := func(c *client.Client, ctx context.Context) (wire.Device, error) {
				return c.RenameDevice(ctx, args[0], name)
			}
			return show(cmd.Context(), r, rename, func(w io.Writer, d wire.Device) {
				fmt.Fprintf(w, "Device %s is now named %q.\n", d.ID, d.Name)
			})
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "the device's new `NAME`, 1 to 64 printable characters (required)")
	return cmd
}

func deviceDeleteCmd(r *remote) *cobra.Command {
	var ff *factorFlags
	var force *bool
	var userRef, flagID string
	cmd := &cobra.Command{
		Use:   "delete (DEVICE_ID | --mfa-totp-device-id ID) [--user-id USER]",
		Short: "delete a device (an active one needs a code), after asking; an admin: a user's pending one",
		Long: `Deletes one of your devices, after asking (scripts give --force); an active
one also needs a current code or a recovery code. An admin cleans up a
user's stale pending (never activated) device with --user-id USER and
--mfa-totp-device-id ID, as Oracle's 'oci iam mfa-totp-device delete' does;
an active device of a user goes with 'twofold admin mfa reset'.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usagef("give one DEVICE_ID (see %s --help)", cmd.CommandPath())
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			id := flagID
			switch {
			case len(args) == 1 && flagID != "" && args[0] != flagID:
				return usagef("give the device once: DEVICE_ID or --mfa-totp-device-id, not two different ones")
			case len(args) == 1:
				id = args[0]
			case id == "":
				return usagef("give one DEVICE_ID (see twofold mfa-totp-device list)")
			}
			if userRef != "" {
				if ff.totp != "" || ff.recovery != "" {
					return usagef("--totp and --recovery-code are for your own devices, not with --user-id")
				}
				return runUserDeviceDelete(cmd.Context(), r, userRef, id, *force)
			}
			return runDeviceDelete(cmd.Context(), r, id, ff, *force)
		},
	}
	ff = addFactorFlags(cmd.Flags(), "a current `CODE` from an active device")
	force = addForceFlag(cmd.Flags())
	cmd.Flags().StringVar(&flagID, "mfa-totp-device-id", "", "the device's `ID` (instead of the argument)")
	cmd.Flags().StringVar(&userRef, "user-id", "", "an admin: the `USER` (a user id or an email address) whose pending device to delete")
	return cmd
}

func runDeviceDelete(ctx context.Context, r *remote, id string, ff *factorFlags, force bool) error {
	f, err := ff.factor()
	if err != nil {
		return err
	}
	c, err := r.tokenClient()
	if err != nil {
		return err
	}
	what := confirmation{action: "delete TOTP device " + id}
	if !force && r.e.interactive {
		// Name the device in the question, and say at once when there is none.
		d, err := c.Device(ctx, id)
		if err != nil {
			return err
		}
		what.details = []string{fmt.Sprintf("%s (%s) is %s; codes from it will no longer sign you in.", d.ID, d.Name, d.State)}
	}
	if err := confirm(r.e, force, what); err != nil {
		return err
	}
	if err := c.DeleteDevice(ctx, id, f); err != nil {
		return err
	}
	fmt.Fprintf(r.e.stdout, "Deleted %s.\n", id)
	return nil
}

// runUserDeviceDelete is an admin deleting a user's pending device.
func runUserDeviceDelete(ctx context.Context, r *remote, userRef, id string, force bool) error {
	c, err := r.tokenClient()
	if err != nil {
		return err
	}
	u, err := findUser(ctx, c, userRef)
	if err != nil {
		return err
	}
	detail, err := c.AdminUser(ctx, u.ID)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(detail.Devices, func(d wire.Device) bool { return d.ID == id })
	if i < 0 {
		return failf("%s has no device %s (see twofold mfa-totp-device list --user-id %s)", u.Email, id, u.Email)
	}
	if d := detail.Devices[i]; d.State != "pending" {
		return failf("%s (%s) of %s is %s: an admin deletes only pending devices; to remove an active one, reset their MFA (twofold admin mfa reset)",
			d.ID, d.Name, u.Email, d.State)
	}
	d := detail.Devices[i]
	err = confirm(r.e, force, confirmation{action: "delete " + u.Email + "'s pending TOTP device " + id,
		details: []string{fmt.Sprintf("%s (%s) was added %s and never activated.", d.ID, d.Name, when(&d.CreatedAt))}})
	if err != nil {
		return err
	}
	if err := c.DeleteUserDevice(ctx, u.ID, id); err != nil {
		return err
	}
	fmt.Fprintf(r.e.stdout, "Deleted %s of %s.\n", id, u.Email)
	return nil
}

func printRecoveryCodes(w io.Writer, codes []string) {
	fmt.Fprintf(w, "\nRecovery codes (each works once; store them somewhere safe, they are not shown again):\n")
	for _, rc := range codes {
		fmt.Fprintf(w, "  %s\n", rc)
	}
}

func recoveryCmd(e *env) *cobra.Command {
	cmd, r := serverGroup(e, "recovery-codes", "see or regenerate your recovery codes", `Recovery codes sign you in when your authenticator is lost; each works once.
'regenerate' replaces them all with a new set, printed once (the old set
stops working), and needs a current code (or one of your recovery codes).`,
		"  twofold recovery-codes status\n  twofold recovery-codes regenerate --totp 123456")
	var ff *factorFlags
	regenerate := &cobra.Command{
		Use: "regenerate (--totp CODE | --recovery-code CODE)", Short: "replace your recovery codes with a new set, printed once",
		Args: noArgs("every value goes with a flag"),
		RunE: func(cmd *cobra.Command, _ []string) error { return runRecoveryRegenerate(cmd.Context(), r, ff) },
	}
	ff = addFactorFlags(regenerate.Flags(), "a current `CODE` from your authenticator")
	cmd.AddCommand(&cobra.Command{
		Use: "status", Short: "how many recovery codes are left",
		Args: noArgs("status takes no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return show(cmd.Context(), r, (*client.Client).RecoveryStatus, func(w io.Writer, out wire.RecoveryStatus) {
				fmt.Fprintf(w, "%d unused recovery codes.\n", out.Remaining)
			})
		},
	}, regenerate)
	return cmd
}

func runRecoveryRegenerate(ctx context.Context, r *remote, ff *factorFlags) error {
	f, err := ff.factor()
	if err != nil {
		return err
	}
	if f == (wire.Factor{}) {
		return usagef("give --totp CODE or --recovery-code CODE (tokens carry no second factor)")
	}
	regenerate := func(c *client.Client, ctx context.Context) (wire.RecoveryCodes, error) {
		return c.RegenerateRecoveryCodes(ctx, f)
	}
	return show(ctx, r, regenerate, func(w io.Writer, out wire.RecoveryCodes) {
		fmt.Fprintln(w, "New recovery codes; the old ones no longer work.")
		printRecoveryCodes(w, out.RecoveryCodes)
	})
}
