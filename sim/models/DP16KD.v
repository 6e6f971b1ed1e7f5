// DP16KD — simulation model of the ECP5 16 Kbit true dual-port block RAM, for Verilator and lint
// only (synthesis uses the Yosys primitive, which has no behaviour in Yosys' cells_sim.v). Models
// the subset rtl/core/ebr_ecp5.v uses, from Lattice's ECP5 sysMEM usage guide (TN1264): DATA_WIDTH
// 1, 2, 4 or 9, the same on both ports (the word address on AD[13:k], k = 0, 1, 2, 3); a port
// writes DI[w-1:0] when CE && WE and reads into its output latch when CE && !WE (chip selects
// decoded as CSDECODE); REGMODE "OUTREG" adds the output register, loaded from the latch whenever
// OCE. Resets, GSR, write-through modes and x18 are not modelled (ebr_ecp5 ties the resets low and
// never reads the port it writes).
//
// Parameters: as the primitive's (the ones ebr_ecp5 sets are checked, the rest ignored).
`default_nettype none

/* verilator lint_off UNUSEDPARAM */
module DP16KD #(
    parameter integer DATA_WIDTH_A = 18,
    parameter integer DATA_WIDTH_B = 18,
    parameter [127:0] REGMODE_A = "NOREG",
    parameter [127:0] REGMODE_B = "NOREG",
    parameter [127:0] RESETMODE = "SYNC",
    parameter [127:0] ASYNC_RESET_RELEASE = "SYNC",
    parameter [127:0] CSDECODE_A = "0b000",
    parameter [127:0] CSDECODE_B = "0b000",
    parameter [127:0] WRITEMODE_A = "NORMAL",
    parameter [127:0] WRITEMODE_B = "NORMAL",
    parameter [127:0] GSR = "ENABLED"
) (
/* verilator lint_on UNUSEDPARAM */
    input  wire DIA17, DIA16, DIA15, DIA14, DIA13, DIA12, DIA11, DIA10, DIA9,
    input  wire DIA8, DIA7, DIA6, DIA5, DIA4, DIA3, DIA2, DIA1, DIA0,
    input  wire ADA13, ADA12, ADA11, ADA10, ADA9, ADA8, ADA7, ADA6, ADA5, ADA4, ADA3, ADA2, ADA1, ADA0,
    input  wire CEA, OCEA, CLKA, WEA, RSTA, CSA2, CSA1, CSA0,
    output wire DOA17, DOA16, DOA15, DOA14, DOA13, DOA12, DOA11, DOA10, DOA9,
    output wire DOA8, DOA7, DOA6, DOA5, DOA4, DOA3, DOA2, DOA1, DOA0,
    input  wire DIB17, DIB16, DIB15, DIB14, DIB13, DIB12, DIB11, DIB10, DIB9,
    input  wire DIB8, DIB7, DIB6, DIB5, DIB4, DIB3, DIB2, DIB1, DIB0,
    input  wire ADB13, ADB12, ADB11, ADB10, ADB9, ADB8, ADB7, ADB6, ADB5, ADB4, ADB3, ADB2, ADB1, ADB0,
    input  wire CEB, OCEB, CLKB, WEB, RSTB, CSB2, CSB1, CSB0,
    output wire DOB17, DOB16, DOB15, DOB14, DOB13, DOB12, DOB11, DOB10, DOB9,
    output wire DOB8, DOB7, DOB6, DOB5, DOB4, DOB3, DOB2, DOB1, DOB0
);
    localparam integer W  = DATA_WIDTH_A;
    localparam integer LO = W == 1 ? 0 : W == 2 ? 1 : W == 4 ? 2 : 3;
    initial begin
        if ((W != 1 && W != 2 && W != 4 && W != 9) || DATA_WIDTH_B != W || CSDECODE_A != "0b000" ||
            CSDECODE_B != "0b000" || (REGMODE_A != "NOREG" && REGMODE_A != "OUTREG") ||
            (REGMODE_B != "NOREG" && REGMODE_B != "OUTREG")) begin
            $display("DP16KD model: DATA_WIDTH %0d / %0d, chip-select decode or REGMODE not modelled",
                     DATA_WIDTH_A, DATA_WIDTH_B);
            $finish;
        end
    end

    wire [13:0] ada = {ADA13, ADA12, ADA11, ADA10, ADA9, ADA8, ADA7, ADA6, ADA5, ADA4, ADA3, ADA2, ADA1, ADA0};
    wire [13:0] adb = {ADB13, ADB12, ADB11, ADB10, ADB9, ADB8, ADB7, ADB6, ADB5, ADB4, ADB3, ADB2, ADB1, ADB0};
    wire [8:0]  dia = {DIA8, DIA7, DIA6, DIA5, DIA4, DIA3, DIA2, DIA1, DIA0};
    wire [8:0]  dib = {DIB8, DIB7, DIB6, DIB5, DIB4, DIB3, DIB2, DIB1, DIB0};
    wire        sela = {CSA2, CSA1, CSA0} == 3'b000, selb = {CSB2, CSB1, CSB0} == 3'b000;
    wire [13:0] wda = ada >> LO, wdb = adb >> LO;
    wire [8:0]  mask = (9'd1 << W) - 9'd1;
    reg  [8:0]  mem [0:16383];
    reg  [8:0]  lat_a, lat_b, reg_a, reg_b;
    always @(posedge CLKA) begin
        if (CEA && sela && WEA) mem[wda] <= dia & mask;
        else if (CEA && sela)   lat_a <= mem[wda];
        if (OCEA)               reg_a <= lat_a;
    end
    always @(posedge CLKB) begin
        if (CEB && selb && WEB) mem[wdb] <= dib & mask;
        else if (CEB && selb)   lat_b <= mem[wdb];
        if (OCEB)               reg_b <= lat_b;
    end
    wire [8:0] doa = REGMODE_A == "OUTREG" ? reg_a : lat_a;
    wire [8:0] dob = REGMODE_B == "OUTREG" ? reg_b : lat_b;
    assign {DOA8, DOA7, DOA6, DOA5, DOA4, DOA3, DOA2, DOA1, DOA0} = doa;
    assign {DOB8, DOB7, DOB6, DOB5, DOB4, DOB3, DOB2, DOB1, DOB0} = dob;
    assign {DOA17, DOA16, DOA15, DOA14, DOA13, DOA12, DOA11, DOA10, DOA9} = 9'd0;
    assign {DOB17, DOB16, DOB15, DOB14, DOB13, DOB12, DOB11, DOB10, DOB9} = 9'd0;
    wire unused = &{1'b0, DIA17, DIA16, DIA15, DIA14, DIA13, DIA12, DIA11, DIA10, DIA9, DIB17, DIB16, DIB15,
                    DIB14, DIB13, DIB12, DIB11, DIB10, DIB9, RSTA, RSTB};
endmodule

`resetall
