//! `zkaccel device load` without a card: fake `fpga-load-local-image`, `fpga-describe-local-image`,
//! `vivado`, `xrt-smi` and `openFPGALoader` shell scripts on the loader's PATH record their
//! arguments and succeed, fail, hang or print garbage; a register-level test double plays the
//! card after loading. Checks the commands each flow runs, the SHA-256 check before anything runs,
//! the timeouts, and that the post-load check refuses a card that differs from the manifest.
//! Also: the manifest validation names the field of every problem.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use zkaccel_driver::load::check::CheckError;
use zkaccel_driver::load::manifest::{Artefact, ArtefactKind, BuildStatus, LoadFlow, Manifest, ManifestError};
use zkaccel_driver::load::tool::ToolError;
use zkaccel_driver::load::{load, HashCheck, LoadError, LoadOptions};
use zkaccel_driver::regs::{Reg, CARD_ID, REGMAP_VERSION};
use zkaccel_driver::{Device, DeviceError, Identity};

const AGFI: &str = "agfi-0123456789abcdef0";
const F2_BDF: &str = "0000:34:00.0";

/// A card that is only registers.
struct RegCard(HashMap<u32, u32>);

impl RegCard {
    /// The card a manifest describes.
    fn of(m: &Manifest) -> Self {
        let mut r = HashMap::new();
        r.insert(Reg::Id.offset(), CARD_ID);
        r.insert(Reg::Version.offset(), REGMAP_VERSION);
        r.insert(Reg::Kernels.offset(), m.card.kernels_mask);
        r.insert(Reg::ClockKhz.offset(), m.kernel_clock.khz());
        r.insert(Reg::NttMaxLogN.offset(), m.kernels.ntt.as_ref().unwrap().max_log_n);
        r.insert(Reg::MsmLogDepth.offset(), m.kernels.msm.as_ref().unwrap().bucket_log_depth);
        r.insert(Reg::MsmMaxC.offset(), m.kernels.msm.as_ref().unwrap().c_max);
        if let Some(l) = &m.kernels.lookup {
            r.insert(Reg::LookupMaxLogTable.offset(), l.table_log_size);
        }
        Self(r)
    }
    fn with(mut self, r: Reg, v: u32) -> Self {
        self.0.insert(r.offset(), v);
        self
    }
}

impl Device for RegCard {
    fn read32(&mut self, offset: u32) -> Result<u32, DeviceError> {
        Ok(*self.0.get(&offset).unwrap_or(&0))
    }
    fn write32(&mut self, _: u32, _: u32) -> Result<(), DeviceError> {
        Err(DeviceError::Unsupported("register test double".into()))
    }
    fn stream_to_card(&mut self, _: &[u8], _: Duration) -> Result<(), DeviceError> {
        Err(DeviceError::Unsupported("register test double".into()))
    }
    fn stream_from_card(&mut self, _: usize, _: Duration) -> Result<Vec<u8>, DeviceError> {
        Err(DeviceError::Unsupported("register test double".into()))
    }
    fn wait_done(&mut self, _: u32, _: Duration) -> Result<(), DeviceError> {
        Err(DeviceError::Unsupported("register test double".into()))
    }
    fn reset(&mut self) -> Result<(), DeviceError> {
        Ok(())
    }
    fn identify(&mut self) -> Result<Identity, DeviceError> {
        Err(DeviceError::Unsupported("register test double".into()))
    }
}

/// A scratch directory with a `bin/` of fake tools and a log of their calls.
struct Bench {
    dir: PathBuf,
}

impl Bench {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("zkaccel-load-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("bin")).unwrap();
        // A fake sysfs: the bus's rescan attribute (a JTAG load writes it; never the real /sys).
        std::fs::create_dir_all(dir.join("sys/bus/pci/devices")).unwrap();
        std::fs::write(dir.join("sys/bus/pci/rescan"), "").unwrap();
        Self { dir }
    }

    /// A fake PCI function at `bdf` in the bench's sysfs, bound to `driver`, with its `remove`.
    fn pci_function(&self, bdf: &str, driver: &str) -> PathBuf {
        let dir = self.dir.join("sys/bus/pci/devices").join(bdf);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("remove"), "").unwrap();
        let drv = self.dir.join("sys/bus/pci/drivers").join(driver);
        std::fs::create_dir_all(&drv).unwrap();
        let _ = std::fs::remove_file(dir.join("driver"));
        std::os::unix::fs::symlink(&drv, dir.join("driver")).unwrap();
        dir
    }

    fn log(&self, line: &str) {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new().create(true).append(true).open(self.dir.join("calls.log")).unwrap();
        writeln!(f, "{line}").unwrap();
    }

    /// A fake tool: records `name args…` in calls.log, then runs `body`.
    fn tool(&self, name: &str, body: &str) -> &Self {
        use std::os::unix::fs::PermissionsExt;
        let p = self.dir.join("bin").join(name);
        let script = format!(
            "#!/bin/sh\nprintf '%s\\n' \"{name} $*\" >> '{log}'\nDIR='{dir}'\n{body}\n",
            log = self.dir.join("calls.log").display(),
            dir = self.dir.display()
        );
        std::fs::write(&p, script).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        self
    }

    fn calls(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.join("calls.log")).map(|s| s.lines().map(String::from).collect()).unwrap_or_default()
    }

    fn opts(&self, timeout_ms: u64) -> LoadOptions {
        LoadOptions {
            timeout: Duration::from_millis(timeout_ms),
            poll_interval: Duration::from_millis(20),
            // The fakes first, then the system's (the fakes use sh, cat, sleep).
            tool_path: Some(
                std::env::join_paths(
                    std::iter::once(self.dir.join("bin")).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
                )
                .unwrap(),
            ),
            sysfs_root: Some(self.dir.join("sys")),
            rescan_wait: Duration::from_secs(2),
            ..LoadOptions::default()
        }
    }

    /// Writes `m` (and a bitstream file for the file-based flows) into the bench; returns the
    /// manifest's path.
    fn manifest(&self, m: &Manifest) -> PathBuf {
        let p = self.dir.join(format!("{}.json", m.name));
        std::fs::write(&p, m.to_json()).unwrap();
        p
    }
}

fn committed(name: &str) -> (PathBuf, Manifest) {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../bitstreams/manifests/{name}.json"));
    let m = Manifest::load(&p).unwrap_or_else(|e| panic!("{e}"));
    (p, m)
}

fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A built variant of a committed manifest, its bitstream (when the flow has a file) written into
/// the bench.
fn built(bench: &Bench, name: &str, flow: LoadFlow) -> Manifest {
    let (_, mut m) = committed(name);
    m.status = BuildStatus::Built;
    m.target.flow = flow;
    m.artefacts.retain(|a| a.kind != ArtefactKind::Source);
    let bits = b"not really a bitstream, but hashed like one".to_vec();
    let a = &mut m.artefacts[0];
    a.kind = flow.bitstream_kind();
    match flow {
        LoadFlow::AwsF2 => a.agfi_id = Some(AGFI.into()),
        _ => {
            a.name = format!("{name}.bit");
            a.path = Some(a.name.clone());
            a.size = Some(bits.len() as u64);
            a.sha256 = Some(sha(&bits));
            std::fs::write(bench.dir.join(&a.name), &bits).unwrap();
        }
    }
    if flow == LoadFlow::AlveoJtag {
        let tcl = b"# program over JTAG (the test's vivado is a fake)\n".to_vec();
        std::fs::write(bench.dir.join("program_jtag.tcl"), &tcl).unwrap();
        m.artefacts.push(Artefact {
            name: "program_jtag.tcl".into(),
            kind: ArtefactKind::Source,
            path: Some("program_jtag.tcl".into()),
            size: Some(tcl.len() as u64),
            sha256: Some(sha(&tcl)),
            agfi_id: None,
            committed: true,
        });
    }
    if flow == LoadFlow::Ecp5 {
        m.target.programmer = Some("ecp5_evn".into());
    }
    m.validate("(test)").unwrap_or_else(|e| panic!("{e}"));
    m
}

/// The F2 describe fake: `busy` for the first `busy` calls, then `final_status` with the AGFI.
fn describe_script(busy: u32, final_status: &str) -> String {
    format!(
        r#"n=$(cat "$DIR/describe.count" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "$DIR/describe.count"
if [ $n -le {busy} ]; then img=none; st=busy; else img={AGFI}; st={final_status}; fi
echo "Type  FpgaImageSlot  FpgaImageId             StatusName    StatusCode   ErrorName    ErrorCode   ShVersion"
printf 'AFI          0       %-22s  %-8s          0        ok               0       0x04261818\n' $img $st
echo "Type  FpgaImageSlot  VendorId    DeviceId    DBDF"
echo "AFIDEVICE    0       0x1d0f      0x9048      {F2_BDF}""#
    )
}

/// An opener that hands out `card` once and records the address it was asked for.
fn opener(card: RegCard, asked: &mut Vec<String>) -> impl FnMut(&str) -> Result<Box<dyn Device>, DeviceError> + '_ {
    let mut card = Some(card);
    move |bdf: &str| {
        asked.push(bdf.to_string());
        card.take().map(|c| Box::new(c) as Box<dyn Device>).ok_or_else(|| DeviceError::Gone("opened twice".into()))
    }
}

#[test]
fn aws_f2_loads_polls_until_loaded_and_checks_the_card() {
    let b = Bench::new("f2-ok");
    b.tool("fpga-load-local-image", "echo 'AFI 0 loading'; exit 0").tool("fpga-describe-local-image", &describe_script(2, "loaded"));
    let m = built(&b, "aws-f2", LoadFlow::AwsF2);
    let path = b.manifest(&m);
    let mut asked = Vec::new();
    let mut open = opener(RegCard::of(&m), &mut asked);
    let r = load(&path, &LoadOptions { slot: Some(0), ..b.opts(10_000) }, &mut open).unwrap_or_else(|e| panic!("{e}"));
    drop(open);
    assert_eq!(
        b.calls(),
        [
            format!("fpga-load-local-image -S 0 -I {AGFI}"),
            "fpga-describe-local-image -S 0 -H".into(),
            "fpga-describe-local-image -S 0 -H".into(),
            "fpga-describe-local-image -S 0 -H".into(),
        ]
    );
    assert_eq!(r.hash, HashCheck::NoLocalFile);
    assert_eq!(r.bdf.as_deref(), Some(F2_BDF));
    assert_eq!(asked, [F2_BDF]);
    let st = r.f2.unwrap();
    assert_eq!((st.slot, st.image.as_str(), st.status.as_str()), (0, AGFI, "loaded"));
    let card = r.card.unwrap();
    assert_eq!((card.id, card.regmap_version, card.kernels_mask), (CARD_ID, REGMAP_VERSION, 7));
    assert_eq!((card.clock_khz, card.ntt_max_log_n, card.msm_log_depth, card.msm_max_c), (250_000, Some(12), Some(16), Some(15)));
    assert_eq!(card.lookup_log_table, Some(10));
}

#[test]
fn aws_f2_failures_are_reported_with_the_tool_and_its_output() {
    // The load command fails.
    let b = Bench::new("f2-fail");
    b.tool("fpga-load-local-image", "echo 'Error: (3) slot busy' >&2; exit 3").tool("fpga-describe-local-image", &describe_script(0, "loaded"));
    let m = built(&b, "aws-f2", LoadFlow::AwsF2);
    let e = load(&b.manifest(&m), &b.opts(5_000), &mut |_: &str| panic!("no card to open")).unwrap_err();
    let s = e.to_string();
    assert!(matches!(e, LoadError::ToolFailed { .. }), "{s}");
    assert!(s.contains("fpga-load-local-image failed (exit status 3)") && s.contains("slot busy"), "{s}");
    assert_eq!(b.calls().len(), 1, "nothing runs after a failed load");

    // The load command hangs: killed at the deadline.
    let b = Bench::new("f2-hang");
    b.tool("fpga-load-local-image", "echo started; sleep 60").tool("fpga-describe-local-image", &describe_script(0, "loaded"));
    let m = built(&b, "aws-f2", LoadFlow::AwsF2);
    let t = Instant::now();
    let e = load(&b.manifest(&m), &b.opts(1_000), &mut |_: &str| panic!("no card to open")).unwrap_err();
    assert!(t.elapsed() < Duration::from_secs(30), "the hang was not cut short");
    match &e {
        LoadError::Tool(ToolError::Timeout { tool, output, .. }) => {
            assert_eq!(tool, "fpga-load-local-image");
            assert_eq!(output, "started");
        }
        other => panic!("expected a timeout, got {other}"),
    }
    assert!(e.to_string().contains("no answer within 1.0 s; killed it"), "{e}");

    // The describe command prints garbage.
    let b = Bench::new("f2-garbage");
    b.tool("fpga-load-local-image", "exit 0").tool("fpga-describe-local-image", "echo 'Segmentation fault?'; echo '%%%'");
    let m = built(&b, "aws-f2", LoadFlow::AwsF2);
    let e = load(&b.manifest(&m), &b.opts(5_000), &mut |_: &str| panic!("no card to open")).unwrap_err();
    let s = e.to_string();
    assert!(matches!(e, LoadError::Garbage { .. }), "{s}");
    assert!(s.contains("fpga-describe-local-image: unexpected output (no 'AFI' line)") && s.contains("Segmentation fault?"), "{s}");

    // The describe command answers for another slot than the one asked (0): not that slot's state.
    let b = Bench::new("f2-other-slot");
    let other = describe_script(0, "loaded").replace("AFI          0", "AFI          5");
    b.tool("fpga-load-local-image", "exit 0").tool("fpga-describe-local-image", &other);
    let m = built(&b, "aws-f2", LoadFlow::AwsF2);
    let e = load(&b.manifest(&m), &b.opts(5_000), &mut |_: &str| panic!("no card to open")).unwrap_err();
    let s = e.to_string();
    assert!(matches!(e, LoadError::Garbage { .. }) && s.contains("it describes slot 5, slot 0 was asked"), "{s}");

    // The slot reports a failed load.
    let b = Bench::new("f2-load-failed");
    b.tool("fpga-load-local-image", "exit 0").tool("fpga-describe-local-image", &describe_script(1, "load-failed"));
    let m = built(&b, "aws-f2", LoadFlow::AwsF2);
    let e = load(&b.manifest(&m), &b.opts(5_000), &mut |_: &str| panic!("no card to open")).unwrap_err();
    assert!(matches!(e, LoadError::ImageFailed { .. }), "{e}");
    assert!(e.to_string().contains("slot 0 reports status 'load-failed'"), "{e}");

    // The slot never finishes loading: bounded wait, the last state named.
    let b = Bench::new("f2-busy");
    b.tool("fpga-load-local-image", "exit 0").tool("fpga-describe-local-image", &describe_script(1_000_000, "loaded"));
    let m = built(&b, "aws-f2", LoadFlow::AwsF2);
    let e = load(&b.manifest(&m), &b.opts(3_000), &mut |_: &str| panic!("no card to open")).unwrap_err();
    let s = e.to_string();
    assert!(matches!(e, LoadError::Timeout { .. }), "{s}");
    assert!(s.contains("gave up after 3.0 s waiting for slot 0 to report") && s.contains("last answer: image none status busy"), "{s}");
    assert!(b.calls().len() >= 3, "it polled: {:?}", b.calls());

    // The describe command hangs while polling.
    let b = Bench::new("f2-describe-hang");
    b.tool("fpga-load-local-image", "exit 0").tool("fpga-describe-local-image", "sleep 60");
    let m = built(&b, "aws-f2", LoadFlow::AwsF2);
    let e = load(&b.manifest(&m), &b.opts(2_000), &mut |_: &str| panic!("no card to open")).unwrap_err();
    assert!(e.to_string().contains("the describe command hung"), "{e}");

    // The tool is not installed.
    let b = Bench::new("f2-missing");
    let m = built(&b, "aws-f2", LoadFlow::AwsF2);
    let e = load(&b.manifest(&m), &b.opts(5_000), &mut |_: &str| panic!("no card to open")).unwrap_err();
    assert!(matches!(e, LoadError::Tool(ToolError::Missing { .. })), "{e}");
    assert!(e.to_string().starts_with("fpga-load-local-image: not found on PATH"), "{e}");
}

