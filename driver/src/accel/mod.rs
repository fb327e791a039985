//! The accelerator backend: the prover's [`Backend`] over one or more [`Device`]s, with the CPU
//! as fallback.
//!
//! * Each call goes to a card when one is healthy, has the kernel and the size fits; otherwise to
//!   the CPU, and the profile says why ([`AccelProfile`]).
//! * Every card result is checked before the prover sees it: an NTT by the random-point identity
//!   of [`ntt_check`] in O(n); an MSM's answer words are decoded with canonical coordinates
//!   and its result checked on the curve (a word off the curve puts it off the curve), and its
//!   sum by the proof's self-verification (no O(n) check of an MSM over fixed bases is
//!   known that does not cost an MSM: see docs/architecture.md); a lookup helper's result by
//!   [`lookup`] (every inverse by `x·y = 1`, counts by a random evaluation). A failed check, a
//!   timeout, an error status or a protocol error costs one CPU recomputation of that call, is
//!   counted with its reason, and the card is reset. A card is given up — not used again for any
//!   kernel, listed by [`AccelBackend::dead_cards`] with the reason — when it reads all ones
//!   (gone), when its reset fails, or after [`MAX_FAILURES_IN_A_ROW`] failed calls in a row (a
//!   checked result in between starts the count again): a card that hangs on every command then
//!   costs that many timeouts, not one per call of the proof. No card result reaches the
//!   prover unchecked, so a faulty card can slow a proof down but not make it wrong (and the
//!   caller still verifies the proof before writing it).
//! * An [`DeviceError::Unsupported`] answer (a size or shape beyond the card's limits, a kernel
//!   its bitstream lacks) is a capability, not a fault: the call is routed to the CPU with the
//!   reason (`cpu_reasons`), the card is neither reset nor counted as failing. An NTT beyond the
//!   card's four-step limit (`2^(2·NttMaxLogN)` points) goes to the CPU this way before anything
//!   is sent to the card.
//! * Register values the card reports (limits, cycle counters) are validated before use, and the
//!   cycle counter's `hi, lo, hi` read is retried a bounded number of times: a card cannot make
//!   the driver panic, loop or overflow. Should a call on a card panic all the same, the card is
//!   given up (its lock is recovered, not left poisoned) and the backend goes on on the CPU.
//! * Resident vectors live in host memory (the CPU backend's store): the card streams each
//!   transform's input and output. Fixed MSM bases are loaded into every MSM card's memory once,
//!   when the prover loads them (`load_bases`), and stay there; an MSM then streams only digits.
//!   A card whose memory cannot take a base set serves those MSMs on the CPU, saying why.
//! * The kernel selection ([`AccelBackend::set_kernels`], the CLI's `--device-kernels`) keeps
//!   chosen kernels on the CPU — for a card whose kernel is slower than the CPU's (the co-design
//!   projection shows which): their calls are routed to the CPU and counted as such.
//! * An MSM of fewer than [`AccelBackend::min_msm_points`] points ([`MIN_CARD_MSM_POINTS`] by
//!   default) runs on the CPU, counted as routed there: a card call has a fixed host share (the
//!   digits of every window, the answer's decode and the windows' combination) larger than the
//!   CPU's whole MSM at those sizes (the blinding terms of a commitment are MSMs of 2–3 points).

mod device_time;
pub mod lookup;
pub mod ntt_check;
pub mod profile;

use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ff::{Field, One};
use zkaccel::backend::{Backend, BackendError, BasesHandle, BasesId, CpuBackend, MsmJob, Multiplicities, NttKind, PolyHandle};
use zkaccel_interface::ntt::NttMode;
use zkaccel_interface::regs::{Kernel, Reg, REGMAP_VERSION};

use crate::device::{Device, DeviceError};
use crate::msm::DeviceMsm;
use crate::ntt::DeviceNtt;
pub use profile::{AccelProfile, KernelProfile};
use zkaccel::card_schedule::ntt_four_step::NttColumns;

/// Every kernel's bit ([`Kernel`]).
pub const ALL_KERNELS: u32 = Kernel::Ntt as u32 | Kernel::Msm as u32 | Kernel::Lookup as u32;

