//! The lookup kernel: the per-lookup work of the prover's logUp argument (`docs/plonk.md`).
//!
//! * [`counter::MultiplicityCounter`] — multiplicities `m_j` of table rows: one looked-up row
//!   index per cycle into a table-sized counter memory, with forwarding for repeated values;
//!   an index outside the table raises a sticky error and is never counted;
//! * [`batch_inverse::BatchInverter`] — the fractions `1/(β + f_i)` and `m_i/(β + t_i)` by
//!   Montgomery's trick on the pipelined multiplier, 128 interleaved chains, the one inversion of
//!   the chain products on the host; a zero denominator raises a sticky error.
//!
//! [`LookupUnit`] puts both behind one pair of streams and one start, with the parameter checks;
//! commands and stream formats: `zkaccel_interface::lookup`. The running sum
//! `φ_{i+1} = φ_i + 1/(β+f_i) − m_i/(β+t_i)` is left to the host: it is a sequential prefix sum of
//! two additions per row, the host needs `φ` as a host vector anyway (to commit to it), and
//! returning the two fraction vectors costs the same bus traffic as returning `φ` plus one of them.
//! Golden model: [`model`].

pub mod batch_inverse;
pub mod config;
pub mod counter;
pub mod model;

use batch_inverse::BatchInverter;
use counter::MultiplicityCounter;
use rust_hdl::prelude::*;
use zkaccel_interface::lookup::LookupOp;

/// The lookup kernel with one pair of streams; see the module docs.
#[derive(LogicBlock)]
pub struct LookupUnit {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Synchronous reset: stops the command.
    pub reset: Signal<In, Bit>,
    /// Start `cfg_op` (a [`LookupOp`]).
    pub start: Signal<In, Bit>,
    /// The command ([`LookupOp`]).
    pub cfg_op: Signal<In, Bits<32>>,
    /// Elements: indices to count, or the batch size of an inversion.
    pub cfg_n: Signal<In, Bits<32>>,
    /// Table rows `T` of a count.
    pub cfg_table: Signal<In, Bits<32>>,
    /// `zkaccel_interface::lookup::LookupFlags` (bit 0: scale).
    pub cfg_flags: Signal<In, Bits<32>>,
    /// `β` of the forward pass (wire format, `< p`; the caller checks).
    pub cfg_beta: Signal<In, Bits<256>>,
    /// A command is running.
    pub busy: Signal<Out, Bit>,
    /// The last start had bad parameters (nothing ran).
    pub err_params: Signal<Out, Bit>,
    /// An index `≥ T` was seen.
    pub err_range: Signal<Out, Bit>,
    /// A zero denominator `β + x_i` was seen.
    pub err_zero: Signal<Out, Bit>,
    /// `s_last` was misplaced.
    pub err_framing: Signal<Out, Bit>,
    /// One cycle per element taken.
    pub stat_element: Signal<Out, Bit>,
    /// Host-to-card beat.
    pub s_data: Signal<In, Bits<256>>,
    /// Host-to-card valid.
    pub s_valid: Signal<In, Bit>,
    /// Host-to-card ready.
    pub s_ready: Signal<Out, Bit>,
    /// Host-to-card last.
    pub s_last: Signal<In, Bit>,
    /// Card-to-host beat.
    pub m_data: Signal<Out, Bits<256>>,
    /// Card-to-host valid.
    pub m_valid: Signal<Out, Bit>,
    /// Card-to-host ready.
    pub m_ready: Signal<In, Bit>,
    /// Card-to-host last.
    pub m_last: Signal<Out, Bit>,
    counter: MultiplicityCounter,
    inverter: BatchInverter,
    op_count: Constant<Bits<32>>,
    op_fwd: Constant<Bits<32>>,
    op_back: Constant<Bits<32>>,
    table_max: Constant<Bits<32>>,
    batch_max: Constant<Bits<32>>,
    use_inv: DFF<Bit>,
    e_params: DFF<Bit>,
}