#[test]
fn alveo_jtag_runs_the_generated_script_and_requires_its_marker() {
    let b = Bench::new("jtag");
    b.tool("vivado", "echo 'INFO: [Labtools 27-3164] End of startup status: HIGH'; echo ZKACCEL_JTAG_PROGRAMMED");
    let m = built(&b, "alveo-u55c", LoadFlow::AlveoJtag);
    let path = b.manifest(&m);
    let bdf = "0000:3b:00.0";
    b.pci_function(bdf, "xdma");
    let mut asked = Vec::new();
    let mut open = opener(RegCard::of(&m), &mut asked);
    let r = load(&path, &LoadOptions { bdf: Some(bdf.into()), ..b.opts(5_000) }, &mut open).unwrap_or_else(|e| panic!("{e}"));
    drop(open);
    let bit = b.dir.join("alveo-u55c.bit");
    assert_eq!(
        b.calls(),
        [format!("vivado -mode batch -nojournal -nolog -source {} -tclargs {}", b.dir.join("program_jtag.tcl").display(), bit.display())]
    );
    assert_eq!(r.hash, HashCheck::Checked { path: bit, sha256: m.bitstream().sha256.clone().unwrap() });
    assert_eq!(asked, [bdf]);
    assert!(r.card.is_some());

    // Exit status 0 without the marker: the device never reported DONE.
    let b = Bench::new("jtag-garbage");
    b.pci_function(bdf, "xdma");
    b.tool("vivado", "echo '@@@ garbled @@@'; exit 0");
    let m = built(&b, "alveo-u55c", LoadFlow::AlveoJtag);
    let e = load(&b.manifest(&m), &LoadOptions { bdf: Some(bdf.into()), ..b.opts(5_000) }, &mut |_: &str| panic!("no card")).unwrap_err();
    let s = e.to_string();
    assert!(s.contains("vivado: unexpected output (exit status 0 but no 'ZKACCEL_JTAG_PROGRAMMED' line") && s.contains("@@@ garbled @@@"), "{s}");

    // Vivado fails; Vivado hangs.
    let b = Bench::new("jtag-fail");
    b.pci_function(bdf, "xdma");
    b.tool("vivado", "echo 'ERROR: [Labtools 27-2269] No devices detected on target'; exit 1");
    let m = built(&b, "alveo-u55c", LoadFlow::AlveoJtag);
    let e = load(&b.manifest(&m), &LoadOptions { bdf: Some(bdf.into()), ..b.opts(5_000) }, &mut |_: &str| panic!("no card")).unwrap_err();
    assert!(e.to_string().contains("vivado failed (exit status 1)") && e.to_string().contains("No devices detected"), "{e}");
    let b = Bench::new("jtag-hang");
    b.pci_function(bdf, "xdma");
    b.tool("vivado", "sleep 60");
    let m = built(&b, "alveo-u55c", LoadFlow::AlveoJtag);
    let e = load(&b.manifest(&m), &LoadOptions { bdf: Some(bdf.into()), ..b.opts(300) }, &mut |_: &str| panic!("no card")).unwrap_err();
    assert!(e.to_string().starts_with("vivado: no answer within 0.3 s; killed it"), "{e}");

    // Without --bdf the card could be neither found nor checked: refused before anything runs.
    let b = Bench::new("jtag-nobdf");
    b.tool("vivado", "echo ZKACCEL_JTAG_PROGRAMMED");
    let m = built(&b, "alveo-u55c", LoadFlow::AlveoJtag);
    let e = load(&b.manifest(&m), &b.opts(5_000), &mut |_: &str| panic!("no card")).unwrap_err();
    assert!(matches!(e, LoadError::Usage(_)) && e.to_string().contains("needs --bdf"), "{e}");
    assert!(b.calls().is_empty());
}