/// The smallest MSM the backend sends to a card by default ([`AccelBackend::set_min_msm_points`]).
/// Measured on a 2-core AMD EPYC (`driver/examples/msm_break_even.rs`, host share of the card call
/// measured, the card's cycles at an assumed 250 MHz, against the CPU kernel on 2 threads): with
/// one or two MSM units the card call costs 0.34–0.8 ms up to 16 points, where the CPU takes
/// 0.15–0.48 ms, and at 32 points the card is ahead (0.57–1.02 ms against 1.08–1.45 ms; two runs,
/// the README's table).
pub const MIN_CARD_MSM_POINTS: usize = 32;

/// The device of a card: with the MSM kernel, the MSM host side owns it (and the table of
/// resident base sets).
enum CardDev {
    Plain(Box<dyn Device + Send>),
    Msm(DeviceMsm<Box<dyn Device + Send>>),
}

/// A card as the backend holds it.
struct Card {
    dev: CardDev,
    name: String,
    kernels: u32,
    /// Why the card is no longer used (gone, its reset failed, too many failed calls in a row).
    dead: Option<String>,
    /// The reasons of the failed calls since the last checked result (at most
    /// [`MAX_FAILURES_IN_A_ROW`]: the card is given up at that many).
    failures: Vec<String>,
    /// Base sets the card could not take (memory full, no slot), with the reason.
    refused_bases: std::collections::HashMap<BasesId, String>,
    /// Wall time spent inside the card's `Device` methods (nanoseconds; see `device_time`).
    device_nanos: Arc<std::sync::atomic::AtomicU64>,
}

impl Card {
    /// Wall time spent inside the card's `Device` methods so far.
    fn device_time(&self) -> Duration {
        device_time::total(&self.device_nanos)
    }

    fn dev(&mut self) -> &mut dyn Device {
        match &mut self.dev {
            CardDev::Plain(d) => &mut **d,
            CardDev::Msm(m) => &mut **m.dev_mut(),
        }
    }

    /// Resets the card; an MSM card through its driver (the three-unit card's offsets reloaded).
    fn reset(&mut self) -> Result<(), DeviceError> {
        match &mut self.dev {
            CardDev::Plain(d) => d.reset(),
            CardDev::Msm(m) => m.reset(),
        }
    }

    /// After a call that failed with `e` (`why`: the reason the profile counts): reset the card,
    /// or give it up when it is gone, its reset fails or this is the
    /// [`MAX_FAILURES_IN_A_ROW`]-th failed call in a row. An `Unsupported` answer is a capability,
    /// not a failure: nothing happens (callers route such calls to the CPU).
    fn failed(&mut self, e: &DeviceError, why: &str) {
        match e {
            DeviceError::Unsupported(_) => return,
            DeviceError::Gone(g) => {
                self.dead = Some(format!("gone: {g}"));
                return;
            }
            _ => {}
        }
        self.failures.push(why.to_string());
        if self.failures.len() >= MAX_FAILURES_IN_A_ROW {
            self.dead = Some(format!("{} calls in a row failed: {}", self.failures.len(), self.failures.join(", ")));
        } else if let Err(r) = self.reset() {
            self.dead = Some(format!("reset failed after \"{e}\": {r}"));
        }
    }

    /// After a call whose result passed its check: the count of failed calls starts again.
    fn succeeded(&mut self) {
        self.failures.clear();
    }
}

/// Failed card calls in a row (timeouts, error statuses, protocol errors, failed checks) after
/// which the backend gives a card up: a card that hangs on every command costs this many timeouts
/// of the proof, not one per call. A checked result in between starts the count again.
pub const MAX_FAILURES_IN_A_ROW: usize = 3;

/// Reads of the cycle counter's `hi, lo, hi` before a counter whose high word never reads the same
/// twice is a protocol error (a counting card carries into the high word once per 2^32 cycles).
pub const CYCLES_READS: usize = 4;

