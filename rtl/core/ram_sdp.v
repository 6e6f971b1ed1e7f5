// ram_sdp — generic simple dual-port RAM (one write port, one read port, one clock) with a
// registered read: rdata_o holds mem[raddr_i] one cycle after re_i (OREG 0), or two cycles after
// it with an output register behind the RAM (OREG 1), until the next read's result. Inferred as
// block RAM by Yosys (iCE40 EBR, ECP5 DP16KD) and as an array by Verilator / Icarus; with OREG 1 and
// TECH "ECP5" the DP16KD blocks are instantiated with their own output register (ebr_ecp5: Yosys
// never uses it, and the block's output is slow without it). Reading an address in the cycle it
// is written returns an undefined value (no user relies on it), and the memory says so to Yosys
// (no_rw_check): otherwise Yosys adds a write-data register and an address compare per memory to
// give the old value on such a collision, ~60 logic cells for a 24-bit port.
//
// Parameters:
//   WIDTH  bits per word
//   DEPTH  words (need not be a power of two; <= 16384 with TECH "ECP5" and OREG 1)
//   AW     address bits, >= clog2(DEPTH)
//   BLOCK  1: a block RAM even when the memory is small (Yosys would make a tiny one of flip-flops and
//          a read multiplexer, logic cells that a spare block RAM saves); 0: Yosys chooses
//   OREG   0 or 1: the output register (read latency 1 or 2)
//   TECH   "GENERIC" or "ECP5" (only OREG 1 differs: ebr_ecp5)
`default_nettype none

module ram_sdp #(
    parameter integer WIDTH = 8,
    parameter integer DEPTH = 256,
    parameter integer AW    = 8,
    parameter integer BLOCK = 0,
    parameter integer OREG  = 0,
    parameter [63:0]  TECH  = "GENERIC"
) (
    input  wire             clk,
    input  wire             we_i,
    input  wire [AW-1:0]    waddr_i,
    input  wire [WIDTH-1:0] wdata_i,
    input  wire             re_i,
    input  wire [AW-1:0]    raddr_i,
    output wire [WIDTH-1:0] rdata_o
);
    initial begin
        if (WIDTH < 1 || DEPTH < 1 || (1 << AW) < DEPTH || (OREG != 0 && OREG != 1) ||
            (TECH != "GENERIC" && TECH != "ECP5")) begin
            $display("ram_sdp: WIDTH = %0d, DEPTH = %0d, AW = %0d, OREG = %0d: need WIDTH, DEPTH >= 1, 2^AW >= DEPTH, OREG 0 or 1, TECH GENERIC or ECP5",
                     WIDTH, DEPTH, AW, OREG);
            $finish;
        end
    end

    generate
        if (OREG != 0 && TECH == "ECP5") begin : g_ebr
            ebr_ecp5 #(.WIDTH(WIDTH), .DEPTH(DEPTH), .AW(AW)) u_ebr (
                .clk(clk), .we_i(we_i), .waddr_i(waddr_i), .wdata_i(wdata_i), .re_i(re_i), .raddr_i(raddr_i),
                .rdata_o(rdata_o)
            );
        end else begin : g_infer
            reg [WIDTH-1:0] rd_q;
            if (BLOCK != 0) begin : g_block
                (* ram_style = "block", no_rw_check *) reg [WIDTH-1:0] mem [0:DEPTH-1];
                always @(posedge clk) begin
                    if (we_i) mem[waddr_i] <= wdata_i;
                    if (re_i) rd_q <= mem[raddr_i];
                end
            end else begin : g_auto
                (* no_rw_check *) reg [WIDTH-1:0] mem [0:DEPTH-1];
                always @(posedge clk) begin
                    if (we_i) mem[waddr_i] <= wdata_i;
                    if (re_i) rd_q <= mem[raddr_i];
                end
            end
            if (OREG != 0) begin : g_oreg
                reg [WIDTH-1:0] out_q;
                always @(posedge clk) out_q <= rd_q;
                assign rdata_o = out_q;
            end else begin : g_noreg
                assign rdata_o = rd_q;
            end
        end
    endgenerate
endmodule

`resetall
