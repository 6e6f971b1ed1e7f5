// proto — the framed host protocol of docs/protocol.md between the UART bytes and accel_core's
// port: a frame decoder (sync, header checks, CRC-16, inter-byte timeout) that stores good payloads
// in a ring buffer and queues one descriptor per frame (or per rejected frame), and an executor that
// runs the queued commands one after the other against the core and sends one response frame each.
// Decoder and executor run concurrently, so the next INFER frame arrives while the core computes.
//
// Parameters:
//   CLKS_PER_BIT   UART clocks per bit (only for the inter-byte timeout and INFO)
//   CLOCK_HZ       design clock in Hz, reported by INFO (0: not stated)
//   RXBUF_BYTES    ring buffer for payloads: power of two, 2*MAX_PAYLOAD .. 32768
//   MAX_PAYLOAD    largest request payload (bytes), 16..RXBUF_BYTES/2
//   QUEUE_DEPTH    frame descriptors that can wait for the executor: power of two, 2..64
//   TIMEOUT_BITS   inter-byte timeout in bit times: a frame that stalls this long is dropped
//   WATCHDOG_LOG2  an inference that runs 2^WATCHDOG_LOG2 cycles is abandoned (core reset)
//
// Command and status bytes (docs/protocol.md has the tables and the payloads):
//   request  A5 cmd seq len_lo len_hi payload.. crc_lo crc_hi     CRC-16/CCITT-FALSE over cmd..payload
//   response 5A cmd|80 seq len_lo len_hi status words.. crc_lo crc_hi
`default_nettype none

module proto #(
    parameter integer CLKS_PER_BIT  = 4,
    parameter integer CLOCK_HZ      = 0,
    parameter integer RXBUF_BYTES   = 2048,
    parameter integer MAX_PAYLOAD   = 1024,
    parameter integer QUEUE_DEPTH   = 4,
    parameter integer TIMEOUT_BITS  = 65536,
    parameter integer WATCHDOG_LOG2 = 26
) (
    input  wire        clk,
    input  wire        rst,
    // bytes from / to the UART
    input  wire [7:0]  rx_data_i,
    input  wire        rx_valid_i,
    input  wire        rx_frame_err_i,
    output reg  [7:0]  tx_data_o,
    output reg         tx_valid_o,
    input  wire        tx_ready_i,
    // accel_core's port (docs/accelerator.md); this module is the master
    output wire        core_rst_o,     // soft reset of the core (RESET command, watchdog)
    output reg         cmd_valid_o,
    input  wire        cmd_ready_i,
    output reg  [2:0]  cmd_op_o,
    output reg  [7:0]  cmd_data_o,
    output reg  [8:0]  rd_addr_o,
    input  wire [31:0] rd_data_i,
    input  wire        busy_i,
    input  wire        model_valid_i,
    input  wire [3:0]  err_i,
    input  wire        done_i,
    // nothing received, queued or being executed (the board simulator sleeps then)
    output wire        idle_o
);

    // ---- constants (docs/protocol.md) ----------------------------------------------------------
    localparam [7:0] PROTO_VERSION = 8'd1;
    localparam [7:0] SYNC_REQ = 8'hA5, SYNC_RSP = 8'h5A;
    localparam [7:0] CMD_INFO = 8'h01, CMD_STATUS = 8'h02, CMD_RESET = 8'h03,
                     CMD_LOAD = 8'h10, CMD_VERIFY = 8'h11, CMD_INFER = 8'h20, CMD_INFER_RLE = 8'h21;
    // status byte: 0 ok, 1..8 the core's err codes, 0x10.. protocol errors
    localparam [7:0] ST_OK = 8'h00, ST_NO_MODEL = 8'h04, ST_FRAME_CRC = 8'h10, ST_UNKNOWN = 8'h11,
                     ST_LENGTH = 8'h12, ST_TIMEOUT = 8'h13, ST_OVERFLOW = 8'h14, ST_OFFSET = 8'h15,
                     ST_HANG = 8'h16, ST_RLE = 8'h17;
    // the core's ops and registers
    localparam [2:0] OP_MODEL_BEGIN = 3'd0, OP_MODEL_DATA = 3'd1, OP_IMAGE_BEGIN = 3'd2,
                     OP_IMAGE_DATA = 3'd3, OP_START = 3'd4, OP_CLEAR_ERR = 3'd5;
    localparam [8:0] R_STATUS = 9'h006, R_CRC = 9'h007, R_MODEL_BYTES = 9'h008, R_CYCLES = 9'h009,
                     R_CLASS = 9'h00A, R_N_CLASSES = 9'h00B, R_LOGIT0 = 9'h100;
    // local response words: {1'b1, index}
    localparam [3:0] L_CLOCK = 4'd0, L_CFG0 = 4'd1, L_CFG1 = 4'd2, L_TIMEOUT = 4'd3,
                     L_FEATURES = 4'd4, L_UPTIME_LO = 4'd5, L_UPTIME_HI = 4'd6, L_STATS0 = 4'd7,
                     L_STATS1 = 4'd8;
    localparam [31:0] FEATURES = 32'h1;   // bit 0: INFER_RLE

    localparam integer AW = $clog2(RXBUF_BYTES);
    localparam integer QW = $clog2(QUEUE_DEPTH);
    localparam integer TIMEOUT_CLKS = TIMEOUT_BITS * CLKS_PER_BIT;
    localparam integer TW = $clog2(TIMEOUT_CLKS + 1);
    // sized copies of the integer parameters
    localparam integer TIMEOUT_END = TIMEOUT_CLKS;
    localparam [AW:0]  RXBUF_SIZE  = RXBUF_BYTES[AW:0];
    localparam [15:0]  MAXP        = MAX_PAYLOAD[15:0];
    localparam [15:0]  RXBUF16     = RXBUF_BYTES[15:0];
    localparam [15:0]  CPB16       = CLKS_PER_BIT[15:0];
    localparam [7:0]   QD8         = QUEUE_DEPTH[7:0];
    localparam [QW:0]  QDEPTH      = QUEUE_DEPTH[QW:0];
    localparam [AW-1:0] TWO        = 2;

    initial begin
        if (RXBUF_BYTES < 32 || RXBUF_BYTES > 32768 || (RXBUF_BYTES & (RXBUF_BYTES - 1)) != 0) begin
            $display("proto: RXBUF_BYTES = %0d, need a power of two in 32..32768", RXBUF_BYTES);
            $finish;
        end
        if (MAX_PAYLOAD < 16 || 2 * MAX_PAYLOAD > RXBUF_BYTES) begin
            $display("proto: MAX_PAYLOAD = %0d, need 16..RXBUF_BYTES/2 = %0d", MAX_PAYLOAD,
                     RXBUF_BYTES / 2);
            $finish;
        end
        if (QUEUE_DEPTH < 2 || QUEUE_DEPTH > 64 || (QUEUE_DEPTH & (QUEUE_DEPTH - 1)) != 0) begin
            $display("proto: QUEUE_DEPTH = %0d, need a power of two in 2..64", QUEUE_DEPTH);
            $finish;
        end
        if (CLKS_PER_BIT < 4 || CLKS_PER_BIT > 65535 || TIMEOUT_BITS < 64 || TIMEOUT_BITS > (1 << 24)) begin
            $display("proto: CLKS_PER_BIT = %0d, TIMEOUT_BITS = %0d: need 4..65535 and 64..2^24",
                     CLKS_PER_BIT, TIMEOUT_BITS);
            $finish;
        end
        if (WATCHDOG_LOG2 < 16 || WATCHDOG_LOG2 > 31) begin
            $display("proto: WATCHDOG_LOG2 = %0d, need 16..31", WATCHDOG_LOG2);
            $finish;
        end
    end

    // ---- shared state: ring buffer, descriptor queue, statistics, uptime ----------------------
    // The decoder owns wr_ptr/wr_tmp and the queue's write index, the executor rd_ptr and the
    // read index. Pointers carry one extra bit so that full and empty differ.
    reg  [AW:0] wr_ptr_q;    // end of the committed payload bytes
    reg  [AW:0] wr_tmp_q;    // where the frame being received writes its next payload byte
    reg  [AW:0] rd_ptr_q;    // next payload byte the executor consumes
    reg  [AW:0] rd_ptr_d;
    wire [AW:0] ring_used = wr_ptr_q - rd_ptr_q;
    wire [AW:0] ring_free = RXBUF_SIZE - ring_used;
    wire [7:0]  ring_q;      // = ring[rd_ptr_q] (read address is rd_ptr_d, one cycle ahead)

    ram_sdp #(.WIDTH(8), .DEPTH(RXBUF_BYTES), .AW(AW)) u_ring (
        .clk    (clk),
        .we_i   (rx_valid_i && d_state_q == D_PAY),
        .waddr_i(wr_tmp_q[AW-1:0]),
        .wdata_i(rx_data_i),
        .re_i   (1'b1),
        .raddr_i(rd_ptr_d[AW-1:0]),
        .rdata_o(ring_q)
    );

    reg  [4:0]  q_st  [0:QUEUE_DEPTH-1];  // status (ST_OK: the payload is in the ring)
    reg  [7:0]  q_cmd [0:QUEUE_DEPTH-1];
    reg  [7:0]  q_seq [0:QUEUE_DEPTH-1];
    reg  [AW-1:0] q_len [0:QUEUE_DEPTH-1]; // payload bytes in the ring (0 for rejected frames)
    reg  [QW:0] q_wr_q, q_rd_q;
    wire [QW:0] q_used = q_wr_q - q_rd_q;
    wire        q_room = (q_used != QDEPTH);

    reg  [7:0]  st_ok_q, st_crc_q, st_tmo_q, st_drop_q, st_hdr_q, st_framing_q;  // wrap around
    reg         stats_clear_q;            // from the executor (RESET)
    reg  [47:0] uptime_q;                 // clock cycles since rst

    always @(posedge clk) begin
        uptime_q <= uptime_q + 48'd1;
        if (rst) uptime_q <= 48'd0;
    end

    // ---- decoder -------------------------------------------------------------------------------
    localparam [3:0] D_HUNT = 4'd0, D_CMD = 4'd1, D_SEQ = 4'd2, D_LEN0 = 4'd3, D_LEN1 = 4'd4,
                     D_PAY = 4'd5, D_CRC0 = 4'd6, D_CRC1 = 4'd7, D_SKIP = 4'd8;

    reg  [3:0]    d_state_q;
    reg  [7:0]    d_cmd_q, d_seq_q, d_crclo_q;
    reg  [7:0]    d_lenlo_q;     // length, low byte (D_LEN0)
    reg  [AW-1:0] d_len_q;       // length of an accepted frame (< 2^(AW-1) + 2)
    reg  [AW-1:0] d_rem_q;       // bytes left in D_PAY (payload) or D_SKIP (payload + CRC)
    reg  [15:0]   d_crc_q;
    reg  [TW-1:0] d_tmo_q;
    wire [15:0]   d_crc_next;
    wire [15:0]   d_len_now = {rx_data_i, d_lenlo_q};      // the length, in state D_LEN1
    wire [AW-1:0] d_len_acc = d_len_now[AW-1:0];           // ... once checked <= MAX_PAYLOAD

    crc16 u_crc16 (.crc_i(d_crc_q), .data_i(rx_data_i), .crc_o(d_crc_next));

    reg d_known, d_len_ok;
    always @* begin
        d_known  = 1'b1;
        d_len_ok = 1'b0;
        case (d_cmd_q)
            CMD_INFO, CMD_STATUS, CMD_RESET, CMD_VERIFY: d_len_ok = (d_len_now == 16'd0);
            CMD_LOAD:                d_len_ok = (d_len_now >= 16'd5) && (d_len_now <= MAXP);
            CMD_INFER, CMD_INFER_RLE: d_len_ok = (d_len_now >= 16'd1) && (d_len_now <= MAXP);
            default:                 d_known  = 1'b0;
        endcase
    end

    task d_push(input [4:0] st, input [AW-1:0] len);
        begin
            q_st [q_wr_q[QW-1:0]] <= st;
            q_cmd[q_wr_q[QW-1:0]] <= d_cmd_q;
            q_seq[q_wr_q[QW-1:0]] <= d_seq_q;
            q_len[q_wr_q[QW-1:0]] <= len;
            q_wr_q <= q_wr_q + 1'b1;
        end
    endtask

    always @(posedge clk) begin
        if (rx_valid_i || d_state_q == D_HUNT) d_tmo_q <= {TW{1'b0}};
        else                                   d_tmo_q <= d_tmo_q + 1'b1;
        if (rx_frame_err_i) st_framing_q <= st_framing_q + 1'b1;

        if (rx_valid_i) begin
            case (d_state_q)
                D_HUNT: begin
                    if (rx_data_i == SYNC_REQ) begin
                        d_state_q <= D_CMD;
                        d_crc_q   <= 16'hFFFF;
                        d_seq_q   <= 8'd0;
                        d_cmd_q   <= 8'd0;
                    end
                end
                D_CMD:  begin d_cmd_q <= rx_data_i;      d_crc_q <= d_crc_next; d_state_q <= D_SEQ;  end
                D_SEQ:  begin d_seq_q <= rx_data_i;      d_crc_q <= d_crc_next; d_state_q <= D_LEN0; end
                D_LEN0: begin d_lenlo_q <= rx_data_i; d_crc_q <= d_crc_next; d_state_q <= D_LEN1; end
                D_LEN1: begin
                    d_len_q <= d_len_acc;
                    d_crc_q <= d_crc_next;
                    d_rem_q <= d_len_acc;
                    if (!d_known || !d_len_ok) begin            // answer at once, resynchronise
                        if (q_room) d_push(d_known ? ST_LENGTH[4:0] : ST_UNKNOWN[4:0], {AW{1'b0}});
                        st_hdr_q  <= st_hdr_q + 1'b1;
                        d_state_q <= D_HUNT;
                    end else if (!q_room) begin                 // host ignored the window: drop
                        st_drop_q <= st_drop_q + 1'b1;
                        d_rem_q   <= d_len_acc + TWO;
                        d_state_q <= D_SKIP;
                    end else if ({1'b0, d_len_acc} > ring_free) begin
                        d_push(ST_OVERFLOW[4:0], {AW{1'b0}});
                        st_drop_q <= st_drop_q + 1'b1;
                        d_rem_q   <= d_len_acc + TWO;
                        d_state_q <= D_SKIP;
                    end else begin
                        d_state_q <= (d_len_now == 16'd0) ? D_CRC0 : D_PAY;
                    end
                end
                D_PAY: begin
                    wr_tmp_q <= wr_tmp_q + 1'b1;
                    d_crc_q  <= d_crc_next;
                    d_rem_q  <= d_rem_q - 1'b1;
                    if (d_rem_q == 1) d_state_q <= D_CRC0;
                end
                D_CRC0: begin d_crclo_q <= rx_data_i; d_state_q <= D_CRC1; end
                D_CRC1: begin
                    if ({rx_data_i, d_crclo_q} == d_crc_q) begin
                        wr_ptr_q <= wr_tmp_q;                   // commit the payload
                        d_push(ST_OK[4:0], d_len_q);
                        st_ok_q  <= st_ok_q + 1'b1;
                    end else begin
                        wr_tmp_q <= wr_ptr_q;                   // roll it back
                        d_push(ST_FRAME_CRC[4:0], {AW{1'b0}});
                        st_crc_q <= st_crc_q + 1'b1;
                    end
                    d_state_q <= D_HUNT;
                end
                default: begin                                  // D_SKIP
                    d_rem_q <= d_rem_q - 1'b1;
                    if (d_rem_q == 1) d_state_q <= D_HUNT;
                end
            endcase
        end else if (d_state_q != D_HUNT && d_tmo_q == TIMEOUT_END[TW-1:0]) begin
            // the frame stalled: drop it (a reserved queue slot exists from D_PAY on)
            if (d_state_q == D_PAY || d_state_q == D_CRC0 || d_state_q == D_CRC1 ||
                (d_state_q != D_SKIP && q_room))
                d_push(ST_TIMEOUT[4:0], {AW{1'b0}});
            wr_tmp_q  <= wr_ptr_q;
            st_tmo_q  <= st_tmo_q + 1'b1;
            d_state_q <= D_HUNT;
        end

        if (stats_clear_q) begin
            st_ok_q <= 8'd0; st_crc_q <= 8'd0; st_tmo_q <= 8'd0;
            st_drop_q <= 8'd0; st_hdr_q <= 8'd0; st_framing_q <= 8'd0;
        end
        if (rst) begin
            d_state_q <= D_HUNT;
            d_cmd_q   <= 8'd0;
            d_seq_q   <= 8'd0;
            d_crclo_q <= 8'd0;
            d_lenlo_q <= 8'd0;
            d_len_q   <= {AW{1'b0}};
            d_rem_q   <= {AW{1'b0}};
            d_crc_q   <= 16'hFFFF;
            d_tmo_q   <= {TW{1'b0}};
            wr_ptr_q  <= {(AW + 1){1'b0}};
            wr_tmp_q  <= {(AW + 1){1'b0}};
            q_wr_q    <= {(QW + 1){1'b0}};
            st_ok_q <= 8'd0; st_crc_q <= 8'd0; st_tmo_q <= 8'd0;
            st_drop_q <= 8'd0; st_hdr_q <= 8'd0; st_framing_q <= 8'd0;
        end
    end

    // ---- executor ------------------------------------------------------------------------------
    localparam [4:0] E_IDLE = 5'd0, E_DISPATCH = 5'd1, E_LOAD_OFF = 5'd2, E_LOAD_WAIT = 5'd3,
                     E_LOAD_BEGIN = 5'd5, E_LOAD_DATA = 5'd6, E_SETTLE = 5'd7,
                     E_SKIP = 5'd8, E_IMG_BEGIN = 5'd9, E_IMG_DATA = 5'd10, E_RLE_CNT = 5'd11,
                     E_IMG_SETTLE = 5'd12, E_START = 5'd13, E_WAIT = 5'd14, E_NC0 = 5'd15,
                     E_NC1 = 5'd16, E_RESET = 5'd17, E_R_HDR = 5'd18, E_R_FETCH0 = 5'd19,
                     E_R_FETCH1 = 5'd20, E_R_FETCH2 = 5'd21, E_R_WORD = 5'd22, E_R_CRC = 5'd23,
                     E_CLEAR = 5'd24;

    reg  [4:0]  e_state_q;
    reg  [7:0]  e_st_q, e_cmd_q, e_seq_q;
    reg  [AW-1:0] e_len_q;        // payload bytes of this frame still in the ring
    reg  [1:0]  e_k_q;            // LOAD offset byte index
    reg         e_nz_q, e_mis_q;  // LOAD offset: a nonzero byte seen; a byte differs from MODEL_BYTES
    reg  [7:0]  e_mb_byte;        // byte e_k_q of MODEL_BYTES (rd_data_i)
    reg  [8:0]  e_run_q;          // RLE: zeros still to send
    reg  [3:0]  e_cnt_q;          // settle / reset cycles
    reg  [WATCHDOG_LOG2:0] e_wd_q;
    reg  [9:0]  e_nw_q, e_wk_q;   // response words: count, index
    reg  [9:0]  e_src_q;          // where the word being fetched comes from (first_src/next_src)
    reg  [2:0]  e_ri_q;           // response header byte index / word byte index / CRC byte index
    reg  [31:0] e_w_q;            // the word being sent
    reg  [15:0] e_uph_q;          // uptime[47:32], captured with uptime[31:0]
    reg  [15:0] e_crc_q;
    wire [15:0] e_crc_next;
    reg         e_consume;        // one ring byte is consumed this cycle
    wire        e_rle = (e_cmd_q == CMD_INFER_RLE);
    wire        e_ok = (e_st_q == ST_OK);
    wire [15:0] e_rlen = 16'd1 + {4'd0, e_nw_q, 2'b00};   // response payload length

    crc16 u_crc16_tx (.crc_i(e_crc_q), .data_i(tx_data_o), .crc_o(e_crc_next));

    assign core_rst_o = (e_state_q == E_RESET) && (e_cnt_q < 4'd2);
    assign idle_o     = (d_state_q == D_HUNT) && (q_used == 0) && (e_state_q == E_IDLE);

    // The response words of a command, as a chain of sources {local, addr} (local: an L_* index
    // in bits 3:0): the first, and each next one from the current. INFO: core 0..5, L_CLOCK ..
    // L_FEATURES; STATUS: STATUS, MODEL_BYTES, L_UPTIME_LO .. L_STATS1; VERIFY: CRC, MODEL_BYTES,
    // STATUS, N_CLASSES; LOAD: MODEL_BYTES, STATUS; INFER: CLASS, CYCLES, N_CLASSES, LOGIT 0..;
    // a refused INFER: STATUS.
    function [9:0] first_src(input [7:0] cmd, input ok);
        begin
            case (cmd)
                CMD_INFO:   first_src = 10'h000;
                CMD_STATUS: first_src = {1'b0, R_STATUS};
                CMD_VERIFY: first_src = {1'b0, R_CRC};
                CMD_LOAD:   first_src = {1'b0, R_MODEL_BYTES};
                default:    first_src = ok ? {1'b0, R_CLASS} : {1'b0, R_STATUS};
            endcase
        end
    endfunction

    function [9:0] next_src(input [7:0] cmd, input [9:0] src);
        begin
            next_src = src + 10'd1;
            case (cmd)
                CMD_INFO:
                    if (src == 10'h005) next_src = {6'b100000, L_CLOCK};
                CMD_STATUS:
                    if (src == {1'b0, R_STATUS})           next_src = {1'b0, R_MODEL_BYTES};
                    else if (src == {1'b0, R_MODEL_BYTES}) next_src = {6'b100000, L_UPTIME_LO};
                CMD_VERIFY:
                    if (src == {1'b0, R_MODEL_BYTES})      next_src = {1'b0, R_STATUS};
                    else if (src == {1'b0, R_STATUS})      next_src = {1'b0, R_N_CLASSES};
                CMD_LOAD:
                    next_src = {1'b0, R_STATUS};
                default:
                    if (src == {1'b0, R_CLASS})            next_src = {1'b0, R_CYCLES};
                    else if (src == {1'b0, R_CYCLES})      next_src = {1'b0, R_N_CLASSES};
                    else if (src == {1'b0, R_N_CLASSES})   next_src = {1'b0, R_LOGIT0};
            endcase
        end
    endfunction

    // Response word count for everything but a successful INFER (3 + n_classes).
    function [9:0] word_count(input [7:0] cmd, input ok);
        begin
            case (cmd)
                CMD_INFO:   word_count = ok ? 10'd11 : 10'd0;
                CMD_STATUS: word_count = ok ? 10'd6 : 10'd0;
                CMD_VERIFY: word_count = ok ? 10'd4 : 10'd0;
                CMD_LOAD:   word_count = 10'd2;
                CMD_INFER, CMD_INFER_RLE: word_count = 10'd1;
                default:    word_count = 10'd0;
            endcase
        end
    endfunction

    reg [31:0] local_word;
    always @* begin
        case (e_src_q[3:0])
            L_CLOCK:     local_word = CLOCK_HZ;
            L_CFG0:      local_word = {PROTO_VERSION, QD8, CPB16};
            L_CFG1:      local_word = {MAXP, RXBUF16};
            L_TIMEOUT:   local_word = TIMEOUT_BITS;
            L_FEATURES:  local_word = FEATURES;
            L_UPTIME_LO: local_word = uptime_q[31:0];
            L_UPTIME_HI: local_word = {16'd0, e_uph_q};
            L_STATS0:    local_word = {st_framing_q, st_hdr_q, st_crc_q, st_ok_q};
            L_STATS1:    local_word = {16'd0, st_drop_q, st_tmo_q};
            default:     local_word = 32'd0;
        endcase
    end

    // Combinational outputs: core commands, ring consumption, TX byte.
    always @* begin
        cmd_valid_o = 1'b0;
        cmd_op_o    = OP_IMAGE_DATA;
        cmd_data_o  = ring_q;
        e_consume   = 1'b0;
        tx_valid_o  = 1'b0;
        tx_data_o   = 8'd0;
        case (e_state_q)
            E_LOAD_OFF:   e_consume = 1'b1;
            E_LOAD_BEGIN: begin cmd_valid_o = 1'b1; cmd_op_o = OP_MODEL_BEGIN; end
            E_LOAD_DATA: begin
                cmd_valid_o = (e_len_q != 0) && (err_i == 4'd0);
                cmd_op_o    = OP_MODEL_DATA;
                e_consume   = cmd_valid_o && cmd_ready_i;
            end
            E_IMG_BEGIN:  begin cmd_valid_o = 1'b1; cmd_op_o = OP_IMAGE_BEGIN; end
            E_IMG_DATA: begin
                if (e_run_q != 9'd0) begin                      // RLE zeros
                    cmd_valid_o = (err_i == 4'd0);
                    cmd_data_o  = 8'd0;
                end else if (e_len_q != 0 && (!e_rle || ring_q != 8'd0)) begin
                    cmd_valid_o = (err_i == 4'd0);
                    e_consume   = cmd_valid_o && cmd_ready_i;
                end else if (e_len_q >= 2) begin                // RLE marker 00, count follows
                    e_consume   = (err_i == 4'd0);
                end
            end
            E_RLE_CNT:    e_consume = 1'b1;
            E_START:      begin cmd_valid_o = (err_i == 4'd0); cmd_op_o = OP_START; end
            E_CLEAR:      begin cmd_valid_o = (err_i != 4'd0); cmd_op_o = OP_CLEAR_ERR; end
            E_R_HDR: begin
                tx_valid_o = 1'b1;
                case (e_ri_q)
                    3'd0:    tx_data_o = SYNC_RSP;
                    3'd1:    tx_data_o = e_cmd_q | 8'h80;
                    3'd2:    tx_data_o = e_seq_q;
                    3'd3:    tx_data_o = e_rlen[7:0];
                    3'd4:    tx_data_o = e_rlen[15:8];
                    default: tx_data_o = e_st_q;
                endcase
            end
            E_R_WORD: begin
                tx_valid_o = 1'b1;
                case (e_ri_q[1:0])
                    2'd0:    tx_data_o = e_w_q[7:0];
                    2'd1:    tx_data_o = e_w_q[15:8];
                    2'd2:    tx_data_o = e_w_q[23:16];
                    default: tx_data_o = e_w_q[31:24];
                endcase
            end
            E_R_CRC: begin
                tx_valid_o = 1'b1;
                tx_data_o  = e_ri_q[0] ? e_crc_q[15:8] : e_crc_q[7:0];
            end
            default: ;
        endcase
        case (e_k_q)
            2'd0:    e_mb_byte = rd_data_i[7:0];
            2'd1:    e_mb_byte = rd_data_i[15:8];
            2'd2:    e_mb_byte = rd_data_i[23:16];
            default: e_mb_byte = rd_data_i[31:24];
        endcase
        rd_ptr_d = rd_ptr_q;
        if (e_state_q == E_SKIP) rd_ptr_d = rd_ptr_q + {1'b0, e_len_q};
        else if (e_consume)      rd_ptr_d = rd_ptr_q + 1'b1;
    end

    always @(posedge clk) begin
        stats_clear_q <= 1'b0;
        rd_ptr_q <= rd_ptr_d;
        if (e_consume && e_state_q != E_IMG_DATA) e_len_q <= e_len_q - 1'b1;
        case (e_state_q)
            E_IDLE: begin
                if (q_used != 0) begin
                    e_st_q    <= {3'd0, q_st[q_rd_q[QW-1:0]]};
                    e_cmd_q   <= q_cmd[q_rd_q[QW-1:0]];
                    e_seq_q   <= q_seq[q_rd_q[QW-1:0]];
                    e_len_q   <= q_len[q_rd_q[QW-1:0]];
                    q_rd_q    <= q_rd_q + 1'b1;
                    e_state_q <= E_DISPATCH;
                end
            end
            E_DISPATCH: begin
                e_k_q   <= 2'd0;
                e_run_q <= 9'd0;
                e_cnt_q <= 4'd0;
                e_nw_q  <= word_count(e_cmd_q, e_ok);
                if (!e_ok) begin
                    e_state_q <= E_R_HDR;
                end else begin
                    case (e_cmd_q)
                        CMD_RESET: e_state_q <= E_RESET;
                        CMD_LOAD: begin
                            rd_addr_o <= R_MODEL_BYTES;              // compared with the offset
                            e_state_q <= E_LOAD_WAIT;
                        end
                        CMD_INFER, CMD_INFER_RLE: begin
                            if (model_valid_i) begin
                                e_state_q <= E_IMG_BEGIN;
                            end else begin
                                e_st_q    <= ST_NO_MODEL;
                                e_state_q <= E_SKIP;
                            end
                        end
                        default:   e_state_q <= E_R_HDR;   // INFO, STATUS, VERIFY: words only
                    endcase
                end
            end
            // ---- LOAD: offset, MODEL_BEGIN at 0 or a check against MODEL_BYTES, data --------
            E_LOAD_WAIT: begin                                   // MODEL_BYTES on rd_data_i next
                e_nz_q    <= 1'b0;
                e_mis_q   <= 1'b0;
                e_state_q <= E_LOAD_OFF;
            end
            E_LOAD_OFF: begin                                    // offset bytes, LSB first
                e_nz_q  <= e_nz_q || ring_q != 8'd0;
                e_mis_q <= e_mis_q || ring_q != e_mb_byte;
                e_k_q   <= e_k_q + 1'b1;
                if (e_k_q == 2'd3) begin
                    if (!e_nz_q && ring_q == 8'd0)                   // offset 0: a new load
                        e_state_q <= E_LOAD_BEGIN;
                    else if (e_mis_q || ring_q != e_mb_byte) begin   // not where the device is
                        e_st_q    <= ST_OFFSET;
                        e_state_q <= E_SKIP;
                    end else
                        e_state_q <= E_LOAD_DATA;
                end
            end
            E_LOAD_BEGIN: if (cmd_ready_i) e_state_q <= E_LOAD_DATA;
            E_LOAD_DATA: begin
                if (err_i != 4'd0) begin                         // first error of the chunk
                    e_st_q    <= {4'd0, err_i};
                    e_state_q <= E_SKIP;
                end else if (e_len_q == 1 && e_consume) begin
                    e_state_q <= E_SETTLE;
                end
            end
            E_SETTLE: begin                                      // let the core finish the byte
                if (e_cnt_q != 4'd3) e_cnt_q <= e_cnt_q + 1'b1;
                else if (cmd_ready_i) begin
                    if (err_i != 4'd0) e_st_q <= {4'd0, err_i};
                    e_state_q <= E_R_HDR;
                end
            end
            E_SKIP: begin                                        // rd_ptr jumps over the rest
                e_len_q   <= {AW{1'b0}};
                e_state_q <= E_R_HDR;
            end
            // ---- INFER: IMAGE_BEGIN, pixels (raw or zero-run-length), START, wait ----------
            E_IMG_BEGIN: if (cmd_ready_i) e_state_q <= E_IMG_DATA;
            E_IMG_DATA: begin
                if (err_i != 4'd0) begin
                    e_st_q    <= {4'd0, err_i};
                    e_state_q <= E_SKIP;
                end else if (e_run_q != 9'd0) begin
                    if (cmd_ready_i) e_run_q <= e_run_q - 9'd1;
                end else if (e_len_q == 0) begin
                    e_cnt_q   <= 4'd0;
                    e_state_q <= E_IMG_SETTLE;
                end else if (!e_rle || ring_q != 8'd0) begin
                    if (cmd_ready_i) e_len_q <= e_len_q - 1'b1;
                end else if (e_len_q >= 2) begin
                    e_len_q   <= e_len_q - 1'b1;
                    e_state_q <= E_RLE_CNT;
                end else begin                                   // a marker without its count
                    e_st_q    <= ST_RLE;
                    e_state_q <= E_SKIP;
                end
            end
            E_RLE_CNT: begin
                e_run_q   <= {1'b0, ring_q} + 9'd1;
                e_state_q <= E_IMG_DATA;
            end
            E_IMG_SETTLE: begin
                e_cnt_q <= e_cnt_q + 1'b1;
                if (e_cnt_q == 4'd2) e_state_q <= E_START;
            end
            E_START: begin
                e_wd_q <= {(WATCHDOG_LOG2 + 1){1'b0}};
                if (err_i != 4'd0) begin
                    e_st_q    <= {4'd0, err_i};
                    e_state_q <= E_R_HDR;
                end else if (cmd_ready_i) begin
                    e_state_q <= E_WAIT;
                end
            end
            E_WAIT: begin
                e_wd_q <= e_wd_q + 1'b1;
                if (done_i) begin
                    rd_addr_o <= R_N_CLASSES;
                    e_state_q <= E_NC0;
                end else if (err_i != 4'd0 && !busy_i) begin
                    e_st_q    <= {4'd0, err_i};
                    e_state_q <= E_R_HDR;
                end else if (e_wd_q[WATCHDOG_LOG2]) begin
                    e_st_q    <= ST_HANG;
                    e_cnt_q   <= 4'd0;
                    e_state_q <= E_RESET;
                end
            end
            E_NC0: e_state_q <= E_NC1;
            E_NC1: begin
                e_nw_q    <= 10'd3 + {1'b0, rd_data_i[8:0]};
                e_state_q <= E_R_HDR;
            end
            // ---- RESET (and the watchdog): core reset for two cycles, then wait until idle --
            E_RESET: begin
                if (e_cnt_q != 4'd7) e_cnt_q <= e_cnt_q + 1'b1;
                else if (!busy_i) begin
                    if (e_cmd_q == CMD_RESET) stats_clear_q <= 1'b1;
                    e_nw_q    <= word_count(e_cmd_q, e_ok);
                    e_state_q <= E_R_HDR;
                end
            end
            // ---- response: header, words (each fetched from the core or local), CRC ----------
            E_R_HDR: begin
                if (tx_ready_i) begin
                    if (e_ri_q != 3'd0) e_crc_q <= e_crc_next;
                    else                e_crc_q <= 16'hFFFF;
                    e_ri_q <= e_ri_q + 1'b1;
                    if (e_ri_q == 3'd5) begin
                        e_ri_q    <= 3'd0;
                        e_wk_q    <= 10'd0;
                        e_src_q   <= first_src(e_cmd_q, e_ok);
                        e_state_q <= (e_nw_q == 10'd0) ? E_R_CRC : E_R_FETCH0;
                    end
                end
            end
            E_R_FETCH0: begin
                rd_addr_o <= e_src_q[8:0];
                e_state_q <= E_R_FETCH1;
            end
            E_R_FETCH1: e_state_q <= E_R_FETCH2;                 // the core reads its register
            E_R_FETCH2: begin
                e_w_q <= e_src_q[9] ? local_word : rd_data_i;
                if (e_src_q[9] && e_src_q[3:0] == L_UPTIME_LO) e_uph_q <= uptime_q[47:32];
                e_state_q <= E_R_WORD;
            end
            E_R_WORD: begin
                if (tx_ready_i) begin
                    e_crc_q <= e_crc_next;
                    e_ri_q  <= e_ri_q + 1'b1;
                    if (e_ri_q == 3'd3) begin
                        e_ri_q    <= 3'd0;
                        e_wk_q    <= e_wk_q + 1'b1;
                        e_src_q   <= next_src(e_cmd_q, e_src_q);
                        e_state_q <= (e_wk_q + 10'd1 == e_nw_q) ? E_R_CRC : E_R_FETCH0;
                    end
                end
            end
            E_R_CRC: begin
                if (tx_ready_i) begin
                    e_ri_q <= e_ri_q + 1'b1;
                    if (e_ri_q == 3'd1) begin
                        e_ri_q    <= 3'd0;
                        e_state_q <= E_CLEAR;
                    end
                end
            end
            default: begin                                       // E_CLEAR: leave err_o at 0
                if (err_i == 4'd0 || cmd_ready_i) e_state_q <= E_IDLE;
            end
        endcase
        if (rst) begin
            e_state_q <= E_IDLE;
            e_st_q    <= ST_OK;
            e_cmd_q   <= 8'd0;
            e_seq_q   <= 8'd0;
            e_len_q   <= {AW{1'b0}};
            e_k_q     <= 2'd0;
            e_nz_q    <= 1'b0;
            e_mis_q   <= 1'b0;
            e_run_q   <= 9'd0;
            e_cnt_q   <= 4'd0;
            e_wd_q    <= {(WATCHDOG_LOG2 + 1){1'b0}};
            e_nw_q    <= 10'd0;
            e_wk_q    <= 10'd0;
            e_src_q   <= 10'd0;
            e_ri_q    <= 3'd0;
            e_w_q     <= 32'd0;
            e_uph_q   <= 16'd0;
            e_crc_q   <= 16'hFFFF;
            rd_addr_o <= 9'd0;
            rd_ptr_q  <= {(AW + 1){1'b0}};
            q_rd_q    <= {(QW + 1){1'b0}};
            stats_clear_q <= 1'b0;
        end
    end

endmodule

`resetall
