// argmax — running argmax over values that arrive one a cycle in index order: a later value wins
// only if strictly greater, so ties go to the lowest index (docs/arithmetic.md). clear_i starts a
// new set by setting the best value to the most negative one, which every real value beats (the
// accelerator's sums are > -2^(VAL_W-1)), so the first value of a set needs no special case.
// A value is registered as it arrives and compared the cycle after: idx_o includes it two cycles
// after valid_i (accel_core reads CLASS at finish, several cycles after the last logit).
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
    output wire [IDX_W-1:0] idx_o     // index of the largest value since clear_i, two cycles after it
);
    // the value is registered first (val_i comes from the requantizer's adder and fans out there),
    // then compared in one carry chain: the one-cycle loop is val_q -> compare -> enable
    reg             v_q;
    reg [IDX_W-1:0] i_q;
    reg [VAL_W-1:0] x_q;
    always @(posedge clk) begin
        v_q <= valid_i && !clear_i && !rst;
        i_q <= idx_i;
        x_q <= val_i;
    end
    reg [IDX_W-1:0] idx_q;
    reg [VAL_W-1:0] val_q;
    wire gt = $signed(x_q) > $signed(val_q);
    always @(posedge clk) begin
        if (rst || clear_i) begin
            idx_q <= {IDX_W{1'b0}};
            val_q <= {1'b1, {(VAL_W - 1){1'b0}}};
        end else if (v_q && gt) begin
            idx_q <= i_q;
            val_q <= x_q;
        end
    end
    assign idx_o = idx_q;
endmodule

`resetall
