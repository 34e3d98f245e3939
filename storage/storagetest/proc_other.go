//go:build !linux

package storagetest

import "os/exec"

// setDeathSignal has no portable equivalent outside Linux; Cleanup still
// stops the server on a normal test exit.
func setDeathSignal(*exec.Cmd) {}
