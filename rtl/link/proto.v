// proto — the framed host protocol of docs/protocol.md between the UART bytes and accel_core's
// port: a frame decoder (sync, header checks, CRC-16, inter-byte timeout) that writes every frame
// as a record {status, cmd, seq, len, payload} into a ring buffer (one block RAM), and an executor
// that takes the records one after the other, runs them against the core and sends one response
// frame each. Decoder and executor run concurrently, so the next INFER frame arrives while the core
// computes. The records are the queue: no descriptor flip-flops.
//
// Parameters:
//   CLKS_PER_BIT   UART clocks per bit (only for the inter-byte timeout and INFO)
//   CLOCK_HZ       design clock in Hz, reported by INFO (0: not stated)
//   RXBUF_BYTES    ring buffer for the records: power of two, 512..32768, >= 2*(MAX_PAYLOAD+5)
//   MAX_PAYLOAD    largest request payload (bytes), 16..RXBUF_BYTES/2-5
//   TIMEOUT_BITS   inter-byte timeout in bit times (64..2^24): a frame that stalls this long is
//                  dropped; the timeout taken is TIMEOUT_BITS .. TIMEOUT_BITS * 1.25 bit times
//   WATCHDOG_LOG2  an inference is abandoned (core reset) after 15/16 .. 1 x 2^WATCHDOG_LOG2 cycles
//
// Timing: the decoder takes each byte a cycle after uart_rx delivered it (with its sync compare
// registered), every decision one cycle after the byte that it depends on was stored (a byte arrives at most every 10 * CLKS_PER_BIT >= 40 cycles), the ring's fullness is a
// registered flag, and the CRC of a response byte is computed the cycle after it was sent; no path
// goes from a UART byte or a pointer subtraction into a wide clock enable.
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
    output reg  [7:0]  tx_data_o,
    output reg         tx_valid_o,
    input  wire        tx_ready_i,
    // accel_core's port (docs/accelerator.md); this module is the master
    output reg         core_rst_o,     // soft reset of the core (RESET command, watchdog)
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

    // ---- constants (docs/protocol.md; generated from rtl/link/codes.tbl, rtl/core/codes.tbl) ----
    `include "q2_link_codes.vh"  // PROTO_VERSION, REC_BYTES, SYNC_*, CMD_*, ST_*, FEATURES
    `include "q2_core_codes.vh"  // the core's port: OP_*, R_*

    localparam integer AW = $clog2(RXBUF_BYTES);
    localparam integer TIMEOUT_CLKS = TIMEOUT_BITS * CLKS_PER_BIT;
    // Inter-byte timeout from ticks of the uptime counter: a tick every 2^TK cycles, the frame is
    // dropped at tick TMO_TICKS (TMO_TICKS - 1 whole tick periods >= TIMEOUT_CLKS have passed).
    localparam integer TK = $clog2(TIMEOUT_CLKS) - 4;
    localparam integer TMO_TICKS = (TIMEOUT_CLKS + (1 << TK) - 1) / (1 << TK) + 1;
    // Watchdog: a tick every 2^(WATCHDOG_LOG2-4) cycles, the 16th ends the inference.
    localparam integer WK = WATCHDOG_LOG2 - 4;
    // sized copies of the integer parameters
    localparam [AW-1:0] MAXP      = MAX_PAYLOAD[AW-1:0];
    localparam [4:0]    TMO_END   = TMO_TICKS[4:0];
    localparam [AW:0]   REC_SIZE  = {{(AW - 7){1'b0}}, REC_BYTES};
    localparam [AW-1:0] LEN_ONE   = 1, LEN_FIVE = 5;
    localparam [31:0]   CFG0      = {PROTO_VERSION, REC_BYTES, CLKS_PER_BIT[15:0]};
    localparam [31:0]   CFG1      = {MAX_PAYLOAD[15:0], RXBUF_BYTES[15:0]};

    initial begin
        if (RXBUF_BYTES < 512 || RXBUF_BYTES > 32768 || (RXBUF_BYTES & (RXBUF_BYTES - 1)) != 0) begin
            $display("proto: RXBUF_BYTES = %0d, need a power of two in 512..32768", RXBUF_BYTES);
            $finish;
        end
        if (MAX_PAYLOAD < 16 || 2 * (MAX_PAYLOAD + 5) > RXBUF_BYTES) begin
            $display("proto: MAX_PAYLOAD = %0d, need 16..RXBUF_BYTES/2-5 = %0d", MAX_PAYLOAD,
                     RXBUF_BYTES / 2 - 5);
            $finish;
        end
        if (CLKS_PER_BIT < 4 || CLKS_PER_BIT > 65535 || TIMEOUT_BITS < 64 || TIMEOUT_BITS > (1 << 24)) begin
            $display("proto: CLKS_PER_BIT = %0d, TIMEOUT_BITS = %0d: need 4..65535 and 64..2^24",
                     CLKS_PER_BIT, TIMEOUT_BITS);
            $finish;
        end
        if (TK > 31 || TMO_TICKS > 31) begin
            $display("proto: TIMEOUT_BITS * CLKS_PER_BIT = %0d clocks: too long for the 32-bit uptime",
                     TIMEOUT_CLKS);
            $finish;
        end
        if (WATCHDOG_LOG2 < 16 || WATCHDOG_LOG2 > 31) begin
            $display("proto: WATCHDOG_LOG2 = %0d, need 16..31", WATCHDOG_LOG2);
            $finish;
        end
    end

    // ---- shared state: ring buffer, uptime, error counter ----------------------------------------
    // The decoder owns wr_ptr/wr_tmp, the executor rd_ptr. Pointers carry one extra bit so that
    // full and empty differ. A record is [status][cmd][seq][len_lo][len_hi][payload]; wr_ptr only
    // moves by whole records (a frame's bytes are written from wr_ptr on while it arrives, its status
    // byte over the sync byte at wr_ptr when it ends), so the executor reads whole records.
    reg  [AW:0] wr_ptr_q;    // end of the committed records
    reg  [AW:0] wr_tmp_q;    // where the frame being received writes its next byte
    reg  [AW:0] rd_ptr_q;    // next record byte the executor consumes
    wire [AW:0] rd_ptr_d;
    reg         full_q;      // the ring is full from wr_tmp to rd_ptr (registered: one cycle old)
    wire        ring_full = (wr_tmp_q[AW] != rd_ptr_q[AW]) && (wr_tmp_q[AW-1:0] == rd_ptr_q[AW-1:0]);
    reg  [7:0]  ring_q;      // = ring[rd_ptr_q] (read address rd_ptr_d, one cycle ahead)
    reg         ring_we;
    reg  [AW-1:0] ring_waddr;
    reg  [7:0]  ring_wdata;

    // The executor never uses a byte read in the cycle it is written (it waits a cycle after a
    // commit and reads the payload long after it arrived): no read-during-write bypass.
    (* no_rw_check *) reg [7:0] ring [0:RXBUF_BYTES-1];
    always @(posedge clk) begin
        if (ring_we) ring[ring_waddr] <= ring_wdata;
        ring_q <= ring[rd_ptr_d[AW-1:0]];
    end

    reg  [31:0] uptime_q;                 // clock cycles since rst (wraps; paused while sent)
    wire        up_hold;                  // (executor) STATUS is sending UPTIME: keep it still
    reg         up_tk_q, up_wk_q;         // uptime bits TK-1, WK-1 a cycle ago (tick = falling edge)
    wire        tmo_tick = up_tk_q && !uptime_q[TK-1];
    wire        wd_tick  = up_wk_q && !uptime_q[WK-1];
    reg  [7:0]  errors_q;                 // protocol errors, dropped frames, UART framing errors
    reg         err_inc;                  // (decoder) count one error this cycle
    reg         errors_clear;             // (executor) RESET

    always @(posedge clk) begin
        if (!up_hold) uptime_q <= uptime_q + 32'd1;
        up_tk_q  <= uptime_q[TK-1];
        up_wk_q  <= uptime_q[WK-1];
        full_q   <= ring_full;
        if (err_inc || rx_frame_err_i) errors_q <= errors_q + 8'd1;
        if (errors_clear) errors_q <= 8'd0;
        if (rst) begin
            uptime_q <= 32'd0;
            up_tk_q  <= 1'b0;
            up_wk_q  <= 1'b0;
            full_q   <= 1'b0;
            errors_q <= 8'd0;
        end
    end

    // ---- decoder -------------------------------------------------------------------------------
    localparam [3:0] D_HUNT = 4'd0, D_CMD = 4'd1, D_SEQ = 4'd2, D_LEN0 = 4'd3, D_LEN1 = 4'd4,
                     D_CHK = 4'd5, D_PAY = 4'd6, D_CRC0 = 4'd7, D_CRC1 = 4'd8, D_END = 4'd9,
                     D_CHK2 = 4'd10;
    localparam [1:0] K_UNKNOWN = 2'd0, K_NOPAY = 2'd1, K_LOAD = 2'd2, K_INFER = 2'd3;

    reg  [3:0]    d_state_q;
    reg           rxv_q;         // a byte arrived last cycle (rx_data_i holds it until the next)
    reg           rxsync_q;      // ... and it is the sync byte
    reg  [1:0]    d_kind_q;      // the command's payload rule (K_*), decoded from the cmd byte
    reg  [AW-1:0] d_rem_q;       // the length (D_LEN0 .. D_CHK), then payload bytes still to come
    reg           d_big_q;       // length >= 2^AW
    reg  [15:0]   d_crc_q;
    reg           d_match_q;     // the CRC's low byte matched
    reg           d_lok_q;       // the length suits the command (D_CHK -> D_CHK2)
    reg           d_ovf_q;       // the ring was full: nothing more of this frame is written
    reg           d_rec_q;       // the record's five header bytes are in the ring
    reg  [4:0]    d_st_q;        // the record's status, D_END writes it
    reg  [4:0]    d_tmo_q;       // timeout ticks since the last byte
    wire [15:0]   d_crc_next;
    wire          d_store = (d_state_q == D_HUNT) ? rxsync_q :
                            (d_state_q <= D_LEN1 || d_state_q == D_PAY);
    wire          d_write = rxv_q && d_store && !d_ovf_q && !full_q;
    wire          d_len_ok = !d_big_q && ((d_kind_q == K_NOPAY) ? (d_rem_q == {AW{1'b0}}) :
                             (d_rem_q <= MAXP && d_rem_q >= ((d_kind_q == K_LOAD) ? LEN_FIVE : LEN_ONE)));

    crc16 u_crc16 (.crc_i(d_crc_q), .data_i(rx_data_i), .crc_o(d_crc_next));

    // the ring's write port: the arriving bytes, or a record's status when a frame ends
    always @* begin
        ring_we    = d_write;
        ring_waddr = wr_tmp_q[AW-1:0];
        ring_wdata = rx_data_i;
        err_inc    = 1'b0;
        if (d_state_q == D_END) begin
            ring_we    = d_rec_q;
            ring_waddr = wr_ptr_q[AW-1:0];
            ring_wdata = {3'd0, d_st_q};
            err_inc    = (d_st_q != ST_OK) || !d_rec_q;
        end
    end

    always @(posedge clk) begin
        rxv_q    <= rx_valid_i;
        rxsync_q <= (rx_data_i == SYNC_REQ);
        if (rxv_q || d_state_q == D_HUNT) d_tmo_q <= 5'd0;
        else if (tmo_tick)                     d_tmo_q <= d_tmo_q + 5'd1;
        if (d_write) wr_tmp_q <= wr_tmp_q + 1'b1;
        if (rxv_q && d_store && (d_ovf_q || full_q)) d_ovf_q <= 1'b1;

        if (rxv_q) begin                                        // the byte, a cycle after it came
            case (d_state_q)
                D_HUNT: begin
                    if (rxsync_q) begin
                        d_state_q <= D_CMD;
                        d_crc_q   <= 16'hFFFF;
                        d_ovf_q   <= full_q;
                        d_rec_q   <= 1'b0;
                    end
                end
                D_CMD: begin
                    case (rx_data_i)
                        CMD_INFO, CMD_STATUS, CMD_RESET, CMD_VERIFY: d_kind_q <= K_NOPAY;
                        CMD_LOAD:                 d_kind_q <= K_LOAD;
                        CMD_INFER, CMD_INFER_RLE: d_kind_q <= K_INFER;
                        default:                  d_kind_q <= K_UNKNOWN;
                    endcase
                    d_crc_q <= d_crc_next; d_state_q <= D_SEQ;
                end
                D_SEQ:  begin d_crc_q <= d_crc_next; d_state_q <= D_LEN0; end
                D_LEN0: begin
                    d_rem_q[7:0] <= rx_data_i;
                    d_crc_q <= d_crc_next; d_state_q <= D_LEN1;
                end
                D_LEN1: begin
                    d_rem_q[AW-1:8] <= rx_data_i[AW-9:0];
                    d_big_q <= |rx_data_i[7:AW-8];
                    d_rec_q <= d_write;
                    d_crc_q <= d_crc_next; d_state_q <= D_CHK;
                end
                D_PAY: begin
                    d_crc_q <= d_crc_next;
                    d_rem_q <= d_rem_q - 1'b1;
                    if (d_rem_q == LEN_ONE) d_state_q <= D_CRC0;
                end
                D_CRC0: begin
                    d_match_q <= (rx_data_i == d_crc_q[7:0]);
                    d_state_q <= D_CRC1;
                end
                D_CRC1: begin
                    d_st_q    <= d_ovf_q ? ST_OVERFLOW :
                                 (d_match_q && rx_data_i == d_crc_q[15:8]) ? ST_OK : ST_FRAME_CRC;
                    d_state_q <= D_END;
                end
                default: ;                                      // D_CHK.., D_END: no byte comes
            endcase
        end else if (d_state_q == D_CHK) begin                  // the header, one cycle later
            d_lok_q   <= d_len_ok;
            d_state_q <= D_CHK2;
        end else if (d_state_q == D_CHK2) begin                 // ... and its checks, two
            if (d_kind_q == K_UNKNOWN) begin                    // answer at once, resynchronise
                d_st_q    <= ST_UNKNOWN;
                d_state_q <= D_END;
            end else if (!d_lok_q) begin
                d_st_q    <= ST_LENGTH;
                d_state_q <= D_END;
            end else begin
                d_state_q <= (d_rem_q == {AW{1'b0}}) ? D_CRC0 : D_PAY;
            end
        end else if (d_state_q == D_END) begin                  // commit the record, or drop
            if (d_rec_q) begin
                wr_ptr_q <= (d_st_q == ST_OK) ? wr_tmp_q : wr_ptr_q + REC_SIZE;
                wr_tmp_q <= (d_st_q == ST_OK) ? wr_tmp_q : wr_ptr_q + REC_SIZE;
            end else begin
                wr_tmp_q <= wr_ptr_q;
            end
            d_ovf_q   <= 1'b0;
            d_state_q <= D_HUNT;
        end else if (d_state_q != D_HUNT && d_tmo_q == TMO_END) begin
            d_st_q    <= ST_TIMEOUT;                            // the frame stalled
            d_state_q <= D_END;
        end

        if (rst) begin
            d_state_q <= D_HUNT;
            rxv_q     <= 1'b0;
            rxsync_q  <= 1'b0;
            d_kind_q  <= K_UNKNOWN;
            d_rem_q   <= {AW{1'b0}};
            d_big_q   <= 1'b0;
            d_crc_q   <= 16'hFFFF;
            d_match_q <= 1'b0;
            d_lok_q   <= 1'b0;
            d_ovf_q   <= 1'b0;
            d_rec_q   <= 1'b0;
            d_st_q    <= ST_OK;
            d_tmo_q   <= 5'd0;
            wr_ptr_q  <= {(AW + 1){1'b0}};
            wr_tmp_q  <= {(AW + 1){1'b0}};
        end
    end

    // ---- executor ------------------------------------------------------------------------------
    localparam [4:0] E_IDLE = 5'd0, E_HDR = 5'd1, E_DISPATCH = 5'd2, E_LOAD_WAIT = 5'd3,
                     E_LOAD_OFF = 5'd4, E_LOAD_BEGIN = 5'd5, E_LOAD_DATA = 5'd6, E_SETTLE = 5'd7,
                     E_SKIP = 5'd8, E_IMG_BEGIN = 5'd9, E_IMG_DATA = 5'd10, E_RLE_CNT = 5'd11,
                     E_IMG_SETTLE = 5'd12, E_START = 5'd13, E_WAIT = 5'd14, E_NC = 5'd15,
                     E_RESET = 5'd16, E_R_HDR = 5'd17, E_R_FETCH = 5'd18, E_R_WORD = 5'd19,
                     E_R_CRC = 5'd20, E_CLEAR = 5'd21, E_LOAD_CHK = 5'd22;

    reg  [4:0]    e_state_q;
    reg  [4:0]    e_st_q;
    reg  [7:0]    e_cmd_q, e_seq_q;
    reg  [AW:0]   e_len_q;        // payload bytes of this record still in the ring, minus one:
    wire          e_none = e_len_q[AW];       // negative: none left (one flip-flop, no compare)
    reg  [2:0]    e_cnt_q;        // byte index (record header, response header, word, CRC) or wait
    reg           e_nz_q, e_mis_q;  // LOAD offset: a nonzero byte seen; a byte differs from MODEL_BYTES
    reg  [8:0]    e_run_q;        // RLE: zeros still to send, minus one (negative: none)
    reg  [4:0]    e_wd_q;         // watchdog ticks
    reg  [8:0]    e_nw_q;         // response words still to send
    reg  [8:0]    e_src_q;        // the core register of the word being fetched / sent
    reg  [1:0]    e_kind_q;       // the word being sent: a core register, a constant, UPTIME, STATS
    reg  [15:0]   e_crc_q;
    reg  [7:0]    e_txb_q;        // the byte the UART took, folded into the CRC the next cycle
    reg           e_txp_q;
    reg           e_consume;      // one ring byte is consumed this cycle
    reg           e_issue;        // a command goes into the core port's registers this cycle
    reg  [2:0]    e_iop;
    reg  [7:0]    e_idata;
    wire          e_take = cmd_valid_o && cmd_ready_i;      // the core takes the command
    wire          e_free = !cmd_valid_o || cmd_ready_i;     // the port can take a new command
    wire          e_noerr = (err_i == 4'd0);
    wire [15:0]   e_crc_next;
    wire          e_rle  = (e_cmd_q == CMD_INFER_RLE);
    reg           e_ok_q;         // the record's status is OK (registered with it in E_HDR)
    wire          e_info = (e_cmd_q == CMD_INFO);
    wire          e_stat = (e_cmd_q == CMD_STATUS);
    wire [10:0]   e_rlen = {e_nw_q, 2'b01};                 // response payload length 1 + 4 n
    wire          e_tx   = tx_valid_o && tx_ready_i;

    crc16 u_crc16_tx (.crc_i(e_crc_q), .data_i(e_txb_q), .crc_o(e_crc_next));

    localparam [1:0] W_CORE = 2'd0, W_ROM = 2'd1, W_UPTIME = 2'd2, W_STATS = 2'd3;
    assign up_hold    = (e_kind_q == W_UPTIME);
    // A byte the UART has just completed (rx_valid_i / rx_frame_err_i) is in flight until the
    // decoder registers it (rxv_q) and acts on it: a lone sync byte must keep the clock running,
    // so that the inter-byte timeout can drop the frame it opened.
    assign idle_o     = !rx_valid_i && !rx_frame_err_i && !rxv_q && (d_state_q == D_HUNT) &&
                        (wr_ptr_q == rd_ptr_q) && (e_state_q == E_IDLE);
    assign rd_ptr_d   = rd_ptr_q + {{AW{1'b0}}, e_consume};

    // The response words of a command are core registers from a start address on (the local ones
    // in their place): INFO 0..5 then CLOCK_HZ CFG0 CFG1 TIMEOUT_BITS FEATURES (6..10, rom_word);
    // STATUS 6..8 then UPTIME STATS (9, 10); VERIFY, LOAD and a refused INFER 6..8; INFER 9..11,
    // then the logits from 0x100.
    // A word's bytes are taken from their source as they are sent (low byte first, e_cnt_q the
    // byte): the core's register does not change while proto sends it (the core is idle), and the
    // uptime counter holds still for those four byte times.
    reg [31:0] rom_word, src_word;
    reg [7:0]  word_byte;
    always @* begin
        case (e_src_q[3:0])
            4'd6:    rom_word = CLOCK_HZ;
            4'd7:    rom_word = CFG0;
            4'd8:    rom_word = CFG1;
            4'd9:    rom_word = TIMEOUT_BITS;
            default: rom_word = FEATURES;
        endcase
        case (e_kind_q)
            W_CORE:   src_word = rd_data_i;
            W_ROM:    src_word = rom_word;
            W_UPTIME: src_word = uptime_q;
            default:  src_word = {24'd0, errors_q};
        endcase
        case (e_cnt_q[1:0])
            2'd0:    word_byte = src_word[7:0];
            2'd1:    word_byte = src_word[15:8];
            2'd2:    word_byte = src_word[23:16];
            default: word_byte = src_word[31:24];
        endcase
    end

    // Combinational: the next core command (the port is registered: cmd_valid_o, cmd_op_o and
    // cmd_data_o hold a command until the core takes it, a new one may follow in that cycle), ring
    // consumption, TX byte.
    always @* begin
        e_issue    = 1'b0;
        e_iop      = OP_IMAGE_DATA;
        e_idata    = ring_q;
        e_consume  = 1'b0;
        tx_valid_o = 1'b0;
        tx_data_o  = word_byte;
        case (e_state_q)
            E_HDR, E_LOAD_OFF, E_RLE_CNT: e_consume = 1'b1;
            E_SKIP:       e_consume = !e_none;
            E_LOAD_BEGIN: begin e_issue = !cmd_valid_o; e_iop = OP_MODEL_BEGIN; end
            E_LOAD_DATA: begin
                e_issue   = e_free && !e_none && e_noerr;
                e_iop     = OP_MODEL_DATA;
                e_consume = e_issue;
            end
            E_IMG_BEGIN:  begin e_issue = !cmd_valid_o; e_iop = OP_IMAGE_BEGIN; end
            E_IMG_DATA: begin
                // a byte is consumed whatever it is (a pixel, or the RLE marker 00 whose count
                // follows), so that the ring's read address does not wait for the byte's value
                if (e_free && e_noerr) begin
                    if (!e_run_q[8]) begin                      // RLE zeros
                        e_issue = 1'b1;
                        e_idata = 8'd0;
                    end else if (!e_none) begin
                        e_issue   = !e_rle || ring_q != 8'd0;
                        e_consume = 1'b1;
                    end
                end
            end
            E_START:      begin e_issue = !cmd_valid_o && e_noerr; e_iop = OP_START; end
            E_CLEAR:      begin e_issue = !cmd_valid_o && !e_noerr; e_iop = OP_CLEAR_ERR; end
            E_R_HDR: begin
                tx_valid_o = !e_txp_q;
                case (e_cnt_q)
                    3'd0:    tx_data_o = SYNC_RSP;
                    3'd1:    tx_data_o = e_cmd_q | 8'h80;
                    3'd2:    tx_data_o = e_seq_q;
                    3'd3:    tx_data_o = e_rlen[7:0];
                    3'd4:    tx_data_o = {5'd0, e_rlen[10:8]};
                    default: tx_data_o = {3'd0, e_st_q};
                endcase
            end
            E_R_WORD:     tx_valid_o = !e_txp_q;
            E_R_CRC: begin
                tx_valid_o = !e_txp_q;
                tx_data_o  = e_cnt_q[0] ? e_crc_q[15:8] : e_crc_q[7:0];
            end
            default: ;
        endcase
    end

    always @(posedge clk) begin
        errors_clear <= 1'b0;
        rd_ptr_q <= rd_ptr_d;
        core_rst_o <= (e_state_q == E_RESET) && (e_cnt_q < 3'd2);
        if (e_take) cmd_valid_o <= 1'b0;
        if (e_issue) begin
            cmd_valid_o <= 1'b1;
            cmd_op_o    <= e_iop;
            cmd_data_o  <= e_idata;
        end
        if (e_consume || e_state_q == E_DISPATCH) e_len_q <= e_len_q - 1'b1;
        // CRC-16 of the response: each byte the cycle after the UART took it (not the sync byte)
        e_txp_q <= e_tx && (e_state_q == E_R_WORD || (e_state_q == E_R_HDR && e_cnt_q != 3'd0));
        if (e_tx) e_txb_q <= tx_data_o;
        if (e_txp_q) e_crc_q <= e_crc_next;
        if (wd_tick) e_wd_q <= e_wd_q + 5'd1;
        case (e_state_q)
            E_IDLE: begin                                        // a record (one cycle old) waits
                e_cnt_q <= 3'd0;
                if (wr_ptr_q != rd_ptr_q) e_state_q <= E_HDR;
            end
            E_HDR: begin                                         // status cmd seq len_lo len_hi
                e_cnt_q <= e_cnt_q + 3'd1;
                case (e_cnt_q)
                    3'd0:    begin e_st_q <= ring_q[4:0]; e_ok_q <= (ring_q[4:0] == ST_OK); end
                    3'd1:    e_cmd_q <= ring_q;
                    3'd2:    e_seq_q <= ring_q;
                    3'd3:    e_len_q <= {{(AW - 7){1'b0}}, ring_q};
                    default: begin
                        e_len_q   <= {1'b0, ring_q[AW-9:0], e_len_q[7:0]};  // -1 in E_DISPATCH
                        e_state_q <= E_DISPATCH;
                    end
                endcase
            end
            E_DISPATCH: begin
                e_cnt_q <= 3'd0;
                e_run_q <= 9'h1FF;
                e_src_q <= e_info ? 9'd0 : R_STATUS;
                case (e_cmd_q)
                    CMD_INFO:   e_nw_q <= 9'd11;
                    CMD_STATUS: e_nw_q <= 9'd5;
                    CMD_RESET:  e_nw_q <= 9'd0;
                    default:    e_nw_q <= 9'd3;
                endcase
                if (!e_ok_q) begin                               // the decoder's error: no words
                    e_nw_q    <= 9'd0;
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
                e_nz_q  <= 1'b0;
                e_mis_q <= 1'b0;
                e_cnt_q <= e_cnt_q + 3'd1;
                if (e_cnt_q[0]) begin
                    e_cnt_q   <= 3'd0;
                    e_state_q <= E_LOAD_OFF;
                end
            end
            E_LOAD_OFF: begin                                    // offset bytes, LSB first
                e_nz_q  <= e_nz_q || ring_q != 8'd0;
                e_mis_q <= e_mis_q || ring_q != word_byte;
                e_cnt_q <= e_cnt_q + 3'd1;
                if (e_cnt_q == 3'd3) begin
                    e_cnt_q   <= 3'd0;
                    e_state_q <= E_LOAD_CHK;
                end
            end
            E_LOAD_CHK: begin                                    // the offset, a cycle later
                if (!e_nz_q)                                     // offset 0: a new load
                    e_state_q <= E_LOAD_BEGIN;
                else if (e_mis_q) begin                          // not where the device is
                    e_st_q    <= ST_OFFSET;
                    e_state_q <= E_SKIP;
                end else
                    e_state_q <= E_LOAD_DATA;
            end
            E_LOAD_BEGIN: if (e_take) e_state_q <= E_LOAD_DATA;
            E_LOAD_DATA: begin
                if (!e_noerr) begin                              // first error of the chunk
                    cmd_valid_o <= 1'b0;
                    e_st_q    <= {1'b0, err_i};
                    e_state_q <= E_SKIP;
                end else if (e_none && e_free) begin             // the last byte taken
                    e_state_q <= E_SETTLE;
                end
            end
            E_SETTLE: begin                                      // let the core finish the byte
                if (e_cnt_q != 3'd3) e_cnt_q <= e_cnt_q + 3'd1;
                else if (cmd_ready_i) begin
                    if (err_i != 4'd0) e_st_q <= {1'b0, err_i};
                    e_cnt_q   <= 3'd0;
                    e_state_q <= E_R_HDR;
                end
            end
            E_SKIP: if (e_none) e_state_q <= E_R_HDR;           // consume the rest
            // ---- INFER: IMAGE_BEGIN, pixels (raw or zero-run-length), START, wait ----------
            E_IMG_BEGIN: if (e_take) e_state_q <= E_IMG_DATA;
            E_IMG_DATA: begin
                if (!e_noerr) begin
                    cmd_valid_o <= 1'b0;
                    e_st_q    <= {1'b0, err_i};
                    e_state_q <= E_SKIP;
                end else if (!e_free) begin
                    // the port is busy: wait
                end else if (!e_run_q[8]) begin
                    e_run_q <= e_run_q - 9'd1;
                end else if (e_none) begin                           // the last pixel taken
                    e_cnt_q   <= 3'd0;
                    e_state_q <= E_IMG_SETTLE;
                end else if (e_rle && ring_q == 8'd0) begin          // the marker (consumed)
                    if (e_len_q == {(AW + 1){1'b0}}) begin
                        e_st_q    <= ST_RLE;                     // ... without its count
                        e_state_q <= E_SKIP;
                    end else begin
                        e_state_q <= E_RLE_CNT;
                    end
                end
            end
            E_RLE_CNT: begin
                e_run_q   <= {1'b0, ring_q};                     // 00 c: c + 1 zeros
                e_state_q <= E_IMG_DATA;
            end
            E_IMG_SETTLE: begin
                e_cnt_q <= e_cnt_q + 3'd1;
                if (e_cnt_q == 3'd2) begin
                    e_cnt_q   <= 3'd0;
                    e_state_q <= E_START;
                end
            end
            E_START: begin
                e_wd_q <= 5'd0;
                if (!e_noerr) begin
                    cmd_valid_o <= 1'b0;
                    e_st_q    <= {1'b0, err_i};
                    e_state_q <= E_R_HDR;
                end else if (e_take) begin
                    e_state_q <= E_WAIT;
                end
            end
            E_WAIT: begin
                e_cnt_q <= 3'd0;
                if (done_i) begin
                    rd_addr_o <= R_N_CLASSES;
                    e_state_q <= E_NC;
                end else if (err_i != 4'd0 && !busy_i) begin
                    e_st_q    <= {1'b0, err_i};
                    e_state_q <= E_R_HDR;
                end else if (e_wd_q[4]) begin
                    e_st_q    <= ST_HANG;
                    e_state_q <= E_RESET;
                end
            end
            E_NC: begin                                          // N_CLASSES on rd_data_i
                e_cnt_q <= 3'd1;
                if (e_cnt_q[0]) begin
                    e_nw_q    <= 9'd3 + rd_data_i[8:0];
                    e_src_q   <= R_CYCLES;
                    e_cnt_q   <= 3'd0;
                    e_state_q <= E_R_HDR;
                end
            end
            // ---- RESET (and the watchdog): core reset for two cycles, then wait until idle --
            E_RESET: begin
                if (e_cnt_q != 3'd7) e_cnt_q <= e_cnt_q + 3'd1;
                else if (!busy_i) begin
                    if (e_cmd_q == CMD_RESET) errors_clear <= 1'b1;
                    e_cnt_q   <= 3'd0;
                    e_state_q <= E_R_HDR;
                end
            end
            // ---- response: header, words (each fetched from the core or local), CRC ----------
            E_R_HDR: begin
                if (e_tx) begin
                    if (e_cnt_q == 3'd0) e_crc_q <= 16'hFFFF;
                    e_cnt_q <= e_cnt_q + 3'd1;
                    if (e_cnt_q == 3'd5) begin
                        e_cnt_q   <= 3'd0;
                        e_state_q <= (e_nw_q == 9'd0) ? E_R_CRC : E_R_FETCH;
                    end
                end
            end
            E_R_FETCH: begin                                     // the core reads its register
                rd_addr_o <= e_src_q;
                e_cnt_q   <= e_cnt_q + 3'd1;
                if (e_cnt_q == 3'd2) begin
                    if (e_info && e_src_q[3:0] >= 4'd6)  e_kind_q <= W_ROM;
                    if (e_stat && e_src_q[3:0] == 4'd9)  e_kind_q <= W_UPTIME;
                    if (e_stat && e_src_q[3:0] == 4'd10) e_kind_q <= W_STATS;
                    e_cnt_q   <= 3'd0;
                    e_state_q <= E_R_WORD;
                end
            end
            E_R_WORD: begin
                if (e_tx) begin
                    e_cnt_q <= e_cnt_q + 3'd1;
                    if (e_cnt_q == 3'd3) begin
                        e_cnt_q   <= 3'd0;
                        e_kind_q  <= W_CORE;
                        e_nw_q    <= e_nw_q - 9'd1;
                        e_src_q   <= (e_src_q == R_N_CLASSES) ? R_LOGIT0 : e_src_q + 9'd1;
                        e_state_q <= (e_nw_q == 9'd1) ? E_R_CRC : E_R_FETCH;
                    end
                end
            end
            E_R_CRC: begin
                if (e_tx) begin
                    e_cnt_q <= e_cnt_q + 3'd1;
                    if (e_cnt_q[0]) begin
                        e_cnt_q   <= 3'd0;
                        e_state_q <= E_CLEAR;
                    end
                end
            end
            default: begin                                       // E_CLEAR: leave err_o at 0
                if (e_take || (e_noerr && !cmd_valid_o)) e_state_q <= E_IDLE;
            end
        endcase
        if (rst) begin
            e_state_q <= E_IDLE;
            e_st_q    <= ST_OK;
            e_ok_q    <= 1'b1;
            e_cmd_q   <= 8'd0;
            e_seq_q   <= 8'd0;
            e_len_q   <= {(AW + 1){1'b1}};
            e_cnt_q   <= 3'd0;
            e_nz_q    <= 1'b0;
            e_mis_q   <= 1'b0;
            e_run_q   <= 9'h1FF;
            e_wd_q    <= 5'd0;
            e_nw_q    <= 9'd0;
            e_src_q   <= 9'd0;
            e_kind_q  <= W_CORE;
            e_crc_q   <= 16'hFFFF;
            e_txb_q   <= 8'd0;
            e_txp_q   <= 1'b0;
            rd_addr_o <= 9'd0;
            rd_ptr_q  <= {(AW + 1){1'b0}};
            core_rst_o  <= 1'b0;
            cmd_valid_o <= 1'b0;
            cmd_op_o    <= OP_IMAGE_DATA;
            cmd_data_o  <= 8'd0;
            errors_clear <= 1'b0;
        end
    end

endmodule

`resetall
