// wmem — the weight memory: DEPTH words of WIDTH = 2*LANES bits, a write port (the loader, while no
// inference runs) and a read port (the sequencer, while one does; never in the same cycle as a
// write), with a read latency of two cycles: rdata_o holds the word two cycles after re_i and keeps
// it until the result of the next read. The extra cycle is a register on the side that needs it:
// after the block RAM's output on GENERIC (an ECP5 EBR's output is slow and fans out to every
// lane), before the SPRAM's read address on ICE40 (the SPRAM's output is registered inside it, and
// a fabric register for 2*LANES bits would cost as many logic cells).
//
// Parameters:
//   WIDTH     bits per word (2*LANES)
//   DEPTH     words
//   AW        address bits, >= clog2(DEPTH)
//   MEM_TECH  "GENERIC": an inferred array (simulation, ECP5 EBR: ram_sdp);
//             "ICE40":   iCE40 UP5K single-port RAMs, SB_SPRAM256KA (16K x 16 each), WIDTH/16 side
//                        by side and ceil(DEPTH/16K) rows deep; the UP5K has four of them.
`default_nettype none

module wmem #(
    parameter integer WIDTH    = 64,
    parameter integer DEPTH    = 16384,
    parameter integer AW       = 14,
    parameter [63:0]  MEM_TECH = "GENERIC"
) (
    input  wire             clk,
    input  wire             we_i,     // write wdata_i at waddr_i
    input  wire [AW-1:0]    waddr_i,
    input  wire [WIDTH-1:0] wdata_i,
    input  wire             re_i,     // read raddr_i: rdata_o two cycles later
    input  wire [AW-1:0]    raddr_i,
    output wire [WIDTH-1:0] rdata_o
);
    localparam integer SPRAM_WORDS = 16384;
    localparam integer SPRAM_COUNT = 4;  // SB_SPRAM256KA blocks on an iCE40 UP5K
    localparam integer COLS        = WIDTH / 16;
    localparam integer ROWS        = (DEPTH + SPRAM_WORDS - 1) / SPRAM_WORDS;
    localparam integer RW          = AW > 14 ? AW - 14 : 1;

    initial begin
        if ((1 << AW) < DEPTH) begin
            $display("wmem: AW = %0d cannot address DEPTH = %0d words", AW, DEPTH);
            $finish;
        end
        if (MEM_TECH != "GENERIC" && MEM_TECH != "ICE40") begin
            $display("wmem: MEM_TECH = \"%0s\", need \"GENERIC\" or \"ICE40\"", MEM_TECH | 64'd0);  // "| 0": Icarus prints a sized string parameter as ""
            $finish;
        end
        if (MEM_TECH == "ICE40" && (WIDTH % 16 != 0 || COLS * ROWS > SPRAM_COUNT)) begin
            $display("wmem: ICE40: %0d x %0d bits needs %0d x %0d SB_SPRAM256KA, the UP5K has %0d (WIDTH a multiple of 16)",
                     DEPTH, WIDTH, ROWS, COLS, SPRAM_COUNT);
            $finish;
        end
    end

    generate
        if (MEM_TECH == "ICE40") begin : g_ice40
            reg                   re_q;
            reg  [AW-1:0]         raddr_q;
            wire [AW-1:0]         addr = we_i ? waddr_i : raddr_q;
            wire                  en   = we_i || re_q;
            wire [13:0]           lo;     // address inside one SB_SPRAM256KA
            wire [RW-1:0]         row;    // which row of blocks
            reg  [RW-1:0]         row_q;  // row of the last read: picks the bank on the output
            wire [ROWS*WIDTH-1:0] dout;
            always @(posedge clk) begin
                re_q    <= re_i;
                raddr_q <= raddr_i;
            end
            if (AW > 14) begin : g_rows
                assign lo  = addr[13:0];
                assign row = addr[AW-1:14];
            end else if (AW == 14) begin : g_one_row
                assign lo  = addr;
                assign row = {RW{1'b0}};
            end else begin : g_short
                assign lo  = {{(14 - AW){1'b0}}, addr};
                assign row = {RW{1'b0}};
            end
            always @(posedge clk) if (re_q && !we_i) row_q <= row;
            genvar r, c;
            for (r = 0; r < ROWS; r = r + 1) begin : g_row
                for (c = 0; c < COLS; c = c + 1) begin : g_col
                    SB_SPRAM256KA u_spram (
                        .ADDRESS   (lo),
                        .DATAIN    (wdata_i[16*c +: 16]),
                        .MASKWREN  (4'b1111),
                        .WREN      (we_i),
                        .CHIPSELECT(en && row == r),
                        .CLOCK     (clk),
                        .STANDBY   (1'b0),
                        .SLEEP     (1'b0),
                        .POWEROFF  (1'b1),
                        .DATAOUT   (dout[r*WIDTH + 16*c +: 16])
                    );
                end
            end
            assign rdata_o = dout[row_q*WIDTH +: WIDTH];
        end else begin : g_generic
            wire [WIDTH-1:0] dout;
            reg  [WIDTH-1:0] rdata_q;
            ram_sdp #(.WIDTH(WIDTH), .DEPTH(DEPTH), .AW(AW)) u_ram (
                .clk    (clk),
                .we_i   (we_i),
                .waddr_i(waddr_i),
                .wdata_i(wdata_i),
                .re_i   (re_i),
                .raddr_i(raddr_i),
                .rdata_o(dout)
            );
            always @(posedge clk) rdata_q <= dout;
            assign rdata_o = rdata_q;
        end
    endgenerate
endmodule

`resetall
