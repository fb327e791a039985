//! Choosing and opening a backend from a `--device` specification: `auto`, `cpu`, `sim` (the
//! simulated card, feature `sim`), `pcie:<BDF>` (a card on the PCIe bus) or `xdma:/dev/xdma<N>`
//! (a card by its XDMA driver's device nodes; both feature `pcie`).
//!
//! `auto` picks a real card (a Xilinx or AWS function in sysfs) that identifies correctly and
//! passes a small conformance check, and the CPU otherwise, saying which and why; it never picks
//! the simulated card.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use ark_bn254::Fr;
use ark_ff::UniformRand;
use rand::SeedableRng;
use zkaccel::backend::{Backend, BackendExt, CpuBackend, NttKind};

use crate::accel::AccelBackend;
#[cfg(feature = "sim")]
use crate::device::Device;
use crate::device::DeviceError;
use zkaccel_interface::regs::Kernel;

/// What `--device` asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeviceSpec {
    Auto,
    Cpu,
    /// The simulated card, fast variant: RTL everywhere but the G1 adder, which is its
    /// cycle-exact model (same cycles as the full RTL).
    Sim,
    /// The simulated card with the RTL G1 adder too (a few thousand cycles per second: small
    /// circuits only).
    SimRtl,
    /// The simulated two-unit card (two MSM units, each with its bucket scheduler, `2^16` bucket
    /// entries and the G1 adder's cycle-exact model; NTT and lookup as `sim`).
    SimDual,
    /// The simulated three-unit card (three XYZZ MSM units of `2^16` bucket entries, each with
    /// the XYZZ adder's bit-exact model; base sets precomputed; NTT and lookup as `sim`).
    SimTriple,
    /// A PCI bus/device/function, e.g. `0000:3b:00.0`.
    Pcie(String),
    /// An XDMA instance by its device nodes' stem, e.g. `/dev/xdma0` (channel 0), and the
    /// channels' mode (`xdma:/dev/xdma0` streaming, `xdma-mm:/dev/xdma0` memory-mapped).
    Xdma(String, bool),
}

impl FromStr for DeviceSpec {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "auto" => Ok(Self::Auto),
            "cpu" => Ok(Self::Cpu),
            "sim" => Ok(Self::Sim),
            "sim:rtl" => Ok(Self::SimRtl),
            "sim:dual" => Ok(Self::SimDual),
            "sim:triple" => Ok(Self::SimTriple),
            _ => {
                if let Some(bdf) = s.strip_prefix("pcie:").filter(|b| !b.is_empty()) {
                    Ok(Self::Pcie(bdf.to_string()))
                } else if let Some(p) = s.strip_prefix("xdma:").filter(|p| !p.is_empty()) {
                    Ok(Self::Xdma(p.to_string(), false))
                } else if let Some(p) = s.strip_prefix("xdma-mm:").filter(|p| !p.is_empty()) {
                    Ok(Self::Xdma(p.to_string(), true))
                } else {
                    Err(format!("unknown device '{s}': expected auto, cpu, sim, sim:rtl, sim:dual, sim:triple, pcie:<BDF> (e.g. pcie:0000:3b:00.0) or xdma:<path> (e.g. xdma:/dev/xdma0)"))
                }
            }
        }
    }
}

/// The backend a command runs on.
/// Which kernels the accelerator backend sends to the card (`--device-kernels`): `all`, or a
/// comma-separated list of `msm`, `ntt` and `lookup`; the others run on the CPU
/// ([`AccelBackend::set_kernels`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KernelSet(pub u32);

impl KernelSet {
    /// Every kernel.
    pub const ALL: KernelSet = KernelSet(crate::accel::ALL_KERNELS);
    const NAMES: [(&'static str, Kernel); 3] = [("msm", Kernel::Msm), ("ntt", Kernel::Ntt), ("lookup", Kernel::Lookup)];

    /// The kernels not in the set, by name (`"ntt"`, …), in a fixed order.
    pub fn excluded(&self) -> Vec<&'static str> {
        Self::NAMES.iter().filter(|(_, k)| self.0 & *k as u32 == 0).map(|(n, _)| *n).collect()
    }
}

impl FromStr for KernelSet {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if s == "all" {
            return Ok(Self::ALL);
        }
        let mut mask = 0;
        for name in s.split(',') {
            match Self::NAMES.iter().find(|(n, _)| *n == name) {
                Some((_, k)) => mask |= *k as u32,
                None => {
                    return Err(format!("unknown kernel '{name}' in '{s}': expected all, or a comma-separated list of msm, ntt and lookup (e.g. msm,lookup)"))
                }
            }
        }
        Ok(Self(mask))
    }
}

