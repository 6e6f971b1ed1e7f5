// proto — the framed host protocol of docs/protocol.md between the UART bytes and accel_core's
// port, in two steps with a ring buffer (block RAM, ten bits a byte) between them:
//   proto_dec   the frame decoder (sync, header checks, CRC-16, inter-byte timeout): writes every
//               frame as a record [status][cmd][seq][len_lo][len_hi][payload] into the ring
//               (bit 8 of a byte: the last payload byte of its record; bit 9: the byte is 0)
//   proto_exec  the executor: takes the records one after the other, runs them against the core
//               and sends one response frame each (the response encoder, uptime, watchdog)
// Decoder and executor run concurrently, so the next INFER frame arrives while the core computes.
// The records are the queue: no descriptor flip-flops. Besides the ring, what passes between the
// two steps is registered on both sides:
//
//   signal          from -> to          meaning
//   wr_ptr          dec  -> exec        end of the committed records; a record waits while
//                                       wr_ptr != rd_ptr (the executor sees a commit a cycle later)
//   rd_ptr          exec -> dec         next record byte the executor consumes; the ring is free
//                                       from the decoder's write pointer up to it
//   errors          dec  -> exec        the STATS error counter (8 bits, wrapping)
//   errors_clear    exec -> dec         RESET: clear it (a one-cycle pulse)
//   uptime          exec -> dec         clock cycles since reset; its ticks time the decoder's
//                                       inter-byte timeout
//
// Parameters:
//   CLKS_PER_BIT   UART clocks per bit (only for the inter-byte timeout and INFO), 3..65535
//   CLOCK_HZ       design clock in Hz, reported by INFO (0: not stated)
//   RXBUF_BYTES    ring buffer for the records: power of two, 512..32768, >= 2*(MAX_PAYLOAD+5)
//   MAX_PAYLOAD    largest request payload (bytes), 16..RXBUF_BYTES/2-5
//   TIMEOUT_BITS   inter-byte timeout in bit times (64..2^24): a frame that stalls this long is
//                  dropped; the timeout taken is TIMEOUT_BITS .. TIMEOUT_BITS * 1.25 bit times
//   WATCHDOG_LOG2  an inference is abandoned (core reset) after 15/16 .. 1 x 2^WATCHDOG_LOG2 cycles
//
// Command and status bytes (docs/protocol.md has the tables and the payloads):
//   request  A5 cmd seq len_lo len_hi payload.. crc_lo crc_hi     CRC-16/CCITT-FALSE over cmd..payload
//   response 5A cmd|80 seq len_lo len_hi status words.. crc_lo crc_hi
`default_nettype none

module proto #(
    parameter integer CLKS_PER_BIT  = 4,
    parameter integer CLOCK_HZ      = 0,
    parameter integer RXBUF_BYTES   = 2048,
    parameter integer MAX_PAYLOAD   = 1019,
    parameter integer TIMEOUT_BITS  = 65536,
    parameter integer WATCHDOG_LOG2 = 26
) (
    input  wire        clk,
    input  wire        rst,
    // bytes from / to the UART
    input  wire [7:0]  rx_data_i,
    input  wire        rx_valid_i,
    input  wire        rx_frame_err_i,
    output wire [7:0]  tx_data_o,
    output wire        tx_valid_o,
    input  wire        tx_ready_i,
    // accel_core's port (docs/accelerator.md); this module is the master
    output wire        core_rst_o,     // soft reset of the core (RESET command, watchdog)
    output wire        cmd_valid_o,
    input  wire        cmd_ready_i,
    output wire [2:0]  cmd_op_o,
    output wire [7:0]  cmd_data_o,
    output wire [8:0]  rd_addr_o,
    input  wire [31:0] rd_data_i,
    input  wire        busy_i,
    input  wire        model_valid_i,
    input  wire [3:0]  err_i,
    input  wire        done_i,
    // nothing received, queued or being executed (the board simulator sleeps then)
    output wire        idle_o,
    output wire [31:0] uptime_o        // the executor's uptime counter (the board LEDs' heartbeat)
);

    localparam integer AW = $clog2(RXBUF_BYTES);

    initial begin
        if (RXBUF_BYTES < 512 || RXBUF_BYTES > 32768 || (RXBUF_BYTES & (RXBUF_BYTES - 1)) != 0) begin
            $display("proto: RXBUF_BYTES = %0d, need a power of two in 512..32768", RXBUF_BYTES);
            $finish;
        end
    end

    // ---- the ring buffer of records ------------------------------------------------------------
    // Ten bits a byte: bit 8 marks the last payload byte of a record (the executor needs no
    // length counter), bit 9 a zero byte (set here as it is written: the executor's zero tests then
    // start from the block RAM's output bit, which is slow to leave it). The decoder writes it, the executor reads it (ring_q = ring[ring_raddr] a
    // cycle later). The executor never uses a byte read in the cycle it is written (it waits a
    // cycle after a commit and reads the payload long after it arrived): no read-during-write bypass.
    wire          ring_we;
    wire [AW-1:0] ring_waddr, ring_raddr;
    wire [8:0]    ring_wdata;
    reg  [9:0]    ring_q;

    (* no_rw_check *) reg [9:0] ring [0:RXBUF_BYTES-1];
    always @(posedge clk) begin
        if (ring_we) ring[ring_waddr] <= {ring_wdata[7:0] == 8'd0, ring_wdata};
        ring_q <= ring[ring_raddr];
    end

    // ---- the two steps and their boundary --------------------------------------------------------
    wire [AW:0] wr_ptr, rd_ptr;
    wire [31:0] uptime;
    wire [7:0]  errors;
    wire        errors_clear;
    wire        dec_idle, exec_idle;

    proto_dec #(
        .CLKS_PER_BIT(CLKS_PER_BIT),
        .AW          (AW),
        .MAX_PAYLOAD (MAX_PAYLOAD),
        .TIMEOUT_BITS(TIMEOUT_BITS)
    ) u_dec (
        .clk           (clk),
        .rst           (rst),
        .rx_data_i     (rx_data_i),
        .rx_valid_i    (rx_valid_i),
        .rx_frame_err_i(rx_frame_err_i),
        .ring_we_o     (ring_we),
        .ring_waddr_o  (ring_waddr),
        .ring_wdata_o  (ring_wdata),
        .wr_ptr_o      (wr_ptr),
        .rd_ptr_i      (rd_ptr),
        .uptime_i      (uptime),
        .errors_clear_i(errors_clear),
        .errors_o      (errors),
        .idle_o        (dec_idle)
    );

    proto_exec #(
        .CLKS_PER_BIT (CLKS_PER_BIT),
        .CLOCK_HZ     (CLOCK_HZ),
        .AW           (AW),
        .MAX_PAYLOAD  (MAX_PAYLOAD),
        .TIMEOUT_BITS (TIMEOUT_BITS),
        .WATCHDOG_LOG2(WATCHDOG_LOG2)
    ) u_exec (
        .clk           (clk),
        .rst           (rst),
        .ring_raddr_o  (ring_raddr),
        .ring_rdata_i  (ring_q),
        .wr_ptr_i      (wr_ptr),
        .rd_ptr_o      (rd_ptr),
        .uptime_o      (uptime),
        .errors_clear_o(errors_clear),
        .errors_i      (errors),
        .tx_data_o     (tx_data_o),
        .tx_valid_o    (tx_valid_o),
        .tx_ready_i    (tx_ready_i),
        .core_rst_o    (core_rst_o),
        .cmd_valid_o   (cmd_valid_o),
        .cmd_ready_i   (cmd_ready_i),
        .cmd_op_o      (cmd_op_o),
        .cmd_data_o    (cmd_data_o),
        .rd_addr_o     (rd_addr_o),
        .rd_data_i     (rd_data_i),
        .busy_i        (busy_i),
        .model_valid_i (model_valid_i),
        .err_i         (err_i),
        .done_i        (done_i),
        .idle_o        (exec_idle)
    );

    assign idle_o   = dec_idle && exec_idle;
    assign uptime_o = uptime;

endmodule

`resetall
