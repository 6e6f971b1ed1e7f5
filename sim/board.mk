# sim/board.mk — q2mlp-board-sim (the Verilator model of rtl/link/accel_top.v behind a socket), the
# lint of the UART/protocol modules, and the host benchmark (docs/host.md).
#
#   make build/bin/q2mlp-board-sim   verilate accel_top (+ the core, found in rtl/ by module name)
#   make lint-top                    verilator -Wall: uart_rx, uart_tx, crc16, tx_fifo, proto (proto_dec,
#                                    proto_exec), accel_top, and the board sim's top with either core
#   make bench-host                  images/s and line utilization through the simulated board
#
# Knobs: the simulated board is built for one clock / clocks-per-bit pair (the INFO reply carries
# BOARD_SIM_CLOCK_HZ; q2mlp-board-sim --baud/--clock-hz must agree). 4 clocks per bit keeps the
# simulation fast: 3 Mbaud at 12 MHz. The core must hold the test models (paper: 784-512-512-10,
# 32 lanes, 169,984 weight bytes). BOARD_CORE=bfm swaps in the behavioural core of
# sim/board_core_bfm.v (protocol work without the real core). BOARD_SIM_TRACE=1 adds --trace.

BOARD_SIM_CPB      ?= 4
BOARD_SIM_CLOCK_HZ ?= 12000000
BOARD_SIM_LANES    ?= 32
# the memories of the largest board (rtl/boards/capacities.tbl), which hold the paper preset
BOARD_SIM_WMEM     ?= $(call board_cap,ulx3s-85k,WMEM_BYTES)
BOARD_SIM_PMEM     ?= $(call board_cap,ulx3s-85k,PMEM_NEURONS)
BOARD_SIM_ABUF     ?= $(call board_cap,ulx3s-85k,ABUF_BYTES)
BOARD_SIM_TRACE    ?= 0
BOARD_CORE         ?= rtl
CXX                ?= g++

# BOARD_SIM_TAG names a second build beside the default one (make bench-host builds one per
# clock / clocks-per-bit pair: build/bin/q2mlp-board-sim-<tag>).
BOARD_SIM_TAG ?=
BOARD_SIM     := $(BIN)/q2mlp-board-sim$(if $(BOARD_SIM_TAG),-$(BOARD_SIM_TAG))
BOARD_SIM_DIR := $(BUILD)/obj/board_sim$(if $(BOARD_SIM_TAG),-$(BOARD_SIM_TAG))
VERILATOR_ROOT_DIR := $(shell $(VERILATOR) --getenv VERILATOR_ROOT 2>/dev/null)

BOARD_SIM_GPARAMS := -GLANES=$(BOARD_SIM_LANES) -GCLKS_PER_BIT=$(BOARD_SIM_CPB) \
                     -GCLOCK_HZ=$(BOARD_SIM_CLOCK_HZ) -GWMEM_BYTES=$(BOARD_SIM_WMEM) \
                     -GPMEM_NEURONS=$(BOARD_SIM_PMEM) -GABUF_BYTES=$(BOARD_SIM_ABUF)
BOARD_SIM_CORE_SRC := $(if $(filter bfm,$(BOARD_CORE)),sim/board_core_bfm.v)
BOARD_SIM_VFLAGS := --cc --Mdir $(BOARD_SIM_DIR) --top-module accel_top -Irtl/core -Irtl/link -Irtl/boards -Isim/models \
                    $(CODES_INC) -O3 --x-assign unique --x-initial unique -Wall rtl/lint_waivers.vlt \
                    $(if $(filter 1,$(BOARD_SIM_TRACE)),--trace) $(BOARD_SIM_GPARAMS)
# The configuration is part of the build: a change of knobs re-verilates.
BOARD_SIM_CONFIG := $(BOARD_SIM_VFLAGS) core=$(BOARD_CORE)
BOARD_SIM_VOBJS  := $(BOARD_SIM_DIR)/Vaccel_top__ALL.a $(BOARD_SIM_DIR)/verilated.o \
                    $(BOARD_SIM_DIR)/verilated_threads.o \
                    $(if $(filter 1,$(BOARD_SIM_TRACE)),$(BOARD_SIM_DIR)/verilated_vcd_c.o)
