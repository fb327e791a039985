//! Planning the delay taps of a scheduled datapath (the G1 adders' `schedule.rs`): every signal
//! that an operation consumes later than it is ready needs a copy delayed by that many cycles. The
//! copies of one signal form a chain, shortest first, each tap extending the previous one by
//! `step` cycles — a register for one cycle, a [`super::DelayLine`] for two or more — so a signal
//! needed at delays 5, 85 and 200 costs one line of 200 cycles in three pieces, not three lines.

/// A delay tap: `sig` delayed by `delay` cycles, built as `from` (an earlier tap of the same
/// signal, or the signal itself when `None`) delayed by `step` more cycles.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tap<S> {
    /// The signal.
    pub sig: S,
    /// Total delay from the signal's ready cycle.
    pub delay: usize,
    /// Index of the tap this one extends (`None`: the signal itself).
    pub from: Option<usize>,
    /// Cycles this tap adds (1: a register, ≥ 2: a `DelayLine`).
    pub step: usize,
}

/// The taps for `needs` (signal, delay) pairs: zero delays and repeats dropped, grouped by signal
/// (in `S`'s order), each signal's delays ascending and chained.
pub fn plan<S: Copy + Ord>(mut needs: Vec<(S, usize)>) -> Vec<Tap<S>> {
    needs.retain(|&(_, d)| d > 0);
    needs.sort();
    needs.dedup();
    let mut taps: Vec<Tap<S>> = Vec::new();
    for (sig, delay) in needs {
        let prev = taps.iter().rposition(|t| t.sig == sig);
        let (from, base) = match prev {
            Some(i) => (Some(i), taps[i].delay),
            None => (None, 0),
        };
        taps.push(Tap { sig, delay, from, step: delay - base });
    }
    taps
}

/// The tap that delivers `s` delayed by `delay` (`None` for delay 0: the signal itself).
///
/// # Panics
/// If no such tap was planned.
pub fn find<S: PartialEq>(taps: &[Tap<S>], s: S, delay: usize) -> Option<usize> {
    if delay == 0 {
        return None;
    }
    Some(taps.iter().position(|t| t.sig == s && t.delay == delay).expect("tap planned"))
}

/// Where a tap lives in the datapath: a register (`DFF`, one cycle) or a [`super::DelayLine`]
/// (two or more), numbered among its kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Store {
    /// Register number `k`.
    Reg(usize),
    /// Delay line number `k`.
    Line(usize),
}

impl Store {
    /// The Verilog name of its output when the registers are the field `regs` and the lines the
    /// field `lines` of the block: `{regs}${k}$q` or `{lines}${k}$q`.
    pub fn q_name(self, regs: &str, lines: &str) -> String {
        match self {
            Store::Reg(k) => format!("{regs}${k}$q"),
            Store::Line(k) => format!("{lines}${k}$q"),
        }
    }
}

/// Storage for taps of `steps` cycles each (≥ 1), in order: the store of each, how many
/// registers (steps of 1) and the delays of the lines (the other steps, in order) to build.
pub fn allocate(steps: impl IntoIterator<Item = usize>) -> (Vec<Store>, usize, Vec<usize>) {
    let (mut stores, mut regs, mut lines) = (Vec::new(), 0, Vec::new());
    for step in steps {
        assert!(step >= 1, "a tap of 0 cycles");
        if step == 1 {
            stores.push(Store::Reg(regs));
            regs += 1;
        } else {
            stores.push(Store::Line(lines.len()));
            lines.push(step);
        }
    }
    (stores, regs, lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn taps_chain_per_signal_shortest_first() {
        let taps = plan(vec![('b', 7), ('a', 200), ('a', 5), ('a', 0), ('a', 85), ('a', 5), ('b', 1)]);
        let got: Vec<(char, usize, Option<usize>, usize)> = taps.iter().map(|t| (t.sig, t.delay, t.from, t.step)).collect();
        assert_eq!(got, vec![('a', 5, None, 5), ('a', 85, Some(0), 80), ('a', 200, Some(1), 115), ('b', 1, None, 1), ('b', 7, Some(3), 6)]);
        assert_eq!(find(&taps, 'a', 85), Some(1));
        assert_eq!(find(&taps, 'b', 0), None);
        let (stores, regs, lines) = allocate(taps.iter().map(|t| t.step));
        assert_eq!((stores, regs, lines), (vec![Store::Line(0), Store::Line(1), Store::Line(2), Store::Reg(0), Store::Line(3)], 1, vec![5, 80, 115, 6]));
        assert_eq!(Store::Line(3).q_name("regs", "lines"), "lines$3$q");
    }
}
