// argmax — the index of the largest of n values held in a memory (the logits), found by a scan
// once the last one is written: a later value wins only if strictly greater, so ties go to the
// lowest index (docs/arithmetic.md). One value every two cycles, with one compare and one register
// of a value: the memory's read port belongs to the scan while busy_o (accel_core multiplexes it
// with the register reads, which are not defined for LOGIT while the core is busy).
//
//   cycle 0        start_i: values 0..last_i are in the memory from cycle 1 on; raddr_o = 0 (the
//                  pointer rests at 0 between scans)                    -> busy_o from cycle 0
//   cycle 2k, 2k+1 raddr_o = k
//   cycle 2k+R     rdata_i = value k, for two cycles (R = RD_LAT: 1 behind the memory, 2 behind a
//                  register of its output): compared with the best so far, half by half
//   cycle 2k+1+R   value k's update (best, its index) if it won
//   cycle 2n-1+R   the update of the last value; busy_o low and idx_o final from cycle 2n+R on
//
// The compare is split into its upper half (signed: greater, equal) and its lower half (unsigned:
// greater), each registered (carry chains of VAL_W/2 bits); a cycle later one LUT combines them
// into the enable of the best value's register, which is loaded from the compared value again (it
// holds for two cycles). The first value always wins (the best starts at the most negative value,
// below every real one: the accelerator's sums are > -2^(VAL_W-1)).
//
// Parameters:
//   VAL_W   bits of a value (signed, two's complement), even, >= 4
//   IDX_W   bits of an index (n <= 2^IDX_W)
//   RD_LAT  cycles from raddr_o to rdata_i: 1 (the memory's output), or 2 (a register behind it:
//           an ECP5 block RAM's output is slow, 5.6 ns clock-to-out on the -6 speed grade); the
//           scan takes RD_LAT - 1 cycles more
`default_nettype none

module argmax #(
    parameter integer VAL_W = 24,
    parameter integer IDX_W = 8,
    parameter integer RD_LAT = 1
) (
    input  wire             clk,
    input  wire             rst,
    input  wire             start_i,  // the values 0..last_i are in the memory from the next cycle on
    input  wire [IDX_W-1:0] last_i,   // (held while busy_o)
    output wire [IDX_W-1:0] raddr_o,  // the memory's read address while busy_o
    input  wire [VAL_W-1:0] rdata_i,  // mem[raddr_o] of RD_LAT cycles before
    output wire             busy_o,
    output wire [IDX_W-1:0] idx_o     // the index of the largest value, from the cycle busy_o falls
);
    initial begin
        if (VAL_W < 4 || VAL_W % 2 != 0 || IDX_W < 1 || (RD_LAT != 1 && RD_LAT != 2)) begin
            $display("argmax: VAL_W = %0d, IDX_W = %0d, RD_LAT = %0d: need an even number >= 4, >= 1, 1 or 2",
                     VAL_W, IDX_W, RD_LAT);
            $finish;
        end
    end

    localparam integer H = VAL_W / 2;  // the lower half's bits

    reg             on_q;    // reading the memory
    reg             cmp_q;   // the memory's output is value ptr_q this cycle (else the address moves)
    reg             upd_q;   // a value was compared last cycle (its index cidx_q)
    reg             end_q;   // the last value was read last cycle
    reg             tail_q;  // (RD_LAT 2) ... two cycles ago: its compare is this cycle
    reg             hg_q, he_q, lg_q;  // ... its upper half greater / equal, its lower half greater
    reg [IDX_W-1:0] ptr_q, cidx_q, bidx_q;
    reg [VAL_W-1:0] best_q;
    wire            dcmp;    // rdata_i is the value cidx_q this cycle: compare it
    generate
        if (RD_LAT == 2) begin : g_lat2
            reg c_q;
            always @(posedge clk) c_q <= on_q && cmp_q && !rst;
            assign dcmp = c_q;
        end else begin : g_lat1
            assign dcmp = on_q && cmp_q;
        end
    endgenerate
    wire            gt = upd_q && (hg_q || (he_q && lg_q));  // it is greater than the best so far
    always @(posedge clk) begin
        hg_q  <= $signed(rdata_i[VAL_W-1:H]) > $signed(best_q[VAL_W-1:H]);
        he_q  <= rdata_i[VAL_W-1:H] == best_q[VAL_W-1:H];
        lg_q  <= rdata_i[H-1:0] > best_q[H-1:0];
        upd_q <= dcmp;
        if (cmp_q) cidx_q <= ptr_q;
        if (gt) begin
            best_q <= rdata_i;
            bidx_q <= cidx_q;
        end
        if (start_i) best_q <= {1'b1, {(VAL_W - 1){1'b0}}};
        if (rst || end_q) ptr_q <= {IDX_W{1'b0}};
        else if (cmp_q)   ptr_q <= ptr_q + 1'b1;
        end_q  <= on_q && cmp_q && ptr_q == last_i;
        tail_q <= RD_LAT == 2 && end_q;
        cmp_q  <= (start_i || on_q) && !cmp_q && !end_q;
        if (rst)          on_q <= 1'b0;
        else if (start_i) on_q <= 1'b1;
        else if (end_q)   on_q <= 1'b0;
        if (rst) begin
            cmp_q  <= 1'b0;
            end_q  <= 1'b0;
            tail_q <= 1'b0;
            upd_q  <= 1'b0;
        end
    end
    assign raddr_o = ptr_q;
    assign busy_o  = on_q || start_i || tail_q;
    assign idx_o   = bidx_q;
endmodule

`resetall
