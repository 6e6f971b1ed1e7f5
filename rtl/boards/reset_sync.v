// reset_sync — turns an asynchronous reset request into the synchronous, active-high `rst` of
// one clock domain: asserted at once (asynchronously, so it holds even while the PLL clock is not
// yet running), released synchronously STAGES clock edges after the request goes away. The only
// module in rtl/ with an asynchronous reset; everything it feeds uses `rst` synchronously.
//
// Parameters:
//   STAGES  flip-flops in the release chain (>= 2; the first two resolve metastability, the rest
//           stretch the reset so that every block sees it for several cycles)
`default_nettype none

module reset_sync #(
    parameter integer STAGES = 4
) (
    input  wire clk,
    input  wire arst_i,   // asynchronous request, active high (e.g. !pll_locked | button)
    output wire rst_o     // synchronous to clk, active high
);
    initial begin
        if (STAGES < 2) begin
            $display("reset_sync: STAGES = %0d, need >= 2", STAGES);
            $finish;
        end
    end

    // All ones while the request is present; zeros shift in once it is gone.
    reg [STAGES-1:0] chain_q = {STAGES{1'b1}};
    always @(posedge clk or posedge arst_i) begin
        if (arst_i) chain_q <= {STAGES{1'b1}};
        else        chain_q <= {chain_q[STAGES-2:0], 1'b0};
    end
    assign rst_o = chain_q[STAGES-1];
endmodule

`resetall
