// uart_tx — 8N1 UART transmitter with a valid/ready byte input. A byte offered while the stop bit
// of the previous one is in its last cycle is taken then, so a stream of bytes leaves back to back:
// exactly 10 * CLKS_PER_BIT cycles per byte.
//
// Timing: ready_o is a register (set the cycle before the stop bit's last cycle); the bit timer
// counts down and its end is registered a cycle ahead (be_q), as is "the stop bit is on" (lz_q),
// so every enable is a register or two.
//
// Parameters:
//   CLKS_PER_BIT  clock cycles per bit (clock_hz / baud), >= 3 (sim/rtl_unit.c checks 3 and 4).
`default_nettype none

module uart_tx #(
    parameter integer CLKS_PER_BIT = 4
) (
    input  wire       clk,
    input  wire       rst,
    input  wire [7:0] data_i,
    input  wire       valid_i,
    output reg        ready_o,   // data_i is taken when valid_i && ready_o
    output reg        tx_o,      // serial line, idle high
    output wire       busy_o     // a byte is on the line
);

    localparam integer CW = (CLKS_PER_BIT > 1) ? $clog2(CLKS_PER_BIT) : 1;
    localparam integer FULL_M1 = CLKS_PER_BIT - 1;

    initial begin
        if (CLKS_PER_BIT < 3) begin
            $display("uart_tx: CLKS_PER_BIT = %0d, need >= 3", CLKS_PER_BIT);
            $finish;
        end
    end

    reg          active_q;   // a byte is being sent
    reg [CW-1:0] cnt_q;      // cycles left in the current bit, minus one (runs on when idle)
    reg          be_q;       // the current bit ends this cycle (cnt_q is 0)
    reg [3:0]    left_q;     // bits left after the current one: 9 at the start bit, 0 at the stop bit
    reg          lz_q;       // left_q is 0 (registered: it moves only when a bit ends)
    reg [7:0]    shift_q;    // the data bits still to send, LSB next
    wire         take = valid_i && ready_o;

    assign busy_o = active_q;

    always @(posedge clk) begin
        cnt_q <= (take || be_q) ? FULL_M1[CW-1:0] : cnt_q - 1'b1;
        be_q  <= active_q && (cnt_q == 1) && !take;
        lz_q  <= (left_q == 4'd0);
        if (active_q && lz_q && cnt_q == 1) ready_o <= 1'b1;   // the stop bit's last cycle next
        if (take) begin
            active_q <= 1'b1;
            ready_o  <= 1'b0;
            tx_o     <= 1'b0;                       // start bit
            shift_q  <= data_i;
            left_q   <= 4'd9;
        end else if (be_q) begin
            if (lz_q) begin
                active_q <= 1'b0;                   // stop bit done
            end else begin
                tx_o    <= shift_q[0];              // the data bits, then the stop bit (shifted-in ones)
                shift_q <= {1'b1, shift_q[7:1]};
                left_q  <= left_q - 1'b1;
            end
        end
        if (rst) begin
            active_q <= 1'b0;
            be_q     <= 1'b0;
            ready_o  <= 1'b1;
            tx_o     <= 1'b1;
        end
    end

endmodule

`resetall
