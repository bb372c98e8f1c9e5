#!/bin/sh
# check-seccomp.sh — the drift check as a plain shell recipe, for any CI
# (or a pre-push hook). Run as root, or with sudo, on a kernel with BTF.
#
#   PROFILE=seccomp/app.json ./check-seccomp.sh ./app --selftest
#
# Exit 0: in sync (or only looser than this run needed: a warning).
# Exit 1: drift — the profile would break the command, or breaks policy.
# Exit 2: trouble — the command failed, the profile is unreadable, no BPF.
# To accept the change, regenerate and commit the profile:
#   UPDATE=1 PROFILE=seccomp/app.json ./check-seccomp.sh ./app --selftest
set -eu
: "${PROFILE:?set PROFILE to the checked-in profile}"
SECCOMPGEN=${SECCOMPGEN:-seccompgen}
if [ "${UPDATE:-}" = 1 ]; then
	exec "$SECCOMPGEN" check --update --profile "$PROFILE" -- "$@"
fi
exec "$SECCOMPGEN" check ${STRICT:+--strict} --profile "$PROFILE" -- "$@"
