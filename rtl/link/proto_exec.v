// proto_exec — the executor of docs/protocol.md, proto's second step: it takes the records that
// proto_dec committed to the ring buffer one after the other, runs each against accel_core's port
// (LOAD: MODEL_BEGIN / MODEL_DATA; VERIFY; INFER / INFER_RLE: IMAGE_BEGIN, pixels, START, wait for
// done under the watchdog; RESET; INFO, STATUS) and sends one response frame each: header, status,
// words (core registers, UPTIME, STATS, the INFO constants), CRC-16. It keeps the uptime counter.
//
// The boundary to proto_dec is registered on both sides: wr_ptr_i (end of the committed records;
// a record waits while it differs from rd_ptr) and errors_i come in; rd_ptr_o (the next record
// byte to consume: the ring is free up to it), uptime_o and errors_clear_o (RESET, one cycle) go
// out. The ring is read one byte a cycle at ring_raddr_o (= the next rd_ptr), ring_rdata_i a
// cycle later; the executor never reads a byte in the cycle it is written (it waits a cycle after
// a commit and reads the payload long after it arrived).
//
// Timing: the port to the core is registered (cmd_valid_o, cmd_op_o, cmd_data_o hold a command
// until the core takes it; one command per cycle when the core keeps up); the CRC of a response
// byte is computed the cycle after the UART took it.
//
// Parameters:
//   CLKS_PER_BIT   UART clocks per bit, 4..65535 (reported by INFO in CFG0)
//   CLOCK_HZ       design clock in Hz, reported by INFO (0: not stated)
//   AW             ring address bits (the ring has 2^AW bytes, reported in CFG1), 9..15
//   MAX_PAYLOAD    largest request payload (bytes), reported in CFG1, 16..2^AW/2-5
//   TIMEOUT_BITS   the decoder's inter-byte timeout in bit times, reported by INFO
//   WATCHDOG_LOG2  an inference is abandoned (core reset) after 15/16 .. 1 x 2^WATCHDOG_LOG2 cycles,
//                  16..31
`default_nettype none

module proto_exec #(
    parameter integer CLKS_PER_BIT  = 4,
    parameter integer CLOCK_HZ      = 0,
    parameter integer AW            = 11,
    parameter integer MAX_PAYLOAD   = 1019,
    parameter integer TIMEOUT_BITS  = 65536,
    parameter integer WATCHDOG_LOG2 = 26
) (
    input  wire          clk,
    input  wire          rst,
    // the ring's read port (proto's block RAM): ring_rdata_i = ring[ring_raddr_o] a cycle later
    output wire [AW-1:0] ring_raddr_o,
    input  wire [7:0]    ring_rdata_i,
    // the boundary to proto_dec (registers on both sides)
    input  wire [AW:0]   wr_ptr_i,        // end of the committed records
    output wire [AW:0]   rd_ptr_o,        // next record byte the executor consumes
    output wire [31:0]   uptime_o,        // clock cycles since reset (wraps; paused while sent)
    output wire          errors_clear_o,  // RESET: clear the decoder's error counter
    input  wire [7:0]    errors_i,        // the decoder's error counter (STATS)
    // bytes to the UART
    output reg  [7:0]    tx_data_o,
    output reg           tx_valid_o,
    input  wire          tx_ready_i,
    // accel_core's port (docs/accelerator.md); this module is the master
    output reg           core_rst_o,      // soft reset of the core (RESET command, watchdog)
    output reg           cmd_valid_o,
    input  wire          cmd_ready_i,
    output reg  [2:0]    cmd_op_o,
    output reg  [7:0]    cmd_data_o,
    output reg  [8:0]    rd_addr_o,
    input  wire [31:0]   rd_data_i,
    input  wire          busy_i,
    input  wire          model_valid_i,
    input  wire [3:0]    err_i,
    input  wire          done_i,
    // no record waits, none is being executed
    output wire          idle_o
);

    // ---- constants (docs/protocol.md; generated from rtl/link/codes.tbl, rtl/core/codes.tbl) ----
    `include "q2_link_codes.vh"  // PROTO_VERSION, REC_BYTES, SYNC_*, CMD_*, ST_*, FEATURES
    `include "q2_core_codes.vh"  // the core's port: OP_*, R_*

    localparam integer RXBUF_BYTES = 1 << AW;
    // Watchdog: a tick every 2^(WATCHDOG_LOG2-4) cycles, the 16th ends the inference.
    localparam integer WK = WATCHDOG_LOG2 - 4;
    localparam [31:0]  CFG0 = {PROTO_VERSION, REC_BYTES, CLKS_PER_BIT[15:0]};
    localparam [31:0]  CFG1 = {MAX_PAYLOAD[15:0], RXBUF_BYTES[15:0]};

    initial begin
        if (AW < 9 || AW > 15 || MAX_PAYLOAD < 16 || 2 * (MAX_PAYLOAD + 5) > (1 << AW)) begin
            $display("proto_exec: AW = %0d, MAX_PAYLOAD = %0d: need 9..15 and 16..2^AW/2-5", AW,
                     MAX_PAYLOAD);
            $finish;
        end
        if (CLKS_PER_BIT < 4 || CLKS_PER_BIT > 65535) begin
            $display("proto_exec: CLKS_PER_BIT = %0d, need 4..65535", CLKS_PER_BIT);
            $finish;
        end
        if (WATCHDOG_LOG2 < 16 || WATCHDOG_LOG2 > 31) begin
            $display("proto_exec: WATCHDOG_LOG2 = %0d, need 16..31", WATCHDOG_LOG2);
            $finish;
        end
    end

    localparam [4:0] E_IDLE = 5'd0, E_HDR = 5'd1, E_DISPATCH = 5'd2, E_LOAD_WAIT = 5'd3,
                     E_LOAD_OFF = 5'd4, E_LOAD_BEGIN = 5'd5, E_LOAD_DATA = 5'd6, E_SETTLE = 5'd7,
                     E_SKIP = 5'd8, E_IMG_BEGIN = 5'd9, E_IMG_DATA = 5'd10, E_RLE_CNT = 5'd11,
                     E_IMG_SETTLE = 5'd12, E_START = 5'd13, E_WAIT = 5'd14, E_NC = 5'd15,
                     E_RESET = 5'd16, E_R_HDR = 5'd17, E_R_FETCH = 5'd18, E_R_WORD = 5'd19,
                     E_R_CRC = 5'd20, E_CLEAR = 5'd21, E_LOAD_CHK = 5'd22;
    localparam [1:0] W_CORE = 2'd0, W_ROM = 2'd1, W_UPTIME = 2'd2, W_STATS = 2'd3;

    reg  [AW:0]   rd_ptr_q;       // next record byte the executor consumes
    wire [AW:0]   rd_ptr_d;
    reg  [31:0]   uptime_q;       // clock cycles since rst (wraps; paused while sent)
    wire          up_hold;        // STATUS is sending UPTIME: keep it still
    reg           up_wk_q;        // uptime bit WK-1 a cycle ago (tick = falling edge)
    wire          wd_tick = up_wk_q && !uptime_q[WK-1];
    reg           errors_clear_q; // RESET

    reg  [4:0]    e_state_q, e_state_d;
    reg  [4:0]    e_st_q;
    reg  [7:0]    e_cmd_q, e_seq_q;
    reg  [AW:0]   e_len_q;        // payload bytes of this record still in the ring, minus one:
    wire          e_none = e_len_q[AW];       // negative: none left (one flip-flop, no compare)
    reg  [2:0]    e_cnt_q, e_cnt_d;  // byte index (record header, response header, word, CRC) or wait
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
    wire [4:0]    e_core_st = {1'b0, err_i};                // the core's error as a status
    wire [15:0]   e_crc_next;
    wire          e_rle  = (e_cmd_q == CMD_INFER_RLE);
    reg           e_ok_q;         // the record's status is OK (registered with it in E_HDR)
    wire          e_info = (e_cmd_q == CMD_INFO);
    wire          e_stat = (e_cmd_q == CMD_STATUS);
    wire          e_infer = (e_cmd_q == CMD_INFER) || e_rle;
    wire [10:0]   e_rlen = {e_nw_q, 2'b01};                 // response payload length 1 + 4 n
    wire          e_tx   = tx_valid_o && tx_ready_i;
    // E_IMG_DATA (the core without error), by priority: the port busy (wait), an RLE zero to
    // send, the last pixel taken, an RLE marker 00 (with no count after it: ERR_RLE)
    wire          e_img_zero = e_free && !e_run_q[8];
    wire          e_img_last = e_free && e_run_q[8] && e_none;
    wire          e_img_mark = e_free && e_run_q[8] && !e_none && e_rle && ring_rdata_i == 8'd0;
    wire          e_img_bad  = e_img_mark && (e_len_q == {(AW + 1){1'b0}});

    crc16 u_crc16_tx (.crc_i(e_crc_q), .data_i(e_txb_q), .crc_o(e_crc_next));

    assign up_hold        = (e_kind_q == W_UPTIME);
    assign rd_ptr_d       = rd_ptr_q + {{AW{1'b0}}, e_consume};
    assign ring_raddr_o   = rd_ptr_d[AW-1:0];
    assign rd_ptr_o       = rd_ptr_q;
    assign uptime_o       = uptime_q;
    assign errors_clear_o = errors_clear_q;
    assign idle_o         = (wr_ptr_i == rd_ptr_q) && (e_state_q == E_IDLE);

    // ---- the ring's read pointer, the uptime counter ----------------------------------------------
    always @(posedge clk) begin
        rd_ptr_q <= rd_ptr_d;
        if (!up_hold) uptime_q <= uptime_q + 32'd1;
        up_wk_q <= uptime_q[WK-1];
        if (rst) begin
            rd_ptr_q <= {(AW + 1){1'b0}};
            uptime_q <= 32'd0;
            up_wk_q  <= 1'b0;
        end
    end

    // ---- the words of a response ------------------------------------------------------------------
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
            default:  src_word = {24'd0, errors_i};
        endcase
        case (e_cnt_q[1:0])
            2'd0:    word_byte = src_word[7:0];
            2'd1:    word_byte = src_word[15:8];
            2'd2:    word_byte = src_word[23:16];
            default: word_byte = src_word[31:24];
        endcase
    end

    // ---- the next core command, ring consumption, the TX byte -----------------------------------
    // Combinational: the port is registered (cmd_valid_o, cmd_op_o and cmd_data_o hold a command
    // until the core takes it, a new one may follow in that cycle).
    always @* begin
        e_issue    = 1'b0;
        e_iop      = OP_IMAGE_DATA;
        e_idata    = ring_rdata_i;
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
                        e_issue   = !e_rle || ring_rdata_i != 8'd0;
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

    // ---- next state -------------------------------------------------------------------------------
    always @* begin
        e_state_d = e_state_q;
        case (e_state_q)
            E_IDLE:       if (wr_ptr_i != rd_ptr_q) e_state_d = E_HDR;   // a record (one cycle old)
            E_HDR:        if (e_cnt_q[2]) e_state_d = E_DISPATCH;        // status cmd seq len_lo len_hi
            E_DISPATCH: begin
                if (!e_ok_q)                   e_state_d = E_R_HDR;      // the decoder's error: no words
                else if (e_cmd_q == CMD_RESET) e_state_d = E_RESET;
                else if (e_cmd_q == CMD_LOAD)  e_state_d = E_LOAD_WAIT;
                else if (e_infer)              e_state_d = model_valid_i ? E_IMG_BEGIN : E_SKIP;
                else                           e_state_d = E_R_HDR;      // INFO, STATUS, VERIFY
            end
            // LOAD: offset, MODEL_BEGIN at 0 or a check against MODEL_BYTES, data
            E_LOAD_WAIT:  if (e_cnt_q[0]) e_state_d = E_LOAD_OFF;
            E_LOAD_OFF:   if (e_cnt_q == 3'd3) e_state_d = E_LOAD_CHK;
            E_LOAD_CHK:   e_state_d = !e_nz_q ? E_LOAD_BEGIN : e_mis_q ? E_SKIP : E_LOAD_DATA;
            E_LOAD_BEGIN: if (e_take) e_state_d = E_LOAD_DATA;
            E_LOAD_DATA: begin
                if (!e_noerr)               e_state_d = E_SKIP;          // first error of the chunk
                else if (e_none && e_free)  e_state_d = E_SETTLE;        // the last byte taken
            end
            E_SETTLE:     if (e_cnt_q == 3'd3 && cmd_ready_i) e_state_d = E_R_HDR;
            E_SKIP:       if (e_none) e_state_d = E_R_HDR;               // consume the rest
            // INFER: IMAGE_BEGIN, pixels (raw or zero-run-length), START, wait
            E_IMG_BEGIN:  if (e_take) e_state_d = E_IMG_DATA;
            E_IMG_DATA: begin
                if (!e_noerr)         e_state_d = E_SKIP;
                else if (e_img_last)  e_state_d = E_IMG_SETTLE;
                else if (e_img_mark)  e_state_d = e_img_bad ? E_SKIP : E_RLE_CNT;
            end
            E_RLE_CNT:    e_state_d = E_IMG_DATA;
            E_IMG_SETTLE: if (e_cnt_q == 3'd2) e_state_d = E_START;
            E_START: begin
                if (!e_noerr)    e_state_d = E_R_HDR;
                else if (e_take) e_state_d = E_WAIT;
            end
            E_WAIT: begin
                if (done_i)                     e_state_d = E_NC;
                else if (!e_noerr && !busy_i)   e_state_d = E_R_HDR;
                else if (e_wd_q[4])             e_state_d = E_RESET;     // the watchdog
            end
            E_NC:         if (e_cnt_q[0]) e_state_d = E_R_HDR;
            // RESET (and the watchdog): core reset for two cycles, then wait until idle
            E_RESET:      if (e_cnt_q == 3'd7 && !busy_i) e_state_d = E_R_HDR;
            // response: header, words (each fetched from the core or local), CRC
            E_R_HDR:      if (e_tx && e_cnt_q == 3'd5) e_state_d = (e_nw_q == 9'd0) ? E_R_CRC : E_R_FETCH;
            E_R_FETCH:    if (e_cnt_q == 3'd2) e_state_d = E_R_WORD;
            E_R_WORD:     if (e_tx && e_cnt_q == 3'd3) e_state_d = (e_nw_q == 9'd1) ? E_R_CRC : E_R_FETCH;
            E_R_CRC:      if (e_tx && e_cnt_q[0]) e_state_d = E_CLEAR;
            default:      if (e_take || (e_noerr && !cmd_valid_o)) e_state_d = E_IDLE;  // E_CLEAR
        endcase
    end

    // ---- the state's counter: a byte index (record header, response header, word, CRC) or a wait --
    always @* begin
        e_cnt_d = e_cnt_q;
        case (e_state_q)
            E_IDLE, E_DISPATCH, E_WAIT: e_cnt_d = 3'd0;
            E_HDR:        e_cnt_d = e_cnt_q + 3'd1;
            E_LOAD_WAIT:  e_cnt_d = e_cnt_q[0] ? 3'd0 : e_cnt_q + 3'd1;
            E_LOAD_OFF:   e_cnt_d = (e_cnt_q == 3'd3) ? 3'd0 : e_cnt_q + 3'd1;
            E_SETTLE:     if (e_cnt_q != 3'd3) e_cnt_d = e_cnt_q + 3'd1;
                          else if (cmd_ready_i) e_cnt_d = 3'd0;
            E_IMG_DATA:   if (e_noerr && e_img_last) e_cnt_d = 3'd0;
            E_IMG_SETTLE: e_cnt_d = (e_cnt_q == 3'd2) ? 3'd0 : e_cnt_q + 3'd1;
            E_NC:         e_cnt_d = e_cnt_q[0] ? 3'd0 : 3'd1;
            E_RESET:      if (e_cnt_q != 3'd7) e_cnt_d = e_cnt_q + 3'd1;
                          else if (!busy_i) e_cnt_d = 3'd0;
            E_R_HDR:      if (e_tx) e_cnt_d = (e_cnt_q == 3'd5) ? 3'd0 : e_cnt_q + 3'd1;
            E_R_FETCH:    e_cnt_d = (e_cnt_q == 3'd2) ? 3'd0 : e_cnt_q + 3'd1;
            E_R_WORD:     if (e_tx) e_cnt_d = (e_cnt_q == 3'd3) ? 3'd0 : e_cnt_q + 3'd1;
            E_R_CRC:      if (e_tx) e_cnt_d = e_cnt_q[0] ? 3'd0 : e_cnt_q + 3'd1;
            default: ;
        endcase
    end

    always @(posedge clk) begin
        e_state_q <= e_state_d;
        e_cnt_q   <= e_cnt_d;
        if (rst) begin
            e_state_q <= E_IDLE;
            e_cnt_q   <= 3'd0;
        end
    end

    // ---- the record: its header, the status of the answer, the payload bytes left --------------
    always @(posedge clk) begin
        if (e_state_q == E_HDR) begin
            case (e_cnt_q)
                3'd0:    begin e_st_q <= ring_rdata_i[4:0]; e_ok_q <= (ring_rdata_i[4:0] == ST_OK); end
                3'd1:    e_cmd_q <= ring_rdata_i;
                3'd2:    e_seq_q <= ring_rdata_i;
                default: ;
            endcase
        end
        case (e_state_q)
            E_DISPATCH:   if (e_ok_q && e_infer && !model_valid_i) e_st_q <= ST_NO_MODEL;
            E_LOAD_CHK:   if (e_nz_q && e_mis_q) e_st_q <= ST_OFFSET;   // not where the device is
            E_LOAD_DATA, E_START: if (!e_noerr) e_st_q <= e_core_st;
            E_SETTLE:     if (e_cnt_q == 3'd3 && cmd_ready_i && !e_noerr) e_st_q <= e_core_st;
            E_IMG_DATA:   if (!e_noerr) e_st_q <= e_core_st;
                          else if (e_img_bad) e_st_q <= ST_RLE;         // a marker without its count
            E_WAIT:       if (!done_i && !e_noerr && !busy_i) e_st_q <= e_core_st;
                          else if (!done_i && e_wd_q[4]) e_st_q <= ST_HANG;
            default: ;
        endcase
        if (e_consume || e_state_q == E_DISPATCH) e_len_q <= e_len_q - 1'b1;
        if (e_state_q == E_HDR && e_cnt_q == 3'd3) e_len_q <= {{(AW - 7){1'b0}}, ring_rdata_i};
        if (e_state_q == E_HDR && e_cnt_q[2])                    // -1 in E_DISPATCH
            e_len_q <= {1'b0, ring_rdata_i[AW-9:0], e_len_q[7:0]};
        if (rst) begin
            e_st_q  <= ST_OK;
            e_ok_q  <= 1'b1;
            e_cmd_q <= 8'd0;
            e_seq_q <= 8'd0;
            e_len_q <= {(AW + 1){1'b1}};
        end
    end

    // ---- the core's port --------------------------------------------------------------------------
    always @(posedge clk) begin
        core_rst_o <= (e_state_q == E_RESET) && (e_cnt_q < 3'd2);
        if (e_take) cmd_valid_o <= 1'b0;
        if (e_issue) begin
            cmd_valid_o <= 1'b1;
            cmd_op_o    <= e_iop;
            cmd_data_o  <= e_idata;
        end
        if (!e_noerr && (e_state_q == E_LOAD_DATA || e_state_q == E_IMG_DATA || e_state_q == E_START))
            cmd_valid_o <= 1'b0;                                 // the core refused: stop
        if (e_state_q == E_DISPATCH && e_ok_q && e_cmd_q == CMD_LOAD)
            rd_addr_o <= R_MODEL_BYTES;                          // compared with the offset
        if (e_state_q == E_WAIT && done_i) rd_addr_o <= R_N_CLASSES;
        if (e_state_q == E_R_FETCH) rd_addr_o <= e_src_q;        // the core reads its register
        if (rst) begin
            core_rst_o  <= 1'b0;
            cmd_valid_o <= 1'b0;
            cmd_op_o    <= OP_IMAGE_DATA;
            cmd_data_o  <= 8'd0;
            rd_addr_o   <= 9'd0;
        end
    end

    // ---- LOAD's offset check, INFER_RLE's zero run, the watchdog -----------------------------------
    always @(posedge clk) begin
        if (e_state_q == E_LOAD_WAIT) begin                      // MODEL_BYTES on rd_data_i next
            e_nz_q  <= 1'b0;
            e_mis_q <= 1'b0;
        end
        if (e_state_q == E_LOAD_OFF) begin                       // offset bytes, LSB first
            e_nz_q  <= e_nz_q || ring_rdata_i != 8'd0;
            e_mis_q <= e_mis_q || ring_rdata_i != word_byte;
        end
        if (e_state_q == E_DISPATCH) e_run_q <= 9'h1FF;
        if (e_state_q == E_IMG_DATA && e_noerr && e_img_zero) e_run_q <= e_run_q - 9'd1;
        if (e_state_q == E_RLE_CNT) e_run_q <= {1'b0, ring_rdata_i};   // 00 c: c + 1 zeros
        if (wd_tick) e_wd_q <= e_wd_q + 5'd1;
        if (e_state_q == E_START) e_wd_q <= 5'd0;
        if (rst) begin
            e_nz_q  <= 1'b0;
            e_mis_q <= 1'b0;
            e_run_q <= 9'h1FF;
            e_wd_q  <= 5'd0;
        end
    end

    // ---- the response: words to send and their source, the CRC-16, RESET's clear ----------------
    always @(posedge clk) begin
        errors_clear_q <= (e_state_q == E_RESET) && (e_cnt_q == 3'd7) && !busy_i &&
                          (e_cmd_q == CMD_RESET);
        if (e_state_q == E_DISPATCH) begin
            e_src_q <= e_info ? 9'd0 : R_STATUS;
            case (e_cmd_q)
                CMD_INFO:   e_nw_q <= 9'd11;
                CMD_STATUS: e_nw_q <= 9'd5;
                CMD_RESET:  e_nw_q <= 9'd0;
                default:    e_nw_q <= 9'd3;
            endcase
            if (!e_ok_q) e_nw_q <= 9'd0;                         // the decoder's error: no words
        end
        if (e_state_q == E_NC && e_cnt_q[0]) begin               // N_CLASSES on rd_data_i
            e_nw_q  <= 9'd3 + rd_data_i[8:0];
            e_src_q <= R_CYCLES;
        end
        if (e_state_q == E_R_FETCH && e_cnt_q == 3'd2) begin
            if (e_info && e_src_q[3:0] >= 4'd6)  e_kind_q <= W_ROM;
            if (e_stat && e_src_q[3:0] == 4'd9)  e_kind_q <= W_UPTIME;
            if (e_stat && e_src_q[3:0] == 4'd10) e_kind_q <= W_STATS;
        end
        if (e_state_q == E_R_WORD && e_tx && e_cnt_q == 3'd3) begin   // the word's last byte
            e_kind_q <= W_CORE;
            e_nw_q   <= e_nw_q - 9'd1;
            e_src_q  <= (e_src_q == R_N_CLASSES) ? R_LOGIT0 : e_src_q + 9'd1;
        end
        // CRC-16 of the response: each byte the cycle after the UART took it (not the sync byte)
        e_txp_q <= e_tx && (e_state_q == E_R_WORD || (e_state_q == E_R_HDR && e_cnt_q != 3'd0));
        if (e_tx) e_txb_q <= tx_data_o;
        if (e_txp_q) e_crc_q <= e_crc_next;
        if (e_state_q == E_R_HDR && e_tx && e_cnt_q == 3'd0) e_crc_q <= 16'hFFFF;
        if (rst) begin
            errors_clear_q <= 1'b0;
            e_nw_q   <= 9'd0;
            e_src_q  <= 9'd0;
            e_kind_q <= W_CORE;
            e_crc_q  <= 16'hFFFF;
            e_txb_q  <= 8'd0;
            e_txp_q  <= 1'b0;
        end
    end

endmodule

`resetall
