# tests/fuzz.mk — libFuzzer targets for every reader of bytes from outside (docs/fuzzing.md):
#
#   make fuzz                    every target, one after the other, FUZZ_TIME seconds each (default 60)
#   make fuzz-<t>                one of them: q2 npy idx mlp best host proto onnx
#
# A C target is built with clang (-fsanitize=fuzzer,address,undefined) from the library sources it
# needs; fuzz-proto links a Verilator model of rtl/link/accel_top.v (small parameters, compiled with
# clang++ and -fsanitize=fuzzer-no-link, so the fuzzer sees the RTL's branches) under build/fuzz/vproto.
# Each target's seed corpus is tests/corpus/<t>/ (small committed files) plus what its seed writer
# (the same source built with -DFUZZ_MAKE_SEEDS) makes. The corpus grows in build/fuzz/<t>/corpus;
# findings land in build/fuzz/<t>/ as crash-* (or leak-, timeout-, oom-) files: reproduce with
# build/fuzz/fuzz_<t> FILE. The log is build/fuzz/<t>.log, its final "#N DONE" line
# build/fuzz/<t>.summary.
#
# `make test` builds build/fuzz/replay_<t> (each target with tests/fuzz_replay.c instead of libFuzzer,
# ASan/UBSan) when clang is there; tests/t_fuzz_replay.sh runs them over tests/corpus/<t>/.

FUZZ_TIME   ?= 60
CLANGXX     ?= clang++
FUZZ_DIR    := $(BUILD)/fuzz
FUZZ_CSTD   := -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror -g -O1 -Isw -Itests $(CODES_INC) \
               $(shell $(PKG_CONFIG) --cflags zlib openblas 2>/dev/null)
FUZZ_SAN    := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_RSAN   := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
FUZZ_LIBS   := $(shell $(PKG_CONFIG) --libs zlib 2>/dev/null) -lm -lpthread -ldl   # OpenBLAS: dlopen only (sw/sw.mk)
FUZZ_VLIBS  := -latomic -lpthread
FUZZ_HDRS   := sw/qmodel/qmodel.h sw/base/npy.h sw/base/util.h sw/float/mlp.h sw/base/idx.h sw/host/host.h sw/quant/pack.h sw/quant/quant.h sw/study/study.h \
               sw/onnx/onnx.h tests/fuzz_util.h tests/fuzz_frames.h $(CODES_H) $(ONNX_PB_H)

FUZZ_TARGETS   := q2 npy idx mlp best host proto onnx
FUZZ_C_TARGETS := $(filter-out proto,$(FUZZ_TARGETS))
FUZZ_SRC_q2    := tests/fuzz_q2.c sw/qmodel/qmodel.c sw/qmodel/qfast.c sw/base/util.c
FUZZ_SRC_npy   := tests/fuzz_npy.c sw/base/npy.c sw/base/util.c
FUZZ_SRC_idx   := tests/fuzz_idx.c sw/base/idx.c sw/base/util.c
FUZZ_SRC_mlp   := tests/fuzz_mlp.c sw/float/mlp.c sw/float/gemm.c sw/base/util.c
FUZZ_SRC_best  := tests/fuzz_best.c sw/study/best.c sw/quant/quant.c sw/float/mlp.c sw/float/gemm.c \
                  sw/base/idx.c sw/base/util.c
FUZZ_SRC_host  := tests/fuzz_host.c tests/fuzz_stubs.c sw/host/host_proto.c sw/qmodel/fits.c sw/base/util.c
FUZZ_SRC_proto := tests/fuzz_proto.c tests/fuzz_stubs.c sw/host/host_proto.c sw/qmodel/fits.c sw/base/util.c
# the ONNX importer and exporter with protoc-c's code (sw/onnx.mk); libprotobuf-c itself is the
# system's shared library, so its decoder runs under the fuzzer but is not coverage-instrumented
FUZZ_SRC_onnx  := tests/fuzz_onnx.c sw/onnx/onnx_import.c sw/onnx/onnx_export.c sw/float/mlp.c sw/float/gemm.c \
                  sw/qmodel/qmodel.c sw/base/util.c $(ONNX_PB_C)
