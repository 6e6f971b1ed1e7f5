# sw/study.mk — the support-region study (issue 2, sw/study.c, docs/quantizer.md).
#
#   make run-20-study   run `q2mlp study` on the paper model: the table on stdout, the report in
#                       build/report/ (study.csv, study.md, sweep_<scope>.csv/.svg, best.txt,
#                       which `q2mlp pack` reads), the log in build/logs/study.log, and the
#                       layer-wise sweep figure copied to docs/img/sweep_layer.svg for README.md.
#
# The model comes from run-10-train (sw/float.mk); it is only built here when missing.

PAPER_MLP ?= $(BUILD)/models/paper.mlp
STUDY_FIG := docs/img/sweep_layer.svg

.PHONY: run-20-study
RUN_STEPS += run-20-study

run-20-study: $(BIN)/q2mlp | $(MNIST_DIR)/.verified
	@[ -f $(PAPER_MLP) ] || $(MAKE) --no-print-directory $(PAPER_MLP)
	@echo "== run-20-study: support-region study of $(PAPER_MLP) -> $(REPORT)/"
	@mkdir -p $(BUILD)/logs
	@set -o pipefail; GNUPLOT=$(GNUPLOT) $(BIN)/q2mlp study --model $(PAPER_MLP) --out $(REPORT) \
	    --train-images $(TRAIN_IMAGES) --train-labels $(TRAIN_LABELS) \
	    --test-images $(TEST_IMAGES) --test-labels $(TEST_LABELS) | tee $(BUILD)/logs/study.log
	@if [ -f $(REPORT)/sweep_layer.svg ]; then mkdir -p $(dir $(STUDY_FIG)) && \
	    cp $(REPORT)/sweep_layer.svg $(STUDY_FIG) && echo "figure: $(STUDY_FIG)"; fi
