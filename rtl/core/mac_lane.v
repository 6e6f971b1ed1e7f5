// mac_lane — one output-stationary MAC lane: acc += c*a for its neuron, c = 2k-3 from its 2-bit
// code k, with no multiplier: the shared a and 3a (formed once in mac_array) are selected by the
// magnitude bit and negated by the sign bit as two's complement, -m = ~m + 1, with the +1 as the
// adder's carry-in. Plus the lane's stage of the shadow chain that drains finished sums.
// Two stages: the cycle the code arrives (straight from the weight memory) its operand is formed
// and registered (one LUT per bit, packed with its flip-flop); the next cycle en_i adds it. So the
// memory's output meets one LUT level before a register, and the carry chain starts at a register.
//
//   k  c    magnitude  sign      operand added
//   0  -3   3a         -         ~3a + 1
//   1  -1   a          -         ~a + 1
//   2  +1   a          +         a
//   3  +3   3a         +         3a
//
// Parameters:
//   ACC_W  accumulator bits (two's complement; accel_core sizes it so that sums cannot overflow)
`default_nettype none

module mac_lane #(
    parameter integer ACC_W = 24
) (
    input  wire             clk,
    input  wire             clr_i,    // acc <= 0 (wins over en_i)
    input  wire             en_i,     // acc += the operand registered in the cycle before
    input  wire [1:0]       code_i,   // k (its operand is added in the next cycle)
    input  wire [9:0]       a_i,      // a (0..255)
    input  wire [9:0]       a3_i,     // 3a (0..765)
    input  wire             load_i,   // shadow <= acc (the finished sum of the group)
    input  wire             shift_i,  // shadow <= shd_i (the next lane's shadow)
    input  wire [ACC_W-1:0] shd_i,
    output wire [ACC_W-1:0] shd_o
);
    initial begin
        if (ACC_W < 12) begin
            $display("mac_lane: ACC_W = %0d, need >= 12 (765 and its negation)", ACC_W);
            $finish;
        end
    end

    // and-or rather than ?: so that the Verilator model has no data-dependent branch (same logic)
    wire             neg  = !code_i[1];
    wire             sel3 = code_i[1] == code_i[0];
    wire [9:0]       mag  = ({10{sel3}} & a3_i) | ({10{!sel3}} & a_i);
    reg  [10:0]      opnd_q;  // {neg, mag or ~mag}: the operand without the +1, as 11-bit signed
    always @(posedge clk) opnd_q <= {neg, mag ^ {10{neg}}};
    wire             neg_q = opnd_q[10];
    wire [ACC_W-1:0] opnd  = {{(ACC_W - 11){neg_q}}, opnd_q};

    reg [ACC_W-1:0] acc_q;  // cleared between groups (clr_i), no reset of its own
    reg [ACC_W-1:0] shd_q;
    always @(posedge clk) begin
        if (clr_i)     acc_q <= {ACC_W{1'b0}};
        else if (en_i) acc_q <= acc_q + opnd + {{(ACC_W - 1){1'b0}}, neg_q};
    end
    always @(posedge clk) begin
        if (load_i)       shd_q <= acc_q;
        else if (shift_i) shd_q <= shd_i;
    end
    assign shd_o = shd_q;
endmodule

`resetall
