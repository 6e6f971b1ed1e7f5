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
