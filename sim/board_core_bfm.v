// accel_core (behavioural stand-in) — simulation only, for testing rtl/link/proto.v and the host
// driver before / without the real core: the port of docs/accelerator.md with a loader that checks
// magic, lanes, total_size and the CRC-32 like the real one, and a fake inference
// (class = pixel sum mod n_classes, logit k = pixel sum - 1000 k, CYCLES = 4 n_in). Selected by
// `make BOARD_CORE=bfm` (sim/board.mk); never synthesized.
//
// Parameters:
//   LANES     the lane count a model must declare
//   WMEM_BYTES, PMEM_NEURONS, ABUF_BYTES  reported in the register file only
//   MEM_TECH, ACC_W  ignored
`default_nettype none

module accel_core #(
    parameter integer LANES        = 32,
    parameter integer WMEM_BYTES   = 131072,
    parameter integer PMEM_NEURONS = 1024,
    parameter integer ABUF_BYTES   = 1024,
    parameter [63:0]  MEM_TECH     = "GENERIC",
    parameter integer ACC_W        = 24
) (
    input  wire        clk,
    input  wire        rst,
    input  wire        cmd_valid_i,
    output wire        cmd_ready_o,
    input  wire [2:0]  cmd_op_i,
    input  wire [7:0]  cmd_data_i,
    input  wire [8:0]  rd_addr_i,
    output reg  [31:0] rd_data_o,  // three cycles after rd_addr_i, like the core
    output wire        busy_o,
    output reg         model_valid_o,
    output reg  [3:0]  err_o,
    output reg         done_o,
    output wire        dbg_wb_valid_o,
    output wire [2:0]  dbg_wb_layer_o,
    output wire [11:0] dbg_wb_index_o,
    output wire [31:0] dbg_wb_data_o
);
    `include "q2_core_codes.vh"
    localparam [63:0] unused_tech = MEM_TECH;
    localparam integer unused_acc = ACC_W;

    function [31:0] crc_step(input [31:0] c, input [7:0] b);
        integer k;
        reg [31:0] x;
        begin
            x = c ^ {24'd0, b};
            for (k = 0; k < 8; k = k + 1) x = x[0] ? ((x >> 1) ^ 32'hEDB88320) : (x >> 1);
            crc_step = x;
        end
    endfunction

    reg         loading_q, img_ok_q;
    reg  [31:0] nbytes_q, total_q, lfsr_q, stored_q;
    reg  [15:0] n_layers_q, n_in_q, n_cls_q, npix_q;
    reg  [7:0]  lanes_lo_q;   // byte 6, the low byte of the lanes field
    reg  [31:0] sum_q, cycles_q, run_q;
    reg  [7:0]  class_q;
    reg  [31:0] rd_q, rd2_q;  // the register read, two cycles and one before rd_data_o
    reg         busy_q;
    reg  [31:0] last_off, sum_mod;  // sum_mod < n_cls_q <= 256: CLASS is its low byte
    reg  [31:0] status;

    assign cmd_ready_o    = 1'b1;
    assign busy_o         = busy_q;
    assign dbg_wb_valid_o = 1'b0;
    assign dbg_wb_layer_o = 3'd0;
    assign dbg_wb_index_o = 12'd0;
    assign dbg_wb_data_o  = 32'd0;

    always @* last_off = 32'd16 + 32'd24 * ({16'd0, n_layers_q} - 32'd1) + 32'd2;
    always @* sum_mod = sum_q % {16'd0, n_cls_q};
    wire [23:0] unused_sum_mod = sum_mod[31:8];
    always @* begin
        status                                = 32'd0;
        status[STATUS_BUSY]                   = busy_q;
        status[STATUS_MODEL_VALID]            = model_valid_o;
        status[STATUS_ERR_MSB:STATUS_ERR_LSB] = err_o;
        status[STATUS_IMAGE_COMPLETE]         = img_ok_q && npix_q == n_in_q;
    end

    always @(posedge clk) begin
        done_o <= 1'b0;
        if (busy_q) begin
            run_q <= run_q + 1'b1;
            if (run_q + 1 == cycles_q) begin
                busy_q  <= 1'b0;
                done_o  <= 1'b1;
                class_q <= sum_mod[7:0];
            end
        end
        if (cmd_valid_i) begin
            case (cmd_op_i)
                OP_MODEL_BEGIN: if (busy_q) err_o <= ERR_BUSY; else begin
                    model_valid_o <= 1'b0; loading_q <= 1'b1; nbytes_q <= 0;
                    lfsr_q <= 32'hFFFFFFFF; n_layers_q <= 0;
                end
                OP_MODEL_DATA: if (busy_q) err_o <= ERR_BUSY;
                      else if (!loading_q) err_o <= ERR_SEQ;
                      else begin
                    nbytes_q <= nbytes_q + 1;
                    if (total_q == 0 || nbytes_q + 4 < total_q) lfsr_q <= crc_step(lfsr_q, cmd_data_i);
                    case (nbytes_q)
                        0: if (cmd_data_i != 8'h51) begin err_o <= ERR_HEADER; loading_q <= 1'b0; end
                        6: lanes_lo_q <= cmd_data_i;
                        7: if ({cmd_data_i, lanes_lo_q} != LANES[15:0]) begin err_o <= ERR_HEADER; loading_q <= 1'b0; end
                        8: n_layers_q[7:0] <= cmd_data_i;
                        12: total_q[7:0] <= cmd_data_i;
                        13: total_q[15:8] <= cmd_data_i;
                        14: total_q[23:16] <= cmd_data_i;
                        15: total_q[31:24] <= cmd_data_i;
                        16: n_in_q[7:0] <= cmd_data_i;
                        17: n_in_q[15:8] <= cmd_data_i;
                        default: ;
                    endcase
                    if (nbytes_q == 1) total_q <= 0;
                    if (nbytes_q == last_off) n_cls_q[7:0] <= cmd_data_i;
                    if (nbytes_q == last_off + 1) n_cls_q[15:8] <= cmd_data_i;
                    if (total_q != 0 && nbytes_q + 4 >= total_q)
                        stored_q <= {cmd_data_i, stored_q[31:8]};
                    if (total_q != 0 && nbytes_q + 1 == total_q) begin
                        loading_q <= 1'b0;
                        if ({cmd_data_i, stored_q[31:8]} == ~lfsr_q) model_valid_o <= 1'b1;
                        else err_o <= ERR_CRC;
                    end
                    if (total_q != 0 && nbytes_q >= total_q) err_o <= ERR_SEQ;
                end
                OP_IMAGE_BEGIN: if (busy_q) err_o <= ERR_BUSY; else if (!model_valid_o) err_o <= ERR_NO_MODEL;
                      else begin npix_q <= 0; sum_q <= 0; img_ok_q <= 1'b1; end
                OP_IMAGE_DATA: if (busy_q) err_o <= ERR_BUSY; else if (!model_valid_o) err_o <= ERR_NO_MODEL;
                      else if (npix_q >= n_in_q) err_o <= ERR_IMAGE;
                      else begin npix_q <= npix_q + 1; sum_q <= sum_q + {24'd0, cmd_data_i}; end
                OP_START: if (busy_q) err_o <= ERR_BUSY; else if (!model_valid_o) err_o <= ERR_NO_MODEL;
                      else if (npix_q != n_in_q) err_o <= ERR_IMAGE;
                      else begin busy_q <= 1'b1; run_q <= 0; cycles_q <= {14'd0, n_in_q, 2'b00}; end
                OP_CLEAR_ERR: err_o <= ERR_OK;
                default: err_o <= ERR_BAD_OP;
            endcase
        end
        rd2_q     <= rd_q;
        rd_data_o <= rd2_q;
        case (rd_addr_i)
            R_ID:           rd_q <= CORE_ID;
            R_HW_VERSION:   rd_q <= CORE_HW_VERSION;
            R_LANES:        rd_q <= LANES;
            R_WMEM_BYTES:   rd_q <= WMEM_BYTES;
            R_PMEM_NEURONS: rd_q <= PMEM_NEURONS;
            R_ABUF_BYTES:   rd_q <= ABUF_BYTES;
            R_STATUS:       rd_q <= status;
            R_CRC:          rd_q <= model_valid_o ? stored_q : ~lfsr_q;
            R_MODEL_BYTES:  rd_q <= nbytes_q;
            R_CYCLES:       rd_q <= cycles_q;
            R_CLASS:        rd_q <= {24'd0, class_q};
            R_N_CLASSES:    rd_q <= {16'd0, n_cls_q};
            default: rd_q <= (rd_addr_i[8]) ? sum_q - 32'd1000 * {24'd0, rd_addr_i[7:0]} : 32'd0;
        endcase
        if (rst) begin
            loading_q <= 1'b0; model_valid_o <= 1'b0; err_o <= 4'd0; busy_q <= 1'b0; done_o <= 1'b0;
            nbytes_q <= 0; total_q <= 0; lfsr_q <= 32'hFFFFFFFF; n_layers_q <= 0; n_cls_q <= 0;
            npix_q <= 0; n_in_q <= 0; sum_q <= 0; cycles_q <= 0; run_q <= 0; class_q <= 0;
            img_ok_q <= 1'b0; stored_q <= 0; lanes_lo_q <= 0;
        end
    end
endmodule

`resetall
