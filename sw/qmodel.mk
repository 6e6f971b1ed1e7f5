# sw/qmodel.mk — the bit-exact integer model in `make run` and the tests: the pack stage, the tiny
# .q2 fixture and the qmodel benchmark (code: sw/qmodel/, sw/quant/pack.c, sw/cli/cmd_qmodel.c).
#
#   build/run/30-pack.txt  (a stage of `make run`; `make run-30-pack` makes just this one) pack
#                         build/models/paper.mlp with the scope and rule of build/report/best.txt
#                         at QMODEL_LANES lanes -> build/models/paper.q2 (+ paper.2bit.mlp, the
#                         same 2-bit weights with float activations), print `q2mlp info`, and the
#                         bit-exact test accuracy beside the float-activation 2-bit one ->
#                         build/report/pack.txt
#   build/fixtures/tiny.q2  tiny.mlp (sw/float.mk) packed at TINY_Q2_LANES lanes, layer scope,
#                         rule opt: the model of the cosimulation tests
#   make bench-qmodel     one line: float_img_s= ref_img_s= fast_img_s= speedup_fast_vs_float=
#
# The calibration percentile is the spec's default (99.99); QMODEL_PACK_ARGS adds pack options,
# e.g. QMODEL_PACK_ARGS='--calib-pct auto' (chosen on the validation images, never the test set).

PAPER_MLP     ?= $(BUILD)/models/paper.mlp
TINY_MLP      ?= $(BUILD)/fixtures/tiny.mlp
PAPER_Q2      := $(BUILD)/models/paper.q2
PAPER_Q2_FLT  := $(BUILD)/models/paper.2bit.mlp
TINY_Q2       := $(BUILD)/fixtures/tiny.q2
BEST_TXT      := $(REPORT)/best.txt
QMODEL_LANES  ?= 32
TINY_Q2_LANES ?= 32
QMODEL_PACK_ARGS ?=
QMODEL_TRAIN  := --images $(TRAIN_IMAGES) --labels $(TRAIN_LABELS)
QMODEL_TEST   := --images $(TEST_IMAGES) --labels $(TEST_LABELS)

.PHONY: run-30-pack bench-qmodel
RUN_STAGES  += $(RUN_DIR)/30-pack.txt
BENCH_STEPS += bench-qmodel
TEST_DEPS   += $(TINY_Q2)
run-30-pack: $(RUN_DIR)/30-pack.txt

$(PAPER_Q2) $(PAPER_Q2_FLT) $(REPORT)/pack.txt $(RUN_DIR)/30-pack.txt &: $(PAPER_MLP) $(BEST_TXT) $(BIN)/q2mlp \
        | $(MNIST_DIR)/.verified
	$(call stage_begin,30-pack,$(PAPER_MLP) with '$$(grep -m1 -o 'scope=[^ ]* rule=[^ ]*' $(BEST_TXT))' of $(BEST_TXT) at $(QMODEL_LANES) lanes -> $(PAPER_Q2))
	@mkdir -p $(BUILD)/logs $(REPORT)
	@set -o pipefail; $(BIN)/q2mlp pack --model $(PAPER_MLP) --best $(BEST_TXT) --lanes $(QMODEL_LANES) \
	    $(QMODEL_TRAIN) $(QMODEL_PACK_ARGS) --save-float $(PAPER_Q2_FLT) -o $(PAPER_Q2) 2>&1 | tee $(BUILD)/logs/pack.log
	@$(BIN)/q2mlp info $(PAPER_Q2)
	@set -e; i=$$($(BIN)/q2mlp eval --model $(PAPER_Q2) $(QMODEL_TEST) --engine both); \
	    f=$$($(BIN)/q2mlp eval --model $(PAPER_Q2_FLT) $(QMODEL_TEST)); \
	    ia=$$(echo "$$i" | grep -o 'accuracy=[0-9.]*' | cut -d= -f2); \
	    fa=$$(echo "$$f" | grep -o 'accuracy=[0-9.]*' | cut -d= -f2); \
	    d=$$(awk -v a=$$ia -v b=$$fa 'BEGIN { printf "%+.2f", a - b }'); \
	    ok=$$(awk -v d=$$d 'BEGIN { print (d >= -0.2 ? "within" : "OUTSIDE") }'); \
	    line="test accuracy: bit-exact integer $$ia%, float-activation 2-bit $$fa%, difference $$d pt ($$ok the 0.2 pt budget); $$(echo "$$i" | grep -o 'mismatches=[0-9]*') fast vs reference"; \
	    echo "$$line"; echo "$$line" > $(REPORT)/pack.txt.tmp; \
	    echo "bitexact_acc=$$ia twobit_float_act_acc=$$fa diff_pt=$$d fast_vs_ref_$$(echo "$$i" | grep -o 'mismatches=[0-9]*')" \
	        "q2_bytes=$$(stat -c %s $(PAPER_Q2))" > $(RUN_DIR)/30-pack.fig
	@mv $(REPORT)/pack.txt.tmp $(REPORT)/pack.txt
	$(call stage_end,30-pack,$$(cat $(RUN_DIR)/30-pack.fig))

$(TINY_Q2): $(TINY_MLP) $(BIN)/q2mlp | $(MNIST_DIR)/.verified
	@mkdir -p $(@D)
	$(BIN)/q2mlp pack --model $(TINY_MLP) --scope layer --rule opt --lanes $(TINY_Q2_LANES) --calib 1000 \
	    $(QMODEL_TRAIN) --quiet -o $@ > $(@:.q2=.pack.log)

bench-qmodel: $(BIN)/q2mlp | $(MNIST_DIR)/.verified
	@$(BIN)/q2mlp bench --images $(TEST_IMAGES) $$([ -f $(PAPER_MLP) ] && echo --model $(PAPER_MLP)) \
	    $$([ -f $(PAPER_MLP) ] && [ -f $(PAPER_Q2) ] && echo --q2 $(PAPER_Q2))
