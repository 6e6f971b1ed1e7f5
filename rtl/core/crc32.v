// crc32 — byte-serial CRC-32/IEEE, the CRC of zlib's crc32() (reflected polynomial 0xEDB88320,
// init and xorout 0xFFFFFFFF): crc_o is the CRC of the bytes taken since clear_i, one byte a cycle.
//
// Parameters: none.
`default_nettype none

module crc32 (
    input  wire        clk,
    input  wire        rst,      // synchronous: same as clear_i
    input  wire        clear_i,  // start over: crc_o becomes the CRC of no bytes (0)
    input  wire        valid_i,  // take data_i this cycle (clear_i wins)
    input  wire [7:0]  data_i,
    output wire [31:0] crc_o     // finished CRC of the bytes taken so far
);
    // One byte through the reflected LFSR: eight shift-and-conditional-XOR steps, unrolled.
    function [31:0] crc_step(input [31:0] c, input [7:0] b);
        integer k;
        reg [31:0] x;
        begin
            x = c ^ {24'd0, b};
            for (k = 0; k < 8; k = k + 1)
                x = x[0] ? ((x >> 1) ^ 32'hEDB88320) : (x >> 1);
            crc_step = x;
        end
    endfunction

    reg [31:0] lfsr_q;  // the running (not yet inverted) register
    always @(posedge clk) begin
        if (rst || clear_i) lfsr_q <= 32'hFFFFFFFF;
        else if (valid_i)   lfsr_q <= crc_step(lfsr_q, data_i);
    end
    assign crc_o = ~lfsr_q;
endmodule

`resetall
