# tests/host.mk — test builds of the host driver: q2mlp-host linked against tests/fake_ftdi.c
# instead of -lftdi1 (link-time substitution), so tests/t_host_ftdi.sh runs the ftdi transport
# against the simulated board. Plain and sanitized builds, like every program of sw/sw.mk.

FAKE_FTDI_OBJ      := $(BUILD)/obj/tests/fake_ftdi.o
FAKE_FTDI_ASAN_OBJ := $(BUILD)/asan/obj/tests/fake_ftdi.o
HOST_LAYERS_NOFTDI := host qmodel base

$(FAKE_FTDI_OBJ): tests/fake_ftdi.c
	@mkdir -p $(@D)
	$(CC) $(SW_CFLAGS) -c $< -o $@
$(FAKE_FTDI_ASAN_OBJ): tests/fake_ftdi.c
	@mkdir -p $(@D)
	$(CC) $(SW_CFLAGS) -O1 $(SAN_FLAGS) -c $< -o $@

$(BIN)/q2mlp-host-fakeftdi: $(SW_OBJ)/cli/main_q2mlp-host.o $(FAKE_FTDI_OBJ) $(foreach l,$(HOST_LAYERS_NOFTDI),$(call sw_lib,$(l)))
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $^ $(SW_LIBS_qmodel) $(SW_LIBS_base) -o $@
$(ASAN_BIN)/q2mlp-host-fakeftdi: $(SW_ASAN_OBJ)/cli/main_q2mlp-host.o $(FAKE_FTDI_ASAN_OBJ) $(foreach l,$(HOST_LAYERS_NOFTDI),$(call sw_asan_lib,$(l)))
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SAN_FLAGS) $^ $(SW_LIBS_qmodel) $(SW_LIBS_base) -o $@

TEST_DEPS += $(BIN)/q2mlp-host-fakeftdi $(ASAN_BIN)/q2mlp-host-fakeftdi

# Test programs against the protocol: q2mlp-fake-device (a misbehaving board on a socket, for
# tests/t_host_attack.sh) and q2mlp-protofuzz (seeded frames against q2mlp-board-sim, each answer
# predicted from docs/protocol.md: tests/t_host_protofuzz.sh). Sanitized, like the host.
HOST_TEST_CFLAGS := $(filter-out -MMD -MP,$(SW_CFLAGS))
$(ASAN_BIN)/q2mlp-fake-device: tests/fake_device.c $(SW_ASAN_ALL) $(CODES_H)
	@mkdir -p $(@D)
	$(CC) $(HOST_TEST_CFLAGS) -O1 $(SAN_FLAGS) $< $(SW_ASAN_LINK) -o $@
$(ASAN_BIN)/q2mlp-protofuzz: tests/protofuzz.c $(SW_ASAN_ALL) $(CODES_H)
	@mkdir -p $(@D)
	$(CC) $(HOST_TEST_CFLAGS) -O1 $(SAN_FLAGS) $< $(SW_ASAN_LINK) -o $@

TEST_DEPS += $(ASAN_BIN)/q2mlp-fake-device $(ASAN_BIN)/q2mlp-protofuzz
