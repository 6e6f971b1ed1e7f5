// argmax — running argmax over values that arrive one a cycle in index order: a later value wins
// only if strictly greater, so ties go to the lowest index (docs/arithmetic.md). clear_i starts a
// new set by setting the best value to the most negative one, which every real value beats (the
// accelerator's sums are > -2^(VAL_W-1)), so the first value of a set needs no special case.
// A value is registered as it arrives; the cycle after, one register bit decides whether it beats
// the best before it, and the best is updated the cycle after that. The decision for a value
// cannot wait for the previous value's update, so it is made against both candidates at once (the
// previous value and the best before that) and picked by the previous decision: no compare feeds
// an enable, and the loop is compare -> one LUT -> the decision bit. idx_o includes a value three
// cycles after valid_i (accel_core reads CLASS at finish, five cycles after the last logit).
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
    output wire [IDX_W-1:0] idx_o     // index of the largest value since clear_i, three cycles after it
);
    // the value is registered first (val_i comes from the requantizer's adder and fans out there)
    reg             v_q;
    reg [IDX_W-1:0] i_q;
    reg [VAL_W-1:0] x_q;
    always @(posedge clk) begin
        v_q <= valid_i && !clear_i && !rst;
        i_q <= idx_i;
        x_q <= val_i;
    end
    // best (val_q, idx_q): of every value before the one held in x1_q/i1_q; c_q: x1 beats it
    reg             c_q;
    reg [IDX_W-1:0] i1_q, idx_q;
    reg [VAL_W-1:0] x1_q, val_q;
    wire gt_prev = $signed(x_q) > $signed(x1_q);
    wire gt_best = $signed(x_q) > $signed(val_q);
    always @(posedge clk) begin
        c_q  <= v_q && (c_q ? gt_prev : gt_best);  // the best before x_q is x1 if c_q, else val_q
        x1_q <= x_q;
        i1_q <= i_q;
        if (c_q) begin
            idx_q <= i1_q;
            val_q <= x1_q;
        end
        if (rst || clear_i) begin
            c_q   <= 1'b0;
            idx_q <= {IDX_W{1'b0}};
            val_q <= {1'b1, {(VAL_W - 1){1'b0}}};
        end
    end
    assign idx_o = idx_q;
endmodule

`resetall
