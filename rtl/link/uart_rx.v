// uart_rx — 8N1 UART receiver: two-flop synchroniser, start bit checked at mid-bit, data bits
// sampled at mid-bit LSB first, stop bit checked (a low stop bit is a framing error: the byte is
// dropped and the receiver waits for the line to go high again before looking for a start bit).
//
// Parameters:
//   CLKS_PER_BIT  clock cycles per bit (clock_hz / baud), >= 3. Examples: 12 MHz / 3 Mbaud = 4,
//                 48 MHz / 3 Mbaud = 16, 48 MHz / 12 Mbaud = 4, 36 MHz / 12 Mbaud = 3.
//
// Timing: the stop bit is checked in its middle and the receiver is ready for the next start bit
// half a bit before the stop bit ends, so back-to-back bytes (no idle time) are received.
//
// Sampling and resynchronisation: the line is sampled on both clock edges (rx_q on the rising,
// rx_n on the falling one; each then through one more rising-edge flop), so a falling edge is
// placed to half a cycle: when the newer sample (the falling-edge one, rx_nq) shows it first
// while the older (rx_q2) is still high, the edge came in the later half cycle and the bits are
// sampled from rx_nq, else from rx_q2 (ph_q). Either way a bit is sampled CLKS_PER_BIT/2 to
// CLKS_PER_BIT/2 + 1/2 cycles after its leading edge (at 4 clocks per bit: 50..62.5 % of the
// bit, not 50..75 %), and every CLKS_PER_BIT cycles after. Every falling edge inside the data
// bits (a bit boundary) restarts the bit timer and the phase the same way, so the sender's rate
// error only accumulates from the last falling edge. sim/rtl_unit.c checks 3, 4 and 12 clocks
// per bit against a sender -2..+2 % off with +-5 % jitter on every edge, driving the line on
// both clock edges. Worst case at 4 clocks per bit, +-2 %, a byte without falling edges (0xFF):
// the stop bit is sampled at 31..82 % of it; at 3 clocks per bit (33..50 % of a bit after the
// edge) at 14..69 %.
// data_o is the shift register itself: it holds the byte from valid_o until the middle of the next
// start bit (at least one bit time, CLKS_PER_BIT >= 3 cycles). A marker bit shifted in with the
// data counts the eight data bits (no bit counter).
`default_nettype none

module uart_rx #(
    parameter integer CLKS_PER_BIT = 4
) (
    input  wire       clk,
    input  wire       rst,
    input  wire       rx_i,         // serial line, idle high, asynchronous to clk
    output wire [7:0] data_o,       // the byte, valid with valid_o (held for a bit time at least)
    output reg        valid_o,      // 1-cycle pulse: a byte with a good stop bit
    output reg        frame_err_o,  // 1-cycle pulse: the stop bit was low, byte dropped
    output wire       busy_o        // a byte is being received
);

    localparam integer CW = (CLKS_PER_BIT > 1) ? $clog2(CLKS_PER_BIT) : 1;
    localparam integer HALF_M1 = CLKS_PER_BIT / 2 - 1;
    localparam integer FULL_M1 = CLKS_PER_BIT - 1;

    initial begin
        if (CLKS_PER_BIT < 3) begin
            $display("uart_rx: CLKS_PER_BIT = %0d, need >= 3", CLKS_PER_BIT);
            $finish;
        end
    end

    localparam [2:0] S_IDLE = 3'd0, S_START = 3'd1, S_DATA = 3'd2, S_STOP = 3'd3, S_BREAK = 3'd4;

    reg          rx_q, rx_q2;   // synchroniser on the rising edge: rx_q2 is the line a cycle ago
    reg          rx_n;          // the line at the falling edge
    reg          rx_nq, rx_nq2; // rx_n on the rising edge (the line half a cycle ago), and a cycle
                                // later: rx_nq2 && !rx_nq is a falling edge of the line
    reg          ph_q;          // sample rx_nq (the edge came in the later half cycle), else rx_q2
    wire         fall = rx_nq2 && !rx_nq;
    wire         bit_in = ph_q ? rx_nq : rx_q2;   // the line at this bit's sample point
    reg [2:0]    state_q;
    reg [CW-1:0] cnt_q;         // cycles left until the next sample point
    reg          cz_q;          // cnt_q == 0 (kept as a register: a short path to the enables)
    reg [7:0]    shift_q;       // the data bits come in at the top, above a marker bit that is
                                // shifted out by the eighth: then shift_q is the byte

    assign busy_o = (state_q != S_IDLE);
    assign data_o = shift_q;

    always @(negedge clk) rx_n <= rx_i;

    always @(posedge clk) begin
        rx_q   <= rx_i;
        rx_q2  <= rx_q;
        rx_nq  <= rx_n;
        rx_nq2 <= rx_nq;
        valid_o     <= 1'b0;
        frame_err_o <= 1'b0;
        case (state_q)
            S_IDLE: begin
                if (!rx_nq) begin                    // the newer sample sees the start bit
                    state_q <= S_START;
                    cnt_q   <= HALF_M1[CW-1:0];
                    cz_q    <= HALF_M1 == 0;
                    ph_q    <= rx_q2;                // the older does not yet: the later half
                end
            end
            S_START: begin
                if (!cz_q) begin
                    cnt_q <= cnt_q - 1'b1;
                    cz_q  <= cnt_q == 1;
                end else if (!bit_in) begin          // still low in the middle: a real start bit
                    state_q <= S_DATA;
                    cnt_q   <= FULL_M1[CW-1:0];
                    cz_q    <= 1'b0;                 // FULL_M1 >= 2
                    shift_q <= 8'h80;                // the marker
                end else begin                       // a glitch
                    state_q <= S_IDLE;
                end
            end
            S_DATA: begin
                if (!cz_q) begin
                    // a falling edge is a bit boundary: sample as after the start bit's edge
                    cnt_q <= fall ? HALF_M1[CW-1:0] : cnt_q - 1'b1;
                    cz_q  <= fall ? HALF_M1 == 0 : cnt_q == 1;
                    if (fall) ph_q <= rx_q2;
                end else begin
                    shift_q <= {bit_in, shift_q[7:1]};
                    cnt_q   <= FULL_M1[CW-1:0];
                    cz_q    <= 1'b0;
                    if (shift_q[0]) state_q <= S_STOP;   // the marker leaves: 8 bits in
                end
            end
            S_STOP: begin
                if (!cz_q) begin
                    cnt_q <= cnt_q - 1'b1;
                    cz_q  <= cnt_q == 1;
                end else if (bit_in) begin
                    valid_o <= 1'b1;
                    state_q <= S_IDLE;
                end else begin
                    frame_err_o <= 1'b1;
                    state_q     <= S_BREAK;
                end
            end
            default: begin                           // S_BREAK: wait for the line to go high
                if (rx_q2 && rx_nq) state_q <= S_IDLE;
            end
        endcase
        if (rst) begin
            rx_q        <= 1'b1;
            rx_q2       <= 1'b1;
            rx_nq       <= 1'b1;
            rx_nq2      <= 1'b1;
            ph_q        <= 1'b0;
            state_q     <= S_IDLE;
            cnt_q       <= {CW{1'b0}};
            cz_q        <= 1'b1;
            shift_q     <= 8'd0;
            valid_o     <= 1'b0;
            frame_err_o <= 1'b0;
        end
    end

endmodule

`resetall
