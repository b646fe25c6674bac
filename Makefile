# eptlab: one flat Makefile.
#
#   make            build build/eptlab.iso (hypervisor + guest module)
#   make run        boot the demo on the best engine (ENGINE=auto|bochs|qemu-kvm)
#   make test       install missing deps, run every test, "N passed, N failed"
#                   (T="name glob ..." runs only those; tests/README.md)
#   make debug      Bochs stopped in its debugger (magic breakpoints on)
#   make unit       host unit tests only (cmocka, ASan + UBSan)
#   make check-rules  delete each VM-entry checker rule in turn; list any no
#                   unit test catches (tests/README.md)
#   make walk-diagram  the demo's 2D page walk as build/walk.svg
#                   (GUEST=linux: a Linux process's, build/walk-linux.svg)
#   make bench      Bochs cost figures -> table + build/bench.json (docs/benchmarks.md)
#   make bench-linux  the Linux boot under eptlab against bare Bochs (part of bench)
#   make linux      boot Debian's kernel + a busybox initramfs (docs/linux-guest.md)
#   make linux-artifacts  fetch the kernel and busybox, build the initramfs
#   make doc-figures  rewrite the figures README.md and docs/benchmarks.md
#                   quote from the demo run and `make bench`
#   make clean
#
# Variables: BUILD (output dir), HVARGS (hypervisor options), GUEST (guest
# kernel file to boot instead of build/guest/guest.bin), GUESTARGS (the
# guest's Multiboot command line), GUESTMODS (its Multiboot modules,
# FILE[:ARGS] ...), ENGINE, T (the tests `make test` runs),
# LINUX_KERNEL, LINUX_INITRD, LINUX_CMDLINE (make linux).

BUILD   ?= build
# `make` alone builds the ISO (the first rule below would otherwise win).
.DEFAULT_GOAL := all
HVARGS  ?=
GUESTARGS ?=
# Modules after the guest kernel, its Multiboot modules: FILE[:ARGS] ...
GUESTMODS ?=
ENGINE  ?= auto
GUEST   ?= $(BUILD)/guest/guest.bin

CC      := gcc
LD      := ld
NASM    := nasm
OBJCOPY := objcopy
HOSTCC  ?= gcc

# One include root: every include names its layer ("mm/paging.h").
INCLUDES := -I.

WARN     := -Wall -Wextra -Werror -Wmissing-prototypes -Wstrict-prototypes \
            -Wno-unused-parameter

# Freestanding x86-64 kernel code: no red zone (interrupts and VM exits
# push on the current stack), no SSE/x87 (never saved on exits), kernel
# code model (image in the top 2 GiB).
KCFLAGS  := -std=gnu11 -O2 -g -ffreestanding -fno-builtin -nostdlib \
            -fno-pic -fno-pie -mno-red-zone -mcmodel=kernel \
            -mgeneral-regs-only -mno-mmx -mno-sse -mno-sse2 \
            -fno-omit-frame-pointer -fno-asynchronous-unwind-tables \
            -fstack-protector-strong -mstack-protector-guard=global \
            $(WARN) $(INCLUDES) -MMD -MP

NASMFLAGS := -f elf64 -g -I./

