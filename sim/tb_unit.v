// tb_unit — the unit-test top of sim/rtl_unit.c: five accel_cores side by side and one instance of
// each block, all ports brought out, so that one Verilator build serves every unit test.
//   core k (field k of every cmd_* / rd_* / status / dbg_wb_* vector):
//     k = 0..3: LANES 8, 16, 32, 64, WMEM_BYTES 8192, PMEM_NEURONS 256, ABUF_BYTES 256, MEM_TECH
//               "ECP5" for 8 and 64 (DP16KD model: the weights in x4 and x9 blocks, the logits in
//               x9), "GENERIC" for 16 and 32
//     k = 4:    LANES 32, MEM_TECH "ICE40" (SB_SPRAM256KA model), WMEM_BYTES 131072, same PMEM / ABUF
//   crc32, mac_lane, requant (TAG_W 16) with DEEP 1 (rq_*) and 0 (rq0_*: the same inputs),
//   argmax (8-bit index) with RD_LAT 1 (am_*) and 2 (am2_*), and six wmem: 64 x 16K and
//   16 x 64K words, each GENERIC, ICE40 and ECP5 (DP16KD model), sharing one set of inputs.
//   uart_rx at 3, 4 and 12 clocks per bit (field k of ur_*: k = 0, 1, 2), each with its own line;
//   uart_tx at 3 and 4 clocks per bit (field k of ut_*: k = 0, 1), sharing ut_data_i.
//
// Parameters: none (the configurations above are what sim/rtl_unit.c expects).
`default_nettype none

module tb_unit (
    input  wire          clk,
    input  wire          rst,
    // ---- cores ----
    input  wire [4:0]    cmd_valid_i,
    output wire [4:0]    cmd_ready_o,
    input  wire [14:0]   cmd_op_i,
    input  wire [39:0]   cmd_data_i,
    input  wire [44:0]   rd_addr_i,
    output wire [159:0]  rd_data_o,
    output wire [4:0]    busy_o,
    output wire [4:0]    model_valid_o,
    output wire [19:0]   err_o,
    output wire [4:0]    done_o,
    output wire [4:0]    dbg_wb_valid_o,
    output wire [14:0]   dbg_wb_layer_o,
    output wire [59:0]   dbg_wb_index_o,
    output wire [159:0]  dbg_wb_data_o,
    // ---- crc32 ----
    input  wire          crc_clear_i,
    input  wire          crc_valid_i,
    input  wire [7:0]    crc_data_i,
    output wire [31:0]   crc_o,
    // ---- mac_lane ----
    input  wire          lane_clr_i,
    input  wire          lane_en_i,
    input  wire [1:0]    lane_code_i,
    input  wire [9:0]    lane_a_i,
    input  wire [9:0]    lane_a3_i,
    input  wire          lane_load_i,
    input  wire          lane_shift_i,
    input  wire [23:0]   lane_shd_i,
    output wire [23:0]   lane_shd_o,
    // ---- requant ----
    input  wire          rq_valid_i,
    input  wire          rq_logit_i,
    input  wire [15:0]   rq_tag_i,
    input  wire [23:0]   rq_acc_i,
    input  wire [23:0]   rq_bias_i,
    input  wire [15:0]   rq_m_i,
    input  wire [5:0]    rq_s_i,
    output wire          rq_valid_o,
    output wire          rq_logit_o,
    output wire [15:0]   rq_tag_o,
    output wire [7:0]    rq_act_o,
    output wire [23:0]   rq_sum_o,
    output wire          rq_busy_o,
    output wire          rq0_valid_o,
    output wire          rq0_logit_o,
    output wire [15:0]   rq0_tag_o,
    output wire [7:0]    rq0_act_o,
    output wire [23:0]   rq0_sum_o,
    output wire          rq0_busy_o,
    // ---- argmax ----
    input  wire          am_valid_i,  // write am_val_i at am_idx_i into the argmax's memory
    input  wire          am_last_i,   // ... the last value of the set: the scan starts
    input  wire [7:0]    am_idx_i,
    input  wire [23:0]   am_val_i,
    output wire          am_busy_o,   // RD_LAT 1 (the memory's output)
    output wire [7:0]    am_idx_o,
    output wire          am2_busy_o,  // RD_LAT 2 (a register behind the memory: accel_core's GENERIC)
    output wire [7:0]    am2_idx_o,
    // ---- wmem ----
    input  wire          wm_en_i,
    input  wire          wm_we_i,
    input  wire [15:0]   wm_addr_i,
    input  wire [63:0]   wm_wdata_i,
    output wire [63:0]   wm_g64_o,   // GENERIC 64 x 16K
    output wire [63:0]   wm_i64_o,   // ICE40   64 x 16K: 4 SPRAM side by side
    output wire [15:0]   wm_g16_o,   // GENERIC 16 x 64K
    output wire [15:0]   wm_i16_o,   // ICE40   16 x 64K: 4 SPRAM rows
    output wire [63:0]   wm_e64_o,   // ECP5    64 x 16K: 64 DP16KD x1 (model), latency 4
    output wire [15:0]   wm_e16_o,   // ECP5    16 x 64K: 4 rows of 16
    // ---- uart_rx (3, 4, 12 clocks per bit), uart_tx (3, 4) ----
    input  wire [2:0]    ur_rx_i,
    output wire [23:0]   ur_data_o,
    output wire [2:0]    ur_valid_o,
    output wire [2:0]    ur_ferr_o,
    input  wire [7:0]    ut_data_i,
    input  wire [1:0]    ut_valid_i,
    output wire [1:0]    ut_ready_o,
    output wire [1:0]    ut_tx_o
);
    genvar k;
    generate
        for (k = 0; k < 5; k = k + 1) begin : g_core
            localparam integer   LANES = k == 0 ? 8 : k == 1 ? 16 : k == 3 ? 64 : 32;
            localparam integer   WMEM  = k == 4 ? 131072 : 8192;
            localparam [63:0]    TECH  = k == 4 ? "ICE40" : k == 0 || k == 3 ? "ECP5" : "GENERIC";
            accel_core #(
                .LANES(LANES), .WMEM_BYTES(WMEM), .PMEM_NEURONS(256), .ABUF_BYTES(256), .MEM_TECH(TECH)
            ) u_core (
                .clk           (clk),
                .rst           (rst),
                .cmd_valid_i   (cmd_valid_i[k]),
                .cmd_ready_o   (cmd_ready_o[k]),
                .cmd_op_i      (cmd_op_i[3*k +: 3]),
                .cmd_data_i    (cmd_data_i[8*k +: 8]),
                .rd_addr_i     (rd_addr_i[9*k +: 9]),
                .rd_data_o     (rd_data_o[32*k +: 32]),
                .busy_o        (busy_o[k]),
                .model_valid_o (model_valid_o[k]),
                .err_o         (err_o[4*k +: 4]),
                .done_o        (done_o[k]),
                .dbg_wb_valid_o(dbg_wb_valid_o[k]),
                .dbg_wb_layer_o(dbg_wb_layer_o[3*k +: 3]),
                .dbg_wb_index_o(dbg_wb_index_o[12*k +: 12]),
                .dbg_wb_data_o (dbg_wb_data_o[32*k +: 32])
            );
        end
    endgenerate

    crc32 u_crc (
        .clk(clk), .rst(rst), .clear_i(crc_clear_i), .valid_i(crc_valid_i), .data_i(crc_data_i), .crc_o(crc_o)
    );

    mac_lane #(.ACC_W(24)) u_lane (
        .clk(clk), .clr_i(lane_clr_i), .en_i(lane_en_i), .code_i(lane_code_i), .a_i(lane_a_i), .a3_i(lane_a3_i),
        .load_i(lane_load_i), .shift_i(lane_shift_i), .shd_i(lane_shd_i), .shd_o(lane_shd_o)
    );

    requant #(.ACC_W(24), .TAG_W(16), .KEY_W(10)) u_rq (
        .clk(clk), .rst(rst), .valid_i(rq_valid_i), .logit_i(rq_logit_i), .tag_i(rq_tag_i), .acc_i(rq_acc_i),
        .bias_i(rq_bias_i), .m_i(rq_m_i), .s_i(rq_s_i), .valid_o(rq_valid_o), .logit_o(rq_logit_o),
        .tag_o(rq_tag_o), .act_o(rq_act_o), .sum_o(rq_sum_o), .busy_o(rq_busy_o)
    );
    requant #(.ACC_W(24), .TAG_W(16), .KEY_W(10), .DEEP(0)) u_rq0 (
        .clk(clk), .rst(rst), .valid_i(rq_valid_i), .logit_i(rq_logit_i), .tag_i(rq_tag_i), .acc_i(rq_acc_i),
        .bias_i(rq_bias_i), .m_i(rq_m_i), .s_i(rq_s_i), .valid_o(rq0_valid_o), .logit_o(rq0_logit_o),
        .tag_o(rq0_tag_o), .act_o(rq0_act_o), .sum_o(rq0_sum_o), .busy_o(rq0_busy_o)
    );

    wire [7:0]  am_raddr;
    wire [23:0] am_rdata;
    reg  [7:0]  am_n_q;  // the last index, held while the scan runs (as accel_core's N_CLASSES - 1)
    reg         am_go_q; // the last value was written a cycle ago (as in accel_core)
    always @(posedge clk) begin
        if (am_valid_i && am_last_i) am_n_q <= am_idx_i;
        am_go_q <= am_valid_i && am_last_i && !rst;
    end
    ram_sdp #(.WIDTH(24), .DEPTH(256), .AW(8)) u_am_mem (
        .clk(clk), .we_i(am_valid_i), .waddr_i(am_idx_i), .wdata_i(am_val_i), .re_i(1'b1), .raddr_i(am_raddr),
        .rdata_o(am_rdata)
    );
    argmax #(.VAL_W(24), .IDX_W(8)) u_am (
        .clk(clk), .rst(rst), .start_i(am_go_q), .last_i(am_n_q), .raddr_o(am_raddr),
        .rdata_i(am_rdata), .busy_o(am_busy_o), .idx_o(am_idx_o)
    );
    wire [7:0]  am2_raddr;
    wire [23:0] am2_rdata;
    reg  [23:0] am2_rdata_q;
    always @(posedge clk) am2_rdata_q <= am2_rdata;
    ram_sdp #(.WIDTH(24), .DEPTH(256), .AW(8)) u_am2_mem (
        .clk(clk), .we_i(am_valid_i), .waddr_i(am_idx_i), .wdata_i(am_val_i), .re_i(1'b1), .raddr_i(am2_raddr),
        .rdata_o(am2_rdata)
    );
    argmax #(.VAL_W(24), .IDX_W(8), .RD_LAT(2)) u_am2 (
        .clk(clk), .rst(rst), .start_i(am_go_q), .last_i(am_n_q), .raddr_o(am2_raddr),
        .rdata_i(am2_rdata_q), .busy_o(am2_busy_o), .idx_o(am2_idx_o)
    );

    wmem #(.WIDTH(64), .DEPTH(16384), .AW(14), .MEM_TECH("GENERIC")) u_wm_g64 (
        .clk(clk), .we_i(wm_en_i && wm_we_i), .waddr_i(wm_addr_i[13:0]), .re_i(wm_en_i && !wm_we_i), .raddr_i(wm_addr_i[13:0]), .wdata_i(wm_wdata_i), .rdata_o(wm_g64_o)
    );
    wmem #(.WIDTH(64), .DEPTH(16384), .AW(14), .MEM_TECH("ICE40")) u_wm_i64 (
        .clk(clk), .we_i(wm_en_i && wm_we_i), .waddr_i(wm_addr_i[13:0]), .re_i(wm_en_i && !wm_we_i), .raddr_i(wm_addr_i[13:0]), .wdata_i(wm_wdata_i), .rdata_o(wm_i64_o)
    );
    wmem #(.WIDTH(16), .DEPTH(65536), .AW(16), .MEM_TECH("GENERIC")) u_wm_g16 (
        .clk(clk), .we_i(wm_en_i && wm_we_i), .waddr_i(wm_addr_i), .re_i(wm_en_i && !wm_we_i), .raddr_i(wm_addr_i), .wdata_i(wm_wdata_i[15:0]), .rdata_o(wm_g16_o)
    );
    wmem #(.WIDTH(16), .DEPTH(65536), .AW(16), .MEM_TECH("ICE40")) u_wm_i16 (
        .clk(clk), .we_i(wm_en_i && wm_we_i), .waddr_i(wm_addr_i), .re_i(wm_en_i && !wm_we_i), .raddr_i(wm_addr_i), .wdata_i(wm_wdata_i[15:0]), .rdata_o(wm_i16_o)
    );
    wmem #(.WIDTH(64), .DEPTH(16384), .AW(14), .MEM_TECH("ECP5")) u_wm_e64 (
        .clk(clk), .we_i(wm_en_i && wm_we_i), .waddr_i(wm_addr_i[13:0]), .re_i(wm_en_i && !wm_we_i), .raddr_i(wm_addr_i[13:0]), .wdata_i(wm_wdata_i), .rdata_o(wm_e64_o)
    );
    wmem #(.WIDTH(16), .DEPTH(65536), .AW(16), .MEM_TECH("ECP5")) u_wm_e16 (
        .clk(clk), .we_i(wm_en_i && wm_we_i), .waddr_i(wm_addr_i), .re_i(wm_en_i && !wm_we_i), .raddr_i(wm_addr_i), .wdata_i(wm_wdata_i[15:0]), .rdata_o(wm_e16_o)
    );

    generate
        for (k = 0; k < 3; k = k + 1) begin : g_urx
            wire unused_busy;
            uart_rx #(.CLKS_PER_BIT(k == 0 ? 3 : k == 1 ? 4 : 12)) u_urx (
                .clk(clk), .rst(rst), .rx_i(ur_rx_i[k]), .data_o(ur_data_o[8*k +: 8]), .valid_o(ur_valid_o[k]),
                .frame_err_o(ur_ferr_o[k]), .busy_o(unused_busy)
            );
        end
        for (k = 0; k < 2; k = k + 1) begin : g_utx
            wire unused_busy;
            uart_tx #(.CLKS_PER_BIT(k == 0 ? 3 : 4)) u_utx (
                .clk(clk), .rst(rst), .data_i(ut_data_i), .valid_i(ut_valid_i[k]), .ready_o(ut_ready_o[k]),
                .tx_o(ut_tx_o[k]), .busy_o(unused_busy)
            );
        end
    endgenerate
endmodule

`resetall