#[test]
fn alveo_xrt_and_ecp5_flows() {
    let bdf = "0000:af:00.1";
    let b = Bench::new("xrt");
    b.tool("xrt-smi", "echo 'Programming...'; exit 0");
    let m = built(&b, "alveo-u250", LoadFlow::AlveoXrt);
    let mut asked = Vec::new();
    let mut open = opener(RegCard::of(&m), &mut asked);
    let r = load(&b.manifest(&m), &LoadOptions { bdf: Some(bdf.into()), ..b.opts(5_000) }, &mut open).unwrap_or_else(|e| panic!("{e}"));
    drop(open);
    assert_eq!(b.calls(), [format!("xrt-smi program -d {bdf} -u {}", b.dir.join("alveo-u250.bit").display())]);
    assert_eq!(asked, [bdf]);
    assert!(r.card.is_some());

    let b = Bench::new("xrt-fail");
    b.tool("xrt-smi", "echo 'ERROR: xclbin UUID mismatch ~~ \x01garbage'; exit 2");
    let m = built(&b, "alveo-u250", LoadFlow::AlveoXrt);
    let e = load(&b.manifest(&m), &LoadOptions { bdf: Some(bdf.into()), ..b.opts(5_000) }, &mut |_: &str| panic!("no card")).unwrap_err();
    assert!(e.to_string().contains("xrt-smi failed (exit status 2)") && e.to_string().contains("UUID mismatch"), "{e}");

    let b = Bench::new("ecp5");
    b.tool("openFPGALoader", "echo 'Load SRAM: [==========] 100.00%'; echo Done");
    let m = built(&b, "alveo-u250", LoadFlow::Ecp5);
    let r = load(&b.manifest(&m), &b.opts(5_000), &mut |_: &str| panic!("no --bdf: no card to open")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(b.calls(), [format!("openFPGALoader -b ecp5_evn {}", b.dir.join("alveo-u250.bit").display())]);
    assert!(r.card.is_none());
    assert!(r.unchecked_why.unwrap().contains("not checked"));

    let b = Bench::new("ecp5-hang");
    b.tool("openFPGALoader", "sleep 60");
    let m = built(&b, "alveo-u250", LoadFlow::Ecp5);
    let e = load(&b.manifest(&m), &b.opts(300), &mut |_: &str| panic!("no card")).unwrap_err();
    assert!(e.to_string().starts_with("openFPGALoader: no answer within 0.3 s; killed it"), "{e}");
}

#[test]
fn the_bitstream_hash_is_checked_before_any_tool_runs() {
    let b = Bench::new("sha");
    b.tool("xrt-smi", "exit 0");
    let m = built(&b, "alveo-u250", LoadFlow::AlveoXrt);
    let path = b.manifest(&m);
    let opts = LoadOptions { bdf: Some("0000:af:00.1".into()), ..b.opts(5_000) };
    // Same size, one byte different.
    let bit = b.dir.join("alveo-u250.bit");
    let mut bytes = std::fs::read(&bit).unwrap();
    bytes[0] ^= 1;
    std::fs::write(&bit, &bytes).unwrap();
    let e = load(&path, &opts, &mut |_: &str| panic!("no card")).unwrap_err();
    let s = e.to_string();
    assert!(s.starts_with(&format!("{}: artefacts[0].sha256: the file's SHA-256 is {}", bit.display(), sha(&bytes))), "{s}");
    // Shorter.
    std::fs::write(&bit, &bytes[1..]).unwrap();
    let e = load(&path, &opts, &mut |_: &str| panic!("no card")).unwrap_err();
    assert!(e.to_string().contains("artefacts[0].size: the file has"), "{e}");
    // Missing.
    std::fs::remove_file(&bit).unwrap();
    let e = load(&path, &opts, &mut |_: &str| panic!("no card")).unwrap_err();
    assert!(e.to_string().contains("artefacts[0].path: cannot read the artefact 'alveo-u250.bit'"), "{e}");
    assert!(b.calls().is_empty(), "a tool ran: {:?}", b.calls());
    // The right file in another directory (--artefacts DIR).
    let other = b.dir.join("elsewhere");
    std::fs::create_dir_all(&other).unwrap();
    bytes[0] ^= 1;
    std::fs::write(other.join("alveo-u250.bit"), &bytes).unwrap();
    let mut asked = Vec::new();
    let mut open = opener(RegCard::of(&m), &mut asked);
    let opts = LoadOptions { artefact_dir: Some(other.clone()), ..opts };
    let r = load(&path, &opts, &mut open).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.hash, HashCheck::Checked { path: other.join("alveo-u250.bit"), sha256: sha(&bytes) });
}

