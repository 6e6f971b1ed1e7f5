// wmem — the weight memory: DEPTH words of WIDTH = 2*LANES bits, one port (the loader writes while
// no inference runs, the sequencer reads while one does), registered read: rdata_o holds the word
// one cycle after a read (en_i && !we_i) and keeps it until the next read.
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
    input  wire             en_i,     // access this cycle
    input  wire             we_i,     // write (with en_i)
    input  wire [AW-1:0]    addr_i,
    input  wire [WIDTH-1:0] wdata_i,
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
            wire [13:0]           lo;     // address inside one SB_SPRAM256KA
            wire [RW-1:0]         row;    // which row of blocks
            reg  [RW-1:0]         row_q;  // row of the last read: picks the bank on the output
            wire [ROWS*WIDTH-1:0] dout;
            if (AW > 14) begin : g_rows
                assign lo  = addr_i[13:0];
                assign row = addr_i[AW-1:14];
            end else if (AW == 14) begin : g_one_row
                assign lo  = addr_i;
                assign row = {RW{1'b0}};
            end else begin : g_short
                assign lo  = {{(14 - AW){1'b0}}, addr_i};
                assign row = {RW{1'b0}};
            end
            always @(posedge clk) if (en_i && !we_i) row_q <= row;
            genvar r, c;
            for (r = 0; r < ROWS; r = r + 1) begin : g_row
                for (c = 0; c < COLS; c = c + 1) begin : g_col
                    SB_SPRAM256KA u_spram (
                        .ADDRESS   (lo),
                        .DATAIN    (wdata_i[16*c +: 16]),
                        .MASKWREN  (4'b1111),
                        .WREN      (we_i),
                        .CHIPSELECT(en_i && row == r),
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
            ram_sdp #(.WIDTH(WIDTH), .DEPTH(DEPTH), .AW(AW)) u_ram (
                .clk    (clk),
                .we_i   (en_i && we_i),
                .waddr_i(addr_i),
                .wdata_i(wdata_i),
                .re_i   (en_i && !we_i),
                .raddr_i(addr_i),
                .rdata_o(rdata_o)
            );
        end
    endgenerate
endmodule

`resetall
