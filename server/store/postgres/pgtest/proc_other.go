//go:build !linux

package pgtest

import (
	"os/exec"
	"syscall"
)

// setProc runs cmd as cred (nil: the current user). Only Linux can tie the
// server's life to the test binary's; elsewhere Main stops it.
func setProc(cmd *exec.Cmd, cred *syscall.Credential, _ bool) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
}
