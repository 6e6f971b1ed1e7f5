// postsynth_tb — drives a synthesized accel_core netlist (yosys write_verilog after synth_ice40,
// simulated with yosys's iCE40 cell models) through the command port of docs/accelerator.md:
// loads a .q2 image, runs N_IMAGES images, and compares class and logits with what the bit-exact
// C model (q2mlp) computed. Used by `make postsynth` and tests/t_board_postsynth.sh through
// rtl/scripts/postsynth.sh, which writes the hex files below.
//
// The stimulus comes from plusargs, so one build of the netlist serves every model (a Verilator
// build of the 32-lane netlist takes about a minute):
//   +model=FILE  +model_bytes=N   the .q2 bytes, one hex byte per line
//   +images=FILE +n_images=N +n_in=N   N images x n_in pixels, one hex byte per line
//   +expect=FILE +n_classes=N     per image: the class, then n_classes logits (32-bit hex words)
// Parameters: MAX_MODEL_BYTES, MAX_PIXELS, MAX_WORDS size the arrays; MAX_CYCLES bounds an
// inference.
//
// Ends with one line "postsynth: PASS n images, 0 mismatches" or "postsynth: FAIL ..." (the
// driver script greps it; Verilog-2005 has no exit status of its own).
`timescale 1ns / 1ps
`default_nettype none

