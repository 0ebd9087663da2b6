package localcluster

import "syscall"

// sysProcAttr puts the child in its own process group and asks the kernel to
// kill it should this process die without stopping it (a test timeout, say).
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
