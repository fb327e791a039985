//! A `W`-bit delay line of `delay` cycles built on a circular buffer (a RAM leaf), not a chain of
//! registers: Yosys maps it to LUT-RAM/SRLs on UltraScale+ and distributed RAM on ECP5, and the
//! Verilog (and the Verilator model) stays one memory instead of `delay × W` flip-flops in
//! separate modules. Operands that travel alongside a long pipeline go through these.
//!
//! `q` in cycle `t + delay` equals `d` in cycle `t`, for any `delay ≥ 2` (a buffer of
//! `delay − 1` words plus the registered read).

pub mod taps;

use rust_hdl::prelude::*;
use std::collections::VecDeque;

/// `q(t + delay) = d(t)`.
#[derive(LogicBlock)]
pub struct DelayLine<const W: usize> {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Input.
    pub d: Signal<In, Bits<W>>,
    /// Input delayed by `delay` cycles.
    pub q: Signal<Out, Bits<W>>,
    _delay: usize,
    // Behavioural model: the words in flight, oldest first.
    _sim: Box<VecDeque<Bits<W>>>,
}

impl<const W: usize> DelayLine<W> {
    /// A delay line of `delay ≥ 2` cycles.
    pub fn new(delay: usize) -> Self {
        assert!(delay >= 2, "DelayLine needs delay >= 2 (use a DFF for 1)");
        Self {
            clock: Default::default(),
            d: Default::default(),
            q: Default::default(),
            _delay: delay,
            _sim: Box::new(std::iter::repeat_n(Bits::<W>::default(), delay - 1).collect()),
        }
    }

    /// The delay in cycles.
    pub fn delay(&self) -> usize {
        self._delay
    }
}

impl<const W: usize> Logic for DelayLine<W> {
    fn update(&mut self) {
        if self.clock.pos_edge() {
            let oldest = self._sim.pop_front().unwrap_or_default();
            self.q.next = oldest;
            self._sim.push_back(self.d.val());
        }
    }

    fn connect(&mut self) {
        self.q.connect();
    }

    fn hdl(&self) -> Verilog {
        let words = self._delay - 1;
        let ptr_bits = usize::BITS as usize - (words.max(2) - 1).leading_zeros() as usize;
        let (decl, step) = if words == 1 {
            (String::new(), String::new())
        } else {
            (
                format!("reg [{}:0] ptr;\ninitial ptr = 0;\n", ptr_bits - 1),
                format!("   ptr <= (ptr == {}) ? 0 : ptr + 1;\n", words - 1),
            )
        };
        let addr = if words == 1 { "0".to_string() } else { "ptr".to_string() };
        Verilog::Custom(format!(
            "\
reg [{w}:0] mem [0:{last}];
{decl}integer i;
initial begin
   for (i = 0; i <= {last}; i = i + 1) mem[i] = 0;
end
always @(posedge clock) begin
   q <= mem[{addr}];
   mem[{addr}] <= d;
{step}end
",
            w = W - 1,
            last = words - 1,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delay_line_is_synthesizable() {
        for delay in [2, 3, 5, 17] {
            let mut uut = DelayLine::<40>::new(delay);
            let vlog = crate::verilog::generate(&mut uut);
            crate::verilog::yosys_check(&format!("delay_line_{delay}"), &vlog).unwrap();
        }
    }

    #[test]
    fn rust_hdl_simulation_delays_by_exactly_delay() {
        for delay in [2usize, 3, 5] {
            let mut uut = DelayLine::<16>::new(delay);
            uut.connect_all();
            let mut sim = Simulation::new();
            sim.add_clock(5, |x: &mut Box<DelayLine<16>>| x.clock.next = !x.clock.val());
            sim.add_testbench(move |mut sim: Sim<DelayLine<16>>| {
                let mut x = sim.init()?;
                for t in 0..40u64 {
                    x.d.next = (t + 1).to_bits();
                    wait_clock_cycle!(sim, clock, x);
                    // After edge t the output shows the input of cycle t + 1 − delay.
                    let expect = if t + 1 >= delay as u64 { t + 2 - delay as u64 } else { 0 };
                    sim_assert_eq!(sim, x.q.val().to_u64(), expect, x);
                }
                sim.done(x)
            });
            sim.run(Box::new(uut), 10_000).unwrap();
        }
    }
}
