# sw/bench.mk — the peer benchmark: q2mlp float and fast 2-bit beside PyTorch CPU and ONNX Runtime,
# interleaved on the same batches (code: sw/bench/, sw/cli/cmd_bench.c; docs/performance.md).
#
#   make bench-peers       one key=value line per engine and batch size (1, 256): medians over
#                          PEERS_ROUNDS rounds, each engine PEERS_SECS s per round, one thread
#   make bench-peers-deps  onnxruntime-node@ORT_VERSION into ORT_DIR (outside the repository)
#
# The float network the peers run is the paper model's: its weights as .npy (`q2mlp bench
# --npy-out`), for PyTorch, and its ONNX file (`q2mlp export --onnx`, docs/onnx.md), for ONNX Runtime.
# PEERS_ONNX overrides that file with your own.
# Without the paper model (make run) or a peer's runtime the lines say `skipped: <why>`.

ORT_VERSION  ?= 1.30.0
ORT_DIR      ?= $(HOME)/.cache/q2mlp/ort
PEERS_DIR    := $(BUILD)/bench/peers
PEERS_NPY    := $(PEERS_DIR)/npy
PEERS_ONNX   ?= $(PEERS_DIR)/paper.onnx
PEERS_ROUNDS ?= 9
PEERS_SECS   ?= 0.3
PEERS_PY     ?= /usr/bin/python3
PEERS_MLP    := $(BUILD)/models/paper.mlp
PEERS_Q2     := $(BUILD)/models/paper.q2

.PHONY: bench-peers bench-peers-deps
BENCH_STEPS += bench-peers
# tests/t_onnx_cli.sh runs the ONNX exports in ONNX Runtime too when it is installed (ORT_DIR)
TEST_DEPS += bench-peers-deps

# Pinned, CUDA download skipped (its host is not reachable here); npm's install scripts are not
# needed for the CPU library, which the package ships.
bench-peers-deps:
	@if [ -f $(ORT_DIR)/node_modules/onnxruntime-node/package.json ] && \
	    grep -q '"version": "$(ORT_VERSION)"' $(ORT_DIR)/node_modules/onnxruntime-node/package.json; then :; \
	elif command -v $(NPM) >/dev/null; then mkdir -p $(ORT_DIR) && \
	    ONNXRUNTIME_NODE_INSTALL_CUDA=skip $(NPM) install --prefix $(ORT_DIR) --no-audit --no-fund \
	        onnxruntime-node@$(ORT_VERSION) >$(ORT_DIR)/install.log 2>&1 || \
	    echo "bench-peers-deps: npm install onnxruntime-node@$(ORT_VERSION) failed, see $(ORT_DIR)/install.log"; \
	fi

bench-peers: $(BIN)/q2mlp bench-peers-deps | $(MNIST_DIR)/.verified
	@if [ ! -f $(PEERS_MLP) ] || [ ! -f $(PEERS_Q2) ]; then \
	    echo "bench=peers skipped: no $(PEERS_MLP) and $(PEERS_Q2) (make run trains and packs them)"; exit 0; fi; \
	set -e; mkdir -p $(PEERS_DIR); \
	$(BIN)/q2mlp bench --npy-out $(PEERS_NPY) --model $(PEERS_MLP); \
	if [ "$(PEERS_ONNX)" = "$(PEERS_DIR)/paper.onnx" ]; then \
	    $(BIN)/q2mlp export --onnx --model $(PEERS_MLP) -o $(PEERS_ONNX); fi; \
	$(PEERS_PY) sw/bench/peers.py --q2mlp $(BIN)/q2mlp --model $(PEERS_MLP) --q2 $(PEERS_Q2) \
	    --npy $(PEERS_NPY) --onnx $(PEERS_ONNX) --images $(TEST_IMAGES) --ort-modules $(ORT_DIR)/node_modules \
	    --rounds $(PEERS_ROUNDS) --secs $(PEERS_SECS)
