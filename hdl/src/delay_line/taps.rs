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
    }
}