impl std::fmt::Display for KernelSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if *self == Self::ALL {
            return write!(f, "all");
        }
        let names: Vec<_> = Self::NAMES.iter().filter(|(_, k)| self.0 & *k as u32 != 0).map(|(n, _)| *n).collect();
        write!(f, "{}", names.join(","))
    }
}

pub struct Opened {
    /// What the prover calls.
    pub backend: Arc<dyn Backend>,
    /// The accelerator backend (for its profile) when a card is in use.
    pub accel: Option<Arc<AccelBackend>>,
    /// One line: which device and why.
    pub description: String,
    /// The card is the simulated one (its cycles are real, its wall time is not a card's).
    pub simulated: bool,
}

impl std::fmt::Display for DeviceSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Auto => write!(f, "auto"),
            Self::Cpu => write!(f, "cpu"),
            Self::Sim => write!(f, "sim"),
            Self::SimRtl => write!(f, "sim:rtl"),
            Self::SimDual => write!(f, "sim:dual"),
            Self::SimTriple => write!(f, "sim:triple"),
            Self::Pcie(bdf) => write!(f, "pcie:{bdf}"),
            Self::Xdma(p, false) => write!(f, "xdma:{p}"),
            Self::Xdma(p, true) => write!(f, "xdma-mm:{p}"),
        }
    }
}

impl Opened {
    fn cpu(why: String) -> Self {
        Self { backend: Arc::new(CpuBackend::new()), accel: None, description: format!("cpu ({why})"), simulated: false }
    }

    #[cfg_attr(not(any(feature = "sim", feature = "pcie")), allow(dead_code))]
    fn accel(accel: AccelBackend, why: &str, simulated: bool) -> Self {
        let accel = Arc::new(accel);
        let description = format!("{} ({why})", accel.name());
        Self { backend: accel.clone(), accel: Some(accel), description, simulated }
    }

    /// Sends only `kernels` to the card (the others run on the CPU) and says so in the
    /// description; nothing to do on the CPU backend.
    pub fn select_kernels(&mut self, kernels: KernelSet) {
        let Some(accel) = &self.accel else { return };
        accel.set_kernels(kernels.0);
        let kept = kernels.excluded();
        if !kept.is_empty() {
            self.description += &format!("; kept on the CPU by --device-kernels {kernels}: {}", kept.join(", "));
        }
    }
}

impl Opened {
    /// Sends MSMs of at least `points` points to the card (the smaller ones run on the CPU:
    /// `AccelBackend::set_min_msm_points`) and says so in the description when it is not the
    /// default ([`crate::accel::MIN_CARD_MSM_POINTS`]); nothing to do on the CPU backend.
    pub fn set_min_msm_points(&mut self, points: usize) {
        let Some(accel) = &self.accel else { return };
        accel.set_min_msm_points(points);
        match accel.min_msm_points() {
            crate::accel::MIN_CARD_MSM_POINTS => {}
            1 => self.description += "; every MSM on the card (--device-msm-min-points 1)",
            n => self.description += &format!("; MSMs of fewer than {n} points on the CPU (--device-msm-min-points)"),
        }
    }
}

/// How long the backend waits for a card before it falls back.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Buffer of the simulated card's NTT core (`2^10` points: the synthesized `ntt_core_k10`, the
/// same Verilator build as the kernel tests).
pub const SIM_NTT_LOG_N: usize = 10;

/// Opens what `spec` asks for. An explicit device that cannot be opened is an error naming the
/// fix; `auto` falls back to the CPU and says why.
pub fn open(spec: &DeviceSpec, timeout: Duration) -> Result<Opened, DeviceError> {
    match spec {
        DeviceSpec::Cpu => Ok(Opened::cpu("requested".into())),
        DeviceSpec::Auto => open_auto(timeout),
        DeviceSpec::Sim => open_sim(SimKind::Fast, timeout),
        DeviceSpec::SimRtl => open_sim(SimKind::FullRtl, timeout),
        DeviceSpec::SimDual => open_sim(SimKind::Dual, timeout),
        DeviceSpec::SimTriple => open_sim(SimKind::Triple, timeout),
        DeviceSpec::Pcie(_) | DeviceSpec::Xdma(..) => open_pcie(spec, timeout),
    }
}

#[cfg(not(feature = "pcie"))]
fn open_auto(_timeout: Duration) -> Result<Opened, DeviceError> {
    Ok(Opened::cpu("auto: this build has no PCIe backend (feature `pcie`), so no real card can be found; using the CPU".into()))
}

#[cfg(not(feature = "pcie"))]
fn open_pcie(spec: &DeviceSpec, _timeout: Duration) -> Result<Opened, DeviceError> {
    Err(DeviceError::Unsupported(format!("{spec}: this build has no PCIe backend: build with `--features pcie`, or use --device cpu or --device sim")))
}

