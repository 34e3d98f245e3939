package storagetest

import (
	"os/exec"
	"syscall"
)

// setDeathSignal kills the server if the test binary dies without cleanup,
// so a crashed or timed-out test leaves no MinIO behind.
func setDeathSignal(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