/// The card's 64-bit cycle counter (`CyclesHi`, `CyclesLo`, `CyclesHi` again until the high word
/// holds, at most [`CYCLES_READS`] times).
fn read_cycles<D: Device + ?Sized>(dev: &mut D) -> Result<u64, DeviceError> {
    let mut his = Vec::with_capacity(CYCLES_READS + 1);
    let mut hi = dev.read32(Reg::CyclesHi.offset())?;
    his.push(hi);
    for _ in 0..CYCLES_READS {
        let lo = dev.read32(Reg::CyclesLo.offset())?;
        let again = dev.read32(Reg::CyclesHi.offset())?;
        if again == hi {
            return Ok((hi as u64) << 32 | lo as u64);
        }
        his.push(again);
        hi = again;
    }
    Err(DeviceError::Protocol(format!("CyclesHi changed on each of {} reads ({his:x?})", his.len())))
}

/// Locks a card. A call that panicked while holding the lock left the card in an unknown state:
/// the lock is recovered (not propagated as a panic to every later call) and the card given up.
fn lock_card(m: &Mutex<Card>) -> MutexGuard<'_, Card> {
    m.lock().unwrap_or_else(|poisoned| {
        let mut card = poisoned.into_inner();
        if card.dead.is_none() {
            card.dead = Some("a call on the card panicked (its state is unknown)".into());
        }
        card
    })
}

/// The routing reason of a call the card answered `Unsupported` (`m`).
fn cannot_serve(m: &str) -> String {
    format!("the card cannot serve it: {m}")
}

/// Why a card call did not produce a checked result.
fn reason(e: &DeviceError) -> String {
    match e {
        DeviceError::Gone(_) => "card gone (reads all ones or not present)".into(),
        DeviceError::Timeout(..) => "timeout".into(),
        DeviceError::Card(s, _) => format!("card error status {s:#x}"),
        DeviceError::Unsupported(m) => format!("unsupported: {m}"),
        DeviceError::Protocol(_) => "protocol error (malformed data from the card)".into(),
    }
}

/// The accelerator backend. See the module documentation.
pub struct AccelBackend {
    cards: Vec<Mutex<Card>>,
    cpu: CpuBackend,
    profile: Mutex<AccelProfile>,
    timeout: Duration,
    /// The kernels ([`Kernel`] bits) the backend may send to a card; the others run on the CPU
    /// ([`AccelBackend::set_kernels`]).
    allowed: AtomicU32,
    /// MSMs of fewer points run on the CPU ([`AccelBackend::set_min_msm_points`]).
    min_msm_points: AtomicUsize,
}

/// The reason recorded when a result fails its check.
pub const CHECK_FAILED: &str = "the card's result failed its check";

impl AccelBackend {
    /// Opens the backend over `devices`: each must identify as a zkaccel card with this driver's
    /// register-map version. `timeout` bounds every wait for a card.
    pub fn new(devices: Vec<Box<dyn Device + Send>>, timeout: Duration) -> Result<Self, DeviceError> {
        if devices.is_empty() {
            return Err(DeviceError::Unsupported("no card given".into()));
        }
        let mut cards = vec![];
        for (i, dev) in devices.into_iter().enumerate() {
            let (timed, device_nanos) = device_time::Timed::new(dev);
            let mut dev: Box<dyn Device + Send> = Box::new(timed);
            let id = dev.identify()?;
            if id.regmap_version == u32::MAX {
                return Err(DeviceError::Gone(format!("{}: reads all ones", id.name)));
            }
            if id.regmap_version != REGMAP_VERSION {
                return Err(DeviceError::Unsupported(format!(
                    "{} speaks register map v{}, this driver v{REGMAP_VERSION}: load a matching bitstream or driver",
                    id.name, id.regmap_version
                )));
            }
            let dev = if id.kernels & Kernel::Msm as u32 != 0 { CardDev::Msm(DeviceMsm::new(dev, timeout)?) } else { CardDev::Plain(dev) };
            cards.push(Mutex::new(Card {
                dev,
                name: format!("card {i}: {}", id.name),
                kernels: id.kernels,
                dead: None,
                failures: vec![],
                refused_bases: Default::default(),
                device_nanos,
            }));
        }
        Ok(Self {
            cards,
            cpu: CpuBackend::new(),
            profile: Mutex::new(AccelProfile::default()),
            timeout,
            allowed: AtomicU32::new(ALL_KERNELS),
            min_msm_points: AtomicUsize::new(MIN_CARD_MSM_POINTS),
        })
    }

