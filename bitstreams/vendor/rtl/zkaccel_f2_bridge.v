// zkaccel on the AWS F2 small shell: the card's registers on OCL (AXI4-Lite, BAR0) and its streams
// on DMA_PCIS (AXI4, 512-bit). Port names are the shell's (aws/aws-fpga
// hdk/common/shell_stable/design/interfaces/cl_ports.vh); cl_zkaccel.sv connects them one to one.
// DMA_PCIS: a write burst is host-to-card data (wstrb selects 32-byte halves); a write burst to
// an address with bit LAST_BIT set ends the packet on its last beat. A read burst pops
// card-to-host beats; after the card's last beat the rest of the burst reads as zeros.
// One write and one read burst at a time. Written for bitstreams/synth.py vendor; lint-checked,
// never run on an FPGA.
`default_nettype none
module zkaccel_f2_bridge #(
    parameter CLOCK_KHZ = 250000,
    parameter MEM_LOG_POINTS = 16,
    parameter LAST_BIT = 20
) (
    input  wire         clk_main_a0,
    input  wire         rst_main_n,
    // OCL (AXI4-Lite, registers)
    input  wire [31:0]  ocl_cl_awaddr,
    input  wire         ocl_cl_awvalid,
    output wire         cl_ocl_awready,
    input  wire [31:0]  ocl_cl_wdata,
    input  wire [3:0]   ocl_cl_wstrb,
    input  wire         ocl_cl_wvalid,
    output wire         cl_ocl_wready,
    output wire [1:0]   cl_ocl_bresp,
    output wire         cl_ocl_bvalid,
    input  wire         ocl_cl_bready,
    input  wire [31:0]  ocl_cl_araddr,
    input  wire         ocl_cl_arvalid,
    output wire         cl_ocl_arready,
    output wire [31:0]  cl_ocl_rdata,
    output wire [1:0]   cl_ocl_rresp,
    output wire         cl_ocl_rvalid,
    input  wire         ocl_cl_rready,
    // DMA_PCIS (AXI4, data)
    input  wire [15:0]  sh_cl_dma_pcis_awid,
    input  wire [63:0]  sh_cl_dma_pcis_awaddr,
    input  wire [7:0]   sh_cl_dma_pcis_awlen,
    input  wire         sh_cl_dma_pcis_awvalid,
    output wire         cl_sh_dma_pcis_awready,
    input  wire [511:0] sh_cl_dma_pcis_wdata,
    input  wire [63:0]  sh_cl_dma_pcis_wstrb,
    input  wire         sh_cl_dma_pcis_wlast,
    input  wire         sh_cl_dma_pcis_wvalid,
    output wire         cl_sh_dma_pcis_wready,
    output wire [15:0]  cl_sh_dma_pcis_bid,
    output wire [1:0]   cl_sh_dma_pcis_bresp,
    output wire         cl_sh_dma_pcis_bvalid,
    input  wire         sh_cl_dma_pcis_bready,
    input  wire [15:0]  sh_cl_dma_pcis_arid,
    input  wire [63:0]  sh_cl_dma_pcis_araddr,
    input  wire [7:0]   sh_cl_dma_pcis_arlen,
    input  wire         sh_cl_dma_pcis_arvalid,
    output wire         cl_sh_dma_pcis_arready,
    output wire [15:0]  cl_sh_dma_pcis_rid,
    output wire [511:0] cl_sh_dma_pcis_rdata,
    output wire [1:0]   cl_sh_dma_pcis_rresp,
    output wire         cl_sh_dma_pcis_rlast,
    output wire         cl_sh_dma_pcis_rvalid,
    input  wire         sh_cl_dma_pcis_rready
);
    // ---- writes: AW, then W beats into the host-to-card stream, then B ----
    reg        w_active, b_pending, w_last_burst;
    reg [15:0] w_id;
    assign cl_sh_dma_pcis_awready = !w_active && !b_pending;
    always @(posedge clk_main_a0) begin
        if (!rst_main_n) begin
            w_active <= 1'b0;
            b_pending <= 1'b0;
            w_last_burst <= 1'b0;
            w_id <= 16'd0;
        end else begin
            if (sh_cl_dma_pcis_awvalid && cl_sh_dma_pcis_awready) begin
                w_active <= 1'b1;
                w_id <= sh_cl_dma_pcis_awid;
                w_last_burst <= sh_cl_dma_pcis_awaddr[LAST_BIT];
            end
            if (sh_cl_dma_pcis_wvalid && cl_sh_dma_pcis_wready && sh_cl_dma_pcis_wlast) begin
                w_active <= 1'b0;
                b_pending <= 1'b1;
            end else if (b_pending && sh_cl_dma_pcis_bready) b_pending <= 1'b0;
        end
    end
    wire s_tready;
    assign cl_sh_dma_pcis_wready = w_active && s_tready;
    assign cl_sh_dma_pcis_bid = w_id;
    assign cl_sh_dma_pcis_bresp = 2'b00;
    assign cl_sh_dma_pcis_bvalid = b_pending;

    // ---- reads: AR, then len+1 beats from the card-to-host stream ----
    reg        r_active, r_drained;
    reg [15:0] r_id;
    reg [7:0]  r_left;
    wire [511:0] m_tdata;
    wire [63:0]  m_tkeep;
    wire         m_tlast, m_tvalid;
    assign cl_sh_dma_pcis_arready = !r_active;
    wire r_beat = r_active && sh_cl_dma_pcis_rready && (r_drained || m_tvalid);
    always @(posedge clk_main_a0) begin
        if (!rst_main_n) begin
            r_active <= 1'b0;
            r_drained <= 1'b0;
            r_id <= 16'd0;
            r_left <= 8'd0;
        end else begin
            if (sh_cl_dma_pcis_arvalid && cl_sh_dma_pcis_arready) begin
                r_active <= 1'b1;
                r_drained <= 1'b0;
                r_id <= sh_cl_dma_pcis_arid;
                r_left <= sh_cl_dma_pcis_arlen;
            end else if (r_beat) begin
                if (!r_drained && m_tlast) r_drained <= 1'b1;
                if (r_left == 8'd0) r_active <= 1'b0;
                else r_left <= r_left - 8'd1;
            end
        end
    end
    assign cl_sh_dma_pcis_rid = r_id;
    assign cl_sh_dma_pcis_rdata = r_drained ? 512'd0 : (m_tdata & {{32{{8{m_tkeep[63]}}}}, {32{8'hff}}});
    assign cl_sh_dma_pcis_rresp = 2'b00;
    assign cl_sh_dma_pcis_rlast = r_left == 8'd0;
    assign cl_sh_dma_pcis_rvalid = r_active && (r_drained || m_tvalid);

    zkaccel_shell_core #(.CLOCK_KHZ(CLOCK_KHZ), .MEM_LOG_POINTS(MEM_LOG_POINTS)) core (
        .clk(clk_main_a0),
        .rst_n(rst_main_n),
        .s_axil_awaddr(ocl_cl_awaddr),
        .s_axil_awvalid(ocl_cl_awvalid),
        .s_axil_awready(cl_ocl_awready),
        .s_axil_wdata(ocl_cl_wdata),
        .s_axil_wstrb(ocl_cl_wstrb),
        .s_axil_wvalid(ocl_cl_wvalid),
        .s_axil_wready(cl_ocl_wready),
        .s_axil_bresp(cl_ocl_bresp),
        .s_axil_bvalid(cl_ocl_bvalid),
        .s_axil_bready(ocl_cl_bready),
        .s_axil_araddr(ocl_cl_araddr),
        .s_axil_arvalid(ocl_cl_arvalid),
        .s_axil_arready(cl_ocl_arready),
        .s_axil_rdata(cl_ocl_rdata),
        .s_axil_rresp(cl_ocl_rresp),
        .s_axil_rvalid(cl_ocl_rvalid),
        .s_axil_rready(ocl_cl_rready),
        .s_axis_tdata(sh_cl_dma_pcis_wdata),
        .s_axis_tkeep(sh_cl_dma_pcis_wstrb),
        .s_axis_tlast(sh_cl_dma_pcis_wlast && w_last_burst),
        .s_axis_tvalid(sh_cl_dma_pcis_wvalid && w_active),
        .s_axis_tready(s_tready),
        .m_axis_tdata(m_tdata),
        .m_axis_tkeep(m_tkeep),
        .m_axis_tlast(m_tlast),
        .m_axis_tvalid(m_tvalid),
        .m_axis_tready(r_active && !r_drained && sh_cl_dma_pcis_rready)
    );

    wire unused_ok = &{1'b0, sh_cl_dma_pcis_awaddr[63:LAST_BIT+1], sh_cl_dma_pcis_awaddr[LAST_BIT-1:0],
                       sh_cl_dma_pcis_awlen, sh_cl_dma_pcis_araddr, m_tkeep[62:0]};
endmodule
`default_nettype wire
