# rtl/boards.mk — the board builds (docs/boards.md): bitstreams, programming, synthesis reports,
# the resource/Fmax table and the post-synthesis netlist simulation.
#
#   make bitstream BOARD=icebreaker   yosys synth_ice40 -> nextpnr-ice40 --seed PNR_SEED (fails if it
#                                     does not fit or misses ICE40_MHZ) -> icepack: build/icebreaker/q2mlp.bin,
#                                     report.txt, critical_path.txt and the tool logs
#   make prog BOARD=icebreaker        iceprog (PROG=openfpgaloader: openFPGALoader)
#   make synth BOARD=ulx3s            yosys synth_ecp5 -> build/ulx3s/report.txt; nextpnr-ecp5 and
#                                     ecppack continue to q2mlp.bit when they are on PATH
#   make synth BOARD=icebreaker       yosys only: build/icebreaker/synth_report.txt
#   make report                       every (board, lanes) of ICE40_REPORT_LANES / ECP5_REPORT_LANES,
#                                     one synthesis and one nextpnr per seed of ICE40_SEEDS / ECP5_SEEDS
#                                     -> build/report/boards.md ('make docs-boards': the README table)
#   make report-seeds BOARD=… LANES=… the seed sweep of one (board, lanes) alone, for the clock decision:
#                                     build/report/boards/<board>-l<lanes>/seeds.txt
#   make postsynth                    the synthesized iCE40 core netlist vs the bit-exact model
#   make lint-boards                  verilator -Wall over the board tops (part of `make lint`)
#
# Knobs (all overridable): BOARD, LANES, ICE40_MHZ, ICE40_BAUD, ECP5_MHZ, ECP5_DEVICE, PNR_SEED, PROG, the seed
# and lane lists of the report, and the tool names below.

NEXTPNR_ECP5   ?= nextpnr-ecp5
ECPPACK        ?= ecppack
IVERILOG       ?= iverilog
VVP            ?= vvp
OPENFPGALOADER ?= openFPGALoader
PROG           ?= default

BOARD        ?= icebreaker
LANES        ?= 32
ICE40_MHZ    ?= 42
# nextpnr-ice40 places for ICE40_PNR_MHZ (never below ICE40_MHZ): asked for 48 MHz it places this
# design better than when asked for the clock itself (docs/boards.md, "Timing and area closure").
# A build passes when its Fmax reaches ICE40_MHZ, the design clock.
ICE40_PNR_MHZ ?= 48
# The iCEBreaker's UART rate, chosen at build time (INFO reports it: CLOCK_HZ / CLKS_PER_BIT; the
# host follows it). 3 Mbaud is the default; the FT2232H also does 12 Mbaud, which needs at least 3
# clocks per bit: ICE40_MHZ=36 ICE40_BAUD=12000000 (3), ICE40_MHZ=48 (4).
ICE40_BAUD   ?= 3000000
# 90 MHz for 8..128 lanes (the memories in DP16KD and the multiplier in MULT18X18D with their own
# registers: 32, 64 and 128 lanes on the 85F place at >= 121.77, 117.88 and 105.76 MHz on 3 of 3
# seeds; docs/boards.md "ECP5 timing"), 60 for 256 lanes (not measured)
ECP5_MHZ     ?= $(if $(filter 8 16 32 64 128,$(LANES)),90,60)
# nextpnr-ecp5 places for ECP5_PNR_MHZ (never below ECP5_MHZ), like the iCE40: asked for more than
# the design clock it places this design better (docs/boards.md, "ECP5 timing").
ECP5_PNR_MHZ ?= 120
# `make bitstream` places with one fixed seed; `make report` sweeps these (docs/boards.md).
PNR_SEED     ?= 1
ICE40_SEEDS  ?= 1 2 3 4 5 6 7 8
ECP5_SEEDS   ?= 1 2 3
ICE40_REPORT_LANES ?= 8 16 32
ECP5_REPORT_LANES  ?= 32 64 128
BOARD_LIST   := icebreaker ulx3s
# yosys and nextpnr run quietly into their logs; this prints a line every few seconds meanwhile
PROGRESS     := rtl/scripts/with_progress.sh

# One build folder per board, lane count and device: build/<board> for the default 32 lanes (and
# the 85k ECP5), build/<board>-l<LANES>[-<ECP5_DEVICE>] otherwise.
BOARD_DIR ?= $(BUILD)/$(BOARD)$(if $(filter-out 32,$(LANES)),-l$(LANES))$(if $(filter ulx3s,$(BOARD)),$(if \
             $(filter-out 85k,$(ECP5_DEVICE)),-$(ECP5_DEVICE)))

YOSYS_DATDIR   ?= $(shell yosys-config --datdir 2>/dev/null || echo /usr/share/yosys)

