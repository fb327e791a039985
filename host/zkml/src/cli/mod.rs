//! The `zkaccel` command line: parsing, running a verb, output and exit codes.

pub mod args;
mod calibrate;
mod compile;
mod device;
mod device_load;
mod evm;
mod gen_settings;
mod gen_witness;
mod mock;
pub mod output;
mod prove;
mod setup;
mod verify;
pub mod wnn;

use clap::Parser;
use serde_json::json;

use crate::error::{Error, Result};
use crate::exit_code::ExitCode;
use args::{Cli, Command, Global};
use output::{Out, Report};

/// Runs the CLI on `argv` and returns the exit code (the binary's `main` exits with it). The
/// arguments are OS strings: a path need not be UTF-8 (a non-UTF-8 value where text is expected
/// is a usage error).
pub fn main_with_args<I, T>(argv: I) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString>,
{
    let argv: Vec<std::ffi::OsString> = argv.into_iter().map(Into::into).collect();
    let json_requested = argv.iter().any(|a| a == "--json");
    let cli = match Cli::try_parse_from(&argv) {
        Ok(c) => c,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand) {
                let _ = e.print();
                return if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand { ExitCode::Usage.code() } else { 0 };
            }
            if e.kind() == ErrorKind::InvalidUtf8 {
                let err = Error::usage(non_utf8_message(&argv));
                output::print_error(json_requested, &err);
                return ExitCode::Usage.code();
            }
            if json_requested {
                output::print_error(true, &Error::usage(e.to_string().trim().to_string()));
            } else {
                let _ = e.print();
                output::err_line(&format!("(exit code {}: usage error; see zkaccel --help)", ExitCode::Usage.code()));
            }
            return ExitCode::Usage.code();
        }
    };
    let out = Out::new(cli.global.json);
    match run(&cli.command, &cli.global, &out) {
        Ok(report) => {
            out.print_report(&report);
            ExitCode::Ok.code()
        }
        Err(e) => {
            output::print_error(cli.global.json, &e);
            e.code.code()
        }
    }
}

/// Names the arguments that are not UTF-8 where text is expected (clap's message does not).
fn non_utf8_message(argv: &[std::ffi::OsString]) -> String {
    let bad: Vec<String> = argv
        .iter()
        .enumerate()
        .skip(1)
        .filter(|(_, a)| a.to_str().is_none())
        .map(|(i, a)| {
            let lossy = a.to_string_lossy();
            let flag = if lossy.starts_with("--") {
                lossy.split('=').next().unwrap_or_default().to_string()
            } else {
                argv[i - 1].to_str().filter(|p| p.starts_with('-')).map(str::to_string).unwrap_or_else(|| "the verb".into())
            };
            format!("argument {i} ({lossy:?}, for {flag})")
        })
        .collect();
    format!("{} not valid UTF-8 where text is expected (only paths may hold other bytes)", bad.join(", ") + if bad.len() == 1 { " is" } else { " are" })
}

/// Opens the backend `--device` asks for; an explicit device that is not available is an error
/// (exit code 6), `auto` falls back to the CPU and says why; `--device-kernels` keeps the kernels
/// it leaves out on the CPU, `--device-msm-min-points` the MSMs below that size.
pub fn open_device(g: &Global) -> Result<zkaccel_driver::open::Opened> {
    let timeout = std::time::Duration::from_secs_f64(g.device_timeout);
    let mut opened =
        zkaccel_driver::open::open(&g.device, timeout).map_err(|e| Error::new(crate::exit_code::ExitCode::Device, format!("--device {}: {e}", g.device)))?;
    opened.select_kernels(g.device_kernels);
    opened.set_min_msm_points(g.device_msm_min_points);
    Ok(opened)
}

/// Makes the keys on the opened backend; with a card, keys whose check failed (keygen checks the
/// card's commitments against the CPU: setup makes no proof that would catch a wrong one) are
/// made again on the CPU, saying so. Returns the key and, if it was remade, why.
pub(crate) fn keygen_with_cpu_retry(
    opened: &zkaccel_driver::open::Opened,
    out: &Out,
    mut keygen: impl FnMut(&dyn zkaccel::backend::Backend) -> Result<zkaccel::plonk::ProvingKey>,
) -> Result<(zkaccel::plonk::ProvingKey, Option<String>)> {
    match keygen(&*opened.backend) {
        Err(e) if opened.accel.is_some() && e.code == ExitCode::Internal => {
            out.note(&format!("the keys made with the card failed their check ({}); making them again on the CPU", e.message));
            Ok((keygen(&zkaccel::backend::CpuBackend::new())?, Some(e.message)))
        }
        r => Ok((r?, None)),
    }
}

/// The report line of keys written: `what` ("keys for 2^k rows"), the times, both files.
pub(crate) fn keys_written_line(what: &str, keygen: std::time::Duration, srs: std::time::Duration, pk: (&std::path::Path, usize), vk: (&std::path::Path, usize)) -> String {
    format!(
        "{what} in {:.2} s (SRS {:.2} s): {} ({} bytes), {} ({} bytes)",
        keygen.as_secs_f64(),
        srs.as_secs_f64(),
        pk.0.display(),
        pk.1,
        vk.0.display(),
        vk.1
    )
}

/// The report line of keys remade on the CPU by [`keygen_with_cpu_retry`].
pub(crate) fn redone_line(why: &str) -> String {
    format!("the keys made with the card failed their check ({why}); the keys written were made on the CPU")
}

fn run(cmd: &Command, g: &Global, out: &Out) -> Result<Report> {
    let mut r = match cmd {
        Command::GenSettings(a) => gen_settings::run(a, out)?,
        Command::CalibrateSettings(a) => calibrate::run(a, out)?,
        Command::CompileCircuit(a) => compile::run(a, out)?,
        Command::Setup(a) => setup::run(a, g, out)?,
        Command::GenWitness(a) => gen_witness::run(a, out)?,
        Command::Mock(a) => mock::run(a, out)?,
        Command::Prove(a) => prove::run(a, g, out)?,
        Command::Verify(a) => verify::run(a, out)?,
        Command::Wnn(c) => wnn::run(c, g, out)?,
        Command::Device(c) => device::run(c)?,
        Command::CreateEvmVerifier(a) => evm::create(a, out)?,
        Command::EncodeEvmCalldata(a) => evm::encode(a, out)?,
        Command::VerifyEvm(a) => evm::verify_evm(a, out)?,
    };
    if let serde_json::Value::Object(m) = &mut r.json {
        m.insert("ok".into(), json!(true));
    }
    Ok(r)
}

/// Reads a file, mapping errors to exit code 5 with the path.
pub(crate) fn read(path: &std::path::Path) -> Result<Vec<u8>> {
    crate::files::read(path)
}
