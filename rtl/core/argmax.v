// argmax — running argmax over values that arrive at most one a cycle in index order (consecutive
// indices): a later value wins only if strictly greater, so ties go to the lowest index
// (docs/arithmetic.md). clear_i starts a new set by setting the best values to the most negative
// one, which every real value beats (the accelerator's sums are > -2^(VAL_W-1)), so the first value
// of a set needs no special case.
//
// No compare is wider than half a value, and none feeds back into itself within a cycle: the
// values of even and of odd index go to two running maxima (two cycles apart at the least, the
// time a compare and an update take), and a final compare of the two, pipelined as well, picks the
// larger (the lower index on a tie). A compare of two VAL_W-bit values is split into its upper half
// (signed: greater, equal) and its lower half (unsigned: greater, and equal for the final one),
// registered, and combined a cycle later. val_i must come from a register (the requantizer's
// sum): it is compared as it arrives.
//
//   cycle 0  valid_i: val_i against both running maxima, half by half -> the half results, x_q2
//   cycle 1  the stream of x_q2's parity takes it if greater
//   cycle 2  max 1 against max 0, half by half (and the indices)
//   cycle 3  the pick                                       -> idx_o from cycle 4 on
// (during a stream idx_o may mix two cycles' maxima; it is right from four cycles after the last
// value.) accel_core reads CLASS at finish, more than four cycles after the last logit.
//
// Parameters:
//   VAL_W  bits of a value (signed, two's complement), even, >= 4
//   IDX_W  bits of an index
`default_nettype none

module argmax #(
    parameter integer VAL_W = 24,
    parameter integer IDX_W = 8
) (
    input  wire             clk,
    input  wire             rst,
    input  wire             clear_i,  // start a new set (wins over valid_i)
    input  wire             valid_i,
    input  wire [IDX_W-1:0] idx_i,    // the index after the previous value's (0 first)
    input  wire [VAL_W-1:0] val_i,    // > -2^(VAL_W-1)
    output wire [IDX_W-1:0] idx_o     // index of the largest value since clear_i, four cycles after it
);
    localparam integer H = VAL_W / 2;  // the lower half's bits

    initial begin
        if (VAL_W < 4 || VAL_W % 2 != 0 || IDX_W < 1) begin
            $display("argmax: VAL_W = %0d (need an even number >= 4), IDX_W = %0d", VAL_W, IDX_W);
            $finish;
        end
    end

    // ---- cycles 0, 1: two running maxima (s = the index's parity) -----------------------------------
    reg [VAL_W-1:0] best_q [0:1];
    reg [IDX_W-1:0] bidx_q [0:1];
    reg [1:0]       hg_q, he_q, lg_q;  // x_q2 vs best s: upper half greater / equal, lower half greater
    reg             v_q2;
    reg [IDX_W-1:0] i_q2;
    reg [VAL_W-1:0] x_q2;
    integer s;
    always @(posedge clk) begin
        for (s = 0; s < 2; s = s + 1) begin
            hg_q[s] <= $signed(val_i[VAL_W-1:H]) > $signed(best_q[s][VAL_W-1:H]);
            he_q[s] <= val_i[VAL_W-1:H] == best_q[s][VAL_W-1:H];
            lg_q[s] <= val_i[H-1:0] > best_q[s][H-1:0];
        end
        v_q2 <= valid_i && !clear_i && !rst;
        i_q2 <= idx_i;
        x_q2 <= val_i;
        for (s = 0; s < 2; s = s + 1) begin
            if (v_q2 && i_q2[0] == s[0] && (hg_q[s] || (he_q[s] && lg_q[s]))) begin
                best_q[s] <= x_q2;
                bidx_q[s] <= i_q2;
            end
            if (rst || clear_i) begin
                best_q[s] <= {1'b1, {(VAL_W - 1){1'b0}}};
                bidx_q[s] <= {IDX_W{1'b0}};
            end
        end
    end

    // ---- cycles 2, 3: the larger of the two (the lower index on a tie); the indices are read from
    // the running maxima again in cycle 3 (they hold once the stream has ended) ------------------------
    reg             fhg_q, fhe_q, flg_q, fle_q, flt_q;  // max 1 vs max 0; flt_q: index 1 < index 0
    reg [IDX_W-1:0] idx_q;
    always @(posedge clk) begin
        fhg_q <= $signed(best_q[1][VAL_W-1:H]) > $signed(best_q[0][VAL_W-1:H]);
        fhe_q <= best_q[1][VAL_W-1:H] == best_q[0][VAL_W-1:H];
        flg_q <= best_q[1][H-1:0] > best_q[0][H-1:0];
        fle_q <= best_q[1][H-1:0] == best_q[0][H-1:0];
        flt_q <= bidx_q[1] < bidx_q[0];
        idx_q <= fhg_q || (fhe_q && (flg_q || (fle_q && flt_q))) ? bidx_q[1] : bidx_q[0];
    end
    assign idx_o = idx_q;
endmodule

`resetall
