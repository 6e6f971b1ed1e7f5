// heartbeat — the "alive" blink of the board LEDs: beat_o toggles every 2^(LO_W + HI_W - 1) clock
// cycles (2^24 by default: ~1.6 Hz at 27 MHz, ~1.8 Hz at 60 MHz). Two short counters, the high one
// enabled by a registered carry of the low one, keep it off the critical path.
//
// Parameters:
//   LO_W  bits of the low counter, 2..16
//   HI_W  bits of the high counter (beat_o is its top bit), 2..16
`default_nettype none

module heartbeat #(
    parameter integer LO_W = 12,
    parameter integer HI_W = 13
) (
    input  wire clk,
    input  wire rst,
    output wire beat_o
);
    initial begin
        if (LO_W < 2 || LO_W > 16 || HI_W < 2 || HI_W > 16) begin
            $display("heartbeat: LO_W = %0d, HI_W = %0d, need 2..16 each", LO_W, HI_W);
            $finish;
        end
    end

    reg [LO_W-1:0] beat_lo_q;
    reg            beat_tick_q;   // the low counter was all ones a cycle ago
    reg [HI_W-1:0] beat_hi_q;
    always @(posedge clk) begin
        if (rst) begin
            beat_lo_q   <= {LO_W{1'b0}};
            beat_tick_q <= 1'b0;
            beat_hi_q   <= {HI_W{1'b0}};
        end else begin
            beat_lo_q   <= beat_lo_q + 1'b1;
            beat_tick_q <= &beat_lo_q;
            if (beat_tick_q) beat_hi_q <= beat_hi_q + 1'b1;
        end
    end
    assign beat_o = beat_hi_q[HI_W-1];
endmodule

`resetall
