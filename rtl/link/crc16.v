// crc16 — one byte of CRC-16/CCITT-FALSE (polynomial 0x1021, MSB first, init 0xFFFF, no final
// xor; check value of "123456789" = 0x29B1), combinational: crc_o = crc_i updated with data_i.
// The framing CRC of docs/protocol.md; sw/host/host_proto.c computes the same (q2_crc16_update).
//
// Parameters: none.
`default_nettype none

module crc16 (
    input  wire [15:0] crc_i,
    input  wire [7:0]  data_i,
    output reg  [15:0] crc_o
);

    integer k;

    always @* begin
        crc_o = crc_i ^ {data_i, 8'h00};
        for (k = 0; k < 8; k = k + 1) begin
            crc_o = crc_o[15] ? ({crc_o[14:0], 1'b0} ^ 16'h1021) : {crc_o[14:0], 1'b0};
        end
    end

endmodule

`resetall
