//go:build !linux

package eval

// peakRSS is unknown (0) off Linux, where ru_maxrss units differ.
func peakRSS() int64 { return 0 }
