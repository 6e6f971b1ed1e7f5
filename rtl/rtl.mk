# rtl/rtl.mk — the accelerator core's sources and `make lint` over its supported parameter sets.
#
#   make lint-core   verilator --lint-only -Wall on accel_core for LANES 8/16/32/64 x memory
#                    sizes (small, board, simulation), MEM_TECH GENERIC; ICE40 for LANES 8..32 and
#                    ECP5 for LANES 8..128 x the 25F / 85F memories (with the SB_SPRAM256KA and
#                    DP16KD models of sim/models); plus the unit-test top
#                    sim/tb_unit.v. Waivers: rtl/lint_waivers.vlt (each with its reason).
#
# RTL_CORE_SRCS is the core and every submodule, one module per file (docs/accelerator.md).

# One file list per RTL folder (rtl/<folder>/<folder>.f), read by every tool: lint, the cosim,
# the unit tests, the board sim, the boards, the post-synthesis check.
rtl_f          = $(shell sed -e 's/#.*//' $(1))
RTL_CORE_SRCS := $(call rtl_f,rtl/core/core.f)
RTL_LINK_SRCS := $(call rtl_f,rtl/link/link.f)
# everything but the board tops (yosys keeps what the chosen top instantiates)
BOARD_RTL     := $(RTL_CORE_SRCS) $(RTL_LINK_SRCS) $(call rtl_f,rtl/boards/boards.f)
# the iCE40 syntheses leave out the ECP5's block RAM and multiplier wrappers: they are never instantiated there, and
# reading it shifts Yosys' internal names, which changes ABC's LUT mapping by ~16 LUTs (measured)
ICE40_RTL     := $(filter-out rtl/core/ebr_ecp5.v rtl/core/mul_ecp5.v,$(BOARD_RTL))
RTL_SIM_MODELS := sim/models/SB_SPRAM256KA.v sim/models/DP16KD.v sim/models/MULT18X18D.v

# The core's memories on each board: rtl/boards/capacities.tbl, their one home. Make reads it with
# $(call board_cap,BOARD,FIELD) (FIELD: WMEM_BYTES, PMEM_NEURONS or ABUF_BYTES); the board tops get
# it as build/gen/q2_caps.vh (their parameter defaults).
CAPS_TBL  := rtl/boards/capacities.tbl
CAPS_VH   := $(GEN_DIR)/q2_caps.vh
board_cap  = $(or $(shell awk -v b=$(1) -v f=$(2) 'sub(/\#.*/, "") >= 0 && $$1 == b { \
                 print $$(f == "WMEM_BYTES" ? 2 : f == "PMEM_NEURONS" ? 3 : f == "ABUF_BYTES" ? 4 : 99) }' \
                 $(CAPS_TBL)),$(error $(CAPS_TBL): no $(2) for board '$(1)'))
$(CAPS_VH): $(CAPS_TBL) rtl/boards/gen_caps.sh
	@mkdir -p $(@D)
	rtl/boards/gen_caps.sh $(CAPS_TBL) $@
RTL_LINT_LANES ?= 8 16 32 64
# memory sets: small (unit tests), board default, simulation (paper.q2), largest ABUF/PMEM
RTL_LINT_MEMS  ?= "-GWMEM_BYTES=8192 -GPMEM_NEURONS=256 -GABUF_BYTES=256" "" \
                  "-GWMEM_BYTES=$(call board_cap,ulx3s-85k,WMEM_BYTES) -GPMEM_NEURONS=$(call board_cap,ulx3s-85k,PMEM_NEURONS) -GABUF_BYTES=$(call board_cap,ulx3s-85k,ABUF_BYTES)" \
                  "-GWMEM_BYTES=1048576 -GPMEM_NEURONS=32768 -GABUF_BYTES=4096"
RTL_LINT = $(VERILATOR) --lint-only -Wall -Irtl/core -Irtl/link -Irtl/boards $(CODES_INC) rtl/lint_waivers.vlt

# ---- the code tables -> build/gen (GEN_DIR, CODES_INC: Makefile) ------------------------------------
# One table per folder that owns the codes (docs/architecture.md, "Codes"); each header is made
# from its table, with every other table read too, for =group.NAME references and so that no
# name is defined in two tables.
CODES_TABLES := rtl/core/codes.tbl rtl/link/codes.tbl
$(GEN_DIR)/q2_%_codes.vh: rtl/%/codes.tbl $(CODES_TABLES) rtl/core/gen_codes.sh
	@mkdir -p $(@D)
	rtl/core/gen_codes.sh vh $< $(filter-out $<,$(CODES_TABLES)) > $@.tmp && mv $@.tmp $@
$(GEN_DIR)/q2_%_codes.h: rtl/%/codes.tbl $(CODES_TABLES) rtl/core/gen_codes.sh
	@mkdir -p $(@D)
	rtl/core/gen_codes.sh h $< $(filter-out $<,$(CODES_TABLES)) > $@.tmp && mv $@.tmp $@
TEST_DEPS += $(CODES_VH) $(CODES_H)

.PHONY: lint-core
LINT_STEPS += lint-core

lint-core: $(CODES_VH)
	@set -e; n=0; \
	for l in $(RTL_LINT_LANES); do for m in $(RTL_LINT_MEMS); do \
	    $(RTL_LINT) --top-module accel_core -GLANES=$$l $$m $(RTL_CORE_SRCS); n=$$((n+1)); \
	done; done; \
	for l in 8 16 32; do \
	    $(RTL_LINT) --top-module accel_core -GLANES=$$l '-GMEM_TECH="ICE40"' $(RTL_CORE_SRCS) $(RTL_SIM_MODELS); \
	    n=$$((n+1)); \
	done; \
	for l in $(RTL_LINT_LANES) 128; do for m in "-GWMEM_BYTES=8192 -GPMEM_NEURONS=256 -GABUF_BYTES=256" \
	    "-GWMEM_BYTES=$(call board_cap,ulx3s-25k,WMEM_BYTES) -GPMEM_NEURONS=$(call board_cap,ulx3s-25k,PMEM_NEURONS)" \
	    "-GWMEM_BYTES=$(call board_cap,ulx3s-85k,WMEM_BYTES) -GPMEM_NEURONS=$(call board_cap,ulx3s-85k,PMEM_NEURONS)"; do \
	    $(RTL_LINT) --top-module accel_core -GLANES=$$l '-GMEM_TECH="ECP5"' $$m $(RTL_CORE_SRCS) $(RTL_SIM_MODELS); \
	    n=$$((n+1)); \
	done; done; \
	$(RTL_LINT) --top-module tb_unit $(RTL_CORE_SRCS) $(RTL_SIM_MODELS) sim/tb_unit.v; n=$$((n+1)); \
	echo "lint-core: $$n configurations clean (verilator -Wall)"