#[test]
fn dry_run_prints_the_commands_of_a_build_that_was_never_run() {
    let b = Bench::new("dry");
    b.tool("fpga-load-local-image", "exit 0");
    let (path, m) = committed("aws-f2");
    assert_eq!(m.status, BuildStatus::GeneratedNotRun);
    let r = load(&path, &LoadOptions { dry_run: true, slot: Some(3), ..b.opts(5_000) }, &mut |_: &str| panic!("no card"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.commands, ["fpga-load-local-image -S 3 -I <not-built:agfi-id>", "fpga-describe-local-image -S 3 -H"]);
    assert_eq!(r.hash, HashCheck::Unchecked);
    assert!(r.unchecked_why.unwrap().contains("hash is unchecked"));
    assert!(b.calls().is_empty());
    // Without --dry-run it is refused: there is nothing to load.
    let e = load(&path, &b.opts(5_000), &mut |_: &str| panic!("no card")).unwrap_err();
    assert!(matches!(e, LoadError::NotBuilt { .. }), "{e}");
    assert!(e.to_string().contains("status: generated-not-run"), "{e}");
    // The Alveo one names its bitstream and script.
    let (path, _) = committed("alveo-u55c");
    let r = load(&path, &LoadOptions { dry_run: true, ..b.opts(5_000) }, &mut |_: &str| panic!("no card")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.commands.len(), 3);
    let sys = b.dir.join("sys/bus/pci");
    assert_eq!(r.commands[0], format!("echo 1 > {}/devices/<BDF>/remove", sys.display()));
    assert!(r.commands[1].starts_with("vivado -mode batch") && r.commands[1].ends_with("zkaccel_alveo_u55c.bit"), "{:?}", r.commands);
    assert_eq!(r.commands[2], format!("echo 1 > {}/rescan", sys.display()));
    assert!(b.calls().is_empty());
}

#[test]
fn a_card_that_differs_from_the_manifest_is_refused() {
    let run = |card_of: &dyn Fn(&Manifest) -> RegCard| {
        let b = Bench::new("mismatch");
        b.tool("xrt-smi", "exit 0");
        let m = built(&b, "alveo-u250", LoadFlow::AlveoXrt);
        let card = card_of(&m);
        let mut asked = Vec::new();
        let mut open = opener(card, &mut asked);
        load(&b.manifest(&m), &LoadOptions { bdf: Some("0000:af:00.1".into()), ..b.opts(5_000) }, &mut open)
    };
    let refused = |card_of: &dyn Fn(&Manifest) -> RegCard, field: &str, register: &str, want: &str, got: &str| {
        match run(card_of) {
            Err(LoadError::Check(CheckError::Mismatch { field: f, register: r, want: w, got: g, .. })) => {
                assert_eq!((f.as_str(), r.as_str(), w.as_str(), g.as_str()), (field, register, want, got))
            }
            other => panic!("expected a mismatch on {field}, got {other:?}"),
        }
    };
    assert!(run(&RegCard::of).is_ok());
    refused(&|m| RegCard::of(m).with(Reg::Id, 0xffff_ffff), "card.id", "ID", "0x7a6b6163", "0xffffffff (no device answers)");
    refused(&|m| RegCard::of(m).with(Reg::Id, 0x1234), "card.id", "ID", "0x7a6b6163", "0x1234");
    refused(&|m| RegCard::of(m).with(Reg::Version, REGMAP_VERSION - 1), "card.regmap_version", "Version", &REGMAP_VERSION.to_string(), &(REGMAP_VERSION - 1).to_string());
    refused(&|m| RegCard::of(m).with(Reg::Kernels, 3), "card.kernels_mask", "Kernels", "0x7", "0x3");
    refused(&|m| RegCard::of(m).with(Reg::ClockKhz, 0), "kernel_clock.mhz", "ClockKhz", "250000 kHz", "0 kHz");
    refused(&|m| RegCard::of(m).with(Reg::NttMaxLogN, 10), "kernels.ntt.max_log_n", "NttMaxLogN", "12", "10");
    refused(&|m| RegCard::of(m).with(Reg::MsmLogDepth, 10), "kernels.msm.bucket_log_depth", "MsmLogDepth", "16", "10");
    refused(&|m| RegCard::of(m).with(Reg::MsmMaxC, 11), "kernels.msm.c_max", "MsmMaxC", "15", "11");
    refused(&|m| RegCard::of(m).with(Reg::LookupMaxLogTable, 8), "kernels.lookup.table_log_size", "LookupMaxLogTable", "10", "8");
    let e = run(&|m| RegCard::of(m).with(Reg::NttMaxLogN, 10)).unwrap_err().to_string();
    assert!(e.ends_with("kernels.ntt.max_log_n: the manifest says 12, the card's NttMaxLogN register reads 10; refusing this card"), "{e}");
    // A card that cannot be opened after loading.
    let b = Bench::new("noopen");
    b.tool("xrt-smi", "exit 0");
    let m = built(&b, "alveo-u250", LoadFlow::AlveoXrt);
    let e = load(&b.manifest(&m), &LoadOptions { bdf: Some("0000:af:00.1".into()), ..b.opts(5_000) }, &mut |_: &str| {
        Err(DeviceError::Unsupported("no PCIe backend".into()))
    })
    .unwrap_err();
    assert!(e.to_string().starts_with("the bitstream is loaded, but the card at 0000:af:00.1 could not be opened"), "{e}");
}

/// Each mutation of a valid manifest, and the field its error names.
#[test]
fn manifest_validation_names_the_field() {
    let (path, m) = committed("aws-f2");
    let text = std::fs::read_to_string(&path).unwrap();
    let bad = |edit: &dyn Fn(&mut serde_json::Value), field: &str, problem: &str| {
        let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
        edit(&mut v);
        let e: ManifestError = Manifest::parse(&v.to_string(), "m.json").unwrap_err();
        assert_eq!((e.file.as_str(), e.field.as_str()), ("m.json", field), "{e}");
        assert!(e.problem.contains(problem), "{e}");
    };
    use serde_json::json;
    bad(&|v| v["schema"] = json!("zkaccel-bitstream-manifest/0"), "schema", "is not 'zkaccel-bitstream-manifest/1'");
    bad(&|v| { v.as_object_mut().unwrap().remove("schema"); }, "schema", "missing");
    bad(&|v| { v["target"].as_object_mut().unwrap().remove("part"); }, "part", "missing field");
    bad(&|v| v["colour"] = json!("blue"), "colour", "unknown field");
    bad(&|v| v["status"] = json!("half-built"), "(structure)", "unknown variant");
    bad(&|v| v["rtl"]["verilog_sha256"] = json!("ABC"), "rtl.verilog_sha256", "not 64 lowercase hex");
    bad(&|v| v["card"]["id"] = json!(1), "card.id", "is not the zkaccel card ID");
    bad(&|v| v["card"]["kernels_mask"] = json!(3), "card.kernels_mask", "the kernels listed make 0x7");
    bad(&|v| v["kernels"]["ntt"]["max_log_n"] = json!(16), "kernels.ntt.max_log_n", "outside 3..=15");
    bad(&|v| v["kernels"]["ntt"]["max_log_n"] = json!(11), "kernels.ntt.max_log_n", "differs from rtl.ntt_k 12");
    bad(&|v| v["kernels"]["msm"]["c_max"] = json!(16), "kernels.msm", "window range");
    bad(&|v| v["kernels"]["msm"]["c_min"] = json!(1), "kernels.msm", "window range");
    bad(&|v| v["kernel_clock"]["mhz"] = json!(0.0), "kernel_clock.mhz", "not a clock");
    bad(&|v| v["kernel_clock"]["source"] = json!("measured"), "kernel_clock.source", "the build was not run");
    bad(&|v| v["artefacts"][0]["agfi_id"] = json!(AGFI), "artefacts[0]", "the build was not run");
    bad(&|v| v["status"] = json!("built"), "artefacts[0].agfi_id", "missing in a built AWS F2 manifest");
    bad(&|v| { v["status"] = json!("built"); v["artefacts"][0]["agfi_id"] = json!("agfi-12"); }, "artefacts[0].agfi_id", "not 'agfi-' and 17 hex");
    bad(&|v| v["artefacts"][0]["kind"] = json!("bit"), "artefacts", "exactly one Agfi artefact, found 0");
    bad(&|v| v["artefacts"][0]["path"] = json!("/abs/x.bit"), "artefacts[0].path", "relative");
    bad(&|v| v["artefacts"][0]["sha256"] = json!("00"), "artefacts[0].sha256", "not 64 lowercase hex");
    let e = Manifest::parse("{not json", "m.json").unwrap_err();
    assert_eq!(e.field, "(json)");
    let e = Manifest::load(Path::new("/nonexistent/m.json")).unwrap_err();
    assert!(e.to_string().starts_with("/nonexistent/m.json: (file): cannot read"), "{e}");
    // And the committed one is valid as it is.
    assert_eq!(Manifest::parse(&text, "m.json").unwrap(), m);
}

/// Runs `f` on a thread; `None` when it had not returned after `secs` (the thread is left behind).
fn bounded<T: Send + 'static>(secs: u64, f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(secs)).ok()
}

fn mkfifo(p: &Path) {
    assert!(std::process::Command::new("mkfifo").arg(p).status().unwrap().success());
}

