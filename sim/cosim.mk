# sim/cosim.mk — the Verilator testbenches of the accelerator core (harness logic in C):
#
#   build/bin/q2mlp-cosim   accel_core (COSIM_* sizes: enough for paper.q2) vs q2_qmodel_forward_ref:
#                           --model X.q2 --images F --labels F [--limit N] [--trace FILE.fst] [--seed N]
#   build/sim/rtl-unit      the block and core unit tests (sim/rtl_unit.c on sim/tb_unit.v: four
#                           cores with LANES 8/16/32/64, one with iCE40 SPRAM weights, and the blocks)
#   make run-40-cosim       the cosimulation over all 10,000 test images of build/models/paper.q2
#
# Both models are verilated with -O3 --x-assign unique --x-initial unique, so
# +verilator+rand+reset+2 +verilator+seed+N on the command line randomize every unreset bit.
# The cosim model is built with --trace-fst (a trace is written only with --trace FILE.fst);
# the unit model only when RTL_UNIT_TRACE=1.

COSIM_LANES ?= 32
# the memories of the largest board (rtl/boards/capacities.tbl), which hold the paper preset
COSIM_WMEM  ?= $(call board_cap,ulx3s-85k,WMEM_BYTES)
COSIM_PMEM  ?= $(call board_cap,ulx3s-85k,PMEM_NEURONS)
COSIM_ABUF  ?= $(call board_cap,ulx3s-85k,ABUF_BYTES)
CXX         ?= g++
VERILATOR_JOBS ?= 2

COSIM      := $(BIN)/q2mlp-cosim
RTL_UNIT   := $(BUILD)/sim/rtl-unit
COSIM_DIR  := $(BUILD)/obj/cosim
UNIT_DIR   := $(BUILD)/obj/rtl_unit
SIM_OBJ    := $(BUILD)/obj/sim
VROOT      := $(shell $(VERILATOR) --getenv VERILATOR_ROOT 2>/dev/null)
SIM_VFLAGS := --cc -O3 --x-assign unique --x-initial unique -Wall -Irtl/core -Irtl/link -Irtl/boards -Isim/models \
              $(CODES_INC) rtl/lint_waivers.vlt
SIM_CFLAGS := $(SW_CFLAGS) -Isim
SIM_CXXFLAGS = -O2 -std=c++14 -Isw -Isim -I$(VROOT)/include -I$(VROOT)/include/vltstd
SIM_C_OBJS := $(SIM_OBJ)/testb.o $(SIM_OBJ)/core_drv.o $(SIM_OBJ)/core_check.o

COSIM_GPARAMS := -GLANES=$(COSIM_LANES) -GWMEM_BYTES=$(COSIM_WMEM) -GPMEM_NEURONS=$(COSIM_PMEM) \
                 -GABUF_BYTES=$(COSIM_ABUF)
RTL_UNIT_TRACE ?= 0
UNIT_TRACE_FLAG := $(if $(filter 1,$(RTL_UNIT_TRACE)),--trace-fst)

.PHONY: run-40-cosim FORCE_COSIM
FORCE_COSIM:

# ---- C objects ---------------------------------------------------------------------------------
$(SIM_OBJ)/%.o: sim/%.c | $(CODES_H)
	@mkdir -p $(@D)
	$(CC) $(SIM_CFLAGS) -c $< -o $@

# ---- the cosim model -----------------------------------------------------------------------------
# The build is a function of its flags: a change rewrites config.txt and re-verilates.
$(COSIM_DIR)/config.txt: FORCE_COSIM
	@mkdir -p $(@D)
	@echo '$(SIM_VFLAGS) --trace-fst $(COSIM_GPARAMS)' | cmp -s - $@ || \
	    echo '$(SIM_VFLAGS) --trace-fst $(COSIM_GPARAMS)' > $@
$(COSIM_DIR)/Vaccel_core.mk: $(RTL_CORE_SRCS) $(CODES_VH) rtl/lint_waivers.vlt $(COSIM_DIR)/config.txt
	@echo "verilator accel_core (LANES=$(COSIM_LANES), WMEM_BYTES=$(COSIM_WMEM)) -> $(@D)"
	@rm -rf $(@D)/V* && $(VERILATOR) $(SIM_VFLAGS) --trace-fst $(COSIM_GPARAMS) --Mdir $(@D) \
	    --top-module accel_core $(RTL_CORE_SRCS) > $(@D)/verilator.log 2>&1 || \
	    { cat $(@D)/verilator.log; exit 1; }
$(COSIM_DIR)/Vaccel_core__ALL.a: $(COSIM_DIR)/Vaccel_core.mk
	@$(MAKE) --no-print-directory -s -C $(@D) -f Vaccel_core.mk -j$(VERILATOR_JOBS) OPT_FAST=-O3 OPT_SLOW=-O1 \
	    OPT_GLOBAL=-O2 Vaccel_core__ALL.a verilated.o verilated_threads.o verilated_fst_c.o \
	    > $(@D)/make.log 2>&1 || { tail -n 30 $(@D)/make.log; exit 1; }
$(COSIM_DIR)/core_shim.o: sim/core_shim.cpp sim/vshim.inc sim/vshim.h $(COSIM_DIR)/Vaccel_core__ALL.a
	$(CXX) $(SIM_CXXFLAGS) -I$(COSIM_DIR) -DVM_TRACE=1 -DVM_TRACE_FST=1 -c $< -o $@

