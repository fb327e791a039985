//! The documented exit codes of the `zkaccel` binary (also printed by `zkaccel --help` and listed
//! in `docs/cli.md`). Every error maps to exactly one of them.

/// Process exit codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum ExitCode {
    /// Success (for `verify`: the proof is valid).
    Ok = 0,
    /// Usage error: unknown verb or flag, missing or conflicting arguments.
    Usage = 1,
    /// Bad model or data: unreadable/malformed/truncated ONNX, an unsupported operator, malformed
    /// `input.json`, wrong input shape, invalid settings, a value outside the calibrated range.
    BadInput = 2,
    /// The proof was checked and rejected (tampered proof, wrong public inputs, other circuit).
    VerificationFailed = 3,
    /// A key, proof, witness, compiled-circuit or SRS file is truncated, corrupted, of another
    /// format or version, or does not belong with the other files (e.g. the wrong SRS).
    BadArtifact = 4,
    /// A file could not be read or written (missing, permissions, disk).
    Io = 5,
    /// The device asked for with `--device` is not available: not built into this binary, not
    /// found, or it does not identify as a matching zkaccel card.
    Device = 6,
    /// The step's estimated memory exceeds what the process may use (the smallest of available
    /// memory, RLIMIT_AS and the cgroup limit); `--force` tries anyway.
    Resources = 7,
    /// An internal error: the prover failed on inputs that passed every check (a bug).
    Internal = 70,
}

impl ExitCode {
    /// All codes with a one-line meaning, for `--help` and the docs.
    pub const TABLE: [(ExitCode, &'static str); 9] = [
        (ExitCode::Ok, "success (verify: the proof is valid)"),
        (ExitCode::Usage, "usage error: unknown verb or flag, missing or conflicting arguments"),
        (ExitCode::BadInput, "bad model or data: malformed/truncated ONNX, unsupported operator (named with its node), malformed input.json, wrong input shape, invalid settings, value outside the calibrated range"),
        (ExitCode::VerificationFailed, "verification failed: the proof is rejected (tampered, other public inputs, other circuit)"),
        (ExitCode::BadArtifact, "corrupted, truncated or mismatched key/proof/witness/compiled-circuit/SRS file (e.g. wrong SRS)"),
        (ExitCode::Io, "I/O error: a file could not be read or written"),
        (ExitCode::Device, "the --device asked for is not available (not built in, not found, or not a matching zkaccel card); --device auto falls back to the CPU instead"),
        (ExitCode::Resources, "not enough memory: the step's estimated memory exceeds what the process may use (available memory, RLIMIT_AS, cgroup limit); --force tries anyway"),
        (ExitCode::Internal, "internal error (a bug: please report)"),
    ];

    /// The numeric code.
    pub fn code(self) -> u8 {
        self as u8
    }

    /// A short name used in `--json` output.
    pub fn name(self) -> &'static str {
        match self {
            ExitCode::Ok => "ok",
            ExitCode::Usage => "usage",
            ExitCode::BadInput => "bad_input",
            ExitCode::VerificationFailed => "verification_failed",
            ExitCode::BadArtifact => "bad_artifact",
            ExitCode::Io => "io",
            ExitCode::Device => "device",
            ExitCode::Resources => "resources",
            ExitCode::Internal => "internal",
        }
    }

    /// The table as text for `--help`.
    pub fn help_text() -> String {
        let mut s = String::from("Exit codes:\n");
        for (c, what) in Self::TABLE {
            s.push_str(&format!("  {:>2}  {what}\n", c.code()));
        }
        s
    }
}
