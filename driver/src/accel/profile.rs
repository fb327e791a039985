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
    /// Bytes streamed to the card and back (inputs, digits, bases; results, buckets).
    pub card_bytes_to: u64,
    pub card_bytes_from: u64,
    /// Wall time of the card calls (including transfers), and of checking their results.
    pub card_time: Duration,
    pub check_time: Duration,
    /// The part of `card_time` spent on the host, measured: the calls' wall time less the time
    /// inside the card's `Device` methods (registers, streams, waits — for the simulated card also
    /// the simulation they drive): MSM digits, decoding and combining the card's answers; NTT wire
    /// conversion, four-step twiddles and transposes, coset factors; lookup inputs and outputs.
    /// A real card adds it to its own time as it does here (serially).
    pub card_host_time: Duration,
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

/// Kernel clocks at which [`AccelProfile::projection_lines`] projects the card's time. ASSUMED:
/// no bitstream's clock has been measured yet (Yosys gives no timing for UltraScale+).
pub const ASSUMED_CLOCKS_MHZ: [f64; 3] = [150.0, 250.0, 350.0];
/// Host ⇄ card bandwidth of the projection, bytes per second. ASSUMED: 12 GB/s, a PCIe Gen3 ×16
/// link's practical rate; transfers are not overlapped with compute in the projection.
pub const ASSUMED_PCIE_BYTES_PER_S: f64 = 12e9;

impl KernelProfile {
    /// Projected time of the calls the card served: the card's cycles at `mhz` plus every byte over
    /// the assumed PCIe link, plus the host's measured share of those calls and the checks of
    /// their results, one after the other (nothing overlapped).
    pub fn projected_card_seconds(&self, mhz: f64) -> f64 {
        self.projected_kernel_seconds(mhz) + (self.card_host_time + self.check_time).as_secs_f64()
    }

    /// The card's part alone of [`KernelProfile::projected_card_seconds`]: cycles at `mhz` and the
    /// bytes over the assumed PCIe link.
    pub fn projected_kernel_seconds(&self, mhz: f64) -> f64 {
        self.card_cycles as f64 / (mhz * 1e6) + (self.card_bytes_to + self.card_bytes_from) as f64 / ASSUMED_PCIE_BYTES_PER_S
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
                "{name}: card {} calls / {} elements / {} cycles / {} B in, {} B out ({:.3} s, checks {:.3} s); cpu {} calls / {} elements ({:.3} s)",
                k.card_calls,
                k.card_elements,
                k.card_cycles,
                k.card_bytes_to,
                k.card_bytes_from,
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

    /// The co-design projection: per kernel the card served, its projected time at each
    /// [`ASSUMED_CLOCKS_MHZ`] with [`ASSUMED_PCIE_BYTES_PER_S`], labelled as assumed.
    pub fn projection_lines(&self) -> Vec<String> {
        let mut out = vec![];
        for (name, k) in self.kernels() {
            if k.card_calls == 0 && k.card_cycles == 0 {
                continue;
            }
            let at: Vec<String> = ASSUMED_CLOCKS_MHZ
                .iter()
                .map(|&f| format!("{:.3} ms at {f:.0} MHz", 1e3 * k.projected_card_seconds(f)))
                .collect();
            out.push(format!(
                "{name}: projected card time {} (ASSUMED clocks; PCIe ASSUMED {:.0} GB/s, not overlapped; with the host's measured share {:.3} ms and the checks {:.3} ms)",
                at.join(", "),
                ASSUMED_PCIE_BYTES_PER_S / 1e9,
                1e3 * k.card_host_time.as_secs_f64(),
                1e3 * k.check_time.as_secs_f64()
            ));
        }
        out
    }
}
