//go:build unix

// Package cputime reads the CPU time the process has used, for the
// benchmarks that report CPU per operation (server, server/api).
package cputime

import (
	"syscall"
	"time"
)

// Process is the CPU time (user + system) the process has used so far, or
// 0 where it cannot be read.
func Process() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