impl LookupUnit {
    /// A unit with `2^log_table` counter rows and batches of up to `2^log_batch` elements.
    pub fn new(log_table: usize, log_batch: usize) -> Self {
        Self {
            clock: Default::default(),
            reset: Default::default(),
            start: Default::default(),
            cfg_op: Default::default(),
            cfg_n: Default::default(),
            cfg_table: Default::default(),
            cfg_flags: Default::default(),
            cfg_beta: Default::default(),
            busy: Default::default(),
            err_params: Default::default(),
            err_range: Default::default(),
            err_zero: Default::default(),
            err_framing: Default::default(),
            stat_element: Default::default(),
            s_data: Default::default(),
            s_valid: Default::default(),
            s_ready: Default::default(),
            s_last: Default::default(),
            m_data: Default::default(),
            m_valid: Default::default(),
            m_ready: Default::default(),
            m_last: Default::default(),
            counter: MultiplicityCounter::new(log_table),
            inverter: BatchInverter::new(log_batch),
            op_count: Constant::new(bits::<32>(LookupOp::COUNT as u64)),
            op_fwd: Constant::new(bits::<32>(LookupOp::INV_FORWARD as u64)),
            op_back: Constant::new(bits::<32>(LookupOp::INV_BACKWARD as u64)),
            table_max: Constant::new(bits::<32>(1 << log_table)),
            batch_max: Constant::new(bits::<32>(1 << log_batch)),
            use_inv: Default::default(),
            e_params: Default::default(),
        }
    }
}

impl Logic for LookupUnit {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, use_inv, e_params);
        self.counter.clock.next = self.clock.val();
        self.counter.reset.next = self.reset.val();
        self.inverter.clock.next = self.clock.val();
        self.inverter.reset.next = self.reset.val();

        self.counter.cfg_n.next = self.cfg_n.val();
        self.counter.cfg_table.next = self.cfg_table.val();
        self.inverter.cfg_n.next = self.cfg_n.val();
        self.inverter.cfg_backward.next = self.cfg_op.val() == self.op_back.val();
        self.inverter.cfg_scale.next = self.cfg_flags.val().get_bit(0);
        self.inverter.cfg_beta.next = self.cfg_beta.val();
        self.counter.start.next = false;
        self.inverter.start.next = false;
        if self.start.val() & !self.counter.busy.val() & !self.inverter.busy.val() {
            self.e_params.d.next = false;
            if self.cfg_op.val() == self.op_count.val() {
                if (self.cfg_n.val() == 0) | (self.cfg_table.val() == 0) | (self.cfg_table.val() > self.table_max.val()) {
                    self.e_params.d.next = true;
                } else {
                    self.use_inv.d.next = false;
                    self.counter.start.next = true;
                }
            } else if (self.cfg_op.val() == self.op_fwd.val()) | (self.cfg_op.val() == self.op_back.val()) {
                if (self.cfg_n.val() == 0) | (self.cfg_n.val() > self.batch_max.val()) {
                    self.e_params.d.next = true;
                } else {
                    self.use_inv.d.next = true;
                    self.inverter.start.next = true;
                }
            } else {
                self.e_params.d.next = true;
            }
        }
        if self.reset.val() {
            self.e_params.d.next = false;
        }

        // Streams go to the block of the last command.
        self.counter.s_data.next = self.s_data.val();
        self.counter.s_last.next = self.s_last.val();
        self.counter.s_valid.next = self.s_valid.val() & !self.use_inv.q.val();
        self.counter.m_ready.next = self.m_ready.val() & !self.use_inv.q.val();
        self.inverter.s_data.next = self.s_data.val();
        self.inverter.s_last.next = self.s_last.val();
        self.inverter.s_valid.next = self.s_valid.val() & self.use_inv.q.val();
        self.inverter.m_ready.next = self.m_ready.val() & self.use_inv.q.val();
        if self.use_inv.q.val() {
            self.s_ready.next = self.inverter.s_ready.val();
            self.m_data.next = self.inverter.m_data.val();
            self.m_valid.next = self.inverter.m_valid.val();
            self.m_last.next = self.inverter.m_last.val();
        } else {
            self.s_ready.next = self.counter.s_ready.val();
            self.m_data.next = self.counter.m_data.val();
            self.m_valid.next = self.counter.m_valid.val();
            self.m_last.next = self.counter.m_last.val();
        }
        self.busy.next = self.counter.busy.val() | self.inverter.busy.val();
        self.err_params.next = self.e_params.q.val();
        // Flags of the block that ran the last command only (each block's are sticky to its own
        // next start).
        self.err_range.next = self.counter.err_range.val() & !self.use_inv.q.val();
        self.err_zero.next = self.inverter.err_zero.val() & self.use_inv.q.val();
        self.err_framing.next = self.counter.err_framing.val();
        if self.use_inv.q.val() {
            self.err_framing.next = self.inverter.err_framing.val();
        }
        self.stat_element.next = self.counter.stat_element.val() | self.inverter.stat_element.val();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verilog::{generate, yosys_check};

    #[test]
    fn lookup_blocks_elaborate_cleanly() {
        // Undriven wires, multiple drivers and combinational loops are Yosys errors.
        yosys_check("lookup_counter", &generate(&mut MultiplicityCounter::new(4))).unwrap();
        yosys_check("lookup_unit", &generate(&mut LookupUnit::new(4, 7))).unwrap();
    }
}
