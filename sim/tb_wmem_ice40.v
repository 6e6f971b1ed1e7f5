// tb_wmem_ice40 — Icarus testbench: rtl/core/wmem.v with MEM_TECH "ICE40" on Yosys' own simulation
// model of SB_SPRAM256KA (techlibs/ice40/cells_sim.v) against the GENERIC wmem, for 64 x 16K
// (four blocks side by side) and 16 x 64K (four rows). Random writes, reads and idle cycles (no write
// while a read is in flight: the core never does one), every read checked three cycles later (the
// read latency) against what was written; prints "tb_wmem_ice40: PASS <reads> reads" or "tb_wmem_ice40: FAIL ..." (tests/t_rtl_tools.sh).
//
// Parameters: SEED (of $random).
`timescale 1ns / 1ps
`default_nettype none

module tb_wmem_ice40 #(
    parameter integer SEED = 1
) ();
    reg         clk = 1'b0;
    reg         re = 1'b0, we = 1'b0;
    reg  [15:0] waddr = 16'd0, raddr = 16'd0;
    reg  [63:0] wdata = 64'd0;
    wire [63:0] g64, i64;
    wire [15:0] g16, i16;

    wmem #(.WIDTH(64), .DEPTH(16384), .AW(14), .MEM_TECH("GENERIC")) u_g64 (.clk(clk),
        .we_i(we), .waddr_i(waddr[13:0]), .wdata_i(wdata), .re_i(re), .raddr_i(raddr[13:0]), .rdata_o(g64));
    wmem #(.WIDTH(64), .DEPTH(16384), .AW(14), .MEM_TECH("ICE40")) u_i64 (.clk(clk),
        .we_i(we), .waddr_i(waddr[13:0]), .wdata_i(wdata), .re_i(re), .raddr_i(raddr[13:0]), .rdata_o(i64));
    wmem #(.WIDTH(16), .DEPTH(65536), .AW(16), .MEM_TECH("GENERIC")) u_g16 (.clk(clk),
        .we_i(we), .waddr_i(waddr), .wdata_i(wdata[15:0]), .re_i(re), .raddr_i(raddr), .rdata_o(g16));
    wmem #(.WIDTH(16), .DEPTH(65536), .AW(16), .MEM_TECH("ICE40")) u_i16 (.clk(clk),
        .we_i(we), .waddr_i(waddr), .wdata_i(wdata[15:0]), .re_i(re), .raddr_i(raddr), .rdata_o(i16));

    always #5 clk = ~clk;

    integer seed = SEED, t, reads = 0, errors = 0, k;
    reg [63:0] ref64 [0:16383];
    reg [15:0] ref16 [0:65535];
    reg        written [0:65535];   // the 16-bit word at this address was written
    reg        rd1, rd2;            // a read was issued one / two iterations ago (rd2: its word is out now)
    reg [63:0] e64_1, e64_2;        // their expected words
    reg [15:0] e16_1, e16_2;
    reg [15:0] a;
    initial begin
        for (k = 0; k < 65536; k = k + 1) written[k] = 1'b0;
        rd1 = 1'b0; rd2 = 1'b0;
        for (t = 0; t < 20000; t = t + 1) begin
            @(negedge clk);
            a = $random(seed);
            a = {a[15:14], 4'd0, a[9:0]};  // 4096 addresses over all four rows
            re = 1'b0; we = 1'b0;
            if (!rd1 && !rd2 && (($random(seed) & 3) == 0 || !written[a])) begin
                we = 1'b1; waddr = a;  // write (no read in flight)
                wdata = {$random(seed), $random(seed)};
                ref64[a[13:0]] = wdata;
                ref16[a] = wdata[15:0];
                written[a] = 1'b1;
            end else if (written[a] && ($random(seed) & 1)) begin
                re = 1'b1; raddr = a;  // read
            end
            @(posedge clk);
            #1;
            if (rd2) begin  // issued three edges ago: read latency 3
                reads = reads + 1;
                if (g64 !== e64_2 || i64 !== e64_2 || g16 !== e16_2 || i16 !== e16_2) begin
                    errors = errors + 1;
                    if (errors <= 5)
                        $display("tb_wmem_ice40: FAIL at %0d: 64-bit %h / %h (want %h), 16-bit %h / %h (want %h)",
                                 t, g64, i64, e64_2, g16, i16, e16_2);
                end
            end
            rd2 = rd1; e64_2 = e64_1; e16_2 = e16_1;
            rd1 = re; e64_1 = ref64[a[13:0]]; e16_1 = ref16[a];
        end
        if (errors == 0 && reads > 1000) $display("tb_wmem_ice40: PASS %0d reads", reads);
        else $display("tb_wmem_ice40: FAIL %0d of %0d reads", errors, reads);
        $finish;
    end
endmodule

`resetall