/// The artefact was hashed to its end before its size was compared: a manifest path resolving to
/// /dev/zero (`..` paths are allowed: the committed manifests use them) hashed for ever, and a
/// FIFO blocked in its open, whatever --timeout said. Now it must be a regular file of the
/// manifest's size (a stat) before a byte is read, and no more than that is read.
#[test]
fn an_artefact_that_is_not_a_regular_file_is_refused_at_once() {
    let b = Bench::new("artefact-kind");
    b.tool("xrt-smi", "exit 0");
    let m = built(&b, "alveo-u250", LoadFlow::AlveoXrt);
    let fifo = b.dir.join("bits.fifo");
    mkfifo(&fifo);
    let depth = b.dir.components().count();
    for (path, what) in
        [(format!("{}dev/zero", "../".repeat(depth)), "a character device, not a regular file"), ("bits.fifo".into(), "a FIFO, not a regular file")]
    {
        let mut m = m.clone();
        m.artefacts[0].path = Some(path.clone());
        m.artefacts[0].size = Some(10);
        m.validate("(test)").unwrap();
        let mp = b.manifest(&m);
        let opts = LoadOptions { bdf: Some("0000:af:00.1".into()), ..b.opts(500) };
        let r = bounded(5, move || load(&mp, &opts, &mut |_: &str| Err(DeviceError::Gone("no card".into()))).map(|_| ()).map_err(|e| e.to_string()));
        let e = r.unwrap_or_else(|| panic!("load of an artefact at {path} did not return in 5 s")).unwrap_err();
        assert!(e.contains("artefacts[0].path: cannot read the artefact 'alveo-u250.bit'") && e.contains(what), "{e}");
    }
    // A regular file longer than the manifest says is refused by its size, before it is read.
    std::fs::write(b.dir.join("alveo-u250.bit"), vec![0u8; 1 << 20]).unwrap();
    let opts = LoadOptions { bdf: Some("0000:af:00.1".into()), ..b.opts(500) };
    let e = load(&b.manifest(&m), &opts, &mut |_: &str| panic!("no card")).unwrap_err().to_string();
    assert!(e.contains("artefacts[0].size: the file has 1048576 bytes, the manifest says 43"), "{e}");
    assert!(b.calls().is_empty(), "a tool ran: {:?}", b.calls());
}

/// With `--artefacts DIR`, an artefact is `DIR/<name>`; an absolute name (or one with `..` or
/// `/`) escaped DIR, since joining an absolute path replaces the directory. Now a name must be a
/// plain file name, and the error names the field.
#[test]
fn an_artefact_name_cannot_leave_the_artefact_directory() {
    let b = Bench::new("artefact-name");
    b.tool("xrt-smi", "exit 0");
    let mut m = built(&b, "alveo-u250", LoadFlow::AlveoXrt);
    let dir = b.dir.join("artefacts");
    std::fs::create_dir_all(&dir).unwrap();
    // The right bytes, outside DIR, named by an absolute path.
    let outside = b.dir.join("alveo-u250.bit");
    m.artefacts[0].name = outside.display().to_string();
    let text = m.to_json();
    let e = Manifest::parse(&text, "m.json").unwrap_err();
    assert_eq!(e.field, "artefacts[0].name", "{e}");
    assert!(e.problem.contains("must be a plain file name"), "{e}");
    let mp = b.dir.join("escape.json");
    std::fs::write(&mp, &text).unwrap();
    let opts = LoadOptions { bdf: Some("0000:af:00.1".into()), artefact_dir: Some(dir.clone()), ..b.opts(5_000) };
    let e = load(&mp, &opts, &mut |_: &str| panic!("no card")).unwrap_err().to_string();
    assert!(e.contains("artefacts[0].name: ") && e.contains("must be a plain file name"), "{e}");
    for bad in ["..", ".", "../alveo-u250.bit", "sub/alveo-u250.bit"] {
        m.artefacts[0].name = bad.into();
        assert_eq!(m.validate("m.json").unwrap_err().field, "artefacts[0].name", "{bad}");
    }
    assert!(b.calls().is_empty(), "a tool ran: {:?}", b.calls());
}

/// A manifest was read with no size limit (`read_to_string`): one that is a FIFO blocked, one on
/// /dev/zero read until memory ran out. Now it must be a regular file of at most 1 MiB.
#[test]
fn a_manifest_must_be_a_regular_file_of_bounded_size() {
    let b = Bench::new("manifest-file");
    let fifo = b.dir.join("m.fifo");
    mkfifo(&fifo);
    let zero = b.dir.join("zero.json");
    std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
    for (p, what) in [(fifo, "a FIFO, not a regular file"), (zero, "a character device, not a regular file")] {
        let p2 = p.clone();
        let e =
            bounded(5, move || Manifest::load(&p2).map(|_| ())).unwrap_or_else(|| panic!("Manifest::load({}) did not return in 5 s", p.display())).unwrap_err();
        assert_eq!(e.field, "(file)");
        assert!(e.problem.starts_with("cannot read: ") && e.problem.contains(what), "{e}");
    }
    let big = b.dir.join("big.json");
    std::fs::File::create(&big).unwrap().set_len(2 << 20).unwrap();
    let e = Manifest::load(&big).unwrap_err();
    assert!(e.problem.contains("2097152 bytes, more than the 1048576 allowed"), "{e}");
    let e = load(&big, &LoadOptions::default(), &mut |_: &str| panic!("no card")).unwrap_err();
    assert!(matches!(e, LoadError::Manifest(_)), "{e}");
}

