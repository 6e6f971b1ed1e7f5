// seq — the sequencer of one inference: walks layers, groups of LANES output neurons and inputs,
// issues one (activation byte, weight word) read a cycle to the MAC array, and drains each finished
// group from the shadow chain through the requantizer while the lanes already work on the next one.
//
//   LOAD:  one cycle after START or after a flush: the layer's counters, its index and its regions
//          are set up (from registers only: a short path to their enables), and RUN issues its
//          first input the cycle after.
//   RUN:   per group g, per input i: abuf[rd region][i] and wmem[w] (w counts up over the whole
//          model: the layout of docs/formats.md). After a group's last input one cycle stays free
//          (the accumulators are cleared while their sums move to the shadow chain). The last input
//          issues only when the shadow chain is free (resv_q clear): that stalls only when a layer
//          has fewer inputs than the drain needs (n_in < LANES + 5).
//   drain: from the cycle after loaded_i, one neuron a cycle: shift the chain, read its neuron
//          record (pmem), hand it to the requantizer with its tag; padding lanes are not drained.
//   FLUSH: after a layer's last group: wait until its drain and the requantizer are empty (the next
//          layer reads what this one writes; seen one cycle late, registered), then LOAD the next
//          layer or finish (done_o).
//
// Activation buffer regions: 0 = the image (written by IMAGE_DATA, never overwritten), 1 and 2 =
// ping-pong for hidden layers: layer 0 reads 0 writes 1, layer l > 0 reads the region layer l-1
// wrote and writes the other one of 1/2.
//
// The layer table (n_out per layer) is a small RAM read one cycle ahead: entry layer+1 while a
// layer runs, entry 0 while idle and while the last layer flushes. What a layer start needs of the
// entry (n_out - 1, its groups - 1, the neurons of its last group, n_out == 1, n_out <= LANES) is
// registered from the RAM's output (t*_q): those settle within three cycles of the address, and a
// layer, or the flush before a START, lasts longer than that.
//
// Parameters:
//   LANES  lanes (power of two, 8..256)
//   WAW    weight memory address bits
//   PAW    neuron-record memory address bits
//   AAW    activation buffer region address bits (a region holds 2^AAW bytes), 1..12
`default_nettype none

module seq #(
    parameter integer LANES = 32,
    parameter integer WAW   = 14,
    parameter integer PAW   = 10,
    parameter integer AAW   = 10
) (
    input  wire             clk,
    input  wire             rst,
    input  wire             start_i,     // run one inference (the model is loaded and stable)
    input  wire [3:0]       n_layers_i,  // 1..8
    input  wire [11:0]      n_in0_m1_i,  // n_in of layer 0 - 1 (n_in 1..4096)
    output wire [2:0]       ltab_raddr_o,
    input  wire [12:0]      ltab_rdata_i,  // n_out of layer ltab_raddr_o, one cycle later
    // cycle A: memory reads
    output wire             rd_en_o,     // read abuf (and, one cycle later, wmem: accel_core)
    output wire [AAW+1:0]   abuf_raddr_o,
    output wire [WAW-1:0]   wmem_raddr_o,
    // cycle B: tags of the data the memories return
    output wire             mac_valid_o,
    output wire             mac_last_o,
    output wire             mac_clear_o, // idle: keep the accumulators at 0
    input  wire             loaded_i,    // mac_array moved a group's sums into the shadow chain
    // drain: one neuron into the requantizer
    output wire             drain_o,     // shift the chain; shd0 is a valid neuron
    output wire [PAW-1:0]   pmem_raddr_o,
    output wire             rq_logit_o,  // the neuron belongs to the last layer
    output wire [11:0]      rq_index_o,  // neuron j within its layer
    output wire [2:0]       rq_layer_o,
    output wire [1:0]       rq_region_o, // activation buffer region to write (hidden layers)
    input  wire             rq_busy_i,   // requantizer pipeline not empty
    output wire             busy_o,
    output wire             busy_next_o, // busy_o of the next cycle (for a registered copy)
    output wire             finish_o,    // last busy cycle: every result is written; done_o follows
    output wire             done_o       // one-cycle pulse, busy_o already low
);
    localparam integer LW = $clog2(LANES) + 1;  // holds 0..LANES
    localparam [13:0] LANES14 = LANES[13:0];

    initial begin
        if (LANES < 8 || LANES > 256 || (LANES & (LANES - 1)) != 0 || AAW > 12 || AAW < 1 ||
            WAW < 1 || PAW < 1) begin
            $display("seq: LANES = %0d (need a power of two in 8..256), WAW = %0d, PAW = %0d, AAW = %0d (1..12)",
                     LANES, WAW, PAW, AAW);
            $finish;
        end
    end

    localparam integer LSH = $clog2(LANES);
    localparam integer GW  = 12 - LSH;          // groups of a layer - 1 (n_out <= 4096)
    reg           st_idle_q, st_load_q, st_run_q, st_flush_q;  // the state, one-hot
    reg [2:0]     layer_q;
    reg [11:0]    nin_m1_q;     // n_in - 1 (n_in 1..4096)
    reg [11:0]    nout_m1_q;    // n_out - 1: the next layer's n_in - 1
    reg           nout1_q;      // n_out == 1
    reg           logit_q;      // layer_q is the last layer
    reg [11:0]    i_q;          // input index within the group (the activation address)
    reg [11:0]    irem_q;       // inputs of the group after i_q
    reg           last_in_q;    // irem_q == 0: i_q is the group's last input (kept as a register)
    reg           irem1_q;      // irem_q == 1 (kept as a register: the issue decision reads it)
    reg           nin1_q;       // n_in == 1 in this layer
    reg [GW-1:0]  gidx_q;       // group: its first neuron is gidx_q * LANES
    reg [GW-1:0]  grem_q;       // groups of the layer after this one
    reg           lgrp_q;       // grem_q == 0: this is the layer's last group
    reg [LW-1:0]  nv_q;         // neurons of the layer's last group (1..LANES)
    reg [WAW-1:0] waddr_q;
    reg [1:0]     rreg_q, wreg_q;
    reg           gap_q;        // the cycle after a group's last input: no read
    reg           first_q;      // LOAD starts layer 0 (n_in from n_in0_m1_i)

    // the layer table entry: the RAM's output registered (a block RAM's output is slow to leave
    // it), then decoded. The entry is read many cycles before LOAD uses it: its address changes in
    // LOAD (the next layer) or at the last layer's flush (entry 0), and the decoded values are
    // current four cycles later.
    reg [12:0]    lt_q;         // n_out
    reg [11:0]    tm1_q;        // n_out - 1
    reg           t1_q;         // n_out == 1
    reg           tg0_q;        // n_out <= LANES: one group
    reg [LW-1:0]  tnv_q;        // neurons of the last group
    always @(posedge clk) begin
        lt_q  <= ltab_rdata_i;
        tm1_q <= lt_q[11:0] - 12'd1;  // 4096 (12'd0) -> 4095
        t1_q  <= lt_q == 13'd1;
        tg0_q <= lt_q <= LANES14[12:0];
        tnv_q <= {1'b0, tm1_q[LSH-1:0]} + 1'b1;
    end

    // the shadow chain reservation: set when a group's last input issues, cleared by its drain
    reg           resv_q;
    reg [LW-1:0]  dleft_q;      // neurons of the reserved group still to drain
    reg [11:0]    dj_q;         // neuron being drained (index in its layer)
    reg [PAW-1:0] dp_q;         // its neuron record: counts drained neurons over the inference
    reg [2:0]     dlayer_q;
    reg [1:0]     dreg_q;
    reg           dlogit_q;
    reg           dact_q;       // draining

    reg           mv_q, ml_q;
    reg           done_q;

    // counters instead of comparisons with adders: the issue decision is a few LUTs deep
    wire          last_in   = last_in_q;
    wire          last_grp  = lgrp_q;
    wire [LW-1:0] nvalid    = last_grp ? nv_q : LANES14[LW-1:0];
    // The issue decision is a register (issue_q), computed a cycle ahead from the next values of
    // the state, the gap, last_in and the reservation: it fans out to every counter's enable.
    reg           issue_q;
    wire          issue     = issue_q;  // == st_run_q && !gap_q && !(last_in && resv_q)
    wire          drain_end = dact_q && dleft_q == 1;
    wire          resv_nx   = (issue && last_in) || (resv_q && !drain_end);  // resv_q's next value
    wire [2:0]    layer_nx  = layer_q + 3'd1;  // the next layer's index (wraps after 7: see more_q)
    // the layer's results are all written: registered, one cycle after the pipeline is empty
    reg           empty_q;      // FLUSH, no reservation, no drain, requantizer empty (last cycle)
    reg           more_q;       // a layer follows layer_q
    wire          flushed   = st_flush_q && empty_q;
    wire          more      = more_q;
    always @(posedge clk) begin
        empty_q <= st_flush_q && !resv_q && !dact_q && !rq_busy_i && !flushed;
        if (st_idle_q) more_q <= n_layers_i > 4'd1;
        else if (flushed)      more_q <= {1'b0, layer_q} + 4'd2 < n_layers_i;
    end

    // a layer starts: its n_out from the table entry, its n_in from n_in0_m1_i (layer 0) or from the
    // layer before (a layer's inputs are the outputs of the one before)
    task start_layer(input [11:0] nin_m1, input nin1);
        begin
            nin_m1_q  <= nin_m1;
            irem_q    <= nin_m1;
            irem1_q   <= nin_m1 == 12'd1;
            last_in_q <= nin1;
            nin1_q    <= nin1;
            nout_m1_q <= tm1_q;
            nout1_q   <= t1_q;
            i_q       <= 12'd0;
            gidx_q    <= {GW{1'b0}};
            grem_q    <= tm1_q[11:LSH];
            lgrp_q    <= tg0_q;
            nv_q      <= tnv_q;
        end
    endtask

    // ---- the state, one-hot: each flag's next value straight from registers (no wide enable) ------
    wire to_flush = issue && last_in && last_grp;  // the layer's last input issues (issue: RUN)
    always @(posedge clk) begin
        if (rst) begin
            st_idle_q  <= 1'b1;
            st_load_q  <= 1'b0;
            st_run_q   <= 1'b0;
            st_flush_q <= 1'b0;
        end else begin
            st_idle_q  <= (st_idle_q && !start_i) || (flushed && !more);
            st_load_q  <= (st_idle_q && start_i) || (flushed && more);
            st_run_q   <= st_load_q || (st_run_q && !to_flush);
            st_flush_q <= to_flush || (st_flush_q && !empty_q);
        end
    end

    always @(posedge clk) begin
        if (rst) begin
            layer_q <= 3'd0;
            logit_q <= 1'b0;
            last_in_q <= 1'b1;
            waddr_q <= {WAW{1'b0}};
            rreg_q  <= 2'd0;
            wreg_q  <= 2'd1;
            gap_q   <= 1'b0;
            done_q  <= 1'b0;
        end else begin
            done_q <= flushed && !more;
            gap_q  <= issue && last_in;
            if (st_idle_q && start_i) begin
                first_q <= 1'b1;
                layer_q <= 3'd0;
                logit_q <= n_layers_i == 4'd1;
                waddr_q <= {WAW{1'b0}};
                rreg_q  <= 2'd0;
                wreg_q  <= 2'd1;
            end
            if (st_load_q) begin  // the table entry is still the new layer's during LOAD
                first_q <= 1'b0;
                if (first_q) begin
                    start_layer(n_in0_m1_i, n_in0_m1_i == 12'd0);
                end else begin
                    start_layer(nout_m1_q, nout1_q);
                    layer_q <= layer_nx;
                    logit_q <= {1'b0, layer_nx} + 4'd1 == n_layers_i;
                    rreg_q  <= wreg_q;
                    wreg_q  <= wreg_q == 2'd1 ? 2'd2 : 2'd1;
                end
            end
            if (issue) begin
                waddr_q <= waddr_q + 1'b1;
                if (last_in) begin
                    i_q    <= 12'd0;
                    irem_q <= nin_m1_q;
                    irem1_q <= nin_m1_q == 12'd1;
                    last_in_q <= nin1_q;
                    gidx_q <= gidx_q + 1'b1;
                    grem_q <= grem_q - 1'b1;
                    lgrp_q <= grem_q == {{(GW - 1){1'b0}}, 1'b1};
                end else begin
                    i_q    <= i_q + 12'd1;
                    irem_q <= irem_q - 12'd1;
                    irem1_q <= irem_q == 12'd2;
                    last_in_q <= irem_q == 12'd1;
                end
            end
        end
    end

    // issue of the next cycle. RUN: after a non-last input the next one is the last when irem_q == 1;
    // after a last input comes the gap; a gap or a stall keeps last_in. Entering RUN from LOAD (after
    // START, or after the layer before is flushed) there is no reservation: the first input issues
    // at once.
    wire issue_nx = st_run_q ? (issue ? !last_in && !(irem1_q && resv_nx) : !(last_in && resv_nx)) :
                    st_load_q;
    always @(posedge clk) begin
        if (rst) issue_q <= 1'b0;
        else     issue_q <= issue_nx;
    end
`ifndef SYNTHESIS
    reg rst_seen = 1'b0;  // the checks start with the first reset (before it, state is random)
    always @(posedge clk) if (rst) rst_seen <= 1'b1;
    always @(posedge clk) begin  // the registered decision is the combinational one, always
        if (rst_seen && !rst && issue_q != (st_run_q && !gap_q && !(last_in && resv_q))) begin
            $display("seq: issue_q = %0d differs from the decision it stands for", issue_q);
            $stop;
        end
        if (rst_seen && !rst && st_run_q && irem1_q != (irem_q == 12'd1)) begin
            $display("seq: irem1_q = %0d differs from irem_q == 1 (irem_q = %0d)", irem1_q, irem_q);
            $stop;
        end
        if (rst_seen && !rst && {1'b0, st_idle_q} + {1'b0, st_load_q} + {1'b0, st_run_q} + {1'b0, st_flush_q} != 2'd1) begin
            $display("seq: the state flags are not one-hot");
            $stop;
        end
    end
`endif

    // ---- reservation and drain -------------------------------------------------------------------
    always @(posedge clk) begin
        if (rst) begin
            resv_q <= 1'b0;
            dact_q <= 1'b0;
            dp_q   <= {PAW{1'b0}};
        end else begin
            if (issue && last_in) resv_q <= 1'b1;
            else if (drain_end)   resv_q <= 1'b0;
            if (loaded_i)       dact_q <= 1'b1;
            else if (drain_end) dact_q <= 1'b0;
            if (st_idle_q) dp_q <= {PAW{1'b0}};
            else if (dact_q)       dp_q <= dp_q + 1'b1;
        end
    end
    always @(posedge clk) begin
        if (issue && last_in) begin
            dleft_q  <= nvalid;
            dj_q     <= {gidx_q, {LSH{1'b0}}};
            dlayer_q <= layer_q;
            dreg_q   <= wreg_q;
            dlogit_q <= logit_q;
        end else if (dact_q) begin
            dleft_q  <= dleft_q - 1'b1;
            dj_q     <= dj_q + 12'd1;
        end
    end

    // ---- tags of the reads, one cycle later ------------------------------------------------------
    always @(posedge clk) begin
        ml_q <= last_in;
        if (rst) mv_q <= 1'b0;
        else     mv_q <= issue;
    end

    // entry 0 also while the last layer flushes: a START in the cycle of done_o needs it
    assign ltab_raddr_o = st_idle_q || (st_flush_q && !more) ? 3'd0 : layer_nx;
    assign rd_en_o      = issue;
    assign abuf_raddr_o = {rreg_q, i_q[AAW-1:0]};
    assign wmem_raddr_o = waddr_q;
    assign mac_valid_o  = mv_q;
    assign mac_last_o   = ml_q;
    assign mac_clear_o  = st_idle_q;
    assign drain_o      = dact_q;
    // the record of the neuron drained next, a cycle ahead: the requantizer takes it with the neuron
    assign pmem_raddr_o = dp_q + {{(PAW - 1){1'b0}}, dact_q};
    assign rq_logit_o   = dlogit_q;
    assign rq_index_o   = dj_q;
    assign rq_layer_o   = dlayer_q;
    assign rq_region_o  = dreg_q;
    assign busy_o       = !st_idle_q;
    assign finish_o     = flushed && !more;
    assign busy_next_o  = st_idle_q ? start_i : !(flushed && !more);
    assign done_o       = done_q;
endmodule

`resetall
