package interop

// sysSetns is setns(2); package syscall does not name it.
const sysSetns = 308
