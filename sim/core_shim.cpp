// core_shim.cpp — vshim.h for the Verilator model of rtl/core/accel_core.v (q2mlp-cosim).
#include "Vaccel_core.h"
#define VSHIM_TOP Vaccel_core
#define VSHIM_PORTS(X)                                                                         \
    X(clk) X(rst) X(cmd_valid_i) X(cmd_ready_o) X(cmd_op_i) X(cmd_data_i) X(rd_addr_i)         \
    X(rd_data_o) X(busy_o) X(model_valid_o) X(err_o) X(done_o) X(dbg_wb_valid_o)              \
    X(dbg_wb_layer_o) X(dbg_wb_index_o) X(dbg_wb_data_o)
#include "vshim.inc"
