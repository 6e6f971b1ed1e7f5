# rtl/boards.mk — the board builds (docs/boards.md): bitstreams, programming, synthesis reports,
# the resource/Fmax table and the post-synthesis netlist simulation.
#
#   make bitstream BOARD=icebreaker   yosys synth_ice40 -> nextpnr-ice40 (fails if it does not fit
#                                     or misses ICE40_MHZ) -> icepack: build/icebreaker/q2mlp.bin,
#                                     report.txt, critical_path.txt and the tool logs
#   make prog BOARD=icebreaker        iceprog (PROG=openfpgaloader: openFPGALoader)
#   make synth BOARD=ulx3s            yosys synth_ecp5 -> build/ulx3s/report.txt; nextpnr-ecp5 and
#                                     ecppack continue to q2mlp.bit when they are on PATH
#   make synth BOARD=icebreaker       yosys only: build/icebreaker/synth_report.txt
#   make report                       LANES 8/16/32 on both boards -> build/report/boards.md and the
#                                     README table (between the boards-table markers)
#   make postsynth                    the synthesized iCE40 core netlist vs the bit-exact model
#   make lint-boards                  verilator -Wall over the board tops (part of `make lint`)
#
# Knobs (all overridable): BOARD, LANES, ICE40_MHZ, ECP5_MHZ, PROG, and the tool names below.

NEXTPNR_ECP5   ?= nextpnr-ecp5
ECPPACK        ?= ecppack
IVERILOG       ?= iverilog
VVP            ?= vvp
OPENFPGALOADER ?= openFPGALoader
PROG           ?= default

BOARD        ?= icebreaker
LANES        ?= 32
ICE40_MHZ    ?= 27
ECP5_MHZ     ?= 60
REPORT_LANES ?= 8 16 32
BOARD_LIST   := icebreaker ulx3s

# One build folder per board and lane count: build/<board> for the default 32 lanes,
# build/<board>-l<LANES> otherwise.
BOARD_DIR ?= $(BUILD)/$(BOARD)$(if $(filter-out 32,$(LANES)),-l$(LANES))

