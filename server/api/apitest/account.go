package apitest

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"time"

	"github.com/twofold-auth/twofold/server/api/client"
	"github.com/twofold-auth/twofold/server/api/wire"
	"github.com/twofold-auth/twofold/shared/otpauth"
	"github.com/twofold-auth/twofold/shared/otpcode"
)

// Account is a user with one active TOTP device, made through the API as a
// person would, and the browser they use: one cookie jar, so its session
// works at every instance of a deployment (cookies do not depend on the
// port).
type Account struct {
	Email         string
	DeviceID      string
	Secret        []byte
	RecoveryCodes []string     // the activation's
	Browser       *http.Client // no overall timeout: event streams last
}

// Enroll signs up email with Password at the server at baseURL, creates a
// TOTP device and activates it with the code of now (which spends that
// time step: the next code is now+30 s's). The browser keeps the full
// session sign-up gave.
func Enroll(ctx context.Context, baseURL, email string, now time.Time) (*Account, error) {
	jar, _ := cookiejar.New(nil)
	a := &Account{Email: email, Browser: &http.Client{Jar: jar}}
	c := a.Client(baseURL)
	if _, err := c.SignUp(ctx, email, Password); err != nil {
		return nil, err
	}
	enr, err := c.CreateDevice(ctx, wire.CreateDeviceRequest{Name: "phone"})
	if err != nil {
		return nil, err
	}
	if a.Secret, err = otpauth.DecodeSecret(enr.Enrollment.Secret); err != nil {
		return nil, err
	}
	a.DeviceID = enr.Device.ID
	act, err := c.ActivateDevice(ctx, a.DeviceID, a.Code(now))
	if err != nil {
		return nil, err
	}
	a.RecoveryCodes = act.RecoveryCodes
	return a, nil
}

// Client is the account's browser speaking to the server at baseURL.
func (a *Account) Client(baseURL string) *client.Client {
	c, err := client.New(baseURL, client.WithHTTPClient(a.Browser))
	if err != nil {
		panic(err) // a test's own URL
	}
	return c
}

// Code is the account's TOTP code at t.
func (a *Account) Code(t time.Time) string {
	c, _ := otpcode.TOTP(a.Secret, otpcode.Params{Algorithm: "SHA1", Digits: 6, Period: 30}, t)
	return c
}
