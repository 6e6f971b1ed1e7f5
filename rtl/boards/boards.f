# rtl/boards/boards.f — what the board tops share (used with core.f and link.f; the tops
# rtl/boards/top_<board>.v are read by the board that uses them). One file a line.
rtl/boards/reset_sync.v
