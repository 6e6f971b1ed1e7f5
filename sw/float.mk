# sw/float.mk — the float model: the paper-preset training step of `make run`, the tiny model
# fixture the tests use, and the GEMM speed benchmark (docs/performance.md).
#
#   build/run/10-train.txt   (a stage of `make run`) train 784-512-512-10 -> build/models/paper.mlp
#                          when it is missing or older than build/bin/q2mlp; summary: its test and
#                          validation accuracy. `make run-10-train` makes just this stage.
#   build/fixtures/tiny.mlp  784-64-10, 1 epoch on 5000 images, seed 1 (~90% test; under a second)
#   make bench-float       training and inference images/s, own GEMM vs OpenBLAS

PAPER_MLP  := $(BUILD)/models/paper.mlp
TINY_MLP   := $(BUILD)/fixtures/tiny.mlp
FLOAT_LOGS := $(BUILD)/logs

.PHONY: run-10-train bench-float
RUN_STAGES  += $(RUN_DIR)/10-train.txt
TEST_DEPS   += $(TINY_MLP)
BENCH_STEPS += bench-float
run-10-train: $(RUN_DIR)/10-train.txt

# Defaults of `q2mlp train` are the paper preset (784-512-512-10, Adam, cosine, dropout 0.2,
# 20 epochs, seed 1). The summary line is kept in build/logs/train-paper.log.
$(PAPER_MLP) $(RUN_DIR)/10-train.txt &: $(BIN)/q2mlp | $(MNIST_DIR)/.verified
	$(call stage_begin,10-train,train the paper preset 784-512-512-10 -> $(PAPER_MLP))
	@mkdir -p $(dir $(PAPER_MLP)) $(FLOAT_LOGS)
	@set -o pipefail; $(BIN)/q2mlp train --train-images $(TRAIN_IMAGES) --train-labels $(TRAIN_LABELS) \
	    --test-images $(TEST_IMAGES) --test-labels $(TEST_LABELS) -o $(PAPER_MLP) | tee $(FLOAT_LOGS)/train-paper.log
	$(call stage_end,10-train,$$(grep -o 'arch=[^ ]* epochs=[0-9]* best_epoch=[0-9]* val_acc=[0-9.]* test_acc=[0-9.]*' \
	    $(FLOAT_LOGS)/train-paper.log))

# The GEMM engine is pinned: "own" gives the same bits for any thread count and CPU kernel.
$(TINY_MLP): $(BIN)/q2mlp | $(MNIST_DIR)/.verified
	@mkdir -p $(@D)
	$(BIN)/q2mlp train --arch 784-64-10 --epochs 1 --limit 5000 --batch 32 --lr 3e-3 --dropout 0 \
	    --seed 1 --gemm own --quiet \
	    --train-images $(TRAIN_IMAGES) --train-labels $(TRAIN_LABELS) \
	    --test-images $(TEST_IMAGES) --test-labels $(TEST_LABELS) -o $@ > $(@:.mlp=.log)

# One key=value line per measurement. OpenBLAS 0.3.21 does not know some recent Intel cores and
# falls back to its Prescott (SSE3) kernels; the blas-skylakex line forces its AVX-512 kernels.
BENCH_FLOAT_ARGS := --epochs 1 --quiet --train-images $(TRAIN_IMAGES) --train-labels $(TRAIN_LABELS) \
    --test-images $(TEST_IMAGES) --test-labels $(TEST_LABELS)
# img_s is wall-clock; img_cpu_s is per CPU-second of the process (all threads), which a machine
# shared with other jobs disturbs much less. docs/performance.md records both.
FLOAT_BENCH_THREADS ?= 1 2
bench-float: $(BIN)/q2mlp | $(MNIST_DIR)/.verified
	@mkdir -p $(BUILD)/bench
	@set -e; for th in $(FLOAT_BENCH_THREADS); do for v in own blas blas-skylakex; do \
	    g=$${v%%-*}; env=; \
	    if [ $$v = blas-skylakex ]; then grep -qw avx512f /proc/cpuinfo || continue; env=OPENBLAS_CORETYPE=SkylakeX; fi; \
	    t=$$(env $$env $(BIN)/q2mlp train $(BENCH_FLOAT_ARGS) --threads $$th --gemm $$g -o $(BUILD)/bench/float-$$g.mlp); \
	    e=$$(env $$env $(BIN)/q2mlp eval --threads $$th --gemm $$g --repeat 5 --model $(BUILD)/bench/float-$$g.mlp \
	        --images $(TEST_IMAGES) --labels $(TEST_LABELS)); \
	    echo "bench=float gemm=$$v threads=$$th $$(grep -o 'train_img_s=[0-9]*' <<<"$$t")" \
	        "$$(grep -o 'train_img_cpu_s=[0-9]*' <<<"$$t") infer_$$(grep -o ' img_s=[0-9]*' <<<"$$e" | tr -d ' ')" \
	        "infer_$$(grep -o 'img_cpu_s=[0-9]*' <<<"$$e") load=$$(cut -d' ' -f1 /proc/loadavg)"; \
	done; done
