//! After loading: is the card that answers the build the manifest describes? Reads the identity
//! and kernel registers over any [`Device`] and compares each with the manifest field.

use zkaccel_interface::regs::{Reg, GONE, REGMAP_VERSION};

use super::manifest::Manifest;
use crate::device::{Device, DeviceError};

/// What the card reported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CardReport {
    pub id: u32,
    pub regmap_version: u32,
    pub kernels_mask: u32,
    pub clock_khz: u32,
    /// `NttMaxLogN` (when the card has the NTT kernel).
    pub ntt_max_log_n: Option<u32>,
    /// `MsmLogDepth` and `MsmMaxC` (when the card has the MSM kernel).
    pub msm_log_depth: Option<u32>,
    pub msm_max_c: Option<u32>,
    /// `LookupMaxLogTable` (when the card has the lookup kernel).
    pub lookup_log_table: Option<u32>,
}

/// The card differs from the manifest, or could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CheckError {
    /// A register disagrees with a manifest field.
    #[error("{file}: {field}: the manifest says {want}, the card's {register} register reads {got}; refusing this card")]
    Mismatch { file: String, field: String, register: String, want: String, got: String },
    /// The card did not answer.
    #[error("{file}: reading the card failed: {0}", file = .1)]
    Device(DeviceError, String),
}

/// Reads the card's identity and compares it with `m` (from `file`): ID, register-map version
/// (and that this driver speaks it), kernel mask, clock, and each kernel's size registers.
pub fn check_against_manifest(dev: &mut dyn Device, m: &Manifest, file: &str) -> Result<CardReport, CheckError> {
    let mut rd = |r: Reg| dev.read32(r.offset()).map_err(|e| CheckError::Device(e, file.to_string()));
    let mismatch = |field: &str, register: &str, want: String, got: String| {
        Err(CheckError::Mismatch { file: file.into(), field: field.into(), register: register.into(), want, got })
    };
    let id = rd(Reg::Id)?;
    if id == GONE {
        return mismatch("card.id", "ID", format!("{:#x}", m.card.id), "0xffffffff (no device answers)".into());
    }
    if id != m.card.id {
        return mismatch("card.id", "ID", format!("{:#x}", m.card.id), format!("{id:#x}"));
    }
    let regmap_version = rd(Reg::Version)?;
    if regmap_version != m.card.regmap_version {
        return mismatch("card.regmap_version", "Version", m.card.regmap_version.to_string(), regmap_version.to_string());
    }
    if regmap_version != REGMAP_VERSION {
        return mismatch(
            "card.regmap_version",
            "Version",
            format!("{} (this driver speaks {REGMAP_VERSION})", m.card.regmap_version),
            regmap_version.to_string(),
        );
    }
    let kernels_mask = rd(Reg::Kernels)?;
    if kernels_mask != m.card.kernels_mask {
        return mismatch("card.kernels_mask", "Kernels", format!("{:#x}", m.card.kernels_mask), format!("{kernels_mask:#x}"));
    }
    let clock_khz = rd(Reg::ClockKhz)?;
    if clock_khz != m.kernel_clock.khz() {
        return mismatch("kernel_clock.mhz", "ClockKhz", format!("{} kHz", m.kernel_clock.khz()), format!("{clock_khz} kHz"));
    }
    let mut report =
        CardReport { id, regmap_version, kernels_mask, clock_khz, ntt_max_log_n: None, msm_log_depth: None, msm_max_c: None, lookup_log_table: None };
    if let Some(ntt) = &m.kernels.ntt {
        let k = rd(Reg::NttMaxLogN)?;
        if k != ntt.max_log_n {
            return mismatch("kernels.ntt.max_log_n", "NttMaxLogN", ntt.max_log_n.to_string(), k.to_string());
        }
        report.ntt_max_log_n = Some(k);
    }
    if let Some(msm) = &m.kernels.msm {
        let d = rd(Reg::MsmLogDepth)?;
        if d != msm.bucket_log_depth {
            return mismatch("kernels.msm.bucket_log_depth", "MsmLogDepth", msm.bucket_log_depth.to_string(), d.to_string());
        }
        let c = rd(Reg::MsmMaxC)?;
        if c != msm.c_max {
            return mismatch("kernels.msm.c_max", "MsmMaxC", msm.c_max.to_string(), c.to_string());
        }
        report.msm_log_depth = Some(d);
        report.msm_max_c = Some(c);
    }
    if let Some(lookup) = &m.kernels.lookup {
        let t = rd(Reg::LookupMaxLogTable)?;
        if t != lookup.table_log_size {
            return mismatch("kernels.lookup.table_log_size", "LookupMaxLogTable", lookup.table_log_size.to_string(), t.to_string());
        }
        report.lookup_log_table = Some(t);
    }
    Ok(report)
}
