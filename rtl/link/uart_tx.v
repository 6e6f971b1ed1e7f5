// uart_tx — 8N1 UART transmitter with a valid/ready byte input. A byte offered while the stop bit
// of the previous one is in its last cycle is taken then, so a stream of bytes leaves back to back:
// exactly 10 * CLKS_PER_BIT cycles per byte.
//
// Parameters:
//   CLKS_PER_BIT  clock cycles per bit (clock_hz / baud), >= 4.
`default_nettype none

module uart_tx #(
    parameter integer CLKS_PER_BIT = 4
) (
    input  wire       clk,
    input  wire       rst,
    input  wire [7:0] data_i,
    input  wire       valid_i,
    output wire       ready_o,   // data_i is taken when valid_i && ready_o
    output reg        tx_o,      // serial line, idle high
    output wire       busy_o     // a byte is on the line
);

    localparam integer CW = (CLKS_PER_BIT > 1) ? $clog2(CLKS_PER_BIT) : 1;
    localparam integer FULL_M1 = CLKS_PER_BIT - 1;

    initial begin
        if (CLKS_PER_BIT < 4) begin
            $display("uart_tx: CLKS_PER_BIT = %0d, need >= 4", CLKS_PER_BIT);
            $finish;
        end
    end

    reg          active_q;   // a byte is being sent
    reg [CW-1:0] cnt_q;      // cycles left in the current bit
    reg [3:0]    bit_q;      // 0 start, 1..8 data, 9 stop
    reg [8:0]    shift_q;    // {stop, data[7:1]...}: the bits still to send after the current one

    wire last_cycle = active_q && (bit_q == 4'd9) && (cnt_q == 0);
    assign ready_o = !active_q || last_cycle;
    assign busy_o  = active_q;

    always @(posedge clk) begin
        if (valid_i && ready_o) begin
            active_q <= 1'b1;
            tx_o     <= 1'b0;                       // start bit
            shift_q  <= {1'b1, data_i};
            bit_q    <= 4'd0;
            cnt_q    <= FULL_M1[CW-1:0];
        end else if (active_q) begin
            if (cnt_q != 0) begin
                cnt_q <= cnt_q - 1'b1;
            end else if (bit_q == 4'd9) begin
                active_q <= 1'b0;                   // stop bit done
                tx_o     <= 1'b1;
            end else begin
                tx_o    <= shift_q[0];
                shift_q <= {1'b1, shift_q[8:1]};
                bit_q   <= bit_q + 1'b1;
                cnt_q   <= FULL_M1[CW-1:0];
            end
        end
        if (rst) begin
            active_q <= 1'b0;
            tx_o     <= 1'b1;
            cnt_q    <= {CW{1'b0}};
            bit_q    <= 4'd0;
            shift_q  <= 9'h1ff;
        end
    end

endmodule

`resetall
