// MULT18X18D — simulation model of the ECP5 18 x 18 multiplier block, for Verilator and lint only
// (synthesis uses the Yosys primitive, which has no behaviour in Yosys' cells_bb.v). Models the
// subset rtl/core/mul_ecp5.v uses, from Lattice's ECP5 sysDSP usage guide (TN1267): P = A * B
// (signed where SIGNEDA / SIGNEDB), with the A and B input registers and the output register each
// either bypassed ("NONE") or clocked by CLK0 and enabled by the CE they name. The pipeline
// register, the C input, the shift chains, cascades, resets and GSR are not modelled (their
// outputs are 0; mul_ecp5 ties the resets low and leaves the chains open).
//
// Parameters: as the primitive's (the ones mul_ecp5 sets are checked, the rest ignored).
`default_nettype none

/* verilator lint_off UNUSEDPARAM */
module MULT18X18D #(
    parameter [127:0] REG_INPUTA_CLK = "NONE",
    parameter [127:0] REG_INPUTA_CE = "CE0",
    parameter [127:0] REG_INPUTA_RST = "RST0",
    parameter [127:0] REG_INPUTB_CLK = "NONE",
    parameter [127:0] REG_INPUTB_CE = "CE0",
    parameter [127:0] REG_INPUTB_RST = "RST0",
    parameter [127:0] REG_INPUTC_CLK = "NONE",
    parameter [127:0] REG_INPUTC_CE = "CE0",
    parameter [127:0] REG_INPUTC_RST = "RST0",
    parameter [127:0] REG_PIPELINE_CLK = "NONE",
    parameter [127:0] REG_PIPELINE_CE = "CE0",
    parameter [127:0] REG_PIPELINE_RST = "RST0",
    parameter [127:0] REG_OUTPUT_CLK = "NONE",
    parameter [127:0] REG_OUTPUT_CE = "CE0",
    parameter [127:0] REG_OUTPUT_RST = "RST0",
    parameter [127:0] CLK0_DIV = "ENABLED",
    parameter [127:0] CLK1_DIV = "ENABLED",
    parameter [127:0] CLK2_DIV = "ENABLED",
    parameter [127:0] CLK3_DIV = "ENABLED",
    parameter [127:0] HIGHSPEED_CLK = "NONE",
    parameter [127:0] GSR = "ENABLED",
    parameter [127:0] CAS_MATCH_REG = "FALSE",
    parameter [127:0] SOURCEB_MODE = "B_SHIFT",
    parameter [127:0] MULT_BYPASS = "DISABLED",
    parameter [127:0] RESETMODE = "SYNC"
) (
/* verilator lint_on UNUSEDPARAM */
    input  wire A17, A16, A15, A14, A13, A12, A11, A10, A9, A8, A7, A6, A5, A4, A3, A2, A1, A0,
    input  wire B17, B16, B15, B14, B13, B12, B11, B10, B9, B8, B7, B6, B5, B4, B3, B2, B1, B0,
    input  wire C17, C16, C15, C14, C13, C12, C11, C10, C9, C8, C7, C6, C5, C4, C3, C2, C1, C0,
    input  wire SIGNEDA, SIGNEDB, SOURCEA, SOURCEB,
    input  wire CLK0, CLK1, CLK2, CLK3, CE0, CE1, CE2, CE3, RST0, RST1, RST2, RST3,
    input  wire SRIA17, SRIA16, SRIA15, SRIA14, SRIA13, SRIA12, SRIA11, SRIA10, SRIA9,
    input  wire SRIA8, SRIA7, SRIA6, SRIA5, SRIA4, SRIA3, SRIA2, SRIA1, SRIA0,
    input  wire SRIB17, SRIB16, SRIB15, SRIB14, SRIB13, SRIB12, SRIB11, SRIB10, SRIB9,
    input  wire SRIB8, SRIB7, SRIB6, SRIB5, SRIB4, SRIB3, SRIB2, SRIB1, SRIB0,
    output wire SROA17, SROA16, SROA15, SROA14, SROA13, SROA12, SROA11, SROA10, SROA9,
    output wire SROA8, SROA7, SROA6, SROA5, SROA4, SROA3, SROA2, SROA1, SROA0,
    output wire SROB17, SROB16, SROB15, SROB14, SROB13, SROB12, SROB11, SROB10, SROB9,
    output wire SROB8, SROB7, SROB6, SROB5, SROB4, SROB3, SROB2, SROB1, SROB0,
    output wire ROA17, ROA16, ROA15, ROA14, ROA13, ROA12, ROA11, ROA10, ROA9,
    output wire ROA8, ROA7, ROA6, ROA5, ROA4, ROA3, ROA2, ROA1, ROA0,
    output wire ROB17, ROB16, ROB15, ROB14, ROB13, ROB12, ROB11, ROB10, ROB9,
    output wire ROB8, ROB7, ROB6, ROB5, ROB4, ROB3, ROB2, ROB1, ROB0,
    output wire ROC17, ROC16, ROC15, ROC14, ROC13, ROC12, ROC11, ROC10, ROC9,
    output wire ROC8, ROC7, ROC6, ROC5, ROC4, ROC3, ROC2, ROC1, ROC0,
    output wire P35, P34, P33, P32, P31, P30, P29, P28, P27, P26, P25, P24, P23, P22, P21, P20, P19, P18,
    output wire P17, P16, P15, P14, P13, P12, P11, P10, P9, P8, P7, P6, P5, P4, P3, P2, P1, P0,
    output wire SIGNEDP
);
    initial begin
        if ((REG_INPUTA_CLK != "NONE" && REG_INPUTA_CLK != "CLK0") ||
            (REG_INPUTB_CLK != "NONE" && REG_INPUTB_CLK != "CLK0") ||
            (REG_OUTPUT_CLK != "NONE" && REG_OUTPUT_CLK != "CLK0") ||
            REG_PIPELINE_CLK != "NONE" || REG_INPUTC_CLK != "NONE") begin
            $display("MULT18X18D model: only the A, B and output registers on CLK0 (or none) are modelled");
            $finish;
        end
    end

    // the clock enable a register names
    function automatic ce_of(input [127:0] name, input [3:0] ce);
        ce_of = name == "CE0" ? ce[0] : name == "CE1" ? ce[1] : name == "CE2" ? ce[2] : ce[3];
    endfunction
    wire [3:0]  ce = {CE3, CE2, CE1, CE0};
    wire [17:0] a = {A17, A16, A15, A14, A13, A12, A11, A10, A9, A8, A7, A6, A5, A4, A3, A2, A1, A0};
    wire [17:0] b = {B17, B16, B15, B14, B13, B12, B11, B10, B9, B8, B7, B6, B5, B4, B3, B2, B1, B0};
    reg  [18:0] a_q, b_q;  // with the sign bit each
    reg  [35:0] p_q;
    wire [18:0] a_x = REG_INPUTA_CLK == "CLK0" ? a_q : {SIGNEDA & a[17], a};
    wire [18:0] b_x = REG_INPUTB_CLK == "CLK0" ? b_q : {SIGNEDB & b[17], b};
    wire [37:0] prod = $signed(a_x) * $signed(b_x);
    always @(posedge CLK0) begin
        if (ce_of(REG_INPUTA_CE, ce)) a_q <= {SIGNEDA & a[17], a};
        if (ce_of(REG_INPUTB_CE, ce)) b_q <= {SIGNEDB & b[17], b};
        if (ce_of(REG_OUTPUT_CE, ce)) p_q <= prod[35:0];
    end
    wire [35:0] p = REG_OUTPUT_CLK == "CLK0" ? p_q : prod[35:0];
    assign {P35, P34, P33, P32, P31, P30, P29, P28, P27, P26, P25, P24, P23, P22, P21, P20, P19, P18} = p[35:18];
    assign {P17, P16, P15, P14, P13, P12, P11, P10, P9, P8, P7, P6, P5, P4, P3, P2, P1, P0} = p[17:0];
    assign SIGNEDP = p[35];
    assign {SROA17, SROA16, SROA15, SROA14, SROA13, SROA12, SROA11, SROA10, SROA9} = 9'd0;
    assign {SROA8, SROA7, SROA6, SROA5, SROA4, SROA3, SROA2, SROA1, SROA0} = 9'd0;
    assign {SROB17, SROB16, SROB15, SROB14, SROB13, SROB12, SROB11, SROB10, SROB9} = 9'd0;
    assign {SROB8, SROB7, SROB6, SROB5, SROB4, SROB3, SROB2, SROB1, SROB0} = 9'd0;
    assign {ROA17, ROA16, ROA15, ROA14, ROA13, ROA12, ROA11, ROA10, ROA9} = 9'd0;
    assign {ROA8, ROA7, ROA6, ROA5, ROA4, ROA3, ROA2, ROA1, ROA0} = 9'd0;
    assign {ROB17, ROB16, ROB15, ROB14, ROB13, ROB12, ROB11, ROB10, ROB9} = 9'd0;
    assign {ROB8, ROB7, ROB6, ROB5, ROB4, ROB3, ROB2, ROB1, ROB0} = 9'd0;
    assign {ROC17, ROC16, ROC15, ROC14, ROC13, ROC12, ROC11, ROC10, ROC9} = 9'd0;
    assign {ROC8, ROC7, ROC6, ROC5, ROC4, ROC3, ROC2, ROC1, ROC0} = 9'd0;
    wire unused = &{1'b0, C17, C16, C15, C14, C13, C12, C11, C10, C9, C8, C7, C6, C5, C4, C3, C2, C1, C0,
                    SOURCEA, SOURCEB, CLK1, CLK2, CLK3, RST0, RST1, RST2, RST3,
                    SRIA17, SRIA16, SRIA15, SRIA14, SRIA13, SRIA12, SRIA11, SRIA10, SRIA9,
                    SRIA8, SRIA7, SRIA6, SRIA5, SRIA4, SRIA3, SRIA2, SRIA1, SRIA0,
                    SRIB17, SRIB16, SRIB15, SRIB14, SRIB13, SRIB12, SRIB11, SRIB10, SRIB9,
                    SRIB8, SRIB7, SRIB6, SRIB5, SRIB4, SRIB3, SRIB2, SRIB1, SRIB0, prod[37:36]};
endmodule

`resetall
