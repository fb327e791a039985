//! The per-target load flows: which commands load a bitstream, and how their answers are read.
//!
//! * AWS F2: `fpga-load-local-image -S <slot> -I <agfi-id>` (synchronous: it waits for the load
//!   and then removes and rescans the slot's PCI functions itself), then
//!   `fpga-describe-local-image -S <slot> -H` until the slot reports the image `loaded` with the
//!   card's PCIe address (`AFIDEVICE` line), bounded by the timeout. Never with `-R`: that removes
//!   and rescans the slot's application functions (`fpga_pci_rescan_slot_app_pfs`), which deletes
//!   the resource files a running prover has mapped and drops a `vfio-pci` binding — a status
//!   query must not do that;
//! * Alveo over JTAG: the card's function is removed from the PCI bus (`<BDF>/remove`), then
//!   `vivado -mode batch -source program_jtag.tcl -tclargs <bit> [<jtag-target>]` (the generated
//!   script, which prints [`JTAG_DONE_MARKER`] when the device reports DONE), then the bus is
//!   rescanned and the function waited for ([`super::pci`]);
//! * Alveo with XRT: `xrt-smi program -d <bdf> -u <xclbin>`;
//! * ECP5: `openFPGALoader [-b <board>] <bit>`.

use std::ffi::OsStr;
use std::time::{Duration, Instant};

use super::tool::{self, ToolError, ToolOutput};
use super::LoadError;

/// The line the generated JTAG script prints after the device reports DONE.
pub const JTAG_DONE_MARKER: &str = "ZKACCEL_JTAG_PROGRAMMED";

/// One command of a flow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cmd {
    /// Program and arguments.
    pub argv: Vec<String>,
}

impl Cmd {
    pub fn new(argv: &[&str]) -> Self {
        Self { argv: argv.iter().map(|s| s.to_string()).collect() }
    }

    /// The command as one shell-like line.
    pub fn line(&self) -> String {
        self.argv
            .iter()
            .map(|a| if a.is_empty() || a.contains(char::is_whitespace) { format!("'{a}'") } else { a.clone() })
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Runs it (bounded by `timeout`); a tool that cannot start or does not finish is an error.
    pub fn run(&self, path: Option<&OsStr>, timeout: Duration) -> Result<ToolOutput, LoadError> {
        tool::run(&self.argv[0], &self.argv[1..], path, timeout).map_err(LoadError::Tool)
    }

    /// Runs it and requires exit status 0.
    pub fn run_ok(&self, path: Option<&OsStr>, timeout: Duration) -> Result<ToolOutput, LoadError> {
        let out = self.run(path, timeout)?;
        if out.status != Some(0) {
            return Err(LoadError::ToolFailed {
                tool: self.argv[0].clone(),
                command: self.line(),
                status: out.status.map_or("killed by a signal".into(), |c| format!("exit status {c}")),
                output: out.tail(),
            });
        }
        Ok(out)
    }
}

/// What `fpga-describe-local-image -H` says about a slot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct F2SlotStatus {
    /// The slot number the tool printed.
    pub slot: u32,
    /// The image in the slot: `agfi-…`, or `none` when the slot holds none (the tool prints
    /// `none` or `No AFI`).
    pub image: String,
    /// `loaded`, `busy`, `cleared`, `load-failed`, …
    pub status: String,
    /// The card's PCIe address (`AFIDEVICE` line), when printed (`AFIDEVICE    unknown …` when
    /// the tool found no application function).
    pub dbdf: Option<String>,
}

/// Parses `fpga-describe-local-image -S <slot> -H` output:
///
/// ```text
/// Type  FpgaImageSlot  FpgaImageId             StatusName    StatusCode   ErrorName    ErrorCode   ShVersion
/// AFI          0       agfi-0123456789abcdef0  loaded            0        ok               0       0x04261818
/// Type  FpgaImageSlot  VendorId    DeviceId    DBDF
/// AFIDEVICE    0       0x1d0f      0x9048      0000:34:00.0
/// ```
///
/// A cleared slot prints `No AFI` (two words) as its image id
/// (`AFI          0       No AFI                  cleared           1        ok  0  0x10212415`), so
/// the image id is whatever lies between the slot and the last five fields (status name and
/// code, error name and code, shell version), which never contain spaces.
///
/// (format of `cli_show_image_info` and `cli_show_slot_app_pfs` in aws/aws-fpga
/// `sdk/userspace/fpga_mgmt_tools/src/fpga_local_cmd.c`; status names from `FPGA_STATUS2STR` in
/// `sdk/userspace/include/hal/fpga_common.h`: `loaded`, `cleared`, `busy`, `not-programmed`,
/// `afi-cache-in-progress`, `rl-reload-needed-drop-pci-link`, `load-failed`, `internal-error`).
/// `Err` says what is missing (the caller adds the tool and its output).
pub fn parse_f2_describe(text: &str) -> Result<F2SlotStatus, String> {
    let afi = text
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .find(|t| t.first() == Some(&"AFI"))
        .ok_or("no 'AFI' line")?;
    // AFI, slot, the image id (one or more words), then the five trailing fields.
    if afi.len() < 8 {
        return Err(format!(
            "the 'AFI' line has {} fields, expected 8 (type, slot, image id, status name and code, error name and code, shell version)",
            afi.len()
        ));
    }
    let slot = afi[1].parse::<u32>().map_err(|_| format!("slot '{}' is not a number", afi[1]))?;
    let tail = &afi[afi.len() - 5..];
    let (status, code, err_code, sh) = (tail[0], tail[1], tail[3], tail[4]);
    if code.parse::<i32>().is_err() || err_code.parse::<i32>().is_err() {
        return Err(format!("status code '{code}' or error code '{err_code}' is not a number"));
    }
    if !sh.starts_with("0x") {
        return Err(format!("shell version '{sh}' is not 0x and hex digits"));
    }
    let image = match afi[2..afi.len() - 5].join(" ").as_str() {
        "none" | "No AFI" => "none".to_string(),
        id if super::manifest::is_agfi_id(id) => id.to_string(),
        id => return Err(format!("image id '{id}' is neither an AGFI id (agfi- and 17 lowercase hex digits), 'none' nor 'No AFI'")),
    };
    if status.is_empty() || !status.bytes().all(|b| b.is_ascii_lowercase() || b == b'-' || b == b'_') {
        return Err(format!("status '{status}' is not a status name"));
    }
    let dbdf = text
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .find(|t| t.first() == Some(&"AFIDEVICE") && t.len() >= 5)
        .map(|t| t[4].to_string())
        .filter(|d| is_bdf(d));
    Ok(F2SlotStatus { slot, image, status: status.to_string(), dbdf })
}

