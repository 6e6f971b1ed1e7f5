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
// is registered; (2) it is checked against registered expectations, each check's result registered;
// (3) the verdict and the position flags are registered; (4) the byte updates the state, the
// memories and err_o, and in the next cycle the loader decodes which field the next byte ends
// (while that byte may already be taken). stall_o is high in (2)..(4), so the effect of a byte
// (err_o, model_valid_o, crc_o, bytes_o) shows once cmd_ready_o is high again. After an
// error the rest of the stream is swallowed (the error code stays the one that says why) until
// the next MODEL_BEGIN. MODEL_DATA before any MODEL_BEGIN or after a complete load: ERR_SEQ.
// The canonical w_bytes / (LANES/4) = ceil(n_out/LANES) * n_in comes from a shift-and-add
// multiplier that runs while the descriptor streams in; at four cycles per byte it is done (<= 10
// cycles) long before w_bytes arrives 12 bytes later, so it never stalls the stream. Positions are
// XW bits wide: enough for the largest image these memories can hold; larger declared values fail
// the canonical checks.
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
    localparam integer WMAX  = ABUF_BYTES > MAX_CLASSES ? ABUF_BYTES : MAX_CLASSES;
    localparam integer GMAX  = (WMAX + LANES - 1) / LANES;  // groups of a layer
    localparam integer GW0   = $clog2(GMAX + 1);
    localparam integer GW    = GW0 > 2 ? GW0 : 2;            // bits of a group count
    localparam integer PRW0  = $clog2(ABUF_BYTES * GMAX + 1);
    localparam integer PRW   = PRW0 > 14 ? PRW0 : 14;       // bits of the words of one layer
    localparam integer NW    = PAW + 1 > 14 ? PAW + 1 : 14;  // bits of a neuron count
    localparam integer CW    = WAW + 1;                     // bits of a word count
    localparam integer MAXT  = 16 + 24 * 8 + 8 * PMEM_NEURONS + ALIGN + WMEM_WORDS * (LANES / 4) + 4;
    localparam integer XW0   = $clog2(MAXT + 1);
    localparam integer XW    = XW0 > 16 ? XW0 : 16;          // bits of a position / size
    localparam integer SW    = PRW > CW ? PRW + 1 : CW + 1;  // capacity sum
    localparam [15:0] LANES16 = LANES[15:0];
    localparam [15:0] ABUF16  = ABUF_BYTES[15:0];
    localparam [15:0] MAXC16  = MAX_CLASSES[15:0];
    localparam [NW:0] PMEM_N  = PMEM_NEURONS[NW:0];
    localparam [SW-1:0] WMEM_N = WMEM_WORDS[SW-1:0];
    localparam integer LANES_M1 = LANES - 1;
    localparam [13:0] LM1     = LANES_M1[13:0];
    localparam integer ALIGN_M1 = ALIGN - 1;
    localparam [XW-1:0] AM1   = ALIGN_M1[XW-1:0];

    initial begin
        if (LANES < 8 || LANES > 256 || (LANES & (LANES - 1)) != 0) begin
            $display("loader: LANES = %0d, need a power of two in 8..256", LANES);
            $finish;
        end
        if ((1 << WAW) < WMEM_WORDS || (1 << PAW) < PMEM_NEURONS || ABUF_BYTES < 1 || ABUF_BYTES > 4096 ||
            MAX_CLASSES < 1 || MAX_CLASSES > 256 || XW > 31) begin
            $display("loader: WMEM_WORDS = %0d (WAW %0d), PMEM_NEURONS = %0d (PAW %0d), ABUF_BYTES = %0d, MAX_CLASSES = %0d out of range",
                     WMEM_WORDS, WAW, PMEM_NEURONS, PAW, ABUF_BYTES, MAX_CLASSES);
            $finish;
        end
    end

    reg [3:0]      st_q;
    reg [XW-1:0]   pos_q;       // offset of the next byte
    reg [SRW-1:0]  sr_q;        // the previous SRW/8 bytes, newest in the top byte
    reg            mv_q;
    reg [3:0]      nl_q;
    reg [7:0]      p0_q;        // P0 = 16 + 24 * n_layers
    reg [XW-1:0]   total_q;     // T as declared (low XW bits)
    reg            tbig_q;      // ... and it does not fit XW bits
    reg [2:0]      dl_q;        // descriptor being received
    reg [4:0]      doff_q;      // offset in it
    reg [12:0]     nin0_q;
    reg [8:0]      ncls_q;
    reg [12:0]     cur_nin_q, cur_nout_q;
    reg [NW-1:0]   nsum_q;      // neuron records of the layers before (from doff 7 on: up to this one)
    reg [CW-1:0]   wwords_q;    // weight words of the layers before (from doff 15 on: up to this one)
    reg [XW-1:0]   w0rx_q;      // w_off of layer 0 as declared (low XW bits)
    reg            w0big_q;
    reg [PRW-1:0]  mul_acc_q, mul_a_q;
    reg [GW-1:0]   mul_b_q;     // group count bits still to go
    reg            mbusy_q;     // mul_b_q != 0
    reg [XW-1:0]   p_end_q, w0_q, wend_q;  // canonical P_end, W0, T-4
    reg [NW-1:0]   last_base_q; // first neuron record of the last layer
    reg [PAW-1:0]  rec_q;       // next record
    reg [WAW-1:0]  wcnt_q;      // next weight word
    // expectations, registered (their inputs settle long before they are used)
    reg [XW-1:0]   pexp_q;      // param_off of this layer: P0 + 8 * nsum
    reg [XW-1:0]   wexp_q;      // w_off of this layer (l > 0): w_off[0] + bytes of the layers before
    reg [NW:0]     pleft_q;     // PMEM_NEURONS - nsum
    reg [SW-1:0]   wleft_q;     // WMEM_WORDS - wwords
    reg [XW-1:0]   rec_end_q, pad_end_q, wgt_end_q, crc_end_q;  // last position of each region
    reg            tcalc_ok_q;  // T == W_end + 4 (canonical)
    // the second cycle of a byte
    reg            ph2_q, ph3_q, ph4_q;  // cycles (2) check, (3) verdict and (4) apply of a byte
    reg            stall_q;       // cycles (2)..(4) of a byte, two after MODEL_BEGIN, one after rst
    reg            begin_q;       // MODEL_BEGIN was taken last cycle: reset the parser now
    reg            ok_q;          // (2): the byte passed every check
    reg [3:0]      verdict_q;     // (2): its error code
    reg            at_rec_end_q, at_pad_end_q, at_wgt_end_q, at_crc_end_q, no_pad_q;  // (2): positions
    reg [7:0]      b_q;

    // ---- the field that ends with this byte: as it arrives (checks) and a cycle later (updates) ---
    wire [15:0] in16  = {b_q, sr_q[SRW-1 -: 8]};   // (the byte is b_q from cycle (2) on)
    wire [31:0] in32  = {b_q, sr_q[SRW-1 -: 24]};
    wire        in32_fits = in32[31:XW] == {(32 - XW){1'b0}};
    wire [12:0] f13   = {b_q[4:0], sr_q[SRW-1 -: 8]};  // n_in, n_out (<= 4096 once checked), n_layers
    wire [31:0] f32   = {b_q, sr_q[SRW-1 -: 24]};
    wire        f32_fits = f32[31:XW] == {(32 - XW){1'b0}};
    wire [55:0] rec56 = sr_q[SRW-1 -: 56];  // bytes 0..6 of a neuron record; byte 7 is the new byte
    wire [31:0] bias  = rec56[31:0];
    wire [15:0] m     = rec56[47:32];
    wire [7:0]  s     = rec56[55:48];
    wire        bias_ok = bias[31:22] == 10'd0 || (bias[31:22] == 10'h3FF && bias[21:0] != 22'd0);

    wire          hidden   = {{(NW - PAW){1'b0}}, rec_q} < last_base_q;  // this record's layer
    wire          last_l   = {1'b0, dl_q} + 4'd1 == nl_q;
    wire [XW-1:0] pos_nx   = pos_q + 1'b1;
    wire          word_end = pos_q[BSH-1:0] == {BSH{1'b1}};  // W0 is a multiple of LANES/4
    wire [SW-1:0] wsum     = {{(SW - CW){1'b0}}, wwords_q} + {{(SW - PRW){1'b0}}, mul_acc_q};
    wire          unused_wsum = &{1'b0, wsum[SW-1:CW]};  // <= WMEM_WORDS when used (checked)
    wire [13:0]   g_sum    = {1'b0, f13[12:0]} + LM1;
    wire [13:0]   groups   = g_sum >> LSH;  // ceil(n_out / LANES)
    wire          unused_groups = &{1'b0, groups[13:GW]};
    wire [31:0]   wb_exp   = {{(32 - PRW - BSH){1'b0}}, mul_acc_q, {BSH{1'b0}}};

    // ---- checks of the byte being taken (first cycle) --------------------------------------------
    // Which field the next byte ends is decoded into registered one-hot selects (sel_*) while the
    // loader waits for it, so the check is: compare the byte (with its field) -> and-or -> verdict.
    reg sel_seq_q, sel_magic_q, sel_ver_q, sel_lanes_q, sel_nl_q, sel_flags_q, sel_nin_q, sel_nout_q;
    reg sel_poff_q, sel_woff_q, sel_wb_q, sel_end_q, sel_rec_q, sel_pad_q, sel_crc_q;
    reg sel_l0_q, sel_last_q, sel_hidden_q, end_bad_q, sel_word_q;
    wire active = st_q != S_IDLE && st_q != S_DONE;  // a load is under way (or failed)
    always @(posedge clk) sel_seq_q <= !active;
    always @(posedge clk) if (active) begin  // frozen while idle: no byte is applied then
        sel_magic_q  <= st_q == S_HDR && pos_q[3:0] == 4'd3;
        sel_ver_q    <= st_q == S_HDR && pos_q[3:0] == 4'd5;
        sel_lanes_q  <= st_q == S_HDR && pos_q[3:0] == 4'd7;
        sel_nl_q     <= st_q == S_HDR && pos_q[3:0] == 4'd9;
        sel_flags_q  <= st_q == S_HDR && pos_q[3:0] == 4'd11;
        sel_nin_q    <= st_q == S_DESC && doff_q == 5'd1;
        sel_nout_q   <= st_q == S_DESC && doff_q == 5'd3;
        sel_poff_q   <= st_q == S_DESC && doff_q == 5'd7;
        sel_woff_q   <= st_q == S_DESC && doff_q == 5'd11 && dl_q != 3'd0;
        sel_wb_q     <= st_q == S_DESC && doff_q == 5'd15;
        sel_end_q    <= st_q == S_DESC && doff_q == 5'd23 && last_l;
        sel_rec_q    <= st_q == S_REC && pos_q[2:0] == 3'd7;
        sel_pad_q    <= st_q == S_PAD;
        sel_word_q   <= st_q == S_WGT && word_end;  // the byte completes a weight word
        sel_crc_q    <= st_q == S_CRC && pos_q == crc_end_q;
        sel_l0_q     <= dl_q == 3'd0;
        sel_last_q   <= last_l;
        sel_hidden_q <= hidden;
        end_bad_q    <= w0big_q || w0rx_q != w0_q || tbig_q || !tcalc_ok_q;
    end

    // Each field's check is registered on its own (bad_*_q, a compare and an and deep); the verdict
    // (an or of them) is registered in cycle (2) and applied in cycle (3).
    wire [12:0] hdr_bad = {
        sel_magic_q && in32 != MAGIC,
        sel_ver_q   && in16 != 16'd1,
        sel_lanes_q && in16 != LANES16,
        sel_nl_q    && (in16 == 16'd0 || in16 > 16'd8),
        sel_flags_q && (in16[15:2] != 14'd0 || in16[1:0] == 2'd3),  // scope 0..2
        sel_nin_q   && (in16 == 16'd0 || in16 > 16'd4096 || (!sel_l0_q && in16[12:0] != cur_nout_q)),
        sel_nout_q  && (in16 == 16'd0 || in16 > 16'd4096 || (sel_last_q && in16 > 16'd256)),
        sel_poff_q  && (!in32_fits || in32[XW-1:0] != pexp_q),
        sel_woff_q  && (!in32_fits || in32[XW-1:0] != wexp_q),
        sel_wb_q    && in32 != wb_exp,
        sel_end_q   && end_bad_q,
        sel_rec_q   && (b_q != 8'd0 || !bias_ok || (sel_hidden_q && (s == 8'd0 || s > 8'd40))),
        sel_pad_q   && b_q != 8'd0};
    wire [2:0] big_bad = {
        sel_nin_q  && sel_l0_q && in16 > ABUF16,
        sel_nout_q && ((sel_last_q ? in16 > MAXC16 : in16 > ABUF16) || {{(NW - 12){1'b0}}, in16[12:0]} > pleft_q),
        sel_wb_q   && {{(SW - PRW){1'b0}}, mul_acc_q} > wleft_q};
    reg [12:0] bad_hdr_q;
    reg [2:0]  bad_big_q;
    reg        bad_crc_q, bad_seq_q;
    always @(posedge clk) begin
        if (ph2_q) begin
            bad_hdr_q <= hdr_bad;
            bad_big_q <= big_bad;
            bad_crc_q <= sel_crc_q && in32 != crc_o;
            bad_seq_q <= sel_seq_q;
        end
    end
    // one field at a time, so the order only says: a malformed value is ERR_HEADER, not ERR_TOO_BIG
    wire [3:0] verdict = bad_seq_q ? ERR_SEQ : |bad_hdr_q ? ERR_HEADER : |bad_big_q ? ERR_TOO_BIG :
                         bad_crc_q ? ERR_CRC : 4'd0;
    always @(posedge clk) begin
        if (ph3_q) begin
            ok_q         <= !bad_seq_q && !(|bad_hdr_q) && !(|bad_big_q) && !bad_crc_q;
            verdict_q    <= verdict;
            at_rec_end_q <= pos_q == rec_end_q;
            at_pad_end_q <= pos_q == pad_end_q;
            at_wgt_end_q <= pos_q == wgt_end_q;
            at_crc_end_q <= pos_q == crc_end_q;
            no_pad_q     <= rec_end_q == pad_end_q;
        end
    end
    wire ok = ph4_q && ok_q;  // apply the byte
    wire sel_crc_done = st_q == S_CRC && at_crc_end_q;  // the last byte: the model is valid

    // ---- expectations ------------------------------------------------------------------------------
    // A chain of registers, recomputed every cycle of a load; each settles within a few cycles of a
    // change of its inputs, long before the byte that needs it (four cycles per byte).
    always @(posedge clk) if (active) begin
        pexp_q     <= {{(XW - 8){1'b0}}, p0_q} + ({{(XW - NW){1'b0}}, nsum_q} << 3);
        wexp_q     <= w0rx_q + ({{(XW - CW){1'b0}}, wwords_q} << BSH);
        pleft_q    <= PMEM_N - {1'b0, nsum_q};
        wleft_q    <= WMEM_N - {{(SW - CW){1'b0}}, wwords_q};
        p_end_q    <= pexp_q;                     // after the last descriptor: P_end
        w0_q       <= (p_end_q + AM1) & ~AM1;     // W0
        wend_q     <= w0_q + ({{(XW - CW){1'b0}}, wwords_q} << BSH);  // T - 4
        tcalc_ok_q <= total_q == wend_q + {{(XW - 3){1'b0}}, 3'd4};
        rec_end_q  <= p_end_q - 1'b1;
        pad_end_q  <= w0_q - 1'b1;
        wgt_end_q  <= wend_q - 1'b1;
        crc_end_q  <= total_q - 1'b1;
    end

    // ---- the two cycles of a byte --------------------------------------------------------------------
    always @(posedge clk) begin
        if (data_i) b_q <= byte_i;
        if (rst) begin
            ph2_q <= 1'b0;
            ph3_q <= 1'b0;
            ph4_q <= 1'b0;
        end else begin
            ph2_q <= data_i;  // no command is taken while stall_q: ph2..4 are 0 at begin_i
            ph3_q <= ph2_q;
            ph4_q <= ph3_q;
        end
        begin_q <= begin_i && !rst;
        // after MODEL_BEGIN: the reset (begin_q), then the field decode
        stall_q <= rst || begin_i || begin_q || data_i || ph2_q || ph3_q;  // high in (2)..(4)
        if (rst || begin_i)          mv_q <= 1'b0;
        else if (ok && sel_crc_done) mv_q <= 1'b1;
        if (ph4_q) sr_q <= {b_q, sr_q[SRW-1:8]};
    end

    always @(posedge clk) begin
        if (rst) begin
            st_q        <= S_IDLE;
            pos_q       <= {XW{1'b0}};
            nl_q        <= 4'd0;
            p0_q        <= 8'd0;
            total_q     <= {XW{1'b0}};
            tbig_q      <= 1'b0;
            dl_q        <= 3'd0;
            doff_q      <= 5'd0;
            nin0_q      <= 13'd0;
            ncls_q      <= 9'd0;
            cur_nin_q   <= 13'd0;
            cur_nout_q  <= 13'd0;
            nsum_q      <= {NW{1'b0}};
            wwords_q    <= {CW{1'b0}};
            w0rx_q      <= {XW{1'b0}};
            w0big_q     <= 1'b0;
            last_base_q <= {NW{1'b0}};
            rec_q       <= {PAW{1'b0}};
            wcnt_q      <= {WAW{1'b0}};
        end else if (begin_q) begin
            st_q     <= S_HDR;
            pos_q    <= {XW{1'b0}};
            nl_q     <= 4'd0;
            dl_q     <= 3'd0;
            doff_q   <= 5'd0;
            nsum_q   <= {NW{1'b0}};
            wwords_q <= {CW{1'b0}};
            rec_q    <= {PAW{1'b0}};
            wcnt_q   <= {WAW{1'b0}};
        end else if (ph4_q && st_q != S_IDLE && st_q != S_DONE) begin
            if (pos_q != {XW{1'b1}}) pos_q <= pos_nx;
            if (!ok_q) begin
                st_q <= S_FAIL;
            end else begin
                case (st_q)
                    S_HDR: begin
                        if (pos_q[3:0] == 4'd9) begin
                            nl_q <= f13[3:0];
                            p0_q <= 8'd16 + {1'b0, f13[3:0], 3'd0} + {f13[3:0], 4'd0};  // 1..8 layers
                        end
                        if (pos_q[3:0] == 4'd15) begin
                            total_q <= f32[XW-1:0];
                            tbig_q  <= !f32_fits;
                            st_q    <= S_DESC;
                        end
                    end
                    S_DESC: begin
                        doff_q <= doff_q == 5'd23 ? 5'd0 : doff_q + 5'd1;
                        case (doff_q)
                            5'd1: begin
                                cur_nin_q <= f13[12:0];
                                if (dl_q == 3'd0) nin0_q <= f13[12:0];
                            end
                            5'd3: begin
                                cur_nout_q <= f13[12:0];
                                ncls_q     <= f13[8:0];
                            end
                            5'd7: begin
                                nsum_q      <= nsum_q + {{(NW - 13){1'b0}}, cur_nout_q};
                                last_base_q <= nsum_q;  // kept from the last descriptor
                            end
                            5'd11: if (dl_q == 3'd0) begin
                                w0rx_q  <= f32[XW-1:0];
                                w0big_q <= !f32_fits;
                            end
                            5'd15: wwords_q <= wsum[CW-1:0];  // <= WMEM_WORDS (checked)
                            5'd23: begin
                                if (sel_last_q) st_q <= S_REC;  // last_l, registered
                                dl_q <= dl_q + 3'd1;
                            end
                            default: ;
                        endcase
                    end
                    S_REC: if (pos_q[2:0] == 3'd7) begin
                        rec_q <= rec_q + 1'b1;
                        if (at_rec_end_q) st_q <= no_pad_q ? S_WGT : S_PAD;
                    end
                    S_PAD: if (at_pad_end_q) st_q <= S_WGT;
                    S_WGT: begin
                        if (word_end) wcnt_q <= wcnt_q + 1'b1;
                        if (at_wgt_end_q) st_q <= S_CRC;
                    end
                    S_CRC: if (at_crc_end_q) st_q <= S_DONE;  // and mv_q (above)
                    default: ;  // S_FAIL: swallow
                endcase
            end
        end
    end

    // ---- canonical w_bytes / (LANES/4) = ceil(n_out/LANES) * n_in, shift-and-add -------------------
    // Started when n_out is applied (both operands are in range by then: n_in <= ABUF_BYTES, groups
    // <= GMAX); w_bytes is checked against it 12 bytes (24 cycles) later, or stall_o waits for it.
    always @(posedge clk) begin
        if (rst) begin
            mul_b_q <= {GW{1'b0}};
            mbusy_q <= 1'b0;
        end else if (ok && sel_nout_q) begin
            mul_acc_q <= {PRW{1'b0}};
            mul_a_q   <= {{(PRW - 13){1'b0}}, cur_nin_q};
            mul_b_q   <= groups[GW-1:0];  // 1..GMAX here
            mbusy_q   <= 1'b1;
        end else if (mbusy_q) begin
            if (mul_b_q[0]) mul_acc_q <= mul_acc_q + mul_a_q;
            mul_a_q <= mul_a_q << 1;
            mul_b_q <= mul_b_q >> 1;
            mbusy_q <= mul_b_q[GW-1:1] != {(GW - 1){1'b0}};
        end
    end

    crc32 u_crc (
        .clk    (clk),
        .rst    (rst),
        .clear_i(begin_q),
        .valid_i(ph4_q && (st_q == S_HDR || st_q == S_DESC || st_q == S_REC || st_q == S_PAD || st_q == S_WGT)),
        .data_i (b_q),
        .crc_o  (crc_o)
    );

    // No stall for the multiplier: it starts when n_out is applied and needs at most GW <= 10
    // cycles; w_bytes is checked 12 bytes = 48 cycles later.
    assign stall_o       = stall_q;
    assign err_o         = ph4_q ? verdict_q : 4'd0;
    assign model_valid_o = mv_q;
    assign bytes_o       = {{(32 - XW){1'b0}}, pos_q};
    assign n_layers_o    = nl_q;
    assign n_in0_o       = nin0_q;
    assign n_classes_o   = ncls_q;
    assign ltab_we_o     = ok && sel_nout_q;
    assign ltab_waddr_o  = dl_q;
    assign ltab_wdata_o  = f13[12:0];
    assign pmem_we_o     = ok && sel_rec_q;
    assign pmem_waddr_o  = rec_q;
    assign pmem_wdata_o  = {s[5:0], m, bias[23:0]};
    assign wmem_we_o     = ok && sel_word_q;
    assign wmem_waddr_o  = wcnt_q;
    assign wmem_wdata_o  = {b_q, sr_q[SRW-1 -: 2*LANES-8]};
endmodule

`resetall
