#!/usr/bin/env bash
# t_board_reset.sh — rtl/boards/reset_sync.v in Icarus: reset is high from time 0 (power-on), asserts at
# once (without a clock edge) when the request rises, stays high while it is held, and falls
# exactly STAGES rising edges after the request goes away, synchronously.
. "$(dirname "$0")/lib.sh"
dir=$BUILD/tests/board_reset
mkdir -p "$dir"

cat > "$dir/tb.v" <<'EOF'
`timescale 1ns / 1ps
`default_nettype none
module tb;
    localparam integer STAGES = 4;
    reg clk = 1'b0, arst = 1'b0;
    wire rst;
    integer n = 0, bad = 0, k;
    reset_sync #(.STAGES(STAGES)) dut (.clk(clk), .arst_i(arst), .rst_o(rst));
    task check(input ok, input [8*48-1:0] what);
        begin
            n = n + 1;
            if (ok) $display("ok %0d - %0s", n, what);
            else begin $display("not ok %0d - %0s", n, what); bad = bad + 1; end
        end
    endtask
    initial begin
        #1 check(rst === 1'b1, "power-on: rst high before any clock");
        for (k = 1; k < STAGES; k = k + 1) begin
            #5 clk = 1; #5 clk = 0;
        end
        check(rst === 1'b1, "still high after STAGES-1 edges");
        #5 clk = 1; #1 check(rst === 1'b0, "released on edge STAGES");
        #4 clk = 0;
        #3 arst = 1; #1 check(rst === 1'b1, "asserted without a clock edge");
        #5 clk = 1; #5 clk = 0; #5 clk = 1; #5 clk = 0;
        check(rst === 1'b1, "held while the request is high");
        #2 arst = 0;
        for (k = 1; k < STAGES; k = k + 1) begin
            #5 clk = 1; #5 clk = 0;
        end
        check(rst === 1'b1, "request gone: high for STAGES-1 more edges");
        #5 clk = 1; #1 check(rst === 1'b0, "then low on edge STAGES, synchronously");
        if (bad == 0) $display("PASSED (%0d checks)", n);
        else          $display("FAILED (%0d of %0d checks)", bad, n);
        $finish;
    end
endmodule
EOF

"${IVERILOG:-iverilog}" -g2005 -o "$dir/tb.vvp" "$dir/tb.v" "$root/rtl/boards/reset_sync.v" || die "iverilog failed"
out=$("${VVP:-vvp}" -n "$dir/tb.vvp") || die "vvp failed"
echo "$out"
check "reset_sync in Icarus: every check of the testbench passed" grep -qx 'PASSED ([0-9]* checks)' <<<"$out"
summary
