// argmax — running argmax over values that arrive one a cycle in index order: a later value wins
// only if strictly greater, so ties go to the lowest index (docs/arithmetic.md).
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
    input  wire             valid_i,
    input  wire             first_i,  // with valid_i: the first value of a new set
    input  wire [IDX_W-1:0] idx_i,
    input  wire [VAL_W-1:0] val_i,
    output wire [IDX_W-1:0] idx_o     // index of the largest value so far
);
    reg [IDX_W-1:0] idx_q;
    reg [VAL_W-1:0] val_q;
    always @(posedge clk) begin
        if (rst) begin
            idx_q <= {IDX_W{1'b0}};
            val_q <= {VAL_W{1'b0}};
        end else if (valid_i && (first_i || $signed(val_i) > $signed(val_q))) begin
            idx_q <= idx_i;
            val_q <= val_i;
        end
    end
    assign idx_o = idx_q;
endmodule

`resetall
