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
LDFLAGS := -X main.version=$(VERSION) -X main.gitCommit=$(COMMIT)
INIT_CFLAGS := -static -Os -std=gnu11 -Wall -Wextra -Werror -fno-asynchronous-unwind-tables \
	-ffunction-sections -fdata-sections -Wl,--gc-sections -isystem $(BUILD)/kheaders

.PHONY: all rt init test unit integration conformance bench lint install demo clean fmt
all: rt

rt: $(INIT_BIN)
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o rt .

init: $(INIT_BIN)

# musl ships no kernel uapi headers: point it at the system's.
$(BUILD)/kheaders:
	mkdir -p $@
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
