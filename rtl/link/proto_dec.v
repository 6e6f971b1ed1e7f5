// proto_dec — the frame decoder of docs/protocol.md, proto's first step: it hunts for the sync
// byte, checks the header (a known command, a length that suits it), folds the bytes into the
// CRC-16, drops a frame that stalls for the inter-byte timeout, and writes every frame as a record
// [status][cmd][seq][len_lo][len_hi][payload] into proto's ring buffer (nine bits a byte: bit 8
// marks the last payload byte). A frame's bytes go in from wr_ptr on as they arrive, its status
// over the sync byte when it ends; the record is committed by moving wr_ptr past it (a rejected
// frame keeps only its five header bytes; a frame whose header did not fit is dropped
// unanswered). It also keeps the STATS error counter.
//
// The boundary to proto_exec is registered on both sides: wr_ptr_o (end of the committed records)
// and errors_o go out; rd_ptr_i (the executor's read pointer: the ring is free up to it),
// uptime_i (the executor's uptime counter, whose bit TK-1 ticks the timeout) and errors_clear_i
// (RESET, a one-cycle pulse) come in.
//
// Timing: the UART's outputs are registered as they come (uart_rx sits by its pin); each byte is
// taken a cycle after that (its sync compare registered) and written to the ring the cycle after (the write port and the pointer's enable come from
// registers), every decision one cycle after the byte that it depends on was stored (a byte
// arrives at most every 10 * CLKS_PER_BIT >= 30 cycles); the ring's fullness is a registered flag.
//
// Parameters:
//   CLKS_PER_BIT   UART clocks per bit, 3..65535 (the timeout is counted in bit times)
//   AW             ring address bits (the ring has 2^AW bytes), 9..15
//   MAX_PAYLOAD    largest request payload (bytes), 16..2^AW/2-5
//   TIMEOUT_BITS   inter-byte timeout in bit times (64..2^24): a frame that stalls this long is
//                  dropped; the timeout taken is TIMEOUT_BITS .. TIMEOUT_BITS * 1.25 bit times
`default_nettype none

module proto_dec #(
    parameter integer CLKS_PER_BIT = 4,
    parameter integer AW           = 11,
    parameter integer MAX_PAYLOAD  = 1019,
    parameter integer TIMEOUT_BITS = 65536
) (
    input  wire          clk,
    input  wire          rst,
    // bytes from the UART (rx_data_i holds a byte for a bit time after rx_valid_i)
    input  wire [7:0]    rx_data_i,
    input  wire          rx_valid_i,
    input  wire          rx_frame_err_i,
    // the ring's write port (proto's block RAM)
    output reg           ring_we_o,
    output reg  [AW-1:0] ring_waddr_o,
    output reg  [8:0]    ring_wdata_o,    // bit 8: the last payload byte of the record
    // the boundary to proto_exec (registers on both sides)
    output wire [AW:0]   wr_ptr_o,        // end of the committed records
    input  wire [AW:0]   rd_ptr_i,        // next record byte the executor consumes
    input  wire [31:0]   uptime_i,        // clock cycles since reset (bit TK-1 ticks the timeout)
    input  wire          errors_clear_i,  // RESET: clear the error counter
    output wire [7:0]    errors_o,        // protocol errors, dropped frames, UART framing errors
    // no byte in flight, no frame open
    output wire          idle_o
);

    // ---- constants (docs/protocol.md; generated from rtl/link/codes.tbl, rtl/core/codes.tbl) ----
    `include "q2_link_codes.vh"  // PROTO_VERSION, REC_BYTES, SYNC_*, CMD_*, ST_*, FEATURES
    `include "q2_core_codes.vh"  // the core's port: OP_*, R_*

    localparam integer TIMEOUT_CLKS = TIMEOUT_BITS * CLKS_PER_BIT;
    // Inter-byte timeout from ticks of the uptime counter: a tick every 2^TK cycles, the frame is
    // dropped at tick TMO_TICKS (TMO_TICKS - 1 whole tick periods >= TIMEOUT_CLKS have passed).
    localparam integer TK = $clog2(TIMEOUT_CLKS) - 4;
    localparam integer TMO_TICKS = (TIMEOUT_CLKS + (1 << TK) - 1) / (1 << TK) + 1;
    // sized copies of the integer parameters
    localparam [AW-1:0] MAXP      = MAX_PAYLOAD[AW-1:0];
    localparam [4:0]    TMO_END   = TMO_TICKS[4:0];
    localparam [AW:0]   REC_SIZE  = {{(AW - 7){1'b0}}, REC_BYTES};
    localparam [AW-1:0] LEN_ONE   = 1;

    initial begin
        if (AW < 9 || AW > 15) begin
            $display("proto_dec: AW = %0d, need 9..15 (a ring of 512..32768 bytes)", AW);
            $finish;
        end
        if (MAX_PAYLOAD < 16 || 2 * (MAX_PAYLOAD + 5) > (1 << AW)) begin
            $display("proto_dec: MAX_PAYLOAD = %0d, need 16..2^AW/2-5 = %0d", MAX_PAYLOAD,
                     (1 << AW) / 2 - 5);
            $finish;
        end
        if (CLKS_PER_BIT < 3 || CLKS_PER_BIT > 65535 || TIMEOUT_BITS < 64 || TIMEOUT_BITS > (1 << 24)) begin
            $display("proto_dec: CLKS_PER_BIT = %0d, TIMEOUT_BITS = %0d: need 3..65535 and 64..2^24",
                     CLKS_PER_BIT, TIMEOUT_BITS);
            $finish;
        end
        if (TK > 31 || TMO_TICKS > 31) begin
            $display("proto_dec: TIMEOUT_BITS * CLKS_PER_BIT = %0d clocks: too long for the 32-bit uptime",
                     TIMEOUT_CLKS);
            $finish;
        end
    end

    localparam [2:0] D_HUNT = 3'd0, D_HDR = 3'd1, D_CHK = 3'd2, D_CHK2 = 3'd3, D_PAY = 3'd4,
                     D_CRC = 3'd5, D_END = 3'd6, D_CHK3 = 3'd7;
    localparam [1:0] K_UNKNOWN = 2'd0, K_NOPAY = 2'd1, K_LOAD = 2'd2, K_INFER = 2'd3;

    // Pointers carry one extra bit so that full and empty differ. wr_ptr only moves by whole
    // records, so the executor reads whole records.
    reg  [AW:0]   wr_ptr_q;      // end of the committed records
    reg  [AW:0]   wr_tmp_q;      // where the frame being received writes its next byte
    reg  [AW:0]   wr_p5_q;       // wr_ptr_q + REC_BYTES (registered: a rejected frame's end)
    reg           full_q;        // the ring is full from wr_tmp to rd_ptr (registered: one cycle old)
    wire          ring_full = (wr_tmp_q[AW] != rd_ptr_i[AW]) && (wr_tmp_q[AW-1:0] == rd_ptr_i[AW-1:0]);
    reg  [7:0]    errors_q;
    reg           up_tk_q;       // uptime bit TK-1 a cycle ago (tick = falling edge)
    wire          tmo_tick = up_tk_q && !uptime_i[TK-1];
    wire          unused_uptime = ^uptime_i;   // only bit TK-1 is used

    reg  [2:0]    d_state_q, d_state_d;
    reg  [1:0]    d_hc_q;        // the byte of the header (cmd seq len_lo len_hi) or of the CRC
    reg  [7:0]    rxd_q;         // rx_data_i, registered as it arrives from the UART (a net, no logic)
    reg           rxv1_q, rxf_q; // rx_valid_i, rx_frame_err_i, registered with it
    reg           rxv_q;         // a byte arrived two cycles ago (rxd_q still holds it)
    reg           rxsync_q;      // ... and it is the sync byte
    reg  [1:0]    d_kind_q;      // the command's payload rule (K_*), decoded from the cmd byte
    reg  [AW-1:0] d_rem_q;       // the length (len_lo .. D_CHK3), then payload bytes still to come
    reg           d_big_q;       // length >= 2^AW
    reg           d_one_q;       // d_rem_q == 1 (registered: d_rem_q moves only with a byte)
    reg           d_zero_q;      // d_rem_q == 0 (D_CHK2 -> D_CHK3)
    reg  [15:0]   d_crc_q;
    reg           d_match_q;     // the CRC's low byte matched
    reg           d_lok_q;       // the length suits the command (D_CHK2 -> D_CHK3)
    reg           d_ovf_q;       // the ring was full: nothing more of this frame is written
    reg           d_rec_q;       // the record's five header bytes are in the ring
    reg  [4:0]    d_st_q;        // the record's status, D_END writes it
    reg  [4:0]    d_tmo_q;       // timeout ticks since the last byte
    reg           d_tmo_hit_q;   // ... reached TMO_END (registered: a cycle later)
    wire [15:0]   d_crc_next;
    wire          s_hunt = (d_state_q == D_HUNT), s_hdr = (d_state_q == D_HDR);
    wire          s_chk  = (d_state_q == D_CHK),  s_chk2 = (d_state_q == D_CHK2);
    wire          s_pay  = (d_state_q == D_PAY),  s_crc = (d_state_q == D_CRC);
    wire          s_end  = (d_state_q == D_END),  s_chk3 = (d_state_q == D_CHK3);
    wire          d_frame  = s_hdr || s_pay;                    // a header or payload byte comes
    wire          d_store  = s_hunt ? rxsync_q : d_frame;      // ... or the sync: it is stored
    wire          d_write  = rxv_q && d_store && !d_ovf_q && !full_q;   // the byte goes in ...
    reg           d_wr_q;        // ... the cycle after (the ring's write port from registers)
    reg           d_wlast_q;     // ... and it is the frame's last payload byte
    wire          d_open   = rxv_q && s_hunt && rxsync_q;   // a frame begins
    wire          d_commit = !rxv_q && s_end;               // ... and ends
    wire          err_inc  = d_commit && ((d_st_q != ST_OK) || !d_rec_q);   // count it

    // The length checks as plain logic (no adder): > MAX_PAYLOAD from the top bit down, at least
    // 1 (any bit), at least 5 (a bit above 3, or 4 plus 1..3)
    reg           d_gt_max, d_eq_max;
    integer       k;
    always @* begin
        d_gt_max = 1'b0;
        d_eq_max = 1'b1;
        for (k = AW - 1; k >= 0; k = k - 1) begin
            d_gt_max = d_gt_max || (d_eq_max && d_rem_q[k] && !MAXP[k]);
            d_eq_max = d_eq_max && (d_rem_q[k] == MAXP[k]);
        end
    end
    wire          d_ge1    = |d_rem_q;
    wire          d_ge5    = (|d_rem_q[AW-1:3]) || (d_rem_q[2] && (|d_rem_q[1:0]));
    // registered every cycle (d_rem_q holds the length from D_CHK on: these are valid in D_CHK2)
    reg           d_gt_max_q, d_ge1_q, d_ge5_q;
    always @(posedge clk) begin
        d_gt_max_q <= d_gt_max;
        d_ge1_q    <= d_ge1;
        d_ge5_q    <= d_ge5;
    end
    wire          d_len_ok = !d_big_q && ((d_kind_q == K_NOPAY) ? !d_ge1_q :
                             (!d_gt_max_q && ((d_kind_q == K_LOAD) ? d_ge5_q : d_ge1_q)));

    assign wr_ptr_o = wr_ptr_q;
    assign errors_o = errors_q;
    // A byte the UART has just completed (rx_valid_i / rx_frame_err_i) is in flight until the
    // decoder registers it (rxv_q) and acts on it: a lone sync byte must keep the clock running,
    // so that the inter-byte timeout can drop the frame it opened.
    assign idle_o   = !rx_valid_i && !rx_frame_err_i && !rxv1_q && !rxf_q && !rxv_q && !d_wr_q && s_hunt;

    crc16 u_crc16 (.crc_i(d_crc_q), .data_i(rxd_q), .crc_o(d_crc_next));

    // ---- the byte a cycle after it came, the ring's fullness, the timeout, the error counter ----
    always @(posedge clk) begin
        rxd_q    <= rx_data_i;
        rxv1_q   <= rx_valid_i;
        rxf_q    <= rx_frame_err_i;
        rxv_q    <= rxv1_q;
        rxsync_q <= (rxd_q == SYNC_REQ);
        full_q   <= ring_full;
        up_tk_q  <= uptime_i[TK-1];
        if (rxv_q || s_hunt) d_tmo_q <= 5'd0;
        else if (tmo_tick)   d_tmo_q <= d_tmo_q + 5'd1;
        d_tmo_hit_q <= (d_tmo_q == TMO_END) && !rxv_q && !s_hunt;
        d_one_q     <= (d_rem_q == LEN_ONE);
        if (err_inc || rxf_q) errors_q <= errors_q + 8'd1;
        if (errors_clear_i) errors_q <= 8'd0;
        if (rst) begin
            rxv1_q      <= 1'b0;
            rxf_q       <= 1'b0;
            rxv_q       <= 1'b0;
            rxsync_q    <= 1'b0;
            full_q      <= 1'b0;
            up_tk_q     <= 1'b0;
            d_tmo_q     <= 5'd0;
            d_tmo_hit_q <= 1'b0;
            errors_q    <= 8'd0;
        end
    end

    // ---- the ring's write port: the arriving bytes, or a record's status when a frame ends ------
    always @* begin
        ring_we_o    = d_wr_q;
        ring_waddr_o = wr_tmp_q[AW-1:0];
        ring_wdata_o = {d_wlast_q, rxd_q};
        if (s_end) begin
            ring_we_o    = d_rec_q;
            ring_waddr_o = wr_ptr_q[AW-1:0];
            ring_wdata_o = {4'd0, d_st_q};
        end
    end

    // ---- next state: a byte moves the header on; the checks, the commit and the timeout come
    // in the cycles without one --------------------------------------------------------------------
    always @* begin
        d_state_d = d_state_q;
        if (rxv_q) begin                                        // the byte, a cycle after it came
            case (d_state_q)
                D_HUNT:  if (rxsync_q) d_state_d = D_HDR;
                D_HDR:   if (d_hc_q == 2'd3) d_state_d = D_CHK;
                D_PAY:   if (d_one_q) d_state_d = D_CRC;
                D_CRC:   if (d_hc_q[0]) d_state_d = D_END;
                default: ;                                      // D_CHK*, D_END: no byte comes
            endcase
        end else if (s_chk) begin                               // the header, one cycle later
            d_state_d = D_CHK2;
        end else if (s_chk2) begin                              // the length's compares, two
            d_state_d = D_CHK3;
        end else if (s_chk3) begin                              // ... and its checks, three
            if (d_kind_q == K_UNKNOWN || !d_lok_q) d_state_d = D_END;   // answer at once
            else d_state_d = d_zero_q ? D_CRC : D_PAY;
        end else if (s_end) begin
            d_state_d = D_HUNT;
        end else if (d_tmo_hit_q && !s_hunt) begin
            d_state_d = D_END;                                  // the frame stalled
        end
    end

    // ---- state and ring pointers: a record is committed (status OK), cut to its header (an
    // error to answer), or dropped (its header did not fit) -----------------------------------------
    always @(posedge clk) begin
        d_state_q <= d_state_d;
        if (!s_hdr && !s_crc) d_hc_q <= 2'd0;
        else if (rxv_q)       d_hc_q <= d_hc_q + 2'd1;
        wr_p5_q   <= wr_ptr_q + REC_SIZE;
        d_wr_q    <= d_write;
        d_wlast_q <= s_pay && d_one_q;
        if (d_wr_q) wr_tmp_q <= wr_tmp_q + 1'b1;
        if (rxv_q && d_store && (d_ovf_q || full_q)) d_ovf_q <= 1'b1;
        if (d_open) d_ovf_q <= full_q;
        if (d_commit) begin
            if (d_rec_q) begin
                wr_ptr_q <= (d_st_q == ST_OK) ? wr_tmp_q : wr_p5_q;
                wr_tmp_q <= (d_st_q == ST_OK) ? wr_tmp_q : wr_p5_q;
            end else begin
                wr_tmp_q <= wr_ptr_q;
            end
            d_ovf_q <= 1'b0;
        end
        if (rst) begin
            d_state_q <= D_HUNT;
            d_hc_q    <= 2'd0;
            d_wr_q    <= 1'b0;
            d_ovf_q   <= 1'b0;
            wr_ptr_q  <= {(AW + 1){1'b0}};
            wr_tmp_q  <= {(AW + 1){1'b0}};
        end
    end

    // ---- the header fields and the CRC, byte by byte -----------------------------------------------
    always @(posedge clk) begin
        if (d_open) begin
            d_crc_q <= 16'hFFFF;
            d_rec_q <= 1'b0;
        end
        if (rxv_q && d_frame) d_crc_q <= d_crc_next;
        if (rxv_q && s_hdr) begin
            case (d_hc_q)
                2'd0: begin
                    case (rxd_q)
                        CMD_INFO, CMD_STATUS, CMD_RESET, CMD_VERIFY: d_kind_q <= K_NOPAY;
                        CMD_LOAD:                 d_kind_q <= K_LOAD;
                        CMD_INFER, CMD_INFER_RLE: d_kind_q <= K_INFER;
                        default:                  d_kind_q <= K_UNKNOWN;
                    endcase
                end
                2'd1: ;                                         // seq: only into the CRC
                2'd2: d_rem_q[7:0] <= rxd_q;
                default: begin
                    d_rem_q[AW-1:8] <= rxd_q[AW-9:0];
                    d_big_q <= |rxd_q[7:AW-8];
                    d_rec_q <= d_write;
                end
            endcase
        end
        if (rxv_q && s_pay) d_rem_q <= d_rem_q - 1'b1;
        if (rxv_q && s_crc && !d_hc_q[0]) d_match_q <= (rxd_q == d_crc_q[7:0]);
        if (rst) begin
            d_kind_q  <= K_UNKNOWN;
            d_rem_q   <= {AW{1'b0}};
            d_big_q   <= 1'b0;
            d_crc_q   <= 16'hFFFF;
            d_match_q <= 1'b0;
            d_rec_q   <= 1'b0;
        end
    end

    // ---- the verdict: the record's status -----------------------------------------------------------
    always @(posedge clk) begin
        if (rxv_q) begin
            if (s_crc && d_hc_q[0])
                d_st_q <= d_ovf_q ? ST_OVERFLOW :
                          (d_match_q && rxd_q == d_crc_q[15:8]) ? ST_OK : ST_FRAME_CRC;
        end else if (s_chk2) begin
            d_lok_q  <= d_len_ok;
            d_zero_q <= !d_ge1_q;
        end else if (s_chk3) begin
            if (d_kind_q == K_UNKNOWN)  d_st_q <= ST_UNKNOWN;    // answered at once, resynchronise
            else if (!d_lok_q)          d_st_q <= ST_LENGTH;
        end else if (!s_hunt && !s_end && d_tmo_hit_q) begin
            d_st_q <= ST_TIMEOUT;                               // the frame stalled
        end
        if (rst) begin
            d_lok_q <= 1'b0;
            d_st_q  <= ST_OK;
        end
    end

endmodule

`resetall
