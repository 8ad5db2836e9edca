# rt - an OCI container runtime.  `make` builds ./rt (the C init first: it is
# embedded into the Go binary).
GO ?= go
INIT_CC ?= musl-gcc
PREFIX ?= /usr/local
BUILD := build
INIT_DIR := libcontainer/internal/nsexec
INIT_BIN := $(INIT_DIR)/bin/rt-init
INIT_SRC := $(wildcard $(INIT_DIR)/csrc/*.c)
INIT_HDR := $(wildcard $(INIT_DIR)/csrc/*.h)
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.1.0-dev)
COMMIT := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
# rt is linked statically (libseccomp.a, pure-Go user/net lookups): no
# dynamic loader work on every invocation, and nothing to resolve at run time.
GOTAGS ?= urfave_cli_no_docs osusergo netgo
LDFLAGS := -X main.version=$(VERSION) -X main.gitCommit=$(COMMIT) -linkmode external -extldflags "-static"
INIT_CFLAGS := -static -Os -std=gnu11 -Wall -Wextra -Werror -fno-asynchronous-unwind-tables \
	-ffunction-sections -fdata-sections -Wl,--gc-sections -isystem $(BUILD)/kheaders

.PHONY: all rt init test unit integration conformance bench lint install demo clean fmt
all: rt

rt: $(INIT_BIN)
	$(GO) build -trimpath -tags "$(GOTAGS)" -ldflags "$(LDFLAGS)" -o rt .

init: $(INIT_BIN)

# musl ships no kernel uapi headers: point it at the system's.
$(BUILD)/kheaders:
	mkdir -p $@
	@# A module of its own: `go build ./...` must not walk the VM roots in build/.
	printf 'module rtbuildcache\n' > $(BUILD)/go.mod
	ln -sfn /usr/include/linux $@/linux
	ln -sfn /usr/include/asm-generic $@/asm-generic
	ln -sfn /usr/include/$$(gcc -print-multiarch)/asm $@/asm

$(INIT_BIN): $(INIT_SRC) $(INIT_HDR) | $(BUILD)/kheaders
	$(INIT_CC) $(INIT_CFLAGS) -o $@ $(INIT_SRC)
	strip $@

clean:
	rm -rf rt $(INIT_BIN) $(BUILD)

# rt-init scenario tests (root): builds a driver that plays the parent and runs
# containers from a busybox rootfs (libcontainer/internal/nsexec/ctest/run.sh).
.PHONY: init-test
init-test: $(INIT_BIN)
	bash $(INIT_DIR)/ctest/run.sh

# Fuzz targets, each for FUZZTIME: config loading, the parent <-> init
# frame decoder, planning.  A crasher is saved under the package's
# testdata/fuzz (commit it: it becomes a regression test of `go test`).
.PHONY: fuzz
FUZZTIME ?= 20s
FUZZ_TARGETS := ./spec:FuzzLoad ./libcontainer/internal/protocol:FuzzReadMsg ./libcontainer/internal/plan:FuzzBuild
fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		echo "fuzz $${t#*:} ($${t%%:*}) for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$${t#*:}$$" -fuzztime $(FUZZTIME) $${t%%:*}; \
	done

# ---------------------------------------------------------------------------
# Tests, lint, conformance, install, demo, CI.  `make ci` is what .ci/run runs
# (as root, on a fresh clone); `make help` lists the targets.
.PHONY: help deps tools conformance-suite conformance-ref demo-deps ci
SHARED ?= ../shared
CONF_DIR := $(BUILD)/conformance
CONF_RUN := tests/conformance/run.sh
DEMO_DIR := $(BUILD)/demo
TESTFLAGS ?=
BENCH_ARGS ?= -n 30
GOLANGCI_LINT_VERSION := v2.15.0
TOOLS_DIR ?= $(if $(HOME),$(HOME)/.cache/rt-tools,$(CURDIR)/$(BUILD)/tools)
GOLANGCI_LINT ?= $(TOOLS_DIR)/golangci-lint-$(GOLANGCI_LINT_VERSION)/golangci-lint
GO_FILES = $(shell find . -name '*.go' -not -path './build/*' -not -path './.git/*')
C_FILES = $(INIT_SRC) $(INIT_HDR)
# Non-root uid for the unit tests in `make ci` when it runs as root.
CI_UNIT_UID := $(if $(filter 0,$(shell id -u)),65534,)
CI_STAGES := lint unit fuzz init-test test e2e conformance

help:
	@echo 'make             build ./rt (rt-init, C, embedded into the Go binary)'
	@echo 'make demo        build rt and run a busybox container from build/demo (root)'
	@echo 'make unit        go test of every package but tests/integration (UNIT_UID=N: as that uid)'
	@echo 'make fuzz        the fuzz targets (config loader, protocol decoder, planner), FUZZTIME each [20s]'
	@echo 'make test        go test ./... (integration included: RT_BINARY=./rt; root runs all)'
	@echo 'make integration go test ./tests/integration/... against ./rt (root)'
	@echo 'make e2e         podman, containerd (ctr) and CRI (crictl) driving ./rt (tests/e2e, root)'
	@echo 'make conformance runtime-tools validation suite against ./rt, checked against'
	@echo '                 tests/conformance/expected-pass.txt (root)'
	@echo 'make conformance-ref  the same suite against runc and crun (CONFORMANCE.md)'
	@echo 'make bench       ../shared/bench/bench.sh $(BENCH_ARGS): runc, rt, crun (root)'
	@echo 'make v2vm        behavioural tests of ./rt on pure cgroup v2: a Debian kernel under qemu'
	@echo '                 (tests/v2vm; V2VM_RESOURCES=0 skips the pids/memory/cpu limit checks)'
	@echo 'make v2vm-systemd  rt --systemd-cgroup against a real systemd (PID 1) in the same VM (tests/v2vm)'
	@echo 'make lint        gofmt, go vet, golangci-lint $(GOLANGCI_LINT_VERSION), clang-format'
	@echo 'make fmt         gofmt -w and clang-format -i'
	@echo 'make install     $(DESTDIR)$(PREFIX)/sbin/rt, man pages (man8), bash and zsh completion; make uninstall'
	@echo 'make man         build/man: rt(8), rt-<verb>(8) from ./rt --help (make man-check, completions-check, install-check)'
	@echo 'make deps        install the Debian packages and tools CI needs (root)'
	@echo 'make ci          deps, then $(CI_STAGES) (every stage runs; fails if one failed)'

# --- tests
# Unit tests: every package but tests/integration.  With UNIT_UID (root
# only) the test binaries run as that uid (.ci/as-uid): root-only tests must
# skip, not fail.
unit:
	@pkgs=$$($(GO) list ./... | grep -v '/tests/integration'); \
	if [ -n "$(UNIT_UID)" ] && ! setpriv --reuid=$(UNIT_UID) --regid=$(UNIT_UID) --clear-groups -- test -r go.mod; then \
		echo "unit: uid $(UNIT_UID) cannot read $(CURDIR): running the unit tests as $$(id -un)"; \
		set -- ; \
	elif [ -n "$(UNIT_UID)" ]; then \
		gotmp=$$(mktemp -d /tmp/rt-unit.XXXXXX) && chmod 1777 $$gotmp && trap 'rm -rf "$$gotmp"' EXIT; \
		export GOTMPDIR=$$gotmp; \
		set -- -exec "$(CURDIR)/.ci/as-uid $(UNIT_UID)"; \
	fi; \
	echo "$(GO) test $$* $(TESTFLAGS) <$$(echo $$pkgs | wc -w) packages: all but tests/integration>"; \
	$(GO) test "$$@" $(TESTFLAGS) $$pkgs

test: rt
	RT_BINARY=$(CURDIR)/rt $(GO) test -count=1 $(TESTFLAGS) $$($(GO) list ./... | grep -v '/tests/e2e')

# --- end to end through the engines (root): podman, containerd/ctr, CRI
# with crictl (built once from the Go module proxy into build/e2e-bin).
.PHONY: e2e
e2e: rt
	RT_BINARY=$(CURDIR)/rt $(GO) test -count=1 -v -timeout 20m $(TESTFLAGS) ./tests/e2e/...

integration: rt
	RT_BINARY=$(CURDIR)/rt $(GO) test -count=1 $(TESTFLAGS) ./tests/integration/...

# --- conformance (runtime-tools validation suite; see CONFORMANCE.md)
conformance-suite:
	$(CONF_RUN) build $(CONF_DIR)/suite

conformance: rt conformance-suite
	$(CONF_RUN) run -s $(CONF_DIR)/suite -o $(CONF_DIR) -l rt \
		-e tests/conformance/expected-pass.txt $(CURDIR)/rt

# crun 1.8 rejects ociVersion 1.3.0 and hybrid hosts whose cgroup2 mount lists
# controllers: -V 1.0.2 -m (only inside each test's mount namespace).
conformance-ref: conformance-suite
	$(CONF_RUN) run -s $(CONF_DIR)/suite -o $(CONF_DIR) -l runc $$(command -v runc)
	$(CONF_RUN) run -s $(CONF_DIR)/suite -o $(CONF_DIR) -l crun -m -V 1.0.2 $$(command -v crun)
	$(CONF_RUN) table $(CONF_DIR)/results-runc.txt $(CONF_DIR)/results-crun.txt \
		$(wildcard $(CONF_DIR)/results-rt.txt)

# --- benchmark
bench: rt
	@if [ ! -f $(SHARED)/bench/bench.sh ]; then \
		echo "bench: skipped: $(SHARED)/bench/bench.sh not found (set SHARED=...)"; exit 0; fi; \
	command -v busybox >/dev/null || { echo "bench: needs busybox (static) on PATH: apt-get install busybox-static"; exit 1; }; \
	set -x; bash $(SHARED)/bench/bench.sh $(BENCH_ARGS) runc=$$(command -v runc) rt=$(CURDIR)/rt crun=$$(command -v crun)

# --- pure cgroup v2 (tests/v2vm/v2vm.sh): boots the Debian kernel (apt-get
# download linux-image-amd64 into $(V2VM_DIR)/kernel, once) under qemu with
# cgroup_no_v1=all, runs tests/v2vm/cgroupv2-test.sh against ./rt there, and
# passes if the serial console says "V2VM-RESULT: PASS" (log:
# $(V2VM_DIR)/serial.log).  15-50 s under TCG.  V2VM_ACCEL=kvm where /dev/kvm is.
.PHONY: v2vm
V2VM_DIR ?= $(BUILD)/v2vm
V2VM_RESOURCES ?= 1
V2VM_TIMEOUT ?= 300
v2vm: rt
	V2VM_ENV="V2VM_RESOURCES=$(V2VM_RESOURCES) $(V2VM_ENV)" V2VM_TIMEOUT=$(V2VM_TIMEOUT) \
		bash tests/v2vm/v2vm.sh ./rt $(V2VM_DIR) tests/v2vm/cgroupv2-test.sh
# In CI too: 15-50 s under TCG (+ ~10 s for the kernel download on a fresh clone).
CI_STAGES += v2vm

# --- lint
$(GOLANGCI_LINT):
	GOBIN=$(dir $@) GOFLAGS= $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)

tools: $(GOLANGCI_LINT)

# Every check runs; the target fails if one failed.
lint: $(GOLANGCI_LINT)
	@rc=0; \
	echo "gofmt -l"; out=$$(gofmt -l $(GO_FILES)); \
	if [ -n "$$out" ]; then echo "lint: not gofmt'ed (make fmt):"; echo "$$out"; rc=1; fi; \
	echo "$(GO) vet ./..."; $(GO) vet ./... || rc=1; \
	echo "golangci-lint run ./..."; $(GOLANGCI_LINT) run ./... || rc=1; \
	echo "clang-format --dry-run --Werror <C init>"; clang-format --dry-run --Werror $(C_FILES) || rc=1; \
	exit $$rc

fmt:
	gofmt -w $(GO_FILES)
	clang-format -i $(C_FILES)

# --- install: the binary, man pages rt(8) and rt-<verb>(8) (generated from
# `./rt --help` by contrib/man/gen.sh into build/man), bash and zsh completion.
# DESTDIR stages the tree (packaging); nothing outside it is touched.
.PHONY: man man-check completions-check install-check uninstall
MAN_DIR := $(BUILD)/man
MANDIR ?= $(PREFIX)/share/man/man8
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/vendor-completions
man: rt
	rm -rf $(MAN_DIR)
	bash contrib/man/gen.sh ./rt $(MAN_DIR)

man-check: man
	bash contrib/man/check.sh ./rt $(MAN_DIR)

completions-check: rt
	bash contrib/completions/test.sh ./rt

install: rt man
	install -D -m 0755 rt $(DESTDIR)$(PREFIX)/sbin/rt
	install -d -m 0755 $(DESTDIR)$(MANDIR)
	install -m 0644 $(MAN_DIR)/*.8 $(DESTDIR)$(MANDIR)/
	install -D -m 0644 contrib/completions/rt.bash $(DESTDIR)$(BASHCOMPDIR)/rt
	install -D -m 0644 contrib/completions/_rt $(DESTDIR)$(ZSHCOMPDIR)/_rt

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/sbin/rt $(DESTDIR)$(MANDIR)/rt.8 $(DESTDIR)$(MANDIR)/rt-*.8 \
		$(DESTDIR)$(BASHCOMPDIR)/rt $(DESTDIR)$(ZSHCOMPDIR)/_rt

# The pages and completions checked, then install and uninstall into a
# scratch DESTDIR: every file in place, with its mode, and nothing left.
install-check: man-check completions-check
	@set -e; d=$$(mktemp -d); trap 'rm -rf "$$d"' EXIT; \
	$(MAKE) --no-print-directory install DESTDIR=$$d PREFIX=/usr >/dev/null; \
	test "$$(stat -c %a $$d/usr/sbin/rt)" = 755; \
	test "$$(stat -c %a $$d/usr/share/man/man8/rt.8)" = 644; \
	for p in $(MAN_DIR)/*.8; do test -f $$d/usr/share/man/man8/$${p##*/}; done; \
	test -f $$d/usr/share/bash-completion/completions/rt; \
	test -f $$d/usr/share/zsh/vendor-completions/_rt; \
	$$d/usr/sbin/rt --version >/dev/null; \
	$(MAKE) --no-print-directory uninstall DESTDIR=$$d PREFIX=/usr >/dev/null; \
	left=$$(find $$d -type f); test -z "$$left" || { echo "install-check: left after uninstall: $$left"; exit 1; }; \
	echo "install-check: ok: install and uninstall in a DESTDIR"