    /// Sends only the kernels in `kernels` ([`Kernel`] bits) to the cards from now on; calls of
    /// the others run on the CPU, counted in the profile as routed there (`cpu_reasons`: "… kept
    /// on the CPU by the kernel selection"), not as fallbacks. For a card whose kernel is slower
    /// than the CPU's (the co-design projection shows which). Base sets already resident stay.
    pub fn set_kernels(&self, kernels: u32) {
        self.allowed.store(kernels & ALL_KERNELS, Ordering::Relaxed);
    }

    /// The kernels the backend may send to a card ([`AccelBackend::set_kernels`]; all by default).
    pub fn kernels(&self) -> u32 {
        self.allowed.load(Ordering::Relaxed)
    }

    /// Sends MSMs of at least `points` points to the cards from now on ([`MIN_CARD_MSM_POINTS`]
    /// by default; 1 sends every non-empty MSM); smaller ones run on the CPU, counted as routed
    /// there (`cpu_reasons`).
    pub fn set_min_msm_points(&self, points: usize) {
        self.min_msm_points.store(points.max(1), Ordering::Relaxed);
    }

    /// The smallest MSM sent to a card ([`AccelBackend::set_min_msm_points`]).
    pub fn min_msm_points(&self) -> usize {
        self.min_msm_points.load(Ordering::Relaxed)
    }

