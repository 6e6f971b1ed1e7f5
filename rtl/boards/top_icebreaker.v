// top_icebreaker — the iCEBreaker board (iCE40UP5K-SG48): 12 MHz pad -> PLL -> design clock, reset
// synchroniser, UART on FT2232H channel B, two LEDs. Everything else is accel_top, the board-agnostic
// design that the testbenches simulate (docs/boards.md).
//
// Parameters:
//   CLK_MHZ  design clock in MHz: a multiple of 3 in 24..66. The PLL runs from the 12 MHz pad with
//            DIVR = 0, FILTER_RANGE = 1 and, for 36..66 MHz, DIVQ = 4, DIVF = 4*CLK_MHZ/3 - 1
//            (VCO = 16*CLK_MHZ), for 24..33 MHz, DIVQ = 5, DIVF = 8*CLK_MHZ/3 - 1 (VCO = 32*CLK_MHZ):
//            the VCO stays inside 533..1066 MHz; `icepll -i 12 -o CLK_MHZ` gives the same values
//            (tests/t_board_ice40.sh).
//   BAUD     UART bit rate (rtl/boards.mk ICE40_BAUD, 3 Mbaud by default; 12 Mbaud at 36 or 48 MHz);
//            CLK_MHZ*1e6 must be a whole multiple of it, at least 3 clocks per bit.
//   LANES    MAC lanes of the core (power of two).
//   WMEM_BYTES, PMEM_NEURONS, ABUF_BYTES
//            the core's memories (rtl/core/accel_core.v). The weights fill the UP5K's four SB_SPRAM256KA
//            (4 x 16K x 16 bits = 128 KB); neuron records and activation buffers go to block RAM.
//            The defaults are the icebreaker row of rtl/boards/capacities.tbl (q2_caps.vh).
//
// Pins (constraints/icebreaker.pcf):
//   pin  port            use
//   35   clk_12mhz_i     12 MHz oscillator, the PLL's input pad
//   6    uart_rx_i       FT2232H BDBUS0 (the FTDI's TXD)
//   9    uart_tx_o       FT2232H BDBUS1 (the FTDI's RXD)
//   10   btn_n_i         user button, active low: reset
//   11   led_red_n_o     red LED, active low: error (err_o != 0)
//   37   led_green_n_o   green LED, active low: steady = model loaded, blinking = alive, no model
`default_nettype none
`include "q2_caps.vh"

module top_icebreaker #(
    parameter integer CLK_MHZ      = 42,
    parameter integer BAUD         = 3000000,
    parameter integer LANES        = 32,
    parameter integer WMEM_BYTES   = `Q2_CAPS_ICEBREAKER_WMEM_BYTES,
    parameter integer PMEM_NEURONS = `Q2_CAPS_ICEBREAKER_PMEM_NEURONS,
    parameter integer ABUF_BYTES   = `Q2_CAPS_ICEBREAKER_ABUF_BYTES
) (
    input  wire clk_12mhz_i,
    input  wire uart_rx_i,
    output wire uart_tx_o,
    input  wire btn_n_i,
    output wire led_red_n_o,
    output wire led_green_n_o
);
    localparam integer CLK_HZ       = CLK_MHZ * 1000000;
    localparam integer CLKS_PER_BIT = CLK_HZ / BAUD;
    localparam integer PLL_DIVQ     = (CLK_MHZ < 36) ? 5 : 4;
    localparam integer PLL_DIVF     = CLK_MHZ * ((CLK_MHZ < 36) ? 8 : 4) / 3 - 1;

    initial begin
        if (CLK_MHZ < 24 || CLK_MHZ > 66 || CLK_MHZ % 3 != 0) begin
            $display("top_icebreaker: CLK_MHZ = %0d, need a multiple of 3 in 24..66", CLK_MHZ);
            $finish;
        end
        if (CLK_HZ % BAUD != 0 || CLK_HZ / BAUD < 3) begin
            $display("top_icebreaker: CLK_MHZ = %0d gives no whole number >= 3 of clocks per bit at %0d baud",
                     CLK_MHZ, BAUD);
            $finish;
        end
    end

    // ---- clock: 12 MHz -> CLK_MHZ on the global network ----------------------------------------
    wire clk;
    wire pll_locked;
    wire unused_pll_core, unused_pll_sdo;
    SB_PLL40_PAD #(
        .FEEDBACK_PATH("SIMPLE"),
        .DIVR(4'd0),
        .DIVF(PLL_DIVF[6:0]),
        .DIVQ(PLL_DIVQ[2:0]),
        .FILTER_RANGE(3'd1)
    ) u_pll (
        .PACKAGEPIN     (clk_12mhz_i),
        .PLLOUTCORE     (unused_pll_core),
        .PLLOUTGLOBAL   (clk),
        .EXTFEEDBACK    (1'b0),
        .DYNAMICDELAY   (8'd0),
        .LOCK           (pll_locked),
        .BYPASS         (1'b0),
        .RESETB         (1'b1),
        .LATCHINPUTVALUE(1'b0),
        .SDO            (unused_pll_sdo),
        .SDI            (1'b0),
        .SCLK           (1'b0)
    );

    // ---- reset: held while the PLL is unlocked or the button is down ---------------------------
    wire rst;
    reset_sync #(.STAGES(4)) u_rst (
        .clk   (clk),
        .arst_i(!pll_locked || !btn_n_i),
        .rst_o (rst)
    );

    // ---- the design ------------------------------------------------------------------------------
    wire       busy;
    wire       model_valid;
    wire [3:0] err;
    wire       beat;
    accel_top #(
        .LANES       (LANES),
        .CLKS_PER_BIT(CLKS_PER_BIT),
        .CLOCK_HZ    (CLK_HZ),
        .WMEM_BYTES  (WMEM_BYTES),
        .PMEM_NEURONS(PMEM_NEURONS),
        .ABUF_BYTES  (ABUF_BYTES),
        .MEM_TECH    ("ICE40")
    ) u_top (
        .clk          (clk),
        .rst          (rst),
        .uart_rx_i    (uart_rx_i),
        .uart_tx_o    (uart_tx_o),
        .busy_o       (busy),
        .model_valid_o(model_valid),
        .err_o        (err),
        .beat_o       (beat)
    );

    // ---- LEDs ------------------------------------------------------------------------------------
    // beat: the heartbeat, toggling every 2^24 cycles (accel_top)
    assign led_green_n_o = !(model_valid ? !busy : beat);
    assign led_red_n_o   = !(err != 4'd0);
endmodule

`resetall
