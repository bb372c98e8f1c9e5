# seccompgen: `make demo` and `make test` work on a fresh Debian 12 machine
# (as root): `deps` installs what is missing, quickly when nothing is.
export PATH := /usr/local/go/bin:$(PATH)
GO      ?= go
BIN     := bin/seccompgen
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo devel)

# Debian packages the build, tests and demo use. clang/llvm/libbpf-dev are
# only for `make generate`.
DEBS     := gcc libc6-dev libseccomp-dev gcc-multilib runc busybox-static strace podman crun
GEN_DEBS := clang llvm libbpf-dev
# The corpus of `make sufficiency` (real servers and tools); not needed by test.
SUFF_DEBS := redis-server postgresql-15 postgresql-client-15 nginx nodejs caddy python3 busybox-static sqlite3 curl git dash

.PHONY: all deps gen-deps suff-deps build test fuzz profiles check-profiles bench sufficiency demo generate check-generate fmt vet clean FORCE

all: build

deps:
	@./scripts/apt-ensure $(DEBS)

gen-deps:
	@./scripts/apt-ensure $(GEN_DEBS)

suff-deps:
	@./scripts/apt-ensure $(SUFF_DEBS)

build: $(BIN)

$(BIN): FORCE
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o $@ ./cmd/seccompgen

FORCE:

test: deps build
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 20m ./...
	$(GO) test -run='^$$' -fuzz=FuzzParse -fuzztime=5s ./profiles
	$(GO) test -run='^$$' -fuzz=FuzzParse -fuzztime=5s ./auditlog
	./scripts/examples check

# The profile parser and the audit log parser (learn) under fuzzing for a
# minute each; new crashers land in PKG/testdata/fuzz/FuzzParse and become
# seed cases.
fuzz:
	$(GO) test -run='^$$' -fuzz=FuzzParse -fuzztime=60s ./profiles
	$(GO) test -run='^$$' -fuzz=FuzzParse -fuzztime=60s ./auditlog

# Regenerate every example's checked-in profile / check them for drift.
profiles: deps build
	./scripts/examples update

check-profiles: deps build
	./scripts/examples check

# Issue #7's benchmarks: the syscall storm (untraced, an empty sys_enter
# program, record, strace), gofmt and gzip, start-up and peak RSS, each
# interleaved; writes docs/BENCHMARKS.md in a few minutes. It measures and
# asserts nothing, so it is not part of test. Run it on an idle machine.
bench: deps build
	$(GO) run ./internal/bench -seccompgen $(BIN) -o docs/BENCHMARKS.md

# Issue #12's sufficiency measurement: for each program of a corpus of Debian
# servers and tools and each --infer level in SUFF_INFER, record a short
# training run, enforce its profile during a heavier held-out run, and write
# what passed and what was missing to docs/SUFFICIENCY.md (about 10 min).
# SUFF_ERRNO=EPERM,ENOSYS also compares errno values, once record has
# --errno. It measures and asserts nothing, so it is not part of test.
# SUFF_ARGS=all (none, default, or groups joined by +: ioctl+prctl) records
# every training run with that --args, into SUFF_OUT.
SUFF_INFER ?= none,go
SUFF_ERRNO ?=
SUFF_ARGS ?=
SUFF_OUT ?= docs/SUFFICIENCY.md
sufficiency: deps suff-deps build
	$(GO) run ./internal/sufficiency -seccompgen $(BIN) -infer $(SUFF_INFER) -errno '$(SUFF_ERRNO)' -args '$(SUFF_ARGS)' -command 'make sufficiency SUFF_INFER=$(SUFF_INFER)$(if $(SUFF_ERRNO), SUFF_ERRNO=$(SUFF_ERRNO))$(if $(SUFF_ARGS), SUFF_ARGS=$(SUFF_ARGS))$(if $(filter-out docs/SUFFICIENCY.md,$(SUFF_OUT)), SUFF_OUT=$(SUFF_OUT))' -o $(SUFF_OUT)

demo: deps build
	./scripts/demo

# bpf2go's compiler; its flags are in tracer/gen.go, so that a bare
# `go generate ./tracer` builds the same object.
export BPF2GO_CC ?= clang

generate: gen-deps
	$(GO) generate ./tracer

# CI proves the checked-in eBPF objects match their source.
check-generate: generate
	git diff --exit-code -- tracer/

fmt:
	gofmt -l -w $$(git ls-files '*.go' | grep -v '_bpfel.go$$')

vet:
	$(GO) vet ./...

clean:
	rm -rf bin
