# sw/sw.mk — the C software: libq2mlp.a (every sw/*.c but the mains) and its programs.
#   sw/main_<prog>.c  ->  build/bin/<prog>          (-O2)
#                     ->  build/asan/bin/<prog>     (ASan/UBSan, used by the tests)
# A new sw/*.c file joins the library without touching this file.

# OpenBLAS gives only its header (cblas.h): sw/gemm.c loads libopenblas.so.0 with dlopen when
# `--gemm blas` is chosen, because linked it starts its threads at load time in every program
# (and hangs at exit when memory is short). No program links it.
SW_PKGS     := zlib libftdi1
SW_PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(SW_PKGS) openblas 2>/dev/null)
SW_PKG_LIBS   := $(shell $(PKG_CONFIG) --libs $(SW_PKGS) 2>/dev/null)
SW_CFLAGS   := $(CSTD) $(CFLAGS) -Isw $(SW_PKG_CFLAGS) -MMD -MP
SW_LDLIBS   := $(SW_PKG_LIBS) -lm -lpthread -ldl

SW_MAINS    := $(wildcard sw/main_*.c)
SW_LIB_SRCS := $(filter-out $(SW_MAINS),$(wildcard sw/*.c))
SW_PROGS    := $(patsubst sw/main_%.c,%,$(SW_MAINS))

SW_OBJ      := $(BUILD)/obj/sw
SW_ASAN_OBJ := $(BUILD)/asan/obj/sw
SW_LIB      := $(BUILD)/lib/libq2mlp.a
SW_ASAN_LIB := $(BUILD)/asan/lib/libq2mlp.a
ASAN_BIN    := $(BUILD)/asan/bin

$(SW_OBJ)/%.o: sw/%.c
	@mkdir -p $(@D)
	$(CC) $(SW_CFLAGS) -c $< -o $@
$(SW_ASAN_OBJ)/%.o: sw/%.c
	@mkdir -p $(@D)
	$(CC) $(SW_CFLAGS) -O1 $(SAN_FLAGS) -c $< -o $@

$(SW_LIB): $(patsubst sw/%.c,$(SW_OBJ)/%.o,$(SW_LIB_SRCS))
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^
$(SW_ASAN_LIB): $(patsubst sw/%.c,$(SW_ASAN_OBJ)/%.o,$(SW_LIB_SRCS))
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(BIN)/%: $(SW_OBJ)/main_%.o $(SW_LIB)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $^ $(SW_LDLIBS) -o $@
$(ASAN_BIN)/%: $(SW_ASAN_OBJ)/main_%.o $(SW_ASAN_LIB)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SAN_FLAGS) $^ $(SW_LDLIBS) -o $@

-include $(wildcard $(SW_OBJ)/*.d $(SW_ASAN_OBJ)/*.d)

ALL_TARGETS += $(addprefix $(BIN)/,$(SW_PROGS))
TEST_DEPS   += $(addprefix $(BIN)/,$(SW_PROGS)) $(addprefix $(ASAN_BIN)/,$(SW_PROGS))