    /// Why a call of `kernel` finds no card: the kernel selection, or no healthy card with it.
    fn no_card_reason(&self, kernel: Kernel) -> &'static str {
        let kept = self.kernels() & kernel as u32 == 0;
        match (kernel, kept) {
            (Kernel::Ntt, true) => "the NTT is kept on the CPU by the kernel selection",
            (Kernel::Msm, true) => "the MSM is kept on the CPU by the kernel selection",
            (Kernel::Lookup, true) => "the lookup kernel is kept on the CPU by the kernel selection",
            (Kernel::Ntt, false) => "no healthy card has an NTT kernel",
            (Kernel::Msm, false) => "no healthy card has an MSM kernel",
            (Kernel::Lookup, false) => "no healthy card has a lookup kernel",
        }
    }

    /// The profile so far.
    pub fn profile(&self) -> AccelProfile {
        self.profile_lock().clone()
    }

    /// Returns the profile so far and starts a new one.
    pub fn take_profile(&self) -> AccelProfile {
        std::mem::take(&mut *self.profile_lock())
    }

    /// The cards no longer used, with the reason.
    pub fn dead_cards(&self) -> Vec<(String, String)> {
        self.cards
            .iter()
            .filter_map(|c| {
                let c = lock_card(c);
                c.dead.clone().map(|d| (c.name.clone(), d))
            })
            .collect()
    }

    /// The profile's lock; poisoning is ignored (the profile holds counters only).
    fn profile_lock(&self) -> MutexGuard<'_, AccelProfile> {
        self.profile.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn record(&self, f: impl FnOnce(&mut AccelProfile)) {
        f(&mut self.profile_lock())
    }

    /// Whether a healthy card serves `kernel` (and the kernel selection allows it).
    pub fn serves(&self, kernel: Kernel) -> bool {
        !self.cards_with(kernel).is_empty()
    }

    /// The healthy cards with `kernel`, none when the kernel selection keeps it on the CPU.
    fn cards_with(&self, kernel: Kernel) -> Vec<&Mutex<Card>> {
        if self.kernels() & kernel as u32 == 0 {
            return vec![];
        }
        self.cards
            .iter()
            .filter(|m| {
                let c = lock_card(m);
                c.dead.is_none() && c.kernels & kernel as u32 != 0
            })
            .collect()
    }

    /// One transform on a card: the result (not yet checked), the cycles it took and how many
    /// times the vector crossed each way (1, or 2 for four-step). A size beyond the card's
    /// four-step limit is `Unsupported` before anything is sent.
    fn ntt_on_card(card: &mut Card, input: &[Fr], kind: NttKind, timeout: Duration) -> Result<(Vec<Fr>, u64, usize), DeviceError> {
        let mut v = input.to_vec();
        let log_n = v.len().trailing_zeros() as usize;
        let mut ntt = DeviceNtt::new(card.dev(), timeout)?;
        // `max_log_n` is validated by `DeviceNtt::new` (at most 15): no shift below overflows.
        let max = ntt.max_log_n();
        if log_n > 2 * max {
            return Err(DeviceError::Unsupported(format!(
                "an NTT of 2^{log_n} points exceeds the card's limit of 2^{} (four-step over its 2^{max}-point buffer)",
                2 * max
            )));
        }
        let before = read_cycles(ntt.dev_mut())?;
        let passes = {
            let fits = log_n <= max;
            match kind {
                NttKind::Forward => ntt.ntt(&mut v, false)?,
                NttKind::Inverse => ntt.ntt(&mut v, true)?,
                NttKind::CosetForward { shift } if fits => ntt.transform(&mut v, NttMode { inverse: false, coset: Some(shift) })?,
                NttKind::CosetInverse { shift } if fits => ntt.transform(&mut v, NttMode { inverse: true, coset: Some(shift) })?,
                // Beyond the buffer, the coset factors are applied on the host (O(n)) around the
                // four-step transform.
                NttKind::CosetForward { shift } => {
                    scale_by_powers(&mut v, shift);
                    ntt.ntt(&mut v, false)?;
                }
                NttKind::CosetInverse { shift } => {
                    ntt.ntt(&mut v, true)?;
                    scale_by_powers(&mut v, shift.inverse().expect("checked non-zero shift"));
                }
            }
            if fits { 1 } else { 2 }
        };
        let after = read_cycles(ntt.dev_mut())?;
        Ok((v, after.wrapping_sub(before), passes))
    }

    /// One transform: on `card` when given and still healthy (checked), else on the CPU.
    fn ntt_one(&self, card: Option<&Mutex<Card>>, h: &PolyHandle, log_size: u32, kind: NttKind) -> Result<PolyHandle, BackendError> {
        let size = 1usize << log_size;
        let card = card.map(lock_card).filter(|c| c.dead.is_none() && size >= 2);
        let Some(mut card) = card else {
            let why = if size < 2 { "a transform of size 1 is the identity" } else { self.no_card_reason(Kernel::Ntt) };
            return self.ntt_cpu(h, log_size, kind, Some(why), None);
        };
        let mut input = self.cpu.download(h)?;
        input.resize(size, Fr::from(0u64));
        let (t, d0) = (Instant::now(), card.device_time());
        let result = Self::ntt_on_card(&mut card, &input, kind, self.timeout);
        let card_time = t.elapsed();
        let device_time = card.device_time().saturating_sub(d0);
        let failure = match result {
            Ok((out, cycles, passes)) => {
                let t = Instant::now();
                let (evals, coeffs, shift) = match kind {
                    NttKind::Forward => (&out, &input, Fr::one()),
                    NttKind::Inverse => (&input, &out, Fr::one()),
                    NttKind::CosetForward { shift } => (&out, &input, shift),
                    NttKind::CosetInverse { shift } => (&input, &out, shift),
                };
                let ok = ntt_check::ntt_holds(evals, coeffs, shift, &mut rand::thread_rng());
                let check_time = t.elapsed();
                self.record(|p| {
                    p.ntt.card_time += card_time;
                    p.ntt.card_host_time += card_time.saturating_sub(device_time);
                    p.ntt.check_time += check_time;
                });
                if ok {
                    card.succeeded();
                    // Four-step streams the vector twice (columns, then rows) each way. The cycles
                    // are the card's word: added saturating.
                    self.record(|p| {
                        *p.ntt.per_card.entry(card.name.clone()).or_default() += 1;
                        p.ntt.card_bytes_to += (32 * size * passes) as u64;
                        p.ntt.card_bytes_from += (32 * size * passes) as u64;
                        p.ntt.card_calls += 1;
                        p.ntt.card_elements += size as u64;
                        p.ntt.card_cycles = p.ntt.card_cycles.saturating_add(cycles);
                    });
                    drop(card);
                    return Ok(self.cpu.upload(&[&out])?.pop().expect("one handle"));
                }
                card.failed(&DeviceError::Protocol(CHECK_FAILED.into()), CHECK_FAILED);
                CHECK_FAILED.to_string()
            }
            Err(DeviceError::Unsupported(m)) => {
                // Beyond the card's limits: routed to the CPU, the card neither reset nor blamed.
                self.record(|p| p.ntt.card_time += card_time);
                drop(card);
                return self.ntt_cpu(h, log_size, kind, Some(&cannot_serve(&m)), None);
            }
            Err(e) => {
                self.record(|p| p.ntt.card_time += card_time);
                let why = reason(&e);
                card.failed(&e, &why);
                why
            }
        };
        drop(card);
        self.ntt_cpu(h, log_size, kind, None, Some(failure))
    }

    fn ntt_cpu(&self, h: &PolyHandle, log_size: u32, kind: NttKind, routed: Option<&str>, fallback: Option<String>) -> Result<PolyHandle, BackendError> {
        let t = Instant::now();
        let out = self.cpu.ntt_unchecked(&[h], log_size, kind)?.pop().expect("one output");
        self.record(|p| {
            p.ntt.cpu_calls += 1;
            p.ntt.cpu_elements += 1 << log_size;
            p.ntt.cpu_time += t.elapsed();
            if let Some(why) = routed {
                *p.ntt.cpu_reasons.entry(why.into()).or_default() += 1;
            }
            if let Some(why) = fallback {
                *p.ntt.fallbacks.entry(why).or_default() += 1;
            }
        });
        Ok(out)
    }
}

