package pgtest

import (
	"os/exec"
	"syscall"
)

// setProc runs cmd as cred (nil: the current user). A server also gets
// SIGQUIT (postgres's immediate shutdown) when the test binary dies, so a
// killed test run leaves no cluster behind.
func setProc(cmd *exec.Cmd, cred *syscall.Credential, server bool) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if server {
		cmd.SysProcAttr.Pdeathsig = syscall.SIGQUIT
	}
}