BOARD_SIM_CXXFLAGS := -O2 -g -std=c++14 -I$(BOARD_SIM_DIR) -I$(VERILATOR_ROOT_DIR)/include \
                      -I$(VERILATOR_ROOT_DIR)/include/vltstd -DVM_TRACE=$(BOARD_SIM_TRACE)

.PHONY: lint-top bench-host FORCE_BOARD_SIM
FORCE_BOARD_SIM:

$(BOARD_SIM_DIR)/config.txt: FORCE_BOARD_SIM
	@mkdir -p $(@D)
	@echo '$(BOARD_SIM_CONFIG)' | cmp -s - $@ || echo '$(BOARD_SIM_CONFIG)' > $@

$(BOARD_SIM_DIR)/Vaccel_top.mk: $(BOARD_RTL) $(CODES_VH) $(BOARD_SIM_CORE_SRC) rtl/lint_waivers.vlt \
                                $(BOARD_SIM_DIR)/config.txt
	@echo "verilator accel_top (LANES=$(BOARD_SIM_LANES), $(BOARD_SIM_CPB) clocks/bit, core=$(BOARD_CORE)) -> $(@D)"
	@rm -rf $(BOARD_SIM_DIR)/V* && $(VERILATOR) $(BOARD_SIM_VFLAGS) $(BOARD_SIM_CORE_SRC) rtl/link/accel_top.v \
	    > $(BOARD_SIM_DIR)/verilator.log 2>&1 || { cat $(BOARD_SIM_DIR)/verilator.log; exit 1; }

$(BOARD_SIM_DIR)/Vaccel_top__ALL.a: $(BOARD_SIM_DIR)/Vaccel_top.mk
	@$(MAKE) --no-print-directory -s -C $(BOARD_SIM_DIR) -f Vaccel_top.mk OPT_FAST=-O2 \
	    Vaccel_top__ALL.a $(notdir $(filter %.o,$(BOARD_SIM_VOBJS))) > $(BOARD_SIM_DIR)/make.log 2>&1 || \
	    { tail -n 30 $(BOARD_SIM_DIR)/make.log; exit 1; }
$(filter %.o,$(BOARD_SIM_VOBJS)): $(BOARD_SIM_DIR)/Vaccel_top__ALL.a

$(BOARD_SIM_DIR)/board_shim.o: sim/board_shim.cpp sim/board_shim.h $(BOARD_SIM_DIR)/Vaccel_top__ALL.a
	$(CXX) $(BOARD_SIM_CXXFLAGS) -c $< -o $@
$(BOARD_SIM_DIR)/board_sim.o: sim/board_sim.c sim/board_shim.h sw/host/host.h sw/host/tty_baud.h $(CODES_H) $(BOARD_SIM_DIR)/config.txt
	@mkdir -p $(@D)
	$(CC) $(CSTD) $(CFLAGS) -Isw $(CODES_INC) -DBOARD_SIM_CPB=$(BOARD_SIM_CPB) -DBOARD_SIM_CLOCK_HZ=$(BOARD_SIM_CLOCK_HZ) \
	    -c $< -o $@

$(BOARD_SIM): $(BOARD_SIM_DIR)/board_sim.o $(BOARD_SIM_DIR)/board_shim.o $(BOARD_SIM_VOBJS)
	@mkdir -p $(@D)
	$(CXX) -o $@ $^ -lpthread

ALL_TARGETS += $(BOARD_SIM)
TEST_DEPS   += $(BOARD_SIM)

# ---- lint: every module of the host link, over its parameter sets ---------------------------------
# The last two are what q2mlp-board-sim verilates (the same -Wall and waivers as its build), with
# either core: BOARD_CORE=rtl and BOARD_CORE=bfm.
TOP_LINT = $(VERILATOR) --lint-only -Wall -Irtl/core -Irtl/link -Irtl/boards -Isim/models $(CODES_INC) \
           rtl/lint_waivers.vlt