/// `v[j] *= s^j`.
fn scale_by_powers(v: &mut [Fr], s: Fr) {
    let mut p = Fr::one();
    for x in v {
        *x *= p;
        p *= s;
    }
}

impl Backend for AccelBackend {
    fn name(&self) -> String {
        let cards: Vec<String> = self.cards.iter().map(|c| lock_card(c).name.clone()).collect();
        format!("accel [{}] with {} as fallback", cards.join(", "), self.cpu.name())
    }

    /// Keeps the bases on the host (for the CPU path) and loads them into every healthy MSM
    /// card's memory (once per base set; a card that cannot take them serves those MSMs on the
    /// CPU and the profile says why).
    fn load_bases(&self, id: BasesId, bases: &[G1Affine]) -> Result<BasesHandle, BackendError> {
        let handle = self.cpu.load_bases(id, bases)?;
        for m in self.cards_with(Kernel::Msm) {
            let mut card = lock_card(m);
            let t = Instant::now();
            let CardDev::Msm(msm) = &mut card.dev else { continue };
            if msm.has_bases(&id) || bases.is_empty() {
                continue;
            }
            match msm.load_bases(id, bases) {
                Ok(()) => {
                    let last = msm.last();
                    card.succeeded();
                    self.record(|p| {
                        p.msm.card_time += t.elapsed();
                        p.msm.card_cycles = p.msm.card_cycles.saturating_add(last.cycles);
                        p.msm.card_bytes_to += last.bytes_to_card;
                    });
                }
                Err(e @ DeviceError::Unsupported(_)) => {
                    card.refused_bases.insert(id, e.to_string());
                }
                Err(e) => {
                    let why = reason(&e);
                    card.refused_bases.insert(id, why.clone());
                    card.failed(&e, &why);
                }
            }
        }
        Ok(handle)
    }

    fn has_bases(&self, id: &BasesId) -> bool {
        self.cpu.has_bases(id)
    }

    /// Drops the host copy and gives the set's slot and card memory back on every MSM card (a
    /// card that refused the set forgets why, so that a later load tries again).
    fn release_bases(&self, bases: &BasesHandle) {
        self.cpu.release_bases(bases);
        for m in &self.cards {
            let mut card = lock_card(m);
            card.refused_bases.remove(&bases.id);
            if let CardDev::Msm(msm) = &mut card.dev {
                msm.unload_bases(&bases.id);
            }
        }
    }

    fn upload(&self, values: &[&[Fr]]) -> Result<Vec<PolyHandle>, BackendError> {
        self.cpu.upload(values)
    }