module postsynth_tb;
    parameter integer MAX_MODEL_BYTES = 262144;
    parameter integer MAX_PIXELS      = 65536;
    parameter integer MAX_WORDS       = 16384;
    parameter integer MAX_CYCLES      = 400000;

    `include "q2_core_codes.vh"  // OP_*, R_*, CORE_ID

    reg         clk = 1'b0;
    reg         rst = 1'b1;
    reg         cmd_valid = 1'b0;
    reg  [2:0]  cmd_op = 3'd0;
    reg  [7:0]  cmd_data = 8'd0;
    wire        cmd_ready;
    reg  [8:0]  rd_addr = 9'd0;
    wire [31:0] rd_data;
    wire        busy, model_valid, done;
    wire [3:0]  err;

    always #10 clk = !clk;

    accel_core dut (
        .clk          (clk),
        .rst          (rst),
        .cmd_valid_i  (cmd_valid),
        .cmd_ready_o  (cmd_ready),
        .cmd_op_i     (cmd_op),
        .cmd_data_i   (cmd_data),
        .rd_addr_i    (rd_addr),
        .rd_data_o    (rd_data),
        .busy_o       (busy),
        .model_valid_o(model_valid),
        .err_o        (err),
        .done_o       (done)
    );

    reg [7:0]  model  [0:MAX_MODEL_BYTES-1];
    reg [7:0]  images [0:MAX_PIXELS-1];
    reg [31:0] want [0:MAX_WORDS-1];
    reg [8*256-1:0] model_hex, images_hex, expect_hex;
    integer    MODEL_BYTES, N_IMAGES, N_IN, N_CLASSES;

    // ---- bus helpers: inputs change on the falling edge, the core samples on the rising one ----
    task send(input [2:0] op, input [7:0] d);
        reg taken;
        begin
            cmd_valid = 1'b1;
            cmd_op    = op;
            cmd_data  = d;
            taken     = 1'b0;
            while (!taken) begin
                #1 taken = cmd_ready;   // settled; the next rising edge takes it if ready
                @(negedge clk);
            end
            cmd_valid = 1'b0;
        end
    endtask

    // A command's effect (err, model_valid, the CRC) shows once cmd_ready is high again: the loader
    // takes four cycles per MODEL_DATA byte and stalls the port meanwhile (docs/accelerator.md).
    task wait_ready;
        integer t;
        begin
            t = 0;
            while (!cmd_ready && t < 64) begin
                @(negedge clk);
                t = t + 1;
            end
            if (!cmd_ready) begin
                $display("postsynth: FAIL cmd_ready still low %0d cycles after the last command", t);
                $finish;
            end
        end
    endtask

    task read_reg(input [8:0] addr, output [31:0] value);
        begin
            rd_addr = addr;
            repeat (3) @(negedge clk);  // three rising edges: the read latency (docs/accelerator.md)
            value = rd_data;
        end
    endtask

    integer i, k, n, cycles, mismatches;
    reg [31:0] v, cls;

    // every plusarg is required; the sizes must fit the arrays
    task get_args;
        begin
            if (!$value$plusargs("model=%s", model_hex) || !$value$plusargs("model_bytes=%d", MODEL_BYTES) ||
                !$value$plusargs("images=%s", images_hex) || !$value$plusargs("n_images=%d", N_IMAGES) ||
                !$value$plusargs("n_in=%d", N_IN) || !$value$plusargs("expect=%s", expect_hex) ||
                !$value$plusargs("n_classes=%d", N_CLASSES)) begin
                $display("postsynth: FAIL usage: +model= +model_bytes= +images= +n_images= +n_in= +expect= +n_classes=");
                $finish;
            end
            if (MODEL_BYTES < 1 || MODEL_BYTES > MAX_MODEL_BYTES || N_IMAGES < 1 || N_IN < 1 ||
                N_IMAGES * N_IN > MAX_PIXELS || N_CLASSES < 1 || N_IMAGES * (N_CLASSES + 1) > MAX_WORDS) begin
                $display("postsynth: FAIL sizes out of range: model_bytes %0d (max %0d), %0d x %0d pixels (max %0d), %0d classes",
                         MODEL_BYTES, MAX_MODEL_BYTES, N_IMAGES, N_IN, MAX_PIXELS, N_CLASSES);
                $finish;
            end
        end
    endtask

    initial begin
        get_args;
        $readmemh(model_hex, model, 0, MODEL_BYTES - 1);
        $readmemh(images_hex, images, 0, N_IMAGES * N_IN - 1);
        $readmemh(expect_hex, want, 0, N_IMAGES * (N_CLASSES + 1) - 1);
        mismatches = 0;

        repeat (4) @(negedge clk);
        rst = 1'b0;
        @(negedge clk);
        read_reg(R_ID, v);
        if (v !== CORE_ID) begin
            $display("postsynth: ID register = %h, want %h", v, CORE_ID);
            mismatches = mismatches + 1;
        end

        // ---- load the model ----
        send(OP_MODEL_BEGIN, 8'd0);
        for (i = 0; i < MODEL_BYTES; i = i + 1) send(OP_MODEL_DATA, model[i]);
        wait_ready;
        read_reg(R_STATUS, v);
        if (!model_valid || err != 4'd0) begin
            read_reg(R_CRC, cls);
            $display("postsynth: FAIL model not accepted: status %h err %0d crc %h", v, err, cls);
            $finish;
        end

        // ---- images ----
        for (n = 0; n < N_IMAGES; n = n + 1) begin
            send(OP_IMAGE_BEGIN, 8'd0);
            for (i = 0; i < N_IN; i = i + 1) send(OP_IMAGE_DATA, images[n*N_IN + i]);
            send(OP_START, 8'd0);
            cycles = 0;
            while (busy && cycles < MAX_CYCLES) begin
                @(negedge clk);
                cycles = cycles + 1;
            end
            if (busy || err != 4'd0) begin
                $display("postsynth: FAIL image %0d: busy %b err %0d after %0d cycles", n, busy, err, cycles);
                $finish;
            end
            read_reg(R_CLASS, cls);
            if (cls !== want[n*(N_CLASSES+1)]) begin
                $display("postsynth: image %0d class %0d, model says %0d", n, cls, want[n*(N_CLASSES+1)]);
                mismatches = mismatches + 1;
            end
            for (k = 0; k < N_CLASSES; k = k + 1) begin
                read_reg(R_LOGIT0 + k[8:0], v);
                if (v !== want[n*(N_CLASSES+1) + 1 + k]) begin
                    $display("postsynth: image %0d logit %0d = %0d, model says %0d", n, k, $signed(v),
                             $signed(want[n*(N_CLASSES+1) + 1 + k]));
                    mismatches = mismatches + 1;
                end
            end
            read_reg(R_CYCLES, v);
            $display("postsynth: image %0d class %0d (%0d cycles)", n, cls, v);
        end

        if (mismatches == 0) $display("postsynth: PASS %0d images, 0 mismatches", N_IMAGES);
        else                 $display("postsynth: FAIL %0d images, %0d mismatches", N_IMAGES, mismatches);
        $finish;
    end
endmodule

`resetall
