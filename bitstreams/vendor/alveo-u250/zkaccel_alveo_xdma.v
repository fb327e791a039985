// zkaccel on an Alveo card behind the XDMA IP (AXI4-Stream mode, one H2C and one C2H channel,
// 512-bit at PCIe Gen3 x16, AXI4-Lite master on a BAR): the card's registers on the XDMA's
// M_AXI_LITE, its streams on H2C/C2H channel 0, on the XDMA's axi_aclk. Port names are the XDMA
// IP's (AMD PG195); zkaccel_alveo_top.v instantiates the IP and this module. Written for
// bitstreams/synth.py vendor; lint-checked, never run on an FPGA.
`default_nettype none
module zkaccel_alveo_xdma #(
    parameter CLOCK_KHZ = 250000,
    parameter MEM_LOG_POINTS = 16
) (
    input  wire         axi_aclk,
    input  wire         axi_aresetn,
    input  wire [31:0]  m_axil_awaddr,
    input  wire         m_axil_awvalid,
    output wire         m_axil_awready,
    input  wire [31:0]  m_axil_wdata,
    input  wire [3:0]   m_axil_wstrb,
    input  wire         m_axil_wvalid,
    output wire         m_axil_wready,
    output wire [1:0]   m_axil_bresp,
    output wire         m_axil_bvalid,
    input  wire         m_axil_bready,
    input  wire [31:0]  m_axil_araddr,
    input  wire         m_axil_arvalid,
    output wire         m_axil_arready,
    output wire [31:0]  m_axil_rdata,
    output wire [1:0]   m_axil_rresp,
    output wire         m_axil_rvalid,
    input  wire         m_axil_rready,
    input  wire [511:0] m_axis_h2c_tdata_0,
    input  wire [63:0]  m_axis_h2c_tkeep_0,
    input  wire         m_axis_h2c_tlast_0,
    input  wire         m_axis_h2c_tvalid_0,
    output wire         m_axis_h2c_tready_0,
    output wire [511:0] s_axis_c2h_tdata_0,
    output wire [63:0]  s_axis_c2h_tkeep_0,
    output wire         s_axis_c2h_tlast_0,
    output wire         s_axis_c2h_tvalid_0,
    input  wire         s_axis_c2h_tready_0
);
    zkaccel_shell_core #(.CLOCK_KHZ(CLOCK_KHZ), .MEM_LOG_POINTS(MEM_LOG_POINTS)) core (
        .clk(axi_aclk),
        .rst_n(axi_aresetn),
        .s_axil_awaddr(m_axil_awaddr),
        .s_axil_awvalid(m_axil_awvalid),
        .s_axil_awready(m_axil_awready),
        .s_axil_wdata(m_axil_wdata),
        .s_axil_wstrb(m_axil_wstrb),
        .s_axil_wvalid(m_axil_wvalid),
        .s_axil_wready(m_axil_wready),
        .s_axil_bresp(m_axil_bresp),
        .s_axil_bvalid(m_axil_bvalid),
        .s_axil_bready(m_axil_bready),
        .s_axil_araddr(m_axil_araddr),
        .s_axil_arvalid(m_axil_arvalid),
        .s_axil_arready(m_axil_arready),
        .s_axil_rdata(m_axil_rdata),
        .s_axil_rresp(m_axil_rresp),
        .s_axil_rvalid(m_axil_rvalid),
        .s_axil_rready(m_axil_rready),
        .s_axis_tdata(m_axis_h2c_tdata_0),
        .s_axis_tkeep(m_axis_h2c_tkeep_0),
        .s_axis_tlast(m_axis_h2c_tlast_0),
        .s_axis_tvalid(m_axis_h2c_tvalid_0),
        .s_axis_tready(m_axis_h2c_tready_0),
        .m_axis_tdata(s_axis_c2h_tdata_0),
        .m_axis_tkeep(s_axis_c2h_tkeep_0),
        .m_axis_tlast(s_axis_c2h_tlast_0),
        .m_axis_tvalid(s_axis_c2h_tvalid_0),
        .m_axis_tready(s_axis_c2h_tready_0)
    );
endmodule
`default_nettype wire
