# SPDX-License-Identifier: GPL-2.0
# ebnet: `make` builds build/ebnet and build/ebnet-cni (the CNI plugin);
# `make install` puts them at $(DESTDIR)/usr/local/sbin/ebnet and
# $(DESTDIR)/opt/cni/bin/ebnet; `make test` runs every test; `make demo`
# installs what is missing, builds and runs the demo in a sandbox of
# namespaces; `make deps` installs what the build and the tests need on
# Debian/Ubuntu.

OUT      := build
CC       ?= gcc
CLANG    ?= clang
BPFTOOL  ?= bpftool
ARCH_INC := /usr/include/$(shell $(CC) -dumpmachine)
V        ?= 0
ifeq ($(V),1)
Q :=
msg =
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

CFLAGS   ?= -O2 -g
CFLAGS   += -Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers \
	    -std=gnu11 -D_GNU_SOURCE -I$(OUT) -Iloader -Imaps
LDLIBS   := -lbpf -lelf -lz -lmnl
BPF_CFLAGS := -g -O2 -target bpf -Wall -Werror -I$(ARCH_INC) -Imaps

BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(OUT)/%.bpf.o,$(BPF_SRCS))
SKELS    := $(patsubst bpf/%.bpf.c,$(OUT)/%.skel.h,$(BPF_SRCS))
LIB_SRCS := $(wildcard loader/*.c)
LIB_OBJS := $(patsubst loader/%.c,$(OUT)/loader/%.o,$(LIB_SRCS))
TOOL_SRCS := $(wildcard tools/cli/*.c tools/docker/*.c)
# The Docker driver (`ebnet docker-plugin`) lives in the ebnet binary: one
# program to install, and the systemd unit runs it; only it links these.
TOOL_LDLIBS := -lmicrohttpd -ljansson -lpthread
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(OUT)/tests/%,$(UNIT_SRCS))
HDRS     := $(wildcard maps/*.h loader/*.h bpf/lib/*.h)

.DELETE_ON_ERROR:
# Objects and skeletons stay: the unit tests include the skeletons too.
.SECONDARY: $(BPF_OBJS) $(SKELS)
.PHONY: all test unit e2e demo deps clean bench install

all: $(OUT)/ebnet $(OUT)/ebnet-cni $(UNIT_BINS)

$(OUT) $(OUT)/loader $(OUT)/tests:
	$(Q)mkdir -p $@

$(OUT)/%.bpf.o: bpf/%.bpf.c $(HDRS) | $(OUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUT)/%.skel.h: $(OUT)/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

# The datapath's identity: `ebnet up` replaces the programs of a running
# network when it differs (upgrade in place), and keeps its maps.
$(OUT)/build_id.h: $(BPF_OBJS)
	$(call msg,GEN,$@)
	$(Q)printf '#define EB_BUILD_ID "%s"\n' "$$(cat $^ | sha256sum | cut -c1-16)" > $@.tmp
	$(Q)cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@

$(OUT)/loader/%.o: loader/%.c $(HDRS) $(SKELS) $(OUT)/build_id.h | $(OUT)/loader
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(OUT)/libebnet.a: $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(OUT)/ebnet: $(TOOL_SRCS) $(wildcard tools/cli/*.h tools/docker/*.h) $(OUT)/libebnet.a $(HDRS)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(TOOL_SRCS) $(OUT)/libebnet.a $(LDLIBS) $(TOOL_LDLIBS) -o $@

# The CNI plugin: the same library, JSON through jansson.
CNI_SRCS := $(wildcard tools/cni/*.c)
$(OUT)/ebnet-cni: $(CNI_SRCS) tools/cni/cni.h $(OUT)/libebnet.a $(HDRS)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(CNI_SRCS) $(OUT)/libebnet.a $(LDLIBS) -ljansson -o $@

PREFIX  ?= /usr/local
CNI_BIN ?= /opt/cni/bin
install: $(OUT)/ebnet $(OUT)/ebnet-cni
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX)/sbin/ebnet $(DESTDIR)$(CNI_BIN)/ebnet)
	$(Q)install -D -m 0755 $(OUT)/ebnet $(DESTDIR)$(PREFIX)/sbin/ebnet
	$(Q)install -D -m 0755 $(OUT)/ebnet-cni $(DESTDIR)$(CNI_BIN)/ebnet

# The unit tests' one fixture (tests/unit/fixture.h), its parts
# (tests/unit/fixture.c, fixture_*.c) compiled once and linked into every
# unit test.
FIXTURE_SRCS := $(wildcard tests/unit/fixture*.c)
FIXTURE_OBJS := $(patsubst tests/unit/%.c,$(OUT)/tests/%.o,$(FIXTURE_SRCS))
$(FIXTURE_OBJS): $(OUT)/tests/%.o: tests/unit/%.c tests/unit/fixture.h tests/unit/fixture_int.h $(HDRS) $(SKELS) | $(OUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itests/unit -c $< -o $@

$(OUT)/tests/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(FIXTURE_OBJS) $(OUT)/libebnet.a $(HDRS) $(SKELS) | $(OUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itests/unit $< $(FIXTURE_OBJS) $(OUT)/libebnet.a $(LDLIBS) -o $@

test: all
	$(Q)tests/run.sh

unit: all
	$(Q)tests/run.sh unit

e2e: all
	$(Q)tests/run.sh e2e

# tools/demo.sh installs what is missing (tools/install-deps.sh) and builds
# first: on a fresh machine `make demo` is the one command to run.
demo:
	$(Q)tools/demo.sh

deps:
	$(Q)tools/install-deps.sh

clean:
	$(Q)rm -rf $(OUT)

# QUICK=1: one short round of each workload, to prove the harness works.
bench: all
	$(Q)QUICK=$(QUICK) bench/run.sh

# libFuzzer on the CLI's parsers (needs clang and libclang-rt-14-dev), for
# FUZZ_TIME seconds (default 20); tests/e2e/hard_fuzz.sh runs it in `make test`.
.PHONY: fuzz
fuzz:
	$(Q)tests/fuzz/run.sh $(FUZZ_TIME)