# ---------------------------------------------------------------- hypervisor
HV_C   := $(wildcard hv/*.c hv/loader/*.c hv/dev/*.c hv/vcpu/*.c vmx/*.c ept/*.c mm/*.c lib/*.c)
HV_ASM := $(wildcard hv/*.asm vmx/*.asm)
HV_OBJ := $(patsubst %.c,$(BUILD)/hv-obj/%.o,$(HV_C)) \
          $(patsubst %.asm,$(BUILD)/hv-obj/%.o,$(HV_ASM))

$(BUILD)/hv-obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(KCFLAGS) -DEPTLAB_HV -c $< -o $@

$(BUILD)/hv-obj/%.o: %.asm
	@mkdir -p $(dir $@)
	$(NASM) $(NASMFLAGS) -MD $(@:.o=.d) -MP $< -o $@

$(BUILD)/eptlab.elf: $(HV_OBJ) hv/linker.ld
	$(LD) -n -T hv/linker.ld -z max-page-size=0x1000 -o $@ $(HV_OBJ)

# ---------------------------------------------------------------- guest
# The guest kernel is built from guest/, the shared runtime lib/ and the
# paging engine and frame allocator of mm/, with its own flags and objects.
GUEST_C   := $(wildcard guest/*.c lib/*.c) mm/paging.c mm/pt_x86.c mm/frame.c
GUEST_ASM := $(wildcard guest/*.asm)
GUEST_OBJ := $(patsubst %.c,$(BUILD)/guest-obj/%.o,$(GUEST_C)) \
             $(patsubst %.asm,$(BUILD)/guest-obj/%.o,$(GUEST_ASM))

$(BUILD)/guest-obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(KCFLAGS) -DEPTLAB_GUEST -c $< -o $@

$(BUILD)/guest-obj/%.o: %.asm
	@mkdir -p $(dir $@)
	$(NASM) $(NASMFLAGS) -MD $(@:.o=.d) -MP $< -o $@

$(BUILD)/guest/guest.elf: $(GUEST_OBJ) guest/linker.ld
	@mkdir -p $(dir $@)
	$(LD) -n -T guest/linker.ld -z max-page-size=0x1000 -o $@ $(GUEST_OBJ)

# The bootable guest: a flat image loaded by the Multiboot v1 header's
# address fields (QEMU's -kernel refuses x86-64 ELF; docs/guest.md).
$(BUILD)/guest/guest.bin: $(BUILD)/guest/guest.elf
	$(OBJCOPY) -O binary $< $@

# ---------------------------------------------------------------- test kernels
# A second guest for the boot tests: a plain ELF32 Multiboot v1 kernel
# (real program headers, no address fields), tests/kernels/.
$(BUILD)/tests/mini.o: tests/kernels/mini.asm
	@mkdir -p $(dir $@)
	$(NASM) -f elf32 $< -o $@

$(BUILD)/tests/mini.elf: $(BUILD)/tests/mini.o tests/kernels/mini.ld
	$(LD) -m elf_i386 -T tests/kernels/mini.ld -o $@ $<

# A minimal bzImage whose "kernel" checks the Linux 32-bit entry state
# (tests/kernels/linux_stub.asm, tests/boot/t_linux.sh).
$(BUILD)/tests/linux_stub.bzImage: tests/kernels/linux_stub.asm
	@mkdir -p $(dir $@)
	$(NASM) -f bin $< -o $@

# modcheck: a small freestanding C Multiboot v1 kernel (ELF32) that checks
# the modules it is given and writes the status it is asked for.
MODCHECK_CFLAGS := -m32 -std=gnu11 -O2 -ffreestanding -fno-builtin -nostdlib \
                   -fno-pic -fno-pie -fno-stack-protector -mno-sse \
                   -fno-asynchronous-unwind-tables $(WARN)

$(BUILD)/tests/modcheck.o: tests/kernels/modcheck.c
	@mkdir -p $(dir $@)
	$(CC) $(MODCHECK_CFLAGS) -c $< -o $@

$(BUILD)/tests/modcheck.elf: $(BUILD)/tests/modcheck.o tests/kernels/modcheck.ld
	$(LD) -m elf_i386 --no-warn-rwx-segments -T tests/kernels/modcheck.ld -o $@ $<

all: $(BUILD)/tests/mini.elf $(BUILD)/tests/modcheck.elf $(BUILD)/tests/linux_stub.bzImage

# ---------------------------------------------------------------- ISO
# scripts/mkiso.sh writes grub.cfg with HVARGS and the guest module.
# GUESTMODS words reach mkiso.sh through the shell: quote an ARGS that
# holds spaces (GUESTMODS='a.txt:"two words" b.bin').
$(BUILD)/eptlab.iso: $(BUILD)/eptlab.elf $(GUEST) scripts/mkiso.sh FORCE
	scripts/mkiso.sh $@ $(BUILD)/eptlab.elf "$(GUEST)" "$(HVARGS)" "$(GUESTARGS)" $(GUESTMODS)

.PHONY: all run test debug unit bench clean deps guest FORCE
all: $(BUILD)/guest/guest.bin $(BUILD)/eptlab.iso

guest: $(BUILD)/guest/guest.bin

deps:
	@scripts/install-deps.sh

run: deps
	@$(MAKE) --no-print-directory $(BUILD)/eptlab.iso
	scripts/run.sh $(ENGINE) $(BUILD)/eptlab.iso

# The 2D walk of the demo run (the guest's HC_TRANSLATE with the print
# flag) drawn as $(BUILD)/walk.svg; docs/two-level-translation.md.
.PHONY: walk-diagram
# GUEST=linux: the walk of the Linux process instead (linux/walkdemo.c),
# from a Linux boot like `make linux`'s, as $(BUILD)/walk-linux.svg;
# WALK_LOG=serial.log draws the walk of an earlier run without booting.
WALK_LOG ?=
walk-diagram: deps
ifeq ($(GUEST),linux)
	@$(MAKE) --no-print-directory GUEST=$(BUILD)/guest/guest.bin all linux-artifacts
	@$(MAKE) --no-print-directory GUEST=$(BUILD)/guest/guest.bin $(LINUX_DIR)/linux.iso
	python3 scripts/walk-diagram.py --iso $(LINUX_DIR)/linux.iso \
		--megs $(LINUX_MEGS) --timeout $(LINUX_TIMEOUT) \
		$(if $(WALK_LOG),--log $(WALK_LOG)) --out $(BUILD)/walk-linux.svg
else
	@$(MAKE) --no-print-directory $(BUILD)/eptlab.iso
	python3 scripts/walk-diagram.py --iso $(BUILD)/eptlab.iso \
		$(if $(WALK_LOG),--log $(WALK_LOG)) --out $(BUILD)/walk.svg
endif

debug: deps
	@$(MAKE) --no-print-directory $(BUILD)/eptlab.iso
	scripts/run-bochs.sh --debug $(BUILD)/eptlab.iso

# ---------------------------------------------------------------- Linux guest
# docs/linux-guest.md. `make linux-artifacts` fetches Debian's
# linux-image-cloud-amd64 and busybox-static (apt-get download, cached in
# $(BUILD)/linux) and builds the initramfs; `make linux` boots them under
# eptlab (Bochs, LINUX_MEGS of emulated RAM, guest_mem=256M, bounded by
# LINUX_TIMEOUT). LINUX_KERNEL=path / LINUX_INITRD=path boot other files;
# LINUX_CMDLINE replaces the default kernel command line (hv/vmm_linux.c).
LINUX_DIR     := $(BUILD)/linux
LINUX_KERNEL  ?= $(LINUX_DIR)/vmlinuz
LINUX_INITRD  ?= $(LINUX_DIR)/initramfs.cpio.gz
LINUX_CMDLINE ?=
LINUX_MEGS    ?= 1024
LINUX_TIMEOUT ?= 600
LINUX_HELPERS := $(patsubst linux/%.c,$(LINUX_DIR)/bin/%,$(wildcard linux/*.c))
# Static user programs without libc (linux/sys.h): raw system calls.
LINUX_UFLAGS  := -std=gnu11 -O2 -static -nostdlib -ffreestanding \
                 -fno-stack-protector -fno-pie -no-pie $(WARN) $(INCLUDES)

$(LINUX_DIR)/bin/%: linux/%.c linux/sys.h include/hypercall.h include/types.h
	@mkdir -p $(dir $@)
	$(CC) $(LINUX_UFLAGS) -o $@ $<

$(LINUX_DIR)/vmlinuz $(LINUX_DIR)/busybox:
	scripts/fetch-linux.sh $(LINUX_DIR)

$(LINUX_DIR)/initramfs.cpio.gz: $(LINUX_DIR)/busybox linux/init.sh \
		$(LINUX_HELPERS) scripts/mkinitramfs.sh
	scripts/mkinitramfs.sh $@ $(LINUX_DIR)/busybox linux/init.sh $(LINUX_HELPERS)

.PHONY: linux linux-artifacts
linux-artifacts: $(LINUX_KERNEL) $(LINUX_INITRD)

$(LINUX_DIR)/linux.iso: $(BUILD)/eptlab.elf $(LINUX_KERNEL) $(LINUX_INITRD) FORCE
	scripts/mkiso.sh $@ $(BUILD)/eptlab.elf $(LINUX_KERNEL) \
		"guest_mem=256M $(HVARGS)" "$(LINUX_CMDLINE)" $(LINUX_INITRD)

linux: deps
	@$(MAKE) --no-print-directory all linux-artifacts
	@$(MAKE) --no-print-directory $(LINUX_DIR)/linux.iso
	@RUN_TIMEOUT=$(LINUX_TIMEOUT) RUN_MEGS=$(LINUX_MEGS) \
		scripts/run.sh $(ENGINE) $(LINUX_DIR)/linux.iso

# ---------------------------------------------------------------- host tests
# Host objects are compiled once each into $(BUILD)/host-obj (unit tests)
# and $(BUILD)/fuzz-obj (libFuzzer), with -MMD -MP dependency files: a
# header edit recompiles exactly the objects that include it, and relinks
# the binaries built from them.
UNIT_SRC   := $(wildcard tests/unit/test_*.c)
UNIT_BIN   := $(patsubst tests/unit/%.c,$(BUILD)/unit/%,$(UNIT_SRC))
# Pure-C modules the host tests link: mm/, ept/, the pure parts of vmx/
# and hv/ (the guest loaders of hv/loader/, options, walker, audit), the
# device models of hv/dev/, the virtual-CPU policy core hv/vcpu/, and the
# simulated physical memory.
UNIT_LIB_SRC := $(wildcard mm/*.c ept/*.c vmx/vmx_check*.c vmx/vmx_ctl.c) \
                $(wildcard hv/loader/*.c hv/dev/*.c hv/vcpu/*.c) lib/errname.c lib/civil.c \
                hv/options.c hv/walk2d.c hv/audit.c hv/spp.c hv/tsc_calib.c \
                $(wildcard tests/unit/sim_*.c)
UNIT_LIB   := $(patsubst %.c,$(BUILD)/host-obj/%.o,$(UNIT_LIB_SRC))
UNIT_FLAGS := -std=gnu11 -O1 -g -fsanitize=address,undefined \
              -fno-sanitize-recover=all -fno-omit-frame-pointer \
              -Wall -Wextra -Werror -Wno-unused-parameter \
              $(INCLUDES) -DEPTLAB_HOST_TEST -MMD -MP

$(BUILD)/host-obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(HOSTCC) $(UNIT_FLAGS) -c $< -o $@

$(BUILD)/unit/%: $(BUILD)/host-obj/tests/unit/%.o $(UNIT_LIB)
	@mkdir -p $(dir $@)
	$(HOSTCC) $(UNIT_FLAGS) -o $@ $^ -lcmocka

# The VM-entry checker tests share a fixture (fake VMCS, caps, baselines).
VCHK_UNIT_BIN := $(filter $(BUILD)/unit/test_vmx_check%,$(UNIT_BIN))
$(VCHK_UNIT_BIN): $(BUILD)/host-obj/tests/unit/vchk_fixture.o

unit: $(UNIT_BIN)
	@scripts/run-unit.sh $(UNIT_BIN)

# Mutation check of the VM-entry checker's tests: deletes each rule site
# (return vchk_fail(...)) of vmx/vmx_check_*.c in turn, rebuilds and runs
# tests/unit/test_vmx_check*.c, and lists every site no test catches.
# CHECK_RULES_ARGS=-v also names the test that caught each site.
CHECK_RULES_ARGS ?=
.PHONY: check-rules
check-rules:
	@HOSTCC="$(HOSTCC)" UNIT_FLAGS="$(UNIT_FLAGS)" \
		scripts/check-rules.py --build $(BUILD) $(CHECK_RULES_ARGS)

# T="name glob ...": only those tests (globs reach scripts/test.sh as is).
T ?=
test: deps
	@set -f; scripts/test.sh $(T)

# ---------------------------------------------------------------- fuzzing
# libFuzzer harnesses (tests/fuzz/) over the pure parsers and the paging
# engine. `make fuzz` runs each for FUZZ_SECONDS on generated seeds
# (build/fuzz/corpus/NAME) and prints its execution count.
FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
FUZZ_NAMES   := mb1 linux options paging
FUZZ_BIN     := $(patsubst %,$(BUILD)/fuzz/fuzz_%,$(FUZZ_NAMES))
FUZZ_LIB_SRC := $(wildcard mm/*.c ept/*.c hv/loader/*.c) lib/errname.c \
                hv/options.c tests/unit/sim_phys.c
FUZZ_LIB     := $(patsubst %.c,$(BUILD)/fuzz-obj/%.o,$(FUZZ_LIB_SRC))
FUZZ_FLAGS   := -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined \
                -fno-sanitize-recover=all -fno-omit-frame-pointer \
                -Wall -Wextra -Werror -Wno-unused-parameter \
                $(INCLUDES) -DEPTLAB_HOST_TEST -MMD -MP

# -fsanitize=fuzzer instruments each object; libFuzzer's main() joins
# only at the link.
$(BUILD)/fuzz-obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -c $< -o $@

$(BUILD)/fuzz/fuzz_%: $(BUILD)/fuzz-obj/tests/fuzz/fuzz_%.o $(FUZZ_LIB)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $^

.PHONY: fuzz fuzz-build
fuzz-build: $(FUZZ_BIN)

fuzz: $(FUZZ_BIN)
	@tests/fuzz/run-fuzz.sh $(FUZZ_SECONDS) $(BUILD) $(FUZZ_NAMES)

# ---------------------------------------------------------------- bench
# docs/benchmarks.md: 3 Bochs runs (one per EPT leaf policy) + the host
# paging microbenchmark -> table on the terminal and $(BUILD)/bench.json.
BENCH_HOST_SRC := tests/bench/bench_paging.c mm/paging.c mm/pt_x86.c \
                  mm/frame.c lib/errname.c tests/unit/sim_phys.c
BENCH_HOST_OBJ := $(patsubst %.c,$(BUILD)/bench-obj/%.o,$(BENCH_HOST_SRC))

$(BUILD)/bench-obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(HOSTCC) -std=gnu11 -O2 $(WARN) $(INCLUDES) -DEPTLAB_HOST_TEST -MMD -MP \
		-c $< -o $@

$(BUILD)/bench/bench_paging: $(BENCH_HOST_OBJ)
	@mkdir -p $(dir $@)
	$(HOSTCC) -O2 -o $@ $^

bench: deps all $(BUILD)/bench/bench_paging linux-artifacts
	@BUILD=$(BUILD) scripts/bench.sh
	@BUILD=$(BUILD) scripts/bench-linux.sh --kernel $(LINUX_KERNEL) --initrd $(LINUX_INITRD)

# The Linux boot under eptlab against bare Bochs (scripts/bench-linux.sh,
# docs/benchmarks.md "Linux boot"); figures in $(BUILD)/bench-linux/ and,
# after `make bench`, under "linux" in $(BUILD)/bench.json.
.PHONY: bench-linux
bench-linux: deps all linux-artifacts
	@BUILD=$(BUILD) scripts/bench-linux.sh --kernel $(LINUX_KERNEL) --initrd $(LINUX_INITRD)

# The regions of README.md and docs/benchmarks.md between figures: markers,
# made from a real run (scripts/update-doc-figures.py): the demo (guest.bin,
# default options) and a `make bench` run. `make test` (doc-figures) fails
# while they differ from what the code gives.
.PHONY: doc-figures
doc-figures: deps all $(BUILD)/bench/bench_paging
	@scripts/mkiso.sh $(BUILD)/doc-figures/demo.iso $(BUILD)/eptlab.elf \
		$(BUILD)/guest/guest.bin "" "" >/dev/null
	@scripts/run-bochs.sh --log-dir $(BUILD)/doc-figures \
		$(BUILD)/doc-figures/demo.iso >/dev/null
	@BUILD=$(BUILD) scripts/bench.sh --out $(BUILD)/doc-figures/bench >/dev/null
	python3 scripts/update-doc-figures.py --write \
		--run $(BUILD)/doc-figures/serial.log \
		--bench $(BUILD)/doc-figures/bench/bench.json

clean:
	rm -rf $(BUILD)

FORCE:

# Objects are never intermediate: keep them, so that only what a header
# edit touches is rebuilt (make would otherwise delete them after linking).
.SECONDARY:

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