$(COSIM): $(SIM_OBJ)/cosim.o $(SIM_C_OBJS) $(COSIM_DIR)/core_shim.o $(COSIM_DIR)/Vaccel_core__ALL.a $(call sw_lib,qmodel) $(call sw_lib,base)
	@mkdir -p $(@D)
	$(CXX) -o $@ $(SIM_OBJ)/cosim.o $(SIM_C_OBJS) $(COSIM_DIR)/core_shim.o $(COSIM_DIR)/Vaccel_core__ALL.a \
	    $(COSIM_DIR)/verilated.o $(COSIM_DIR)/verilated_threads.o $(COSIM_DIR)/verilated_fst_c.o \
	    $(call sw_link,qmodel base)

# ---- the unit-test model ---------------------------------------------------------------------------
$(UNIT_DIR)/config.txt: FORCE_COSIM
	@mkdir -p $(@D)
	@echo '$(SIM_VFLAGS) $(UNIT_TRACE_FLAG)' | cmp -s - $@ || echo '$(SIM_VFLAGS) $(UNIT_TRACE_FLAG)' > $@
UNIT_LINK_SRCS := rtl/link/uart_rx.v rtl/link/uart_tx.v
$(UNIT_DIR)/Vtb_unit.mk: $(RTL_CORE_SRCS) $(UNIT_LINK_SRCS) $(CODES_VH) $(RTL_SIM_MODELS) sim/tb_unit.v rtl/lint_waivers.vlt \
                         $(UNIT_DIR)/config.txt
	@echo "verilator tb_unit (accel_core x 5, blocks) -> $(@D)"
	@rm -rf $(@D)/V* && $(VERILATOR) $(SIM_VFLAGS) $(UNIT_TRACE_FLAG) --Mdir $(@D) --top-module tb_unit \
	    $(RTL_CORE_SRCS) $(UNIT_LINK_SRCS) $(RTL_SIM_MODELS) sim/tb_unit.v > $(@D)/verilator.log 2>&1 || \
	    { cat $(@D)/verilator.log; exit 1; }
$(UNIT_DIR)/Vtb_unit__ALL.a: $(UNIT_DIR)/Vtb_unit.mk
	@$(MAKE) --no-print-directory -s -C $(@D) -f Vtb_unit.mk -j$(VERILATOR_JOBS) OPT_FAST=-O1 OPT_SLOW=-O0 \
	    OPT_GLOBAL=-O1 Vtb_unit__ALL.a verilated.o verilated_threads.o \
	    $(if $(filter 1,$(RTL_UNIT_TRACE)),verilated_fst_c.o) > $(@D)/make.log 2>&1 || \
	    { tail -n 30 $(@D)/make.log; exit 1; }
$(UNIT_DIR)/unit_shim.o: sim/unit_shim.cpp sim/vshim.inc sim/vshim.h $(UNIT_DIR)/Vtb_unit__ALL.a
	$(CXX) $(SIM_CXXFLAGS) -I$(UNIT_DIR) -DVM_TRACE=$(RTL_UNIT_TRACE) -DVM_TRACE_FST=$(RTL_UNIT_TRACE) -c $< -o $@

$(RTL_UNIT): $(SIM_OBJ)/rtl_unit.o $(SIM_C_OBJS) $(UNIT_DIR)/unit_shim.o $(UNIT_DIR)/Vtb_unit__ALL.a $(call sw_lib,qmodel) $(call sw_lib,base)
	@mkdir -p $(@D)
	$(CXX) -o $@ $(SIM_OBJ)/rtl_unit.o $(SIM_C_OBJS) $(UNIT_DIR)/unit_shim.o $(UNIT_DIR)/Vtb_unit__ALL.a \
	    $(UNIT_DIR)/verilated.o $(UNIT_DIR)/verilated_threads.o \
	    $(if $(filter 1,$(RTL_UNIT_TRACE)),$(UNIT_DIR)/verilated_fst_c.o) $(call sw_link,qmodel base)

-include $(wildcard $(SIM_OBJ)/*.d)

ALL_TARGETS += $(COSIM)
TEST_DEPS   += $(COSIM) $(RTL_UNIT)

# ---- make run: all 10,000 test images of the paper model ------------------------------------------
# build/run/40-cosim.txt (`make run-40-cosim`): redone when the model or the simulator (the RTL)
# changes. build/report/cosim.txt keeps the figures line.
PAPER_Q2 ?= $(BUILD)/models/paper.q2
RUN_STAGES += $(RUN_DIR)/40-cosim.txt
run-40-cosim: $(RUN_DIR)/40-cosim.txt
$(REPORT)/cosim.txt $(RUN_DIR)/40-cosim.txt &: $(PAPER_Q2) $(COSIM) | $(MNIST_DIR)/.verified
	$(call stage_begin,40-cosim,$(PAPER_Q2) on the accel_core model (LANES=$(COSIM_LANES)) on all 10000 test images)
	@mkdir -p $(BUILD)/logs $(REPORT)
	@set -o pipefail; $(COSIM) --model $(PAPER_Q2) --images $(TEST_IMAGES) --labels $(TEST_LABELS) \
	    --seed 1 2>&1 | tee $(BUILD)/logs/cosim.log
	@grep '^images=' $(BUILD)/logs/cosim.log > $(REPORT)/cosim.txt.tmp && mv $(REPORT)/cosim.txt.tmp $(REPORT)/cosim.txt
	$(call stage_end,40-cosim,$$(sed 's/ sim_cycles_per_s=[0-9]*//' $(REPORT)/cosim.txt))
