// keyutils links libkeyutils (as Kerberos does) and imports its keyctl(),
// which makes the keyctl syscall; Docker's default denies keyctl, so
// inference must withhold it. It prints "idle" and, given "keyctl", calls
// keyctl(KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0) and prints
// the result. Built with -l:libkeyutils.so.1 (no header needed).
#include <stdio.h>
#include <string.h>

long keyctl(int operation, ...);

int main(int argc, char **argv) {
	if (argc > 1 && strcmp(argv[1], "keyctl") == 0) {
		printf("keyctl: %ld\n", keyctl(0 /* KEYCTL_GET_KEYRING_ID */, -3 /* KEY_SPEC_SESSION_KEYRING */, 0));
		return 0;
	}
	puts("idle");
	return 0;
}
