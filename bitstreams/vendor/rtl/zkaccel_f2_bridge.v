// zkaccel on the AWS F2 small shell: the card's registers on OCL (AXI4-Lite, BAR0) and its streams
// on DMA_PCIS (AXI4, 512-bit, BAR4). Port names are the shell's (aws/aws-fpga
// hdk/common/shell_stable/design/interfaces/cl_ports.vh); cl_zkaccel.sv connects them one to one.
// DMA_PCIS serves the driver's BAR-window data path (driver/src/pcie/window.rs, the one definition
// of the layout): control words in the first 64-byte line (MAGIC "zkdw", CHUNK, H2C_SEQ/LEN/ACK,
// C2H_SEQ/LEN/ACK), a host-to-card mailbox of CHUNK bytes at 0x1000 and a card-to-host mailbox at
// 0x1000 + CHUNK. A host-to-card chunk (H2C_SEQ != H2C_ACK) is streamed into the card, `last` on
// its final beat when H2C_LEN has bit 31 set (the end of the host's packet), then acknowledged;
// card-to-host beats fill the free mailbox, which is published (C2H_LEN, C2H_SEQ + 1) when full,
// on the card's `last`, or after FLUSH_CYCLES without a beat. One write and one read burst at a
// time (INCR, 64-byte beats). Written for bitstreams/synth.py vendor; lint-checked and simulated
// with Verilator against the driver's window code (driver/tests/f2_window_rtl.rs), never run on an FPGA.
// Reset (rst_main_n: the CL's core reset, low under the shell's reset and under a PCIe function-level
// reset, during which the shell's AXI masters keep running): no new request is accepted on either
// port (AWREADY, ARREADY and, with no accepted burst, WREADY low), and a transaction accepted before
// the reset is finished through it: the rest of its write data is taken and dropped, its B or R
// responses are given (R beats read what the window holds then) and their VALID held until taken.
// The handshake state therefore has no reset, only initial values (power-up: nothing in flight).
`default_nettype none
module zkaccel_f2_bridge #(
    parameter CLOCK_KHZ = 250000,
    parameter MEM_LOG_POINTS = 16
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
    // ---- the window ----
    localparam [31:0] MAGIC = 32'h7a6b6477;          // "zkdw" (window::WINDOW_MAGIC)
    localparam        CHUNK_LINES = 64;              // 64 lines of 64 bytes
    localparam [31:0] CHUNK = CHUNK_LINES * 64;      // 4096 bytes: mailboxes at 0x1000, 0x2000
    localparam        FLUSH_CYCLES = 1024;
    // Region of a byte address (bits 13:12): 0 control, 1 host-to-card mailbox, 2 card-to-host.
    reg [31:0] h2c_seq, h2c_len, h2c_ack, c2h_seq, c2h_len, c2h_ack;
    reg [511:0] h2c_mem [0:CHUNK_LINES-1];
    reg [511:0] c2h_mem [0:CHUNK_LINES-1];

    // ---- writes: AW, then W beats (line by line), then B ----
    // The handshake state (no reset: see above). w_drop: the burst saw the reset, its data is dropped.
    reg        w_active = 1'b0, b_pending = 1'b0, w_drop = 1'b0;
    reg [15:0] w_id = 16'd0;
    reg [7:0]  w_line = 8'd0;                        // address bits 13:6 of the current beat
    assign cl_sh_dma_pcis_awready = rst_main_n && !w_active && !b_pending;
    assign cl_sh_dma_pcis_wready  = w_active;
    wire w_beat = w_active && sh_cl_dma_pcis_wvalid;
    wire w_keep = w_beat && rst_main_n && !w_drop;   // a beat that is written
    wire [3:0] ctl_strb_h2c_seq = sh_cl_dma_pcis_wstrb[16 +: 4];
    wire [3:0] ctl_strb_h2c_len = sh_cl_dma_pcis_wstrb[20 +: 4];
    wire [3:0] ctl_strb_c2h_ack = sh_cl_dma_pcis_wstrb[40 +: 4];
    integer i;
    always @(posedge clk_main_a0) begin
        if (w_keep && w_line[7:6] == 2'd1)
            for (i = 0; i < 64; i = i + 1)
                if (sh_cl_dma_pcis_wstrb[i]) h2c_mem[w_line[5:0]][i*8 +: 8] <= sh_cl_dma_pcis_wdata[i*8 +: 8];
    end

    // ---- host-to-card engine: mailbox lines into the card's stream ----
    localparam H_IDLE = 2'd0, H_READ = 2'd1, H_SEND = 2'd2;
    reg [1:0]   h_state;
    reg [5:0]   h_line, h_last_line;
    reg         h_half_last, h_end;
    reg [31:0]  h_seq;
    reg [511:0] h_q;
    wire        s_tready;
    wire [30:0] h_bytes = h2c_len[30:0];
    wire        h_go = (h_state == H_IDLE) && (h2c_seq != h2c_ack);
    wire        h_take = (h_state == H_SEND) && s_tready;

    // ---- card-to-host engine: the card's beats into the free mailbox ----
    reg  [6:0]  c_lines;
    reg  [12:0] c_bytes;
    reg  [10:0] c_idle;
    wire [511:0] m_tdata;
    wire [63:0]  m_tkeep;
    wire         m_tlast, m_tvalid;
    wire c_free  = (c2h_ack == c2h_seq);
    wire m_ready = c_free && (c_lines != CHUNK_LINES);
    wire c_beat  = m_tvalid && m_ready;
    wire [12:0] c_bytes_next = c_bytes + (m_tkeep[63] ? 13'd64 : 13'd32);
    wire c_publish = c_beat ? (m_tlast || c_lines == CHUNK_LINES - 1)
                            : (c_free && c_lines != 7'd0 && c_idle == FLUSH_CYCLES - 1);
    always @(posedge clk_main_a0) begin
        if (c_beat) c2h_mem[c_lines[5:0]] <= m_tdata;
        if (h_state == H_READ) h_q <= h2c_mem[h_line];
    end

    always @(posedge clk_main_a0) begin
        if (sh_cl_dma_pcis_awvalid && cl_sh_dma_pcis_awready) begin
            w_active <= 1'b1;
            w_drop <= 1'b0;
            w_id <= sh_cl_dma_pcis_awid;
            w_line <= sh_cl_dma_pcis_awaddr[13:6];
        end else if (w_active && !rst_main_n) w_drop <= 1'b1;
        if (w_beat) begin
            w_line <= w_line + 8'd1;
            if (sh_cl_dma_pcis_wlast) begin
                w_active <= 1'b0;
                b_pending <= 1'b1;
            end
        end else if (b_pending && sh_cl_dma_pcis_bready) b_pending <= 1'b0;
    end

    always @(posedge clk_main_a0) begin
        if (!rst_main_n) begin
            h2c_seq <= 32'd0;
            h2c_len <= 32'd0;
            h2c_ack <= 32'd0;
            c2h_seq <= 32'd0;
            c2h_len <= 32'd0;
            c2h_ack <= 32'd0;
            h_state <= H_IDLE;
            h_line <= 6'd0;
            h_last_line <= 6'd0;
            h_half_last <= 1'b0;
            h_end <= 1'b0;
            h_seq <= 32'd0;
            c_lines <= 7'd0;
            c_bytes <= 13'd0;
            c_idle <= 11'd0;
        end else begin
            // Control words, whole 32-bit words only (the host writes them with write32).
            if (w_keep && w_line == 8'd0) begin
                if (ctl_strb_h2c_seq == 4'hf) h2c_seq <= sh_cl_dma_pcis_wdata[16*8 +: 32];
                if (ctl_strb_h2c_len == 4'hf) h2c_len <= sh_cl_dma_pcis_wdata[20*8 +: 32];
                if (ctl_strb_c2h_ack == 4'hf) c2h_ack <= sh_cl_dma_pcis_wdata[40*8 +: 32];
            end

            // Host-to-card: a new chunk of h_bytes (a multiple of 32, at most CHUNK) bytes.
            if (h_go) begin
                h_seq <= h2c_seq;
                h_line <= 6'd0;
                h_last_line <= h_bytes[11:6] - (h_bytes[5:0] == 6'd0 ? 6'd1 : 6'd0);
                h_half_last <= h_bytes[5];
                h_end <= h2c_len[31];
                if (h_bytes == 31'd0) h2c_ack <= h2c_seq;
                else h_state <= H_READ;
            end
            if (h_state == H_READ) h_state <= H_SEND;
            if (h_take) begin
                if (h_line == h_last_line) begin
                    h2c_ack <= h_seq;
                    h_state <= H_IDLE;
                end else begin
                    h_line <= h_line + 6'd1;
                    h_state <= H_READ;
                end
            end

            // Card-to-host.
            if (c_beat || c_lines == 7'd0) c_idle <= 11'd0;
            else if (c_idle != FLUSH_CYCLES - 1) c_idle <= c_idle + 11'd1;
            if (c_beat) begin
                c_lines <= c_lines + 7'd1;
                c_bytes <= c_bytes_next;
            end
            if (c_publish) begin
                c2h_len <= {19'd0, c_beat ? c_bytes_next : c_bytes};
                c2h_seq <= c2h_seq + 32'd1;
                c_lines <= 7'd0;
                c_bytes <= 13'd0;
            end
        end
    end
    assign cl_sh_dma_pcis_bid = w_id;
    assign cl_sh_dma_pcis_bresp = 2'b00;
    assign cl_sh_dma_pcis_bvalid = b_pending;

    // ---- reads: AR, then len+1 beats, each fetched (one cycle) and then offered ----
    // The handshake state (no reset: see above).
    reg        r_active = 1'b0, r_fetch = 1'b0, r_valid = 1'b0;
    reg [15:0] r_id = 16'd0;
    reg [7:0]  r_left = 8'd0, r_line = 8'd0;
    reg [511:0] r_data = 512'd0;
    wire [511:0] ctl_line = {160'd0, c2h_ack, c2h_len, c2h_seq, 32'd0, h2c_ack, h2c_len, h2c_seq,
                             64'd0, CHUNK, MAGIC};
    assign cl_sh_dma_pcis_arready = rst_main_n && !r_active;
    always @(posedge clk_main_a0) begin
        if (sh_cl_dma_pcis_arvalid && cl_sh_dma_pcis_arready) begin
            r_active <= 1'b1;
            r_fetch <= 1'b1;
            r_id <= sh_cl_dma_pcis_arid;
            r_left <= sh_cl_dma_pcis_arlen;
            r_line <= sh_cl_dma_pcis_araddr[13:6];
        end
        if (r_fetch) begin
            r_fetch <= 1'b0;
            r_valid <= 1'b1;
            case (r_line[7:6])
                2'd0: r_data <= (r_line == 8'd0) ? ctl_line : 512'd0;
                2'd2: r_data <= c2h_mem[r_line[5:0]];
                default: r_data <= 512'd0;  // the host-to-card mailbox is write-only
            endcase
        end
        if (r_valid && sh_cl_dma_pcis_rready) begin
            r_valid <= 1'b0;
            r_line <= r_line + 8'd1;
            if (r_left == 8'd0) r_active <= 1'b0;
            else begin
                r_left <= r_left - 8'd1;
                r_fetch <= 1'b1;
            end
        end
    end
    assign cl_sh_dma_pcis_rid = r_id;
    assign cl_sh_dma_pcis_rdata = r_data;
    assign cl_sh_dma_pcis_rresp = 2'b00;
    assign cl_sh_dma_pcis_rlast = r_left == 8'd0;
    assign cl_sh_dma_pcis_rvalid = r_valid;

    // ---- OCL: the shell core's AXI4-Lite port, kept quiet in reset ----
    // The core takes one register access at a time and its response state is reset with it. Here a
    // request reaches the core only out of reset and with no response owed; a response owed when
    // the reset starts is given from here (OKAY; a read's data as the core sampled it), its VALID
    // held until taken. ocl_b_owed/ocl_r_owed follow the core's b_pending/r_pending out of reset.
    reg         ocl_b_owed = 1'b0, ocl_r_owed = 1'b0;
    reg  [31:0] ocl_rdata_kept = 32'd0;
    wire        ocl_open = rst_main_n && !ocl_b_owed && !ocl_r_owed;
    wire        core_awready, core_wready, core_arready, core_bvalid, core_rvalid;
    wire [1:0]  core_bresp, core_rresp;
    wire [31:0] core_rdata;
    assign cl_ocl_awready = core_awready;
    assign cl_ocl_wready  = core_wready;
    assign cl_ocl_arready = core_arready;
    assign cl_ocl_bvalid  = ocl_b_owed;
    assign cl_ocl_bresp   = core_bvalid ? core_bresp : 2'b00;
    assign cl_ocl_rvalid  = ocl_r_owed;
    assign cl_ocl_rresp   = core_rvalid ? core_rresp : 2'b00;
    assign cl_ocl_rdata   = core_rvalid ? core_rdata : ocl_rdata_kept;
    always @(posedge clk_main_a0) begin
        if (ocl_cl_awvalid && core_awready) ocl_b_owed <= 1'b1;
        else if (ocl_b_owed && ocl_cl_bready) ocl_b_owed <= 1'b0;
        if (ocl_cl_arvalid && core_arready) ocl_r_owed <= 1'b1;
        else if (ocl_r_owed && ocl_cl_rready) ocl_r_owed <= 1'b0;
        if (core_rvalid) ocl_rdata_kept <= core_rdata;
    end

    zkaccel_shell_core #(.CLOCK_KHZ(CLOCK_KHZ), .MEM_LOG_POINTS(MEM_LOG_POINTS)) core (
        .clk(clk_main_a0),
        .rst_n(rst_main_n),
        .s_axil_awaddr(ocl_cl_awaddr),
        .s_axil_awvalid(ocl_cl_awvalid && ocl_open),
        .s_axil_awready(core_awready),
        .s_axil_wdata(ocl_cl_wdata),
        .s_axil_wstrb(ocl_cl_wstrb),
        .s_axil_wvalid(ocl_cl_wvalid && ocl_open),
        .s_axil_wready(core_wready),
        .s_axil_bresp(core_bresp),
        .s_axil_bvalid(core_bvalid),
        .s_axil_bready(ocl_cl_bready),
        .s_axil_araddr(ocl_cl_araddr),
        .s_axil_arvalid(ocl_cl_arvalid && ocl_open),
        .s_axil_arready(core_arready),
        .s_axil_rdata(core_rdata),
        .s_axil_rresp(core_rresp),
        .s_axil_rvalid(core_rvalid),
        .s_axil_rready(ocl_cl_rready),
        .s_axis_tdata(h_q),
        .s_axis_tkeep({{32{!(h_line == h_last_line && h_half_last)}}, {32{1'b1}}}),
        .s_axis_tlast(h_line == h_last_line && h_end),
        .s_axis_tvalid(h_state == H_SEND),
        .s_axis_tready(s_tready),
        .m_axis_tdata(m_tdata),
        .m_axis_tkeep(m_tkeep),
        .m_axis_tlast(m_tlast),
        .m_axis_tvalid(m_tvalid),
        .m_axis_tready(m_ready)
    );

    wire unused_ok = &{1'b0, sh_cl_dma_pcis_awaddr[63:14], sh_cl_dma_pcis_awaddr[5:0], sh_cl_dma_pcis_awlen,
                       sh_cl_dma_pcis_araddr[63:14], sh_cl_dma_pcis_araddr[5:0], m_tkeep[62:0],
                       sh_cl_dma_pcis_wstrb[63:44], sh_cl_dma_pcis_wstrb[39:24], sh_cl_dma_pcis_wstrb[15:0]};
endmodule
`default_nettype wire
