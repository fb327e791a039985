//! ROM with a registered read port and contents fixed when the block is built (twiddle and
//! constant tables). 16-bit addresses; reads past the end return zero.

use rust_hdl::prelude::*;

/// `data(t+1) = contents[addr(t)]`.
#[derive(LogicBlock)]
pub struct Rom<const W: usize> {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Address.
    pub addr: Signal<In, Bits<16>>,
    /// Registered data.
    pub data: Signal<Out, Bits<W>>,
    _contents: Box<Vec<Bits<W>>>,
}

impl<const W: usize> Rom<W> {
    /// A ROM holding `contents` (at most 2^16 words).
    pub fn new(contents: Vec<Bits<W>>) -> Self {
        assert!(!contents.is_empty() && contents.len() <= 1 << 16);
        Self {
            clock: Default::default(),
            addr: Default::default(),
            data: Default::default(),
            _contents: Box::new(contents),
        }
    }
}

impl<const W: usize> Logic for Rom<W> {
    fn update(&mut self) {
        if self.clock.pos_edge() {
            self.data.next = self._contents.get(self.addr.val().index()).copied().unwrap_or_default();
        }
    }

    fn connect(&mut self) {
        self.data.connect();
    }

    fn hdl(&self) -> Verilog {
        let n = self._contents.len();
        let mut init = String::new();
        for (i, v) in self._contents.iter().enumerate() {
            init.push_str(&format!("   mem[{i}] = {};\n", v.verilog()));
        }
        Verilog::Custom(format!(
            "\
reg [{w}:0] mem [0:{last}];
initial begin
{init}end
always @(posedge clock) begin
   if (addr < {n}) data <= mem[addr]; else data <= 0;
end
",
            w = W - 1,
            last = n - 1,
        ))
    }
}