# Everything in rtl/ but the board tops; yosys keeps what the chosen top instantiates.
BOARD_RTL      := $(filter-out rtl/top_%.v,$(wildcard rtl/*.v))
YOSYS_DATDIR   ?= $(shell yosys-config --datdir 2>/dev/null || echo /usr/share/yosys)

# The build is a function of these; a change rewrites config.txt and so rebuilds.
BOARD_CONFIG = board=$(BOARD) lanes=$(LANES) ice40_mhz=$(ICE40_MHZ) ecp5_mhz=$(ECP5_MHZ) \
               allow_fail=$(PNR_ALLOW_FAIL)

.PHONY: bitstream synth prog report postsynth lint-boards board-check FORCE
FORCE:

# yosys does not run the tops' `initial` parameter checks, so the clocks are checked here too.
board-check:
	@case " $(BOARD_LIST) " in *" $(BOARD) "*) ;; \
	 *) echo "boards.mk: unknown BOARD '$(BOARD)' (have: $(BOARD_LIST))" >&2; exit 1;; esac
	@m=$(ICE40_MHZ); [ "$(BOARD)" != icebreaker ] || { [ "$$m" -ge 24 ] && [ "$$m" -le 66 ] && [ $$((m % 3)) -eq 0 ]; } 2>/dev/null || \
	 { echo "boards.mk: ICE40_MHZ=$(ICE40_MHZ): need a multiple of 3 in 24..66 (PLL, whole clocks per bit at 3 Mbaud)" >&2; exit 1; }
	@case "$(BOARD):$(ECP5_MHZ)" in ulx3s:45|ulx3s:60|ulx3s:75|icebreaker:*) ;; \
	 *) echo "boards.mk: ECP5_MHZ=$(ECP5_MHZ): need 45, 60 or 75 (rtl/top_ulx3s.v)" >&2; exit 1;; esac

$(BOARD_DIR)/config.txt: FORCE
	@mkdir -p $(@D)
	@echo '$(BOARD_CONFIG)' | cmp -s - $@ || echo '$(BOARD_CONFIG)' > $@

# ---- iCE40 UP5K (iCEBreaker) ---------------------------------------------------------------------
# -dsp: the requantizer's multiply may use SB_MAC16s; the lanes' x3 is shift-and-add in the RTL
# (style.md §12) and report.txt shows dsp=<n>/8 to prove it stayed that way.
ICE40_YOSYS = read_verilog -DSYNTHESIS -Irtl $(BOARD_RTL) rtl/top_icebreaker.v; \
              chparam -set LANES $(LANES) -set CLK_MHZ $(ICE40_MHZ) top_icebreaker; \
              synth_ice40 -top top_icebreaker -dsp -json $(BOARD_DIR)/q2mlp.json; \
              tee -q -o $(BOARD_DIR)/synth_stat.txt stat
# PNR_ALLOW_FAIL=1 (make report) still writes a placement when the clock target is missed, to
# measure it; `make bitstream` fails then.
PNR_ALLOW_FAIL ?= 0
ICE40_PNR_FLAGS = --up5k --package sg48 --pcf constraints/icebreaker.pcf --freq $(ICE40_MHZ) \
                  $(if $(filter 1,$(PNR_ALLOW_FAIL)),--timing-allow-fail)

ifeq ($(BOARD),icebreaker)
bitstream: board-check $(BOARD_DIR)/synth_report.txt $(BOARD_DIR)/q2mlp.bin $(BOARD_DIR)/report.txt
	@echo "$(BOARD_DIR)/q2mlp.bin: $$(cat $(BOARD_DIR)/report.txt)"
synth: board-check $(BOARD_DIR)/synth_report.txt
	@echo "$(BOARD_DIR)/synth_report.txt: $$(cat $(BOARD_DIR)/synth_report.txt)"
prog: board-check $(BOARD_DIR)/q2mlp.bin
ifeq ($(PROG),openfpgaloader)
	$(OPENFPGALOADER) -b ice40_generic $(BOARD_DIR)/q2mlp.bin
else
	$(ICEPROG) $(BOARD_DIR)/q2mlp.bin
endif

$(BOARD_DIR)/q2mlp.json: $(BOARD_RTL) rtl/top_icebreaker.v $(BOARD_DIR)/config.txt
	@echo "yosys synth_ice40 (LANES=$(LANES), $(ICE40_MHZ) MHz) -> $@"
	@$(YOSYS) -q -l $(@D)/yosys.log -p '$(ICE40_YOSYS)' >/dev/null || \
	    { tail -n 20 $(@D)/yosys.log; exit 1; }

$(BOARD_DIR)/synth_report.txt: $(BOARD_DIR)/q2mlp.json rtl/scripts/board_report.sh
	rtl/scripts/board_report.sh ice40-synth $(@D)/synth_stat.txt > $@

# nextpnr exits non-zero when the design does not fit or (without --timing-allow-fail) misses
# the clock target: show the numbers and the critical path, keep the log, fail.
$(BOARD_DIR)/q2mlp.asc: $(BOARD_DIR)/q2mlp.json constraints/icebreaker.pcf
	@echo "nextpnr-ice40 --up5k --freq $(ICE40_MHZ) -> $@ (log $(@D)/nextpnr.log)"
	@rm -f $(@D)/report.txt
	@$(NEXTPNR) $(ICE40_PNR_FLAGS) --json $< --asc $@ --report $(@D)/nextpnr.json \
	    -l $(@D)/nextpnr.log -q >/dev/null 2>&1 || { \
	    grep -E '^ERROR' $(@D)/nextpnr.log >&2; \
	    grep -E 'ICESTORM_(LC|RAM|DSP|SPRAM):' $(@D)/nextpnr.log | tail -n 4 >&2; \
	    grep 'Max frequency' $(@D)/nextpnr.log | tail -n 1 >&2; \
	    rtl/scripts/board_report.sh critpath $(@D)/nextpnr.log 2>/dev/null | head -n 40 >&2; \
	    echo "nextpnr-ice40 failed: see $(@D)/nextpnr.log" >&2; exit 1; }

$(BOARD_DIR)/q2mlp.bin: $(BOARD_DIR)/q2mlp.asc
	$(ICEPACK) $< $@

$(BOARD_DIR)/report.txt: $(BOARD_DIR)/q2mlp.asc rtl/scripts/board_report.sh
	@rtl/scripts/board_report.sh critpath $(@D)/nextpnr.log > $(@D)/critical_path.txt
	@rtl/scripts/board_report.sh ice40 $(@D)/nextpnr.log > $@
endif

# ---- ECP5 LFE5U-85F (ULX3S) ----------------------------------------------------------------------
ECP5_YOSYS = read_verilog -DSYNTHESIS -Irtl $(BOARD_RTL) rtl/top_ulx3s.v; \
             chparam -set LANES $(LANES) -set CLK_MHZ $(ECP5_MHZ) top_ulx3s; \
             synth_ecp5 -top top_ulx3s -json $(BOARD_DIR)/q2mlp.json; \
             tee -q -o $(BOARD_DIR)/synth_stat.txt stat
ECP5_PNR_FLAGS = --85k --package CABGA381 --speed 6 --lpf constraints/ulx3s.lpf --freq $(ECP5_MHZ) \
                 $(if $(filter 1,$(PNR_ALLOW_FAIL)),--timing-allow-fail)
HAVE_ECP5_PNR = $(and $(shell command -v $(NEXTPNR_ECP5) 2>/dev/null),$(shell command -v $(ECPPACK) 2>/dev/null))

ifeq ($(BOARD),ulx3s)
synth bitstream: board-check $(BOARD_DIR)/report.txt
	@echo "$(BOARD_DIR)/report.txt: $$(cat $(BOARD_DIR)/report.txt)"
	@[ -n "$(HAVE_ECP5_PNR)" ] || echo "PnR skipped: nextpnr-ecp5 not installed"
prog: board-check $(BOARD_DIR)/report.txt
	@[ -f $(BOARD_DIR)/q2mlp.bit ] || { echo "no $(BOARD_DIR)/q2mlp.bit (PnR skipped: nextpnr-ecp5 not installed)" >&2; exit 1; }
	$(OPENFPGALOADER) -b ulx3s $(BOARD_DIR)/q2mlp.bit

$(BOARD_DIR)/q2mlp.json: $(BOARD_RTL) rtl/top_ulx3s.v $(BOARD_DIR)/config.txt
	@echo "yosys synth_ecp5 (LANES=$(LANES), $(ECP5_MHZ) MHz) -> $@"
	@$(YOSYS) -q -l $(@D)/yosys.log -p '$(ECP5_YOSYS)' >/dev/null || \
	    { tail -n 20 $(@D)/yosys.log; exit 1; }

# Synthesis numbers always; place, route and pack only when the ECP5 tools exist.
$(BOARD_DIR)/report.txt: $(BOARD_DIR)/q2mlp.json constraints/ulx3s.lpf rtl/scripts/board_report.sh
	@rtl/scripts/board_report.sh ecp5-synth $(@D)/synth_stat.txt > $@.tmp
ifneq ($(HAVE_ECP5_PNR),)
	@echo "nextpnr-ecp5 --85k --freq $(ECP5_MHZ) -> $(@D)/q2mlp.config (log $(@D)/nextpnr.log)"
	@$(NEXTPNR_ECP5) $(ECP5_PNR_FLAGS) --json $< --textcfg $(@D)/q2mlp.config \
	    --report $(@D)/nextpnr.json -l $(@D)/nextpnr.log -q >/dev/null 2>&1 || { \
	    grep -E '^ERROR' $(@D)/nextpnr.log >&2; echo "nextpnr-ecp5 failed: see $(@D)/nextpnr.log" >&2; exit 1; }
	$(ECPPACK) --compress $(@D)/q2mlp.config $(@D)/q2mlp.bit
	@awk '/Max frequency for clock/ { m = $$0; sub(/.*: */, "", m); sub(/ MHz.*/, "", m); f = m } \
	     END { printf " fmax_mhz=%s", f }' $(@D)/nextpnr.log >> $@.tmp
