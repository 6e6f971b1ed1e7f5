# sw/sw.mk — the C software, one folder and one archive per layer (docs/architecture.md):
#
#   sw/<layer>/*.c  ->  build/lib/libq2<layer>.a        (-O2)
#                   ->  build/asan/lib/libq2<layer>.a   (ASan/UBSan, used by the tests)
#   sw/cli/main_*.c ->  build/bin/q2mlp, build/bin/q2mlp-host (and build/asan/bin/...); the
#                       subcommands sw/cli/cmd_*.c make libq2cli.a
#
# Each program links only the layers it uses and only their libraries; a new .c file in a layer
# joins its archive without touching this file. Includes name the layer: #include "base/util.h".
# sw/onnx's archive also holds protoc-c's code of the ONNX schema, generated into build/gen/onnxpb/
# by sw/onnx.mk (docs/onnx.md).
#
# OpenBLAS gives only its header (cblas.h): sw/float/gemm.c loads libopenblas.so.0 with dlopen when
# `--gemm blas` is chosen, because linked it starts its threads at load time in every program
# (and hangs at exit when memory is short). No program links it.

SW_LAYERS   := base float qmodel quant study onnx host
SW_CFLAGS   := $(CSTD) $(CFLAGS) -Isw $(CODES_INC) $(shell $(PKG_CONFIG) --cflags zlib openblas libftdi1 2>/dev/null) -MMD -MP

# the libraries each layer needs (its own, not those of the layers below)
SW_LIBS_base   := $(shell $(PKG_CONFIG) --libs zlib 2>/dev/null) -lm
SW_LIBS_float  := -lm -lpthread -ldl
SW_LIBS_qmodel := -lm
SW_LIBS_quant  := -lm
SW_LIBS_study  := -lm
SW_LIBS_onnx   := $(shell $(PKG_CONFIG) --libs libprotobuf-c 2>/dev/null || echo -lprotobuf-c)
SW_LIBS_host   := $(shell $(PKG_CONFIG) --libs libftdi1 2>/dev/null)
SW_LIBS_cli    :=

SW_OBJ      := $(BUILD)/obj/sw
SW_ASAN_OBJ := $(BUILD)/asan/obj/sw
ASAN_BIN    := $(BUILD)/asan/bin
sw_lib      = $(BUILD)/lib/libq2$(1).a
sw_asan_lib = $(BUILD)/asan/lib/libq2$(1).a
# $(call sw_link,LAYERS...): the archives (top layer first) and then their libraries
sw_link      = $(foreach l,$(1),$(call sw_lib,$(l))) $(foreach l,$(1),$(SW_LIBS_$(l)))
sw_asan_link = $(foreach l,$(1),$(call sw_asan_lib,$(l))) $(foreach l,$(1),$(SW_LIBS_$(l)))

# The generated headers (CODES_H) exist before the first compile; afterwards the -MMD files name
# the ones each object includes.
$(SW_OBJ)/%.o: sw/%.c | $(CODES_H)
	@mkdir -p $(@D)
	$(CC) $(SW_CFLAGS) -c $< -o $@
$(SW_ASAN_OBJ)/%.o: sw/%.c | $(CODES_H)
	@mkdir -p $(@D)
	$(CC) $(SW_CFLAGS) -O1 $(SAN_FLAGS) -c $< -o $@

sw_srcs = $(filter-out sw/$(1)/main_%.c,$(wildcard sw/$(1)/*.c))
define sw_layer_rules
$(call sw_lib,$(1)): $$(patsubst sw/%.c,$(SW_OBJ)/%.o,$$(call sw_srcs,$(1)))
	@mkdir -p $$(@D)
	rm -f $$@ && ar rcs $$@ $$^
$(call sw_asan_lib,$(1)): $$(patsubst sw/%.c,$(SW_ASAN_OBJ)/%.o,$$(call sw_srcs,$(1)))
	@mkdir -p $$(@D)
	rm -f $$@ && ar rcs $$@ $$^
endef
$(foreach l,$(SW_LAYERS) cli,$(eval $(call sw_layer_rules,$(l))))

# ---- the programs: their objects in sw/cli and the layers they use, top first -------------------
PROG_q2mlp_OBJS        := main_q2mlp
PROG_q2mlp_LAYERS      := cli onnx study quant float qmodel base
PROG_q2mlp-host_OBJS   := main_q2mlp-host
PROG_q2mlp-host_LAYERS := host qmodel base
SW_PROGS := q2mlp q2mlp-host

define sw_prog_rules
$(BIN)/$(1): $(patsubst %,$(SW_OBJ)/cli/%.o,$(PROG_$(1)_OBJS)) $(foreach l,$(PROG_$(1)_LAYERS),$(call sw_lib,$(l)))
	@mkdir -p $$(@D)
	$(CC) $(CFLAGS) $(patsubst %,$(SW_OBJ)/cli/%.o,$(PROG_$(1)_OBJS)) $(call sw_link,$(PROG_$(1)_LAYERS)) -o $$@
$(ASAN_BIN)/$(1): $(patsubst %,$(SW_ASAN_OBJ)/cli/%.o,$(PROG_$(1)_OBJS)) $(foreach l,$(PROG_$(1)_LAYERS),$(call sw_asan_lib,$(l)))
	@mkdir -p $$(@D)
	$(CC) $(CFLAGS) $(SAN_FLAGS) $(patsubst %,$(SW_ASAN_OBJ)/cli/%.o,$(PROG_$(1)_OBJS)) \
	    $(call sw_asan_link,$(PROG_$(1)_LAYERS)) -o $$@
endef
$(foreach p,$(SW_PROGS),$(eval $(call sw_prog_rules,$(p))))

# Every layer, for the tests (each test program links what it needs from these).
SW_ALL_LAYERS := cli onnx study quant float host qmodel base
SW_ASAN_ALL   := $(foreach l,$(SW_ALL_LAYERS),$(call sw_asan_lib,$(l)))
SW_ASAN_LINK  := $(call sw_asan_link,$(SW_ALL_LAYERS))

-include $(wildcard $(SW_OBJ)/*/*.d $(SW_ASAN_OBJ)/*/*.d)

ALL_TARGETS += $(addprefix $(BIN)/,$(SW_PROGS))
TEST_DEPS   += $(addprefix $(BIN)/,$(SW_PROGS)) $(addprefix $(ASAN_BIN)/,$(SW_PROGS))
