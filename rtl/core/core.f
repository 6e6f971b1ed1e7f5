# rtl/core/core.f — the accelerator core (accel_core and its blocks): read by lint, the cosim, the
# unit tests, the board sim, the boards and the post-synthesis check. One file a line.
rtl/core/accel_core.v
rtl/core/loader.v
rtl/core/crc32.v
rtl/core/seq.v
rtl/core/mac_array.v
rtl/core/mac_lane.v
rtl/core/requant.v
rtl/core/argmax.v
rtl/core/ram_sdp.v
rtl/core/ebr_ecp5.v
rtl/core/mul_ecp5.v
rtl/core/wmem.v
