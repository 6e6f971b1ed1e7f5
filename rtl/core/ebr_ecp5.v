// ebr_ecp5 — a simple dual-port RAM of ECP5 DP16KD block RAMs that uses each block's own output
// register (REGMODE_B "OUTREG"): rdata_o = mem[raddr_i] two cycles after re_i, held until the next
// read's result. The same behaviour as ram_sdp with a register behind it; the difference is
// timing: a DP16KD's
// output leaves the block 5.8 ns after the clock without the register and 0.95 ns with it (-6
// speed grade, Project Trellis' timing database), and a fabric register behind it is placed by
// nextpnr next to its fanout, often far from the block. Yosys infers DP16KD with REGMODE "NOREG"
// only, so the blocks are instantiated here, wired as Yosys wires its own (port A writes, port B
// reads, DATA_WIDTH 1, 2, 4 or 9 by depth: the word address on AD[13:k], data on DI/DO[w-1:0]).
// Simulation and lint use sim/models/DP16KD.v; synthesis the Yosys primitive.
//
// Parameters:
//   WIDTH  bits per word
//   DEPTH  words, 1..16384 (one row of blocks; wmem stacks rows)
//   AW     address bits, >= clog2(DEPTH)
`default_nettype none

module ebr_ecp5 #(
    parameter integer WIDTH = 8,
    parameter integer DEPTH = 16384,
    parameter integer AW    = 14
) (
    input  wire             clk,
    input  wire             we_i,
    input  wire [AW-1:0]    waddr_i,
    input  wire [WIDTH-1:0] wdata_i,
    input  wire             re_i,
    input  wire [AW-1:0]    raddr_i,
    output wire [WIDTH-1:0] rdata_o
);
    // bits per block and the address bits below the word address (16 Kbit: 16K x 1 .. 2K x 9)
    localparam integer BW = DEPTH > 8192 ? 1 : DEPTH > 4096 ? 2 : DEPTH > 2048 ? 4 : 9;
    localparam integer LO = BW == 1 ? 0 : BW == 2 ? 1 : BW == 4 ? 2 : 3;
    localparam integer NB = (WIDTH + BW - 1) / BW;  // blocks side by side
    localparam integer UA = AW < 14 - LO ? AW : 14 - LO;  // address bits used

    initial begin
        if (WIDTH < 1 || DEPTH < 1 || DEPTH > 16384 || (1 << AW) < DEPTH) begin
            $display("ebr_ecp5: WIDTH = %0d, DEPTH = %0d, AW = %0d: need WIDTH >= 1, DEPTH 1..16384, 2^AW >= DEPTH",
                     WIDTH, DEPTH, AW);
            $finish;
        end
    end

    wire [13:0]        wa = {{(14 - UA - LO){1'b0}}, waddr_i[UA-1:0], {LO{1'b0}}};
    wire [13:0]        ra = {{(14 - UA - LO){1'b0}}, raddr_i[UA-1:0], {LO{1'b0}}};
    wire [NB*BW-1:0]   di = {{(NB * BW - WIDTH){1'b0}}, wdata_i};
    genvar b;
    generate
        for (b = 0; b < NB; b = b + 1) begin : g_blk
            wire [17:0] d = {{(18 - BW){1'b0}}, di[b*BW +: BW]};
            /* verilator lint_off UNUSEDSIGNAL */
            wire [17:0] na;  // port A's read data (port A only writes)
            wire [17:0] db;  // port B's: bits BW and up are not driven in this width
            /* verilator lint_on UNUSEDSIGNAL */
            DP16KD #(
                .DATA_WIDTH_A(BW), .DATA_WIDTH_B(BW), .REGMODE_A("NOREG"), .REGMODE_B("OUTREG"),
                .RESETMODE("SYNC"), .ASYNC_RESET_RELEASE("SYNC"), .CSDECODE_A("0b000"), .CSDECODE_B("0b000"),
                .WRITEMODE_A("NORMAL"), .WRITEMODE_B("NORMAL"), .GSR("DISABLED")
            ) u_ram (
                .CLKA(clk), .CEA(1'b1), .OCEA(1'b1), .WEA(we_i), .RSTA(1'b0),
                .CSA2(1'b0), .CSA1(1'b0), .CSA0(1'b0),
                .ADA13(wa[13]), .ADA12(wa[12]), .ADA11(wa[11]), .ADA10(wa[10]), .ADA9(wa[9]), .ADA8(wa[8]),
                .ADA7(wa[7]), .ADA6(wa[6]), .ADA5(wa[5]), .ADA4(wa[4]), .ADA3(wa[3]), .ADA2(wa[2]),
                .ADA1(wa[1]), .ADA0(wa[0]),
                .DIA17(d[17]), .DIA16(d[16]), .DIA15(d[15]), .DIA14(d[14]), .DIA13(d[13]), .DIA12(d[12]),
                .DIA11(d[11]), .DIA10(d[10]), .DIA9(d[9]), .DIA8(d[8]), .DIA7(d[7]), .DIA6(d[6]),
                .DIA5(d[5]), .DIA4(d[4]), .DIA3(d[3]), .DIA2(d[2]), .DIA1(d[1]), .DIA0(d[0]),
                .DOA17(na[17]), .DOA16(na[16]), .DOA15(na[15]), .DOA14(na[14]), .DOA13(na[13]), .DOA12(na[12]),
                .DOA11(na[11]), .DOA10(na[10]), .DOA9(na[9]), .DOA8(na[8]), .DOA7(na[7]), .DOA6(na[6]),
                .DOA5(na[5]), .DOA4(na[4]), .DOA3(na[3]), .DOA2(na[2]), .DOA1(na[1]), .DOA0(na[0]),
                .CLKB(clk), .CEB(re_i), .OCEB(1'b1), .WEB(1'b0), .RSTB(1'b0),
                .CSB2(1'b0), .CSB1(1'b0), .CSB0(1'b0),
                .ADB13(ra[13]), .ADB12(ra[12]), .ADB11(ra[11]), .ADB10(ra[10]), .ADB9(ra[9]), .ADB8(ra[8]),
                .ADB7(ra[7]), .ADB6(ra[6]), .ADB5(ra[5]), .ADB4(ra[4]), .ADB3(ra[3]), .ADB2(ra[2]),
                .ADB1(ra[1]), .ADB0(ra[0]),
                .DIB17(1'b0), .DIB16(1'b0), .DIB15(1'b0), .DIB14(1'b0), .DIB13(1'b0), .DIB12(1'b0),
                .DIB11(1'b0), .DIB10(1'b0), .DIB9(1'b0), .DIB8(1'b0), .DIB7(1'b0), .DIB6(1'b0),
                .DIB5(1'b0), .DIB4(1'b0), .DIB3(1'b0), .DIB2(1'b0), .DIB1(1'b0), .DIB0(1'b0),
                .DOB17(db[17]), .DOB16(db[16]), .DOB15(db[15]), .DOB14(db[14]),
                .DOB13(db[13]), .DOB12(db[12]), .DOB11(db[11]), .DOB10(db[10]),
                .DOB9(db[9]), .DOB8(db[8]), .DOB7(db[7]), .DOB6(db[6]),
                .DOB5(db[5]), .DOB4(db[4]), .DOB3(db[3]), .DOB2(db[2]),
                .DOB1(db[1]), .DOB0(db[0])
            );
            if (b * BW + BW <= WIDTH) begin : g_full
                assign rdata_o[b*BW +: BW] = db[BW-1:0];
            end else begin : g_part
                assign rdata_o[WIDTH-1:b*BW] = db[WIDTH-b*BW-1:0];
            end
        end
    endgenerate
endmodule

`resetall