endif
	@mv $@.tmp $@
endif

# ---- make report: the resource / Fmax table -------------------------------------------------------
# Each (board, lanes) builds in its own folder under build/report/boards/; the iCE40 runs use
# --timing-allow-fail so that a lane count missing ICE40_MHZ is measured rather than dropped.
BOARDS_REPORT_DIR := $(REPORT)/boards

report:
	@set -e; for l in $(REPORT_LANES); do \
	    $(MAKE) --no-print-directory bitstream BOARD=icebreaker LANES=$$l PNR_ALLOW_FAIL=1 \
	        BOARD_DIR=$(BOARDS_REPORT_DIR)/icebreaker-l$$l || echo "report: iCE40 LANES=$$l failed (shown in the table)"; \
	    $(MAKE) --no-print-directory synth BOARD=ulx3s LANES=$$l \
	        BOARD_DIR=$(BOARDS_REPORT_DIR)/ulx3s-l$$l || echo "report: ECP5 LANES=$$l failed (shown in the table)"; \
	done
	@rtl/scripts/boards_table.sh $(BOARDS_REPORT_DIR) $(ICE40_MHZ) $(ECP5_MHZ) $(REPORT_LANES) > $(REPORT)/boards.md
	@rtl/scripts/splice_readme.sh README.md $(REPORT)/boards.md
	@cat $(REPORT)/boards.md
	@echo "report: wrote $(REPORT)/boards.md and the table in README.md"

