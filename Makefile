# eptlab: one flat Makefile.
#
#   make            build build/eptlab.iso (hypervisor + guest module)
#   make run        boot the demo on the best engine (ENGINE=auto|bochs|qemu-kvm)
#   make test       install missing deps, run every test, "N passed, N failed"
#   make debug      Bochs stopped in its debugger (magic breakpoints on)
#   make unit       host unit tests only (cmocka, ASan + UBSan)
#   make clean
#
# Variables: BUILD (output dir), HVARGS (hypervisor options), GUEST (guest
# kernel file to boot instead of build/guest/guest.bin), GUESTARGS (the
# guest's Multiboot command line), ENGINE.

BUILD   ?= build
# `make` alone builds the ISO (the first rule below would otherwise win).
.DEFAULT_GOAL := all
HVARGS  ?=
GUESTARGS ?=
ENGINE  ?= auto
GUEST   ?= $(BUILD)/guest/guest.bin

CC      := gcc
LD      := ld
NASM    := nasm
OBJCOPY := objcopy
HOSTCC  ?= gcc

INCLUDES := -Iinclude -Imm -Iept -Ivmx -Ihv

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

NASMFLAGS := -f elf64 -g -Iinclude/ -Ihv/

# ---------------------------------------------------------------- hypervisor
HV_C   := $(wildcard hv/*.c vmx/*.c ept/*.c mm/*.c)
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
# The guest kernel reuses the paging engine, frame allocator and the
# formatter; it is built with its own flags and objects.
GUEST_C   := $(wildcard guest/*.c) mm/paging.c mm/pt_x86.c mm/frame.c \
             mm/errname.c hv/fmt.c hv/string.c
GUEST_ASM := $(wildcard guest/*.asm)
GUEST_OBJ := $(patsubst %.c,$(BUILD)/guest-obj/%.o,$(GUEST_C)) \
             $(patsubst %.asm,$(BUILD)/guest-obj/%.o,$(GUEST_ASM))

$(BUILD)/guest-obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(KCFLAGS) -DEPTLAB_GUEST -Iguest -c $< -o $@

$(BUILD)/guest-obj/%.o: %.asm
	@mkdir -p $(dir $@)
	$(NASM) $(NASMFLAGS) -Iguest/ -MD $(@:.o=.d) -MP $< -o $@

$(BUILD)/guest/guest.elf: $(GUEST_OBJ) guest/linker.ld
	@mkdir -p $(dir $@)
	$(LD) -n -T guest/linker.ld -z max-page-size=0x1000 -o $@ $(GUEST_OBJ)

# The bootable guest: a flat image loaded by the Multiboot v1 header's
# address fields (QEMU's -kernel refuses x86-64 ELF; docs/guest.md).
$(BUILD)/guest/guest.bin: $(BUILD)/guest/guest.elf
	$(OBJCOPY) -O binary $< $@

# ---------------------------------------------------------------- ISO
# scripts/mkiso.sh writes grub.cfg with HVARGS and the guest module.
$(BUILD)/eptlab.iso: $(BUILD)/eptlab.elf $(GUEST) scripts/mkiso.sh FORCE
	scripts/mkiso.sh $@ $(BUILD)/eptlab.elf "$(GUEST)" "$(HVARGS)" "$(GUESTARGS)"

.PHONY: all run test debug unit bench clean deps guest FORCE
all: $(BUILD)/guest/guest.bin $(BUILD)/eptlab.iso

guest: $(BUILD)/guest/guest.bin

deps:
	@scripts/install-deps.sh

run: deps
	@$(MAKE) --no-print-directory $(BUILD)/eptlab.iso
	scripts/run.sh $(ENGINE) $(BUILD)/eptlab.iso

debug: deps
	@$(MAKE) --no-print-directory $(BUILD)/eptlab.iso
	scripts/run-bochs.sh --debug $(BUILD)/eptlab.iso

# ---------------------------------------------------------------- host tests
UNIT_SRC   := $(wildcard tests/unit/test_*.c)
UNIT_BIN   := $(patsubst tests/unit/%.c,$(BUILD)/unit/%,$(UNIT_SRC))
# Pure-C modules the host tests link: mm/, ept/ and the pure parts of vmx/.
UNIT_LIB   := $(wildcard mm/*.c ept/*.c vmx/vmx_check.c vmx/vmx_ctl.c hv/mb1_loader.c hv/options.c) \
              $(wildcard tests/unit/sim_*.c)
UNIT_FLAGS := -std=gnu11 -O1 -g -fsanitize=address,undefined \
              -fno-sanitize-recover=all -fno-omit-frame-pointer \
              -Wall -Wextra -Werror -Wno-unused-parameter \
              $(INCLUDES) -Itests/unit -DEPTLAB_HOST_TEST

$(BUILD)/unit/%: tests/unit/%.c $(UNIT_LIB) $(wildcard mm/*.h ept/*.h include/*.h tests/unit/*.h)
	@mkdir -p $(dir $@)
	$(HOSTCC) $(UNIT_FLAGS) -o $@ $< $(UNIT_LIB) -lcmocka

unit: $(UNIT_BIN)
	@scripts/run-unit.sh $(UNIT_BIN)

test: deps
	@scripts/test.sh

clean:
	rm -rf $(BUILD)

FORCE:

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
