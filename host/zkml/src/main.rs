//! The `zkaccel` binary: see `zkaccel --help` and docs/cli.md.

fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(zkaccel_zkml::cli::main_with_args(std::env::args().collect()))
}
