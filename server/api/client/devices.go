package client

import (
	"context"
	"net/http"

	"github.com/twofold-auth/twofold/server/api/wire"
)

// TOTP devices, recovery codes and MFA as a whole. An application token may
// call these, but it carries no second factor: what needs a fresh one takes
// a wire.Factor (a code or a recovery code) in the request.

// Devices lists the account's TOTP devices (never their keys).
func (c *Client) Devices(ctx context.Context) (wire.DeviceList, error) {
	return call[wire.DeviceList](ctx, c, http.MethodGet, "/totp-devices", nil)
}

// Device is one TOTP device.
func (c *Client) Device(ctx context.Context, deviceID string) (wire.Device, error) {
	return call[wire.Device](ctx, c, http.MethodGet, "/totp-devices/"+id(deviceID), nil)
}

// CreateDevice makes a pending device: the one answer that carries its key.
// An account's first device needs a cookie session; later ones a fresh
// second factor.
func (c *Client) CreateDevice(ctx context.Context, req wire.CreateDeviceRequest) (wire.Enrollment, error) {
	return call[wire.Enrollment](ctx, c, http.MethodPost, "/totp-devices", req)
}

// RenameDevice gives a device a new name.
func (c *Client) RenameDevice(ctx context.Context, deviceID, name string) (wire.Device, error) {
	return call[wire.Device](ctx, c, http.MethodPatch, "/totp-devices/"+id(deviceID), wire.RenameRequest{Name: name})
}

// ActivateDevice activates a pending device with a current code from it;
// the account's first activation answers with its recovery codes.
func (c *Client) ActivateDevice(ctx context.Context, deviceID, code string) (wire.ActivateResponse, error) {
	return call[wire.ActivateResponse](ctx, c, http.MethodPost, "/totp-devices/"+id(deviceID)+"/activate", wire.ActivateRequest{Code: code})
}

// RegenerateSeed gives a pending device a new key (and a fresh pending
// period); an active device's key is never shown again.
func (c *Client) RegenerateSeed(ctx context.Context, deviceID string, f wire.Factor) (wire.Enrollment, error) {
	return call[wire.Enrollment](ctx, c, http.MethodPost, "/totp-devices/"+id(deviceID)+"/seed", f)
}

// DeleteDevice deletes a device; an active one needs a fresh second factor.
func (c *Client) DeleteDevice(ctx context.Context, deviceID string, f wire.Factor) error {
	return c.do(ctx, http.MethodDelete, "/totp-devices/"+id(deviceID), f, nil)
}

// DeleteInactiveDevices deletes every pending device.
func (c *Client) DeleteInactiveDevices(ctx context.Context) (wire.Deleted, error) {
	return call[wire.Deleted](ctx, c, http.MethodDelete, "/totp-devices/inactive", nil)
}

// RecoveryStatus says how many recovery codes are left.
func (c *Client) RecoveryStatus(ctx context.Context) (wire.RecoveryStatus, error) {
	return call[wire.RecoveryStatus](ctx, c, http.MethodGet, "/recovery-codes", nil)
}

// RegenerateRecoveryCodes replaces the recovery codes with a new set.
func (c *Client) RegenerateRecoveryCodes(ctx context.Context, f wire.Factor) (wire.RecoveryCodes, error) {
	return call[wire.RecoveryCodes](ctx, c, http.MethodPost, "/recovery-codes", f)
}

// DisableMFA turns multi-factor authentication off: every device and
// recovery code goes.
func (c *Client) DisableMFA(ctx context.Context, f wire.Factor) error {
	return c.do(ctx, http.MethodDelete, "/mfa", f, nil)
}