# The synthesis is a function of these; a change rewrites config.txt and so rebuilds. The place
# and route of `make bitstream` also depends on pnr_config.txt (seed, allow_fail), which does not
# resynthesize.
BOARD_CONFIG = board=$(BOARD) lanes=$(LANES) ice40_mhz=$(ICE40_MHZ) ice40_baud=$(ICE40_BAUD) ecp5_mhz=$(ECP5_MHZ) \
               ecp5_device=$(ECP5_DEVICE)
PNR_CONFIG   = seed=$(PNR_SEED) allow_fail=$(PNR_ALLOW_FAIL) ice40_pnr_mhz=$(ICE40_PNR_MHZ) ecp5_pnr_mhz=$(ECP5_PNR_MHZ)

.PHONY: bitstream synth prog report report-seeds postsynth lint-boards board-check FORCE
FORCE:

# yosys does not run the tops' `initial` parameter checks, so the clocks are checked here too.
board-check:
	@case " $(BOARD_LIST) " in *" $(BOARD) "*) ;; \
	 *) echo "boards.mk: unknown BOARD '$(BOARD)' (have: $(BOARD_LIST))" >&2; exit 1;; esac
	@m=$(ICE40_MHZ); [ "$(BOARD)" != icebreaker ] || { [ "$$m" -ge 24 ] && [ "$$m" -le 66 ] && [ $$((m % 3)) -eq 0 ]; } 2>/dev/null || \
	 { echo "boards.mk: ICE40_MHZ=$(ICE40_MHZ): need a multiple of 3 in 24..66 (PLL, whole clocks per bit at 3 Mbaud)" >&2; exit 1; }
	@b=$(ICE40_BAUD); [ "$(BOARD)" != icebreaker ] || { [ "$$b" -ge 300 ] && [ $$(($(ICE40_MHZ) * 1000000 % b)) -eq 0 ] && \
	    [ $$(($(ICE40_MHZ) * 1000000 / b)) -ge 3 ]; } 2>/dev/null || \
	 { echo "boards.mk: ICE40_BAUD=$(ICE40_BAUD): need a whole number >= 3 of clocks per bit at $(ICE40_MHZ) MHz" >&2; exit 1; }
	@case "$(BOARD):$(ECP5_MHZ)" in ulx3s:45|ulx3s:60|ulx3s:75|ulx3s:90|ulx3s:120|icebreaker:*) ;; \
	 *) echo "boards.mk: ECP5_MHZ=$(ECP5_MHZ): need 45, 60, 75, 90 or 120 (rtl/boards/top_ulx3s.v)" >&2; exit 1;; esac
	@case "$(PNR_SEED)" in ''|*[!0-9]*) echo "boards.mk: PNR_SEED=$(PNR_SEED): need a number" >&2; exit 1;; esac
	@case "$(ICE40_PNR_MHZ)" in ''|*[!0-9]*) echo "boards.mk: ICE40_PNR_MHZ=$(ICE40_PNR_MHZ): need a whole number of MHz" >&2; exit 1;; esac
	@case "$(BOARD):$(ECP5_DEVICE)" in ulx3s:12k|ulx3s:25k|ulx3s:45k|ulx3s:85k|icebreaker:*) ;; \
	 *) echo "boards.mk: ECP5_DEVICE=$(ECP5_DEVICE): need 12k, 25k, 45k or 85k (the ULX3S's LFE5U-12F/25F/45F/85F)" >&2; exit 1;; esac

$(BOARD_DIR)/config.txt: FORCE
	@mkdir -p $(@D)
	@echo '$(BOARD_CONFIG)' | cmp -s - $@ || echo '$(BOARD_CONFIG)' > $@
$(BOARD_DIR)/pnr_config.txt: FORCE
	@mkdir -p $(@D)
	@echo '$(PNR_CONFIG)' | cmp -s - $@ || echo '$(PNR_CONFIG)' > $@

# ---- iCE40 UP5K (iCEBreaker) ---------------------------------------------------------------------
# -dsp: the requantizer's multiply may use SB_MAC16s; the lanes' x3 is shift-and-add in the RTL
# (style.md §12) and report.txt shows dsp=<n>/8 to prove it stayed that way.
ICE40_YOSYS = read_verilog -DSYNTHESIS -Irtl/core -Irtl/link -Irtl/boards $(CODES_INC) $(ICE40_RTL) rtl/boards/top_icebreaker.v; \
              chparam -set LANES $(LANES) -set CLK_MHZ $(ICE40_MHZ) -set BAUD $(ICE40_BAUD) top_icebreaker; \
              synth_ice40 -top top_icebreaker -dsp -json $(BOARD_DIR)/q2mlp.json; \
              tee -q -o $(BOARD_DIR)/synth_stat.txt stat
