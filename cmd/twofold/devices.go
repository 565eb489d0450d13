package main

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

const deviceUsage = `Usage:
  twofold mfa-totp-device list
  twofold mfa-totp-device create [--name NAME] [--totp CODE | --recovery-code CODE] [--email EMAIL] [--password-stdin]
  twofold mfa-totp-device activate DEVICE_ID --totp CODE
  twofold mfa-totp-device generate-totp-seed DEVICE_ID
  twofold mfa-totp-device rename DEVICE_ID --name NAME
  twofold mfa-totp-device delete DEVICE_ID [--totp CODE | --recovery-code CODE]
  twofold mfa-totp-device delete-inactive

Your TOTP devices, as in Oracle Cloud's 'oci iam mfa-totp-device'. 'create'
makes a pending device and prints its seed (key and otpauth URI) once: add it
to your authenticator and activate it with a current code within 10
minutes. Your first device is set up in a signed-in session, not with the
application token (a token must not be able to turn MFA on with an
authenticator of its own): 'create' then asks for your password, and keeps
that session in the config file until you activate the device. Once you
have an active device, creating another needs a current code from it (or a
recovery code): application tokens carry no second factor. 'generate-totp-seed' gives a pending device a new seed (and a fresh
10 minutes); an active device's seed is never shown again. 'rename' gives
a device a name you will recognise (1 to 64 printable characters; the
Security page of the demo site shows it too). Deleting an
active device needs a current code or a recovery code. The first activation
prints your recovery codes, once.

Flags:
  --name NAME          the device's name (create: default "Authenticator";
                       rename: required)
  --totp CODE          a current code from the device (activate), or from an
                       active device (create another, delete)
  --recovery-code CODE a recovery code instead (create another, delete)
  --email EMAIL        your email, when the first device needs a sign-in (create)
  --password-stdin     read that password from standard input (create)
` + remoteFlagsHelp + `
Example:
  twofold mfa-totp-device create --name phone
  twofold mfa-totp-device activate dev_abcdefghijklmnop --totp 123456
  twofold mfa-totp-device rename dev_abcdefghijklmnop --name "work phone"
  twofold mfa-totp-device list -o json
  twofold mfa-totp-device delete-inactive
`

const recoveryUsage = `Usage:
  twofold recovery-codes status
  twofold recovery-codes regenerate [--totp CODE | --recovery-code CODE]

Recovery codes sign you in when your authenticator is lost; each works once.
'regenerate' replaces them all with a new set, printed once (the old set
stops working), and needs a current code (or one of your recovery codes).

Flags:
  --totp CODE          a current code from your authenticator
  --recovery-code CODE one of your recovery codes
` + remoteFlagsHelp + `
Example:
  twofold recovery-codes regenerate --totp 123456
`

type deviceView struct {
	ID          string     `json:"id"`
	Name        string     `json:"name"`
	State       string     `json:"state"`
	CreatedAt   time.Time  `json:"created_at"`
	ExpiresAt   *time.Time `json:"expires_at"`
	ActivatedAt *time.Time `json:"activated_at"`
	LastUsedAt  *time.Time `json:"last_used_at"`
}

type enrollment struct {
	Device     deviceView `json:"device"`
	Enrollment struct {
		OTPAuthURI    string `json:"otpauth_uri"`
		Secret        string `json:"secret"`
		SecretGrouped string `json:"secret_grouped"`
		Issuer        string `json:"issuer"`
		Account       string `json:"account"`
		Algorithm     string `json:"algorithm"`
		Digits        int    `json:"digits"`
		Period        int    `json:"period"`
		QRPNG         string `json:"qr_png"`
	} `json:"enrollment"`
}

// printEnrollment shows a seed: the one time it leaves the server.
func printEnrollment(e *env, c *apiClient, enr enrollment) {
	if c.output == "json" {
		printJSON(e.stdout, enr)
		return
	}
	k := enr.Enrollment
	fmt.Fprintf(e.stdout, "Device %s (%s) is pending until %s.\n", enr.Device.ID, enr.Device.Name, when(enr.Device.ExpiresAt))
	fmt.Fprintf(e.stdout, "Add this key to your authenticator now; it is not shown again:\n\n")
	table(e.stdout, []string{"ISSUER", "ACCOUNT", "KEY", "TYPE"}, [][]string{{k.Issuer, k.Account, k.SecretGrouped,
		fmt.Sprintf("time based, %s, %d digits, %d s", k.Algorithm, k.Digits, k.Period)}})
	fmt.Fprintf(e.stdout, "\n%s\n\nThen: twofold mfa-totp-device activate %s --totp CODE\n", k.OTPAuthURI, enr.Device.ID)
}

