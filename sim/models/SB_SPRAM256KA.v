// SB_SPRAM256KA — simulation model of the iCE40 UP5K 16K x 16 single-port RAM, for Verilator and lint
// only (synthesis uses the Yosys primitive). Same behaviour as Yosys' techlibs/ice40/cells_sim.v for
// the pins the core drives: DATAOUT registered on a read (CHIPSELECT && !WREN), held otherwise;
// nibble write enables; STANDBY / SLEEP / POWEROFF modelled as in that file (synchronously here).
// tests/t_rtl_spram.sh checks rtl/core/wmem.v against the Yosys model itself with Icarus.
//
// Parameters: none.
`default_nettype none

module SB_SPRAM256KA (
    input  wire [13:0] ADDRESS,
    input  wire [15:0] DATAIN,
    input  wire [3:0]  MASKWREN,
    input  wire        WREN,
    input  wire        CHIPSELECT,
    input  wire        CLOCK,
    input  wire        STANDBY,
    input  wire        SLEEP,
    input  wire        POWEROFF,  // active low: 1 = powered
    output reg  [15:0] DATAOUT
);
    reg [15:0] mem [0:16383];
    always @(posedge CLOCK) begin
        if (SLEEP || !POWEROFF) begin
            DATAOUT <= 16'd0;
        end else if (!STANDBY && CHIPSELECT) begin
            if (!WREN) begin
                DATAOUT <= mem[ADDRESS];
            end else begin
                if (MASKWREN[0]) mem[ADDRESS][3:0]   <= DATAIN[3:0];
                if (MASKWREN[1]) mem[ADDRESS][7:4]   <= DATAIN[7:4];
                if (MASKWREN[2]) mem[ADDRESS][11:8]  <= DATAIN[11:8];
                if (MASKWREN[3]) mem[ADDRESS][15:12] <= DATAIN[15:12];
            end
        end
    end
endmodule

`resetall
