# tests/fuzz.mk — libFuzzer targets for the two readers of untrusted files (docs/fuzzing.md):
#
#   make fuzz                 both targets, FUZZ_TIME seconds each (default 60)
#   make fuzz-q2 / fuzz-npy   one of them
#
# Each target is built with clang (-fsanitize=fuzzer,address,undefined) from the library sources it
# needs; its seed corpus (valid files) is written by the same source built with -DFUZZ_MAKE_SEEDS.
# The corpus grows in build/fuzz/<target>/corpus; findings land in build/fuzz/<target>/ as crash-*
# (or leak-, timeout-, oom-) files: reproduce with build/fuzz/fuzz_<target> FILE. The log is
# build/fuzz/<target>.log, its final "#N DONE" line build/fuzz/<target>.summary.
# Nothing here is built by `make test`.

FUZZ_TIME  ?= 60
FUZZ_DIR   := $(BUILD)/fuzz
FUZZ_CSTD  := -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror -g -O1 -Isw
FUZZ_SAN   := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_HDRS  := sw/qmodel/qmodel.h sw/base/npy.h sw/base/util.h sw/float/mlp.h sw/base/idx.h
FUZZ_SRC_q2  := tests/fuzz_q2.c sw/qmodel/qmodel.c sw/qmodel/qfast.c sw/base/util.c
FUZZ_SRC_npy := tests/fuzz_npy.c sw/base/npy.c sw/base/util.c

.PHONY: fuzz-q2 fuzz-npy
FUZZ_STEPS += fuzz-q2 fuzz-npy

$(FUZZ_DIR)/fuzz_q2: $(FUZZ_SRC_q2) $(FUZZ_HDRS)
	@mkdir -p $(@D)
	$(CLANG) $(FUZZ_CSTD) $(FUZZ_SAN) $(FUZZ_SRC_q2) -lz -lm -o $@
$(FUZZ_DIR)/seeds_q2: $(FUZZ_SRC_q2) $(FUZZ_HDRS)
	@mkdir -p $(@D)
	$(CLANG) $(FUZZ_CSTD) -DFUZZ_MAKE_SEEDS $(FUZZ_SRC_q2) -lz -lm -o $@
$(FUZZ_DIR)/fuzz_npy: $(FUZZ_SRC_npy) $(FUZZ_HDRS)
	@mkdir -p $(@D)
	$(CLANG) $(FUZZ_CSTD) $(FUZZ_SAN) $(FUZZ_SRC_npy) -lz -lm -o $@
$(FUZZ_DIR)/seeds_npy: $(FUZZ_SRC_npy) $(FUZZ_HDRS)
	@mkdir -p $(@D)
	$(CLANG) $(FUZZ_CSTD) -DFUZZ_MAKE_SEEDS $(FUZZ_SRC_npy) -lz -lm -o $@

# -close_fd_mask=2: the readers print one line per rejected input on stderr; libFuzzer keeps its
# own report, and a crash input is always saved (re-run it without the flag to see the message).
fuzz-q2 fuzz-npy: fuzz-%: $(FUZZ_DIR)/fuzz_% $(FUZZ_DIR)/seeds_%
	@mkdir -p $(FUZZ_DIR)/$*/corpus
	@$(FUZZ_DIR)/seeds_$* $(FUZZ_DIR)/$*/corpus
	@echo "== fuzz-$*: $(FUZZ_TIME) s, corpus $(FUZZ_DIR)/$*/corpus, log $(FUZZ_DIR)/$*.log"
	@cd $(FUZZ_DIR)/$*; rc=0; ../fuzz_$* -max_total_time=$(FUZZ_TIME) -close_fd_mask=2 \
	    -print_final_stats=1 corpus > ../$*.log 2>&1 || rc=$$?; \
	    grep -E '^#[0-9]+[[:space:]]+DONE' ../$*.log | tail -1 > ../$*.summary; \
	    grep -E 'ERROR|SUMMARY|stat::number_of_executed_units|stat::average_exec_per_sec|stat::new_units_added' ../$*.log; \
	    echo "fuzz-$*: $$(cat ../$*.summary); findings: $$(ls crash-* leak-* timeout-* oom-* 2>/dev/null | wc -l) (exit $$rc)"; \
	    exit $$rc
