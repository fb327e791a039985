//! The F2 wrapper's DMA_PCIS side (`bitstreams/vendor/rtl/zkaccel_f2_bridge.v`) and the driver's
//! BAR-window data path (`zkaccel_driver::pcie::window`) speak one protocol: the driver's own
//! `BarWindow` code runs against the wrapper RTL in Verilator, every window access an AXI4
//! transaction on the wrapper's PCIS port. The card inside is a stub that loops its input stream
//! back to its output and counts the beats that carry `last`, so the test sees both what the card
//! received (the packet's end on its final beat) and what came back (every byte, in order).
//!
//! The same, one level up: the generated AWS F2 CL top (`bitstreams/vendor/aws-f2/cl_zkaccel.sv`,
//! from `bitstreams/vendor/generate.py`) around the bridge, with the shell's function-level reset
//! (`sh_cl_flr_assert` / `cl_sh_flr_done`, the driver's `reset` on F2) driven as the shell does.

use std::cell::RefCell;
use std::path::PathBuf;
use std::time::Duration;

use rand::{RngCore, SeedableRng};
use zkaccel_driver::pcie::window::{win, BarWindow, WindowBus, WINDOW_MAGIC};
use zkaccel_driver::DeviceError;
use zkaccel_sim::{Build, Model, Port};

/// The card: input looped back to the output; beats and `last` beats counted.
const CARD_STUB: &str = r#"
module card_stub(clock, reset, mem_points, reg_addr, reg_wdata, reg_we, reg_rdata, busy, s_data, s_valid, s_ready,
                 s_last, m_data, m_valid, m_ready, m_last, mem_rd_valid, mem_rd_ready, mem_rd_addr,
                 mem_rd_data_valid, mem_rd_data, mem_wr_valid, mem_wr_ready, mem_wr_addr, mem_wr_data);
    input wire clock; input wire reset; input wire [31:0] mem_points; input wire [7:0] reg_addr;
    input wire [31:0] reg_wdata; input wire reg_we; output wire [31:0] reg_rdata; output wire busy;
    input wire [255:0] s_data; input wire s_valid; output wire s_ready; input wire s_last;
    output wire [255:0] m_data; output wire m_valid; input wire m_ready; output wire m_last;
    output wire mem_rd_valid; input wire mem_rd_ready; output wire [31:0] mem_rd_addr;
    input wire mem_rd_data_valid; input wire [511:0] mem_rd_data; output wire mem_wr_valid;
    input wire mem_wr_ready; output wire [31:0] mem_wr_addr; output wire [511:0] mem_wr_data;
    reg [31:0] beats, lasts, last_at;
    assign m_data = s_data; assign m_valid = s_valid; assign m_last = s_last; assign s_ready = m_ready;
    assign reg_rdata = 32'd0; assign busy = 1'b0; assign mem_rd_valid = 1'b0; assign mem_rd_addr = 32'd0;
    assign mem_wr_valid = 1'b0; assign mem_wr_addr = 32'd0; assign mem_wr_data = 512'd0;
    always @(posedge clock) begin
        if (reset) begin beats <= 0; lasts <= 0; last_at <= 0; end
        else if (s_valid && s_ready) begin
            beats <= beats + 1;
            if (s_last) begin lasts <= lasts + 1; last_at <= beats + 1; end
        end
    end
endmodule
"#;