# ---- lint: the board tops with the primitive stand-ins of rtl/lint/ -------------------------------
# sim/models/ holds the SB_SPRAM256KA model that the core's MEM_TECH="ICE40" path instantiates.
BOARD_LINT = $(VERILATOR) --lint-only -Wall -Irtl -Irtl/lint -Isim/models $(wildcard rtl/lint_waivers.vlt)

lint-boards:
	@set -e; for l in 8 16 32; do \
	    $(BOARD_LINT) --top-module top_icebreaker -GLANES=$$l rtl/top_icebreaker.v; \
	    $(BOARD_LINT) --top-module top_ulx3s -GLANES=$$l rtl/top_ulx3s.v; \
	done; \
	for m in 24 36 66; do $(BOARD_LINT) --top-module top_icebreaker -GCLK_MHZ=$$m rtl/top_icebreaker.v; done; \
	for m in 45 75; do $(BOARD_LINT) --top-module top_ulx3s -GCLK_MHZ=$$m rtl/top_ulx3s.v; done; \
	for n in 2 4; do $(BOARD_LINT) --top-module reset_sync -GSTAGES=$$n rtl/reset_sync.v; done
	@echo "lint-boards: top_icebreaker, top_ulx3s (LANES 8/16/32, clocks), reset_sync: clean"

LINT_STEPS += lint-boards

# ---- make postsynth: the synthesized iCE40 netlist against the bit-exact model --------------------
# accel_core alone (the UART and protocol would make the netlist simulation crawl), synthesized by
# the same synth_ice40 -dsp as the bitstream with the parameters top_icebreaker gives it (MEM_TECH
# "ICE40": SPRAM weights; the memory sizes), written out by yosys and simulated with yosys's iCE40
# cell models (share/ice40/cells_sim.v).
POSTSYNTH_DIR   := $(BUILD)/postsynth
POSTSYNTH_NET    = $(POSTSYNTH_DIR)/accel_core_ice40_l$(LANES).v
POSTSYNTH_MODEL ?= $(BUILD)/models/up5k.q2
POSTSYNTH_N     ?= 8
POSTSYNTH_SIM   ?= verilator
POSTSYNTH_YOSYS  = read_verilog -DSYNTHESIS -Irtl $(BOARD_RTL); \
                   chparam -set LANES $* -set MEM_TECH "ICE40" -set WMEM_BYTES $(call ice40_param,WMEM_BYTES) \
                       -set PMEM_NEURONS $(call ice40_param,PMEM_NEURONS) \
                       -set ABUF_BYTES $(call ice40_param,ABUF_BYTES) accel_core; \
                   synth_ice40 -top accel_core -dsp; \
                   tee -q -o $(@D)/synth_stat_l$*.txt stat; write_verilog -noattr $@

$(POSTSYNTH_DIR)/accel_core_ice40_l%.v: $(BOARD_RTL)
	@mkdir -p $(@D)
	@echo "yosys synth_ice40 accel_core (LANES=$*, MEM_TECH ICE40) -> $@"
	@$(YOSYS) -q -l $(@D)/yosys_l$*.log -p '$(POSTSYNTH_YOSYS)' >/dev/null || \
	    { tail -n 20 $(@D)/yosys_l$*.log; exit 1; }