FUZZ_LIBS_onnx := $(SW_LIBS_onnx)
# More ONNX seeds when the system python has onnx: the accepted and refused models of
# tests/onnx_models.py (MatMul + Add, Reshape, shape computations, float_data, ...), which the C seed
# writer does not make. $(call FUZZ_PY_SEEDS_onnx,DIR) adds them to DIR (nothing without python3-onnx).
FUZZ_PY_SEEDS_onnx = /usr/bin/python3 tests/onnx_models.py make $(1)/py > /dev/null 2>&1 && \
                     mv $(1)/py/*.onnx $(1)/; rm -rf $(1)/py; true
# libFuzzer options per target: the Verilated decoder is slow, keep its inputs short
FUZZ_OPTS_proto := -max_len=384

.PHONY: $(addprefix fuzz-,$(FUZZ_TARGETS))
FUZZ_STEPS += $(addprefix fuzz-,$(FUZZ_TARGETS))

# ---- the C targets: fuzzer, seed writer, replay --------------------------------------------------
define FUZZ_C_RULES
$(FUZZ_DIR)/fuzz_$(1): $(FUZZ_SRC_$(1)) $(FUZZ_HDRS)
	@mkdir -p $$(@D)
	$(CLANG) $(FUZZ_CSTD) $(FUZZ_SAN) $(FUZZ_SRC_$(1)) $(FUZZ_LIBS) $(FUZZ_LIBS_$(1)) -o $$@
$(FUZZ_DIR)/seeds_$(1): $(FUZZ_SRC_$(1)) $(FUZZ_HDRS)
	@mkdir -p $$(@D)
	$(CLANG) $(FUZZ_CSTD) -DFUZZ_MAKE_SEEDS $(FUZZ_SRC_$(1)) $(FUZZ_LIBS) $(FUZZ_LIBS_$(1)) -o $$@
$(FUZZ_DIR)/replay_$(1): tests/fuzz_replay.c $(FUZZ_SRC_$(1)) $(FUZZ_HDRS)
	@mkdir -p $$(@D)
	$(CLANG) $(FUZZ_CSTD) $(FUZZ_RSAN) tests/fuzz_replay.c $(FUZZ_SRC_$(1)) $(FUZZ_LIBS) $(FUZZ_LIBS_$(1)) -o $$@
endef
$(foreach t,$(FUZZ_C_TARGETS),$(eval $(call FUZZ_C_RULES,$(t))))

# ---- the decoder target: accel_top verilated for the fuzzer ---------------------------------------
# Small memories and ring, the shortest inter-byte timeout and watchdog, 4 clocks per bit: an input
# of n bytes costs about 40 n + 3000 cycles. tests/fuzz_proto.c gets the same values as -D.
FUZZ_VDIR    := $(FUZZ_DIR)/vproto
FUZZ_PROTO_G := -GLANES=8 -GCLKS_PER_BIT=4 -GCLOCK_HZ=12000000 -GWMEM_BYTES=1024 -GPMEM_NEURONS=32 \
                -GABUF_BYTES=32 -GRXBUF_BYTES=512 -GMAX_PAYLOAD=64 -GTIMEOUT_BITS=64 -GWATCHDOG_LOG2=16
FUZZ_PROTO_D := -DFZ_CPB=4 -DFZ_TIMEOUT_BITS=64 -DFZ_MAX_PAYLOAD=64 -DFZ_RXBUF=512 -DFZ_LANES=8
FUZZ_VROOT   := $(shell $(VERILATOR) --getenv VERILATOR_ROOT 2>/dev/null)
FUZZ_VOBJS   := $(FUZZ_VDIR)/Vaccel_top__ALL.a $(FUZZ_VDIR)/verilated.o $(FUZZ_VDIR)/verilated_threads.o
FUZZ_VCOV    := -fsanitize=fuzzer-no-link
FUZZ_VFLAGS  := --cc --Mdir $(FUZZ_VDIR) --top-module accel_top -Irtl/core -Irtl/link -Irtl/boards -Isim/models \
                $(CODES_INC) -O3 --x-assign unique --x-initial unique -Wall rtl/lint_waivers.vlt

# The parameters and flags are part of the build: a change re-verilates (the board simulator's
# pattern). The model is verilated at -Wall, and `make lint` (lint-fuzz-proto) checks these
# parameters.
.PHONY: FORCE_FUZZ_VPROTO
FORCE_FUZZ_VPROTO:
$(FUZZ_VDIR)/config.txt: FORCE_FUZZ_VPROTO
	@mkdir -p $(@D)
	@echo '$(FUZZ_VFLAGS) $(FUZZ_PROTO_G) $(FUZZ_VCOV) $(CLANGXX)' | cmp -s - $@ || \
	    echo '$(FUZZ_VFLAGS) $(FUZZ_PROTO_G) $(FUZZ_VCOV) $(CLANGXX)' > $@
$(FUZZ_VDIR)/Vaccel_top.mk: $(BOARD_RTL) $(CODES_VH) rtl/lint_waivers.vlt $(FUZZ_VDIR)/config.txt
	@mkdir -p $(@D)
	@echo "verilator accel_top for fuzz-proto -> $(@D)"
	@rm -rf $(FUZZ_VDIR)/V* && $(VERILATOR) $(FUZZ_VFLAGS) $(FUZZ_PROTO_G) rtl/link/accel_top.v > $(FUZZ_VDIR)/verilator.log 2>&1 || \
	    { cat $(FUZZ_VDIR)/verilator.log; exit 1; }
$(FUZZ_VDIR)/Vaccel_top__ALL.a: $(FUZZ_VDIR)/Vaccel_top.mk
	@$(MAKE) --no-print-directory -s -C $(FUZZ_VDIR) -f Vaccel_top.mk CXX=$(CLANGXX) \
	    OPT_FAST="-O2 $(FUZZ_VCOV)" OPT_SLOW="-O1 $(FUZZ_VCOV)" OPT_GLOBAL=-O2 \
	    Vaccel_top__ALL.a verilated.o verilated_threads.o > $(FUZZ_VDIR)/make.log 2>&1 || \
	    { tail -n 30 $(FUZZ_VDIR)/make.log; exit 1; }
$(FUZZ_VDIR)/verilated.o $(FUZZ_VDIR)/verilated_threads.o: $(FUZZ_VDIR)/Vaccel_top__ALL.a

.PHONY: lint-fuzz-proto
LINT_STEPS += lint-fuzz-proto
lint-fuzz-proto: $(CODES_VH)
	@$(TOP_LINT) --top-module accel_top $(FUZZ_PROTO_G) rtl/link/accel_top.v
	@echo "lint-fuzz-proto: accel_top with the fuzz-proto parameters: clean"
$(FUZZ_VDIR)/shim.o: tests/fuzz_proto_shim.cpp tests/fuzz_proto.h $(FUZZ_VDIR)/Vaccel_top__ALL.a
	$(CLANGXX) -O2 -g -std=c++17 $(FUZZ_VCOV) -I$(FUZZ_VDIR) -I$(FUZZ_VROOT)/include \
	    -I$(FUZZ_VROOT)/include/vltstd -Itests -Isw -c $< -o $@

$(FUZZ_DIR)/fuzz_proto: $(FUZZ_SRC_proto) $(FUZZ_HDRS) tests/fuzz_proto.h $(FUZZ_VDIR)/shim.o $(FUZZ_VOBJS)
	@mkdir -p $(FUZZ_DIR)/obj_proto
	@set -e; for s in $(FUZZ_SRC_proto); do \
	    $(CLANG) $(FUZZ_CSTD) $(FUZZ_SAN) $(FUZZ_PROTO_D) -c $$s -o $(FUZZ_DIR)/obj_proto/$$(basename $$s .c).o; done
	$(CLANGXX) -fsanitize=fuzzer,address,undefined $(addprefix $(FUZZ_DIR)/obj_proto/,$(notdir \
	    $(FUZZ_SRC_proto:.c=.o))) $(FUZZ_VDIR)/shim.o $(FUZZ_VOBJS) $(FUZZ_LIBS) $(FUZZ_VLIBS) -o $@
$(FUZZ_DIR)/seeds_proto: $(FUZZ_SRC_proto) sw/qmodel/qmodel.c sw/qmodel/qfast.c $(FUZZ_HDRS)
	@mkdir -p $(@D)
	$(CLANG) $(FUZZ_CSTD) $(FUZZ_PROTO_D) -DFUZZ_MAKE_SEEDS $(FUZZ_SRC_proto) sw/qmodel/qmodel.c sw/qmodel/qfast.c \
	    $(FUZZ_LIBS) -o $@
# The replay links the same coverage-instrumented model: ASan's runtime has the (no-op) hooks.
$(FUZZ_DIR)/replay_proto: tests/fuzz_replay.c $(FUZZ_SRC_proto) $(FUZZ_HDRS) tests/fuzz_proto.h \
                          $(FUZZ_VDIR)/shim.o $(FUZZ_VOBJS)
	@mkdir -p $(FUZZ_DIR)/obj_replay_proto
	@set -e; for s in tests/fuzz_replay.c $(FUZZ_SRC_proto); do \
	    $(CLANG) $(FUZZ_CSTD) $(FUZZ_RSAN) $(FUZZ_PROTO_D) -c $$s \
	        -o $(FUZZ_DIR)/obj_replay_proto/$$(basename $$s .c).o; done
	$(CLANGXX) $(FUZZ_RSAN) $(FUZZ_DIR)/obj_replay_proto/*.o $(FUZZ_VDIR)/shim.o $(FUZZ_VOBJS) \
	    $(FUZZ_LIBS) $(FUZZ_VLIBS) -o $@

# ---- running ------------------------------------------------------------------------------------
# -close_fd_mask=2: the readers print one line per rejected input on stderr; libFuzzer keeps its
# own report, and a crash input is always saved (re-run it without the flag to see the message).
$(addprefix fuzz-,$(FUZZ_TARGETS)): fuzz-%: $(FUZZ_DIR)/fuzz_% $(FUZZ_DIR)/seeds_%
	@mkdir -p $(FUZZ_DIR)/$*/corpus
	@$(FUZZ_DIR)/seeds_$* $(FUZZ_DIR)/$*/corpus
	@if [ -d tests/corpus/$* ]; then cp tests/corpus/$*/* $(FUZZ_DIR)/$*/corpus/; fi
	$(if $(FUZZ_PY_SEEDS_$*),@$(call FUZZ_PY_SEEDS_$*,$(FUZZ_DIR)/$*/corpus))
	@echo "== fuzz-$*: $(FUZZ_TIME) s, corpus $(FUZZ_DIR)/$*/corpus, log $(FUZZ_DIR)/$*.log"
	@cd $(FUZZ_DIR)/$*; rc=0; ../fuzz_$* -max_total_time=$(FUZZ_TIME) -close_fd_mask=2 \
	    -print_final_stats=1 $(FUZZ_OPTS_$*) corpus > ../$*.log 2>&1 || rc=$$?; \
	    grep -E '^#[0-9]+[[:space:]]+DONE' ../$*.log | tail -1 > ../$*.summary; \
	    grep -E 'ERROR|SUMMARY|stat::number_of_executed_units|stat::average_exec_per_sec|stat::new_units_added' ../$*.log; \
	    echo "fuzz-$*: $$(cat ../$*.summary); findings: $$(ls crash-* leak-* timeout-* oom-* 2>/dev/null | wc -l) (exit $$rc)"; \
	    exit $$rc

