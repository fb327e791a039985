//! The bitstream manifest: what a build contains and how to load it (JSON, schema
//! [`SCHEMA`]). `bitstreams/synth.py manifests` writes the committed ones
//! (`bitstreams/manifests/*.json`); `zkaccel device load` reads one, checks its artefact and,
//! after loading, checks the card against it ([`super::check`]).
//!
//! Every error names the manifest file and the field.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The schema this driver reads.
pub const SCHEMA: &str = "zkaccel-bitstream-manifest/1";

/// An invalid manifest: the file, the field and what is wrong.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{file}: {field}: {problem}")]
pub struct ManifestError {
    /// The manifest file.
    pub file: String,
    /// The JSON field (dotted path; `artefacts[1].sha256`).
    pub field: String,
    /// What is wrong with it.
    pub problem: String,
}

/// Whether the build was run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BuildStatus {
    /// The bitstream was built; its artefacts carry sizes and hashes.
    Built,
    /// The vendor project was generated but never run: there is no bitstream to load.
    GeneratedNotRun,
}

/// How a bitstream reaches the card.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LoadFlow {
    /// AWS EC2 F2: `fpga-load-local-image` of an AGFI into a slot.
    AwsF2,
    /// Alveo: a Vivado batch script programs the `.bit` over JTAG.
    AlveoJtag,
    /// Alveo with an XRT shell: `xrt-smi program` of an `.xclbin`.
    AlveoXrt,
    /// Lattice ECP5: `openFPGALoader` of the `.bit`.
    Ecp5,
}

impl LoadFlow {
    /// The artefact kind this flow loads.
    pub fn bitstream_kind(self) -> ArtefactKind {
        match self {
            LoadFlow::AwsF2 => ArtefactKind::Agfi,
            LoadFlow::AlveoJtag | LoadFlow::Ecp5 => ArtefactKind::Bit,
            LoadFlow::AlveoXrt => ArtefactKind::Xclbin,
        }
    }

    /// The name in manifests.
    pub fn name(self) -> &'static str {
        match self {
            LoadFlow::AwsF2 => "aws-f2",
            LoadFlow::AlveoJtag => "alveo-jtag",
            LoadFlow::AlveoXrt => "alveo-xrt",
            LoadFlow::Ecp5 => "ecp5",
        }
    }
}

/// What an artefact is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ArtefactKind {
    /// An AWS FPGA image (loaded by `agfi_id`; `path`, if any, is the checkpoint tarball it was
    /// made from).
    Agfi,
    /// A bitstream file (Xilinx `.bit`, ECP5 `.bit`).
    Bit,
    /// An XRT container.
    Xclbin,
    /// A generated source of the build (wrapper RTL, TCL, constraints), committed.
    Source,
}

/// Where the card is and what loads it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// How the bitstream is loaded.
    pub flow: LoadFlow,
    /// FPGA family (`xcup`, `ecp5`).
    pub family: String,
    /// The FPGA part the build targets.
    pub part: String,
    /// The board or instance.
    pub board: String,
    /// The shell/platform around the card.
    pub shell: String,
    /// The programmer the load tool is told to use, where it needs one (ECP5: an
    /// `openFPGALoader -b` board name); `null` otherwise.
    #[serde(default)]
    pub programmer: Option<String>,
}

/// Which RTL the build is made of.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rtl {
    /// The card top (`card_full`).
    pub top: String,
    /// `CardConfig::ntt_k`.
    pub ntt_k: u32,
    /// `CardConfig::msm_log_depth`.
    pub msm_log_depth: u32,
    /// SHA-256 of the top's Verilog (`emit_card_verilog`).
    pub verilog_sha256: String,
    /// Commit the manifest was generated at.
    pub commit: String,
}

/// Identity registers the card reports.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Card {
    /// `Reg::Id`.
    pub id: u32,
    /// `Reg::Version`.
    pub regmap_version: u32,
    /// `Reg::Kernels`.
    pub kernels_mask: u32,
}

/// The NTT kernel.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NttKernel {
    /// `Reg::NttMaxLogN`: the buffer is `2^max_log_n` points.
    pub max_log_n: u32,
}

