# sw/onnx.mk — the ONNX layer's generated protobuf code (sw/onnx/, docs/onnx.md).
#
#   build/gen/onnxpb/onnx.pb-c.{c,h}  protoc-c's C for Debian's ONNX schema (libonnx-dev's
#                         onnx.proto, `package onnx`: types Onnx__*, functions onnx__*); generated
#                         at build time, never committed. The object joins libq2onnx.a (and its
#                         ASan twin), and every object of sw/onnx/ waits for the header.
#
# ONNX_PROTO and PROTOC_C are overridable; the schema's path is asked of dpkg (libonnx-dev) when it is
# not at the usual place.

PROTOC_C   ?= protoc-c
ONNX_PROTO ?= $(firstword $(wildcard /usr/include/onnx/onnx.proto) \
                $(shell dpkg -L libonnx-dev 2>/dev/null | grep '/onnx\(-ml\)\?\.proto$$'))
ONNX_GEN   := $(GEN_DIR)/onnxpb
# protoc-c names its outputs after the schema's file name
ONNX_PB_STEM := $(ONNX_GEN)/$(basename $(notdir $(or $(ONNX_PROTO),onnx.proto))).pb-c
ONNX_PB_C  := $(ONNX_PB_STEM).c
ONNX_PB_H  := $(ONNX_GEN)/onnx.pb-c.h

# The sources include "onnxpb/onnx.pb-c.h" whatever the schema's name (onnx.proto or onnx-ml.proto):
# a differently named header gets a one-line forwarding header under that name.
$(ONNX_PB_C) $(ONNX_PB_STEM).h &: $(ONNX_PROTO)
	@[ -n "$(ONNX_PROTO)" ] || { echo "sw/onnx.mk: no ONNX schema (apt-get install libonnx-dev, or make ONNX_PROTO=...)" >&2; exit 1; }
	@mkdir -p $(ONNX_GEN)
	$(PROTOC_C) --c_out=$(ONNX_GEN) -I$(dir $(ONNX_PROTO)) $(ONNX_PROTO)
ifneq ($(ONNX_PB_STEM).h,$(ONNX_PB_H))
$(ONNX_PB_H): $(ONNX_PB_STEM).h
	echo '#include "$(notdir $<)"' > $@
endif

$(SW_OBJ)/onnxpb/%.o: $(ONNX_GEN)/%.c $(ONNX_PB_H)
	@mkdir -p $(@D)
	$(CC) $(SW_CFLAGS) -c $< -o $@
$(SW_ASAN_OBJ)/onnxpb/%.o: $(ONNX_GEN)/%.c $(ONNX_PB_H)
	@mkdir -p $(@D)
	$(CC) $(SW_CFLAGS) -O1 $(SAN_FLAGS) -c $< -o $@

ONNX_PB_OBJ := $(notdir $(ONNX_PB_C:.c=.o))
$(call sw_lib,onnx): $(SW_OBJ)/onnxpb/$(ONNX_PB_OBJ)
$(call sw_asan_lib,onnx): $(SW_ASAN_OBJ)/onnxpb/$(ONNX_PB_OBJ)
$(patsubst sw/%.c,$(SW_OBJ)/%.o,$(call sw_srcs,onnx)) $(patsubst sw/%.c,$(SW_ASAN_OBJ)/%.o,$(call sw_srcs,onnx)): | $(ONNX_PB_H)
