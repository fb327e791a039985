//! Simple dual-port RAM: one write port and one registered read port, `W`-bit words, run-time
//! depth fixed at construction, 16-bit addresses.

use rust_hdl::prelude::*;

/// `rdata(t+1) = mem[raddr(t)]` (read-before-write); `mem[waddr] <= wdata` when `we`.
#[derive(LogicBlock)]
pub struct Ram<const W: usize> {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Read address.
    pub raddr: Signal<In, Bits<16>>,
    /// Registered read data.
    pub rdata: Signal<Out, Bits<W>>,
    /// Write enable.
    pub we: Signal<In, Bit>,
    /// Write address.
    pub waddr: Signal<In, Bits<16>>,
    /// Write data.
    pub wdata: Signal<In, Bits<W>>,
    _mem: Box<Vec<Bits<W>>>,
}

impl<const W: usize> Ram<W> {
    /// A RAM of `depth` words (at most 2^16), initially zero.
    pub fn new(depth: usize) -> Self {
        assert!((1..=1 << 16).contains(&depth));
        Self {
            clock: Default::default(),
            raddr: Default::default(),
            rdata: Default::default(),
            we: Default::default(),
            waddr: Default::default(),
            wdata: Default::default(),
            _mem: Box::new(vec![Bits::default(); depth]),
        }
    }
}

impl<const W: usize> Logic for Ram<W> {
    fn update(&mut self) {
        if self.clock.pos_edge() {
            let depth = self._mem.len();
            self.rdata.next = self._mem[self.raddr.val().index() % depth];
            if self.we.val() {
                let a = self.waddr.val().index() % depth;
                self._mem[a] = self.wdata.val();
            }
        }
    }

    fn connect(&mut self) {
        self.rdata.connect();
    }

    fn hdl(&self) -> Verilog {
        let depth = self._mem.len();
        let abits = (usize::BITS - (depth.max(2) - 1).leading_zeros()) as usize;
        Verilog::Custom(format!(
            "\
reg [{w}:0] mem [0:{last}];
integer i;
initial begin
   for (i = 0; i <= {last}; i = i + 1) mem[i] = 0;
end
always @(posedge clock) begin
   rdata <= mem[raddr[{ab}:0]];
   if (we) mem[waddr[{ab}:0]] <= wdata;
end
",
            w = W - 1,
            last = depth - 1,
            ab = abits - 1,
        ))
    }
}
