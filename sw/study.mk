# sw/study.mk — the support-region study (issue 2, sw/study/study.c, docs/quantizer.md).
#
#   build/run/20-study.txt   (a stage of `make run`; `make run-20-study` makes just this one) run
#                       `q2mlp study` on the paper model: the table on stdout, the report in
#                       build/report/ (study.csv, study.md, sweep_<scope>.csv/.svg, best.txt,
#                       which `q2mlp pack` reads), the log in build/logs/study.log; summary: the
#                       scope and rule chosen on validation.
#   make docs-study     copy the layer-wise sweep figure to docs/img/sweep_layer.svg (README.md)
#
# The model comes from the 10-train stage (sw/float.mk).

PAPER_MLP ?= $(BUILD)/models/paper.mlp
BEST_TXT  ?= $(REPORT)/best.txt
STUDY_FIG := docs/img/sweep_layer.svg

.PHONY: run-20-study docs-study
RUN_STAGES += $(RUN_DIR)/20-study.txt
DOCS_STEPS += docs-study
run-20-study: $(RUN_DIR)/20-study.txt

$(BEST_TXT) $(RUN_DIR)/20-study.txt &: $(PAPER_MLP) $(BIN)/q2mlp | $(MNIST_DIR)/.verified
	$(call stage_begin,20-study,support-region study of $(PAPER_MLP) -> $(REPORT)/)
	@mkdir -p $(BUILD)/logs
	@set -o pipefail; GNUPLOT=$(GNUPLOT) $(BIN)/q2mlp study --model $(PAPER_MLP) --out $(REPORT) \
	    --train-images $(TRAIN_IMAGES) --train-labels $(TRAIN_LABELS) \
	    --test-images $(TEST_IMAGES) --test-labels $(TEST_LABELS) | tee $(BUILD)/logs/study.log
	$(call stage_end,20-study,$$(cat $(BEST_TXT)))

docs-study: $(BEST_TXT)
	@[ -f $(REPORT)/sweep_layer.svg ] || { echo "docs-study: no $(REPORT)/sweep_layer.svg (is gnuplot installed?)" >&2; exit 1; }
	cp $(REPORT)/sweep_layer.svg $(STUDY_FIG)

# ---- the multi-seed study (issue 17; docs/quantizer.md "The multi-seed study") -------------------------
#   make study-full     train every topology of STUDY_TOPOLOGIES with every seed of STUDY_SEEDS (the
#                       base recipe: `q2mlp train` defaults), plus the variants: std (--standardize
#                       global) on STUDY_STD_TOPOLOGIES and keras (--recipe keras) on
#                       STUDY_KERAS_TOPOLOGIES with STUDY_KERAS_SEEDS; run `q2mlp study --methods` on each network (STUDY_JOBS
#                       processes, one GEMM thread each), then `q2mlp study-summary` ->
#                       build/report/study-full.{csv,md}, study-full-summary.csv, study-full-headline.md,
#                       band_<topology>[-<variant>]_<scope>.{csv,svg}. Prints its wall time.
#   make docs-study-full  splice study-full-headline.md into README.md (markers study-full) and copy
#                       the paper preset's layer-scope band to docs/img/band_paper_layer.svg; skipped
#                       (with a note) when `make study-full` has not run.
# The networks and their studies depend on q2mlp order-only: a rebuilt q2mlp neither retrains nor
# restudies them (delete $(STUDY_DIR) for a clean run); each file appears only when complete.
# Topologies: one home each. paper: the `q2mlp train` default (784-512-512-10); up5k: UP5K_ARCH of
# rtl/boards.mk; narrow128 784-128-10; tfc 784-64-64-64-10 (FINN's TFC).
STUDY_SEEDS            ?= 1 2 3 4 5
STUDY_TOPOLOGIES       ?= paper up5k narrow128 tfc
STUDY_STD_TOPOLOGIES   ?= paper narrow128 tfc
STUDY_KERAS_TOPOLOGIES ?= paper
STUDY_KERAS_SEEDS      ?= 1 2 3
STUDY_EPOCHS           ?= 20
STUDY_JOBS             ?= 2
STUDY_DIR              ?= $(BUILD)/study-full
STUDY_ARCH_paper       :=
STUDY_ARCH_up5k         = --arch $(UP5K_ARCH)
STUDY_ARCH_narrow128   := --arch 784-128-10
STUDY_ARCH_tfc         := --arch 784-64-64-64-10
STUDY_VARIANT_base     :=
STUDY_VARIANT_std      := --standardize global
STUDY_VARIANT_keras    := --recipe keras
STUDY_FIG_FULL         := docs/img/band_paper_layer.svg

