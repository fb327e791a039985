//! What the accelerator backend did, per kernel: how many calls and elements the card and the CPU
//! served, the card's cycles, how many card calls fell back to the CPU and why.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

/// One kernel's counters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KernelProfile {
    /// Calls (one transform, one MSM, one helper call) the card served, checked.
    pub card_calls: u64,
    /// Elements (transform points, MSM scalars) in those calls.
    pub card_elements: u64,
    /// Kernel clock cycles the card spent on them (its cycle counter, read around each call).
    pub card_cycles: u64,
    /// Wall time of the card calls (including transfers), and of checking their results.
    pub card_time: Duration,
    pub check_time: Duration,
    /// Checked card calls per card (by the backend's card name).
    pub per_card: BTreeMap<String, u64>,
    /// Calls the CPU served (routed there, or recomputed after a fallback).
    pub cpu_calls: u64,
    pub cpu_elements: u64,
    pub cpu_time: Duration,
    /// Why calls went to the CPU without trying the card (e.g. "no card has an MSM kernel").
    pub cpu_reasons: BTreeMap<String, u64>,
    /// Card calls that failed (error, timeout, failed check, card gone) and were recomputed on
    /// the CPU, by reason.
    pub fallbacks: BTreeMap<String, u64>,
}

impl KernelProfile {
    /// Card calls that fell back to the CPU.
    pub fn fallback_count(&self) -> u64 {
        self.fallbacks.values().sum()
    }
}

/// Counters of every kernel.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccelProfile {
    pub msm: KernelProfile,
    pub ntt: KernelProfile,
    pub lookup: KernelProfile,
}

impl AccelProfile {
    /// The kernels by name.
    pub fn kernels(&self) -> [(&'static str, &KernelProfile); 3] {
        [("msm", &self.msm), ("ntt", &self.ntt), ("lookup", &self.lookup)]
    }

    /// Total fallbacks of all kernels.
    pub fn fallback_count(&self) -> u64 {
        self.kernels().iter().map(|(_, k)| k.fallback_count()).sum()
    }

    /// One line per kernel that was called, for humans.
    pub fn lines(&self) -> Vec<String> {
        let mut out = vec![];
        for (name, k) in self.kernels() {
            if k.card_calls + k.cpu_calls == 0 {
                continue;
            }
            let mut line = format!(
                "{name}: card {} calls / {} elements / {} cycles ({:.3} s, checks {:.3} s); cpu {} calls / {} elements ({:.3} s)",
                k.card_calls,
                k.card_elements,
                k.card_cycles,
                k.card_time.as_secs_f64(),
                k.check_time.as_secs_f64(),
                k.cpu_calls,
                k.cpu_elements,
                k.cpu_time.as_secs_f64()
            );
            for (why, n) in &k.cpu_reasons {
                let _ = write!(line, "; {n} on the cpu because {why}");
            }
            for (why, n) in &k.fallbacks {
                let _ = write!(line, "; {n} FELL BACK to the cpu: {why}");
            }
            out.push(line);
        }
        out
    }
}
