// requant — the per-neuron tail of a layer (docs/arithmetic.md), one neuron a cycle, pipelined:
//   sum = acc + bias; last layer: logit = sum; hidden layers:
//   a' = clamp(((max(sum, 0) * M) + 2^(S-1)) >> S, 0, 255)   (round half up, ReLU, saturate)
// Negative sums are zeroed before the multiply (M >= 0, S >= 1 give 0 either way), so the multiply
// is unsigned (ACC_W-1) x 16 bits, done as two products of at most 16 x 16 bits (one DSP each:
// SB_MAC16 on the iCE40, MULT18X18D on the ECP5) with a register on each side of them and their
// sum a cycle later. The rounding shift is done as q = p >> (S-1), a' = (q + 1) >> 1, which equals
// (p + 2^(S-1)) >> S, in two steps (by 8*floor((S-1)/8), then by (S-1) mod 8) so that no stage is
// more than a few LUTs deep. The parameter memory's data (a block RAM's output, slow to leave it)
// is registered before the adder.
//
//   cycle 0: valid_i, acc_i, tag_i, logit_i       (param memory address presented by the caller)
//   cycle 1: bias_i, m_i, s_i (param memory data)  registered
//   cycle 2: sum = acc + bias
//   cycle 3: pos = max(sum, 0)
//   cycle 4: lo = pos[15:0] * M, hi = pos[ACC_W-2:16] * M   (the DSPs, registered both sides)
//   cycle 5: p = lo + (hi << 16)
//   cycle 6: pc = p >> (8 * ((S - 1) >> 3))
//   cycle 7: q = pc >> ((S - 1) & 7)
//   cycle 8: valid_o, act_o = sat((q + 1) >> 1), tag_o, logit_o = 0    (hidden layers)
// A logit leaves at cycle 3 instead (valid_o, logit_o = 1, sum_o, tag_o): it needs no multiply, and
// its sum does not travel through the stages that follow. The caller never has a logit and a
// hidden neuron in the pipeline at once (seq empties it between layers), so the two exits never
// meet; a logit's valid bit still travels to cycle 8, so busy_o is the same for both.
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
        if (ACC_W < 24 || ACC_W > 33 || TAG_W < 1) begin
            $display("requant: ACC_W = %0d, TAG_W = %0d: need 24 <= ACC_W (bias) <= 33 (a 16-bit high product), TAG_W >= 1",
                     ACC_W, TAG_W);
            $finish;
        end
    end

    localparam integer NST = 8;              // stages after cycle 0
    localparam integer HW  = ACC_W - 1 - 16; // bits of pos above the low product's 16

    reg [NST-1:0] valid_q;  // valid_q[k]: a neuron in stage k+1
    always @(posedge clk) begin
        if (rst) valid_q <= {NST{1'b0}};
        else     valid_q <= {valid_q[NST-2:0], valid_i};
    end

    // ---- stage 1: the neuron -----------------------------------------------------------------------
    reg [ACC_W-1:0] acc_q1;
    reg [TAG_W-1:0] tag_q1;
    reg             logit_q1;
    // each stage's data registers load only with a neuron (valid): they hold still otherwise
    always @(posedge clk) if (valid_i) begin
        acc_q1   <= acc_i;
        tag_q1   <= tag_i;
        logit_q1 <= logit_i;
    end

    // ---- stage 2: its parameters -------------------------------------------------------------------
    reg [ACC_W-1:0] acc_q2, bias_q2;
    reg [15:0]      m_q2;
    reg [5:0]       s_q2;
    reg [TAG_W-1:0] tag_q2;
    reg             logit_q2;
    always @(posedge clk) if (valid_q[0]) begin
        acc_q2   <= acc_q1;
        bias_q2  <= {{(ACC_W - 24){bias_i[23]}}, bias_i};
        m_q2     <= m_i;
        s_q2     <= s_i;
        tag_q2   <= tag_q1;
        logit_q2 <= logit_q1;
    end

    // ---- stage 3: the sum ------------------------------------------------------------------------
    reg [ACC_W-1:0] sum_q3;
    reg [15:0]      m_q3;
    reg [5:0]       s_q3;
    reg [TAG_W-1:0] tag_q3;
    reg             logit_q3;
    always @(posedge clk) if (valid_q[1]) begin
        sum_q3   <= acc_q2 + bias_q2;
        m_q3     <= m_q2;
        s_q3     <= s_q2;
        tag_q3   <= tag_q2;
        logit_q3 <= logit_q2;
    end

    // ---- stage 4: ReLU ---------------------------------------------------------------------------
    reg [ACC_W-2:0] pos_q4;
    reg [15:0]      m_q4;
    reg [5:0]       s_q4;
    reg [TAG_W-1:0] tag_q4;
    always @(posedge clk) if (valid_q[2]) begin
        pos_q4 <= sum_q3[ACC_W-1] ? {(ACC_W-1){1'b0}} : sum_q3[ACC_W-2:0];
        m_q4   <= m_q3;
        s_q4   <= s_q3;
        tag_q4 <= tag_q3;
    end

    // ---- stage 5: the two products -----------------------------------------------------------------
    reg [31:0]      lo_q5;
    reg [HW+15:0]   hi_q5;
    reg [5:0]       s_q5;
    reg [TAG_W-1:0] tag_q5;
    always @(posedge clk) if (valid_q[3]) begin
        lo_q5  <= pos_q4[15:0] * m_q4;
        hi_q5  <= pos_q4[ACC_W-2:16] * m_q4;
        s_q5   <= s_q4;
        tag_q5 <= tag_q4;
    end

    // ---- stage 6: their sum ------------------------------------------------------------------------
    reg [PW-1:0]    p_q6;
    reg [5:0]       s_q6;
    reg [TAG_W-1:0] tag_q6;
    always @(posedge clk) if (valid_q[4]) begin
        p_q6   <= {{{(PW - 32){1'b0}}, lo_q5[31:16]} + hi_q5, lo_q5[15:0]};  // hi: PW-16 bits
        s_q6   <= s_q5;
        tag_q6 <= tag_q5;
    end
    wire [5:0]    sm1 = s_q6 - 6'd1;                   // 0..39 on hidden layers
    wire [PW-1:0] pc  = p_q6 >> {sm1[5:3], 3'd0};      // the coarse half of the shift

    // ---- stage 7: the fine half of the shift -------------------------------------------------------
    reg [PW-1:0]    pc_q7;
    reg [2:0]       sf_q7;
    reg [TAG_W-1:0] tag_q7;
    always @(posedge clk) if (valid_q[5]) begin
        pc_q7  <= pc;
        sf_q7  <= sm1[2:0];
        tag_q7 <= tag_q6;
    end
    wire [PW-1:0] q = pc_q7 >> sf_q7;

    // ---- stage 8: round half up, saturate ----------------------------------------------------------
    reg [9:0]       qlo_q8;  // q[9:0]
    reg             qhi_q8;  // q >= 1024
    reg [TAG_W-1:0] tag_q8;
    always @(posedge clk) if (valid_q[6]) begin
        qlo_q8 <= q[9:0];
        qhi_q8 <= |q[PW-1:10];
        tag_q8 <= tag_q7;
    end
    wire [10:0] r = ({1'b0, qlo_q8} + 11'd1) >> 1;  // 0..512

    // the kind of the layer in the pipeline: it holds still from its first neuron to its last
    // exit (one kind at a time), so the hidden exit reads it from stage 3
    wire logit_out = valid_q[2] && logit_q3;   // a logit at cycle 3
    assign valid_o = logit_out || (valid_q[NST-1] && !logit_q3);
    assign logit_o = logit_out;
    assign tag_o   = logit_out ? tag_q3 : tag_q8;
    assign act_o   = (qhi_q8 || r[10:8] != 3'd0) ? 8'd255 : r[7:0];
    assign sum_o   = sum_q3;
    assign busy_o  = |valid_q;
endmodule

`resetall
