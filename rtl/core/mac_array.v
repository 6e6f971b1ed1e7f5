// mac_array — LANES mac_lanes fed by one activation byte and one 2*LANES-bit weight word a cycle.
// 3a = (a << 1) + a is formed once and shared with a by every lane (each lane picks +-a or +-3a).
// The activation byte is registered as it leaves the activation buffer (its bank multiplexer
// ends at a register), 3a is formed from that register a cycle later. The weight word comes two
// cycles after the activation (wmem's read latency of three, started with the activation
// buffer's read), straight into the lanes, which register the operand it selects and add it a
// cycle later. The cycle after a group's last input is accumulated, all sums move into the
// shadow chain at once (loaded_o) while the accumulators are cleared, then shift_i moves the
// chain one lane towards lane 0 (shd0_o) per cycle while the lanes accumulate the next group. The
// sequencer leaves one cycle free between groups for that clear.
//
//   cycle B: act_i, valid_i / last_i (activation buffer output) -> x_q and the tags
//   cycle C: 3a from x_q                                         -> a_q, a3_q
//   cycle D: word_i (weight memory output); every lane forms +-a / +-3a -> opnd_q
//   cycle E: every lane acc += opnd_q -> acc_q, load_q = last
//   cycle F: load_q: shadow <= acc, acc <= 0 (loaded_o)         -> shd0_o = lane 0's sum from F+1
//
`default_nettype none

module mac_array #(
    parameter integer LANES = 32,
    parameter integer ACC_W = 24
) (
    input  wire               clk,
    input  wire               rst,
    input  wire               clear_i,  // hold the accumulators at 0 (between inferences)
    input  wire               valid_i,  // act_i carries one input of the current group (cycle B)
    input  wire               last_i,   // ... its last input
    input  wire [7:0]         act_i,    // a, broadcast to every lane
    input  wire [2*LANES-1:0] word_i,   // two cycles later (cycle D): lane l's code in bits [2l+1:2l]
    input  wire               shift_i,  // drain: shadow chain one lane towards lane 0
    output wire               loaded_o, // the shadow chain takes the finished sums this cycle
    output wire [ACC_W-1:0]   shd0_o    // lane 0's shadow register
);
    // ---- the activation byte (B -> C), shared a and 3a (C -> D); the tags follow to E and F --------
    reg  [7:0]          x_q;
    reg                 xv_q, xl_q;         // cycle C: x_q holds an input (its last)
    wire [9:0]          a1 = {2'd0, x_q};
    wire [9:0]          a3 = (a1 << 1) + a1;  // 3a as shift-and-add, once for all lanes
    reg  [9:0]          a_q, a3_q;
    reg                 valid_q, last_q, valid_q2, last_q2, load_q;
    always @(posedge clk) begin
        if (valid_i) x_q <= act_i;
        if (xv_q) begin
            a_q  <= a1;
            a3_q <= a3;
        end
        if (rst) begin
            xv_q     <= 1'b0;
            xl_q     <= 1'b0;
            valid_q  <= 1'b0;
            last_q   <= 1'b0;
            valid_q2 <= 1'b0;
            last_q2  <= 1'b0;
            load_q   <= 1'b0;
        end else begin
            xv_q     <= valid_i;           // cycle C
            xl_q     <= valid_i && last_i;
            valid_q  <= xv_q;              // cycle D
            last_q   <= xl_q;
            valid_q2 <= valid_q;           // cycle E
            last_q2  <= last_q;
            load_q   <= valid_q2 && last_q2;  // cycle F
        end
    end

    // ---- lanes -------------------------------------------------------------------------------
    wire [(LANES+1)*ACC_W-1:0] chain;  // chain[l] = shadow of lane l; chain[LANES] = 0
    assign chain[LANES*ACC_W +: ACC_W] = {ACC_W{1'b0}};
    genvar l;
    generate
        for (l = 0; l < LANES; l = l + 1) begin : g_lane
            mac_lane #(.ACC_W(ACC_W)) u_lane (
                .clk    (clk),
                .clr_i  (load_q || clear_i),
                .en_i   (valid_q2),
                .code_i (word_i[2*l +: 2]),
                .a_i    (a_q),
                .a3_i   (a3_q),
                .load_i (load_q),
                .shift_i(shift_i),
                .shd_i  (chain[(l+1)*ACC_W +: ACC_W]),
                .shd_o  (chain[l*ACC_W +: ACC_W])
            );
        end
    endgenerate
    assign loaded_o = load_q;
    assign shd0_o   = chain[0 +: ACC_W];
endmodule

`resetall