# PNR_ALLOW_FAIL=1 (make report) still writes a placement when the clock target is missed, to
# measure it; `make bitstream` fails then.
PNR_ALLOW_FAIL ?= 0
# ICE40_PNR: the flags of every iCE40 place and route (the bitstream's and the report's seeds).
# nextpnr itself is told to allow a miss of its target; the clock check is ICE40_CHECK's.
# the placement target: the larger of the design clock $(1) and the board's PNR target $(2)
PNR_FREQ        = $(shell m=$(1); p=$(2); [ "$$p" -gt "$$m" ] 2>/dev/null && echo $$p || echo $$m)
ICE40_FREQ      = $(call PNR_FREQ,$(ICE40_MHZ),$(ICE40_PNR_MHZ))
ICE40_PNR       = --up5k --package sg48 --pcf constraints/icebreaker.pcf --freq $(ICE40_FREQ)
ICE40_PNR_FLAGS = $(ICE40_PNR) --seed $(PNR_SEED) --timing-allow-fail
# the achieved Fmax of nextpnr log $(1) against design clock $(2) (tool $(3)): exit 1 if it misses
# (PNR_ALLOW_FAIL=1: 0)
CLOCK_CHECK     = f=$$(grep 'Max frequency' $(1) | tail -n 1 | sed -n 's/.*: *\([0-9.]*\) MHz.*/\1/p'); \
                  awk -v f="$$f" -v c=$(2) 'BEGIN { exit !(f != "" && f + 0 >= c) }' || \
                  { echo "$(3): Fmax $${f:-?} MHz misses the $(2) MHz design clock" >&2; \
                    [ "$(PNR_ALLOW_FAIL)" = 1 ]; }
ICE40_CHECK     = $(call CLOCK_CHECK,$(1),$(ICE40_MHZ),nextpnr-ice40)

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

$(BOARD_DIR)/q2mlp.json: $(BOARD_RTL) $(CODES_VH) $(CAPS_VH) rtl/boards/top_icebreaker.v $(BOARD_DIR)/config.txt
	@echo "yosys synth_ice40 (LANES=$(LANES), $(ICE40_MHZ) MHz) -> $@"
	@$(PROGRESS) yosys $(@D)/yosys.log $(YOSYS) -q -l $(@D)/yosys.log -p '$(ICE40_YOSYS)' || \
	    { tail -n 20 $(@D)/yosys.log; exit 1; }

$(BOARD_DIR)/synth_report.txt: $(BOARD_DIR)/q2mlp.json rtl/scripts/board_report.sh
	rtl/scripts/board_report.sh ice40-synth $(@D)/synth_stat.txt > $@