    fn download(&self, poly: &PolyHandle) -> Result<Vec<Fr>, BackendError> {
        self.cpu.download(poly)
    }

    fn release(&self, poly: PolyHandle) {
        self.cpu.release(poly)
    }

    /// Each MSM goes to a healthy card holding its bases (the batch split across such cards, in
    /// parallel), else to the CPU with the reason; a card call that fails is recomputed on the
    /// CPU and counted.
    fn msm_unchecked(&self, jobs: &[MsmJob<'_>]) -> Result<Vec<G1Projective>, BackendError> {
        self.across_cards(Kernel::Msm, jobs.len(), |card, i| self.msm_one(card, &jobs[i])).into_iter().collect()
    }

    /// A batch of transforms is split across the healthy cards with the NTT kernel (transform
    /// `i` to card `i mod cards`, the cards in parallel); a transform whose card fails falls
    /// back to the CPU alone.
    fn ntt_unchecked(&self, polys: &[&PolyHandle], log_size: u32, kind: NttKind) -> Result<Vec<PolyHandle>, BackendError> {
        let results = self.across_cards(Kernel::Ntt, polys.len(), |card, i| self.ntt_one(card, polys[i], log_size, kind));
        if results.iter().any(|r| r.is_err()) {
            let mut first_err = None;
            for r in results {
                match r {
                    Ok(h) => self.cpu.release(h),
                    Err(e) => first_err = first_err.or(Some(e)),
                }
            }
            return Err(first_err.expect("an error"));
        }
        Ok(results.into_iter().map(|r| r.expect("checked")).collect())
    }

    /// On a card with the lookup kernel, every inverse checked (`accel::lookup`); else, or after
    /// a failed card call, on the CPU.
    fn batch_invert(&self, values: &mut [Fr]) -> Result<(), BackendError> {
        let why = match self.batch_invert_card(values) {
            Ok(()) => return Ok(()),
            Err(why) => why,
        };
        let t = Instant::now();
        self.cpu.batch_invert(values)?;
        self.record_lookup_cpu(values.len(), t, why);
        Ok(())
    }

    /// On a card with the lookup kernel when the table is a run (`accel::lookup`), the counts
    /// checked; else, or after a failed card call, on the CPU.
    fn lookup_multiplicities(&self, table: &[&[Fr]], inputs: &[&[Fr]]) -> Result<Multiplicities, BackendError> {
        let why = match self.multiplicities_card(table, inputs) {
            Ok(m) => return Ok(m),
            Err(why) => why,
        };
        let t = Instant::now();
        let m = self.cpu.lookup_multiplicities(table, inputs)?;
        self.record_lookup_cpu(inputs.first().map_or(0, |c| c.len()), t, why);
        Ok(m)
    }
}

impl AccelBackend {
    /// Runs `call(card, i)` for `i` in `0..n`, item `i` on the `i mod cards`-th healthy card with
    /// `kernel` (the cards in parallel, each on its own thread), or on no card when none has it;
    /// the results in item order.
    fn across_cards<T: Send>(
        &self,
        kernel: Kernel,
        n: usize,
        call: impl Fn(Option<&Mutex<Card>>, usize) -> Result<T, BackendError> + Sync,
    ) -> Vec<Result<T, BackendError>> {
        let cards = self.cards_with(kernel);
        if cards.len() <= 1 || n <= 1 {
            return (0..n).map(|i| call(cards.first().copied(), i)).collect();
        }
        let (call, n_cards) = (&call, cards.len());
        let shares: Vec<Vec<(usize, Result<T, BackendError>)>> = std::thread::scope(|s| {
            let workers: Vec<_> = cards
                .iter()
                .enumerate()
                .map(|(c, &card)| s.spawn(move || (c..n).step_by(n_cards).map(|i| (i, call(Some(card), i))).collect()))
                .collect();
            workers.into_iter().map(|w| w.join().expect("card worker")).collect()
        });
        let mut out: Vec<Option<Result<T, BackendError>>> = (0..n).map(|_| None).collect();
        for (i, r) in shares.into_iter().flatten() {
            out[i] = Some(r);
        }
        out.into_iter().map(|r| r.expect("every item assigned")).collect()
    }