# $(call study_runs,VARIANT,TOPOLOGIES,SEEDS): the run.txt of every topology x seed of the variant
study_runs = $(foreach t,$(2),$(foreach s,$(3),$(STUDY_DIR)/$(1)/$(t)/s$(s)/report/run.txt))
STUDY_RUNS := $(call study_runs,base,$(STUDY_TOPOLOGIES),$(STUDY_SEEDS)) \
              $(call study_runs,std,$(STUDY_STD_TOPOLOGIES),$(STUDY_SEEDS)) \
              $(call study_runs,keras,$(STUDY_KERAS_TOPOLOGIES),$(STUDY_KERAS_SEEDS))

# One network and its study: $(1) variant, $(2) topology, $(3) seed.
define study_run_rules
$(STUDY_DIR)/$(1)/$(2)/s$(3)/model.mlp: | $(BIN)/q2mlp $(MNIST_DIR)/.verified
	@mkdir -p $$(@D)
	nice -n $(STUDY_NICE) $(BIN)/q2mlp train $$(STUDY_ARCH_$(2)) $(STUDY_VARIANT_$(1)) --epochs $(STUDY_EPOCHS) \
	    --seed $(3) --threads 1 --quiet --train-images $(TRAIN_IMAGES) --train-labels $(TRAIN_LABELS) \
	    --test-images $(TEST_IMAGES) --test-labels $(TEST_LABELS) -o $$@ > $$(@D)/train.log
$(STUDY_DIR)/$(1)/$(2)/s$(3)/report/run.txt: $(STUDY_DIR)/$(1)/$(2)/s$(3)/model.mlp | $(BIN)/q2mlp
	OPENBLAS_NUM_THREADS=1 nice -n $(STUDY_NICE) $(BIN)/q2mlp study --model $$< --out $$(@D) --methods \
	    --quiet --gnuplot '' --label-topology $(2) --label-variant $(1) --label-seed $(3) \
	    --train-images $(TRAIN_IMAGES) --train-labels $(TRAIN_LABELS) \
	    --test-images $(TEST_IMAGES) --test-labels $(TEST_LABELS) > $(STUDY_DIR)/$(1)/$(2)/s$(3)/study.log
endef
STUDY_NICE ?= 10
$(foreach t,$(STUDY_TOPOLOGIES),$(foreach s,$(STUDY_SEEDS),$(eval $(call study_run_rules,base,$(t),$(s)))))
$(foreach t,$(STUDY_STD_TOPOLOGIES),$(foreach s,$(STUDY_SEEDS),$(eval $(call study_run_rules,std,$(t),$(s)))))
$(foreach t,$(STUDY_KERAS_TOPOLOGIES),$(foreach s,$(STUDY_KERAS_SEEDS),$(eval $(call study_run_rules,keras,$(t),$(s)))))

.PHONY: study-full study-full-runs docs-study-full
DOCS_STEPS += docs-study-full
study-full-runs: $(STUDY_RUNS)

STUDY_FULL_CMD = make study-full STUDY_SEEDS='$(STUDY_SEEDS)' STUDY_TOPOLOGIES='$(STUDY_TOPOLOGIES)' \
    STUDY_STD_TOPOLOGIES='$(STUDY_STD_TOPOLOGIES)' STUDY_KERAS_TOPOLOGIES='$(STUDY_KERAS_TOPOLOGIES)' \
    STUDY_KERAS_SEEDS='$(STUDY_KERAS_SEEDS)' STUDY_EPOCHS=$(STUDY_EPOCHS)
study-full: $(BIN)/q2mlp | $(MNIST_DIR)/.verified
	@t0=$$(date +%s); $(MAKE) --no-print-directory -j$(STUDY_JOBS) study-full-runs && \
	GNUPLOT=$(GNUPLOT) $(BIN)/q2mlp study-summary --out $(REPORT) --name study-full \
	    --command "$(STUDY_FULL_CMD)" $(dir $(STUDY_RUNS)) && \
	echo "study-full: $(words $(STUDY_RUNS)) networks, wall $$(( $$(date +%s) - t0 )) s -> $(REPORT)/study-full.md" | \
	    tee $(REPORT)/study-full-time.txt

docs-study-full:
	@if [ ! -f $(REPORT)/study-full-headline.md ]; then \
	    echo "docs-study-full: skipped: no $(REPORT)/study-full-headline.md (run make study-full first)"; \
	else \
	    rtl/scripts/splice_readme.sh README.md $(REPORT)/study-full-headline.md study-full && \
	    if [ -f $(REPORT)/band_paper_layer.svg ]; then cp $(REPORT)/band_paper_layer.svg $(STUDY_FIG_FULL); fi; \
	fi
