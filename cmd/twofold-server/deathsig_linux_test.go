package main

import (
	"os/exec"
	"syscall"
)

// setDeathSignal kills a server process when the test binary dies, so a
// killed test run leaves no server behind.
func setDeathSignal(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
