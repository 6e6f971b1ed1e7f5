// argmax — running argmax over values that arrive one a cycle in index order: a later value wins
// only if strictly greater, so ties go to the lowest index (docs/arithmetic.md). clear_i starts a
// new set by setting the best value to the most negative one, which every real value beats (the
// accelerator's sums are > -2^(VAL_W-1)), so the first value of a set needs no special case.
//
// Parameters:
//   VAL_W  bits of a value (signed, two's complement)
//   IDX_W  bits of an index
`default_nettype none

module argmax #(
    parameter integer VAL_W = 24,
    parameter integer IDX_W = 8
) (
    input  wire             clk,
    input  wire             rst,
    input  wire             clear_i,  // start a new set (wins over valid_i)
    input  wire             valid_i,
    input  wire [IDX_W-1:0] idx_i,
    input  wire [VAL_W-1:0] val_i,    // > -2^(VAL_W-1)
    output wire [IDX_W-1:0] idx_o     // index of the largest value since clear_i
);
    localparam integer HW = VAL_W / 2;  // the compare in two halves: two short carry chains
    reg [IDX_W-1:0] idx_q;
    reg [VAL_W-1:0] val_q;
    wire hi_gt = $signed(val_i[VAL_W-1:HW]) > $signed(val_q[VAL_W-1:HW]);
    wire hi_eq = val_i[VAL_W-1:HW] == val_q[VAL_W-1:HW];
    wire lo_gt = val_i[HW-1:0] > val_q[HW-1:0];
    wire gt    = hi_gt || (hi_eq && lo_gt);  // signed val_i > val_q
    always @(posedge clk) begin
        if (rst || clear_i) begin
            idx_q <= {IDX_W{1'b0}};
            val_q <= {1'b1, {(VAL_W - 1){1'b0}}};
        end else if (valid_i && gt) begin
            idx_q <= idx_i;
            val_q <= val_i;
        end
    end
    assign idx_o = idx_q;
endmodule

`resetall
