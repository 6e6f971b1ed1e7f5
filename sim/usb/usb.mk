# sim/usb/usb.mk — the ftdi transport through a real USB stack (docs/host.md "Through a real USB
# stack"): a Debian guest under QEMU with an emulated FTDI FT232 wired to q2mlp-board-sim.
#
#   make usb-guest   build the guest once (sim/usb/guest.sh build: debootstrap, ~5 minutes, cached
#                    in ~/.cache/q2mlp/usb-guest, outside build/ so that make clean keeps it)
#   make test-usb    tests/t_usb_qemu.sh alone, its output shown, ending in "N passed, N failed"
#
# tests/t_usb_qemu.sh is also part of `make test` (about 65 s with the guest cached, under TCG); its
# first run builds the guest, and a machine that cannot (not root, no Debian mirror) skips it.

USB_TEST_DEPS := $(BOARD_SIM) $(BIN)/q2mlp-host $(BUILD)/fixtures/tiny.q2

.PHONY: usb-guest test-usb
usb-guest:
	@sim/usb/guest.sh build

test-usb: deps data
	@$(MAKE) --no-print-directory $(USB_TEST_DEPS)
	@TEST_FILTER='^t_usb_qemu$$' TEST_SHOW=1 tests/run.sh $(BUILD)

TEST_DEPS += $(USB_TEST_DEPS)
