//! Synchronous FIFO with show-ahead output and an occupancy count, `W`-bit words, depth a power of
//! two up to 128. Pushing into a full FIFO or popping an empty one is ignored (callers use the
//! count for credit-based flow control).

use rust_hdl::prelude::*;
use std::collections::VecDeque;

/// Show-ahead FIFO: `dout` is the oldest word whenever `!empty`.
#[derive(LogicBlock)]
pub struct Fifo<const W: usize> {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset: empties the FIFO.
    pub reset: Signal<In, Bit>,
    /// Push `din` this cycle.
    pub push: Signal<In, Bit>,
    /// Word to push.
    pub din: Signal<In, Bits<W>>,
    /// Pop the oldest word this cycle.
    pub pop: Signal<In, Bit>,
    /// The oldest word.
    pub dout: Signal<Out, Bits<W>>,
    /// No word stored.
    pub empty: Signal<Out, Bit>,
    /// Words stored.
    pub count: Signal<Out, Bits<8>>,
    _depth: usize,
    _sim: Box<VecDeque<Bits<W>>>,
}

impl<const W: usize> Fifo<W> {
    /// A FIFO of `depth` words (a power of two, 2..=128).
    pub fn new(depth: usize) -> Self {
        assert!(depth.is_power_of_two() && (2..=128).contains(&depth));
        Self {
            clock: Default::default(),
            reset: Default::default(),
            push: Default::default(),
            din: Default::default(),
            pop: Default::default(),
            dout: Default::default(),
            empty: Default::default(),
            count: Default::default(),
            _depth: depth,
            _sim: Box::new(VecDeque::new()),
        }
    }

    /// Capacity in words.
    pub fn depth(&self) -> usize {
        self._depth
    }
}

impl<const W: usize> Logic for Fifo<W> {
    fn update(&mut self) {
        if self.clock.pos_edge() {
            if self.reset.val() {
                self._sim.clear();
            } else {
                let popping = self.pop.val() && !self._sim.is_empty();
                let pushing = self.push.val() && (self._sim.len() < self._depth || popping);
                if popping {
                    self._sim.pop_front();
                }
                if pushing {
                    self._sim.push_back(self.din.val());
                }
            }
        }
        self.dout.next = self._sim.front().copied().unwrap_or_default();
        self.empty.next = self._sim.is_empty();
        self.count.next = bits::<8>(self._sim.len() as u64);
    }

    fn connect(&mut self) {
        self.dout.connect();
        self.empty.connect();
        self.count.connect();
    }

    fn hdl(&self) -> Verilog {
        let depth = self._depth;
        let pbits = depth.trailing_zeros() as usize;
        Verilog::Custom(format!(
            "\
reg [{w}:0] mem [0:{last}];
reg [{pb}:0] rd;
reg [{pb}:0] wr;
reg [8:0] n;
wire popping = pop & (n != 0);
wire pushing = push & ((n < {depth}) | popping);
initial begin rd = 0; wr = 0; n = 0; end
always @(posedge clock) begin
   if (reset) begin
      rd <= 0; wr <= 0; n <= 0;
   end else begin
      if (pushing) begin mem[wr] <= din; wr <= wr + 1; end
      if (popping) rd <= rd + 1;
      n <= n + (pushing ? 1 : 0) - (popping ? 1 : 0);
   end
end
always @(*) begin
   dout = mem[rd];
   empty = (n == 0);
   count = n[7:0];
end
",
            w = W - 1,
            last = depth - 1,
            pb = pbits - 1,
        ))
    }
}
