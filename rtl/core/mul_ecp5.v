// mul_ecp5 — an unsigned 18 x 18 multiply in one ECP5 MULT18X18D that uses the block's own input
// and output registers: a and b are taken when ce_in_i, and p_o = a * b (36 bits) the cycle after
// ce_out_i, held otherwise. The same behaviour as two fabric register stages around a multiply;
// the difference is timing: without the block's registers, a fabric register feeds the multiplier
// and its product leaves it combinationally (Project Trellis' timing database, -6: ~4.9 ns from
// A/B to P), so a product plus the routing on both sides takes the whole 8.3 ns of 120 MHz; with
// them, the multiplier is a cycle of its own. Yosys 0.23 maps `*` onto MULT18X18D without
// registers only, so the block is instantiated here (all registers on CLK0: nextpnr-ecp5 times a
// registered MULT18X18D only from CLK0). Simulation and lint use sim/models/MULT18X18D.v;
// synthesis the Yosys primitive.
//
// Parameters: none (both operands 18 bits, unsigned: pad narrower ones with zeros).
`default_nettype none

module mul_ecp5 (
    input  wire        clk,
    input  wire        ce_in_i,   // take a_i, b_i
    input  wire        ce_out_i,  // take their product (a cycle after ce_in_i, or later)
    input  wire [17:0] a_i,
    input  wire [17:0] b_i,
    output wire [35:0] p_o
);
    /* verilator lint_off UNUSEDSIGNAL */
    wire [17:0] ra, rb, rc, sra, srb;  // cascade and register outputs (not used)
    wire        sp;
    /* verilator lint_on UNUSEDSIGNAL */
    wire [17:0] a = a_i, b = b_i;
    wire [35:0] p;
    MULT18X18D #(
        .REG_INPUTA_CLK("CLK0"), .REG_INPUTA_CE("CE0"), .REG_INPUTA_RST("RST0"),
        .REG_INPUTB_CLK("CLK0"), .REG_INPUTB_CE("CE0"), .REG_INPUTB_RST("RST0"),
        .REG_INPUTC_CLK("NONE"), .REG_PIPELINE_CLK("NONE"),
        .REG_OUTPUT_CLK("CLK0"), .REG_OUTPUT_CE("CE1"),
        .GSR("DISABLED"), .RESETMODE("SYNC"), .SOURCEB_MODE("B_SHIFT"), .MULT_BYPASS("DISABLED")
    ) u_mul (
        .CLK0(clk), .CE0(ce_in_i), .CE1(ce_out_i),
        // unused clocks, enables, resets and the shift-chain inputs stay open, as in Yosys' own
        // mapping: nextpnr ties them off (a constant on the cascade inputs cannot be routed)
        /* verilator lint_off PINCONNECTEMPTY */
        .CLK1(), .CLK2(), .CLK3(), .CE2(), .CE3(), .RST0(), .RST1(), .RST2(), .RST3(),
        .SIGNEDA(1'b0), .SIGNEDB(1'b0), .SOURCEA(1'b0), .SOURCEB(1'b0),
        .A17(a[17]), .A16(a[16]), .A15(a[15]), .A14(a[14]), .A13(a[13]), .A12(a[12]),
        .A11(a[11]), .A10(a[10]), .A9(a[9]), .A8(a[8]), .A7(a[7]), .A6(a[6]),
        .A5(a[5]), .A4(a[4]), .A3(a[3]), .A2(a[2]), .A1(a[1]), .A0(a[0]),
        .B17(b[17]), .B16(b[16]), .B15(b[15]), .B14(b[14]), .B13(b[13]), .B12(b[12]),
        .B11(b[11]), .B10(b[10]), .B9(b[9]), .B8(b[8]), .B7(b[7]), .B6(b[6]),
        .B5(b[5]), .B4(b[4]), .B3(b[3]), .B2(b[2]), .B1(b[1]), .B0(b[0]),
        .C17(1'b0), .C16(1'b0), .C15(1'b0), .C14(1'b0), .C13(1'b0), .C12(1'b0),
        .C11(1'b0), .C10(1'b0), .C9(1'b0), .C8(1'b0), .C7(1'b0), .C6(1'b0),
        .C5(1'b0), .C4(1'b0), .C3(1'b0), .C2(1'b0), .C1(1'b0), .C0(1'b0),
        .SRIA17(), .SRIA16(), .SRIA15(), .SRIA14(), .SRIA13(), .SRIA12(), .SRIA11(), .SRIA10(),
        .SRIA9(), .SRIA8(), .SRIA7(), .SRIA6(), .SRIA5(), .SRIA4(), .SRIA3(), .SRIA2(), .SRIA1(),
        .SRIA0(),
        .SRIB17(), .SRIB16(), .SRIB15(), .SRIB14(), .SRIB13(), .SRIB12(), .SRIB11(), .SRIB10(),
        .SRIB9(), .SRIB8(), .SRIB7(), .SRIB6(), .SRIB5(), .SRIB4(), .SRIB3(), .SRIB2(), .SRIB1(),
        .SRIB0(),
        /* verilator lint_on PINCONNECTEMPTY */
        .SROA17(sra[17]), .SROA16(sra[16]), .SROA15(sra[15]), .SROA14(sra[14]), .SROA13(sra[13]),
        .SROA12(sra[12]), .SROA11(sra[11]), .SROA10(sra[10]), .SROA9(sra[9]), .SROA8(sra[8]),
        .SROA7(sra[7]), .SROA6(sra[6]), .SROA5(sra[5]), .SROA4(sra[4]), .SROA3(sra[3]),
        .SROA2(sra[2]), .SROA1(sra[1]), .SROA0(sra[0]),
        .SROB17(srb[17]), .SROB16(srb[16]), .SROB15(srb[15]), .SROB14(srb[14]), .SROB13(srb[13]),
        .SROB12(srb[12]), .SROB11(srb[11]), .SROB10(srb[10]), .SROB9(srb[9]), .SROB8(srb[8]),
        .SROB7(srb[7]), .SROB6(srb[6]), .SROB5(srb[5]), .SROB4(srb[4]), .SROB3(srb[3]),
        .SROB2(srb[2]), .SROB1(srb[1]), .SROB0(srb[0]),
        .ROA17(ra[17]), .ROA16(ra[16]), .ROA15(ra[15]), .ROA14(ra[14]), .ROA13(ra[13]), .ROA12(ra[12]),
        .ROA11(ra[11]), .ROA10(ra[10]), .ROA9(ra[9]), .ROA8(ra[8]), .ROA7(ra[7]), .ROA6(ra[6]),
        .ROA5(ra[5]), .ROA4(ra[4]), .ROA3(ra[3]), .ROA2(ra[2]), .ROA1(ra[1]), .ROA0(ra[0]),
        .ROB17(rb[17]), .ROB16(rb[16]), .ROB15(rb[15]), .ROB14(rb[14]), .ROB13(rb[13]), .ROB12(rb[12]),
        .ROB11(rb[11]), .ROB10(rb[10]), .ROB9(rb[9]), .ROB8(rb[8]), .ROB7(rb[7]), .ROB6(rb[6]),
        .ROB5(rb[5]), .ROB4(rb[4]), .ROB3(rb[3]), .ROB2(rb[2]), .ROB1(rb[1]), .ROB0(rb[0]),
        .ROC17(rc[17]), .ROC16(rc[16]), .ROC15(rc[15]), .ROC14(rc[14]), .ROC13(rc[13]), .ROC12(rc[12]),
        .ROC11(rc[11]), .ROC10(rc[10]), .ROC9(rc[9]), .ROC8(rc[8]), .ROC7(rc[7]), .ROC6(rc[6]),
        .ROC5(rc[5]), .ROC4(rc[4]), .ROC3(rc[3]), .ROC2(rc[2]), .ROC1(rc[1]), .ROC0(rc[0]),
        .P35(p[35]), .P34(p[34]), .P33(p[33]), .P32(p[32]), .P31(p[31]), .P30(p[30]),
        .P29(p[29]), .P28(p[28]), .P27(p[27]), .P26(p[26]), .P25(p[25]), .P24(p[24]),
        .P23(p[23]), .P22(p[22]), .P21(p[21]), .P20(p[20]), .P19(p[19]), .P18(p[18]),
        .P17(p[17]), .P16(p[16]), .P15(p[15]), .P14(p[14]), .P13(p[13]), .P12(p[12]),
        .P11(p[11]), .P10(p[10]), .P9(p[9]), .P8(p[8]), .P7(p[7]), .P6(p[6]),
        .P5(p[5]), .P4(p[4]), .P3(p[3]), .P2(p[2]), .P1(p[1]), .P0(p[0]),
        .SIGNEDP(sp)
    );
    assign p_o = p;
endmodule

`resetall
