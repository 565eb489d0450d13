//go:build !unix

package api

import "time"

func processCPU() time.Duration { return 0 }