# nextpnr exits non-zero when the design does not fit, ICE40_CHECK when it misses the design clock:
# show the numbers and the critical path, keep the log, leave no .asc, fail.
$(BOARD_DIR)/q2mlp.asc: $(BOARD_DIR)/q2mlp.json constraints/icebreaker.pcf $(BOARD_DIR)/pnr_config.txt
	@echo "nextpnr-ice40 --up5k --freq $(ICE40_FREQ) --seed $(PNR_SEED) (design clock $(ICE40_MHZ) MHz) -> $@ (log $(@D)/nextpnr.log)"
	@rm -f $(@D)/report.txt
	@{ $(PROGRESS) nextpnr-ice40 $(@D)/nextpnr.log $(NEXTPNR) $(ICE40_PNR_FLAGS) --json $< --asc $@.tmp \
	    --report $(@D)/nextpnr.json -l $(@D)/nextpnr.log -q && $(call ICE40_CHECK,$(@D)/nextpnr.log) && \
	    mv $@.tmp $@; } || { rm -f $@.tmp; \
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

# One seed of the report's sweep (below): the same JSON, --timing-allow-fail so that a seed that
# misses the clock is measured; no bitstream. report.txt only when it routed.
$(BOARD_DIR)/seed%/report.txt: $(BOARD_DIR)/q2mlp.json constraints/icebreaker.pcf rtl/scripts/board_report.sh
	@mkdir -p $(@D)
	@echo "nextpnr-ice40 --up5k --freq $(ICE40_FREQ) --seed $* (design clock $(ICE40_MHZ) MHz) -> $(@D)/"
	@rm -f $(@D)/critical_path.txt
	@$(NEXTPNR) --version > $(@D)/version.txt.tmp 2>&1 && mv $(@D)/version.txt.tmp $(@D)/version.txt
	@$(PROGRESS) "nextpnr-ice40 seed $*" $(@D)/nextpnr.log $(NEXTPNR) $(ICE40_PNR) --seed $* --timing-allow-fail \
	    --json $< -l $(@D)/nextpnr.log -q || { grep -E '^ERROR' $(@D)/nextpnr.log >&2; \
	    echo "nextpnr-ice40 seed $* failed: see $(@D)/nextpnr.log" >&2; exit 1; }
	@rtl/scripts/board_report.sh critpath $(@D)/nextpnr.log > $(@D)/critical_path.txt.tmp
	@mv $(@D)/critical_path.txt.tmp $(@D)/critical_path.txt
	@rtl/scripts/board_report.sh ice40 $(@D)/nextpnr.log > $@.tmp && mv $@.tmp $@
endif

# ---- ECP5 (ULX3S) ---------------------------------------------------------------------------------
# ECP5_DEVICE: 12k, 25k, 45k or 85k (the ULX3S's LFE5U-12F/25F/45F/85F; top_ulx3s sizes the core's
# block-RAM memories from it, see its header). nextpnr-ecp5 and ecppack run natively when on PATH,
# otherwise from a Debian trixie root that rtl/scripts/ecp5_tools.sh makes once in ~/.cache/q2mlp.
ECP5_DEVICE ?= 85k
ECP5_TOOLS  := rtl/scripts/ecp5_tools.sh
ECP5_YOSYS = read_verilog -DSYNTHESIS -Irtl/core -Irtl/link -Irtl/boards $(CODES_INC) $(BOARD_RTL) rtl/boards/top_ulx3s.v; \
             chparam -set LANES $(LANES) -set CLK_MHZ $(ECP5_MHZ) -set DEVICE_K $(ECP5_DEVICE:k=) top_ulx3s; \
             synth_ecp5 -top top_ulx3s -json $(BOARD_DIR)/q2mlp.json; \
             tee -q -o $(BOARD_DIR)/synth_stat.txt stat
ECP5_FREQ      = $(call PNR_FREQ,$(ECP5_MHZ),$(ECP5_PNR_MHZ))
ECP5_PNR       = --$(ECP5_DEVICE) --package CABGA381 --speed 6 --lpf constraints/ulx3s.lpf --freq $(ECP5_FREQ)
ECP5_PNR_FLAGS = $(ECP5_PNR) --seed $(PNR_SEED) --timing-allow-fail

ifeq ($(BOARD),ulx3s)
synth: board-check $(BOARD_DIR)/synth_report.txt
	@echo "$(BOARD_DIR)/synth_report.txt: $$(cat $(BOARD_DIR)/synth_report.txt)"
bitstream: board-check $(BOARD_DIR)/synth_report.txt $(BOARD_DIR)/q2mlp.bit $(BOARD_DIR)/report.txt
	@echo "$(BOARD_DIR)/q2mlp.bit: $$(cat $(BOARD_DIR)/report.txt)"
prog: board-check $(BOARD_DIR)/q2mlp.bit
	$(OPENFPGALOADER) -b ulx3s $(if $(filter 1,$(PROG_FLASH)),-f) $(BOARD_DIR)/q2mlp.bit

$(BOARD_DIR)/q2mlp.json: $(BOARD_RTL) $(CODES_VH) $(CAPS_VH) rtl/boards/top_ulx3s.v $(BOARD_DIR)/config.txt
	@echo "yosys synth_ecp5 (LANES=$(LANES), $(ECP5_MHZ) MHz, $(ECP5_DEVICE)) -> $@"
	@$(PROGRESS) yosys $(@D)/yosys.log $(YOSYS) -q -l $(@D)/yosys.log -p '$(ECP5_YOSYS)' || \
	    { tail -n 20 $(@D)/yosys.log; exit 1; }

$(BOARD_DIR)/synth_report.txt: $(BOARD_DIR)/q2mlp.json rtl/scripts/board_report.sh
	rtl/scripts/board_report.sh ecp5-synth $(@D)/synth_stat.txt > $@

# nextpnr exits non-zero when the design does not fit the device, the clock check when it misses
# ECP5_MHZ: show why, keep the log, leave no .config, fail.
$(BOARD_DIR)/q2mlp.config: $(BOARD_DIR)/q2mlp.json constraints/ulx3s.lpf $(ECP5_TOOLS) $(BOARD_DIR)/pnr_config.txt
	@echo "nextpnr-ecp5 --$(ECP5_DEVICE) --freq $(ECP5_FREQ) --seed $(PNR_SEED) (design clock $(ECP5_MHZ) MHz) -> $@ (log $(@D)/nextpnr.log)"
	@rm -f $(@D)/report.txt
	@$(ECP5_TOOLS) install
	@{ $(PROGRESS) nextpnr-ecp5 $(@D)/nextpnr.log $(ECP5_TOOLS) run nextpnr-ecp5 $(ECP5_PNR_FLAGS) --json $< \
	    --textcfg $@.tmp --report $(@D)/nextpnr.json -l $(@D)/nextpnr.log -q && \
	    $(call CLOCK_CHECK,$(@D)/nextpnr.log,$(ECP5_MHZ),nextpnr-ecp5) && mv $@.tmp $@; } || { rm -f $@.tmp; \
	    grep -E '^ERROR' $(@D)/nextpnr.log >&2; \
	    grep -E '(TRELLIS_COMB|DP16KD|MULT18X18D):' $(@D)/nextpnr.log | tail -n 3 >&2; \
	    grep 'Max frequency' $(@D)/nextpnr.log | tail -n 1 >&2; \
	    echo "nextpnr-ecp5 failed: see $(@D)/nextpnr.log" >&2; exit 1; }

$(BOARD_DIR)/q2mlp.bit: $(BOARD_DIR)/q2mlp.config
	@echo "ecppack --compress -> $@"
	@$(ECP5_TOOLS) run ecppack --compress $< $@.tmp && mv $@.tmp $@

$(BOARD_DIR)/report.txt: $(BOARD_DIR)/q2mlp.config rtl/scripts/board_report.sh
	@rtl/scripts/board_report.sh critpath $(@D)/nextpnr.log > $(@D)/critical_path.txt
	@rtl/scripts/board_report.sh ecp5 $(@D)/nextpnr.log > $@

# One seed of the report's sweep, as for the iCE40. The tool root is made once before the seeds
# start (flock: sweeps of several lane counts may run side by side under make -j).
.PHONY: ecp5-tools-ready
ecp5-tools-ready:
	@mkdir -p $(BUILD)
	@flock $(BUILD)/.ecp5-tools.lock $(ECP5_TOOLS) install >/dev/null
$(BOARD_DIR)/seed%/report.txt: $(BOARD_DIR)/q2mlp.json constraints/ulx3s.lpf rtl/scripts/board_report.sh | ecp5-tools-ready
	@mkdir -p $(@D)
	@echo "nextpnr-ecp5 --$(ECP5_DEVICE) --freq $(ECP5_FREQ) --seed $* (design clock $(ECP5_MHZ) MHz) -> $(@D)/"
	@rm -f $(@D)/critical_path.txt
	@$(ECP5_TOOLS) run nextpnr-ecp5 --version > $(@D)/version.txt.tmp 2>&1 && mv $(@D)/version.txt.tmp $(@D)/version.txt
	@$(PROGRESS) "nextpnr-ecp5 seed $*" $(@D)/nextpnr.log $(ECP5_TOOLS) run nextpnr-ecp5 $(ECP5_PNR) --seed $* \
	    --timing-allow-fail --json $< -l $(@D)/nextpnr.log -q || { grep -E '^ERROR' $(@D)/nextpnr.log >&2; \
	    echo "nextpnr-ecp5 seed $* failed: see $(@D)/nextpnr.log" >&2; exit 1; }
	@rtl/scripts/board_report.sh critpath $(@D)/nextpnr.log > $(@D)/critical_path.txt.tmp
	@mv $(@D)/critical_path.txt.tmp $(@D)/critical_path.txt
	@rtl/scripts/board_report.sh ecp5 $(@D)/nextpnr.log > $@.tmp && mv $@.tmp $@
endif

# ---- make report: the resource / Fmax table over nextpnr seeds -------------------------------------
# One folder per (board, lanes), build/report/boards/<board>-l<lanes>/ (the ULX3S's on the 85F):
# one synthesis (q2mlp.json, yosys.log, synth_report.txt) and on that JSON one nextpnr per seed,
# seed<N>/{nextpnr.log, critical_path.txt, report.txt, version.txt}. The seeds are separate targets,
# so make -j runs them side by side. seeds.txt sums them up (board_report.sh seeds: Fmax
# min/median/max, seeds passing), critical_path.txt is the worst seed's. A seed that fails (does
# not fit) leaves no report.txt and counts as not passing (make -k runs the others).
#   make report-seeds BOARD=icebreaker LANES=32   one folder (the clock decision: add ICE40_MHZ=48)
#   make report                                   every folder of REPORT_BUILDS, then the table
# Maintainers' targets, not part of `make run` or `make test`: make report is hours at -j1.
# `make docs-boards` (part of `make docs`) copies the table into README.md.
BOARDS_REPORT_DIR := $(REPORT)/boards
REPORT_BUILDS     := $(addprefix icebreaker-l,$(ICE40_REPORT_LANES)) $(addprefix ulx3s-l,$(ECP5_REPORT_LANES))
SWEEP_DIR  = $(BOARDS_REPORT_DIR)/$(BOARD)-l$(LANES)$(if $(filter ulx3s,$(BOARD)),$(if \
             $(filter-out 85k,$(ECP5_DEVICE)),-$(ECP5_DEVICE)))
SEEDS      = $(if $(filter ulx3s,$(BOARD)),$(ECP5_SEEDS),$(ICE40_SEEDS))
CLOCK_MHZ  = $(if $(filter ulx3s,$(BOARD)),$(ECP5_MHZ),$(ICE40_MHZ))

.PHONY: docs-boards report-seed-runs report-seed-summary $(addprefix report-sweep-,$(REPORT_BUILDS))
DOCS_STEPS += docs-boards

# the design clock of BOARD at LANES, in MHz (the tests read it: it is a function of LANES)
.PHONY: board-clock
board-clock:
	@echo $(CLOCK_MHZ)

report-seeds: board-check
	@[ -n "$(strip $(SEEDS))" ] || { echo "report-seeds: no seeds (ICE40_SEEDS / ECP5_SEEDS)" >&2; exit 1; }
	@echo "report-seeds: $(BOARD) LANES=$(LANES) at $(CLOCK_MHZ) MHz, seeds $(SEEDS) -> $(SWEEP_DIR)/"
	@$(MAKE) --no-print-directory -k report-seed-runs BOARD_DIR=$(SWEEP_DIR) || \
	    echo "report-seeds: $(BOARD) LANES=$(LANES): a run failed (see above); its seeds count as not passing" >&2
	@$(MAKE) --no-print-directory report-seed-summary BOARD_DIR=$(SWEEP_DIR)

report-seed-runs: $(BOARD_DIR)/synth_report.txt $(foreach s,$(SEEDS),$(BOARD_DIR)/seed$(s)/report.txt)

report-seed-summary:
	@mkdir -p $(BOARD_DIR)
	@rtl/scripts/board_report.sh seeds $(BOARD_DIR) $(CLOCK_MHZ) $(SEEDS) > $(BOARD_DIR)/seeds.txt.tmp
	@mv $(BOARD_DIR)/seeds.txt.tmp $(BOARD_DIR)/seeds.txt
	@rm -f $(BOARD_DIR)/critical_path.txt
	@w=$$(tr ' ' '\n' < $(BOARD_DIR)/seeds.txt | sed -n 's/^worst_seed=//p'); [ -z "$$w" ] || { \
	    cp $(BOARD_DIR)/seed$$w/critical_path.txt $(BOARD_DIR)/critical_path.txt.tmp && \
	    mv $(BOARD_DIR)/critical_path.txt.tmp $(BOARD_DIR)/critical_path.txt; }
	@echo "$(BOARD_DIR)/seeds.txt: $$(cat $(BOARD_DIR)/seeds.txt)"

# `make report`: the sweeps (side by side under -j), then the table from their folders.
report: $(addprefix report-sweep-,$(REPORT_BUILDS))
	@rtl/scripts/boards_table.sh $(BOARDS_REPORT_DIR) $(REPORT_BUILDS) > $(REPORT)/boards.md.tmp
	@mv $(REPORT)/boards.md.tmp $(REPORT)/boards.md
	@cat $(REPORT)/boards.md
	@echo "report: wrote $(REPORT)/boards.md ('make docs-boards' copies it into README.md)"
# (the generated headers first, so that parallel sweeps do not all write them)
$(addprefix report-sweep-,$(REPORT_BUILDS)): report-sweep-%: | $(CODES_VH) $(CAPS_VH)
	@$(MAKE) --no-print-directory report-seeds BOARD=$(word 1,$(subst -l, ,$*)) LANES=$(word 2,$(subst -l, ,$*)) \
	    ECP5_DEVICE=85k

docs-boards:
	@[ -f $(REPORT)/boards.md ] || { echo "docs-boards: no $(REPORT)/boards.md: run 'make report' first" >&2; exit 1; }
	rtl/scripts/splice_readme.sh README.md $(REPORT)/boards.md

# ---- lint: the board tops with the primitive stand-ins of rtl/boards/lint/ -------------------------------
# sim/models/ holds the SB_SPRAM256KA model that the core's MEM_TECH="ICE40" path instantiates.
BOARD_LINT = $(VERILATOR) --lint-only -Wall -Irtl/core -Irtl/link -Irtl/boards -Irtl/boards/lint -Isim/models \
             $(CODES_INC) rtl/lint_waivers.vlt

lint-boards: $(CODES_VH) $(CAPS_VH)
	@set -e; for l in 8 16 32; do \
	    $(BOARD_LINT) --top-module top_icebreaker -GLANES=$$l rtl/boards/top_icebreaker.v; \
	    $(BOARD_LINT) --top-module top_ulx3s -GLANES=$$l rtl/boards/top_ulx3s.v; \
	done; \
	for l in 64 128; do $(BOARD_LINT) --top-module top_ulx3s -GLANES=$$l rtl/boards/top_ulx3s.v; done; \
	for m in 24 36 66; do $(BOARD_LINT) --top-module top_icebreaker -GCLK_MHZ=$$m rtl/boards/top_icebreaker.v; done; \
	for m in 36 48; do $(BOARD_LINT) --top-module top_icebreaker -GCLK_MHZ=$$m -GBAUD=12000000 rtl/boards/top_icebreaker.v; done; \
	for m in 45 75 90 120; do $(BOARD_LINT) --top-module top_ulx3s -GCLK_MHZ=$$m rtl/boards/top_ulx3s.v; done; \
	for d in 12 25 45; do $(BOARD_LINT) --top-module top_ulx3s -GDEVICE_K=$$d rtl/boards/top_ulx3s.v; done; \
	for n in 2 4; do $(BOARD_LINT) --top-module reset_sync -GSTAGES=$$n rtl/boards/reset_sync.v; done
	@echo "lint-boards: top_icebreaker, top_ulx3s (LANES 8..128, clocks, devices), reset_sync: clean"

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
POSTSYNTH_YOSYS  = read_verilog -DSYNTHESIS -Irtl/core -Irtl/link -Irtl/boards $(CODES_INC) $(ICE40_RTL); \
                   chparam -set LANES $* -set MEM_TECH "ICE40" -set WMEM_BYTES $(call board_cap,icebreaker,WMEM_BYTES) \
                       -set PMEM_NEURONS $(call board_cap,icebreaker,PMEM_NEURONS) \
                       -set ABUF_BYTES $(call board_cap,icebreaker,ABUF_BYTES) accel_core; \
                   synth_ice40 -top accel_core -dsp; \
                   tee -q -o $(@D)/synth_stat_l$*.txt stat; write_verilog -noattr $@

$(POSTSYNTH_DIR)/accel_core_ice40_l%.v: $(BOARD_RTL) $(CODES_VH)
	@mkdir -p $(@D)
	@echo "yosys synth_ice40 accel_core (LANES=$*, MEM_TECH ICE40) -> $@"
	@$(PROGRESS) yosys $(@D)/yosys_l$*.log $(YOSYS) -q -l $(@D)/yosys_l$*.log -p '$(POSTSYNTH_YOSYS)' || \
	    { tail -n 20 $(@D)/yosys_l$*.log; exit 1; }

# The netlist and the testbench are compiled once (POSTSYNTH_BIN); each check writes into
# POSTSYNTH_OUT (default build/postsynth/<model>-l<LANES>-n<N>-<sim>/) the stimulus, the simulator's
# log and result.txt: "postsynth images=<n> mismatches=0 sim=<sim> lanes=<n>" (only on a pass).
POSTSYNTH_BIN  = $(POSTSYNTH_DIR)/tb_l$(LANES).$(if $(filter iverilog,$(POSTSYNTH_SIM)),vvp,vlt)
postsynth_out  = $(POSTSYNTH_DIR)/$(basename $(notdir $(1)))-l$(LANES)-n$(POSTSYNTH_N)-$(POSTSYNTH_SIM)
POSTSYNTH_OUT ?= $(call postsynth_out,$(POSTSYNTH_MODEL))
POSTSYNTH_ENV  = Q2MLP=$(BIN)/q2mlp TEST_IMAGES=$(TEST_IMAGES) YOSYS_DATDIR=$(YOSYS_DATDIR) \
                 POSTSYNTH_SIM=$(POSTSYNTH_SIM) IVERILOG=$(IVERILOG) VVP=$(VVP) VERILATOR=$(VERILATOR) \
                 CODES_INC='$(CODES_INC)'

POSTSYNTH_TB_SRCS := rtl/scripts/postsynth_tb.v rtl/scripts/postsynth.sh $(CODES_VH)
$(POSTSYNTH_DIR)/tb_l%.vlt: $(POSTSYNTH_DIR)/accel_core_ice40_l%.v $(POSTSYNTH_TB_SRCS)
	@echo "verilator: the netlist $< and rtl/scripts/postsynth_tb.v -> $@"
	@$(POSTSYNTH_ENV) POSTSYNTH_SIM=verilator rtl/scripts/postsynth.sh build $< $@
$(POSTSYNTH_DIR)/tb_l%.vvp: $(POSTSYNTH_DIR)/accel_core_ice40_l%.v $(POSTSYNTH_TB_SRCS)
	@echo "iverilog: the netlist $< and rtl/scripts/postsynth_tb.v -> $@"
	@$(POSTSYNTH_ENV) POSTSYNTH_SIM=iverilog rtl/scripts/postsynth.sh build $< $@

postsynth: $(POSTSYNTH_OUT)/result.txt
	@cat $<
$(POSTSYNTH_OUT)/result.txt: $(POSTSYNTH_BIN) $(POSTSYNTH_MODEL) $(BIN)/q2mlp | $(MNIST_DIR)/.verified
	@echo "postsynth: $(POSTSYNTH_N) test images of $(POSTSYNTH_MODEL) through $(POSTSYNTH_NET) ($(POSTSYNTH_SIM))"
	@rm -f $@
	@$(POSTSYNTH_ENV) rtl/scripts/postsynth.sh run $(POSTSYNTH_BIN) $(POSTSYNTH_MODEL) $(POSTSYNTH_N) $(@D)
	@echo "postsynth images=$(POSTSYNTH_N) mismatches=0 sim=$(POSTSYNTH_SIM) lanes=$(LANES)" > $@.tmp && mv $@.tmp $@

# ---- make run: the board stages ---------------------------------------------------------------------
# 50-up5k: the `up5k` model preset (docs/boards.md): UP5K_ARCH trained like the paper preset and
# packed with the study's choice (best.txt). UP5K_ARCH is the winner of `make up5k-search`, which
# trains every UP5K_CANDIDATES briefly and keeps the best on validation (a maintainers' target).
UP5K_ARCH         ?= 784-416-416-10
UP5K_CANDIDATES   ?= 784-640-10 784-512-128-10 784-448-256-10 784-416-416-10 784-320-320-320-10
UP5K_QUICK_EPOCHS ?= 3
UP5K_EPOCHS       ?= 20
UP5K_Q2           := $(BUILD)/models/up5k.q2
UP5K_ENV = Q2MLP=$(BIN)/q2mlp BUILD=$(BUILD) REPORT=$(REPORT) BEST_TXT=$(REPORT)/best.txt \
	    TRAIN_IMAGES=$(TRAIN_IMAGES) TRAIN_LABELS=$(TRAIN_LABELS) \
	    TEST_IMAGES=$(TEST_IMAGES) TEST_LABELS=$(TEST_LABELS) LANES=$(LANES) \
	    WMEM_BYTES=$(call board_cap,icebreaker,WMEM_BYTES) PMEM_NEURONS=$(call board_cap,icebreaker,PMEM_NEURONS) \
	    ABUF_BYTES=$(call board_cap,icebreaker,ABUF_BYTES) UP5K_QUICK_EPOCHS=$(UP5K_QUICK_EPOCHS) UP5K_EPOCHS=$(UP5K_EPOCHS)

.PHONY: run-50-up5k run-60-bitstream run-70-postsynth up5k-search
RUN_STAGES += $(RUN_DIR)/50-up5k.txt $(RUN_DIR)/60-bitstream.txt $(RUN_DIR)/70-postsynth.txt
run-50-up5k: $(RUN_DIR)/50-up5k.txt
run-60-bitstream: $(RUN_DIR)/60-bitstream.txt
run-70-postsynth: $(RUN_DIR)/70-postsynth.txt

# The paper preset's accuracies are printed beside the up5k ones, so paper.q2 is read too.
$(UP5K_Q2) $(RUN_DIR)/50-up5k.txt &: $(BIN)/q2mlp $(REPORT)/best.txt $(BUILD)/models/paper.q2 \
        rtl/scripts/up5k_preset.sh | $(MNIST_DIR)/.verified
	$(call stage_begin,50-up5k,the up5k preset $(UP5K_ARCH) for the UP5K core ($(LANES) lanes) -> $(UP5K_Q2))
	@mkdir -p $(BUILD)/logs
	@$(UP5K_ENV) UP5K_CANDIDATES='$(UP5K_ARCH)' rtl/scripts/up5k_preset.sh 2>&1 | tee $(BUILD)/logs/up5k.log; \
	    exit $${PIPESTATUS[0]}
	$(call stage_end,50-up5k,$$(cut -d' ' -f1-5 $(REPORT)/up5k.txt))

up5k-search: $(BIN)/q2mlp $(REPORT)/best.txt | $(MNIST_DIR)/.verified
	@echo "== up5k-search: of $(UP5K_CANDIDATES), the best that fits the UP5K core -> $(UP5K_Q2)"
	@mkdir -p $(BUILD)/logs
	@$(UP5K_ENV) UP5K_CANDIDATES='$(UP5K_CANDIDATES)' rtl/scripts/up5k_preset.sh 2>&1 | \
	    tee $(BUILD)/logs/up5k-search.log; exit $${PIPESTATUS[0]}

# 60-bitstream: the default bitstream of BOARD (the iCEBreaker; `make bitstream` does the work and
# checks its own prerequisites). Redone when the RTL, the constraints or a knob changes.
$(RUN_DIR)/60-bitstream.txt: $(BOARD_RTL) $(CODES_VH) rtl/boards/top_$(BOARD).v constraints/$(BOARD).$(if $(filter ulx3s,$(BOARD)),lpf,pcf) \
        rtl/scripts/board_report.sh $(BOARD_DIR)/config.txt
	$(call stage_begin,60-bitstream,the $(BOARD) build at $(LANES) lanes -> $(BOARD_DIR)/)
	@$(MAKE) --no-print-directory bitstream
	$(call stage_end,60-bitstream,board=$(BOARD) $$(cat $(BOARD_DIR)/report.txt))

# 70-postsynth: the synthesized iCE40 netlist of the core runs the up5k model bit-exactly.
$(RUN_DIR)/70-postsynth.txt: $(BOARD_RTL) $(CODES_VH) $(UP5K_Q2) $(BIN)/q2mlp rtl/scripts/postsynth.sh rtl/scripts/postsynth_tb.v \
        $(YOSYS_DATDIR)/ice40/cells_sim.v | $(MNIST_DIR)/.verified
	$(call stage_begin,70-postsynth,the iCE40 netlist of the core vs the bit-exact model (up5k preset))
	@$(MAKE) --no-print-directory postsynth POSTSYNTH_MODEL=$(UP5K_Q2)
	$(call stage_end,70-postsynth,$$(cut -d' ' -f2- $(call postsynth_out,$(UP5K_Q2))/result.txt))

# ---- make test: the ECP5 tools are installed like the Debian packages -----------------------------
# (tests/t_board_ecp5_pnr.sh places and routes a ULX3S build). Where the Debian trixie root cannot
# be made (no mirror, not root), the test then says "skipped: ..." and counts as skipped.
.PHONY: ecp5-tools
ecp5-tools:
	@$(ECP5_TOOLS) check 2>/dev/null || $(ECP5_TOOLS) install || \
	    echo "ecp5-tools: nextpnr-ecp5/ecppack not installed; t_board_ecp5_pnr.sh will be skipped" >&2
TEST_DEPS += ecp5-tools