/// Whether `s` looks like a PCI address `dddd:bb:dd.f`.
pub fn is_bdf(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 12
        && b[4] == b':'
        && b[7] == b':'
        && b[10] == b'.'
        && s.chars().enumerate().all(|(i, c)| matches!(i, 4 | 7 | 10) || c.is_ascii_hexdigit())
}

/// The F2 describe command for `slot`: read-only (no `-R`, see the module docs).
pub fn f2_describe_cmd(slot: u32) -> Cmd {
    Cmd::new(&["fpga-describe-local-image", "-S", &slot.to_string(), "-H"])
}

/// Runs the describe command once and parses it; the status must be the asked slot's (a tool
/// that describes another slot is garbage, not that slot's state).
pub fn f2_describe(slot: u32, path: Option<&OsStr>, timeout: Duration) -> Result<F2SlotStatus, LoadError> {
    let cmd = f2_describe_cmd(slot);
    let out = cmd.run_ok(path, timeout)?;
    let garbage = |what: String| LoadError::Garbage { tool: "fpga-describe-local-image".into(), what, output: out.tail() };
    let status = parse_f2_describe(&out.stdout).map_err(garbage)?;
    if status.slot != slot {
        return Err(garbage(format!("it describes slot {}, slot {slot} was asked", status.slot)));
    }
    Ok(status)
}

/// Polls the describe command every `interval` until `slot` reports `agfi` loaded — and, when
/// `need_address`, the card's PCIe address (an `AFIDEVICE` line with one: the tool prints
/// `unknown` while it finds no application function) — at most until `deadline`. A failed status
/// ends it at once.
pub fn f2_wait_loaded(
    slot: u32,
    agfi: &str,
    need_address: bool,
    path: Option<&OsStr>,
    deadline: Instant,
    total: Duration,
    interval: Duration,
) -> Result<F2SlotStatus, LoadError> {
    let mut last = String::from("(never answered)");
    let mut answered = false;
    let mut loaded = false;
    let waiting_for = |loaded: bool, last: &str| {
        if loaded {
            format!(
                "slot {slot} to report the card's PCIe address: {agfi} is loaded, but the AFIDEVICE line names no address \
                 (last answer: {last}), so the card cannot be checked; give --bdf to check the card at a known address"
            )
        } else {
            format!("slot {slot} to report {agfi} loaded; last answer: {last}")
        }
    };
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(LoadError::Timeout { tool: "fpga-describe-local-image".into(), secs: total.as_secs_f64(), what: waiting_for(loaded, &last) });
        }
        let st = match f2_describe(slot, path, left) {
            // Cut short by the deadline after earlier answers: the image did not load in time.
            Err(LoadError::Tool(ToolError::Timeout { .. })) if answered => {
                return Err(LoadError::Timeout { tool: "fpga-describe-local-image".into(), secs: total.as_secs_f64(), what: waiting_for(loaded, &last) })
            }
            Err(LoadError::Tool(ToolError::Timeout { output, .. })) => {
                return Err(LoadError::Timeout {
                    tool: "fpga-describe-local-image".into(),
                    secs: total.as_secs_f64(),
                    what: format!("slot {slot} to report {agfi} loaded; the describe command hung. It printed:\n{output}"),
                })
            }
            other => other?,
        };
        answered = true;
        if st.status.contains("fail") || st.status.contains("error") {
            return Err(LoadError::ImageFailed {
                tool: "fpga-describe-local-image".into(),
                problem: format!("slot {slot} reports status '{}' for {}", st.status, st.image),
            });
        }
        loaded = st.status == "loaded" && st.image == agfi;
        if loaded && (st.dbdf.is_some() || !need_address) {
            return Ok(st);
        }
        last = format!("image {} status {}, card address {}", st.image, st.status, st.dbdf.as_deref().unwrap_or("unknown"));
        std::thread::sleep(interval.min(deadline.saturating_duration_since(Instant::now())));
    }
}