/// A PCIe card as the backend over it, health-checked.
#[cfg(feature = "pcie")]
fn open_pcie(spec: &DeviceSpec, timeout: Duration) -> Result<Opened, DeviceError> {
    use crate::pcie::{roots::Roots, xdma::ChannelMode, PcieCard};
    let roots = Roots::from_env();
    let card = match spec {
        DeviceSpec::Pcie(bdf) => PcieCard::open_bdf(&roots, bdf, timeout)?,
        DeviceSpec::Xdma(p, mm) => {
            let mode = if *mm { ChannelMode::MemoryMapped } else { ChannelMode::Streaming };
            PcieCard::open_xdma(&roots, std::path::Path::new(p), mode, timeout)?
        }
        _ => unreachable!("open_pcie is called for pcie: and xdma: only"),
    };
    let accel = AccelBackend::new(vec![Box::new(card) as Box<dyn crate::device::Device + Send>], timeout)?;
    health_check(&accel)?;
    accel.take_profile();
    Ok(Opened::accel(accel, "requested; passed its conformance check", false))
}

/// `auto`: the first zkaccel card in sysfs that opens and passes its conformance check, else the
/// CPU with every card's reason.
#[cfg(feature = "pcie")]
fn open_auto(timeout: Duration) -> Result<Opened, DeviceError> {
    use crate::pcie::{discovery, roots::Roots, PcieCard};
    let roots = Roots::from_env();
    let (fpgas, skipped): (Vec<_>, _) = match discovery::scan(&roots) {
        Ok(s) => (s.functions.into_iter().filter(|f| f.is_fpga_vendor()).collect(), s.skipped),
        Err(e) => return Ok(Opened::cpu(format!("auto: no real card found: cannot list {}: {e}; using the CPU", roots.pci_devices().display()))),
    };
    // Entries the scan could not read are named with the reasons, not silently dropped.
    let skipped_note = if skipped.is_empty() { String::new() } else { format!(" (skipped: {})", skipped.join("; ")) };
    if fpgas.is_empty() {
        return Ok(Opened::cpu(format!(
            "auto: no real card found: no Xilinx or AWS FPGA function in {}{skipped_note}; using the CPU",
            roots.pci_devices().display()
        )));
    }
    let mut why: Vec<String> = skipped.iter().map(|s| format!("skipped: {s}")).collect();
    for f in fpgas {
        let tried = PcieCard::open_bdf(&roots, &f.bdf, timeout).and_then(|card| {
            let accel = AccelBackend::new(vec![Box::new(card) as Box<dyn crate::device::Device + Send>], timeout)?;
            health_check(&accel)?;
            accel.take_profile();
            Ok(accel)
        });
        match tried {
            Ok(accel) => return Ok(Opened::accel(accel, &format!("auto: found at {} and passed its conformance check", f.bdf), false)),
            Err(e) => why.push(format!("{}: {e}", f.bdf)),
        }
    }
    Ok(Opened::cpu(format!("auto: no real card usable ({}); using the CPU", why.join("; "))))
}

/// Which simulated card `--device sim…` opens.
#[cfg_attr(not(feature = "sim"), allow(dead_code))]
enum SimKind {
    /// `sim`: the one-unit card, the G1 adder's cycle-exact model.
    Fast,
    /// `sim:rtl`: the one-unit card with the RTL adder.
    FullRtl,
    /// `sim:dual`: the two-unit card (`CardConfig::SIM_DUAL_PROVER`), the adders' model.
    Dual,
    /// `sim:triple`: the three-unit card (`CardConfig::SIM_TRIPLE_PROVER`), the XYZZ adders' model.
    Triple,
}

#[cfg(feature = "sim")]
fn open_sim(kind: SimKind, timeout: Duration) -> Result<Opened, DeviceError> {
    use crate::sim_card::{CardVariant, MemModel, SimCard, DEFAULT_MEM_POINTS};
    use zkaccel_hdl::card::config::CardConfig;
    let (card, what) = match kind {
        SimKind::FullRtl => (SimCard::with_msm(CardVariant::FullRtl, DEFAULT_MEM_POINTS)?, "the whole card in RTL, G1 adder included"),
        SimKind::Fast => {
            (SimCard::with_ntt(SIM_NTT_LOG_N)?, "RTL of the card top, NTT core, MSM bucket scheduler and lookup kernel, the G1 adder's cycle-exact model")
        }
        SimKind::Dual => (
            SimCard::new(CardVariant::Fast, &CardConfig::SIM_DUAL_PROVER, DEFAULT_MEM_POINTS, MemModel::HBM)?,
            "RTL of the two-unit card top (NTT core, two MSM bucket schedulers of 2^16 buckets, lookup kernel), the G1 adders' cycle-exact models",
        ),
        SimKind::Triple => (
            SimCard::new(CardVariant::Fast, &CardConfig::SIM_TRIPLE_PROVER, DEFAULT_MEM_POINTS, MemModel::HBM)?,
            "RTL of the three-unit card top (NTT core, three XYZZ MSM bucket schedulers of 2^16 buckets, lookup kernel), the XYZZ adders' bit-exact models",
        ),
    };
    let accel = AccelBackend::new(vec![Box::new(card) as Box<dyn Device + Send>], timeout)?;
    health_check(&accel)?;
    accel.take_profile();
    Ok(Opened::accel(accel, &format!("requested; the simulated card in Verilator: {what}"), true))
}

