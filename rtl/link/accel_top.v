// accel_top — the board-agnostic design: UART receiver and transmitter, the framed host protocol
// (proto: frame decoder, ring buffer, executor, response encoder), the response buffer (tx_fifo:
// the executor hands a response over and goes on with the next record while the UART sends it)
// and accel_core. Board tops
// (rtl/top_<board>.v) add the PLL, pins and reset synchroniser; q2mlp-board-sim simulates exactly
// this module with its UART pins driven bit by bit. Protocol: docs/protocol.md.
//
// Parameters:
//   LANES          MAC lanes of the core (power of two; must equal the model's lanes)
//   CLKS_PER_BIT   design clock / baud, >= 3 (12 MHz at 3 Mbaud: 4; 48 MHz: 16; 60 MHz: 20;
//                  36 MHz at 12 Mbaud: 3; 48 MHz at 12 Mbaud: 4)
//   CLOCK_HZ       design clock in Hz, reported by INFO so that the host can turn cycle counts into
//                  seconds (0: not stated; the host then falls back to wall-clock time)
//   WMEM_BYTES, PMEM_NEURONS, ABUF_BYTES, ACC_W, MEM_TECH
//                  the core's memories and accumulator (rtl/core/accel_core.v); INFO reports the sizes
//   RXBUF_BYTES    protocol ring buffer (power of two, >= 2*(MAX_PAYLOAD+5)): the frames that wait
//                  for the executor, 5 bytes + payload each
//   MAX_PAYLOAD    largest request payload in bytes
//   TXBUF_BYTES    response buffer between the executor and the UART (power of two, 64..32768;
//                  one response of a 10-class INFER is 60 bytes)
//   TIMEOUT_BITS   inter-byte timeout, in bit times
//   WATCHDOG_LOG2  an inference longer than 2^WATCHDOG_LOG2 cycles is abandoned
`default_nettype none

module accel_top #(
    parameter integer LANES         = 32,
    parameter integer CLKS_PER_BIT  = 4,
    parameter integer CLOCK_HZ      = 0,
    parameter integer WMEM_BYTES    = 131072,
    parameter integer PMEM_NEURONS  = 1024,
    parameter integer ABUF_BYTES    = 1024,
    parameter integer ACC_W         = 24,
    parameter [63:0]  MEM_TECH      = "GENERIC",
    parameter integer RXBUF_BYTES   = 2048,
    parameter integer MAX_PAYLOAD   = 1019,
    parameter integer TXBUF_BYTES   = 512,
    parameter integer TIMEOUT_BITS  = 65536,
    parameter integer WATCHDOG_LOG2 = 26
) (
    input  wire       clk,
    input  wire       rst,
    input  wire       uart_rx_i,      // from the FTDI's TXD, idle high
    output wire       uart_tx_o,      // to the FTDI's RXD, idle high
    output wire       busy_o,         // an inference runs
    output wire       model_valid_o,  // a complete model with a matching CRC-32 is loaded
    output wire [3:0] err_o,          // the core's sticky error (LEDs)
    output wire       beat_o          // the LEDs' heartbeat: toggles every 2^24 cycles (bit 24 of
                                      // the uptime counter, which pauses while UPTIME is sent)
);

    initial begin
        if (CLKS_PER_BIT < 3) begin
            $display("accel_top: CLKS_PER_BIT = %0d, need >= 3 (design clock >= 3 x baud)",
                     CLKS_PER_BIT);
            $finish;
        end
    end

    // ---- UART ------------------------------------------------------------------------------------
    wire [7:0] rx_data;
    wire       rx_valid, rx_frame_err, rx_busy;
    wire [7:0] tx_data;           // the response bytes from the executor, into tx_fifo
    wire       tx_valid, tx_ready, tx_busy;
    wire [7:0] txu_data;          // ... out of tx_fifo, into uart_tx
    wire       txu_valid, txu_ready, txb_empty;

    uart_rx #(.CLKS_PER_BIT(CLKS_PER_BIT)) u_rx (
        .clk        (clk),
        .rst        (rst),
        .rx_i       (uart_rx_i),
        .data_o     (rx_data),
        .valid_o    (rx_valid),
        .frame_err_o(rx_frame_err),
        .busy_o     (rx_busy)
    );

    uart_tx #(.CLKS_PER_BIT(CLKS_PER_BIT)) u_tx (
        .clk    (clk),
        .rst    (rst),
        .data_i (txu_data),
        .valid_i(txu_valid),
        .ready_o(txu_ready),
        .tx_o   (uart_tx_o),
        .busy_o (tx_busy)
    );

    tx_fifo #(.DEPTH(TXBUF_BYTES)) u_txbuf (
        .clk        (clk),
        .rst        (rst),
        .in_data_i  (tx_data),
        .in_valid_i (tx_valid),
        .in_ready_o (tx_ready),
        .out_data_o (txu_data),
        .out_valid_o(txu_valid),
        .out_ready_i(txu_ready),
        .empty_o    (txb_empty)
    );

    // ---- protocol --------------------------------------------------------------------------------
    wire        core_soft_rst;
    reg         core_rst_q;  // the core's reset: the board's or the executor's, as one register
    always @(posedge clk) core_rst_q <= rst || core_soft_rst;
    wire        cmd_valid, cmd_ready;
    wire [2:0]  cmd_op;
    wire [7:0]  cmd_data;
    wire [8:0]  rd_addr;
    wire [31:0] rd_data;
    wire        core_busy, core_done;
    wire [3:0]  core_err;
    wire        proto_idle;

    proto #(
        .CLKS_PER_BIT (CLKS_PER_BIT),
        .CLOCK_HZ     (CLOCK_HZ),
        .RXBUF_BYTES  (RXBUF_BYTES),
        .MAX_PAYLOAD  (MAX_PAYLOAD),
        .TIMEOUT_BITS (TIMEOUT_BITS),
        .WATCHDOG_LOG2(WATCHDOG_LOG2)
    ) u_proto (
        .clk           (clk),
        .rst           (rst),
        .rx_data_i     (rx_data),
        .rx_valid_i    (rx_valid),
        .rx_frame_err_i(rx_frame_err),
        .tx_data_o     (tx_data),
        .tx_valid_o    (tx_valid),
        .tx_ready_i    (tx_ready),
        .core_rst_o    (core_soft_rst),
        .cmd_valid_o   (cmd_valid),
        .cmd_ready_i   (cmd_ready),
        .cmd_op_o      (cmd_op),
        .cmd_data_o    (cmd_data),
        .rd_addr_o     (rd_addr),
        .rd_data_i     (rd_data),
        .busy_i        (core_busy),
        .model_valid_i (model_valid_o),
        .err_i         (core_err),
        .done_i        (core_done),
        .idle_o        (proto_idle),
        .uptime_o      (uptime)
    );
    wire [31:0] uptime;
    wire [30:0] unused_uptime = {uptime[31:25], uptime[23:0]};
    assign beat_o = uptime[24];

    // Nothing on the wires, nothing queued or running: q2mlp-board-sim reads this (Verilator
    // public) to know when it may sleep until the host sends more bytes.
    wire sim_idle /*verilator public_flat_rd*/;
    assign sim_idle = proto_idle && !rx_busy && !tx_busy && !tx_valid && txb_empty;

    // ---- the core --------------------------------------------------------------------------------
    wire        unused_wb_valid;
    wire [2:0]  unused_wb_layer;
    wire [11:0] unused_wb_index;
    wire [31:0] unused_wb_data;

    accel_core #(
        .LANES       (LANES),
        .WMEM_BYTES  (WMEM_BYTES),
        .PMEM_NEURONS(PMEM_NEURONS),
        .ABUF_BYTES  (ABUF_BYTES),
        .MEM_TECH    (MEM_TECH),
        .ACC_W       (ACC_W)
    ) u_core (
        .clk          (clk),
        .rst          (core_rst_q),
        .cmd_valid_i  (cmd_valid),
        .cmd_ready_o  (cmd_ready),
        .cmd_op_i     (cmd_op),
        .cmd_data_i   (cmd_data),
        .rd_addr_i    (rd_addr),
        .rd_data_o    (rd_data),
        .busy_o       (core_busy),
        .model_valid_o(model_valid_o),
        .err_o        (core_err),
        .done_o       (core_done),
        .dbg_wb_valid_o(unused_wb_valid),
        .dbg_wb_layer_o(unused_wb_layer),
        .dbg_wb_index_o(unused_wb_index),
        .dbg_wb_data_o (unused_wb_data)
    );

    assign busy_o = core_busy;
    assign err_o  = core_err;

endmodule

`resetall