/// The MSM kernel.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MsmKernel {
    /// `Reg::MsmLogDepth`: bucket memory `2^bucket_log_depth` entries.
    pub bucket_log_depth: u32,
    /// Smallest window size.
    pub c_min: u32,
    /// `Reg::MsmMaxC`.
    pub c_max: u32,
}

/// The lookup kernel.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LookupKernel {
    /// Table of `2^table_log_size` entries.
    pub table_log_size: u32,
}

/// Kernels in the build; an absent kernel is `null`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Kernels {
    pub ntt: Option<NttKernel>,
    pub msm: Option<MsmKernel>,
    pub lookup: Option<LookupKernel>,
}

/// Whether a clock was measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClockSource {
    /// From timing analysis after place and route of this build.
    Measured,
    /// A target, not checked by any timing analysis.
    Assumed,
}

/// The kernel clock.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KernelClock {
    /// Frequency in MHz; the card reports it in kHz (`Reg::ClockKhz`).
    pub mhz: f64,
    /// Measured or assumed.
    pub source: ClockSource,
    /// Where the figure comes from.
    pub note: String,
}

impl KernelClock {
    /// The clock the card's `ClockKhz` register should read.
    pub fn khz(&self) -> u32 {
        (self.mhz * 1000.0).round() as u32
    }
}

/// One artefact of the build.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Artefact {
    /// File name.
    pub name: String,
    /// What it is.
    pub kind: ArtefactKind,
    /// Path relative to the manifest's directory (absent: no local file, e.g. an AGFI).
    pub path: Option<String>,
    /// Size in bytes (absent until built).
    pub size: Option<u64>,
    /// SHA-256, lowercase hex (absent until built).
    pub sha256: Option<String>,
    /// AWS: the global FPGA image id (`agfi-` and 17 hex digits).
    #[serde(default)]
    pub agfi_id: Option<String>,
    /// Committed to the repository (small generated sources) or not (bitstreams).
    pub committed: bool,
}

/// A bitstream manifest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// [`SCHEMA`].
    pub schema: String,
    /// Build name (`aws-f2`, `alveo-u55c`, …).
    pub name: String,
    /// Built, or generated but not run.
    pub status: BuildStatus,
    /// Why the status is what it is (e.g. "Vivado is not available on the machine that
    /// generated it").
    pub status_note: String,
    pub target: Target,
    pub rtl: Rtl,
    pub card: Card,
    pub kernels: Kernels,
    pub kernel_clock: KernelClock,
    /// Tool name → version (generator, synthesis, vendor tools the flow expects).
    pub tools: BTreeMap<String, String>,
    pub artefacts: Vec<Artefact>,
}

