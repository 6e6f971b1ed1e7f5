// top_ulx3s — the ULX3S board (ECP5 LFE5U-12F/25F/45F/85F): 25 MHz -> EHXPLLL -> design clock, reset
// synchroniser, UART on the FT231X, eight LEDs. Everything else is accel_top, the board-agnostic
// design that the testbenches simulate (docs/boards.md).
//
// Parameters:
//   CLK_MHZ  design clock in MHz, one of 45, 60, 75, 90, 120 (15 .. 40 clocks per bit at 3 Mbaud). PLL
//            settings (CLKOP feedback, fout = 25 MHz * CLKFB_DIV / CLKI_DIV, VCO = fout * CLKOP_DIV
//            inside 400..800 MHz, PFD = 25 MHz / CLKI_DIV >= 3.125 MHz):
//              CLK_MHZ  CLKI_DIV  CLKFB_DIV  CLKOP_DIV  VCO
//              45       5         9          12         540
//              60       5         12         10         600
//              75       1         3          8          600
//              90       5         18         6          540
//              120      5         24         5          600
//   BAUD     UART bit rate; CLK_MHZ*1e6 must be a multiple of it.
//   LANES    MAC lanes of the core: a power of two in 8..256 (accel_core checks it); the image's
//            lanes field follows the build. Built and linted at 8..128 (`make report`: 32, 64, 128).
//   DEVICE_K the ULX3S's ECP5 in thousands of LUTs: 12, 25, 45 or 85 (LFE5U-12F/25F/45F/85F, with
//            32/56/108/208 DP16KD block RAMs). It sizes the memories below by default.
//   WMEM_BYTES, PMEM_NEURONS, ABUF_BYTES
//            the core's memories (rtl/core/accel_core.v), all in block RAM (DP16KD). The defaults are
//            the ulx3s-<DEVICE_K>k rows of rtl/boards/capacities.tbl (q2_caps.vh): 85k holds the paper
//            preset 784-512-512-10 (21,248 words at 32 lanes, 1,034 records), 45k the up5k preset,
//            12k/25k small models (e.g. 784-64-10), at 32 lanes (docs/boards.md: the fit at 64
//            and 128). WMEM_BYTES is in bytes, so it does not change with LANES: a weight word is
//            2*LANES bits, the array WMEM_BYTES*4/LANES words deep, and it takes about
//            WMEM_BYTES/2048 DP16KD (16 Kbit each) at every lane count (yosys picks the widths).
//
// Pins (constraints/ulx3s.lpf; board net names, the FTDI's point of view for the UART):
//   site  port           use
//   G2    clk_25mhz_i    25 MHz oscillator
//   M1    ftdi_txd_i     FT231X TXD -> our UART RX
//   L4    ftdi_rxd_o     our UART TX -> FT231X RXD
//   D6    btn_pwr_n_i    BTN_PWRn, active low: reset
//   L2    wifi_gpio0_o   held high (keeps the ESP32 from reconfiguring the FPGA)
//   B2..  led_o[7:0]     0 heartbeat, 1 model loaded, 2 busy, 3 error, 7:4 error code
`default_nettype none
`include "q2_caps.vh"