// createFirstDevice creates an account's first device in a signed-in
// session (a token may not) and keeps that session in the config file for
// the device's activation.
func createFirstDevice(e *env, c *apiClient, sf *signInFlags, payload any, enr *enrollment) error {
	fmt.Fprintln(e.stderr, "Your account has no active device yet: the first one is set up in a signed-in session, not with a token.")
	session := *c
	session.token = ""
	if _, err := signIn(e, &session, sf); err != nil {
		return err
	}
	if err := session.call("POST", "/totp-devices", payload, enr); err != nil {
		return err
	}
	cfg, _, err := loadConfig()
	if err != nil {
		return err
	}
	cfg.Enrollment = &enrollmentSession{URL: c.base, DeviceID: enr.Device.ID, Cookie: session.sessionCookie()}
	if _, err := saveConfig(cfg); err != nil {
		return fmt.Errorf("device %s created but the session to activate it was not saved: %v", enr.Device.ID, err)
	}
	return nil
}

func factorBody(totp, recovery string) (map[string]string, error) {
	switch {
	case totp != "" && recovery != "":
		return nil, fmt.Errorf("give --totp or --recovery-code, not both")
	case totp != "":
		return map[string]string{"code": totp}, nil
	case recovery != "":
		return map[string]string{"recovery_code": recovery}, nil
	}
	return nil, nil
}

func printRecoveryCodes(e *env, codes []string) {
	fmt.Fprintf(e.stdout, "\nRecovery codes (each works once; store them somewhere safe, they are not shown again):\n")
	for _, rc := range codes {
		fmt.Fprintf(e.stdout, "  %s\n", rc)
	}
}

func runDevice(e *env, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(e.stdout, deviceUsage)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	sub, args := args[0], args[1:]
	verb := "mfa-totp-device " + sub
	fs := newFlagSet(verb)
	rf := addRemoteFlags(fs)
	name := fs.String("name", "", "")
	totp := fs.String("totp", "", "")
	recovery := fs.String("recovery-code", "", "")
	email := fs.String("email", "", "")
	passwordStdin := fs.Bool("password-stdin", false, "")
	rest, status, done := parseFlags(e, fs, args, deviceUsage)
	if done {
		return status
	}
	wantID := map[string]bool{"activate": true, "generate-totp-seed": true, "rename": true, "delete": true}
	if !wantID[sub] && len(rest) > 0 {
		return fail(e, exitUsage, "%s: unexpected argument %q", verb, rest[0])
	}
	if wantID[sub] && len(rest) != 1 {
		return fail(e, exitUsage, "%s: give one DEVICE_ID (see twofold mfa-totp-device list)", verb)
	}
	switch sub {
	case "list", "create", "activate", "generate-totp-seed", "rename", "delete", "delete-inactive":
	default:
		return fail(e, exitUsage, "mfa-totp-device: unknown subcommand %q (see twofold mfa-totp-device --help)", sub)
	}
	if sub == "activate" && *totp == "" {
		return fail(e, exitUsage, "%s: --totp CODE is required (a current code from the device)", verb)
	}
	if sub == "rename" && strings.TrimSpace(*name) == "" {
		return fail(e, exitUsage, "%s: --name NAME is required (the device's new name)", verb)
	}
	c, err := rf.client(e, true)
	if err != nil {
		return fail(e, exitUsage, "%s: %v", verb, err)
	}
	cfg, _, _ := loadConfig()
	enrolling := cfg.Enrollment != nil && cfg.Enrollment.URL == c.base && len(rest) == 1 && cfg.Enrollment.DeviceID == rest[0]
	if enrolling && (sub == "activate" || sub == "generate-totp-seed") {
		c.useSession(cfg.Enrollment.Cookie)
	}
	switch sub {
	case "list":
		var list struct {
			Devices []deviceView `json:"devices"`
		}
		if err := c.call("GET", "/totp-devices", nil, &list); err != nil {
			return remoteFail(e, verb, err)
		}
		if c.output == "json" {
			printJSON(e.stdout, list)
			return exitOK
		}
		rows := make([][]string, len(list.Devices))
		for i, d := range list.Devices {
			rows[i] = []string{d.ID, d.Name, strings.ToUpper(d.State), when(&d.CreatedAt), when(d.LastUsedAt), when(d.ExpiresAt)}
		}
		table(e.stdout, []string{"ID", "NAME", "STATE", "CREATED", "LAST USED", "EXPIRES"}, rows)
	case "create":
		var enr enrollment
		body, err := factorBody(*totp, *recovery)
		if err != nil {
			return fail(e, exitUsage, "%s: %v", verb, err)
		}
		if *name != "" {
			if body == nil {
				body = map[string]string{}
			}
			body["name"] = *name
		}
		var payload any // no body at all when there is nothing to say
		if body != nil {
			payload = body
		}
		err = c.call("POST", "/totp-devices", payload, &enr)
		var ae *errAPI
		if errors.As(err, &ae) && ae.Code == "token_not_allowed" {
			err = createFirstDevice(e, c, &signInFlags{email: *email, passwordStdin: *passwordStdin}, payload, &enr)
		}
		if err != nil {
			if errors.As(err, &ae) && ae.Code == "fresh_factor_required" {
				return fail(e, exitFail, "%s: you have an active device: give --totp CODE (a current code from it) or --recovery-code CODE", verb)
			}
			return remoteFail(e, verb, err)
		}
		printEnrollment(e, c, enr)
	case "generate-totp-seed":
		var enr enrollment
		if err := c.call("POST", "/totp-devices/"+rest[0]+"/seed", nil, &enr); err != nil {
			return remoteFail(e, verb, err)
		}
		printEnrollment(e, c, enr)
	case "activate":
		var out struct {
			Device        deviceView `json:"device"`
			RecoveryCodes []string   `json:"recovery_codes,omitempty"`
		}
		if err := c.call("POST", "/totp-devices/"+rest[0]+"/activate", map[string]string{"code": *totp}, &out); err != nil {
			return remoteFail(e, verb, err)
		}
		if enrolling {
			_ = c.call("DELETE", "/session", nil, nil) // its work is done
			cfg.Enrollment = nil
			if _, err := saveConfig(cfg); err != nil {
				fmt.Fprintf(e.stderr, "twofold: %s: could not update the config file: %v\n", verb, err)
			}
		}
		if c.output == "json" {
			printJSON(e.stdout, out)
			return exitOK
		}
		fmt.Fprintf(e.stdout, "Device %s (%s) is active. Your next sign-in asks for a code.\n", out.Device.ID, out.Device.Name)
		if len(out.RecoveryCodes) > 0 {
			printRecoveryCodes(e, out.RecoveryCodes)
		}
	case "rename":
		var dev deviceView
		if err := c.call("PATCH", "/totp-devices/"+rest[0], map[string]string{"name": *name}, &dev); err != nil {
			return remoteFail(e, verb, err)
		}
		if c.output == "json" {
			printJSON(e.stdout, dev)
			return exitOK
		}
		fmt.Fprintf(e.stdout, "Device %s is now named %q.\n", dev.ID, dev.Name)
	case "delete":
		body, err := factorBody(*totp, *recovery)
		if err != nil {
			return fail(e, exitUsage, "%s: %v", verb, err)
		}
		if err := c.call("DELETE", "/totp-devices/"+rest[0], body, nil); err != nil {
			return remoteFail(e, verb, err)
		}
		fmt.Fprintf(e.stdout, "Deleted %s.\n", rest[0])
	case "delete-inactive":
		var out struct {
			Deleted int64 `json:"deleted"`
		}
		if err := c.call("DELETE", "/totp-devices/inactive", nil, &out); err != nil {
			return remoteFail(e, verb, err)
		}
		if c.output == "json" {
			printJSON(e.stdout, out)
			return exitOK
		}
		fmt.Fprintf(e.stdout, "Deleted %d inactive device(s).\n", out.Deleted)
	}
	return exitOK
}

