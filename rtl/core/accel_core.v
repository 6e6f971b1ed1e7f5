// accel_core — the portable q2mlp inference core (docs/accelerator.md): a byte-wide command stream
// loads a .q2 model image and an image, START runs the 2-bit MLP output-stationary on LANES lanes,
// results are read through a register file. No board specifics; every testbench simulates this.
//
//   cmd -> loader (header, CRC, pmem, wmem)     image -> abuf region 0
//   seq -> abuf[rd] + wmem -> mac_array (LANES x mac_lane) -> shadow chain -> requant
//       -> abuf[wr] (hidden layers) / logits + argmax (last layer), dbg_wb_* trace
//
// Parameters:
//   LANES         MAC lanes = output neurons per group; power of two, 8..256; the image's lanes field
//   WMEM_BYTES    weight memory capacity in bytes, a multiple of LANES/4 (words of 2*LANES bits)
//   PMEM_NEURONS  neuron records (sum of n_out over all layers), 2..32768
//   ABUF_BYTES    largest n_in of layer 0 / n_out of a hidden layer, 16..4096
//   MEM_TECH      the memories: "GENERIC" (inferred: simulation), "ECP5" (the same, with the weight
//                 and logits RAMs as DP16KD using their own output registers: ebr_ecp5) or "ICE40"
//                 (UP5K SPRAM, 2*LANES*WMEM_WORDS bits in at most four SB_SPRAM256KA: LANES <= 32,
//                 128 KB)
//   ACC_W         bits of acc = bias + sum c*a (the requantizer's adder and the logits), 24..32, with
//                 765*ABUF_BYTES + 2^22-1 < 2^(ACC_W-1). The lanes hold sum c*a alone (the bias joins
//                 in the requantizer) in LACC_W = clog2(765*ABUF_BYTES + 1) + 1 bits (21 for 1024).
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
    // command stream
    input  wire        cmd_valid_i,
    output wire        cmd_ready_o,
    input  wire [2:0]  cmd_op_i,
    input  wire [7:0]  cmd_data_i,
    // register file, read data three cycles after the address (from a flip-flop)
    input  wire [8:0]  rd_addr_i,
    output wire [31:0] rd_data_o,
    // status
    output wire        busy_o,
    output wire        model_valid_o,
    output wire [3:0]  err_o,
    output wire        done_o,
    // write-back trace (simulation)
    output wire        dbg_wb_valid_o,
    output wire [2:0]  dbg_wb_layer_o,
    output wire [11:0] dbg_wb_index_o,
    output wire [31:0] dbg_wb_data_o
);
    // Every width below comes from a legal stand-in of its parameter (e.g. LANES 12 -> 8), so
    // that an illegal one reaches the initial check below (which stops with a message) instead of
    // breaking elaboration somewhere inside a submodule.
    localparam integer L_OK    = LANES >= 8 && LANES <= 256 && (LANES & (LANES - 1)) == 0 ? LANES : 8;
    localparam integer WMEM_OK = WMEM_BYTES >= L_OK / 4 && WMEM_BYTES % (L_OK / 4) == 0 ? WMEM_BYTES : L_OK / 4;
    localparam integer PMEM_OK = PMEM_NEURONS >= 2 && PMEM_NEURONS <= 32768 ? PMEM_NEURONS : 2;
    localparam integer ABUF_OK = ABUF_BYTES >= 16 && ABUF_BYTES <= 4096 ? ABUF_BYTES : 16;
    localparam integer ACC_OK  = ACC_W >= 24 && ACC_W <= 32 ? ACC_W : 32;
    localparam [63:0]  TECH_OK = MEM_TECH == "ICE40" ? "ICE40" : MEM_TECH == "ECP5" ? "ECP5" : "GENERIC";
    // GENERIC is the simulators' build of the ECP5's (ECP5: the same, with two RAMs mapped by hand):
    // its block RAM outputs are slow, and its clock goal needs the deeper requantizer and a
    // register behind the logits RAM. ICE40 saves those flip-flops (its logic cells are the scarce
    // resource); its requantizer is 2 stages shorter.
    localparam integer DEEP    = TECH_OK == "ICE40" ? 0 : 1;

    localparam integer WMEM_WORDS  = WMEM_OK / (L_OK / 4);
    localparam integer WAW         = WMEM_WORDS > 2 ? $clog2(WMEM_WORDS) : 1;
    localparam integer PAW         = PMEM_OK > 2 ? $clog2(PMEM_OK) : 1;
    localparam integer AAW         = $clog2(ABUF_OK);
    localparam integer MAX_CLASSES = 256;
    localparam integer BIAS_MAX    = 4194303;  // 2^22 - 1 (Q2_BIAS_MAX)
    localparam integer PMW         = 46;       // {S[5:0], M[15:0], bias[23:0]}
    localparam integer LACC_W      = $clog2(765 * ABUF_OK + 1) + 1;  // |sum c*a| <= 765 * n_in

    // the port's ops, error codes, registers and STATUS bits (OP_*, ERR_*, R_*, STATUS_*, CORE_*)
    `include "q2_core_codes.vh"

    initial begin
        if (LANES < 8 || LANES > 256 || (LANES & (LANES - 1)) != 0) begin
            $display("accel_core: LANES = %0d, need a power of two in 8..256", LANES);
            $finish;
        end
        if (WMEM_BYTES < LANES / 4 || WMEM_BYTES % (LANES / 4) != 0) begin
            $display("accel_core: WMEM_BYTES = %0d, need a positive multiple of LANES/4 = %0d", WMEM_BYTES, LANES / 4);
            $finish;
        end
        if (PMEM_NEURONS < 2 || PMEM_NEURONS > 32768 || ABUF_BYTES < 16 || ABUF_BYTES > 4096) begin
            $display("accel_core: PMEM_NEURONS = %0d (need 2..32768), ABUF_BYTES = %0d (need 16..4096)",
                     PMEM_NEURONS, ABUF_BYTES);
            $finish;
        end
        if (ACC_W < 24 || ACC_W > 32 || (ACC_W < 32 && 765 * ABUF_BYTES + BIAS_MAX >= (1 << (ACC_W - 1)))) begin
            $display("accel_core: ACC_W = %0d too narrow (or > 32) for 765 * %0d + %0d", ACC_W, ABUF_BYTES, BIAS_MAX);
            $finish;
        end
        if (MEM_TECH != "GENERIC" && MEM_TECH != "ECP5" && MEM_TECH != "ICE40") begin
            $display("accel_core: MEM_TECH = \"%0s\", need \"GENERIC\", \"ECP5\" or \"ICE40\"", MEM_TECH | 64'd0);  // "| 0": Icarus prints a sized string parameter as ""
            $finish;
        end
    end

    // ---- commands -------------------------------------------------------------------------------
    wire        ld_stall;
    wire [3:0]  ld_err;
    wire        model_valid;
    wire [3:0]  n_layers;
    wire [12:0] n_in0;
    wire [8:0]  n_classes;
    wire        busy;       // an inference runs (or starts next cycle)
    wire        seq_busy, seq_busy_next;
    reg         start_q;    // START taken last cycle: the sequencer starts now
    reg         busy_q;     // seq_busy || start_q, as one register (busy_o, the command checks)

    wire take     = cmd_valid_i && cmd_ready_o;
    wire op_mb    = cmd_op_i == OP_MODEL_BEGIN;
    wire op_md    = cmd_op_i == OP_MODEL_DATA;
    wire op_ib    = cmd_op_i == OP_IMAGE_BEGIN;
    wire op_id    = cmd_op_i == OP_IMAGE_DATA;
    wire op_start = cmd_op_i == OP_START;
    wire op_clr   = cmd_op_i == OP_CLEAR_ERR;

    reg  [12:0] img_cnt_q;  // pixels received since IMAGE_BEGIN
    reg         img_full_q; // img_cnt_q == n_in0 (kept as a register: a short path to the actions)
    reg  [12:0] nin0_m1_q;  // n_in0 - 1
    wire        img_full = img_full_q;

    reg [3:0] cmd_err;
    always @(*) begin
        cmd_err = 4'd0;
        if (!(op_mb || op_md || op_ib || op_id || op_start || op_clr)) cmd_err = ERR_BAD_OP;
        else if (busy && !op_clr)                                     cmd_err = ERR_BUSY;
        else if ((op_ib || op_id || op_start) && !model_valid)        cmd_err = ERR_NO_MODEL;
        else if ((op_id && img_full) || (op_start && !img_full))       cmd_err = ERR_IMAGE;
    end  // a MODEL_DATA byte's own verdict comes from the loader in the next cycle (ld_err)
    // the actions, each a flat and of registered conditions (the same as cmd_err == 0)
    wire ready_ok = !busy && model_valid;
    wire ld_begin = take && op_mb && !busy;
    wire ld_data  = take && op_md && !busy;
    wire img_beg  = take && op_ib && ready_ok;
    wire img_we   = take && op_id && ready_ok && !img_full;
    wire start    = take && op_start && ready_ok && img_full;

    reg [3:0] err_q;
    always @(posedge clk) begin
        start_q <= start && !rst;  // registered: a short path into the sequencer
        busy_q  <= !rst && (start || seq_busy_next);
    end
    assign busy = busy_q;  // == seq_busy || start_q
    always @(posedge clk) begin
        nin0_m1_q <= n_in0 - 13'd1;
        if (rst) begin
            err_q      <= 4'd0;
            img_cnt_q  <= 13'd0;
            img_full_q <= 1'b0;
        end else begin
            if (take && op_clr)             err_q <= 4'd0;
            else if (take && cmd_err != 0)  err_q <= cmd_err;
            else if (ld_err != 4'd0)        err_q <= ld_err;  // no command is taken in that cycle
            if (ld_begin || img_beg) begin
                img_cnt_q  <= 13'd0;
                img_full_q <= 1'b0;  // n_in0 >= 1 whenever a model is valid
            end else if (img_we) begin
                img_cnt_q  <= img_cnt_q + 13'd1;
                img_full_q <= img_cnt_q == nin0_m1_q;
            end
        end
    end

    // ---- loader and the model memories ----------------------------------------------------------
    wire               pmem_we;
    wire [PAW-1:0]     pmem_waddr;
    wire [PMW-1:0]     pmem_wdata;
    wire               ld_wmem_we;
    wire [WAW-1:0]     ld_wmem_addr;
    wire [2*L_OK-1:0] ld_wmem_data;
    wire [31:0]        ld_crc, ld_bytes;
    wire               ltab_we;
    wire [2:0]         ltab_waddr, ltab_raddr;
    wire [12:0]        ltab_wdata, ltab_rdata;

    loader #(
        .LANES(L_OK), .WMEM_WORDS(WMEM_WORDS), .WAW(WAW), .PMEM_NEURONS(PMEM_OK), .PAW(PAW),
        .ABUF_BYTES(ABUF_OK), .MAX_CLASSES(MAX_CLASSES)
    ) u_loader (
        .clk          (clk),
        .rst          (rst),
        .begin_i      (ld_begin),
        .data_i       (ld_data),
        .byte_i       (cmd_data_i),
        .stall_o      (ld_stall),
        .err_o        (ld_err),
        .model_valid_o(model_valid),
        .crc_o        (ld_crc),
        .bytes_o      (ld_bytes),
        .n_layers_o   (n_layers),
        .n_in0_o      (n_in0),
        .n_classes_o  (n_classes),
        .ltab_we_o    (ltab_we),
        .ltab_waddr_o (ltab_waddr),
        .ltab_wdata_o (ltab_wdata),
        .pmem_we_o    (pmem_we),
        .pmem_waddr_o (pmem_waddr),
        .pmem_wdata_o (pmem_wdata),
        .wmem_we_o    (ld_wmem_we),
        .wmem_waddr_o (ld_wmem_addr),
        .wmem_wdata_o (ld_wmem_data)
    );

    wire               rd_en;
    wire [AAW+1:0]     abuf_raddr;
    wire [WAW-1:0]     wmem_raddr;
    wire [7:0]         abuf_rdata;
    wire [2*L_OK-1:0] wmem_rdata;
    wire [PAW-1:0]     pmem_raddr;
    wire [PMW-1:0]     pmem_rdata;
    wire               drain;

    // the weight word is read with the activation byte and comes three cycles later (wmem's read
    // latency; four on ECP5, where the byte waits a cycle too: below): it meets a and 3a, which
    // take two cycles longer (mac_array), in the lanes
    wmem #(.WIDTH(2 * L_OK), .DEPTH(WMEM_WORDS), .AW(WAW), .MEM_TECH(TECH_OK)) u_wmem (
        .clk    (clk),
        .we_i   (ld_wmem_we),
        .waddr_i(ld_wmem_addr),
        .wdata_i(ld_wmem_data),
        .re_i   (rd_en && !rst),
        .raddr_i(wmem_raddr),
        .rdata_o(wmem_rdata)
    );

    // n_out per layer: a spare block RAM on the iCE40 (logic cells are scarce); LUT RAM on the ECP5,
    // where a block RAM's output (NOREG) would start a path to the sequencer's layer decision
    ram_sdp #(.WIDTH(13), .DEPTH(8), .AW(3), .BLOCK(TECH_OK == "ECP5" ? 0 : 1)) u_ltab (
        .clk    (clk),
        .we_i   (ltab_we),
        .waddr_i(ltab_waddr),
        .wdata_i(ltab_wdata),
        .re_i   (1'b1),
        .raddr_i(ltab_raddr),
        .rdata_o(ltab_rdata)
    );

    // the neuron records: every cycle, the next neuron's (seq reads ahead)
    wire [PMW-1:0] pmem_ram;
    ram_sdp #(.WIDTH(PMW), .DEPTH(PMEM_OK), .AW(PAW)) u_pmem (  // (unused on ECP5: below)
        .clk    (clk),
        .we_i   (pmem_we),
        .waddr_i(pmem_waddr),
        .wdata_i(pmem_wdata),
        .re_i   (1'b1),
        .raddr_i(pmem_raddr),
        .rdata_o(pmem_ram)
    );
    generate
        if (TECH_OK == "ECP5") begin : g_pmem_ebr
            // the same records in DP16KD with their own output register (ebr_ecp5: a cycle later),
            // which is then the requantizer's stage-1 register for bias, M and S (PIN_REG 0)
            wire unused_ram = &{1'b0, pmem_ram};
            ebr_ecp5 #(.WIDTH(PMW), .DEPTH(PMEM_OK), .AW(PAW)) u_ebr (
                .clk(clk), .we_i(pmem_we), .waddr_i(pmem_waddr), .wdata_i(pmem_wdata), .re_i(1'b1),
                .raddr_i(pmem_raddr), .rdata_o(pmem_rdata)
            );
        end else begin : g_pmem_ram
            assign pmem_rdata = pmem_ram;
        end
    endgenerate

    // activation buffers: region 0 the image, regions 1 and 2 ping-pong (see seq.v)
    wire           wb_valid, wb_logit;
    wire [16:0]    wb_tag;  // {region[1:0], layer[2:0], index[11:0]}
    wire [7:0]     wb_act;
    wire [ACC_OK-1:0] wb_sum;
    wire           wb_act_we = wb_valid && !wb_logit;
    // a pixel is written one cycle after it is taken (registered: a short path from the port); the
    // sequencer's first read comes at least two cycles after START, START after the last pixel
    reg           px_we_q;
    reg [AAW-1:0] px_addr_q;
    reg [7:0]     px_data_q;
    always @(posedge clk) begin
        px_we_q   <= img_we && !rst;
        px_addr_q <= img_cnt_q[AAW-1:0];
        px_data_q <= cmd_data_i;
    end
    wire           abuf_we    = px_we_q || wb_act_we;
    wire [AAW+1:0] abuf_waddr = px_we_q ? {2'd0, px_addr_q} : {wb_tag[16:15], wb_tag[AAW-1:0]};
    wire [7:0]     abuf_wdata = px_we_q ? px_data_q : wb_act;
    wire [7:0]     abuf_ram;
    ram_sdp #(.WIDTH(8), .DEPTH(3 << AAW), .AW(AAW + 2)) u_abuf (  // (unused on ECP5: below)
        .clk    (clk),
        .we_i   (abuf_we),
        .waddr_i(abuf_waddr),
        .wdata_i(abuf_wdata),
        .re_i   (rd_en),
        .raddr_i(abuf_raddr),
        .rdata_o(abuf_ram)
    );
    generate
        if (TECH_OK == "ECP5") begin : g_abuf_ebr
            // the same buffers in DP16KD with their own output register (ebr_ecp5: a cycle later,
            // which the lanes' inputs wait for anyway: g_act_reg below) and the write port
            // registered (the requantizer's a' reaches the blocks from a flip-flop; a write lands a
            // cycle later, still before any read of it: a pixel two cycles before the first read
            // after START, a layer's results before the flush lets the next layer read)
            wire unused_ram = &{1'b0, abuf_ram};
            reg            we_q;
            reg  [AAW+1:0] wa_q;
            reg  [7:0]     wd_q;
            always @(posedge clk) begin
                we_q <= abuf_we && !rst;
                wa_q <= abuf_waddr;
                wd_q <= abuf_wdata;
            end
            ebr_ecp5 #(.WIDTH(8), .DEPTH(3 << AAW), .AW(AAW + 2)) u_ebr (
                .clk(clk), .we_i(we_q), .waddr_i(wa_q), .wdata_i(wd_q), .re_i(rd_en),
                .raddr_i(abuf_raddr), .rdata_o(abuf_rdata)
            );
        end else begin : g_abuf_ram
            assign abuf_rdata = abuf_ram;
        end
    endgenerate

    // ---- datapath ---------------------------------------------------------------------------------
    wire             mac_valid, mac_last, mac_clear, loaded;
    wire [LACC_W-1:0] shd0;
    wire             rq_logit, rq_busy, finish;
    wire             am_busy;     // the argmax scans the logits (below)
    wire [11:0]      rq_index;
    wire [2:0]       rq_layer;
    wire [1:0]       rq_region;

    seq #(.LANES(L_OK), .WAW(WAW), .PAW(PAW), .AAW(AAW)) u_seq (
        .clk         (clk),
        .rst         (rst),
        .start_i     (start_q),
        .n_layers_i  (n_layers),
        .n_in0_m1_i  (nin0_m1_q[11:0]),
        .ltab_raddr_o(ltab_raddr),
        .ltab_rdata_i(ltab_rdata),
        .rd_en_o     (rd_en),
        .abuf_raddr_o(abuf_raddr),
        .wmem_raddr_o(wmem_raddr),
        .mac_valid_o (mac_valid),
        .mac_last_o  (mac_last),
        .mac_clear_o (mac_clear),
        .loaded_i    (loaded),
        .drain_o     (drain),
        .pmem_raddr_o(pmem_raddr),
        .rq_logit_o  (rq_logit),
        .rq_index_o  (rq_index),
        .rq_layer_o  (rq_layer),
        .rq_region_o (rq_region),
        .rq_busy_i   (rq_busy || am_busy),  // the last layer ends with the argmax's scan
        .busy_o      (seq_busy),
        .busy_next_o (seq_busy_next),
        .finish_o    (finish),
        .done_o      (done_o)
    );

    // ECP5: the weight word comes a cycle later (wmem registers its row multiplexer), and so does
    // the activation byte with its tags: the lanes see both as on GENERIC, one cycle later
    wire       m_clear, m_valid, m_last;
    wire [7:0] m_act;
    generate
        if (TECH_OK == "ECP5") begin : g_act_reg
            reg       c_q, v_q, l_q;  // (the activation byte: the abuf block's output register)
            always @(posedge clk) begin
                c_q <= mac_clear;
                v_q <= mac_valid && !rst;
                l_q <= mac_last;
            end
            assign {m_clear, m_valid, m_last, m_act} = {c_q, v_q, l_q, abuf_rdata};
        end else begin : g_act
            assign {m_clear, m_valid, m_last, m_act} = {mac_clear, mac_valid, mac_last, abuf_rdata};
        end
    endgenerate
    mac_array #(.LANES(L_OK), .ACC_W(LACC_W)) u_mac (
        .clk     (clk),
        .rst     (rst),
        .clear_i (m_clear),
        .valid_i (m_valid),
        .last_i  (m_last),
        .act_i   (m_act),
        .word_i  (wmem_rdata),
        .shift_i (drain),
        .loaded_o(loaded),
        .shd0_o  (shd0)
    );

    // the tag: region and layer hold still within a layer (KEY_W: only the index travels)
    requant #(.ACC_W(ACC_OK), .TAG_W(17), .KEY_W(12), .DEEP(DEEP), .TECH(TECH_OK),
              .PIN_REG(TECH_OK == "ECP5" ? 0 : 1)) u_rq (
        .clk    (clk),
        .rst    (rst),
        .valid_i(drain),
        .logit_i(rq_logit),
        .tag_i  ({rq_region, rq_layer, rq_index}),
        .acc_i  ({{(ACC_OK - LACC_W){shd0[LACC_W-1]}}, shd0}),
        .bias_i (pmem_rdata[23:0]),
        .m_i    (pmem_rdata[39:24]),
        .s_i    (pmem_rdata[45:40]),
        .valid_o(wb_valid),
        .logit_o(wb_logit),
        .tag_o  (wb_tag),
        .act_o  (wb_act),
        .sum_o  (wb_sum),
        .busy_o (rq_busy)
    );

    // ---- last layer: logits and argmax ---------------------------------------------------------
    // The argmax scans the logit memory once the last logit is written (its read port is the
    // argmax's while am_busy; LOGIT reads while the core is busy are not defined); the sequencer
    // waits for the scan as for the requantizer.
    wire             wb_logit_we = wb_valid && wb_logit;
    wire [ACC_OK-1:0] logit_rdata;
    wire [7:0]       am_idx, am_raddr;
    reg  [7:0]       last_cls_q;  // N_CLASSES - 1 (1..256 classes)
    reg              am_start_q;  // the last logit was written a cycle ago
    always @(posedge clk) begin
        last_cls_q <= n_classes[7:0] - 8'd1;
        am_start_q <= wb_logit_we && wb_tag[7:0] == last_cls_q && !rst;
    end
    wire [7:0]       logit_raddr = am_busy ? am_raddr : rd_addr_i[7:0];
    ram_sdp #(.WIDTH(ACC_OK), .DEPTH(MAX_CLASSES), .AW(8)) u_logits (  // (unused on ECP5: below)
        .clk    (clk),
        .we_i   (wb_logit_we),
        .waddr_i(wb_tag[7:0]),
        .wdata_i(wb_sum),
        .re_i   (1'b1),
        .raddr_i(logit_raddr),
        .rdata_o(logit_rdata)
    );
    argmax #(.VAL_W(ACC_OK), .IDX_W(8), .RD_LAT(1 + DEEP)) u_argmax (
        .clk    (clk),
        .rst    (rst),
        .start_i(am_start_q),
        .last_i (last_cls_q),
        .raddr_o(am_raddr),
        .rdata_i(logit_q),  // the RAM's output, registered on GENERIC and ECP5 (below)
        .busy_o (am_busy),
        .idx_o  (am_idx)
    );

    // ---- inference counters ----------------------------------------------------------------------
    // CYCLES in CYW bits: an inference issues one weight word a cycle, and at least one for every
    // LANES + 6 cycles (a group of n_in >= 1 inputs, stalled by the drain), so fewer than
    // 2^(WAW+9) cycles plus the layer ends pass (a short carry chain; the register reads 32 bits)
    localparam integer CYW = WAW + 10 < 32 ? WAW + 10 : 32;
    reg [CYW-1:0] cycles_q;
    reg [7:0]  class_q;
    always @(posedge clk) begin
        if (rst) begin
            cycles_q <= {CYW{1'b0}};
            class_q  <= 8'd0;
        end else begin
            if (start_q)       cycles_q <= {{(CYW - 2){1'b0}}, 2'd2};  // START was taken one edge ago
            else if (seq_busy) cycles_q <= cycles_q + 1'b1;
            if (finish)    class_q <= am_idx;  // CLASS is valid in the cycle of done_o
        end
    end

    // ---- register file -----------------------------------------------------------------------------
    wire [8:0]  n_cls = model_valid ? n_classes : 9'd0;
    reg  [31:0] status;
    always @(*) begin
        status                                = 32'd0;
        status[STATUS_BUSY]                   = busy;
        status[STATUS_MODEL_VALID]            = model_valid;
        status[STATUS_ERR_MSB:STATUS_ERR_LSB] = err_q;
        status[STATUS_IMAGE_COMPLETE]         = model_valid && img_full;
    end
    // a read takes three cycles: the address (and the logits RAM's read), the register file's word
    // (and the RAM's output into a flip-flop next to it: a block RAM's output is slow to leave it),
    // the word chosen into rd_out_q, from which rd_data_o leaves
    reg  [8:0]  rd_addr_q;
    reg  [31:0] rd_q;
    reg         rd_logit_q;
    wire [ACC_OK-1:0] logit_q;
    generate
        if (TECH_OK == "ECP5") begin : g_logit_ebr
            // the same logits in DP16KD with their own output register (ebr_ecp5), read like
            // u_logits, whose output is then unused (Yosys removes it)
            wire unused_ram = &{1'b0, logit_rdata};
            ebr_ecp5 #(.WIDTH(ACC_OK), .DEPTH(MAX_CLASSES), .AW(8)) u_ebr (
                .clk(clk), .we_i(wb_logit_we), .waddr_i(wb_tag[7:0]), .wdata_i(wb_sum), .re_i(1'b1),
                .raddr_i(logit_raddr), .rdata_o(logit_q)
            );
        end else if (DEEP != 0) begin : g_logit_reg
            reg [ACC_OK-1:0] lq;
            always @(posedge clk) lq <= logit_rdata;
            assign logit_q = lq;
        end else begin : g_logit_ram  // the RAM's output holds: its address holds during a read
            assign logit_q = logit_rdata;
        end
    endgenerate
    always @(posedge clk) begin
        rd_addr_q  <= rd_addr_i;
        rd_logit_q <= rd_addr_q[8] && {1'b0, rd_addr_q[7:0]} < n_cls;
        case (rd_addr_q)
            R_ID:           rd_q <= CORE_ID;
            R_HW_VERSION:   rd_q <= CORE_HW_VERSION;
            R_LANES:        rd_q <= L_OK;
            R_WMEM_BYTES:   rd_q <= WMEM_OK;
            R_PMEM_NEURONS: rd_q <= PMEM_OK;
            R_ABUF_BYTES:   rd_q <= ABUF_OK;
            R_STATUS:       rd_q <= status;
            R_CRC:          rd_q <= ld_crc;
            R_MODEL_BYTES:  rd_q <= ld_bytes;
            R_CYCLES:       rd_q <= {{(32 - CYW){1'b0}}, cycles_q};
            R_CLASS:        rd_q <= {24'd0, class_q};
            R_N_CLASSES:    rd_q <= {23'd0, n_cls};
            default:        rd_q <= 32'd0;
        endcase
    end
    wire [31:0] logit_x = {{(32 - ACC_OK){logit_q[ACC_OK-1]}}, logit_q};
    reg  [31:0] rd_out_q;
    always @(posedge clk) rd_out_q <= rd_logit_q ? logit_x : rd_q;
    assign rd_data_o = rd_out_q;

    assign cmd_ready_o    = !ld_stall;
    assign busy_o         = busy;
    assign model_valid_o  = model_valid;
    assign err_o          = err_q;
    assign dbg_wb_valid_o = wb_valid;
    assign dbg_wb_layer_o = wb_tag[14:12];
    assign dbg_wb_index_o = wb_tag[11:0];
    assign dbg_wb_data_o  = wb_logit ? {{(32 - ACC_OK){wb_sum[ACC_OK-1]}}, wb_sum} : {24'd0, wb_act};
endmodule

`resetall
