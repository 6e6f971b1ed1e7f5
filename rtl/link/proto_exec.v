// proto_exec — the executor of docs/protocol.md, proto's second step: it takes the records that
// proto_dec committed to the ring buffer one after the other, runs each against accel_core's port
// (LOAD: MODEL_BEGIN / MODEL_DATA; VERIFY; INFER / INFER_RLE: IMAGE_BEGIN, pixels, START, wait for
// done under the watchdog; RESET; INFO, STATUS) and sends one response frame each: header, status,
// words (core registers, UPTIME, STATS, the INFO constants), CRC-16. It keeps the uptime counter.
//
// The boundary to proto_dec is registered on both sides: wr_ptr_i (end of the committed records;
// a record waits while it differs from rd_ptr) and errors_i come in; rd_ptr_o (the next record
// byte to consume: the ring is free up to it), uptime_o and errors_clear_o (RESET, one cycle) go
// out. The ring is addressed by the read pointer itself (ring_raddr_o = rd_ptr_o, a register);
// its output is registered once more here (rb_q, with its zero flags) before anything looks at
// it, so a byte is valid three cycles after the pointer moved: the executor consumes at most one
// ring byte every three cycles (a pixel or a model byte; the core takes a model byte every four).
// It never uses a byte read in the cycle it was written (a record is read from two cycles after
// the executor saw its commit; the payload arrived long before).
//
// Timing: every decision is taken from registers (states, counters, the registered ring byte,
// the core's registered outputs), a few LUTs deep; the enables with many loads are written as
// the LUTs they should be (kept through synthesis). The port to the core is registered
// (cmd_valid_o, cmd_op_o, cmd_data_o hold a command until the core takes it; rd_addr_o is the
// register of the word to read); a command is issued only into an empty port and, where the
// core's err_o decides, only when the port has been empty with the core ready for a cycle (then
// err_o shows every command taken so far). The byte to the UART is a register (tx_data_o /
// tx_valid_o), loaded when the UART has taken the one before, and folded into the CRC-16 as the
// UART takes it; a core register's byte is registered (wb_q) before it is sent.
//
// Parameters:
//   CLKS_PER_BIT   UART clocks per bit, 3..65535 (reported by INFO in CFG0)
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
    input  wire [9:0]    ring_rdata_i,    // bit 8: the last payload byte of the record, bit 9: 0
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
    output wire [8:0]    rd_addr_o,
    input  wire [31:0]   rd_data_i,       // three cycles after rd_addr_o, from a flip-flop
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
        if (CLKS_PER_BIT < 3 || CLKS_PER_BIT > 65535) begin
            $display("proto_exec: CLKS_PER_BIT = %0d, need 3..65535", CLKS_PER_BIT);
            $finish;
        end
        if (WATCHDOG_LOG2 < 16 || WATCHDOG_LOG2 > 31) begin
            $display("proto_exec: WATCHDOG_LOG2 = %0d, need 16..31", WATCHDOG_LOG2);
            $finish;
        end
    end

    localparam [4:0] E_IDLE = 5'd0, E_HDR = 5'd1, E_DISPATCH = 5'd2, E_LOAD_OFF = 5'd3,
                     E_LOAD_CHK = 5'd4, E_LOAD_DATA = 5'd5, E_SKIP = 5'd6, E_IMG_DATA = 5'd7,
                     E_RLE_CNT = 5'd8, E_ZEROS = 5'd9, E_WAIT = 5'd10, E_NC = 5'd11,
                     E_RESET = 5'd12, E_R_HDR = 5'd13, E_R_FETCH = 5'd14, E_R_WORD = 5'd15,
                     E_R_CRC = 5'd16, E_CLEAR = 5'd17;
    localparam [1:0] W_CORE = 2'd0, W_ROM = 2'd1, W_UPTIME = 2'd2, W_STATS = 2'd3;

    // ---- registers ------------------------------------------------------------------------------
    reg  [AW:0]   rd_ptr_q;       // next record byte the executor consumes (= the ring's address)
    reg  [7:0]    rb_q;           // ring[rd_ptr_q], registered after the RAM's own register
    reg           rb_z_q;         // ... is zero
    wire          rb_mk;          // ... is zero in an INFER_RLE record: a run's marker (the RAM's
                                  //   output bit goes straight into a flip-flop, rb_z_q)
    reg           rv1_q, rb_v_q;  // the RAM's output / rb_q show ring[rd_ptr_q]
    reg  [31:0]   uptime_q;       // clock cycles since rst (wraps; paused while sent)
    reg           up_wk_q;        // uptime bit WK-1 a cycle ago (tick = falling edge)
    wire          wd_tick = up_wk_q && !uptime_q[WK-1];
    reg           errors_clear_q; // RESET

    reg  [4:0]    e_state_q, e_state_d;
    reg  [2:0]    e_cnt_q;        // byte index (record header, offset, response header, word, CRC)
                                  // or a wait
    reg  [4:0]    e_st_q;         // the status of the answer
    reg           e_ok_q;         // the record's status is OK
    reg           e_ran_q;        // an INFER ran (its words: from R_CYCLES, 3 + N_CLASSES)
    reg  [7:0]    e_cmd_q, e_seq_q;
    reg           c_info_q, c_stat_q, c_reset_q, c_load_q, c_infer_q, c_rle_q;  // the command
    reg           rb_last_q;      // ... is the record's last payload byte (ring bit 8)
    reg           e_none;         // no payload byte of this record is left in the ring
    reg           e_nz_q, e_mis_q;  // LOAD offset: a nonzero byte seen; a byte differs from MODEL_BYTES
    reg  [8:0]    e_nw_q;         // response words still to send
    reg  [4:0]    e_wd_q;         // watchdog ticks in E_WAIT
    reg  [8:0]    e_src_q;        // rd_addr_o: the core register to read (MODEL_BYTES for LOAD's
                                  // offset, N_CLASSES, the response's words); in E_ZEROS
                                  // INFER_RLE's zero run: -(zeros still to send), counting up
    reg  [1:0]    e_kind_q;       // the word being sent: a core register, a constant, UPTIME, STATS
    reg  [7:0]    wb_q;           // the core register's byte e_bsel (below)
    reg  [15:0]   e_crc_q;
    reg           tx_crc_q;       // tx_data_o is covered by the CRC (not the sync byte, not the CRC)
    wire [15:0]   e_crc_next;
    reg           sett_q;         // the port was empty and the core ready a cycle ago
    reg           go_q;           // ... and the core's err_o 0
    reg           noerr_q;        // the core's err_o was 0 a cycle ago

    // ---- the state and what happens in it (each event from a few registers) ---------------------
    wire s_idle  = (e_state_q == E_IDLE),      s_hdr   = (e_state_q == E_HDR);
    wire s_disp  = (e_state_q == E_DISPATCH),  s_loff  = (e_state_q == E_LOAD_OFF);
    wire s_lchk  = (e_state_q == E_LOAD_CHK),  s_ldata = (e_state_q == E_LOAD_DATA);
    wire s_skip  = (e_state_q == E_SKIP),      s_idata = (e_state_q == E_IMG_DATA);
    wire s_rle   = (e_state_q == E_RLE_CNT),   s_zeros = (e_state_q == E_ZEROS);
    wire s_wait  = (e_state_q == E_WAIT),      s_nc    = (e_state_q == E_NC);
    wire s_reset = (e_state_q == E_RESET),     s_rhdr  = (e_state_q == E_R_HDR);
    wire s_fetch = (e_state_q == E_R_FETCH),   s_rword = (e_state_q == E_R_WORD);
    wire s_rcrc  = (e_state_q == E_R_CRC),     s_clear = (e_state_q == E_CLEAR);

    // The core's err_o covers every command taken when the port was empty and the core ready a
    // cycle ago and nothing was issued since, i.e. the port is still empty (noerr_q is from that
    // cycle; err_i does not change then).
    wire          e_settled = sett_q && !cmd_valid_o;
    wire          e_go      = go_q && !cmd_valid_o;
    wire          e_noerr   = noerr_q;
    wire [4:0]    e_core_st = {1'b0, err_i};                 // the core's error as a status
    wire          e_tx      = tx_valid_o && tx_ready_i;      // ... the UART takes it
    wire [10:0]   e_rlen    = {e_nw_q, 2'b01};               // response payload length 1 + 4 n
    wire          e_run     = e_src_q[8];                    // E_ZEROS: the run goes on
    wire          e_wd_out  = e_wd_q[4];                     // the watchdog fired (16 ticks)

    // A ring byte is taken when it is there (rb_v_q) and the state wanted one a cycle ago (want_q,
    // wcore_q: registered, so that the read pointer's enable is one LUT). That is safe: a state is
    // left without a take only when it wanted none (no payload left, or the core's port not
    // free), and a byte for the core is issued on the same registered condition (the port has
    // stayed empty since e_go said so, so err_o still covers every command taken).
    reg  want_q;                                              // a byte is wanted
    reg  wcore_q;                                             // ... for the core (E_LOAD_DATA, E_IMG_DATA)
    wire en_core   = e_go && !e_none && (s_ldata || s_idata);
    wire en_any    = s_hdr || s_loff || (!e_none && (s_skip || s_rle)) || en_core;
    wire e_take_b  = rb_v_q && want_q;                        // rb_q is consumed
    assign rb_mk   = rb_z_q && c_rle_q;
    (* keep *) wire rd_en = rst || (rb_v_q && want_q);        // (the flip-flop's enable gates rst)
    wire hdr_take  = s_hdr && e_take_b;                       // a record header byte
    wire loff_take = s_loff && e_take_b;                      // a LOAD offset byte
    wire core_take = rb_v_q && wcore_q;                       // a model byte, a pixel, the RLE marker
    wire img_mark  = core_take && rb_mk;                      // (rb_mk is 0 in a LOAD)
    wire ld_go     = s_ldata && e_go;                         // the core can take a model byte
    (* keep *) wire zr_go = s_zeros && e_run;                 // an RLE zero (when e_go)
    wire img_zero  = zr_go && e_go;
    wire img_start = s_idata && e_go && e_none;               // the last pixel applied: START
    // a command goes into the port (only into an empty one)
    wire is_core   = (core_take && !rb_mk) || img_zero;       // a pixel, a zero, a model byte
    (* keep *) wire is_beg  = s_disp && e_ok_q && c_infer_q && model_valid_i;  // IMAGE_BEGIN
    (* keep *) wire is_ctl  = is_beg || (s_lchk && !e_nz_q) || img_start ||    // MODEL_BEGIN, START
                              (s_clear && e_settled && !e_noerr);              // CLEAR_ERR
    wire e_issue   = is_core || is_ctl;
    wire e_inval   = e_take_b || s_idle;
    wire hdr_last  = hdr_take && (e_cnt_q == 3'd4);
    wire loff_last = loff_take && (e_cnt_q == 3'd3);
    wire nc_last   = s_nc && e_cnt_q[1:0] == 2'd3;            // N_CLASSES in rd_data_i (read latency 3)
    wire rst_last  = s_reset && (e_cnt_q == 3'd7) && !busy_i;
    // A response byte goes into tx_data_o when it is free and the state sent bytes a cycle ago
    // too (snd_q): a sending state is only left by loading its last byte, and a byte is loaded a
    // cycle after a state that sends none (hb_q, wb_q, lb_q are current then).
    reg  snd_q;                                               // E_R_HDR, E_R_WORD or E_R_CRC
    wire tx_ld     = snd_q && !tx_valid_o;
    wire rhdr_load = s_rhdr && tx_ld;
    wire word_load = s_rword && tx_ld;
    wire crc_load  = s_rcrc && tx_ld;
    wire rhdr_last = rhdr_load && (e_cnt_q == 3'd5);
    wire fetch_last = s_fetch && (e_cnt_q == 3'd2);
    wire word_last = word_load && (e_cnt_q[1:0] == 2'd3);
    wire crc_last  = crc_load && e_cnt_q[0];
    // e_cnt_q moves on (e_step) and wraps to 0 after the state's last value (e_at_end; the state
    // ends then): two shallow terms instead of one deep one
    wire e_step    = hdr_take || loff_take || s_nc || (s_reset && (e_cnt_q != 3'd7 || !busy_i)) ||
                     rhdr_load || s_fetch || word_load || crc_load;
    wire e_at_end  = (s_hdr && e_cnt_q == 3'd4) || (s_loff && e_cnt_q == 3'd3) ||
                     (s_nc && e_cnt_q[1:0] == 2'd3) || (s_rcrc && e_cnt_q[0]) || (s_reset && e_cnt_q == 3'd7) ||
                     (s_rhdr && e_cnt_q == 3'd5) || (s_fetch && e_cnt_q == 3'd2) ||
                     (s_rword && e_cnt_q[1:0] == 2'd3);

    crc16 u_crc16_tx (.crc_i(e_crc_q), .data_i(tx_data_o), .crc_o(e_crc_next));

    assign ring_raddr_o   = rd_ptr_q[AW-1:0];
    assign rd_ptr_o       = rd_ptr_q;
    assign uptime_o       = uptime_q;
    assign errors_clear_o = errors_clear_q;
    assign rd_addr_o      = e_src_q;
    assign idle_o         = (wr_ptr_i == rd_ptr_q) && s_idle;

    // ---- the ring's read side, the core's flags a cycle old, the uptime counter -------------------
    always @(posedge clk) begin
        rb_q      <= ring_rdata_i[7:0];
        rb_last_q <= ring_rdata_i[8];
        rb_z_q    <= ring_rdata_i[9];
        rv1_q   <= !e_inval;
        rb_v_q  <= rv1_q && !e_inval;
        want_q  <= en_any;
        snd_q   <= s_rhdr || s_rword || s_rcrc;
        wcore_q <= en_core;
        sett_q  <= !cmd_valid_o && cmd_ready_i;
        go_q    <= !cmd_valid_o && cmd_ready_i && (err_i == 4'd0);
        noerr_q <= (err_i == 4'd0);
        if (rd_en) rd_ptr_q <= rst ? {(AW + 1){1'b0}} : rd_ptr_q + 1'b1;
        if (e_kind_q != W_UPTIME) uptime_q <= uptime_q + 32'd1;
        up_wk_q <= uptime_q[WK-1];
        if (rst) begin
            rv1_q    <= 1'b0;
            rb_v_q   <= 1'b0;
            want_q   <= 1'b0;
            wcore_q  <= 1'b0;
            sett_q   <= 1'b0;
            go_q     <= 1'b0;
            uptime_q <= 32'd0;
            up_wk_q  <= 1'b0;
        end
    end

    // ---- the words of a response ------------------------------------------------------------------
    // The response words of a command are core registers from a start address on (the local ones
    // in their place): INFO 0..5 then CLOCK_HZ CFG0 CFG1 TIMEOUT_BITS FEATURES (6..10, rom_word);
    // STATUS 6..8 then UPTIME STATS (9, 10); VERIFY, LOAD and a refused INFER 6..8; INFER 9..11,
    // then the logits from 0x100.
    // A word's bytes are taken from their source as they are sent (low byte first, e_bsel the
    // byte; 0 until E_R_WORD): the core's register does not change while proto sends it (the core
    // is idle), and the uptime counter holds still from E_R_FETCH on. The header byte (hb_q), the
    // core register's byte (wb_q) and the local word's byte (lb_q) are registered every cycle: a
    // byte is loaded into tx_data_o at least two cycles after e_cnt_q, e_kind_q (set in
    // E_R_FETCH) or the state moved (see snd_q), so they are current then.
    wire [1:0] e_bsel = e_cnt_q[1:0] & {2{s_rword || s_loff}};
    reg  [31:0] rom_word;
    reg  [7:0]  rom_byte, up_byte, hb_q, lb_q, next_byte;
    always @* begin
        case ({e_src_q[3], e_src_q[1:0]})           // words 6..10 differ in these bits
            3'b010:  rom_word = CLOCK_HZ;               // 6
            3'b011:  rom_word = CFG0;                   // 7
            3'b100:  rom_word = CFG1;                   // 8
            3'b101:  rom_word = TIMEOUT_BITS;           // 9
            default: rom_word = FEATURES;               // 10
        endcase
        case (e_bsel)
            2'd0:    begin rom_byte = rom_word[7:0];   up_byte = uptime_q[7:0];   end
            2'd1:    begin rom_byte = rom_word[15:8];  up_byte = uptime_q[15:8];  end
            2'd2:    begin rom_byte = rom_word[23:16]; up_byte = uptime_q[23:16]; end
            default: begin rom_byte = rom_word[31:24]; up_byte = uptime_q[31:24]; end
        endcase
        next_byte = s_rhdr ? hb_q : s_rcrc ? (e_cnt_q[0] ? e_crc_q[15:8] : e_crc_q[7:0]) :
                    (e_kind_q == W_CORE) ? wb_q : lb_q;
    end
    always @(posedge clk) begin
        case (e_cnt_q)
            3'd0:    hb_q <= SYNC_RSP;
            3'd1:    hb_q <= e_cmd_q | 8'h80;
            3'd2:    hb_q <= e_seq_q;
            3'd3:    hb_q <= e_rlen[7:0];
            3'd4:    hb_q <= {5'd0, e_rlen[10:8]};
            default: hb_q <= {3'd0, e_st_q};
        endcase
        case (e_kind_q)
            W_ROM:    lb_q <= rom_byte;
            W_UPTIME: lb_q <= up_byte;
            default:  lb_q <= (e_bsel == 2'd0) ? errors_i : 8'd0;      // STATS
        endcase
        case (e_bsel)
            2'd0:    wb_q <= rd_data_i[7:0];
            2'd1:    wb_q <= rd_data_i[15:8];
            2'd2:    wb_q <= rd_data_i[23:16];
            default: wb_q <= rd_data_i[31:24];
        endcase
    end

    // ---- next state -------------------------------------------------------------------------------
    always @* begin
        e_state_d = e_state_q;
        case (e_state_q)
            E_IDLE:       if (wr_ptr_i != rd_ptr_q) e_state_d = E_HDR;   // a record (one cycle old)
            E_HDR:        if (hdr_last) e_state_d = E_DISPATCH;          // status cmd seq len_lo len_hi
            E_DISPATCH: begin
                if (!e_ok_q)        e_state_d = E_R_HDR;                 // the decoder's error: no words
                else if (c_reset_q) e_state_d = E_RESET;
                else if (c_load_q)  e_state_d = E_LOAD_OFF;
                else if (c_infer_q) e_state_d = model_valid_i ? E_IMG_DATA : E_SKIP;  // IMAGE_BEGIN
                else                e_state_d = E_R_HDR;                 // INFO, STATUS, VERIFY
            end
            // LOAD: offset, MODEL_BEGIN at 0 or a check against MODEL_BYTES, data
            E_LOAD_OFF:   if (loff_last) e_state_d = E_LOAD_CHK;
            E_LOAD_CHK:   e_state_d = (e_nz_q && e_mis_q) ? E_SKIP : E_LOAD_DATA;  // MODEL_BEGIN at 0
            E_LOAD_DATA:  if (e_settled && !e_noerr) e_state_d = E_SKIP;  // first error of the chunk
                          else if (ld_go && e_none) e_state_d = E_R_HDR;  // the last byte applied
            E_SKIP:       if (e_none) e_state_d = E_R_HDR;               // consume the rest
            // INFER: pixels (raw or zero-run-length), START, wait
            E_IMG_DATA:   if (e_settled && !e_noerr) e_state_d = E_SKIP;
                          else if (img_start) e_state_d = E_WAIT;
                          else if (img_mark) e_state_d = E_RLE_CNT;
            E_RLE_CNT:    if (e_none) e_state_d = E_SKIP;                // a marker without its count
                          else if (e_take_b) e_state_d = E_ZEROS;
            E_ZEROS:      if (e_settled && !e_noerr) e_state_d = E_SKIP;
                          else if (!e_run) e_state_d = E_IMG_DATA;       // c + 1 zeros sent
            E_WAIT: begin
                if (done_i)                     e_state_d = E_NC;
                else if (!e_noerr && !busy_i)   e_state_d = E_SKIP;      // START refused
                else if (e_wd_out)              e_state_d = E_RESET;     // the watchdog
            end
            E_NC:         if (nc_last) e_state_d = E_R_HDR;
            // RESET (and the watchdog): core reset for two cycles, then wait until idle
            E_RESET:      if (rst_last) e_state_d = E_R_HDR;
            // response: header, words (each fetched from the core or local), CRC
            E_R_HDR:      if (rhdr_last) e_state_d = (e_nw_q == 9'd0) ? E_R_CRC : E_R_FETCH;
            E_R_FETCH:    if (fetch_last) e_state_d = E_R_WORD;
            E_R_WORD:     if (word_last) e_state_d = (e_nw_q == 9'd1) ? E_R_CRC : E_R_FETCH;
            E_R_CRC:      if (crc_last) e_state_d = E_CLEAR;
            default:      if (e_settled && e_noerr) e_state_d = E_IDLE;  // E_CLEAR
        endcase
    end

    always @(posedge clk) begin
        e_state_q <= e_state_d;
        if (e_step) e_cnt_q <= e_at_end ? 3'd0 : e_cnt_q + 3'd1;
        if (rst) begin
            e_state_q <= E_IDLE;
            e_cnt_q   <= 3'd0;
        end
    end

    // ---- the record: its header, the status of the answer, the payload bytes left --------------
    always @(posedge clk) begin
        if (hdr_take) begin
            case (e_cnt_q)
                3'd0: ;                                                 // the status byte: below
                3'd1: begin
                    e_cmd_q   <= rb_q;
                    c_info_q  <= (rb_q == CMD_INFO);
                    c_stat_q  <= (rb_q == CMD_STATUS);
                    c_reset_q <= (rb_q == CMD_RESET);
                    c_load_q  <= (rb_q == CMD_LOAD);
                    c_infer_q <= (rb_q == CMD_INFER) || (rb_q == CMD_INFER_RLE);
                    c_rle_q   <= (rb_q == CMD_INFER_RLE);
                end
                3'd2:    e_seq_q <= rb_q;
                default: ;
            endcase
        end
        // the payload's end: the byte with ring bit 8 taken (a record that is read has one)
        if (s_disp) e_none <= 1'b0;
        else if (e_take_b && rb_last_q) e_none <= 1'b1;
        // The status: the record's (its first byte, taken while it is there), then what the
        // executor found. A refusal by the core always passes E_SKIP (err_i holds still there),
        // the watchdog E_RESET.
        if (s_hdr && e_cnt_q == 3'd0) begin
            e_st_q <= rb_q[4:0];
            e_ok_q <= rb_z_q;
        end
        if (s_disp && e_ok_q && c_infer_q && !model_valid_i) e_st_q <= ST_NO_MODEL;
        if (s_lchk && e_nz_q && e_mis_q) e_st_q <= ST_OFFSET;    // not where the device is
        if (s_skip && !e_noerr) e_st_q <= e_core_st;
        if (s_rle && e_none) e_st_q <= ST_RLE;                   // a marker without its count
        if (s_reset && !c_reset_q) e_st_q <= ST_HANG;
        if (s_hdr) e_ran_q <= 1'b0;
        if (nc_last) e_ran_q <= 1'b1;                            // an INFER that ran
        if (rst) begin
            e_ok_q    <= 1'b1;
            e_ran_q   <= 1'b0;
            c_info_q  <= 1'b0;
            c_stat_q  <= 1'b0;
            c_reset_q <= 1'b0;
            c_load_q  <= 1'b0;
            c_infer_q <= 1'b0;
            c_rle_q   <= 1'b0;
        end
    end

    // ---- the core's port; LOAD's offset check -------------------------------------------------------
    always @(posedge clk) begin
        core_rst_o <= s_reset && (e_cnt_q[2:1] == 2'd0);
        // a held command waits for the core; an empty port follows the state's op and data
        cmd_valid_o <= cmd_valid_o ? !cmd_ready_i : e_issue;
        if (!cmd_valid_o) begin
            cmd_op_o   <= s_disp ? OP_IMAGE_BEGIN : s_lchk ? OP_MODEL_BEGIN : s_clear ? OP_CLEAR_ERR :
                          s_ldata ? OP_MODEL_DATA : (s_idata && e_none) ? OP_START : OP_IMAGE_DATA;
            cmd_data_o <= s_zeros ? 8'd0 : rb_q;                 // an RLE zero, or the byte
        end
        if (s_disp) begin
            e_nz_q  <= 1'b0;
            e_mis_q <= 1'b0;
        end
        if (loff_take) begin                                     // offset bytes, LSB first
            e_nz_q  <= e_nz_q || !rb_z_q;
            e_mis_q <= e_mis_q || (rb_q != wb_q);
        end
        if (rst) begin
            core_rst_o  <= 1'b0;
            cmd_valid_o <= 1'b0;
            cmd_op_o    <= OP_IMAGE_DATA;
            cmd_data_o  <= 8'd0;
        end
    end

    // ---- the register to read, the words to send, INFER_RLE's zero run, the watchdog --------------
    // The word count is set in E_DISPATCH (an INFER that runs has it from N_CLASSES), the start
    // address while the header's first byte waits (INFO 0, an INFER that ran R_CYCLES, else
    // R_STATUS).
    always @(posedge clk) begin
        errors_clear_q <= rst_last && c_reset_q;
        if (s_idle) e_src_q <= R_MODEL_BYTES;                    // LOAD compares its offset with it
        if (s_rle) e_src_q <= {1'b1, ~rb_q};                     // 00 c: c + 1 zeros
        if (img_zero) e_src_q <= e_src_q + 9'd1;
        if (s_wait && done_i) e_src_q <= R_N_CLASSES;
        if (s_rhdr && e_cnt_q == 3'd0) e_src_q <= c_info_q ? R_ID : e_ran_q ? R_CYCLES : R_STATUS;
        if (s_disp)
            e_nw_q <= (!e_ok_q || c_reset_q) ? 9'd0 : c_info_q ? 9'd11 : c_stat_q ? 9'd5 : 9'd3;
        if (nc_last) e_nw_q <= 9'd3 + rd_data_i[8:0];                    // N_CLASSES
        if (!s_wait) e_wd_q <= 5'd0;                            // counts from START on
        else if (wd_tick) e_wd_q <= e_wd_q + 5'd1;
        if (s_fetch) begin
            if (c_info_q && e_src_q[3:0] >= 4'd6)  e_kind_q <= W_ROM;
            if (c_stat_q && e_src_q[3:0] == 4'd9)  e_kind_q <= W_UPTIME;
            if (c_stat_q && e_src_q[3:0] == 4'd10) e_kind_q <= W_STATS;
        end
        if (word_last) begin                                     // the word's last byte
            e_kind_q <= W_CORE;
            e_nw_q   <= e_nw_q - 9'd1;
            e_src_q  <= (e_src_q == R_N_CLASSES) ? R_LOGIT0 : e_src_q + 9'd1;
        end
        if (rst) begin
            errors_clear_q <= 1'b0;
            e_kind_q <= W_CORE;
        end
    end

    // ---- the UART byte: loaded when the register is free, folded into the CRC as it is taken -----
    always @(posedge clk) begin
        tx_valid_o <= tx_valid_o ? !tx_ready_i : snd_q;
        if (tx_ld) begin
            tx_data_o <= next_byte;
            tx_crc_q  <= !s_rcrc && !(s_rhdr && e_cnt_q == 3'd0);
        end
        if (e_tx && tx_crc_q) e_crc_q <= e_crc_next;
        if (s_rhdr && e_cnt_q == 3'd0) e_crc_q <= 16'hFFFF;     // (no byte of it is taken then)
        if (rst) begin
            tx_valid_o <= 1'b0;
            tx_crc_q   <= 1'b0;
        end
    end

endmodule

`resetall
