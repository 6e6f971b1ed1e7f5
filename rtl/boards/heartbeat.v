// heartbeat — the "alive" blink of the board LEDs: beat_o toggles every 2^(W - 1) clock cycles
// (2^24 by default: ~1.6 Hz at 27 MHz, ~2.1 Hz at 36 MHz, ~2.9 Hz at 48 MHz, ~1.8 Hz at 60 MHz). One counter, one
// logic cell a bit (the carry chain); beat_o is its top bit.
//
// Parameters:
//   W  bits of the counter, 2..32
`default_nettype none

module heartbeat #(
    parameter integer W = 25
) (
    input  wire clk,
    input  wire rst,
    output wire beat_o
);
    initial begin
        if (W < 2 || W > 32) begin
            $display("heartbeat: W = %0d, need 2..32", W);
            $finish;
        end
    end

    reg [W-1:0] beat_q;
    always @(posedge clk) begin
        beat_q <= beat_q + 1'b1;
        if (rst) beat_q <= {W{1'b0}};
    end
    assign beat_o = beat_q[W-1];
endmodule

`resetall
