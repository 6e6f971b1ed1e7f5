// tx_fifo — the response bytes' buffer between proto's executor and uart_tx (block RAM, one
// iCE40 EBR at 512 bytes): the executor writes a response at its own speed (a byte every two
// cycles) and goes on with the next record while the UART sends the bytes at the line rate. So
// the response of image n leaves the wire while image n+1 is fed to the core and computed.
//
// Both sides are valid/ready. in_ready_o is a register: it says "at least one byte fits" from the
// count a cycle ago, so it drops one byte early (DEPTH - 1 bytes are usable). The output is a
// register too (out_data_o / out_valid_o), loaded from the RAM's registered output two cycles
// after the byte is there; the UART takes a byte at most every 10 * CLKS_PER_BIT cycles, so the
// bytes still leave back to back. A byte is never read in the cycle it is written (it is read
// from a cycle after the count that shows it).
//
// Parameters:
//   DEPTH  bytes of the buffer: a power of two, 64..32768 (a response of N classes is 6 + 4 (3 +
//          N) + 2 bytes: 60 for 10 classes; a longer one just waits for room)
`default_nettype none

module tx_fifo #(
    parameter integer DEPTH = 512
) (
    input  wire       clk,
    input  wire       rst,
    input  wire [7:0] in_data_i,
    input  wire       in_valid_i,
    output reg        in_ready_o,     // in_data_i is taken when in_valid_i && in_ready_o
    output reg  [7:0] out_data_o,
    output reg        out_valid_o,
    input  wire       out_ready_i,    // out_data_o is taken when out_valid_o && out_ready_i
    output wire       empty_o         // nothing stored, nothing offered
);

    localparam integer AW = $clog2(DEPTH);
    localparam integer ROOM_I   = DEPTH - 2;
    localparam [AW:0]  ROOM_MAX = ROOM_I[AW:0];   // ready while at most this many are stored

    initial begin
        if (DEPTH < 64 || DEPTH > 32768 || (DEPTH & (DEPTH - 1)) != 0) begin
            $display("tx_fifo: DEPTH = %0d, need a power of two in 64..32768", DEPTH);
            $finish;
        end
    end

    (* no_rw_check *) reg [7:0] mem [0:DEPTH-1];
    reg  [7:0]    rd_q;            // mem[rptr_q] a cycle ago
    reg  [AW-1:0] wptr_q, rptr_q;
    reg  [AW:0]   cnt_q;           // bytes stored (not counting out_data_o)
    reg           have_q;          // cnt_q != 0
    reg           pop1_q;          // rd_q shows the byte at rptr_q: load it next
    wire          push = in_valid_i && in_ready_o;
    wire          pop  = pop1_q;
    wire          start = have_q && !pop1_q && !out_valid_o;

    assign empty_o = !have_q && !pop1_q && !out_valid_o;

    always @(posedge clk) begin
        if (push) mem[wptr_q] <= in_data_i;
        rd_q <= mem[rptr_q];
    end

    always @(posedge clk) begin
        if (push) wptr_q <= wptr_q + 1'b1;
        if (pop) rptr_q <= rptr_q + 1'b1;
        if (push && !pop) cnt_q <= cnt_q + 1'b1;
        if (pop && !push) cnt_q <= cnt_q - 1'b1;
        // the count after this cycle is nonzero (a pop implies cnt_q >= 1)
        have_q     <= push || (cnt_q[AW:1] != 0) || (cnt_q[0] && !pop);
        in_ready_o <= (cnt_q <= ROOM_MAX);
        pop1_q     <= start;
        if (pop) begin
            out_data_o  <= rd_q;
            out_valid_o <= 1'b1;
        end else if (out_ready_i) begin
            out_valid_o <= 1'b0;
        end
        if (rst) begin
            wptr_q      <= {AW{1'b0}};
            rptr_q      <= {AW{1'b0}};
            cnt_q       <= {(AW + 1){1'b0}};
            have_q      <= 1'b0;
            in_ready_o  <= 1'b0;
            pop1_q      <= 1'b0;
            out_valid_o <= 1'b0;
        end
    end

endmodule

`resetall
