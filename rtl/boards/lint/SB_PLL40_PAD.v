// SB_PLL40_PAD — lint-only stand-in for the iCE40 PLL primitive, so that
// `verilator --lint-only -Wall` can check rtl/boards/top_icebreaker.v (rtl/boards.mk, lint-boards).
// Port and parameter names follow yosys's share/ice40/cells_sim.v. Never synthesized: yosys and
// nextpnr bring their own cell library. Behaviour: the input clock passes through undivided and
// LOCK follows RESETB, so a top built on it can also be smoke-simulated.
`default_nettype none

module SB_PLL40_PAD #(
    parameter       FEEDBACK_PATH = "SIMPLE",
    parameter [3:0] DIVR          = 4'b0000,
    parameter [6:0] DIVF          = 7'b0000000,
    parameter [2:0] DIVQ          = 3'b000,
    parameter [2:0] FILTER_RANGE  = 3'b000
) (
    input  wire       PACKAGEPIN,
    output wire       PLLOUTCORE,
    output wire       PLLOUTGLOBAL,
    input  wire       EXTFEEDBACK,
    input  wire [7:0] DYNAMICDELAY,
    output wire       LOCK,
    input  wire       BYPASS,
    input  wire       RESETB,
    input  wire       LATCHINPUTVALUE,
    output wire       SDO,
    input  wire       SDI,
    input  wire       SCLK
);
    // The settings only matter to the real PLL; they are read here so that lint sees them used.
    localparam unused_feedback_path = FEEDBACK_PATH;
    localparam [16:0] unused_divs = {DIVR, DIVF, DIVQ, FILTER_RANGE};
    wire unused_inputs = &{1'b0, EXTFEEDBACK, DYNAMICDELAY, BYPASS, LATCHINPUTVALUE, SDI, SCLK};

    assign PLLOUTCORE   = PACKAGEPIN;
    assign PLLOUTGLOBAL = PACKAGEPIN;
    assign LOCK         = RESETB;
    assign SDO          = 1'b0;
endmodule

`resetall
