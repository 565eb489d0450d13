//go:build !linux

package main

import "os/exec"

// setDeathSignal: only Linux has a parent-death signal; elsewhere the
// tests' cleanups stop the servers.
func setDeathSignal(*exec.Cmd) {}
