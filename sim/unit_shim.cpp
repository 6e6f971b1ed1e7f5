// unit_shim.cpp — vshim.h for the Verilator model of sim/tb_unit.v (the RTL unit tests).
#include "Vtb_unit.h"
#define VSHIM_TOP Vtb_unit
#define VSHIM_PORTS(X)                                                                         \
    X(clk) X(rst) X(cmd_valid_i) X(cmd_ready_o) X(cmd_op_i) X(cmd_data_i) X(rd_addr_i)         \
    X(rd_data_o) X(busy_o) X(model_valid_o) X(err_o) X(done_o) X(dbg_wb_valid_o)              \
    X(dbg_wb_layer_o) X(dbg_wb_index_o) X(dbg_wb_data_o)                                       \
    X(crc_clear_i) X(crc_valid_i) X(crc_data_i) X(crc_o)                                       \
    X(lane_clr_i) X(lane_en_i) X(lane_code_i) X(lane_a_i) X(lane_a3_i) X(lane_load_i) X(lane_shift_i)   \
    X(lane_shd_i) X(lane_shd_o)                                                                \
    X(rq_valid_i) X(rq_logit_i) X(rq_tag_i) X(rq_acc_i) X(rq_bias_i) X(rq_m_i) X(rq_s_i)       \
    X(rq_valid_o) X(rq_logit_o) X(rq_tag_o) X(rq_act_o) X(rq_sum_o) X(rq_busy_o)              \
    X(rq0_valid_o) X(rq0_logit_o) X(rq0_tag_o) X(rq0_act_o) X(rq0_sum_o) X(rq0_busy_o)        \
    X(am_valid_i) X(am_last_i) X(am_idx_i) X(am_val_i) X(am_busy_o) X(am_idx_o)               \
    X(am2_busy_o) X(am2_idx_o)                                                                 \
    X(wm_en_i) X(wm_we_i) X(wm_addr_i) X(wm_wdata_i) X(wm_g64_o) X(wm_i64_o) X(wm_g16_o)       \
    X(wm_i16_o) X(wm_e64_o) X(wm_e16_o)                                                                                \
    X(ur_rx_i) X(ur_data_o) X(ur_valid_o) X(ur_ferr_o) X(ut_data_i) X(ut_valid_i) X(ut_ready_o) X(ut_tx_o)
#include "vshim.inc"
