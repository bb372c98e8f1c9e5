#!/bin/bash
# What inference adds to `seccompgen record`, best of 3 runs each: with
# --infer none, with the default and a warm cache, and with the default
# and an empty cache (docs/inference.md's speed table).
#
#	scripts/inference-speed.sh bin/seccompgen -- node -e 0
set -u
bin=$1
shift 2
run() {
	local s
	s=$(date +%s%N)
	"$@" >/dev/null 2>&1
	echo $((($(date +%s%N) - s) / 1000000)) >"$tmp/ms"
}
best() {
	local b=999999 t
	for _ in 1 2 3; do
		"$@"
		t=$(cat "$tmp/ms")
		[ "$t" -lt "$b" ] && b=$t
	done
	echo "$b"
}
cold() {
	local d
	d=$(mktemp -d)
	SECCOMPGEN_CACHE_DIR=$d run "$@"
	rm -rf "$d"
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/cache"
none=$(best run "$bin" record --infer none -o /dev/null -- "$@")
SECCOMPGEN_CACHE_DIR=$tmp/cache "$bin" record -o /dev/null -- "$@" >/dev/null 2>&1
warm=$(SECCOMPGEN_CACHE_DIR=$tmp/cache best run "$bin" record -o /dev/null -- "$@")
cold=$(best cold "$bin" record -o /dev/null -- "$@")
echo "$* | none $none ms | warm $warm ms (+$((warm - none))) | cold $cold ms (+$((cold - none)))"