module top_ulx3s #(
    parameter integer CLK_MHZ      = 60,
    parameter integer BAUD         = 3000000,
    parameter integer LANES        = 32,
    parameter integer DEVICE_K     = 85,
    parameter integer WMEM_BYTES   = DEVICE_K >= 85 ? `Q2_CAPS_ULX3S_85K_WMEM_BYTES :
                                     DEVICE_K >= 45 ? `Q2_CAPS_ULX3S_45K_WMEM_BYTES :
                                     DEVICE_K >= 25 ? `Q2_CAPS_ULX3S_25K_WMEM_BYTES : `Q2_CAPS_ULX3S_12K_WMEM_BYTES,
    parameter integer PMEM_NEURONS = DEVICE_K >= 85 ? `Q2_CAPS_ULX3S_85K_PMEM_NEURONS :
                                     DEVICE_K >= 45 ? `Q2_CAPS_ULX3S_45K_PMEM_NEURONS :
                                     DEVICE_K >= 25 ? `Q2_CAPS_ULX3S_25K_PMEM_NEURONS : `Q2_CAPS_ULX3S_12K_PMEM_NEURONS,
    parameter integer ABUF_BYTES   = DEVICE_K >= 85 ? `Q2_CAPS_ULX3S_85K_ABUF_BYTES :
                                     DEVICE_K >= 45 ? `Q2_CAPS_ULX3S_45K_ABUF_BYTES :
                                     DEVICE_K >= 25 ? `Q2_CAPS_ULX3S_25K_ABUF_BYTES : `Q2_CAPS_ULX3S_12K_ABUF_BYTES
) (
    input  wire       clk_25mhz_i,
    input  wire       ftdi_txd_i,
    output wire       ftdi_rxd_o,
    input  wire       btn_pwr_n_i,
    output wire       wifi_gpio0_o,
    output wire [7:0] led_o
);
    localparam integer CLK_HZ       = CLK_MHZ * 1000000;
    localparam integer CLKS_PER_BIT = CLK_HZ / BAUD;
    localparam integer CLKI_DIV     = (CLK_MHZ == 75) ? 1 : 5;
    localparam integer CLKFB_DIV    = (CLK_MHZ == 45) ? 9 : (CLK_MHZ == 60) ? 12 : (CLK_MHZ == 75) ? 3 :
                                      (CLK_MHZ == 90) ? 18 : 24;
    localparam integer CLKOP_DIV    = (CLK_MHZ == 45) ? 12 : (CLK_MHZ == 60) ? 10 : (CLK_MHZ == 75) ? 8 :
                                      (CLK_MHZ == 90) ? 6 : 5;

    initial begin
        if (CLK_MHZ != 45 && CLK_MHZ != 60 && CLK_MHZ != 75 && CLK_MHZ != 90 && CLK_MHZ != 120) begin
            $display("top_ulx3s: CLK_MHZ = %0d, need 45, 60, 75, 90 or 120", CLK_MHZ);
            $finish;
        end
        if (DEVICE_K != 12 && DEVICE_K != 25 && DEVICE_K != 45 && DEVICE_K != 85) begin
            $display("top_ulx3s: DEVICE_K = %0d, need 12, 25, 45 or 85", DEVICE_K);
            $finish;
        end
        if (CLK_HZ % BAUD != 0) begin
            $display("top_ulx3s: CLK_MHZ = %0d gives no whole number of clocks per bit at %0d baud",
                     CLK_MHZ, BAUD);
            $finish;
        end
    end

    // ---- clock: 25 MHz -> CLK_MHZ, CLKOP fed back -------------------------------------------------
    wire clk;
    wire pll_locked;
    wire unused_clkos, unused_clkos2, unused_clkos3, unused_intlock, unused_refclk, unused_clkintfb;
    (* FREQUENCY_PIN_CLKI = "25" *)
    EHXPLLL #(
        .PLLRST_ENA     ("DISABLED"),
        .INTFB_WAKE     ("DISABLED"),
        .STDBY_ENABLE   ("DISABLED"),
        .DPHASE_SOURCE  ("DISABLED"),
        .OUTDIVIDER_MUXA("DIVA"),
        .OUTDIVIDER_MUXB("DIVB"),
        .OUTDIVIDER_MUXC("DIVC"),
        .OUTDIVIDER_MUXD("DIVD"),
        .CLKI_DIV       (CLKI_DIV),
        .CLKFB_DIV      (CLKFB_DIV),
        .CLKOP_ENABLE   ("ENABLED"),
        .CLKOP_DIV      (CLKOP_DIV),
        .CLKOP_CPHASE   (CLKOP_DIV / 2),
        .CLKOP_FPHASE   (0),
        .FEEDBK_PATH    ("CLKOP")
    ) u_pll (
        .CLKI        (clk_25mhz_i),
        .CLKFB       (clk),
        .PHASESEL1   (1'b0),
        .PHASESEL0   (1'b0),
        .PHASEDIR    (1'b0),
        .PHASESTEP   (1'b0),
        .PHASELOADREG(1'b0),
        .STDBY       (1'b0),
        .PLLWAKESYNC (1'b0),
        .RST         (1'b0),
        .ENCLKOP     (1'b0),
        .ENCLKOS     (1'b0),
        .ENCLKOS2    (1'b0),
        .ENCLKOS3    (1'b0),
        .CLKOP       (clk),
        .CLKOS       (unused_clkos),
        .CLKOS2      (unused_clkos2),
        .CLKOS3      (unused_clkos3),
        .LOCK        (pll_locked),
        .INTLOCK     (unused_intlock),
        .REFCLK      (unused_refclk),
        .CLKINTFB    (unused_clkintfb)
    );

    // ---- reset: held while the PLL is unlocked or the button is down ---------------------------
    wire rst;
    reset_sync #(.STAGES(4)) u_rst (
        .clk   (clk),
        .arst_i(!pll_locked || !btn_pwr_n_i),
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
        .MEM_TECH    ("ECP5")  // the weight and logits RAMs use the DP16KD output registers (ebr_ecp5)
    ) u_top (
        .clk          (clk),
        .rst          (rst),
        .uart_rx_i    (ftdi_txd_i),
        .uart_tx_o    (ftdi_rxd_o),
        .busy_o       (busy),
        .model_valid_o(model_valid),
        .err_o        (err),
        .beat_o       (beat)
    );

    // ---- LEDs ------------------------------------------------------------------------------------
    // beat: the heartbeat, toggling every 2^24 cycles (accel_top)
    assign led_o        = {err, err != 4'd0, busy, model_valid, beat};
    assign wifi_gpio0_o = 1'b1;
endmodule

`resetall
