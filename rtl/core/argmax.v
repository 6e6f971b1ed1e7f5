// argmax — the index of the largest of n values held in a memory (the logits), found by a scan
// once the last one is written: a later value wins only if strictly greater, so ties go to the
// lowest index (docs/arithmetic.md). One value every two cycles, with one compare and one register
// of a value: the memory's read port belongs to the scan while busy_o (accel_core multiplexes it
// with the register reads, which are not defined for LOGIT while the core is busy).
//
//   cycle 0      start_i: values 0..last_i are in the memory from cycle 1 on; raddr_o = 0 (the
//                pointer rests at 0 between scans)                      -> busy_o from cycle 0
//   cycle 2k+1   rdata_i = value k (raddr_o still k): compared with the best so far, half by half
//   cycle 2k+2   value k's update (best, its index) if it won; raddr_o = k + 1
//   cycle 2n     the update of the last value; busy_o low and idx_o final from cycle 2n+1 on
//
// The compare starts at the memory's output register and is split into its upper half (signed:
// greater, equal) and its lower half (unsigned: greater), each registered (carry chains of VAL_W/2
// bits); a cycle later one LUT combines them into the enable of the best value's register, which
// is loaded from the memory's output again (it holds: the address did not move). The first value
// always wins (the best starts at the most negative value, below every real one: the
// accelerator's sums are > -2^(VAL_W-1)).
//
// Parameters:
//   VAL_W  bits of a value (signed, two's complement), even, >= 4
//   IDX_W  bits of an index (n <= 2^IDX_W)
`default_nettype none

module argmax #(
    parameter integer VAL_W = 24,
    parameter integer IDX_W = 8
) (
    input  wire             clk,
    input  wire             rst,
    input  wire             start_i,  // the values 0..last_i are in the memory from the next cycle on
    input  wire [IDX_W-1:0] last_i,   // (held while busy_o)
    output wire [IDX_W-1:0] raddr_o,  // the memory's read address while busy_o
    input  wire [VAL_W-1:0] rdata_i,  // mem[raddr_o] of the cycle before
    output wire             busy_o,
    output wire [IDX_W-1:0] idx_o     // the index of the largest value, from the cycle busy_o falls
);
    initial begin
        if (VAL_W < 4 || VAL_W % 2 != 0 || IDX_W < 1) begin
            $display("argmax: VAL_W = %0d, IDX_W = %0d: need an even number >= 4 and >= 1", VAL_W, IDX_W);
            $finish;
        end
    end

    localparam integer H = VAL_W / 2;  // the lower half's bits

    reg             on_q;    // scanning
    reg             cmp_q;   // this cycle compares value ptr_q (rdata_i shows it); else presents it
    reg             upd_q;   // a value was compared last cycle (its index cidx_q)
    reg             end_q;   // ... the last one
    reg             hg_q, he_q, lg_q;  // ... its upper half greater / equal, its lower half greater
    reg [IDX_W-1:0] ptr_q, cidx_q, bidx_q;
    reg [VAL_W-1:0] best_q;
    wire            gt = upd_q && (hg_q || (he_q && lg_q));  // it is greater than the best so far
    always @(posedge clk) begin
        hg_q  <= $signed(rdata_i[VAL_W-1:H]) > $signed(best_q[VAL_W-1:H]);
        he_q  <= rdata_i[VAL_W-1:H] == best_q[VAL_W-1:H];
        lg_q  <= rdata_i[H-1:0] > best_q[H-1:0];
        upd_q <= on_q && cmp_q;
        if (cmp_q) cidx_q <= ptr_q;
        if (gt) begin
            best_q <= rdata_i;
            bidx_q <= cidx_q;
        end
        if (start_i) best_q <= {1'b1, {(VAL_W - 1){1'b0}}};
        if (rst || end_q) ptr_q <= {IDX_W{1'b0}};
        else if (cmp_q)   ptr_q <= ptr_q + 1'b1;
        end_q <= on_q && cmp_q && ptr_q == last_i;
        cmp_q <= (start_i || on_q) && !cmp_q && !end_q;
        if (rst)          on_q <= 1'b0;
        else if (start_i) on_q <= 1'b1;
        else if (end_q)   on_q <= 1'b0;
        if (rst) begin
            cmp_q <= 1'b0;
            end_q <= 1'b0;
            upd_q <= 1'b0;
        end
    end
    assign raddr_o = ptr_q;
    assign busy_o  = on_q || start_i;
    assign idx_o   = bidx_q;
endmodule

`resetall