fn is_sha256(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Whether `s` is an AWS global FPGA image id: `agfi-` and 17 lower-case hex digits, as AWS
/// issues them and as `fpga-describe-local-image` prints them (`"agfi-0%016" PRIx64`). An
/// upper-case id is refused: the loaded slot's id (lower case) would never equal it.
pub fn is_agfi_id(s: &str) -> bool {
    s.strip_prefix("agfi-").is_some_and(|h| h.len() == 17 && h.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
}

impl Manifest {
    /// Reads and validates the manifest at `path`: a regular file of at most
    /// [`super::files::MANIFEST_MAX`] bytes of UTF-8.
    pub fn load(path: &Path) -> Result<Self, ManifestError> {
        let file = path.display().to_string();
        let cannot = |problem: String| ManifestError { file: file.clone(), field: "(file)".into(), problem };
        let bytes = super::files::read_bounded(path, super::files::MANIFEST_MAX).map_err(|e| cannot(format!("cannot read: {e}")))?;
        let text = String::from_utf8(bytes).map_err(|e| cannot(format!("cannot read: not UTF-8 text ({e})")))?;
        Self::parse(&text, &file)
    }

    /// Parses and validates manifest text; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Self, ManifestError> {
        let v: serde_json::Value = serde_json::from_str(text).map_err(|e| ManifestError {
            file: file.into(),
            field: "(json)".into(),
            problem: format!("not JSON: {e}"),
        })?;
        match v.get("schema").and_then(|s| s.as_str()) {
            Some(SCHEMA) => {}
            Some(other) => {
                return Err(ManifestError {
                    file: file.into(),
                    field: "schema".into(),
                    problem: format!("'{other}' is not '{SCHEMA}' (the schema this zkaccel reads)"),
                })
            }
            None => {
                return Err(ManifestError { file: file.into(), field: "schema".into(), problem: format!("missing; expected '{SCHEMA}'") })
            }
        }
        // Parsed from the text again (not from `v`) so that the error carries a line and column.
        let m: Manifest = serde_json::from_str(text).map_err(|e| ManifestError {
            file: file.into(),
            field: field_of_serde_error(&e.to_string()),
            problem: e.to_string(),
        })?;
        m.validate(file)?;
        Ok(m)
    }

    /// Checks the values (ranges, consistency, hashes), naming the field of the first problem.
    pub fn validate(&self, file: &str) -> Result<(), ManifestError> {
        let err = |field: &str, problem: String| Err(ManifestError { file: file.into(), field: field.into(), problem });
        if self.name.is_empty() {
            return err("name", "empty".into());
        }
        if self.target.part.is_empty() {
            return err("target.part", "empty".into());
        }
        if !is_sha256(&self.rtl.verilog_sha256) {
            return err("rtl.verilog_sha256", format!("'{}' is not 64 lowercase hex digits", self.rtl.verilog_sha256));
        }
        if self.card.id != zkaccel_interface::regs::CARD_ID {
            return err("card.id", format!("{:#x} is not the zkaccel card ID {:#x}", self.card.id, zkaccel_interface::regs::CARD_ID));
        }
        use zkaccel_interface::regs::Kernel;
        let k = &self.kernels;
        let mask = k.ntt.as_ref().map_or(0, |_| Kernel::Ntt as u32)
            | k.msm.as_ref().map_or(0, |_| Kernel::Msm as u32)
            | k.lookup.as_ref().map_or(0, |_| Kernel::Lookup as u32);
        if mask != self.card.kernels_mask {
            return err("card.kernels_mask", format!("{:#x}, but the kernels listed make {mask:#x}", self.card.kernels_mask));
        }
        if mask == 0 {
            return err("kernels", "no kernel".into());
        }
        if let Some(ntt) = &k.ntt {
            if !(3..=15).contains(&ntt.max_log_n) {
                return err("kernels.ntt.max_log_n", format!("{} is outside 3..=15", ntt.max_log_n));
            }
            if ntt.max_log_n != self.rtl.ntt_k {
                return err("kernels.ntt.max_log_n", format!("{} differs from rtl.ntt_k {}", ntt.max_log_n, self.rtl.ntt_k));
            }
        }
        if let Some(msm) = &k.msm {
            if !(1..=16).contains(&msm.bucket_log_depth) {
                return err("kernels.msm.bucket_log_depth", format!("{} is outside 1..=16", msm.bucket_log_depth));
            }
            if msm.bucket_log_depth != self.rtl.msm_log_depth {
                return err(
                    "kernels.msm.bucket_log_depth",
                    format!("{} differs from rtl.msm_log_depth {}", msm.bucket_log_depth, self.rtl.msm_log_depth),
                );
            }
            if !(2 <= msm.c_min && msm.c_min <= msm.c_max && msm.c_max <= 15 && msm.c_max <= msm.bucket_log_depth + 1) {
                return err(
                    "kernels.msm",
                    format!("window range c_min {}..c_max {} is not within 2..=min(15, bucket_log_depth + 1)", msm.c_min, msm.c_max),
                );
            }
        }
        if let Some(l) = &k.lookup {
            if !(1..=24).contains(&l.table_log_size) {
                return err("kernels.lookup.table_log_size", format!("{} is outside 1..=24", l.table_log_size));
            }
        }
        let c = &self.kernel_clock;
        if !(c.mhz.is_finite() && c.mhz > 0.0 && c.mhz < 2000.0) {
            return err("kernel_clock.mhz", format!("{} is not a clock in MHz", c.mhz));
        }
        if c.source == ClockSource::Measured && self.status != BuildStatus::Built {
            return err("kernel_clock.source", "measured, but the build was not run".into());
        }
        let mut names = std::collections::BTreeSet::new();
        for (i, a) in self.artefacts.iter().enumerate() {
            let f = |x: &str| format!("artefacts[{i}].{x}");
            if a.name.is_empty() || !names.insert(a.name.clone()) {
                return err(&f("name"), format!("'{}' is empty or repeated", a.name));
            }
            if !is_plain_file_name(&a.name) {
                return err(&f("name"), format!("'{}' must be a plain file name (no '/', not '.' or '..'): it names the file in --artefacts DIR", a.name));
            }
            if let Some(p) = &a.path {
                if p.is_empty() || Path::new(p).is_absolute() {
                    return err(&f("path"), format!("'{p}' must be relative to the manifest's directory"));
                }
            }
            if let Some(s) = &a.sha256 {
                if !is_sha256(s) {
                    return err(&f("sha256"), format!("'{s}' is not 64 lowercase hex digits"));
                }
            }
            if a.sha256.is_some() != a.size.is_some() {
                return err(&f("size"), "size and sha256 go together".into());
            }
            if a.kind == ArtefactKind::Source && (a.path.is_none() || a.sha256.is_none() || !a.committed) {
                return err(&f("kind"), "a source artefact is committed, with a path, size and sha256".into());
            }
            if let Some(id) = &a.agfi_id {
                if a.kind != ArtefactKind::Agfi {
                    return err(&f("agfi_id"), "only an agfi artefact has an agfi_id".into());
                }
                if !is_agfi_id(id) {
                    return err(
                        &f("agfi_id"),
                        format!("'{id}' is not 'agfi-' and 17 hex digits in lower case (as AWS issues it and fpga-describe-local-image prints it)"),
                    );
                }
            }
        }
        let want = self.target.flow.bitstream_kind();
        let bits: Vec<usize> = (0..self.artefacts.len()).filter(|&i| self.artefacts[i].kind == want).collect();
        if bits.len() != 1 {
            return err(
                "artefacts",
                format!("a {} build lists exactly one {:?} artefact, found {}", self.target.flow.name(), want, bits.len()),
            );
        }
        let (i, b) = (bits[0], &self.artefacts[bits[0]]);
        if self.status == BuildStatus::Built {
            match want {
                ArtefactKind::Agfi => {
                    if b.agfi_id.is_none() {
                        return err(&format!("artefacts[{i}].agfi_id"), "missing in a built AWS F2 manifest".into());
                    }
                }
                _ => {
                    if b.path.is_none() || b.sha256.is_none() {
                        return err(&format!("artefacts[{i}].sha256"), "a built bitstream has a path, size and sha256".into());
                    }
                }
            }
        } else if b.sha256.is_some() || b.agfi_id.is_some() {
            return err(&format!("artefacts[{i}]"), "the build was not run, yet the bitstream has a hash or AGFI id".into());
        }
        Ok(())
    }

    /// The artefact the flow loads (validated to exist).
    pub fn bitstream(&self) -> &Artefact {
        let want = self.target.flow.bitstream_kind();
        self.artefacts.iter().find(|a| a.kind == want).expect("validated: one bitstream artefact")
    }

    /// The JSON text `synth.py` writes (two-space indent, keys in declaration order, newline).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a manifest serializes") + "\n"
    }
}