# ---- make test: the replays ---------------------------------------------------------------------
# The targets whose seeds are generated, not committed (FUZZ_GEN_CORPUS): `make test` runs their seed
# writer into build/fuzz/corpus-<t>/, which tests/t_fuzz_replay.sh replays with tests/corpus/<t>/.
FUZZ_GEN_CORPUS  := onnx
FUZZ_REPLAY_BINS := $(addprefix $(FUZZ_DIR)/replay_,$(FUZZ_TARGETS))
$(FUZZ_DIR)/corpus-%.stamp: $(FUZZ_DIR)/seeds_%
	@rm -rf $(FUZZ_DIR)/corpus-$* && mkdir -p $(FUZZ_DIR)/corpus-$*
	$< $(FUZZ_DIR)/corpus-$* > /dev/null
	$(if $(FUZZ_PY_SEEDS_$*),@$(call FUZZ_PY_SEEDS_$*,$(FUZZ_DIR)/corpus-$*))
	@touch $@
ifneq ($(shell command -v $(CLANG) 2>/dev/null),)
ifneq ($(shell command -v $(CLANGXX) 2>/dev/null),)
TEST_DEPS += $(FUZZ_REPLAY_BINS) $(patsubst %,$(FUZZ_DIR)/corpus-%.stamp,$(FUZZ_GEN_CORPUS))
endif
endif