CI_STAGES += install-check

# --- demo: a busybox bundle built here, run non-interactively, then removed
# (DEMO_KEEP=1 keeps the bundle in build/demo).
DEMO_PKGS := gcc make pkg-config musl-tools libseccomp-dev busybox-static jq
DEMO_CMD := echo hello from rt; hostname
demo-deps:
	@missing=; for p in $(DEMO_PKGS); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	[ -z "$$missing" ] && exit 0; \
	if [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then \
		echo "demo: missing packages:$$missing (as root: apt-get install$$missing)"; exit 1; fi; \
	echo "demo: installing$$missing"; \
	apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q$$missing

demo: demo-deps
	@[ "$$(id -u)" = 0 ] || { echo "demo: run it as root"; exit 1; }
	$(MAKE) --no-print-directory rt
	@set -e; bb=$$(command -v busybox); \
	if ldd "$$bb" >/dev/null 2>&1; then echo "demo: $$bb is dynamically linked: install busybox-static"; exit 1; fi; \
	rm -rf $(DEMO_DIR); mkdir -p $(DEMO_DIR)/rootfs/bin $(DEMO_DIR)/rootfs/etc; \
	cp "$$bb" $(DEMO_DIR)/rootfs/bin/busybox; \
	for a in $$("$$bb" --list); do [ "$$a" = busybox ] || ln -s busybox $(DEMO_DIR)/rootfs/bin/$$a; done; \
	echo 'root:x:0:0:root:/root:/bin/sh' >$(DEMO_DIR)/rootfs/etc/passwd; \
	echo 'root:x:0:' >$(DEMO_DIR)/rootfs/etc/group; \
	echo "+ ./rt spec -b $(DEMO_DIR)"; ./rt spec -b $(DEMO_DIR); \
	jq --arg cmd '$(DEMO_CMD)' '.process.terminal = false | .process.args = ["sh", "-c", $$cmd] | .hostname = "rt-demo"' \
		$(DEMO_DIR)/config.json >$(DEMO_DIR)/config.json.new; \
	mv $(DEMO_DIR)/config.json.new $(DEMO_DIR)/config.json; \
	id=rt-demo-$$$$; \
	echo "+ ./rt run -b $(DEMO_DIR) $$id"; \
	rc=0; ./rt run -b $(DEMO_DIR) $$id </dev/null || rc=$$?; \
	./rt delete --force $$id >/dev/null 2>&1 || true; \
	if [ -z "$(DEMO_KEEP)" ]; then rm -rf $(DEMO_DIR); fi; \
	echo "demo: container exited with status $$rc"; exit $$rc

# --- CI: install what is missing, then run every stage and report each.
deps:
	@bash .ci/run --deps-only

ci: deps
	@rc=0; summary=; for s in $(CI_STAGES); do \
		echo "=== make $$s"; t0=$$(date +%s); \
		if $(MAKE) --no-print-directory $$s UNIT_UID=$(CI_UNIT_UID); then r=ok; else r=FAILED; rc=1; fi; \
		summary="$$summary  $$s: $$r ($$(( $$(date +%s) - t0 ))s)\n"; \
	done; \
	printf "=== make ci summary\n$$summary"; exit $$rc

# --- systemd cgroup driver (tests/v2vm/systemd-test.sh): the same VM runner
# with V2VM_INIT=systemd (a debootstrap'ed Debian root, cached in
# $(V2VM_SYSTEMD_DIR)/sysroot: a few minutes the first time), systemd as PID 1
# on pure cgroup v2, runs `rt --systemd-cgroup` there.  ~55 s under TCG.
.PHONY: v2vm-systemd
V2VM_SYSTEMD_DIR ?= $(BUILD)/v2vm-systemd
v2vm-systemd: rt
	V2VM_INIT=systemd V2VM_TIMEOUT=$(V2VM_TIMEOUT) \
		bash tests/v2vm/v2vm.sh ./rt $(V2VM_SYSTEMD_DIR) tests/v2vm/systemd-test.sh
CI_STAGES += v2vm-systemd

# --- the systemd cgroup driver on a hybrid host (tests/v2vm/systemd-test.sh,
# which detects the mode): the guest of `make v2vm-systemd` (its cached
# sysroot and kernel are reused when present) booted with
# systemd.unified_cgroup_hierarchy=0: v1 controllers under /sys/fs/cgroup/<c>,
# cgroup2 at /sys/fs/cgroup/unified.  v2vm.sh always passes cgroup_no_v1=all
# (cumulative in the kernel: a later argument cannot undo it), so a copy of it
# without that argument is run from $(V2VM_SYSTEMD_HYBRID_DIR).  ~1.5 min under TCG.
.PHONY: v2vm-systemd-hybrid
V2VM_SYSTEMD_HYBRID_DIR ?= $(BUILD)/v2vm-systemd-hybrid
v2vm-systemd-hybrid: rt
	@if [ -z "$$V2VM_SYSROOT" ] && [ -x $(V2VM_SYSTEMD_DIR)/sysroot/lib/systemd/systemd ]; then \
		export V2VM_SYSROOT=$(V2VM_SYSTEMD_DIR)/sysroot; fi; \
	k=$$(ls $(V2VM_SYSTEMD_DIR)/kernel/boot/vmlinuz-* 2>/dev/null | head -n1); \
	if [ -z "$$V2VM_KERNEL" ] && [ -n "$$k" ]; then \
		export V2VM_KERNEL=$$k V2VM_MODROOT=$(V2VM_SYSTEMD_DIR)/kernel; fi; \
	set -x; V2VM_INIT=systemd V2VM_CGROUP=hybrid V2VM_TIMEOUT=$(V2VM_TIMEOUT) \
		bash tests/v2vm/v2vm.sh ./rt $(V2VM_SYSTEMD_HYBRID_DIR) tests/v2vm/systemd-test.sh
CI_STAGES += v2vm-systemd-hybrid

# --- runtime-tools linux_cgroups_* on pure cgroup v2 (tests/v2vm/conformance-test.sh):
# the patched suite's cgroup test files (tests/conformance/patches: its cgroups
# package reads v2), runtimetest and the rootfs tarball copied into the busybox
# VM (tests/conformance/v2vm-overlay.sh), run against ./rt there; passes if
# every file of tests/conformance/expected-pass-v2.txt passed.  A scsi_debug
# disk gives the blkio files their 8:0.  Reuses the kernel of `make v2vm`
# when cached.  V2VM_CONF_RUNC=1 also runs runc there (printed only).
.PHONY: v2vm-conformance
V2VM_CONF_DIR ?= $(BUILD)/v2vm-conformance
V2VM_CONF_RUNC ?= 0
V2VM_CONF_TIMEOUT ?= 540
v2vm-conformance: rt conformance-suite
	bash tests/conformance/v2vm-overlay.sh $(CONF_DIR)/suite $(V2VM_CONF_DIR)/overlay
	@k=$$(ls $(V2VM_DIR)/kernel/boot/vmlinuz-* 2>/dev/null | head -n1); \
	if [ -z "$$V2VM_KERNEL" ] && [ -n "$$k" ]; then \
		export V2VM_KERNEL=$$k V2VM_MODROOT=$(V2VM_DIR)/kernel; fi; \
	if [ "$(V2VM_CONF_RUNC)" = 1 ]; then export V2VM_BINS="runc $$V2VM_BINS"; fi; \
	set -x; V2VM_OVERLAY=$(V2VM_CONF_DIR)/overlay V2VM_MODULES="scsi_debug sd_mod bfq $(V2VM_MODULES)" \
		V2VM_ENV="CONF_RUNC=$(V2VM_CONF_RUNC) $(V2VM_ENV)" V2VM_TIMEOUT=$(V2VM_CONF_TIMEOUT) \
		bash tests/v2vm/v2vm.sh ./rt $(V2VM_CONF_DIR) tests/v2vm/conformance-test.sh
CI_STAGES += v2vm-conformance
