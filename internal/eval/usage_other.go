//go:build !linux

package eval

import "time"

// peakRSS is unknown (0) off Linux, where ru_maxrss units differ.
func peakRSS() int64 { return 0 }

// cpuTime is unknown (0) off Linux; the CPU columns then stay empty.
func cpuTime() time.Duration { return 0 }
