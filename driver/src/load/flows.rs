//! The per-target load flows: which commands load a bitstream, and how their answers are read.
//!
//! * AWS F2: `fpga-load-local-image -S <slot> -I <agfi-id>`, then
//!   `fpga-describe-local-image -S <slot> -R -H` until the slot reports the image `loaded`
//!   (bounded by the timeout); its `AFIDEVICE` line gives the card's PCIe address;
//! * Alveo over JTAG: `vivado -mode batch -source program_jtag.tcl -tclargs <bit>` (the generated
//!   script, which prints [`JTAG_DONE_MARKER`] when the device reports DONE);
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
    /// The image in the slot (`agfi-…`, or `none`).
    pub image: String,
    /// `loaded`, `busy`, `cleared`, `load-failed`, …
    pub status: String,
    /// The card's PCIe address (`AFIDEVICE` line), when printed.
    pub dbdf: Option<String>,
}

/// Parses `fpga-describe-local-image -S <slot> -R -H` output:
///
/// ```text
/// Type  FpgaImageSlot  FpgaImageId             StatusName    StatusCode   ErrorName    ErrorCode   ShVersion
/// AFI          0       agfi-0123456789abcdef0  loaded            0        ok               0       0x04261818
/// Type  FpgaImageSlot  VendorId    DeviceId    DBDF
/// AFIDEVICE    0       0x1d0f      0x9048      0000:34:00.0
/// ```
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
    if afi.len() < 4 {
        return Err(format!("the 'AFI' line has {} fields, expected at least 4", afi.len()));
    }
    let slot = afi[1].parse::<u32>().map_err(|_| format!("slot '{}' is not a number", afi[1]))?;
    let image = afi[2].to_string();
    if !(image == "none" || super::manifest::is_agfi_id(&image)) {
        return Err(format!("image id '{image}' is neither an AGFI id nor 'none'"));
    }
    let status = afi[3].to_string();
    if status.is_empty() || !status.bytes().all(|b| b.is_ascii_lowercase() || b == b'-' || b == b'_') {
        return Err(format!("status '{status}' is not a status name"));
    }
    let dbdf = text
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .find(|t| t.first() == Some(&"AFIDEVICE") && t.len() >= 5)
        .map(|t| t[4].to_string())
        .filter(|d| is_bdf(d));
    Ok(F2SlotStatus { slot, image, status, dbdf })
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

/// The F2 describe command for `slot`.
pub fn f2_describe_cmd(slot: u32) -> Cmd {
    Cmd::new(&["fpga-describe-local-image", "-S", &slot.to_string(), "-R", "-H"])
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

/// Polls the describe command every `interval` until `slot` reports `agfi` loaded, at most until
/// `deadline`. A failed status ends it at once.
pub fn f2_wait_loaded(
    slot: u32,
    agfi: &str,
    path: Option<&OsStr>,
    deadline: Instant,
    total: Duration,
    interval: Duration,
) -> Result<F2SlotStatus, LoadError> {
    let mut last = String::from("(never answered)");
    let mut answered = false;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(LoadError::Timeout {
                tool: "fpga-describe-local-image".into(),
                secs: total.as_secs_f64(),
                what: format!("slot {slot} to report {agfi} loaded; last answer: {last}"),
            });
        }
        let st = match f2_describe(slot, path, left) {
            // Cut short by the deadline after earlier answers: the image did not load in time.
            Err(LoadError::Tool(ToolError::Timeout { .. })) if answered => {
                return Err(LoadError::Timeout {
                    tool: "fpga-describe-local-image".into(),
                    secs: total.as_secs_f64(),
                    what: format!("slot {slot} to report {agfi} loaded; last answer: {last}"),
                })
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
        if st.status == "loaded" && st.image == agfi {
            return Ok(st);
        }
        last = format!("image {} status {}", st.image, st.status);
        std::thread::sleep(interval.min(deadline.saturating_duration_since(Instant::now())));
    }
}
