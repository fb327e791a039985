// zkaccel: the shell-independent part of every vendor wrapper. The card top (`top`, from
// emit_card_verilog card_full) with its register port behind an AXI4-Lite slave, its 256-bit
// streams behind 512-bit AXI4-Stream ports (the width of F2's DMA_PCIS and of XDMA at Gen3 x16),
// and its card-memory port on an on-chip memory of 2^MEM_LOG_POINTS points (URAM; no DDR/HBM).
// Written for bitstreams/synth.py vendor; linted with Verilator; never run on an FPGA.
`default_nettype none
module zkaccel_shell_core #(
    parameter CLOCK_KHZ = 250000,     // what the ClockKhz register (0x0c) reads
    parameter MEM_LOG_POINTS = 16     // card memory: 2^MEM_LOG_POINTS points of 64 bytes
) (
    input  wire         clk,
    input  wire         rst_n,
    // AXI4-Lite slave: the register window (offsets 0x00..0xff; higher offsets alias)
    input  wire [31:0]  s_axil_awaddr,
    input  wire         s_axil_awvalid,
    output wire         s_axil_awready,
    input  wire [31:0]  s_axil_wdata,
    input  wire [3:0]   s_axil_wstrb,
    input  wire         s_axil_wvalid,
    output wire         s_axil_wready,
    output wire [1:0]   s_axil_bresp,
    output wire         s_axil_bvalid,
    input  wire         s_axil_bready,
    input  wire [31:0]  s_axil_araddr,
    input  wire         s_axil_arvalid,
    output wire         s_axil_arready,
    output wire [31:0]  s_axil_rdata,
    output wire [1:0]   s_axil_rresp,
    output wire         s_axil_rvalid,
    input  wire         s_axil_rready,
    // Host-to-card stream, 512-bit (64-byte beats; tkeep's upper 32 bytes may be 0 on a last beat)
    input  wire [511:0] s_axis_tdata,
    input  wire [63:0]  s_axis_tkeep,
    input  wire         s_axis_tlast,
    input  wire         s_axis_tvalid,
    output wire         s_axis_tready,
    // Card-to-host stream, 512-bit
    output wire [511:0] m_axis_tdata,
    output wire [63:0]  m_axis_tkeep,
    output wire         m_axis_tlast,
    output wire         m_axis_tvalid,
    input  wire         m_axis_tready
);
    // ---- registers: one AXI4-Lite transaction at a time, writes before reads ----
    reg        b_pending, r_pending;
    reg [31:0] rdata_q;
    wire do_write = s_axil_awvalid && s_axil_wvalid && !b_pending && !r_pending;
    wire do_read  = s_axil_arvalid && !do_write && !r_pending && !b_pending;
    assign s_axil_awready = do_write;
    assign s_axil_wready  = do_write;
    assign s_axil_bresp   = 2'b00;
    assign s_axil_bvalid  = b_pending;
    assign s_axil_arready = do_read;
    assign s_axil_rresp   = 2'b00;
    assign s_axil_rvalid  = r_pending;
    assign s_axil_rdata   = rdata_q;

    wire [31:0] card_rdata;
    wire [7:0]  reg_addr = do_write ? s_axil_awaddr[7:0] : s_axil_araddr[7:0];
    // Partial-word writes are not part of the register protocol: only full words are written.
    wire        reg_we = do_write && (s_axil_wstrb == 4'hf);
    always @(posedge clk) begin
        if (!rst_n) begin
            b_pending <= 1'b0;
            r_pending <= 1'b0;
            rdata_q   <= 32'd0;
        end else begin
            if (do_write) b_pending <= 1'b1;
            else if (s_axil_bready) b_pending <= 1'b0;
            if (do_read) begin
                r_pending <= 1'b1;
                // The card's read data is combinational in the address: sample it now.
                rdata_q   <= (s_axil_araddr[7:0] == 8'h0c) ? CLOCK_KHZ : card_rdata;
            end else if (s_axil_rready) r_pending <= 1'b0;
        end
    end

    // ---- host-to-card: 512 -> 256 ----
    wire [255:0] c_s_data;
    wire         c_s_valid, c_s_last, c_s_ready;
    reg          half;            // 0: lower 32 bytes of the beat next, 1: upper
    wire         upper_kept = |s_axis_tkeep[63:32];
    wire         beat_done = half || !upper_kept;
    assign c_s_data  = half ? s_axis_tdata[511:256] : s_axis_tdata[255:0];
    assign c_s_valid = s_axis_tvalid;
    assign c_s_last  = s_axis_tlast && beat_done;
    assign s_axis_tready = c_s_ready && beat_done;
    always @(posedge clk) begin
        if (!rst_n) half <= 1'b0;
        else if (s_axis_tvalid && c_s_ready) half <= beat_done ? 1'b0 : 1'b1;
    end

    // ---- card-to-host: 256 -> 512 ----
    wire [255:0] c_m_data;
    wire         c_m_valid, c_m_last;
    reg  [255:0] low_q;
    reg          have_low;
    reg  [511:0] out_data;
    reg  [63:0]  out_keep;
    reg          out_last, out_valid;
    wire         out_free = !out_valid || m_axis_tready;
    // Take a card beat when it can go somewhere: into `low_q`, or completing an output beat.
    wire         c_m_ready = out_free;
    always @(posedge clk) begin
        if (!rst_n) begin
            have_low  <= 1'b0;
            out_valid <= 1'b0;
            low_q     <= 256'd0;
            out_data  <= 512'd0;
            out_keep  <= 64'd0;
            out_last  <= 1'b0;
        end else begin
            if (m_axis_tready) out_valid <= 1'b0;
            if (c_m_valid && out_free) begin
                if (have_low) begin
                    out_data  <= {c_m_data, low_q};
                    out_keep  <= {64{1'b1}};
                    out_last  <= c_m_last;
                    out_valid <= 1'b1;
                    have_low  <= 1'b0;
                end else if (c_m_last) begin
                    out_data  <= {256'd0, c_m_data};
                    out_keep  <= {32'd0, {32{1'b1}}};
                    out_last  <= 1'b1;
                    out_valid <= 1'b1;
                end else begin
                    low_q    <= c_m_data;
                    have_low <= 1'b1;
                end
            end
        end
    end
    assign m_axis_tdata  = out_data;
    assign m_axis_tkeep  = out_keep;
    assign m_axis_tlast  = out_last;
    assign m_axis_tvalid = out_valid;

    // ---- card memory: on-chip, one read and one write per cycle, read latency 1 ----
    wire         mem_rd_valid, mem_wr_valid;
    wire [31:0]  mem_rd_addr, mem_wr_addr;
    wire [511:0] mem_wr_data;
    (* ram_style = "ultra" *) reg [511:0] mem [0:(1 << MEM_LOG_POINTS) - 1];
    reg  [511:0] mem_q;
    reg          mem_q_valid;
    always @(posedge clk) begin
        if (mem_wr_valid) mem[mem_wr_addr[MEM_LOG_POINTS-1:0]] <= mem_wr_data;
        if (mem_rd_valid) mem_q <= mem[mem_rd_addr[MEM_LOG_POINTS-1:0]];
        mem_q_valid <= rst_n && mem_rd_valid;
    end

    wire busy_unused;
    top card (
        .clock(clk),
        .reset(!rst_n),
        .mem_points(32'd1 << MEM_LOG_POINTS),
        .reg_addr(reg_addr),
        .reg_wdata(s_axil_wdata),
        .reg_we(reg_we),
        .reg_rdata(card_rdata),
        .busy(busy_unused),
        .s_data(c_s_data),
        .s_valid(c_s_valid),
        .s_ready(c_s_ready),
        .s_last(c_s_last),
        .m_data(c_m_data),
        .m_valid(c_m_valid),
        .m_ready(c_m_ready),
        .m_last(c_m_last),
        .mem_rd_valid(mem_rd_valid),
        .mem_rd_ready(1'b1),
        .mem_rd_addr(mem_rd_addr),
        .mem_rd_data_valid(mem_q_valid),
        .mem_rd_data(mem_q),
        .mem_wr_valid(mem_wr_valid),
        .mem_wr_ready(1'b1),
        .mem_wr_addr(mem_wr_addr),
        .mem_wr_data(mem_wr_data)
    );

    wire unused_ok = &{1'b0, busy_unused, s_axil_awaddr[31:8], s_axil_araddr[31:8], mem_rd_addr, mem_wr_addr,
                       s_axis_tkeep[31:0], s_axis_tkeep[63:33]};
endmodule
`default_nettype wire