func runRecoveryCodes(e *env, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(e.stdout, recoveryUsage)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	sub, args := args[0], args[1:]
	verb := "recovery-codes " + sub
	fs := newFlagSet(verb)
	rf := addRemoteFlags(fs)
	totp := fs.String("totp", "", "")
	recovery := fs.String("recovery-code", "", "")
	rest, status, done := parseFlags(e, fs, args, recoveryUsage)
	if done {
		return status
	}
	if len(rest) > 0 {
		return fail(e, exitUsage, "%s: unexpected argument %q", verb, rest[0])
	}
	if sub != "status" && sub != "regenerate" {
		return fail(e, exitUsage, "recovery-codes: unknown subcommand %q (status, regenerate)", sub)
	}
	c, err := rf.client(e, true)
	if err != nil {
		return fail(e, exitUsage, "%s: %v", verb, err)
	}
	if sub == "status" {
		var out struct {
			Remaining int `json:"remaining"`
		}
		if err := c.call("GET", "/recovery-codes", nil, &out); err != nil {
			return remoteFail(e, verb, err)
		}
		if c.output == "json" {
			printJSON(e.stdout, out)
		} else {
			fmt.Fprintf(e.stdout, "%d unused recovery codes.\n", out.Remaining)
		}
		return exitOK
	}
	body, err := factorBody(*totp, *recovery)
	if err != nil {
		return fail(e, exitUsage, "%s: %v", verb, err)
	}
	if body == nil {
		return fail(e, exitUsage, "%s: give --totp CODE or --recovery-code CODE (tokens carry no second factor)", verb)
	}
	var out struct {
		RecoveryCodes []string `json:"recovery_codes"`
	}
	if err := c.call("POST", "/recovery-codes", body, &out); err != nil {
		return remoteFail(e, verb, err)
	}
	if c.output == "json" {
		printJSON(e.stdout, out)
		return exitOK
	}
	fmt.Fprintln(e.stdout, "New recovery codes; the old ones no longer work.")
	printRecoveryCodes(e, out.RecoveryCodes)
	return exitOK
}
