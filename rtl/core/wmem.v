// wmem — the weight memory: DEPTH words of WIDTH = 2*LANES bits, a write port (the loader, while no
// inference runs) and a read port (the sequencer, while one does; never in the same cycle as a
// write), with a read latency of three cycles (four on ECP5): rdata_o holds the word that many
// cycles after re_i and keeps it until the result of the next read. The extra cycles are
// registers on the side that needs them. GENERIC and ECP5: the read address and enable (they fan
// out to every block RAM), and each 16K-word row's output (an ECP5 EBR's output is slow to leave
// it, its RAMs spread over the die, and the word fans out to every lane): a fabric register on
// GENERIC, the blocks' own output registers on ECP5 (ebr_ecp5); the row multiplexer follows, and on
// ECP5 a register behind it (the blocks of a bit's rows lie apart on the die), and the write port
// is registered too. ICE40: two before the SPRAM's read address (the SPRAM's output is registered
// inside it, and a fabric register for 2*LANES bits would cost as many logic cells). A write must
// not come while a read is in flight (the core never overlaps them).
//
// Parameters:
//   WIDTH     bits per word (2*LANES)
//   DEPTH     words
//   AW        address bits, >= clog2(DEPTH)
//   MEM_TECH  "GENERIC": an inferred array (simulation: ram_sdp);
//             "ECP5":    the same rows of ECP5 DP16KD with their output registers (ebr_ecp5);
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
    input  wire             re_i,     // read raddr_i: rdata_o three cycles later
    input  wire [AW-1:0]    raddr_i,
    output wire [WIDTH-1:0] rdata_o
);
    // a row: 16K words (an SB_SPRAM256KA's depth; on GENERIC, WIDTH ECP5 DP16KD in 16K x 1 mode)
    localparam integer SPRAM_WORDS = 16384;
    localparam integer SPRAM_COUNT = 4;  // SB_SPRAM256KA blocks on an iCE40 UP5K
    localparam integer COLS        = WIDTH / 16;
    localparam integer ROWS        = (DEPTH + SPRAM_WORDS - 1) / SPRAM_WORDS;
    localparam integer RW          = AW > 14 ? AW - 14 : 1;
    localparam integer RAW         = AW > 14 ? 14 : AW;  // address bits within a row

    initial begin
        if ((1 << AW) < DEPTH) begin
            $display("wmem: AW = %0d cannot address DEPTH = %0d words", AW, DEPTH);
            $finish;
        end
        if (MEM_TECH != "GENERIC" && MEM_TECH != "ECP5" && MEM_TECH != "ICE40") begin
            $display("wmem: MEM_TECH = \"%0s\", need \"GENERIC\", \"ECP5\" or \"ICE40\"", MEM_TECH | 64'd0);  // "| 0": Icarus prints a sized string parameter as ""
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
            reg  [AW-1:0]         raddr_q, raddr_q2;
            reg                   re_q2;
            wire [AW-1:0]         addr = we_i ? waddr_i : raddr_q2;
            wire                  en   = we_i || re_q2;
            wire [13:0]           lo;     // address inside one SB_SPRAM256KA
            wire [RW-1:0]         row;    // which row of blocks
            reg  [RW-1:0]         row_q;  // row of the last read: picks the bank on the output
            wire [ROWS*WIDTH-1:0] dout;
            always @(posedge clk) begin
                re_q     <= re_i;
                raddr_q  <= raddr_i;
                re_q2    <= re_q;
                raddr_q2 <= raddr_q;
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
            always @(posedge clk) if (re_q2 && !we_i) row_q <= row;
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
            genvar r;
            // the read address and enable registered (they fan out to every block RAM), then rows
            // of at most SPRAM_WORDS words, each a block RAM array with an output register (on
            // the ECP5 a 16K-word row is WIDTH DP16KD in x1 mode, no depth multiplexer, and the
            // register is each block's own); the row of the word read selects among them
            reg                   re_q;
            reg  [AW-1:0]         raddr_q;
            wire [ROWS*WIDTH-1:0] gq;
            reg  [RW-1:0]         gsel2_q, gsel3_q;  // the row read, two and three cycles later
            always @(posedge clk) begin
                re_q    <= re_i;
                raddr_q <= raddr_i;
                if (re_q) gsel2_q <= ROWS > 1 ? raddr_q[AW-1:AW-RW] : {RW{1'b0}};
                gsel3_q <= gsel2_q;
            end
            // ECP5: the write registered too (its data fans out to every block across the die); a
            // read never comes in a write's cycle, and reads its RAM a cycle later as well
            wire             w_we;
            wire [AW-1:0]    w_addr;
            wire [WIDTH-1:0] w_data;
            if (MEM_TECH == "ECP5") begin : g_wreg
                reg             we_q;
                reg [AW-1:0]    wa_q;
                reg [WIDTH-1:0] wd_q;
                always @(posedge clk) begin
                    we_q <= we_i;
                    wa_q <= waddr_i;
                    wd_q <= wdata_i;
                end
                assign {w_we, w_addr, w_data} = {we_q, wa_q, wd_q};
            end else begin : g_w
                assign {w_we, w_addr, w_data} = {we_i, waddr_i, wdata_i};
            end
            for (r = 0; r < ROWS; r = r + 1) begin : g_row
                localparam integer RD = DEPTH - r * SPRAM_WORDS < SPRAM_WORDS ? DEPTH - r * SPRAM_WORDS : SPRAM_WORDS;
                wire             here_w = ROWS == 1 || w_addr[AW-1:AW-RW] == r;
                if (MEM_TECH == "ECP5") begin : g_ebr  // the blocks' own output registers
                    ebr_ecp5 #(.WIDTH(WIDTH), .DEPTH(RD), .AW(RAW)) u_ram (
                        .clk    (clk),
                        .we_i   (w_we && here_w),
                        .waddr_i(w_addr[RAW-1:0]),
                        .wdata_i(w_data),
                        .re_i   (re_q),
                        .raddr_i(raddr_q[RAW-1:0]),
                        .rdata_o(gq[r*WIDTH +: WIDTH])
                    );
                end else begin : g_ram  // a fabric register behind the inferred RAM
                    wire [WIDTH-1:0] dout;
                    reg  [WIDTH-1:0] dout_q;
                    ram_sdp #(.WIDTH(WIDTH), .DEPTH(RD), .AW(RAW)) u_ram (
                        .clk    (clk),
                        .we_i   (w_we && here_w),
                        .waddr_i(w_addr[RAW-1:0]),
                        .wdata_i(w_data),
                        .re_i   (re_q),
                        .raddr_i(raddr_q[RAW-1:0]),
                        .rdata_o(dout)
                    );
                    always @(posedge clk) dout_q <= dout;
                    assign gq[r*WIDTH +: WIDTH] = dout_q;
                end
            end
            if (MEM_TECH == "ECP5") begin : g_mux_reg  // latency 4: the row multiplexer registered
                reg [WIDTH-1:0] word_q;
                always @(posedge clk) word_q <= gq[gsel3_q*WIDTH +: WIDTH];
                assign rdata_o = word_q;
            end else begin : g_mux
                assign rdata_o = gq[gsel3_q*WIDTH +: WIDTH];
            end
        end
    endgenerate
endmodule

`resetall
