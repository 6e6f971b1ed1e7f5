// requant — the per-neuron tail of a layer (docs/arithmetic.md), one neuron a cycle, pipelined:
//   sum = acc + bias; last layer: logit = sum; hidden layers:
//   a' = clamp(((max(sum, 0) * M) + 2^(S-1)) >> S, 0, 255)   (round half up, ReLU, saturate)
// Negative sums are zeroed before the multiply (M >= 0, S >= 1 give 0 either way), so the multiply
// is unsigned (ACC_W-1) x 16 bits (DSPs: SB_MAC16 on the iCE40, MULT18X18D on the ECP5). The
// rounding shift is done as q = p >> (S-1), a' = (q + 1) >> 1, which equals (p + 2^(S-1)) >> S, in
// two steps (by 8*floor((S-1)/8), then by (S-1) mod 8) so that no stage is more than a few LUTs
// deep. The parameter memory's data comes with the neuron (the caller reads it a cycle ahead).
//
//   DEEP = 1 (the ECP5's 120 MHz: a block RAM's    DEEP = 0 (the iCE40: fewer flip-flops, the
//   output is slow to leave it)                    same latency)
//   cycle 1: the neuron, bias, M, S registered
//   cycle 2: sum = acc + bias                      cycle 1: sum = acc + bias
//   cycle 3: pos = max(sum, 0)                     cycle 2: p = max(sum, 0) * M
//   cycle 4: lo = pos[15:0] * M,
//            hi = pos[ACC_W-2:16] * M  (16 x 16 at most: one DSP each, registered both sides)
//   cycle 5: p = lo + (hi << 16)
//   cycle PS + 1: pc = p >> (8 * ((S - 1) >> 3)), registered
//   cycle PS + 2: q = pc >> ((S - 1) & 7), registered (q[9:0] and q >= 1024)
//   DEEP = 1: a' = sat((q + 1) >> 1) from it       DEEP = 0: cycle PS + 3: a' registered (its
//                                                  round and saturation would otherwise meet the
//                                                  activation buffer's write multiplexer)
//   cycle NST (7 and 5): valid_o, act_o, tag_o, logit_o = 0                (hidden layers)
// A logit leaves from the sum's stage instead (cycle 2, DEEP = 0: 1; valid_o, logit_o = 1, sum_o,
// tag_o): it needs no multiply, and its sum does not travel through the stages that follow. The
// caller never has a logit and a hidden neuron in the pipeline at once (seq empties it between
// layers), so the two exits never meet; a logit's valid bit still travels to cycle NST, so busy_o
// is the same for both.
//
// Parameters:
//   ACC_W  accumulator / sum bits
//   TAG_W  bits of the tag that comes out with each neuron (index, layer, buffer: opaque here)
//   KEY_W  its low bits that differ between the neurons of one run (the index in a layer); the
//          bits above hold still within a run (the caller empties the pipeline between runs, as
//          between layers), so only the key travels through the stages, and the rest comes from
//          the last neuron that entered
//   DEEP   1: inputs registered, the product in three stages (ReLU, two products, their sum);
//          0: no input stage, the product in one, a' registered
//   TECH   "ECP5" (with DEEP = 1): the two products in MULT18X18D blocks whose own input and output
//          registers are stages 3 and 4 (mul_ecp5); otherwise ("GENERIC", "ICE40") inferred
//   PIN_REG (DEEP = 1) 1: bias_i, m_i, s_i come with valid_i and stage 1 registers them; 0: they
//          come a cycle after valid_i, already registered (a block RAM's own output register),
//          and stage 1 takes them as they are
`default_nettype none

module requant #(
    parameter integer ACC_W = 24,
    parameter integer TAG_W = 16,
    parameter integer KEY_W = TAG_W,
    parameter integer DEEP  = 1,
    parameter [63:0]  TECH  = "GENERIC",
    parameter integer PIN_REG = 1
) (
    input  wire             clk,
    input  wire             rst,
    input  wire             valid_i,
    input  wire             logit_i,  // last layer: no requantization
    input  wire [TAG_W-1:0] tag_i,
    input  wire [ACC_W-1:0] acc_i,
    input  wire [23:0]      bias_i,   // with valid_i (PIN_REG = 0: a cycle later)
    input  wire [15:0]      m_i,      // with bias_i
    input  wire [5:0]       s_i,      // with bias_i; 1..40 on hidden layers
    output wire             valid_o,
    output wire             logit_o,
    output wire [TAG_W-1:0] tag_o,
    output wire [7:0]       act_o,    // hidden layers: a'
    output wire [ACC_W-1:0] sum_o,    // acc + bias: the logit (valid with valid_o && logit_o)
    output wire             busy_o    // a neuron is in the pipeline
);
    localparam integer PW = ACC_W - 1 + 16;  // product bits

    initial begin
        if (ACC_W < 24 || ACC_W > 33 || KEY_W < 1 || KEY_W > TAG_W || (DEEP != 0 && DEEP != 1) ||
            (TECH == "ECP5" && DEEP == 0) || (PIN_REG != 0 && PIN_REG != 1) || (PIN_REG == 0 && DEEP == 0)) begin
            $display("requant: ACC_W = %0d, TAG_W = %0d, KEY_W = %0d, DEEP = %0d: need 24 <= ACC_W (bias) <= 33 (a 16-bit high product), 1 <= KEY_W <= TAG_W, DEEP 0 or 1 (1 on ECP5 and with PIN_REG 0)",
                     ACC_W, TAG_W, KEY_W, DEEP);
            $finish;
        end
    end

    localparam integer SS  = DEEP + 1;                       // the stage that holds the sum
    localparam integer PS  = SS + (DEEP != 0 ? 3 : 1);       // ... the product
    localparam integer NST = PS + 2 + (DEEP != 0 ? 0 : 1);   // stages after cycle 0
    localparam integer HW  = ACC_W - 1 - 16; // bits of pos above the low product's 16

    reg  [NST-1:0] valid_q;                  // valid_q[k]: a neuron in stage k+1
    wire [NST:0]   v_at = {valid_q, valid_i};  // v_at[j]: a neuron in stage j (0: at the inputs)
    always @(posedge clk) begin
        if (rst) valid_q <= {NST{1'b0}};
        else     valid_q <= v_at[NST-1:0];
    end

    // ---- stage 1 (DEEP): the neuron and its parameters ---------------------------------------------
    // each stage's data registers load only with a neuron (valid): they hold still otherwise
    wire [ACC_W-1:0] acc_s, bias_s;
    wire [15:0]      m_s;
    wire [5:0]       s_s;
    wire [KEY_W-1:0] key_s;
    wire             logit_s;
    wire [ACC_W-1:0] bias_x = {{(ACC_W - 24){bias_i[23]}}, bias_i};
    generate
        if (DEEP != 0) begin : g_in_reg
            reg [ACC_W-1:0] acc_q1;
            reg [KEY_W-1:0] key_q1;
            reg             logit_q1;
            always @(posedge clk) if (valid_i) begin
                acc_q1   <= acc_i;
                key_q1   <= tag_i[KEY_W-1:0];
                logit_q1 <= logit_i;
            end
            if (PIN_REG != 0) begin : g_par_reg
                reg [ACC_W-1:0] bias_q1;
                reg [15:0]      m_q1;
                reg [5:0]       s_q1;
                always @(posedge clk) if (valid_i) begin
                    bias_q1 <= bias_x;
                    m_q1    <= m_i;
                    s_q1    <= s_i;
                end
                assign bias_s = bias_q1, m_s = m_q1, s_s = s_q1;
            end else begin : g_par_in  // registered by the caller's memory, a cycle after valid_i
                assign bias_s = bias_x, m_s = m_i, s_s = s_i;
            end
            assign acc_s = acc_q1, key_s = key_q1, logit_s = logit_q1;
        end else begin : g_in_wire
            assign acc_s = acc_i, bias_s = bias_x, m_s = m_i, s_s = s_i, key_s = tag_i[KEY_W-1:0], logit_s = logit_i;
        end
    endgenerate

    // ---- stage SS: the sum -------------------------------------------------------------------------
    reg [ACC_W-1:0] sum_q2;
    reg [15:0]      m_q2;
    reg [5:0]       s_q2;
    reg [KEY_W-1:0] tag_q2;
    reg             logit_q2;
    always @(posedge clk) if (v_at[SS-1]) begin
        sum_q2   <= acc_s + bias_s;
        m_q2     <= m_s;
        s_q2     <= s_s;
        tag_q2   <= key_s;
        logit_q2 <= logit_s;
    end

    // ---- the product: p = max(sum, 0) * M, in stage PS ---------------------------------------------
    wire [PW-1:0]    p_qp;
    wire [5:0]       s_qp;
    wire [KEY_W-1:0] tag_qp;
    generate
        if (DEEP != 0) begin : g_deep
            // stage 3: ReLU; stage 4: the two products (the multiplier's own registers on ECP5)
            wire [ACC_W-2:0] pos = sum_q2[ACC_W-1] ? {(ACC_W-1){1'b0}} : sum_q2[ACC_W-2:0];
            wire [31:0]      lo_q4;
            wire [HW+15:0]   hi_q4;
            reg  [5:0]       s_q3, s_q4;
            reg  [KEY_W-1:0] tag_q3, tag_q4;
            always @(posedge clk) begin
                if (v_at[2]) begin
                    s_q3   <= s_q2;
                    tag_q3 <= tag_q2;
                end
                if (v_at[3]) begin
                    s_q4   <= s_q3;
                    tag_q4 <= tag_q3;
                end
            end
            if (TECH == "ECP5") begin : g_dsp
                wire [35:0] plo, phi;
                mul_ecp5 u_lo (.clk(clk), .ce_in_i(v_at[2]), .ce_out_i(v_at[3]),
                               .a_i({2'd0, pos[15:0]}), .b_i({2'd0, m_q2}), .p_o(plo));
                mul_ecp5 u_hi (.clk(clk), .ce_in_i(v_at[2]), .ce_out_i(v_at[3]),
                               .a_i({{(18 - HW){1'b0}}, pos[ACC_W-2:16]}), .b_i({2'd0, m_q2}), .p_o(phi));
                assign lo_q4 = plo[31:0], hi_q4 = phi[HW+15:0];
                wire unused_p = &{1'b0, plo[35:32], phi[35:HW+16]};
            end else begin : g_fabric
                reg [ACC_W-2:0] pos_q3;
                reg [15:0]      m_q3;
                reg [31:0]      lo_q;
                reg [HW+15:0]   hi_q;
                always @(posedge clk) begin
                    if (v_at[2]) begin
                        pos_q3 <= pos;
                        m_q3   <= m_q2;
                    end
                    if (v_at[3]) begin
                        lo_q <= pos_q3[15:0] * m_q3;
                        hi_q <= pos_q3[ACC_W-2:16] * m_q3;
                    end
                end
                assign lo_q4 = lo_q, hi_q4 = hi_q;
            end
            // stage 5: their sum
            reg [PW-1:0]    p_q5;
            reg [5:0]       s_q5;
            reg [KEY_W-1:0] tag_q5;
            always @(posedge clk) if (v_at[4]) begin
                p_q5   <= {{{(PW - 32){1'b0}}, lo_q4[31:16]} + hi_q4, lo_q4[15:0]};  // hi: PW-16 bits
                s_q5   <= s_q4;
                tag_q5 <= tag_q4;
            end
            assign p_qp = p_q5, s_qp = s_q5, tag_qp = tag_q5;
        end else begin : g_flat
            // stage 2: ReLU and the product in one
            wire [ACC_W-2:0] pos = sum_q2[ACC_W-1] ? {(ACC_W-1){1'b0}} : sum_q2[ACC_W-2:0];
            reg  [PW-1:0]    p_q3;
            reg  [5:0]       s_q3;
            reg  [KEY_W-1:0] tag_q3;
            always @(posedge clk) if (v_at[SS]) begin
                p_q3   <= pos * m_q2;
                s_q3   <= s_q2;
                tag_q3 <= tag_q2;
            end
            assign p_qp = p_q3, s_qp = s_q3, tag_qp = tag_q3;
        end
    endgenerate
    wire [5:0]    sm1 = s_qp - 6'd1;                   // 0..39 on hidden layers
    wire [PW-1:0] pc  = p_qp >> {sm1[5:3], 3'd0};      // the coarse half of the shift

    // ---- stage PS+1: the fine half of the shift ----------------------------------------------------
    reg [PW-1:0]    pc_qf;
    reg [2:0]       sf_qf;
    reg [KEY_W-1:0] tag_qf;
    always @(posedge clk) if (v_at[PS]) begin
        pc_qf  <= pc;
        sf_qf  <= sm1[2:0];
        tag_qf <= tag_qp;
    end
    wire [PW-1:0] q = pc_qf >> sf_qf;

    // ---- stage PS+2: q; then round half up, saturate -----------------------------------------------
    reg [9:0]       qlo_qs;  // q[9:0]
    reg             qhi_qs;  // q >= 1024
    reg [KEY_W-1:0] tag_qs;
    always @(posedge clk) if (v_at[PS+1]) begin
        qlo_qs <= q[9:0];
        qhi_qs <= |q[PW-1:10];
        tag_qs <= tag_qf;
    end
    wire [10:0] r   = ({1'b0, qlo_qs} + 11'd1) >> 1;  // 0..512
    wire [7:0]  act = (qhi_qs || r[10:8] != 3'd0) ? 8'd255 : r[7:0];

    wire [7:0]       act_out;
    wire [KEY_W-1:0] tag_out;
    generate
        if (DEEP != 0) begin : g_act_wire
            assign act_out = act, tag_out = tag_qs;
        end else begin : g_act_reg  // stage PS+3: a' registered
            reg [7:0]       act_qo;
            reg [KEY_W-1:0] tag_qo;
            always @(posedge clk) if (v_at[PS+2]) begin
                act_qo <= act;
                tag_qo <= tag_qs;
            end
            assign act_out = act_qo, tag_out = tag_qo;
        end
    endgenerate

    // the kind of the layer in the pipeline: it holds still from its first neuron to its last
    // exit (one kind at a time), so the hidden exit reads it from the sum's stage
    wire logit_out = v_at[SS] && logit_q2;   // a logit in the sum's stage
    assign valid_o = logit_out || (v_at[NST] && !logit_q2);
    assign logit_o = logit_out;
    wire [KEY_W-1:0] key_out = logit_out ? tag_q2 : tag_out;
    generate
        if (KEY_W < TAG_W) begin : g_run_bits  // the bits that hold still in a run: its last neuron's
            reg [TAG_W-1:KEY_W] run_q;
            always @(posedge clk) if (valid_i) run_q <= tag_i[TAG_W-1:KEY_W];
            assign tag_o = {run_q, key_out};
        end else begin : g_all_bits
            assign tag_o = key_out;
        end
    endgenerate
    assign act_o   = act_out;
    assign sum_o   = sum_q2;
    assign busy_o  = |valid_q;
endmodule

`resetall
