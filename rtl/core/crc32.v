// crc32 — serial CRC-32/IEEE, the CRC of zlib's crc32() (reflected polynomial 0xEDB88320, init and
// xorout 0xFFFFFFFF): crc_o is the CRC of the bits taken since clear_i, BITS of them a cycle, the
// least significant first (a byte is one step of BITS 8, two of BITS 4, four of BITS 2).
//
// Parameters:
//   BITS   bits per step, 1..8. The polynomial's bits 4:0 are zero, so for BITS <= 5 every feedback
//          bit is one register bit xor one data bit (formed once) and each register bit depends
//          on at most BITS + 1 signals: BITS <= 3 is one LUT4 per bit (BITS 4: about two).
`default_nettype none

module crc32 #(
    parameter integer BITS = 8
) (
    input  wire            clk,
    input  wire            rst,      // synchronous: same as clear_i
    input  wire            clear_i,  // start over: crc_o becomes the CRC of no bytes (0)
    input  wire            valid_i,  // take data_i this cycle (clear_i wins)
    input  wire [BITS-1:0] data_i,
    output wire [31:0]     crc_o     // finished CRC of the bits taken so far
);
    initial begin
        if (BITS < 1 || BITS > 8) begin
            $display("crc32: BITS = %0d, need 1..8", BITS);
            $finish;
        end
    end

    reg [31:0] lfsr_q;  // the running (not yet inverted) register

    // BITS bits through the reflected LFSR: BITS shift-and-conditional-XOR steps, unrolled. With
    // BITS <= 5 the feedback bits f (register bit xor data bit) are formed once and shared.
    localparam [31:0] POLY = 32'hEDB88320;
    wire [BITS-1:0] fb = lfsr_q[BITS-1:0] ^ data_i;
    function [31:0] crc_step(input [31:0] c, input [BITS-1:0] b, input [BITS-1:0] f);
        integer k;
        reg [31:0] x;
        begin
            if (BITS <= 5) begin
                x = c >> BITS;
                for (k = 0; k < BITS; k = k + 1)
                    if (f[k]) x = x ^ (POLY >> (BITS - 1 - k));
            end else begin
                x = c ^ {{(32 - BITS){1'b0}}, b};
                for (k = 0; k < BITS; k = k + 1)
                    x = x[0] ? ((x >> 1) ^ POLY) : (x >> 1);
            end
            crc_step = x;
        end
    endfunction

    always @(posedge clk) begin
        if (rst || clear_i) lfsr_q <= 32'hFFFFFFFF;
        else if (valid_i)   lfsr_q <= crc_step(lfsr_q, data_i, fb);
    end
    assign crc_o = ~lfsr_q;
endmodule

`resetall
