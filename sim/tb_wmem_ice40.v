// tb_wmem_ice40 — Icarus testbench: rtl/core/wmem.v with MEM_TECH "ICE40" on Yosys' own simulation
// model of SB_SPRAM256KA (techlibs/ice40/cells_sim.v) against the GENERIC wmem, for 64 x 16K
// (four blocks side by side) and 16 x 64K (four rows). Random writes, reads and idle cycles;
// prints "tb_wmem_ice40: PASS <reads> reads" or "tb_wmem_ice40: FAIL ..." (tests/t_rtl_tools.sh).
//
// Parameters: SEED (of $random).
`timescale 1ns / 1ps
`default_nettype none

module tb_wmem_ice40 #(
    parameter integer SEED = 1
) ();
    reg         clk = 1'b0;
    reg         en = 1'b0, we = 1'b0;
    reg  [15:0] addr = 16'd0;
    reg  [63:0] wdata = 64'd0;
    wire [63:0] g64, i64;
    wire [15:0] g16, i16;

    wmem #(.WIDTH(64), .DEPTH(16384), .AW(14), .MEM_TECH("GENERIC")) u_g64 (
        .clk(clk), .en_i(en), .we_i(we), .addr_i(addr[13:0]), .wdata_i(wdata), .rdata_o(g64));
    wmem #(.WIDTH(64), .DEPTH(16384), .AW(14), .MEM_TECH("ICE40")) u_i64 (
        .clk(clk), .en_i(en), .we_i(we), .addr_i(addr[13:0]), .wdata_i(wdata), .rdata_o(i64));
    wmem #(.WIDTH(16), .DEPTH(65536), .AW(16), .MEM_TECH("GENERIC")) u_g16 (
        .clk(clk), .en_i(en), .we_i(we), .addr_i(addr), .wdata_i(wdata[15:0]), .rdata_o(g16));
    wmem #(.WIDTH(16), .DEPTH(65536), .AW(16), .MEM_TECH("ICE40")) u_i16 (
        .clk(clk), .en_i(en), .we_i(we), .addr_i(addr), .wdata_i(wdata[15:0]), .rdata_o(i16));

    always #5 clk = ~clk;

    integer seed = SEED, t, reads = 0, errors = 0, k;
    reg [1:0] written [0:65535];  // bit 0: 16-bit word written, bit 1: its 64-bit word written
    reg       was_read;
    initial begin
        for (k = 0; k < 65536; k = k + 1) written[k] = 2'b00;
        was_read = 1'b0;
        for (t = 0; t < 20000; t = t + 1) begin
            @(negedge clk);
            addr  = $random(seed);
            addr  = {addr[15:14], 4'd0, addr[9:0]};  // 4096 addresses over all four rows
            wdata = {$random(seed), $random(seed)};
            if (($random(seed) & 3) == 0 || written[addr] != 2'b11) begin
                en = 1'b1; we = 1'b1;  // write
                written[addr] = 2'b11;
                for (k = 0; k < 4; k = k + 1) written[{k[1:0], addr[13:0]}][1] = 1'b1;
                was_read = 1'b0;
            end else if ($random(seed) & 1) begin
                en = 1'b1; we = 1'b0;  // read
                was_read = 1'b1;
            end else begin
                en = 1'b0; we = 1'b0;  // idle: outputs hold
            end
            @(posedge clk);
            #1;
            if (was_read) begin
                reads = reads + 1;
                if (g64 !== i64 || g16 !== i16) begin
                    errors = errors + 1;
                    if (errors <= 5)
                        $display("tb_wmem_ice40: FAIL at %0d addr %h: 64-bit %h / %h, 16-bit %h / %h",
                                 t, addr, g64, i64, g16, i16);
                end
            end
        end
        if (errors == 0) $display("tb_wmem_ice40: PASS %0d reads", reads);
        else $display("tb_wmem_ice40: FAIL %0d of %0d reads", errors, reads);
        $finish;
    end
endmodule

`resetall