/// After killing a tool's process group at its deadline, the output readers were waited for
/// without limit: a helper the tool started in a session of its own (`setsid`, a daemon such as
/// hw_server) keeps the pipes open, and the call returned only when the helper exited (never,
/// for a daemon). The same after a tool that exits with such a helper still running. Now both
/// return within the deadline and a short grace, with what was printed.
#[test]
fn a_tool_timeout_holds_when_a_helper_keeps_its_output_open() {
    use zkaccel_driver::load::tool::run;
    let b = Bench::new("escapee");
    b.tool("escapee", "setsid sleep 8 &\necho started\nsleep 60");
    b.tool("detacher", "setsid sleep 8 &\necho started\nexit 3");
    let path = b.opts(0).tool_path.unwrap();
    let p2 = path.clone();
    let (r, el) = bounded(7, move || {
        let t = Instant::now();
        (run("escapee", &[], Some(&p2), Duration::from_secs(1)), t.elapsed())
    })
    .expect("the tool's 1 s timeout did not hold");
    match r {
        Err(ToolError::Timeout { output, .. }) => assert!(output.contains("started"), "{output}"),
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert!(el < Duration::from_secs(3), "a 1 s timeout took {el:?}");
    let (r, el) = bounded(7, move || {
        let t = Instant::now();
        (run("detacher", &[], Some(&path), Duration::from_secs(30)), t.elapsed())
    })
    .expect("the tool exited, the call did not return");
    let o = r.unwrap();
    assert_eq!((o.status, o.stdout.as_str()), (Some(3), "started\n"));
    assert!(el < Duration::from_secs(4), "{el:?}");
}

/// A tool's output was kept whole, however much it printed. Now each stream keeps its last MiB
/// and says that the rest was cut.
#[test]
fn a_tools_output_is_kept_to_its_tail() {
    use zkaccel_driver::load::tool::{run, OUTPUT_MAX};
    let b = Bench::new("chatty");
    b.tool("chatty", "head -c 3000000 /dev/zero | tr '\\0' x\necho\necho the-verdict");
    let o = run("chatty", &[], Some(&b.opts(0).tool_path.unwrap()), Duration::from_secs(30)).unwrap();
    assert_eq!(o.status, Some(0));
    assert!(o.stdout.len() <= OUTPUT_MAX + 200, "{} bytes kept", o.stdout.len());
    assert!(o.stdout.starts_with("[output cut: its first ") && o.stdout.ends_with("x\nthe-verdict\n"), "{}", &o.stdout[..100]);
    assert!(o.tail().ends_with("the-verdict"));
}

/// The lines a real F2 describe prints (aws-fpga `hdk/README.md`, `fpga_mgmt_tools/README.md`).
const CLEARED: &str = "Type  FpgaImageSlot  FpgaImageId             StatusName    StatusCode   ErrorName    ErrorCode   ShVersion
AFI          0       No AFI                  cleared           1        ok               0       0x10212415
Type  FpgaImageSlot  VendorId    DeviceId    DBDF
AFIDEVICE    0       0x1d0f      0x9048      0000:34:00.0
";

/// `fpga-describe-local-image -R` removes the slot's application functions and rescans the bus
/// (`fpga_pci_rescan_slot_app_pfs`): a `device status` beside a running prover deleted the
/// resource files it had mapped, and the load's polling did the same. The fake here refuses
/// `-R`; the load and the status query must never pass it.
#[test]
fn f2_describe_never_removes_and_rescans_the_card() {
    use zkaccel_driver::load::f2_status;
    let b = Bench::new("f2-no-rescan");
    let refuse = "case \" $* \" in *' -R '*) echo 'refused: -R removes the card under a running prover' >&2; exit 9;; esac\n";
    b.tool("fpga-load-local-image", "exit 0").tool("fpga-describe-local-image", &format!("{refuse}{}", describe_script(1, "loaded")));
    let m = built(&b, "aws-f2", LoadFlow::AwsF2);
    let mut asked = Vec::new();
    let mut open = opener(RegCard::of(&m), &mut asked);
    load(&b.manifest(&m), &b.opts(5_000), &mut open).unwrap_or_else(|e| panic!("{e}"));
    drop(open);
    let st = f2_status(0, b.opts(0).tool_path.as_deref(), Duration::from_secs(5)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((st.image.as_str(), st.status.as_str(), st.dbdf.as_deref()), (AGFI, "loaded", Some(F2_BDF)));
    let calls = b.calls();
    assert!(calls.iter().filter(|c| c.starts_with("fpga-describe-local-image")).all(|c| c == "fpga-describe-local-image -S 0 -H"), "{calls:?}");
    assert_eq!(asked, [F2_BDF]);
}

/// A cleared slot's image id is `No AFI`, two words: it was read as the id `No` and every
/// `device status` of a fresh F2 instance failed ("image id 'No' is neither …").
#[test]
fn f2_describe_reads_the_real_cleared_loaded_and_busy_lines() {
    use zkaccel_driver::load::f2_status;
    use zkaccel_driver::load::flows::parse_f2_describe;
    let st = parse_f2_describe(CLEARED).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((st.slot, st.image.as_str(), st.status.as_str(), st.dbdf.as_deref()), (0, "none", "cleared", Some(F2_BDF)));
    let loaded = CLEARED.replace("No AFI                ", "agfi-0fedcba9876543210").replace("cleared           1", "loaded            0");
    let st = parse_f2_describe(&loaded).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((st.image.as_str(), st.status.as_str()), ("agfi-0fedcba9876543210", "loaded"));
    let busy = CLEARED.replace("No AFI              ", "none                ").replace("cleared           1", "busy              2");
    let st = parse_f2_describe(&busy).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((st.image.as_str(), st.status.as_str()), ("none", "busy"));
    // Other two-word ids, or an upper-case AGFI, are still garbage.
    let e = parse_f2_describe(&CLEARED.replace("No AFI", "No IDEA")).unwrap_err();
    assert!(e.contains("image id 'No IDEA' is neither an AGFI id"), "{e}");
    let e = parse_f2_describe(&loaded.replace("agfi-0fedcba9876543210", "agfi-0FEDCBA9876543210")).unwrap_err();
    assert!(e.contains("'agfi-0FEDCBA9876543210' is neither an AGFI id"), "{e}");
    // And through the tool: `device status` of a fresh instance.
    let b = Bench::new("f2-cleared");
    b.tool("fpga-describe-local-image", &format!("cat <<'X'\n{CLEARED}X"));
    let st = f2_status(0, b.opts(0).tool_path.as_deref(), Duration::from_secs(5)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((st.image.as_str(), st.status.as_str()), ("none", "cleared"));
}

/// The tool prints AGFI ids in lower case (`"agfi-0%016" PRIx64`) and the load compares them
/// exactly: a manifest with an upper-case id waited the whole deadline for a match that never
/// came. Validation now refuses it, naming the field.
#[test]
fn an_upper_case_agfi_id_is_refused_by_the_manifest_validation() {
    let b = Bench::new("f2-upper");
    let mut m = built(&b, "aws-f2", LoadFlow::AwsF2);
    m.artefacts[0].agfi_id = Some("agfi-0123456789ABCDEF0".into());
    let e = m.validate("m.json").unwrap_err();
    assert_eq!(e.field, "artefacts[0].agfi_id", "{e}");
    assert!(e.problem.contains("'agfi-0123456789ABCDEF0' is not 'agfi-' and 17 hex digits in lower case"), "{e}");
    std::fs::write(b.dir.join("upper.json"), m.to_json()).unwrap();
    b.tool("fpga-load-local-image", "exit 0").tool("fpga-describe-local-image", &describe_script(0, "loaded"));
    let t = Instant::now();
    let e = load(&b.dir.join("upper.json"), &b.opts(3_000), &mut |_: &str| panic!("no card")).unwrap_err();
    assert!(matches!(e, LoadError::Manifest(_)) && e.to_string().contains("artefacts[0].agfi_id"), "{e}");
    assert!(b.calls().is_empty() && t.elapsed() < Duration::from_secs(2), "{:?}", b.calls());
}

/// `AFIDEVICE    unknown    unknown    unknown` (no application function found): the load ended
/// with exit 0 and the card unchecked. Now it polls for the address within the deadline and then
/// fails, saying what to do; an address that appears later is used.
#[test]
fn an_f2_load_without_the_cards_address_fails_instead_of_leaving_it_unchecked() {
    let unknown = |later: u32| {
        format!(
            "{}\nif [ $n -le {later} ]; then exit 0; fi\necho \"AFIDEVICE    0       0x1d0f      0x9048      {F2_BDF}\"",
            describe_script(0, "loaded")
                .replace(&format!("echo \"AFIDEVICE    0       0x1d0f      0x9048      {F2_BDF}\""), "")
                .replace("echo \"Type  FpgaImageSlot  VendorId", "echo 'AFIDEVICE    unknown    unknown    unknown' >/dev/null; echo \"Type  FpgaImageSlot  VendorId")
        )
        .replace("\nif [ $n -le", "\necho 'AFIDEVICE    unknown    unknown    unknown'; if [ $n -le")
    };
    let b = Bench::new("f2-noaddr");
    b.tool("fpga-load-local-image", "exit 0").tool("fpga-describe-local-image", &unknown(1_000_000));
    let m = built(&b, "aws-f2", LoadFlow::AwsF2);
    let e = load(&b.manifest(&m), &b.opts(1_000), &mut |_: &str| panic!("no address: no card to open")).unwrap_err();
    let s = e.to_string();
    assert!(matches!(e, LoadError::Timeout { .. }), "{s}");
    assert!(s.contains("waiting for slot 0 to report the card's PCIe address") && s.contains("card address unknown") && s.contains("give --bdf"), "{s}");
    assert!(b.calls().len() >= 3, "it polled: {:?}", b.calls());
    // The address appears on the third answer.
    let b = Bench::new("f2-lateaddr");
    b.tool("fpga-load-local-image", "exit 0").tool("fpga-describe-local-image", &unknown(2));
    let m = built(&b, "aws-f2", LoadFlow::AwsF2);
    let mut asked = Vec::new();
    let mut open = opener(RegCard::of(&m), &mut asked);
    let r = load(&b.manifest(&m), &b.opts(5_000), &mut open).unwrap_or_else(|e| panic!("{e}"));
    drop(open);
    assert_eq!((r.bdf.as_deref(), r.card.is_some(), b.calls().len()), (Some(F2_BDF), true, 4));
    assert_eq!(asked, [F2_BDF]);
}

/// Reprogramming over JTAG takes the card's PCIe endpoint down: the card was opened right after
/// Vivado, its ID read all ones, and a good load ended "could not be opened". Now the function is
/// removed before programming, the bus rescanned after, and the card opened once the function
/// is back with its driver. A function that does not come back is a timeout naming it.
#[test]
fn alveo_jtag_removes_the_function_programs_rescans_and_waits_for_it() {
    let bdf = "0000:3b:00.0";
    let b = Bench::new("jtag-rescan");
    let func = b.pci_function(bdf, "xdma");
    // The fake Vivado checks that the function was removed, then (as the card's endpoint goes
    // down) the function disappears from the bus.
    b.tool(
        "vivado",
        &format!(
            "grep -qx 1 '{f}/remove' || {{ echo 'programmed a card still on the bus'; exit 1; }}\necho removed-before-programming >> \"$DIR/calls.log\"\nrm -rf '{f}'\necho ZKACCEL_JTAG_PROGRAMMED",
            f = func.display()
        ),
    );
    let m = built(&b, "alveo-u55c", LoadFlow::AlveoJtag);
    // The kernel: on a rescan, the function comes back and its driver binds.
    let rescan = b.dir.join("sys/bus/pci/rescan");
    let (dir, r2) = (b.dir.clone(), rescan.clone());
    let kernel = std::thread::spawn(move || {
        let t = Instant::now();
        while t.elapsed() < Duration::from_secs(10) {
            if std::fs::read_to_string(&r2).unwrap_or_default().trim() == "1" {
                let b = Bench { dir };
                b.log("rescan");
                b.pci_function("0000:3b:00.0", "xdma");
                return;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    });
    let log_dir = b.dir.clone();
    let mut card = Some(RegCard::of(&m));
    let mut open = |bdf: &str| {
        Bench { dir: log_dir.clone() }.log(&format!("open {bdf}"));
        card.take().map(|c| Box::new(c) as Box<dyn Device>).ok_or_else(|| DeviceError::Gone("opened twice".into()))
    };
    let opts = LoadOptions { bdf: Some(bdf.into()), jtag_target: Some("21770297400LA".into()), ..b.opts(5_000) };
    let r = load(&b.manifest(&m), &opts, &mut open).unwrap_or_else(|e| panic!("{e}"));
    kernel.join().unwrap();
    let bit = b.dir.join("alveo-u55c.bit");
    assert_eq!(
        b.calls(),
        [
            format!("vivado -mode batch -nojournal -nolog -source {} -tclargs {} 21770297400LA", b.dir.join("program_jtag.tcl").display(), bit.display()),
            "removed-before-programming".into(),
            "rescan".into(),
            format!("open {bdf}"),
        ]
    );
    assert!(r.card.is_some());

    // A function that does not come back: a timeout naming it, the card never opened.
    let b = Bench::new("jtag-gone");
    let func = b.pci_function(bdf, "xdma");
    b.tool("vivado", &format!("rm -rf '{}'\necho ZKACCEL_JTAG_PROGRAMMED", func.display()));
    let m = built(&b, "alveo-u55c", LoadFlow::AlveoJtag);
    let opts = LoadOptions { bdf: Some(bdf.into()), rescan_wait: Duration::from_millis(500), ..b.opts(5_000) };
    let e = load(&b.manifest(&m), &opts, &mut |_: &str| panic!("the card is gone: not opened")).unwrap_err();
    let s = e.to_string();
    assert!(matches!(e, LoadError::Timeout { .. }), "{s}");
    assert!(s.starts_with("PCI rescan: gave up after 0.5 s waiting for 0000:3b:00.0 to come back on the PCI bus after programming"), "{s}");
    assert_eq!(std::fs::read_to_string(b.dir.join("sys/bus/pci/rescan")).unwrap(), "1\n");

    // Back without its driver: a timeout naming the driver to bind.
    let b = Bench::new("jtag-nodriver");
    let func = b.pci_function(bdf, "xdma");
    b.tool("vivado", &format!("rm '{}/driver'\necho ZKACCEL_JTAG_PROGRAMMED", func.display()));
    let m = built(&b, "alveo-u55c", LoadFlow::AlveoJtag);
    let opts = LoadOptions { bdf: Some(bdf.into()), rescan_wait: Duration::from_millis(300), ..b.opts(5_000) };
    let e = load(&b.manifest(&m), &opts, &mut |_: &str| panic!("no driver: not opened")).unwrap_err().to_string();
    assert!(e.contains("waiting for the driver 'xdma' to bind to 0000:3b:00.0 again"), "{e}");

    // Not allowed to remove it (not root): refused before anything is programmed.
    let b = Bench::new("jtag-noremove");
    let func = b.pci_function(bdf, "xdma");
    std::fs::remove_file(func.join("remove")).unwrap();
    std::fs::create_dir(func.join("remove")).unwrap();
    b.tool("vivado", "echo ZKACCEL_JTAG_PROGRAMMED");
    let m = built(&b, "alveo-u55c", LoadFlow::AlveoJtag);
    let e = load(&b.manifest(&m), &LoadOptions { bdf: Some(bdf.into()), ..b.opts(5_000) }, &mut |_: &str| panic!("no card")).unwrap_err();
    assert!(e.to_string().contains("cannot remove the function from the PCI bus before programming it") && e.to_string().contains("nothing was programmed"), "{e}");
    assert!(b.calls().is_empty(), "{:?}", b.calls());

    // --jtag-target is for JTAG builds only.
    let b = Bench::new("jtag-target-xrt");
    let m = built(&b, "alveo-u250", LoadFlow::AlveoXrt);
    let opts = LoadOptions { bdf: Some(bdf.into()), jtag_target: Some("x".into()), ..b.opts(5_000) };
    let e = load(&b.manifest(&m), &opts, &mut |_: &str| panic!("no card")).unwrap_err();
    assert!(matches!(e, LoadError::Usage(_)) && e.to_string().contains("--jtag-target is for Alveo JTAG builds"), "{e}");
}