postsynth: $(POSTSYNTH_NET) $(BIN)/q2mlp | $(MNIST_DIR)/.verified
	@[ -f $(POSTSYNTH_MODEL) ] || { echo "postsynth: no $(POSTSYNTH_MODEL) (make run-60-up5k, or POSTSYNTH_MODEL=...)" >&2; exit 1; }
	@echo "postsynth: $(POSTSYNTH_N) test images of $(POSTSYNTH_MODEL) through $(POSTSYNTH_NET) ($(POSTSYNTH_SIM))"
	@Q2MLP=$(BIN)/q2mlp TEST_IMAGES=$(TEST_IMAGES) YOSYS_DATDIR=$(YOSYS_DATDIR) POSTSYNTH_SIM=$(POSTSYNTH_SIM) \
	    IVERILOG=$(IVERILOG) VVP=$(VVP) VERILATOR=$(VERILATOR) \
	    rtl/scripts/postsynth.sh $(POSTSYNTH_NET) $(POSTSYNTH_MODEL) $(POSTSYNTH_N) $(POSTSYNTH_DIR)/run

.PHONY: run-70-postsynth
RUN_STEPS += run-70-postsynth
run-70-postsynth:
	@echo "== run-70-postsynth: the iCE40 netlist of the core vs the bit-exact model (up5k preset)"
	@$(MAKE) --no-print-directory postsynth POSTSYNTH_MODEL=$(BUILD)/models/up5k.q2

# ---- make run: the board steps --------------------------------------------------------------------
# run-60-up5k: the model preset that fits the UP5K build (rtl/scripts/up5k_preset.sh, docs/boards.md).
# The capacities are the memory parameters of rtl/top_icebreaker.v (what the UP5K build gives the
# core), read from its parameter defaults.
ice40_param = $(shell sed -n 's/.*parameter integer $(1) *= *\([0-9]*\).*/\1/p' rtl/top_icebreaker.v | head -n1)
UP5K_CANDIDATES   ?= 784-640-10 784-512-128-10 784-448-256-10 784-416-416-10 784-320-320-320-10
UP5K_QUICK_EPOCHS ?= 3
UP5K_EPOCHS       ?= 20

.PHONY: run-60-up5k run-65-boards
RUN_STEPS += run-60-up5k run-65-boards

run-60-up5k: $(BIN)/q2mlp | $(MNIST_DIR)/.verified
	@echo "== run-60-up5k: the best topology that fits the UP5K core ($(LANES) lanes) -> $(BUILD)/models/up5k.q2"
	@mkdir -p $(BUILD)/logs
	@Q2MLP=$(BIN)/q2mlp BUILD=$(BUILD) REPORT=$(REPORT) BEST_TXT=$(REPORT)/best.txt \
	    TRAIN_IMAGES=$(TRAIN_IMAGES) TRAIN_LABELS=$(TRAIN_LABELS) \
	    TEST_IMAGES=$(TEST_IMAGES) TEST_LABELS=$(TEST_LABELS) LANES=$(LANES) \
	    WMEM_BYTES=$(call ice40_param,WMEM_BYTES) PMEM_NEURONS=$(call ice40_param,PMEM_NEURONS) \
	    ABUF_BYTES=$(call ice40_param,ABUF_BYTES) UP5K_CANDIDATES='$(UP5K_CANDIDATES)' \
	    UP5K_QUICK_EPOCHS=$(UP5K_QUICK_EPOCHS) UP5K_EPOCHS=$(UP5K_EPOCHS) \
	    rtl/scripts/up5k_preset.sh 2>&1 | tee $(BUILD)/logs/up5k.log; exit $${PIPESTATUS[0]}

# run-65-boards: the resource / Fmax table (all lane counts, both boards) into README and
# build/report/boards.md. A configuration that does not fit or misses its clock shows as such in
# the table and in a warning here; `make test` (tests/t_board_ice40.sh) is what fails on it, so
# that the steps after this one still run.
run-65-boards:
	@echo "== run-65-boards: make report (LANES $(REPORT_LANES), iCE40 at $(ICE40_MHZ) MHz, ECP5 synthesis)"
	@$(MAKE) --no-print-directory report
	@r=$(BOARDS_REPORT_DIR)/icebreaker-l$(LANES)/report.txt; \
	 if [ ! -s $$r ]; then echo "run-65-boards: WARNING: the default iCE40 build ($(LANES) lanes) did not place: see the table"; \
	 elif ! awk -v t=$(ICE40_MHZ) '{ sub(/fmax_mhz=/, "", $$1); exit !($$1 + 0 >= t) }' $$r; then \
	     echo "run-65-boards: WARNING: the default iCE40 build ($(LANES) lanes) misses $(ICE40_MHZ) MHz: $$(cat $$r)"; \
	 else echo "run-65-boards: default iCE40 build: $$(cat $$r)"; fi
