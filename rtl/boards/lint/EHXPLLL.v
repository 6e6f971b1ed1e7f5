// EHXPLLL — lint-only stand-in for the ECP5 PLL primitive, so that
// `verilator --lint-only -Wall` can check rtl/boards/top_ulx3s.v (rtl/boards.mk, lint-boards).
// Port and parameter names follow yosys's share/ecp5/cells_bb.v (only the parameters that
// rtl/boards/top_ulx3s.v sets). Never synthesized: yosys and nextpnr bring their own cell library.
// Behaviour: CLKI passes through undivided to CLKOP and LOCK is 1, so a top built on it can also
// be smoke-simulated.
`default_nettype none

module EHXPLLL #(
    parameter integer CLKI_DIV        = 1,
    parameter integer CLKFB_DIV       = 1,
    parameter integer CLKOP_DIV       = 8,
    parameter         CLKOP_ENABLE    = "ENABLED",
    parameter integer CLKOP_CPHASE    = 0,
    parameter integer CLKOP_FPHASE    = 0,
    parameter         FEEDBK_PATH     = "CLKOP",
    parameter         OUTDIVIDER_MUXA = "DIVA",
    parameter         OUTDIVIDER_MUXB = "DIVB",
    parameter         OUTDIVIDER_MUXC = "DIVC",
    parameter         OUTDIVIDER_MUXD = "DIVD",
    parameter         STDBY_ENABLE    = "DISABLED",
    parameter         DPHASE_SOURCE   = "DISABLED",
    parameter         PLLRST_ENA      = "DISABLED",
    parameter         INTFB_WAKE      = "DISABLED"
) (
    input  wire CLKI,
    input  wire CLKFB,
    input  wire PHASESEL1,
    input  wire PHASESEL0,
    input  wire PHASEDIR,
    input  wire PHASESTEP,
    input  wire PHASELOADREG,
    input  wire STDBY,
    input  wire PLLWAKESYNC,
    input  wire RST,
    input  wire ENCLKOP,
    input  wire ENCLKOS,
    input  wire ENCLKOS2,
    input  wire ENCLKOS3,
    output wire CLKOP,
    output wire CLKOS,
    output wire CLKOS2,
    output wire CLKOS3,
    output wire LOCK,
    output wire INTLOCK,
    output wire REFCLK,
    output wire CLKINTFB
);
    // The settings only matter to the real PLL; they are read here so that lint sees them used.
    localparam integer unused_divs = CLKI_DIV + CLKFB_DIV + CLKOP_DIV + CLKOP_CPHASE + CLKOP_FPHASE;
    localparam unused_modes = {CLKOP_ENABLE, FEEDBK_PATH, OUTDIVIDER_MUXA, OUTDIVIDER_MUXB,
                               OUTDIVIDER_MUXC, OUTDIVIDER_MUXD, STDBY_ENABLE, DPHASE_SOURCE,
                               PLLRST_ENA, INTFB_WAKE};
    wire unused_inputs = &{1'b0, CLKFB, PHASESEL1, PHASESEL0, PHASEDIR, PHASESTEP, PHASELOADREG,
                           STDBY, PLLWAKESYNC, RST, ENCLKOP, ENCLKOS, ENCLKOS2, ENCLKOS3};

    assign CLKOP    = CLKI;
    assign CLKOS    = 1'b0;
    assign CLKOS2   = 1'b0;
    assign CLKOS3   = 1'b0;
    assign LOCK     = 1'b1;
    assign INTLOCK  = 1'b1;
    assign REFCLK   = CLKI;
    assign CLKINTFB = 1'b0;
endmodule

`resetall