/// The test top: the bridge with its OCL port tied off, PCIS driven by the test.
const TOP: &str = r#"
module top(clock,reset,awaddr,awlen,awvalid,awready,wdata,wstrb,wlast,wvalid,wready,bvalid,bready,araddr,arlen,arvalid,arready,rdata,rlast,rvalid,rready,beats,lasts,last_at);
    input wire clock;
    input wire reset;
    input wire [63:0] awaddr;
    input wire [7:0] awlen;
    input wire awvalid;
    output wire awready;
    input wire [511:0] wdata;
    input wire [63:0] wstrb;
    input wire wlast;
    input wire wvalid;
    output wire wready;
    output wire bvalid;
    input wire bready;
    input wire [63:0] araddr;
    input wire [7:0] arlen;
    input wire arvalid;
    output wire arready;
    output wire [511:0] rdata;
    output wire rlast;
    output wire rvalid;
    input wire rready;
    output wire [31:0] beats;
    output wire [31:0] lasts;
    output wire [31:0] last_at;
    wire unused_ocl;
    zkaccel_f2_bridge #(.CLOCK_KHZ(250000), .MEM_LOG_POINTS(4)) bridge (
        .clk_main_a0(clock), .rst_main_n(!reset),
        .ocl_cl_awaddr(32'd0), .ocl_cl_awvalid(1'b0), .cl_ocl_awready(), .ocl_cl_wdata(32'd0), .ocl_cl_wstrb(4'd0),
        .ocl_cl_wvalid(1'b0), .cl_ocl_wready(), .cl_ocl_bresp(), .cl_ocl_bvalid(), .ocl_cl_bready(1'b1),
        .ocl_cl_araddr(32'd0), .ocl_cl_arvalid(1'b0), .cl_ocl_arready(), .cl_ocl_rdata(), .cl_ocl_rresp(),
        .cl_ocl_rvalid(), .ocl_cl_rready(1'b1),
        .sh_cl_dma_pcis_awid(16'd7), .sh_cl_dma_pcis_awaddr(awaddr), .sh_cl_dma_pcis_awlen(awlen),
        .sh_cl_dma_pcis_awvalid(awvalid), .cl_sh_dma_pcis_awready(awready), .sh_cl_dma_pcis_wdata(wdata),
        .sh_cl_dma_pcis_wstrb(wstrb), .sh_cl_dma_pcis_wlast(wlast), .sh_cl_dma_pcis_wvalid(wvalid),
        .cl_sh_dma_pcis_wready(wready), .cl_sh_dma_pcis_bid(), .cl_sh_dma_pcis_bresp(), .cl_sh_dma_pcis_bvalid(bvalid),
        .sh_cl_dma_pcis_bready(bready), .sh_cl_dma_pcis_arid(16'd9), .sh_cl_dma_pcis_araddr(araddr),
        .sh_cl_dma_pcis_arlen(arlen), .sh_cl_dma_pcis_arvalid(arvalid), .cl_sh_dma_pcis_arready(arready),
        .cl_sh_dma_pcis_rid(), .cl_sh_dma_pcis_rdata(rdata), .cl_sh_dma_pcis_rresp(), .cl_sh_dma_pcis_rlast(rlast),
        .cl_sh_dma_pcis_rvalid(rvalid), .sh_cl_dma_pcis_rready(rready));
    assign beats = bridge.core.card.beats;
    assign lasts = bridge.core.card.lasts;
    assign last_at = bridge.core.card.last_at;
endmodule
"#;

fn verilog() -> String {
    let rtl = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../bitstreams/vendor/rtl");
    let read = |f: &str| std::fs::read_to_string(rtl.join(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
    let shell = read("zkaccel_shell_core.v");
    assert_eq!(shell.matches("    top card (").count(), 1, "the shell core instantiates the card as `top card (`");
    let shell = shell.replace("    top card (", "    card_stub card (");
    format!("{TOP}\n{}\n{shell}\n{CARD_STUB}", read("zkaccel_f2_bridge.v"))
}

/// The test top for the CL: the generated cl_zkaccel.sv with its shell ports (OCL with full-word
/// strobes, PCIS, rst_main_n and the FLR pair) driven by the test, the card the same stub;
/// `core_rst_n` is the CL's reset of the bridge and core.
const TOP_CL: &str = r#"
module top(clock,reset,flr,flr_done,core_rst_n,ocl_awaddr,ocl_awvalid,ocl_awready,ocl_wdata,ocl_wvalid,ocl_wready,ocl_bvalid,ocl_bready,ocl_araddr,ocl_arvalid,ocl_arready,ocl_rdata,ocl_rvalid,ocl_rready,awaddr,awlen,awvalid,awready,wdata,wstrb,wlast,wvalid,wready,bvalid,bready,araddr,arlen,arvalid,arready,rdata,rlast,rvalid,rready,beats,lasts,last_at);
    input wire clock;
    input wire reset;
    input wire flr;
    output wire flr_done;
    output wire core_rst_n;
    input wire [31:0] ocl_awaddr;
    input wire ocl_awvalid;
    output wire ocl_awready;
    input wire [31:0] ocl_wdata;
    input wire ocl_wvalid;
    output wire ocl_wready;
    output wire ocl_bvalid;
    input wire ocl_bready;
    input wire [31:0] ocl_araddr;
    input wire ocl_arvalid;
    output wire ocl_arready;
    output wire [31:0] ocl_rdata;
    output wire ocl_rvalid;
    input wire ocl_rready;
    input wire [63:0] awaddr;
    input wire [7:0] awlen;
    input wire awvalid;
    output wire awready;
    input wire [511:0] wdata;
    input wire [63:0] wstrb;
    input wire wlast;
    input wire wvalid;
    output wire wready;
    output wire bvalid;
    input wire bready;
    input wire [63:0] araddr;
    input wire [7:0] arlen;
    input wire arvalid;
    output wire arready;
    output wire [511:0] rdata;
    output wire rlast;
    output wire rvalid;
    input wire rready;
    output wire [31:0] beats;
    output wire [31:0] lasts;
    output wire [31:0] last_at;
    cl_zkaccel cl (
        .clk_main_a0(clock), .rst_main_n(!reset), .sh_cl_flr_assert(flr), .cl_sh_flr_done(flr_done),
        .cl_sh_status0(), .cl_sh_status1(), .cl_sh_status2(), .cl_sh_id0(), .cl_sh_id1(), .cl_sh_status_vled(),
        .cl_sh_dma_wr_full(), .cl_sh_dma_rd_full(),
        .ocl_cl_awaddr(ocl_awaddr), .ocl_cl_awvalid(ocl_awvalid), .cl_ocl_awready(ocl_awready), .ocl_cl_wdata(ocl_wdata),
        .ocl_cl_wstrb(4'hf), .ocl_cl_wvalid(ocl_wvalid), .cl_ocl_wready(ocl_wready), .cl_ocl_bresp(), .cl_ocl_bvalid(ocl_bvalid),
        .ocl_cl_bready(ocl_bready), .ocl_cl_araddr(ocl_araddr), .ocl_cl_arvalid(ocl_arvalid), .cl_ocl_arready(ocl_arready),
        .cl_ocl_rdata(ocl_rdata), .cl_ocl_rresp(), .cl_ocl_rvalid(ocl_rvalid), .ocl_cl_rready(ocl_rready),
        .sh_cl_dma_pcis_awid(16'd7), .sh_cl_dma_pcis_awaddr(awaddr), .sh_cl_dma_pcis_awlen(awlen),
        .sh_cl_dma_pcis_awvalid(awvalid), .cl_sh_dma_pcis_awready(awready), .sh_cl_dma_pcis_wdata(wdata),
        .sh_cl_dma_pcis_wstrb(wstrb), .sh_cl_dma_pcis_wlast(wlast), .sh_cl_dma_pcis_wvalid(wvalid),
        .cl_sh_dma_pcis_wready(wready), .cl_sh_dma_pcis_bid(), .cl_sh_dma_pcis_bresp(), .cl_sh_dma_pcis_bvalid(bvalid),
        .sh_cl_dma_pcis_bready(bready), .sh_cl_dma_pcis_arid(16'd9), .sh_cl_dma_pcis_araddr(araddr),
        .sh_cl_dma_pcis_arlen(arlen), .sh_cl_dma_pcis_arvalid(arvalid), .cl_sh_dma_pcis_arready(arready),
        .cl_sh_dma_pcis_rid(), .cl_sh_dma_pcis_rdata(rdata), .cl_sh_dma_pcis_rresp(), .cl_sh_dma_pcis_rlast(rlast),
        .cl_sh_dma_pcis_rvalid(rvalid), .sh_cl_dma_pcis_rready(rready));
    assign beats = cl.zkaccel.core.card.beats;
    assign lasts = cl.zkaccel.core.card.lasts;
    assign last_at = cl.zkaccel.core.card.last_at;
    assign core_rst_n = cl.core_rst_n;
endmodule
"#;

/// The generated F2 CL top with the AWS HDK's interface files it includes stood in for
/// (`zkaccel_testkit::f2_shell`, shared with the lint in `hdl/tests/vendor_flows.rs`), so that it
/// simulates as it would build. The bridge and shell core are the build's copies, the card the
/// stub.
fn cl_verilog() -> String {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../bitstreams/vendor/aws-f2");
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).unwrap_or_else(|e| panic!("aws-f2/{f}: {e}"));
    let bridge = read("zkaccel_f2_bridge.v");
    let cl = zkaccel_testkit::f2_shell::inline_includes(&read("cl_zkaccel.sv"), &bridge);
    let shell = read("zkaccel_shell_core.v");
    assert_eq!(shell.matches("    top card (").count(), 1, "the shell core instantiates the card as `top card (`");
    let shell = shell.replace("    top card (", "    card_stub card (");
    format!("{TOP_CL}\n{cl}\n{bridge}\n{shell}\n{CARD_STUB}")
}

/// Bound on the cycles one AXI handshake may wait.
const PATIENCE: u32 = 10_000;

struct Pcis {
    m: Model,
    awaddr: Port,
    awlen: Port,
    awvalid: Port,
    awready: Port,
    wdata: Port,
    wstrb: Port,
    wlast: Port,
    wvalid: Port,
    wready: Port,
    bvalid: Port,
    bready: Port,
    araddr: Port,
    arlen: Port,
    arvalid: Port,
    arready: Port,
    rdata: Port,
    rlast: Port,
    rvalid: Port,
    rready: Port,
}

impl Pcis {
    /// Raises `valid` until `ready` is seen at a rising edge.
    fn handshake(&mut self, valid: Port, ready: Port, what: &str) -> Result<(), DeviceError> {
        self.m.set_bool(valid, true);
        for _ in 0..PATIENCE {
            self.m.eval();
            let r = self.m.get_bool(ready);
            self.m.tick();
            if r {
                self.m.set_bool(valid, false);
                return Ok(());
            }
        }
        Err(DeviceError::Protocol(format!("PCIS {what}: no ready in {PATIENCE} cycles")))
    }

    /// One INCR burst writing `lines` (64-byte lines with their strobes) from line address `addr`.
    fn write(&mut self, addr: u64, lines: &[([u8; 64], u64)]) -> Result<(), DeviceError> {
        self.m.set_u64(self.awaddr, addr);
        self.m.set_u64(self.awlen, lines.len() as u64 - 1);
        self.handshake(self.awvalid, self.awready, "AW")?;
        for (i, (data, strb)) in lines.iter().enumerate() {
            self.m.set_bytes(self.wdata, data);
            self.m.set_u64(self.wstrb, *strb);
            self.m.set_bool(self.wlast, i + 1 == lines.len());
            self.handshake(self.wvalid, self.wready, "W")?;
        }
        self.m.set_bool(self.bready, true);
        let r = self.handshake_out(self.bvalid, "B");
        self.m.set_bool(self.bready, false);
        r
    }

    /// Waits for `valid` (an output) and takes it at the next edge.
    fn handshake_out(&mut self, valid: Port, what: &str) -> Result<(), DeviceError> {
        for _ in 0..PATIENCE {
            self.m.eval();
            if self.m.get_bool(valid) {
                self.m.tick();
                return Ok(());
            }
            self.m.tick();
        }
        Err(DeviceError::Protocol(format!("PCIS {what}: no valid in {PATIENCE} cycles")))
    }

    /// One INCR burst reading `n` lines from line address `addr`.
    fn read(&mut self, addr: u64, n: usize) -> Result<Vec<u8>, DeviceError> {
        self.m.set_u64(self.araddr, addr);
        self.m.set_u64(self.arlen, n as u64 - 1);
        self.handshake(self.arvalid, self.arready, "AR")?;
        self.m.set_bool(self.rready, true);
        let mut out = Vec::with_capacity(64 * n);
        for i in 0..n {
            let mut waited = 0;
            loop {
                self.m.eval();
                if self.m.get_bool(self.rvalid) {
                    break;
                }
                waited += 1;
                if waited == PATIENCE {
                    return Err(DeviceError::Protocol(format!("PCIS R beat {i}: no valid in {PATIENCE} cycles")));
                }
                self.m.tick();
            }
            if self.m.get_bool(self.rlast) != (i + 1 == n) {
                return Err(DeviceError::Protocol(format!("PCIS R beat {i} of {n}: rlast wrong")));
            }
            out.extend_from_slice(&self.m.get_bytes(self.rdata));
            self.m.tick();
        }
        self.m.set_bool(self.rready, false);
        Ok(out)
    }
}

/// The window as the driver sees it, over the simulated PCIS port.
struct SimBus(RefCell<Pcis>);

impl WindowBus for SimBus {
    fn read32(&self, offset: usize) -> Result<u32, DeviceError> {
        let b = self.read_bytes(offset, 4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn write32(&self, offset: usize, value: u32) -> Result<(), DeviceError> {
        self.write_bytes(offset, &value.to_le_bytes())
    }
    fn read_bytes(&self, offset: usize, len: usize) -> Result<Vec<u8>, DeviceError> {
        if len == 0 {
            return Ok(vec![]);
        }
        let first = offset / 64;
        let n = (offset + len).div_ceil(64) - first;
        let data = self.0.borrow_mut().read((first * 64) as u64, n)?;
        Ok(data[offset - first * 64..][..len].to_vec())
    }
    fn write_bytes(&self, offset: usize, data: &[u8]) -> Result<(), DeviceError> {
        if data.is_empty() {
            return Ok(());
        }
        let first = offset / 64;
        let n = (offset + data.len()).div_ceil(64) - first;
        let mut lines = vec![([0u8; 64], 0u64); n];
        for (k, &byte) in data.iter().enumerate() {
            let a = offset + k - first * 64;
            lines[a / 64].0[a % 64] = byte;
            lines[a / 64].1 |= 1 << (a % 64);
        }
        self.0.borrow_mut().write((first * 64) as u64, &lines)
    }
    fn len(&self) -> usize {
        0x4000
    }
    fn describe(&self) -> String {
        "simulated F2 DMA_PCIS".into()
    }
}

impl SimBus {
    fn counter(&self, name: &str) -> u64 {
        let p = self.0.borrow();
        p.m.get_u64(p.m.port(name).unwrap())
    }
}

/// The PCIS port of a model of `TOP` or `TOP_CL`, after four cycles of reset and four out of it
/// (the CL top registers the core's reset; the bridge takes no request until it is over).
fn attach(mut m: Model) -> Pcis {
    let p = |m: &Model, n: &str| m.port(n).unwrap();
    Pcis {
        awaddr: p(&m, "awaddr"),
        awlen: p(&m, "awlen"),
        awvalid: p(&m, "awvalid"),
        awready: p(&m, "awready"),
        wdata: p(&m, "wdata"),
        wstrb: p(&m, "wstrb"),
        wlast: p(&m, "wlast"),
        wvalid: p(&m, "wvalid"),
        wready: p(&m, "wready"),
        bvalid: p(&m, "bvalid"),
        bready: p(&m, "bready"),
        araddr: p(&m, "araddr"),
        arlen: p(&m, "arlen"),
        arvalid: p(&m, "arvalid"),
        arready: p(&m, "arready"),
        rdata: p(&m, "rdata"),
        rlast: p(&m, "rlast"),
        rvalid: p(&m, "rvalid"),
        rready: p(&m, "rready"),
        m: {
            let reset = m.port("reset").unwrap();
            m.set_bool(reset, true);
            m.ticks(4);
            m.set_bool(reset, false);
            m.ticks(4);
            m
        },
    }
}

#[test]
fn driver_window_and_f2_wrapper_agree() {
    let lib = Build::new("f2_window_bridge", verilog()).build().unwrap();
    let bus = SimBus(RefCell::new(attach(lib.instantiate())));
    assert_eq!(bus.read32(win::MAGIC).unwrap(), WINDOW_MAGIC);
    let mut w = BarWindow::open(bus).expect("the wrapper serves the driver's window");
    assert_eq!(w.chunk(), 4096, "CHUNK");
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(16);
    let t = Duration::from_secs(120);
    let mut beats = 0u64;
    // Packets: several chunks ending in half a line, exactly two chunks, one beat, one line.
    for (i, len) in [3 * 4096 + 96, 2 * 4096, 32, 64].into_iter().enumerate() {
        let mut data = vec![0u8; len];
        rng.fill_bytes(&mut data);
        w.send(&data, t).unwrap_or_else(|e| panic!("packet {i} ({len} bytes): send: {e}"));
        let back = w.receive(len, t).unwrap_or_else(|e| panic!("packet {i} ({len} bytes): receive: {e}"));
        assert!(back == data, "packet {i} ({len} bytes): the card's stream differs from what the driver sent");
        beats += len as u64 / 32;
        let bus = w.bar();
        assert_eq!(bus.counter("beats"), beats, "packet {i}: beats the card took");
        assert_eq!(bus.counter("lasts"), i as u64 + 1, "packet {i}: `last` once per packet");
        assert_eq!(bus.counter("last_at"), beats, "packet {i}: `last` on the packet's final beat");
    }
    // Nothing more is waiting: the card's sequence number is the one the driver acknowledged.
    let bus = w.bar();
    assert_eq!(bus.read32(win::C2H_SEQ).unwrap(), bus.read32(win::C2H_ACK).unwrap());
    assert_eq!(bus.read32(win::H2C_SEQ).unwrap(), bus.read32(win::H2C_ACK).unwrap());
}

/// Cycles the CL may take to answer a function-level reset here (the shell allows milliseconds).
const FLR_PATIENCE: u32 = 1_000;
/// Cycles the shell keeps sh_cl_flr_assert high after cl_sh_flr_done (it may, by pipeline delay).
const FLR_LINGER: u32 = 8;

/// What one function-level reset did, as the shell drives it: sh_cl_flr_assert raised and held
/// until cl_sh_flr_done (as the HDK's shell model does), FLR_LINGER cycles more, then dropped and
/// 16 cycles watched.
struct Flr {
    /// Cycles (from the raise) at which cl_sh_flr_done was high.
    done_at: Vec<u32>,
    /// The card's beat counter (reset by the card's reset) when cl_sh_flr_done first rose, or at
    /// the end of the patience when it did not.
    beats_at_done: u64,
}

fn flr(bus: &SimBus) -> Flr {
    let mut p = bus.0.borrow_mut();
    let (flr, done, beats) = (p.m.port("flr").unwrap(), p.m.port("flr_done").unwrap(), p.m.port("beats").unwrap());
    p.m.set_bool(flr, true);
    let mut done_at = Vec::new();
    let mut beats_at_done = None;
    let mut drop_at = FLR_PATIENCE;
    for c in 0.. {
        p.m.eval();
        if p.m.get_bool(done) {
            done_at.push(c);
            if beats_at_done.is_none() {
                beats_at_done = Some(p.m.get_u64(beats));
                drop_at = c + FLR_LINGER;
            }
        }
        if c == drop_at {
            p.m.set_bool(flr, false);
            beats_at_done.get_or_insert(p.m.get_u64(beats));
        }
        p.m.tick();
        if c == drop_at + 16 {
            break;
        }
    }
    Flr { done_at, beats_at_done: beats_at_done.unwrap() }
}

/// The driver's reset on F2 is a PCIe function-level reset (sysfs `<BDF>/reset`): the CL top must
/// put the core back to its reset state (work in flight abandoned, the window's words at their
/// reset values) and acknowledge it on cl_sh_flr_done, once per request, for the driver to carry
/// on (`BarWindow::resync`). The old CL top tied cl_sh_flr_done to 0 (the HDK's
/// unused_flr_template.inc) and left the core untouched.
#[test]
fn a_function_level_reset_resets_the_f2_cl_and_is_acknowledged() {
    let lib = Build::new("f2_cl_flr", cl_verilog()).build().unwrap();
    let mut m = lib.instantiate();
    let flr_port = m.port("flr").unwrap();
    m.set_bool(flr_port, false);
    let bus = SimBus(RefCell::new(attach(m)));
    let mut w = BarWindow::open(bus).expect("the CL serves the driver's window");
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(17);
    let t = Duration::from_secs(120);
    let mut data = vec![0u8; 4096 + 64];
    rng.fill_bytes(&mut data);
    w.send(&data, t).unwrap();
    assert!(w.receive(data.len(), t).unwrap() == data, "round trip before the reset");
    // Work in flight: a packet handed to the card behind the driver's back (as a driver that died
    // mid-command leaves it), its echo waiting unread in the card-to-host mailbox.
    let bus = w.bar();
    let seq = bus.read32(win::H2C_SEQ).unwrap();
    bus.write_bytes(win::MAILBOX, &data[..96]).unwrap();
    bus.write32(win::H2C_LEN, 96 | zkaccel_driver::pcie::window::H2C_LAST).unwrap();
    bus.write32(win::H2C_SEQ, seq + 1).unwrap();
    let mut waited = 0;
    while bus.read32(win::C2H_SEQ).unwrap() == bus.read32(win::C2H_ACK).unwrap() {
        waited += 1;
        assert!(waited < 100, "the card never published the echo");
    }
    let before = bus.counter("beats");
    assert_eq!(before, (4096 + 64 + 96) / 32);

    for round in 0..2 {
        let f = flr(bus);
        assert_eq!(f.beats_at_done, 0, "FLR {round}: the core was not in reset when the FLR was answered (or by the end of the patience): the card's beat counter reads {} (it read {before} before the FLR)", f.beats_at_done);
        assert!(!f.done_at.is_empty(), "FLR {round}: no cl_sh_flr_done in {FLR_PATIENCE} cycles of sh_cl_flr_assert");
        assert_eq!(f.done_at.len(), 1, "FLR {round}: cl_sh_flr_done high at cycles {:?}: one cycle per request, however long the request lingers", f.done_at);
        // Out of reset once the request dropped: the window's words at their reset values.
        assert_eq!(bus.counter("beats"), 0, "FLR {round}: the card's beat counter");
        assert_eq!(bus.counter("lasts"), 0, "FLR {round}: the card's `last` counter");
        assert_eq!(bus.read32(win::MAGIC).unwrap(), WINDOW_MAGIC);
        for (name, off) in [("H2C_SEQ", win::H2C_SEQ), ("H2C_LEN", win::H2C_LEN), ("H2C_ACK", win::H2C_ACK), ("C2H_SEQ", win::C2H_SEQ), ("C2H_LEN", win::C2H_LEN), ("C2H_ACK", win::C2H_ACK)] {
            assert_eq!(bus.read32(off).unwrap(), 0, "FLR {round}: {name} after the reset");
        }
    }

    // The driver carries on after its reset: resynchronise, and a packet goes round again.
    w.resync().unwrap();
    w.send(&data, t).unwrap();
    assert!(w.receive(data.len(), t).unwrap() == data, "round trip after the reset");
    assert_eq!(w.bar().counter("beats"), data.len() as u64 / 32, "the card counted from its reset");
}

/// The CL model's ports by name, for the cycle-by-cycle checks below.
struct Pins<'a>(&'a mut Model);

impl Pins<'_> {
    fn set(&mut self, name: &str, value: u64) {
        let p = self.0.port(name).unwrap();
        self.0.set_u64(p, value);
    }
    fn on(&mut self, name: &str, value: bool) {
        let p = self.0.port(name).unwrap();
        self.0.set_bool(p, value);
    }
    fn get(&self, name: &str) -> u64 {
        self.0.get_u64(self.0.port(name).unwrap())
    }
    fn is(&self, name: &str) -> bool {
        self.0.get_bool(self.0.port(name).unwrap())
    }
    fn line(&mut self, name: &str, data: &[u8; 64]) {
        let p = self.0.port(name).unwrap();
        self.0.set_bytes(p, data);
    }
    fn bytes(&self, name: &str) -> Vec<u8> {
        self.0.get_bytes(self.0.port(name).unwrap())
    }
    /// Raises `valid` and takes the handshake at the next rising edge, the core out of reset.
    fn request(&mut self, valid: &str, ready: &str) {
        self.on(valid, true);
        self.0.eval();
        assert!(self.is("core_rst_n") && self.is(ready), "{ready} out of reset with nothing in flight");
        self.0.tick();
        self.on(valid, false);
    }
}

/// A write of H2C_LEN (the only strobed word of the control line): harmless to the card, read back
/// through the window.
fn h2c_len_line(value: u32) -> ([u8; 64], u64) {
    let mut line = [0u8; 64];
    line[win::H2C_LEN..win::H2C_LEN + 4].copy_from_slice(&value.to_le_bytes());
    (line, 0xf << win::H2C_LEN)
}

/// One function-level reset as `flr` drives it, with `each` called every cycle before the rising
/// edge (after the model settled) with the cycle and whether the core is in reset there, for
/// `after` cycles beyond the drop of the request. Returns the first cycle out of reset after it.
/// `each` returns the inputs to set after that edge (a VALID or READY dropped after its handshake).
fn flr_with(p: &mut Pins, after: u32, mut each: impl FnMut(&mut Pins, u32, bool) -> Vec<(&'static str, bool)>) -> u32 {
    p.on("flr", true);
    let (mut drop_at, mut out_at) = (None, None);
    for c in 0..FLR_PATIENCE + after {
        p.0.eval();
        if drop_at.is_none() && p.is("flr_done") {
            drop_at = Some(c + FLR_LINGER);
        }
        if drop_at == Some(c) {
            p.on("flr", false);
            p.0.eval();
        }
        let in_reset = !p.is("core_rst_n");
        if !in_reset && out_at.is_none() && drop_at.is_some_and(|d| c > d) {
            out_at = Some(c);
        }
        let later = each(p, c, in_reset);
        p.0.eval();
        p.0.tick();
        for (name, value) in later {
            p.on(name, value);
        }
        if out_at.is_some_and(|o| c >= o + after) {
            break;
        }
    }
    assert!(drop_at.is_some(), "no cl_sh_flr_done in {FLR_PATIENCE} cycles");
    out_at.expect("the core never left reset")
}

/// The shell keeps issuing AXI requests on its own: a request that reaches the CL while the core
/// is held in reset (here under a function-level reset) must not be accepted then (it would never
/// be answered: the bridge's and core's state are being reset, and the shell's access would hang
/// until its timeout, after which the F2 interface may need the AFI reloaded) but once the reset is
/// over, and then answered as usual; and a transaction accepted before the reset started is
/// finished through it: its response VALID held until taken, the rest of its write data taken
/// (and dropped: the window is being reset under it), on PCIS and on OCL.
#[test]
fn axi_requests_wait_out_a_function_level_reset_and_in_flight_ones_are_answered() {
    let cl = cl_verilog();
    let khz: u64 = {
        let key = "zkaccel_f2_bridge #(.CLOCK_KHZ(";
        let at = cl.find(key).expect("the bridge's CLOCK_KHZ") + key.len();
        cl[at..at + cl[at..].find(')').unwrap()].parse().unwrap()
    };
    let lib = Build::new("f2_cl_flr", cl).build().unwrap();
    let mut m = lib.instantiate();
    let flr_port = m.port("flr").unwrap();
    m.set_bool(flr_port, false);
    let bus = SimBus(RefCell::new(attach(m)));
    assert_eq!(bus.read32(win::MAGIC).unwrap(), WINDOW_MAGIC);

    // 1. Requests on all four request channels, raised once the core is in reset and held.
    {
        let mut pcis = bus.0.borrow_mut();
        let p = &mut Pins(&mut pcis.m);
        let (line, strb) = h2c_len_line(0x1234);
        let reqs = [("arvalid", "arready"), ("awvalid", "awready"), ("wvalid", "wready"), ("ocl_awvalid", "ocl_awready"), ("ocl_arvalid", "ocl_arready")];
        let mut accepted: [Option<u32>; 5] = [None; 5];
        let (mut rdata, mut b, mut ocl_b, mut ocl_rdata) = (None, None, None, None);
        let mut raised = false;
        let out = flr_with(p, PATIENCE, |p, c, in_reset| {
            if in_reset && !raised {
                raised = true;
                p.set("araddr", 0);
                p.set("arlen", 0);
                p.set("awaddr", 0);
                p.set("awlen", 0);
                p.line("wdata", &line);
                p.set("wstrb", strb);
                p.on("wlast", true);
                p.set("ocl_awaddr", 0x40);
                p.set("ocl_wdata", 0);
                p.set("ocl_araddr", 0x0c);
                for (v, _) in reqs {
                    p.on(v, true);
                }
                p.on("ocl_wvalid", true);
                for r in ["rready", "bready", "ocl_bready", "ocl_rready"] {
                    p.on(r, true);
                }
                p.0.eval();
            }
            let mut later = vec![];
            if !raised {
                return later;
            }
            for (k, (v, r)) in reqs.into_iter().enumerate() {
                if accepted[k].is_none() && p.is(r) {
                    assert!(!in_reset, "{r} high at cycle {c} with the core in reset: a request taken that will not be answered");
                    accepted[k] = Some(c);
                    later.push((v, false));
                    if v == "ocl_awvalid" {
                        later.push(("ocl_wvalid", false));
                    }
                }
            }
            for (valid, k) in [("rvalid", 0), ("bvalid", 2), ("ocl_bvalid", 3), ("ocl_rvalid", 4)] {
                if p.is(valid) {
                    assert!(accepted[k].is_some_and(|a| a < c), "{valid} at cycle {c}, before its request was taken");
                }
            }
            if p.is("rvalid") && rdata.is_none() {
                assert!(p.is("rlast"));
                rdata = Some(p.bytes("rdata"));
            }
            if p.is("bvalid") {
                b.get_or_insert(c);
            }
            if p.is("ocl_bvalid") {
                ocl_b.get_or_insert(c);
            }
            if p.is("ocl_rvalid") {
                ocl_rdata.get_or_insert(p.get("ocl_rdata"));
            }
            later
        });
        for r in ["rready", "bready", "ocl_bready", "ocl_rready"] {
            p.on(r, false);
        }
        p.on("wlast", false);
        assert!(raised, "the core never went into reset");
        for (k, (_, r)) in reqs.into_iter().enumerate() {
            let a = accepted[k].unwrap_or_else(|| panic!("{r}: the request made during the reset was not taken in {PATIENCE} cycles after it"));
            assert!(a >= out, "{r} at cycle {a}, the core out of reset at {out}");
        }
        let rdata = rdata.expect("no R for the PCIS read made during the reset");
        assert_eq!(u32::from_le_bytes(rdata[win::MAGIC..][..4].try_into().unwrap()), WINDOW_MAGIC, "the R beat");
        assert_eq!(u32::from_le_bytes(rdata[win::CHUNK..][..4].try_into().unwrap()), 4096, "the R beat");
        assert!(b.is_some(), "no B for the PCIS write made during the reset");
        assert!(ocl_b.is_some(), "no B for the OCL write made during the reset");
        assert_eq!(ocl_rdata, Some(khz), "R of the OCL read (ClockKhz) made during the reset");
    }
    // The write made during the reset landed after it.
    assert_eq!(bus.read32(win::H2C_LEN).unwrap(), 0x1234, "H2C_LEN written during the reset");

    // 2. In flight when the reset starts: a PCIS read of two beats and an OCL read, both with their
    // R waiting, and a PCIS write of two beats, its address taken, its data not yet given.
    {
        let mut pcis = bus.0.borrow_mut();
        let p = &mut Pins(&mut pcis.m);
        p.set("araddr", 0);
        p.set("arlen", 1);
        p.request("arvalid", "arready");
        p.set("ocl_araddr", 0x0c);
        p.request("ocl_arvalid", "ocl_arready");
        p.set("awaddr", 0);
        p.set("awlen", 1);
        p.request("awvalid", "awready");
        p.0.ticks(4);
        p.0.eval();
        assert!(p.is("rvalid") && p.is("ocl_rvalid"), "the reads answered before the reset");
        let (line, strb) = h2c_len_line(0x99);
        let mut reset_cycles = 0;
        let (mut r0, mut w0, mut ocl_r) = (None, None, None);
        let (mut r1, mut w1, mut b) = (None, None, None);
        let out = flr_with(p, PATIENCE, |p, c, in_reset| {
            let mut later = vec![];
            if in_reset {
                reset_cycles += 1;
            }
            if r0.is_none() {
                assert!(p.is("rvalid"), "PCIS RVALID dropped at cycle {c} (in reset: {in_reset}) before its beat was taken");
            }
            if ocl_r.is_none() {
                assert!(p.is("ocl_rvalid"), "OCL RVALID dropped at cycle {c} (in reset: {in_reset}) before it was taken");
            }
            // Four cycles into the reset: the first R beats taken, the first W beat given.
            if in_reset && reset_cycles == 4 {
                p.on("rready", true);
                p.on("ocl_rready", true);
                p.line("wdata", &line);
                p.set("wstrb", strb);
                p.on("wlast", false);
                p.on("wvalid", true);
                p.0.eval();
            }
            if p.is("rvalid") && p.is("rready") {
                if r0.is_none() {
                    assert!(!p.is("rlast"), "rlast on the first of two beats");
                    r0 = Some((c, p.bytes("rdata")));
                } else if r1.is_none() {
                    assert!(p.is("rlast"), "rlast on the second beat");
                    r1 = Some(c);
                    later.push(("rready", false));
                }
            }
            if p.is("ocl_rvalid") && p.is("ocl_rready") && ocl_r.is_none() {
                ocl_r = Some((c, p.get("ocl_rdata")));
                later.push(("ocl_rready", false));
            }
            if !in_reset && w0.is_some_and(|w| w < c) && w1.is_none() && !p.is("wvalid") {
                // Out of reset: the rest of the burst.
                p.line("wdata", &[0u8; 64]);
                p.set("wstrb", u64::MAX);
                p.on("wlast", true);
                p.on("wvalid", true);
                p.0.eval();
            }
            if p.is("wvalid") && p.is("wready") {
                if w0.is_none() {
                    w0 = Some(c);
                    later.push(("wvalid", false));
                } else if w1.is_none() {
                    w1 = Some(c);
                    later.push(("wvalid", false));
                    later.push(("bready", true));
                }
            }
            if p.is("bvalid") && p.is("bready") && b.is_none() {
                b = Some(c);
                later.push(("bready", false));
            }
            later
        });
        p.on("wlast", false);
        let (r0_at, r0_data) = r0.expect("the first R beat of the PCIS read in flight never given");
        assert_eq!(u32::from_le_bytes(r0_data[win::MAGIC..][..4].try_into().unwrap()), WINDOW_MAGIC);
        assert_eq!(u32::from_le_bytes(r0_data[win::H2C_LEN..][..4].try_into().unwrap()), 0x1234, "the beat read before the reset");
        assert!(r0_at < out, "the first R beat taken in the reset");
        assert!(r1.is_some(), "the second R beat of the PCIS read in flight never given");
        let (ocl_at, ocl_data) = ocl_r.expect("the OCL read in flight never answered");
        assert!(ocl_at < out, "the OCL R taken in the reset");
        assert_eq!(ocl_data, khz, "the OCL read's data, sampled before the reset");
        let w0 = w0.expect("the first W beat of the PCIS write in flight not taken in the reset");
        assert!(w0 < out, "the first W beat (of a burst taken before the reset) taken in the reset");
        assert!(w1.is_some_and(|w| w >= out), "the second W beat: {w1:?}, w0 {w0}, out of reset at {out}");
        assert!(b.is_some(), "no B for the PCIS write in flight");
        p.0.eval();
        assert!(!p.is("rvalid") && !p.is("bvalid") && !p.is("ocl_rvalid") && !p.is("ocl_bvalid"), "a response more than was asked for");
    }
    // The write's data given in the reset was dropped; the window's words at their reset values.
    assert_eq!(bus.read32(win::H2C_LEN).unwrap(), 0, "H2C_LEN after a write of 0x99 given in the reset");

    // 3. In flight the whole reset: an OCL write with its B waiting, and a PCIS write with its
    // address taken and its only beat (H2C_LEN) given after the reset, dropped as of a burst from
    // before it.
    {
        let mut pcis = bus.0.borrow_mut();
        let p = &mut Pins(&mut pcis.m);
        p.set("ocl_awaddr", 0x40);
        p.set("ocl_wdata", 0);
        p.on("ocl_wvalid", true);
        p.request("ocl_awvalid", "ocl_awready");
        p.on("ocl_wvalid", false);
        p.set("awaddr", 0);
        p.set("awlen", 0);
        p.request("awvalid", "awready");
        let out = flr_with(p, 0, |p, c, in_reset| {
            assert!(p.is("ocl_bvalid"), "OCL BVALID dropped at cycle {c} (in reset: {in_reset}) before it was taken");
            assert!(!in_reset || !(p.is("ocl_awready") || p.is("awready") || p.is("arready") || p.is("ocl_arready")));
            vec![]
        });
        p.on("ocl_bready", true);
        p.0.eval();
        assert!(p.is("ocl_bvalid"), "the OCL B after the reset");
        p.0.tick();
        p.on("ocl_bready", false);
        let (line, strb) = h2c_len_line(0x99);
        p.line("wdata", &line);
        p.set("wstrb", strb);
        p.on("wlast", true);
        p.request("wvalid", "wready");
        p.on("wlast", false);
        p.on("bready", true);
        let mut waited = 0;
        loop {
            p.0.eval();
            if p.is("bvalid") {
                break;
            }
            waited += 1;
            assert!(waited < PATIENCE, "no B for the PCIS write of a burst from before the reset (out of reset at {out})");
            p.0.tick();
        }
        p.0.tick();
        p.on("bready", false);
        p.0.eval();
        assert!(!p.is("bvalid") && !p.is("ocl_bvalid"));
    }
    assert_eq!(bus.read32(win::H2C_LEN).unwrap(), 0, "H2C_LEN after a write from before the reset");

    // And the window works as before.
    let mut w = BarWindow::open(bus).expect("the CL serves the driver's window");
    let data: Vec<u8> = (0..4096 + 96).map(|i| (i * 7) as u8).collect();
    let t = Duration::from_secs(120);
    w.send(&data, t).unwrap();
    assert!(w.receive(data.len(), t).unwrap() == data, "round trip after the resets");
}
