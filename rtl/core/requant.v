// requant — the per-neuron tail of a layer (docs/arithmetic.md), one neuron a cycle, pipelined:
//   sum = acc + bias; last layer: logit = sum; hidden layers:
//   a' = clamp(((max(sum, 0) * M) + 2^(S-1)) >> S, 0, 255)   (round half up, ReLU, saturate)
// Negative sums are zeroed before the multiply (M >= 0, S >= 1 give 0 either way), so the one
// multiplier is unsigned (ACC_W-1) x 16 bits; the rounding shift is done as q = p >> (S-1),
// a' = (q + 1) >> 1, which equals (p + 2^(S-1)) >> S, in two steps (by 8*floor((S-1)/8), then by
// (S-1) mod 8) so that no stage is more than a few LUTs deep.
//
//   cycle 0: valid_i, acc_i, tag_i, logit_i       (param memory address presented by the caller)
//   cycle 1: bias_i, m_i, s_i (param memory data)  sum = acc + bias
//   cycle 2: p = max(sum, 0) * M
//   cycle 3: pc = p >> (8 * ((S - 1) >> 3))
//   cycle 4: q = pc >> ((S - 1) & 7)
//   cycle 5: valid_o, act_o = sat((q + 1) >> 1), tag_o, logit_o = 0    (hidden layers)
// A logit leaves at cycle 2 instead (valid_o, logit_o = 1, sum_o, tag_o): it needs no multiply, and
// its sum does not travel through the stages that follow. The caller never has a logit and a
// hidden neuron in the pipeline at once (seq empties it between layers), so the two exits never
// meet; a logit's valid bit still travels to cycle 5, so busy_o is the same for both.
//
// Parameters:
//   ACC_W  accumulator / sum bits
//   TAG_W  bits of the tag that travels with each neuron (index, layer, buffer: opaque here)
`default_nettype none

module requant #(
    parameter integer ACC_W = 24,
    parameter integer TAG_W = 16
) (
    input  wire             clk,
    input  wire             rst,
    input  wire             valid_i,
    input  wire             logit_i,  // last layer: no requantization
    input  wire [TAG_W-1:0] tag_i,
    input  wire [ACC_W-1:0] acc_i,
    input  wire [23:0]      bias_i,   // one cycle after valid_i
    input  wire [15:0]      m_i,      // one cycle after valid_i
    input  wire [5:0]       s_i,      // one cycle after valid_i; 1..40 on hidden layers
    output wire             valid_o,
    output wire             logit_o,
    output wire [TAG_W-1:0] tag_o,
    output wire [7:0]       act_o,    // hidden layers: a'
    output wire [ACC_W-1:0] sum_o,    // acc + bias: the logit (valid with valid_o && logit_o)
    output wire             busy_o    // a neuron is in the pipeline
);
    localparam integer PW = ACC_W - 1 + 16;  // product bits

    initial begin
        if (ACC_W < 24 || TAG_W < 1) begin
            $display("requant: ACC_W = %0d, TAG_W = %0d: need ACC_W >= 24 (bias), TAG_W >= 1", ACC_W, TAG_W);
            $finish;
        end
    end

    reg [4:0] valid_q;  // valid_q[k]: a neuron in stage k+1
    always @(posedge clk) begin
        if (rst) valid_q <= 5'd0;
        else     valid_q <= {valid_q[3:0], valid_i};
    end

    // ---- stage 1: bias -------------------------------------------------------------------------
    reg [ACC_W-1:0] acc_q1;
    reg [TAG_W-1:0] tag_q1;
    reg             logit_q1;
    // each stage's data registers load only with a neuron (valid): they hold still otherwise
    always @(posedge clk) if (valid_i) begin
        acc_q1   <= acc_i;
        tag_q1   <= tag_i;
        logit_q1 <= logit_i;
    end
    wire [ACC_W-1:0] bias_x = {{(ACC_W - 24){bias_i[23]}}, bias_i};

    // ---- stage 2: ReLU and the multiply --------------------------------------------------------
    reg [ACC_W-1:0] sum_q2;
    reg [15:0]      m_q2;
    reg [5:0]       s_q2;
    reg [TAG_W-1:0] tag_q2;
    reg             logit_q2;
    always @(posedge clk) if (valid_q[0]) begin
        sum_q2   <= acc_q1 + bias_x;
        m_q2     <= m_i;
        s_q2     <= s_i;
        tag_q2   <= tag_q1;
        logit_q2 <= logit_q1;
    end
    wire [ACC_W-2:0] pos = sum_q2[ACC_W-1] ? {(ACC_W-1){1'b0}} : sum_q2[ACC_W-2:0];

    // ---- stage 3: the coarse half of the shift by S-1 -------------------------------------------
    reg [PW-1:0]    p_q3;
    reg [5:0]       s_q3;
    reg [TAG_W-1:0] tag_q3;
    reg             logit_q3;
    always @(posedge clk) if (valid_q[1]) begin
        p_q3     <= pos * m_q2;
        s_q3     <= s_q2;
        tag_q3   <= tag_q2;
        logit_q3 <= logit_q2;
    end
    wire [5:0]    sm1 = s_q3 - 6'd1;                   // 0..39 on hidden layers
    wire [PW-1:0] pc  = p_q3 >> {sm1[5:3], 3'd0};      // the coarse half of the shift

    // ---- stage 4: the fine half of the shift -----------------------------------------------------
    reg [PW-1:0]    pc_q4;
    reg [2:0]       sf_q4;
    reg [TAG_W-1:0] tag_q4;
    reg             logit_q4;
    always @(posedge clk) if (valid_q[2]) begin
        pc_q4    <= pc;
        sf_q4    <= sm1[2:0];
        tag_q4   <= tag_q3;
        logit_q4 <= logit_q3;
    end
    wire [PW-1:0] q = pc_q4 >> sf_q4;

    // ---- stage 5: round half up, saturate --------------------------------------------------------
    reg [9:0]       qlo_q5;  // q[9:0]
    reg             qhi_q5;  // q >= 1024
    reg [TAG_W-1:0] tag_q5;
    reg             logit_q5;
    always @(posedge clk) if (valid_q[3]) begin
        qlo_q5   <= q[9:0];
        qhi_q5   <= |q[PW-1:10];
        tag_q5   <= tag_q4;
        logit_q5 <= logit_q4;
    end
    wire [10:0] r = ({1'b0, qlo_q5} + 11'd1) >> 1;  // 0..512

    wire logit_out = valid_q[1] && logit_q2;   // a logit at cycle 2
    assign valid_o = logit_out || (valid_q[4] && !logit_q5);
    assign logit_o = logit_out;
    assign tag_o   = logit_out ? tag_q2 : tag_q5;
    assign act_o   = (qhi_q5 || r[10:8] != 3'd0) ? 8'd255 : r[7:0];
    assign sum_o   = sum_q2;
    assign busy_o  = |valid_q;
endmodule

`resetall