lint-top: $(CODES_VH)
	@set -e; for c in 3 4 5 12 16 20; do \
	    $(TOP_LINT) --top-module uart_rx -GCLKS_PER_BIT=$$c rtl/link/uart_rx.v; \
	    $(TOP_LINT) --top-module uart_tx -GCLKS_PER_BIT=$$c rtl/link/uart_tx.v; \
	done; \
	$(TOP_LINT) --top-module crc16 rtl/link/crc16.v; \
	for d in 64 512 4096; do $(TOP_LINT) --top-module tx_fifo -GDEPTH=$$d rtl/link/tx_fifo.v; done; \
	for p in "-GRXBUF_BYTES=2048 -GMAX_PAYLOAD=1019" \
	         "-GRXBUF_BYTES=4096 -GMAX_PAYLOAD=2043 -GCLKS_PER_BIT=20" \
	         "-GRXBUF_BYTES=512 -GMAX_PAYLOAD=16 -GTIMEOUT_BITS=64 -GWATCHDOG_LOG2=16"; do \
	    $(TOP_LINT) --top-module proto $$p rtl/link/proto.v; \
	done; \
	for l in 8 16 32; do \
	    $(TOP_LINT) --top-module accel_top -GLANES=$$l -GCLKS_PER_BIT=16 -GCLOCK_HZ=48000000 rtl/link/accel_top.v; \
	    $(TOP_LINT) --top-module accel_top -GLANES=$$l '-GMEM_TECH="ICE40"' rtl/link/accel_top.v; \
	done; \
	$(TOP_LINT) --top-module accel_top $(BOARD_SIM_GPARAMS) rtl/link/accel_top.v; \
	$(TOP_LINT) --top-module accel_top $(BOARD_SIM_GPARAMS) sim/board_core_bfm.v rtl/link/accel_top.v
	@echo "lint-top: uart_rx, uart_tx (3/4/5/12/16/20 clocks per bit), crc16, tx_fifo (64/512/4096), proto (3 sets), accel_top (LANES 8/16/32;" \
	    "the board sim's set with the core and with sim/board_core_bfm.v): clean"

LINT_STEPS += lint-top

# ---- bench-host: the up5k preset through simulated iCEBreakers (key=value lines) -----------------
# One board sim per design clock and line rate, with the iCEBreaker's memories (capacities.tbl):
# TAG:CLOCK_HZ:BAUD:STATUS (sim/board_bench.sh). 42 MHz is the clock the UP5K build meets (8 of 8
# seeds, docs/boards.md); 12 Mbaud needs 36 or 48 MHz (whole clocks per bit); 48 MHz is simulated
# only. The model must be built (make run-50-up5k); the paper preset does not fit the UP5K's 128 KB of weights, so it has no line here.
BENCH_HOST_IMAGES ?= 1000
BENCH_HOST_MODEL  ?= $(BUILD)/models/up5k.q2
BENCH_HOST_SIMS   ?= 42m3:42000000:3000000:closes_8of8 \
                     36m12:36000000:12000000:below_the_42MHz_that_closes_8of8 \
                     48m12:48000000:12000000:simulated_design_clock_the_UP5K_does_not_close_yet
BENCH_SIM_CAPS    := BOARD_SIM_WMEM=$(call board_cap,icebreaker,WMEM_BYTES) \
                     BOARD_SIM_PMEM=$(call board_cap,icebreaker,PMEM_NEURONS) \
                     BOARD_SIM_ABUF=$(call board_cap,icebreaker,ABUF_BYTES)

bench-host: $(BIN)/q2mlp-host
	@set -e; for c in $(BENCH_HOST_SIMS); do \
	    IFS=: read -r tag hz baud status <<<"$$c"; \
	    $(MAKE) --no-print-directory BOARD_SIM_TAG=$$tag BOARD_SIM_CLOCK_HZ=$$hz BOARD_SIM_CPB=$$((hz / baud)) \
	        $(BENCH_SIM_CAPS) $(BIN)/q2mlp-board-sim-$$tag; \
	done
	@BUILD=$(BUILD) BIN=$(BIN) MNIST_DIR=$(MNIST_DIR) sim/board_bench.sh $(BENCH_HOST_MODEL) $(BENCH_HOST_IMAGES) \
	    $(BENCH_HOST_SIMS)

BENCH_STEPS += bench-host
