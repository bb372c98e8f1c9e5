// Package auditlog reads the kernel's seccomp audit records (type 1326,
// AUDIT_SECCOMP) from dmesg, /dev/kmsg, journald or audit.log text and maps
// each back to a syscall of an x86 ABI.
package auditlog