/// Whether `name` is one plain path component: not empty, no `/` (nor NUL), not `.` or `..`.
pub fn is_plain_file_name(name: &str) -> bool {
    !name.is_empty() && name != "." && name != ".." && !name.contains(['/', '\0'])
}

/// Where an artefact lies: `dir/<name>` for a built (uncommitted) artefact when an artefact
/// directory is given, else its path relative to the manifest's directory. `None` for an
/// artefact without a local file. The name of a validated manifest is a plain file name, so the
/// path stays in `dir`; an unvalidated one that is not names no file there (`dir/`).
pub fn artefact_path(manifest_path: &Path, dir: Option<&Path>, a: &Artefact) -> Option<PathBuf> {
    let rel = a.path.as_ref()?;
    Some(match dir {
        Some(d) if !a.committed => d.join(if is_plain_file_name(&a.name) { a.name.as_str() } else { "" }),
        _ => manifest_path.parent().map(Path::to_path_buf).unwrap_or_default().join(rel),
    })
}

/// serde's messages say "missing field `x`" or "unknown field `x`": the field is `x`; other
/// problems (a wrong type or variant) are located by the line and column in the message.
fn field_of_serde_error(msg: &str) -> String {
    match msg.split('`').collect::<Vec<_>>()[..] {
        [head, name, ..] if head.starts_with("missing field ") || head.starts_with("unknown field ") => name.to_string(),
        _ => "(structure)".into(),
    }
}