    /// One MSM: on `card` when it is healthy and holds the bases and the MSM has at least
    /// [`AccelBackend::min_msm_points`] points, else on the CPU.
    fn msm_one(&self, card: Option<&Mutex<Card>>, job: &MsmJob<'_>) -> Result<G1Projective, BackendError> {
        let min = self.min_msm_points();
        if job.scalars.len > 0 && job.scalars.len < min && card.is_some() {
            return self.msm_cpu(job, Some(format!("an MSM of fewer than {min} points (the CPU's whole MSM costs less than a card call)")), None);
        }
        let mut card = match card {
            None => return self.msm_cpu(job, Some(self.no_card_reason(Kernel::Msm).into()), None),
            Some(m) => lock_card(m),
        };
        if card.dead.is_some() {
            return self.msm_cpu(job, Some("no healthy card has an MSM kernel".into()), None);
        }
        if let Some(why) = card.refused_bases.get(&job.bases.id) {
            let why = format!("the card could not take these bases: {why}");
            return self.msm_cpu(job, Some(why), None);
        }
        let device_nanos = card.device_nanos.clone();
        let CardDev::Msm(msm) = &mut card.dev else { unreachable!("cards_with(Msm) holds MSM cards") };
        if job.scalars.len == 0 || !msm.has_bases(&job.bases.id) {
            let why = if job.scalars.len == 0 { "an empty MSM" } else { "these bases are not resident on the card" };
            drop(card);
            return self.msm_cpu(job, Some(why.into()), None);
        }
        let scalars = self.cpu.download(job.scalars)?;
        let (t, d0) = (Instant::now(), device_time::total(&device_nanos));
        let result = msm.msm(&job.bases.id, &scalars);
        let last = msm.last();
        let (elapsed, on_device) = (t.elapsed(), device_time::total(&device_nanos).saturating_sub(d0));
        self.record(|p| {
            p.msm.card_time += elapsed;
            p.msm.card_host_time += elapsed.saturating_sub(on_device);
            p.msm.card_bytes_to += last.bytes_to_card;
            p.msm.card_bytes_from += last.bytes_from_card;
        });
        match result {
            Ok(point) => {
                card.succeeded();
                self.record(|p| {
                    *p.msm.per_card.entry(card.name.clone()).or_default() += 1;
                    p.msm.card_calls += 1;
                    p.msm.card_elements += scalars.len() as u64;
                    p.msm.card_cycles = p.msm.card_cycles.saturating_add(last.cycles);
                });
                Ok(point)
            }
            Err(DeviceError::Unsupported(m)) => {
                // Beyond the card's limits: routed to the CPU, the card neither reset nor blamed.
                drop(card);
                self.msm_cpu(job, Some(cannot_serve(&m)), None)
            }
            Err(e) => {
                let why = reason(&e);
                card.failed(&e, &why);
                drop(card);
                self.msm_cpu(job, None, Some(why))
            }
        }
    }

    fn msm_cpu(&self, job: &MsmJob<'_>, routed: Option<String>, fallback: Option<String>) -> Result<G1Projective, BackendError> {
        let t = Instant::now();
        let out = self.cpu.msm_unchecked(std::slice::from_ref(job))?.pop().expect("one result");
        self.record(|p| {
            p.msm.cpu_calls += 1;
            p.msm.cpu_elements += job.scalars.len as u64;
            p.msm.cpu_time += t.elapsed();
            if let Some(why) = routed {
                *p.msm.cpu_reasons.entry(why).or_default() += 1;
            }
            if let Some(why) = fallback {
                *p.msm.fallbacks.entry(why).or_default() += 1;
            }
        });
        Ok(out)
    }

    /// A lookup helper call the CPU served: routed there for `why`, or (empty `why`) after a
    /// card call that failed and was already counted as a fallback.
    fn record_lookup_cpu(&self, elements: usize, t: Instant, why: String) {
        self.record(|p| {
            p.lookup.cpu_calls += 1;
            p.lookup.cpu_elements += elements as u64;
            p.lookup.cpu_time += t.elapsed();
            if !why.is_empty() {
                *p.lookup.cpu_reasons.entry(why).or_default() += 1;
            }
        });
    }
}
