// ram_sdp — generic simple dual-port RAM (one write port, one read port, one clock) with a
// registered read: rdata_o holds mem[raddr_i] one cycle after re_i. Inferred as block RAM by Yosys
// (iCE40 EBR, ECP5 DP16KD) and as an array by Verilator / Icarus. Reading an address in the cycle it
// is written returns an undefined value (the core never does).
//
// Parameters:
//   WIDTH  bits per word
//   DEPTH  words (need not be a power of two)
//   AW     address bits, >= clog2(DEPTH)
`default_nettype none

module ram_sdp #(
    parameter integer WIDTH = 8,
    parameter integer DEPTH = 256,
    parameter integer AW    = 8
) (
    input  wire             clk,
    input  wire             we_i,
    input  wire [AW-1:0]    waddr_i,
    input  wire [WIDTH-1:0] wdata_i,
    input  wire             re_i,
    input  wire [AW-1:0]    raddr_i,
    output reg  [WIDTH-1:0] rdata_o
);
    initial begin
        if (WIDTH < 1 || DEPTH < 1 || (1 << AW) < DEPTH) begin
            $display("ram_sdp: WIDTH = %0d, DEPTH = %0d, AW = %0d: need WIDTH, DEPTH >= 1 and 2^AW >= DEPTH",
                     WIDTH, DEPTH, AW);
            $finish;
        end
    end

    reg [WIDTH-1:0] mem [0:DEPTH-1];
    always @(posedge clk) begin
        if (we_i) mem[waddr_i] <= wdata_i;
        if (re_i) rdata_o <= mem[raddr_i];
    end
endmodule

`resetall
