# rtl/link/link.f — the UART link around the core (accel_top, the protocol: proto = proto_dec +
# proto_exec, the response buffer tx_fifo, the UART, CRC-16);
# used with rtl/core/core.f. One file a line.
rtl/link/accel_top.v
rtl/link/proto.v
rtl/link/proto_dec.v
rtl/link/proto_exec.v
rtl/link/uart_rx.v
rtl/link/uart_tx.v
rtl/link/tx_fifo.v
rtl/link/crc16.v