#[cfg(not(feature = "sim"))]
fn open_sim(_kind: SimKind, _timeout: Duration) -> Result<Opened, DeviceError> {
    Err(DeviceError::Unsupported("this build has no simulated card: build with `--features sim` (needs Verilator)".into()))
}

/// A small conformance check of a freshly opened card: transforms of a few sizes must equal the
/// CPU's exactly, served by the card with no fallback at all (before, a card whose second
/// transform fell back passed, as long as its first had been served); on a card with the MSM
/// kernel, an MSM of 64 points too — a card that sums wrongly returns points on the curve, which
/// no per-call check catches (a proof's self-verification does, after the proof's whole work).
pub fn health_check(accel: &AccelBackend) -> Result<(), DeviceError> {
    let cpu = CpuBackend::new();
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(0x5eed_0e1f);
    for log in [3u32, 5] {
        let v: Vec<Fr> = (0..1 << log).map(|_| Fr::rand(&mut rng)).collect();
        let got = accel.ntt_host(&[&v], log, NttKind::Forward).map_err(|e| DeviceError::Protocol(e.to_string()))?;
        let want = cpu.ntt_host(&[&v], log, NttKind::Forward).map_err(|e| DeviceError::Protocol(e.to_string()))?;
        // Every transform on the card: one that fell back (timeout, error, failed check) fails the
        // check even though the CPU's answer was right.
        let p = accel.profile();
        if got != want || p.ntt.card_calls == 0 || p.fallback_count() > 0 {
            let why = accel.profile().ntt.fallbacks.keys().cloned().collect::<Vec<_>>().join(", ");
            return Err(DeviceError::Protocol(format!("the card failed its conformance check (NTT of 2^{log}): {why}")));
        }
    }
    if accel.serves(Kernel::Msm) {
        use ark_ec::{CurveGroup, PrimeGroup};
        let g = zkaccel::G1Projective::generator();
        let bases: Vec<zkaccel::G1Affine> = (0..64).map(|_| (g * Fr::rand(&mut rng)).into_affine()).collect();
        let scalars: Vec<Fr> = (0..64).map(|_| Fr::rand(&mut rng)).collect();
        let fail = |why: String| DeviceError::Protocol(format!("the card failed its conformance check (MSM of 64 points): {why}"));
        let handle = accel.load_bases_checked(&bases).map_err(|e| fail(e.to_string()))?;
        let got = accel.msm_host(&handle, &[&scalars]).map_err(|e| fail(e.to_string()))?;
        accel.release_bases(&handle);
        let want = zkaccel::cpu::msm::msm(&bases, &scalars).map_err(|n| fail(format!("{n} bases")))?;
        let p = accel.profile();
        if p.msm.card_calls == 0 || p.fallback_count() > 0 {
            let why: Vec<String> = p.msm.fallbacks.keys().chain(p.msm.cpu_reasons.keys()).cloned().collect();
            return Err(fail(format!("not served by the card: {}", why.join(", "))));
        }
        if got.first() != Some(&want) {
            return Err(fail("the card's sum differs from the CPU's".into()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod kernel_set_tests {
    use super::*;

    #[test]
    fn kernel_sets_parse_print_and_name_what_they_leave_out() {
        assert_eq!("all".parse::<KernelSet>().unwrap(), KernelSet::ALL);
        assert_eq!("msm,ntt,lookup".parse::<KernelSet>().unwrap(), KernelSet::ALL);
        let s: KernelSet = "lookup,msm".parse().unwrap();
        assert_eq!(s.0, Kernel::Msm as u32 | Kernel::Lookup as u32);
        assert_eq!(s.to_string(), "msm,lookup");
        assert_eq!(s.excluded(), vec!["ntt"]);
        assert_eq!(KernelSet::ALL.to_string(), "all");
        assert!(KernelSet::ALL.excluded().is_empty());
        assert_eq!("ntt".parse::<KernelSet>().unwrap().excluded(), vec!["msm", "lookup"]);
        for bad in ["", "gpu", "msm,", "MSM", "msm, ntt"] {
            let e = bad.parse::<KernelSet>().unwrap_err();
            assert!(e.contains("expected all, or a comma-separated list of msm, ntt and lookup"), "{bad:?}: {e}");
        }
    }
}
