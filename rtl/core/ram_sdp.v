// ram_sdp — generic simple dual-port RAM (one write port, one read port, one clock) with a
// registered read: rdata_o holds mem[raddr_i] one cycle after re_i. Inferred as block RAM by Yosys
// (iCE40 EBR, ECP5 DP16KD) and as an array by Verilator / Icarus. Reading an address in the cycle it
// is written returns an undefined value (no user relies on it), and the memory says so to Yosys
// (no_rw_check): otherwise Yosys adds a write-data register and an address compare per memory to
// give the old value on such a collision, ~60 logic cells for a 24-bit port.
//
// Parameters:
//   WIDTH  bits per word
//   DEPTH  words (need not be a power of two)
//   AW     address bits, >= clog2(DEPTH)
//   BLOCK  1: a block RAM even when the memory is small (Yosys would make a tiny one of flip-flops and
//          a read multiplexer, logic cells that a spare block RAM saves); 0: Yosys chooses
`default_nettype none

module ram_sdp #(
    parameter integer WIDTH = 8,
    parameter integer DEPTH = 256,
    parameter integer AW    = 8,
    parameter integer BLOCK = 0
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

    generate
        if (BLOCK != 0) begin : g_block
            (* ram_style = "block", no_rw_check *) reg [WIDTH-1:0] mem [0:DEPTH-1];
            always @(posedge clk) begin
                if (we_i) mem[waddr_i] <= wdata_i;
                if (re_i) rdata_o <= mem[raddr_i];
            end
        end else begin : g_auto
            (* no_rw_check *) reg [WIDTH-1:0] mem [0:DEPTH-1];
            always @(posedge clk) begin
                if (we_i) mem[waddr_i] <= wdata_i;
                if (re_i) rdata_o <= mem[raddr_i];
            end
        end
    endgenerate
endmodule

`resetall
