// loader — parses the .q2 model image (docs/formats.md) as it streams in, one byte per MODEL_DATA:
// checks the header and every layer descriptor against the canonical layout and this core's
// memories, writes neuron records to the param memory and weight bytes into 2*LANES-bit words of the
// weight memory, and compares the CRC-32 of bytes [0, T-4) with the last four bytes.
//
//   region   bytes                checks / effect
//   HDR      [0, 16)              magic, version 1, lanes == LANES, n_layers 1..8, flags[15:2] == 0,
//                                 scope (flags[1:0]) 0..2
//   DESC     [16, P0)             n_in, n_out in 1..4096, chaining, last n_out <= 256; param_off,
//                                 w_off (layers > 0), w_bytes canonical; widths and running totals
//                                 against the memories (ERR_TOO_BIG); after the last descriptor:
//                                 w_off[0] == W0, T canonical; layer table written (n_out per layer)
//   REC      [P0, P_end)          |bias| <= 2^22-1, 1 <= S <= 40 (hidden layers), reserved == 0
//   PAD      [P_end, W0)          zero
//   WGT      [W0, T-4)            every LANES/4 bytes: one weight word, lane 4b+k in byte b bits 2k+1:2k
//   CRC      [T-4, T)             == CRC-32 of [0, T-4): model_valid_o, else ERR_CRC
//
// Four cycles per byte, each a few LUTs deep: (1) the cycle a MODEL_DATA byte is taken (data_i): it
// is registered; (2) it is checked against registered expectations, each check's result registered
// (and the running sums of n_out and of weight words take the new field, speculatively: a byte
// that fails ends the load); (3) the verdict is registered (with the running sums against the
// memories); (4) the byte updates the state, the memories and err_o, and in the next cycle the
// loader decodes which field the next byte ends (while that byte may already be taken). The CRC
// takes the byte two bits a cycle, in (2), (3), (4) and the cycle after (the next byte's (1) at
// the earliest, when b_q still holds this one). stall_o is high in (2)..(4), so the effect of a
// byte (err_o, model_valid_o, bytes_o) shows once cmd_ready_o is high again, and crc_o a cycle
// later (a register read samples it then). After an error the rest of the stream is swallowed
// (the error code stays the one that says why) until the next MODEL_BEGIN. MODEL_DATA before any
// MODEL_BEGIN or after a complete load: ERR_SEQ.
//
// Everything the checks compare with is a register that settles between bytes: the decode of the
// field, the expected param_off (P0/8 + the records before, one accumulator) and w_off (w_off[0]
// + the words before, one adder), the end-of-region conditions (the record and word counters
// against the running sums, kept as sum - 1 so that the compare is with a register; the position's
// low bits for the padding; the descriptor byte counter for the CRC), and the final check. The
// canonical w_bytes / (LANES/4) = ceil(n_out/LANES) * n_in comes from a shift-and-add multiplier
// that takes one step per descriptor byte, from byte 4 to at most byte 14 (1 + bits of
// floor(n_out/LANES) steps: the remainder's step first), before w_bytes (byte 15) is checked.
// Positions are XW bits wide: enough for the largest image these memories can hold; larger declared
// values fail the canonical checks.
//
// Parameters:
//   LANES         lanes of the core (the image's lanes field must match), power of two 8..256
//   WMEM_WORDS    weight memory words (2*LANES bits); WAW address bits
//   PMEM_NEURONS  neuron records the param memory holds; PAW address bits
//   ABUF_BYTES    largest n_in of layer 0 / n_out of a hidden layer, <= 4096
//   MAX_CLASSES   largest n_out of the last layer (logit storage), <= 256
`default_nettype none

module loader #(
    parameter integer LANES        = 32,
    parameter integer WMEM_WORDS   = 16384,
    parameter integer WAW          = 14,
    parameter integer PMEM_NEURONS = 1024,
    parameter integer PAW          = 10,
    parameter integer ABUF_BYTES   = 1024,
    parameter integer MAX_CLASSES  = 256
) (
    input  wire               clk,
    input  wire               rst,
    input  wire               begin_i,       // MODEL_BEGIN taken: start over, model invalid
    input  wire               data_i,        // MODEL_DATA taken: byte_i is the next image byte
    input  wire [7:0]         byte_i,
    output wire               stall_o,       // take no command this cycle
    output wire [3:0]         err_o,         // nonzero for one cycle: the byte before was an error (code)
    output wire               model_valid_o,
    output wire [31:0]        crc_o,         // CRC-32 of bytes [0, min(received, T-4))
    output wire [31:0]        bytes_o,       // bytes received since MODEL_BEGIN (saturates)
    output wire [3:0]         n_layers_o,
    output wire [12:0]        n_in0_o,
    output wire [8:0]         n_classes_o,   // n_out of the last layer
    output wire               ltab_we_o,     // layer table: n_out of layer ltab_waddr_o
    output wire [2:0]         ltab_waddr_o,
    output wire [12:0]        ltab_wdata_o,
    output wire               pmem_we_o,
    output wire [PAW-1:0]     pmem_waddr_o,
    output wire [45:0]        pmem_wdata_o,  // {S[5:0], M[15:0], bias[23:0]}
    output wire               wmem_we_o,
    output wire [WAW-1:0]     wmem_waddr_o,
    output wire [2*LANES-1:0] wmem_wdata_o
);
    `include "q2_core_codes.vh"  // ERR_HEADER, ERR_TOO_BIG, ERR_CRC, ERR_SEQ (and the port's other codes)
    localparam [3:0] S_IDLE = 4'd0, S_HDR = 4'd1, S_DESC = 4'd2, S_REC = 4'd3, S_PAD = 4'd4,
                     S_WGT = 4'd5, S_CRC = 4'd6, S_DONE = 4'd7, S_FAIL = 4'd8;
    localparam [31:0] MAGIC = 32'h4C4D3251;
    localparam integer SRW   = 2 * LANES - 8 > 56 ? 2 * LANES - 8 : 56;  // byte history
    localparam integer LSH   = $clog2(LANES);
    localparam integer BSH   = LSH - 2;                    // log2(bytes per word)
    localparam integer ALIGN = LANES / 4 > 8 ? LANES / 4 : 8;  // W0 alignment
    localparam integer AL    = $clog2(ALIGN);
    localparam integer A8M1  = ALIGN / 8 - 1;              // W0 = align(P_end): in units of 8 bytes
    localparam integer WMAX  = ABUF_BYTES > MAX_CLASSES ? ABUF_BYTES : MAX_CLASSES;  // n_out that fits
    localparam integer GMAX  = (WMAX + LANES - 1) / LANES;  // groups of a layer
    localparam integer FW0   = $clog2(WMAX / LANES + 1);
    localparam integer FW    = FW0 > 1 ? FW0 : 1;            // bits of floor(n_out / LANES)
    localparam integer PRW   = $clog2(ABUF_BYTES * GMAX + 1);  // bits of the words of one layer
    localparam integer NIW   = $clog2(ABUF_BYTES + 1);       // bits of an n_in that fits
    localparam integer NOW0  = $clog2(WMAX + 1);
    localparam integer NOW   = NOW0 > 9 ? NOW0 : 9;          // bits of an n_out that fits (and of P0/8)
    localparam integer NSW   = $clog2(PMEM_NEURONS + 4097);  // sum of n_out - 1, before its check
    localparam integer WSW   = $clog2(WMEM_WORDS + ABUF_BYTES * GMAX + 1) + 1;  // sum of words - 1, signed
    localparam integer PW    = $clog2(PMEM_NEURONS + 27);    // bits of P/8, P <= P0 + 8 * PMEM_NEURONS
    localparam integer MAXT  = 16 + 24 * 8 + 8 * PMEM_NEURONS + ALIGN + WMEM_WORDS * (LANES / 4) + 4;
    localparam integer XW0   = $clog2(MAXT + 1);
    localparam integer XW    = XW0 > 16 ? XW0 : 16;          // bits of a position / size
    localparam integer WXW   = XW - BSH;                     // bits of a position in words
    localparam integer ADW   = PAW > WAW ? PAW : WAW;        // bits of a record / word address
    localparam [15:0] LANES16 = LANES[15:0];
    localparam [15:0] ABUF16  = ABUF_BYTES[15:0];
    localparam [15:0] MAXC16  = MAX_CLASSES[15:0];
    localparam integer   PMEM_NM1 = PMEM_NEURONS - 1, WMEM_WM1 = WMEM_WORDS - 1;
    localparam [31:0]    PMEM_M1 = PMEM_NM1[31:0], WMEM_M1 = WMEM_WM1[31:0];  // the sums - 1 may reach these
    localparam [PW-1:0]  A8     = A8M1[PW-1:0];

    initial begin
        if (LANES < 8 || LANES > 256 || (LANES & (LANES - 1)) != 0) begin
            $display("loader: LANES = %0d, need a power of two in 8..256", LANES);
            $finish;
        end
        if ((1 << WAW) < WMEM_WORDS || (1 << PAW) < PMEM_NEURONS || ABUF_BYTES < 1 || ABUF_BYTES > 4096 ||
            MAX_CLASSES < 1 || MAX_CLASSES > 256 || XW > 31 || FW > 10) begin
            $display("loader: WMEM_WORDS = %0d (WAW %0d), PMEM_NEURONS = %0d (PAW %0d), ABUF_BYTES = %0d, MAX_CLASSES = %0d out of range",
                     WMEM_WORDS, WAW, PMEM_NEURONS, PAW, ABUF_BYTES, MAX_CLASSES);
            $finish;
        end
    end

    // x > k for a constant k, as logic (a compare with a constant needs no carry chain)
    function gtc(input [31:0] x, input [31:0] k);
        integer i;
        reg r;
        begin
            r = 1'b0;
            for (i = 0; i < 32; i = i + 1) r = (x[i] && !k[i]) || (x[i] == k[i] && r);
            gtc = r;
        end
    endfunction

    // P0 / 8 = 2 + 3 * n_layers (n_layers 1..8; other values fail their check)
    function [4:0] p0_8(input [3:0] n);
        case (n)
            4'd1: p0_8 = 5'd5;   4'd2: p0_8 = 5'd8;   4'd3: p0_8 = 5'd11;  4'd4: p0_8 = 5'd14;
            4'd5: p0_8 = 5'd17;  4'd6: p0_8 = 5'd20;  4'd7: p0_8 = 5'd23;  4'd8: p0_8 = 5'd26;
            default: p0_8 = 5'd0;
        endcase
    endfunction

    reg [3:0]      st_q;
    reg [XW-1:0]   pos_q;       // offset of the next byte
    reg [SRW-1:0]  sr_q;        // the previous SRW/8 bytes, newest in the top byte
    reg            mv_q;
    reg [3:0]      nl_q;
    reg [2:0]      dl_q;        // descriptor being received
    reg [4:0]      doff_q;      // offset in it (in CRC: offset in the CRC)
    reg [NIW-1:0]  nin0_q;      // n_in of layer 0 (<= ABUF_BYTES once checked)
    reg [NOW-1:0]  nout_q;      // n_out of this layer (after the header: P0/8)
    reg [XW-1:0]   total4_q;    // T - 4 as declared (low XW bits)
    reg            tbig_q;      // ... and T does not fit XW bits
    reg [XW-1:0]   w0rx_q;      // w_off of layer 0 as declared (low XW bits)
    reg            w0big_q;
    reg [PW-1:0]   pexp_q;      // param_off of this layer / 8: P0/8 + records before (after the
                                //   last descriptor's param_off: P_end / 8)
    reg [NSW-1:0]  nsum_q;      // records of the layers so far - 1 (from n_out on: with this one)
    reg [PAW-1:0]  base_q;      // records of the layers before this one - 1
    reg [WSW-1:0]  wsum_q;      // weight words of the layers so far - 1 (from w_bytes on: with this one)
    reg [WXW-1:0]  wexp_q;      // w_off of this layer / bytes per word: w_off[0] + words before
    reg [PRW-1:0]  ma_q, acc_q; // multiplier: n_in << step, and the words of this layer
    reg [FW:0]     mb_q;        // {floor(n_out / LANES), n_out % LANES != 0} bits still to go
    reg [ADW-1:0]  adr_q;       // next record (REC), next weight word (WGT)
    reg            hid_q;       // it belongs to a hidden layer
    reg            ph2_q, ph3_q, ph4_q;  // cycles (2) check, (3) verdict and (4) apply of a byte
    reg            ph5_q;                // the cycle after (4): the CRC's last two bits
    reg            stall_q;       // cycles (2)..(4) of a byte, two after MODEL_BEGIN, one after rst
    reg            begin_q;       // MODEL_BEGIN was taken last cycle: reset the parser now
    reg            ok_q;          // (3): the byte passed every check
    reg [3:0]      verdict_q;     // (3): its error code
    reg [7:0]      b_q;

    // ---- the field that ends with this byte -----------------------------------------------------
    wire [15:0] in16  = {b_q, sr_q[SRW-1 -: 8]};   // (the byte is b_q from cycle (2) on)
    wire [31:0] in32  = {b_q, sr_q[SRW-1 -: 24]};
    wire        fits  = in32[31:XW] == {(32 - XW){1'b0}};
    wire [12:0] f13   = in16[12:0];                // n_in, n_out (<= 4096 once checked), n_layers
    wire [NSW+12:0]    f13_w = {{NSW{1'b0}}, f13};              // (zero-extended to any width)
    wire [PRW+NIW-1:0] nin_w = {{PRW{1'b0}}, f13[NIW-1:0]};     // n_in (<= ABUF_BYTES once checked)
    wire [55:0] rec56 = sr_q[SRW-1 -: 56];  // bytes 0..6 of a neuron record; byte 7 is the new byte
    wire [31:0] bias  = rec56[31:0];
    wire [15:0] m     = rec56[47:32];
    wire [7:0]  s     = rec56[55:48];
    wire        bias_ok = bias[31:22] == 10'd0 || (bias[31:22] == 10'h3FF && bias[21:0] != 22'd0);

    wire active = st_q != S_IDLE && st_q != S_DONE;  // a load is under way (or failed)
    wire s_hdr = st_q == S_HDR, s_desc = st_q == S_DESC, s_rec = st_q == S_REC, s_pad = st_q == S_PAD,
         s_wgt = st_q == S_WGT, s_crc = st_q == S_CRC;
    wire last_l = {1'b0, dl_q} + 4'd1 == nl_q;

    // ---- decode: which field the next byte ends, and what it does (registers; the state changes in
    // cycle (4) only, so these settle before the next byte's (2) and the two-stage ones before (3))
    reg sel_seq_q, sel_magic_q, sel_ver_q, sel_lanes_q, sel_nl_q, sel_flags_q, sel_total_q;
    reg sel_nin_q, sel_nout_q, sel_poff_q, sel_woff_q, sel_w0_q, sel_wb_q, sel_dend_q, sel_end_q;
    reg sel_rec_q, sel_pad_q, sel_word_q, sel_crc_q, sel_l0_q, sel_last_q, doff_inc_q;
    reg mstep_q, mshift_q;     // a multiplier step (and a shift of n_in: all but the first step)
    reg rec_last_q, hid_end_q, wlast_q, align_q;  // the last record / hidden record / word; W0 next
    reg rec_bad_q, end_bad_q;  // the record's bytes 0..6; the final check of the descriptors
    reg adv_q;                 // the byte ends its region: st_q <= st_nx_q
    reg [3:0] st_nx_q;
    wire [PW:0]    w0_8 = ({1'b0, pexp_q} + {1'b0, A8}) >> (AL - 3);  // W0 / ALIGN (from P_end / 8)
    wire [XW+PW:0] w0c_w = {{XW{1'b0}}, w0_8} << AL;
    wire [XW-1:0]  w0c  = w0c_w[XW-1:0];                                  // W0
    always @(posedge clk) begin
        sel_seq_q   <= !active;
        sel_magic_q <= s_hdr && pos_q[3:0] == 4'd3;
        sel_ver_q   <= s_hdr && pos_q[3:0] == 4'd5;
        sel_lanes_q <= s_hdr && pos_q[3:0] == 4'd7;
        sel_nl_q    <= s_hdr && pos_q[3:0] == 4'd9;
        sel_flags_q <= s_hdr && pos_q[3:0] == 4'd11;
        sel_total_q <= s_hdr && pos_q[3:0] == 4'd15;
        sel_nin_q   <= s_desc && doff_q == 5'd1;
        sel_nout_q  <= s_desc && doff_q == 5'd3;
        sel_poff_q  <= s_desc && doff_q == 5'd7;
        sel_woff_q  <= s_desc && doff_q == 5'd11 && dl_q != 3'd0;
        sel_w0_q    <= s_desc && doff_q == 5'd11 && dl_q == 3'd0;
        sel_wb_q    <= s_desc && doff_q == 5'd15;
        sel_dend_q  <= s_desc && doff_q == 5'd23;
        sel_end_q   <= s_desc && doff_q == 5'd23 && last_l;
        sel_rec_q   <= s_rec && pos_q[2:0] == 3'd7;
        sel_pad_q   <= s_pad;
        sel_word_q  <= s_wgt && pos_q[BSH-1:0] == {BSH{1'b1}};  // W0 is a multiple of LANES/4
        sel_crc_q   <= s_crc && doff_q[1:0] == 2'd3;
        sel_l0_q    <= dl_q == 3'd0;
        sel_last_q  <= last_l;
        doff_inc_q  <= s_desc || s_crc;
        mstep_q     <= s_desc && gtc({27'd0, doff_q}, 32'd3) && !gtc({27'd0, doff_q}, 32'd4 + FW);
        mshift_q    <= s_desc && gtc({27'd0, doff_q}, 32'd4) && !gtc({27'd0, doff_q}, 32'd4 + FW);
        rec_last_q  <= adr_q[PAW-1:0] == nsum_q[PAW-1:0];  // nsum_q < PMEM_NEURONS once checked
        hid_end_q   <= adr_q[PAW-1:0] == base_q;
        wlast_q     <= adr_q[WAW-1:0] == wsum_q[WAW-1:0];  // wsum_q < WMEM_WORDS once checked
        align_q     <= &pos_q[AL-1:0];
        rec_bad_q   <= !bias_ok || (hid_q && (s == 8'd0 || gtc({24'd0, s}, 32'd40)));
        end_bad_q   <= w0big_q || w0rx_q != w0c || tbig_q || total4_q != {wexp_q, w0rx_q[BSH-1:0]};
        st_nx_q     <= s_hdr ? S_DESC : s_desc ? S_REC : s_rec && !align_q ? S_PAD : s_rec || s_pad ? S_WGT :
                       s_wgt ? S_CRC : S_DONE;
        adv_q       <= sel_total_q || sel_end_q || (sel_rec_q && rec_last_q) || (sel_pad_q && align_q) ||
                       (sel_word_q && wlast_q) || sel_crc_q;
    end

    // ---- (2) the checks, each registered on its own --------------------------------------------------
    wire        w16_bad = in16 == 16'd0 || gtc({16'd0, in16}, {16'd0, 16'd4096});
    wire [NOW+12:0] nout_w = {13'd0, nout_q};
    wire [12:0] nout13  = nout_w[12:0];
    wire [12:0] hdr_bad = {
        sel_magic_q && in32 != MAGIC,
        sel_ver_q   && in16 != 16'd1,
        sel_lanes_q && in16 != LANES16,
        sel_nl_q    && (in16 == 16'd0 || gtc({16'd0, in16}, {16'd0, 16'd8})),
        sel_flags_q && (in16[15:2] != 14'd0 || in16[1:0] == 2'd3),  // scope 0..2
        sel_nin_q   && (w16_bad || (!sel_l0_q && f13 != nout13)),
        sel_nout_q  && (w16_bad || (sel_last_q && gtc({16'd0, in16}, {16'd0, 16'd256}))),
        sel_poff_q  && in32 != {{(29 - PW){1'b0}}, pexp_q, 3'd0},
        sel_woff_q  && in32 != {{(32 - XW){1'b0}}, wexp_q, w0rx_q[BSH-1:0]},
        sel_wb_q    && in32 != {{(32 - PRW - BSH){1'b0}}, acc_q, {BSH{1'b0}}},
        sel_end_q   && end_bad_q,
        sel_rec_q   && (b_q != 8'd0 || rec_bad_q),
        sel_pad_q   && b_q != 8'd0};
    wire [1:0] big_bad = {
        sel_nin_q  && sel_l0_q && gtc({16'd0, in16}, {16'd0, ABUF16}),
        sel_nout_q && (sel_last_q ? gtc({16'd0, in16}, {16'd0, MAXC16}) : gtc({16'd0, in16}, {16'd0, ABUF16}))};
    reg [12:0] bad_hdr_q;
    reg [1:0]  bad_big_q;
    reg        bad_crc_q, bad_seq_q;
    always @(posedge clk) begin
        if (ph2_q) begin
            bad_hdr_q <= hdr_bad;
            bad_big_q <= big_bad;
            bad_crc_q <= sel_crc_q && in32 != crc_o;
            bad_seq_q <= sel_seq_q;
        end
    end
    // the running sums take the field now (a byte that fails ends the load, so no undo)
    always @(posedge clk) begin
        if (begin_q) begin
            nsum_q <= {NSW{1'b1}};
            wsum_q <= {WSW{1'b1}};
        end else if (ph2_q) begin
            if (sel_nout_q) begin
                nsum_q <= nsum_q + f13_w[NSW-1:0];
                base_q <= nsum_q[PAW-1:0];
            end
            if (sel_wb_q) wsum_q <= wsum_q + {{(WSW - PRW){1'b0}}, acc_q};
        end
    end

    wire [NSW+31:0] nsum_w = {32'd0, nsum_q};
    wire [WSW+31:0] wsum_w = {32'd0, wsum_q};
    // ---- (3) the verdict ---------------------------------------------------------------------------
    // one field at a time, so the order only says: a malformed value is ERR_HEADER, not ERR_TOO_BIG
    wire       sum_big = (sel_nout_q && gtc(nsum_w[31:0], PMEM_M1)) || (sel_wb_q && gtc(wsum_w[31:0], WMEM_M1));
    wire       any_big = |bad_big_q || sum_big;
    wire [3:0] verdict = bad_seq_q ? ERR_SEQ : |bad_hdr_q ? ERR_HEADER : any_big ? ERR_TOO_BIG :
                         bad_crc_q ? ERR_CRC : 4'd0;
    wire ok3 = !bad_seq_q && !(|bad_hdr_q) && !any_big && !bad_crc_q;
    // (4) writes a neuron record / a weight word / n_out, applies n_in: registered strobes (many
    // loads; each equals ok && sel_*_q below, the decode holding from (2) to (4))
    reg  pwe_q, wwe_q, nowe_q, niwe_q;
    always @(posedge clk) begin
        if (ph3_q) begin
            ok_q      <= ok3;
            verdict_q <= verdict;
        end
        pwe_q  <= ph3_q && ok3 && sel_rec_q && !rst;
        wwe_q  <= ph3_q && ok3 && sel_word_q && !rst;
        nowe_q <= ph3_q && ok3 && sel_nout_q && !rst;
        niwe_q <= ph3_q && ok3 && sel_nin_q && !rst;
    end
    wire ok = ph4_q && ok_q;  // apply the byte

    // ---- the cycles of a byte ----------------------------------------------------------------------
    always @(posedge clk) begin
        if (data_i) b_q <= byte_i;
        if (rst) begin
            ph2_q <= 1'b0;
            ph3_q <= 1'b0;
            ph4_q <= 1'b0;
            ph5_q <= 1'b0;
        end else begin
            ph2_q <= data_i;  // no command is taken while stall_q: ph2..4 are 0 at begin_i
            ph3_q <= ph2_q;
            ph4_q <= ph3_q;
            ph5_q <= ph4_q;
        end
        begin_q <= begin_i && !rst;
        // after MODEL_BEGIN: the reset (begin_q), then the field decode
        stall_q <= rst || begin_i || begin_q || data_i || ph2_q || ph3_q;  // high in (2)..(4)
        if (rst || begin_i)          mv_q <= 1'b0;
        else if (ok && sel_crc_q)    mv_q <= 1'b1;  // the last byte: the model is valid
        if (ph4_q) sr_q <= {b_q, sr_q[SRW-1:8]};
    end

    // ---- (4) apply ---------------------------------------------------------------------------------
    wire [XW:0] pos_inc = {1'b0, pos_q} + 1'b1;  // saturates: no carry out of XW bits
    always @(posedge clk) begin
        if (rst) begin
            st_q  <= S_IDLE;
            pos_q <= {XW{1'b0}};
        end else if (begin_q) begin
            st_q  <= S_HDR;
            pos_q <= {XW{1'b0}};
        end else if (ph4_q && active) begin
            if (!pos_inc[XW]) pos_q <= pos_inc[XW-1:0];
            if (!ok_q)        st_q <= S_FAIL;
            else if (adv_q)   st_q <= st_nx_q;
        end
    end

    always @(posedge clk) begin
        if (rst) begin
            nl_q   <= 4'd0;
            nin0_q <= {NIW{1'b0}};
            nout_q <= {NOW{1'b0}};
        end else if (begin_q) begin
            nl_q   <= 4'd0;
        end else if (ok) begin
            if (sel_nl_q) begin
                nl_q   <= f13[3:0];
                nout_q <= {{(NOW - 5){1'b0}}, p0_8(f13[3:0])};  // added to pexp_q at byte 15
            end
            if (sel_nout_q) nout_q <= f13[NOW-1:0];
            if (sel_nin_q && sel_l0_q) nin0_q <= f13[NIW-1:0];
        end
    end

    always @(posedge clk) begin
        if (begin_q) begin
            dl_q   <= 3'd0;
            doff_q <= 5'd0;
            pexp_q <= {PW{1'b0}};
        end else if (ok) begin
            if (doff_inc_q)                 doff_q <= sel_dend_q ? 5'd0 : doff_q + 5'd1;
            if (sel_dend_q)                 dl_q   <= dl_q + 3'd1;
            if (sel_total_q || sel_poff_q)  pexp_q <= pexp_q + nout_w[PW-1:0];  // fits once checked
        end
    end

    always @(posedge clk) begin  // the records from 0, then the weight words from 0
        if (begin_q || (pwe_q && rec_last_q)) adr_q <= {ADW{1'b0}};
        else if (pwe_q || wwe_q)             adr_q <= adr_q + 1'b1;
    end

    always @(posedge clk) begin
        if (ok) begin
            if (sel_total_q) begin
                total4_q <= in32[XW-1:0] - {{(XW - 3){1'b0}}, 3'd4};
                tbig_q   <= !fits;
            end
            if (sel_w0_q) begin
                w0rx_q  <= in32[XW-1:0];
                w0big_q <= !fits;
            end
            if (sel_end_q)                hid_q <= nl_q != 4'd1;
            else if (sel_rec_q && hid_end_q) hid_q <= 1'b0;  // the next record is the last layer's
        end
    end

    // w_off of this layer = w_off[0] + (LANES/4) * (wsum_q + 1)   (a - ~b = a + b + 1)
    wire [WSW+XW-1:0] wsum_x = {{XW{wsum_q[WSW-1]}}, wsum_q};
    always @(posedge clk) wexp_q <= w0rx_q[XW-1:BSH] - ~wsum_x[WXW-1:0];

    // ---- canonical w_bytes / (LANES/4) = ceil(n_out/LANES) * n_in, shift-and-add -------------------
    // n_in is loaded when it is applied, n_out's bits when n_out is (both are in range by then); one
    // step per descriptor byte from byte 4: the remainder's (adds n_in), then floor(n_out/LANES)'s.
    always @(posedge clk) begin
        if (niwe_q)                 ma_q <= nin_w[PRW-1:0];
        else if (ph4_q && mshift_q) ma_q <= ma_q << 1;
        if (nowe_q) begin
            mb_q  <= {f13[LSH +: FW], f13[LSH-1:0] != {LSH{1'b0}}};
            acc_q <= {PRW{1'b0}};
        end else if (ph4_q && mstep_q) begin
            if (mb_q[0]) acc_q <= acc_q + ma_q;
            mb_q <= mb_q >> 1;
        end
    end

    // the CRC covers the regions before CRC; the state changes in (4) only, so its decode is
    // registered (a short path to the CRC's 32 enables) and holds for the byte from (2) to the
    // cycle after (4). Two bits a cycle: each register bit is one LUT4 of three inputs.
    reg crc_on_q;
    always @(posedge clk) crc_on_q <= s_hdr || s_desc || s_rec || s_pad || s_wgt;
    wire [1:0] crc_bits = ({2{ph2_q}} & b_q[1:0]) | ({2{ph3_q}} & b_q[3:2]) |
                          ({2{ph4_q}} & b_q[5:4]) | ({2{ph5_q}} & b_q[7:6]);
    crc32 #(.BITS(2)) u_crc (
        .clk    (clk),
        .rst    (rst),
        .clear_i(begin_q),
        .valid_i((ph2_q || ph3_q || ph4_q || ph5_q) && crc_on_q),
        .data_i (crc_bits),
        .crc_o  (crc_o)
    );

    wire [NIW+12:0] nin0_w = {13'd0, nin0_q};
    wire unused = &{1'b0, w0c_w[XW+PW:XW], nsum_w[NSW+31:32], wsum_w[WSW+31:32], wsum_x[WSW+XW-1:WXW], f13_w[NSW+12:NSW], nin_w[PRW+NIW-1:PRW], nout_w[NOW+12:13], nin0_w[NIW+12:13]};
    assign stall_o       = stall_q;
    assign err_o         = ph4_q ? verdict_q : 4'd0;
    assign model_valid_o = mv_q;
    assign bytes_o       = {{(32 - XW){1'b0}}, pos_q};
    assign n_layers_o    = nl_q;
    assign n_in0_o       = nin0_w[12:0];
    assign n_classes_o   = nout_q[8:0];
    assign ltab_we_o     = nowe_q;  // == ok && sel_nout_q
    assign ltab_waddr_o  = dl_q;
    assign ltab_wdata_o  = f13;
    assign pmem_we_o     = pwe_q;  // == ok && sel_rec_q
    assign pmem_waddr_o  = adr_q[PAW-1:0];
    assign pmem_wdata_o  = {s[5:0], m, bias[23:0]};
    assign wmem_we_o     = wwe_q;  // == ok && sel_word_q
    assign wmem_waddr_o  = adr_q[WAW-1:0];
    assign wmem_wdata_o  = {b_q, sr_q[SRW-1 -: 2*LANES-8]};
endmodule

`resetall
