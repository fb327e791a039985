//! Command-line arguments: ezkl's verb and flag names where the same thing is meant.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::exit_code::ExitCode;

fn after_help() -> String {
    format!(
        "Workflow (as in ezkl):\n  zkaccel gen-settings -M model.onnx -O settings.json\n  zkaccel calibrate-settings -M model.onnx -D calibration.json --settings-path settings.json\n  \
         zkaccel compile-circuit -M model.onnx --compiled-circuit model.compiled -S settings.json\n  \
         zkaccel setup -M model.compiled --dev-srs --vk-path vk.key --pk-path pk.key\n  \
         zkaccel gen-witness -D input.json -M model.compiled -O witness.json\n  \
         zkaccel mock --witness witness.json -M model.compiled   (optional: every constraint, no key needed)\n  \
         zkaccel prove --witness witness.json -M model.compiled --pk-path pk.key --proof-path proof.json\n  \
         zkaccel verify --proof-path proof.json --vk-path vk.key\n\n\
         The verifier needs only proof.json and vk.key. settings.json (measured on data), the compiled circuit, witness.json and\n\
         pk.key stay with the prover; the verbs create them owner-only (0600) and keep the permissions of a file they rewrite.\n\n{}\nDocumentation: docs/cli.md",
        ExitCode::help_text()
    )
}

/// zkaccel: prove ONNX model inference with Plonk + KZG (BN254), ezkl-style workflow.
#[derive(Parser, Debug)]
#[command(name = "zkaccel", version, about, after_help = after_help())]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every verb accepts.
#[derive(Args, Debug, Clone)]
pub struct Global {
    /// Print one JSON object on stdout (results or the error) and no progress bars.
    #[arg(long, global = true)]
    pub json: bool,
    /// Where MSMs and NTTs run: auto (a real card that identifies correctly, else the CPU), cpu,
    /// sim (the simulated card: Verilator RTL with the G1 adder's cycle-exact model; builds with
    /// the `sim` feature), sim:rtl (the G1 adder in RTL too: slow), sim:dual (the simulated
    /// two-MSM-unit card), sim:triple (the simulated three-XYZZ-unit card), pcie:<BDF> or
    /// xdma:/dev/xdma<N> (a real card; builds with the `pcie` feature).
    #[arg(long, global = true, default_value = "auto", value_name = "auto|cpu|sim|sim:rtl|sim:dual|sim:triple|pcie:<BDF>|xdma:<path>")]
    pub device: DeviceSpec,
    /// Seconds to wait for a card before a call falls back to the CPU.
    #[arg(long, global = true, default_value_t = 30.0, value_name = "SECONDS", value_parser = parse_timeout)]
    pub device_timeout: f64,
    /// Kernels sent to the card: all, or a comma-separated list of msm, ntt and lookup; the
    /// others run on the CPU (e.g. msm,lookup when the card's NTT is slower than the CPU's, as
    /// the co-design projection shows for the simulated card). No effect with the CPU backend.
    #[arg(long, global = true, default_value = "all", value_name = "all|msm,ntt,lookup")]
    pub device_kernels: KernelSet,
    /// MSMs of fewer points run on the CPU, the rest on the card: a card call's host share costs
    /// more than the CPU's whole MSM below about 32 points (measured by
    /// driver/examples/msm_break_even.rs); 1 sends every MSM to the card. No effect with the CPU
    /// backend.
    #[arg(long, global = true, default_value_t = zkaccel_driver::accel::MIN_CARD_MSM_POINTS, value_name = "POINTS", value_parser = parse_min_points)]
    pub device_msm_min_points: usize,
}

fn parse_min_points(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!("'{s}' is not a number of points (1 or more)")),
    }
}

pub use zkaccel_driver::open::{DeviceSpec, KernelSet};

fn parse_timeout(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(t) if t > 0.0 && t <= 86_400.0 => Ok(t),
        _ => Err(format!("'{s}' is not a number of seconds in (0, 86400]")),
    }
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Vis {
    Public,
    Private,
    Fixed,
}

impl From<Vis> for zkaccel_onnx::Visibility {
    fn from(v: Vis) -> Self {
        match v {
            Vis::Public => Self::Public,
            Vis::Private => Self::Private,
            Vis::Fixed => Self::Fixed,
        }
    }
}

/// How products with constant weights are proven (with fixed params).
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    Mac,
    Projection,
}

impl From<Layout> for zkaccel_onnx::MatmulLayout {
    fn from(l: Layout) -> Self {
        match l {
            Layout::Mac => Self::Mac,
            Layout::Projection => Self::Projection,
        }
    }
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Resources,
    Accuracy,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Writes settings.json for a model (scales, visibilities, lookup range, rows).
    GenSettings(GenSettings),
    /// Chooses scales and ranges from sample inputs and rewrites settings.json.
    CalibrateSettings(CalibrateSettings),
    /// Quantizes the model, plans the circuit and writes the compiled circuit.
    CompileCircuit(CompileCircuit),
    /// Generates the proving and verifying keys.
    Setup(Setup),
    /// Runs the quantized model on input.json and writes the witness.
    GenWitness(GenWitness),
    /// Checks the witness against every constraint of the circuit (no key, no SRS, no proof).
    Mock(Mock),
    /// Proves the witness, verifies the proof, then writes it.
    Prove(Prove),
    /// Verifies a proof.
    Verify(Verify),
    /// Weightless neural networks (HDF5 Bloom-filter models): setup, gen-witness, prove, verify.
    #[command(subcommand)]
    Wnn(super::wnn::WnnCommand),
    /// The FPGA cards of this machine (`device list`).
    #[command(subcommand)]
    Device(super::device::DeviceCommand),
    /// Writes a Solidity verifier contract for a verifying key (issue 22).
    CreateEvmVerifier(CreateEvmVerifier),
    /// Writes the calldata of verifyProof(bytes, uint256[]) for a proof.
    EncodeEvmCalldata(EncodeEvmCalldata),
    /// Compiles the verifier contract, deploys it in an in-process EVM and verifies a proof (exit 0 valid, 3 rejected).
    VerifyEvm(VerifyEvm),
}

#[derive(Args, Debug)]
pub struct GenSettings {
    /// The ONNX model.
    #[arg(short = 'M', long = "model")]
    pub model: PathBuf,
    /// Where to write settings.json.
    #[arg(short = 'O', long = "settings-path", default_value = "settings.json")]
    pub settings_path: PathBuf,
    #[arg(long, value_enum, default_value_t = Vis::Private)]
    pub input_visibility: Vis,
    #[arg(long, value_enum, default_value_t = Vis::Public)]
    pub output_visibility: Vis,
    /// fixed: weights in fixed columns of the key (fastest proofs); private: witness values; public: public inputs.
    #[arg(long, value_enum, default_value_t = Vis::Private)]
    pub param_visibility: Vis,
    /// Inputs are quantized as round(x·2^scale).
    #[arg(long, default_value_t = 7)]
    pub input_scale: u32,
    /// Weights are quantized as round(w·2^scale).
    #[arg(long, default_value_t = 7)]
    pub param_scale: u32,
    /// Multiplier on the ranges seen (ezkl's lookup_safety_margin).
    #[arg(long, default_value_t = 2)]
    pub lookup_safety_margin: u32,
    /// With fixed params: Gemm / MatMul by multiply-accumulate rows (mac) or by the projection
    /// argument (projection: one row per output, O(weights) verifier work). For on-chain
    /// verification choose mac: the projection verifier's per-weight work costs gas on every call
    /// (docs/evm.md).
    #[arg(long, value_enum, default_value_t = Layout::Mac)]
    pub matmul_layout: Layout,
    /// Sample inputs (input.json) to size the lookup range from (else ±2^15, ezkl's default).
    #[arg(short = 'D', long = "data")]
    pub data: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct CalibrateSettings {
    #[arg(short = 'M', long = "model")]
    pub model: PathBuf,
    /// Sample inputs in ezkl's input.json format (several samples back to back).
    #[arg(short = 'D', long = "data")]
    pub data: PathBuf,
    /// settings.json to read (visibilities, margin) and rewrite.
    #[arg(short = 'O', long = "settings-path", default_value = "settings.json")]
    pub settings_path: PathBuf,
    #[arg(long, value_enum, default_value_t = Target::Resources)]
    pub target: Target,
    /// Largest acceptable max |quantized − float| over the samples' outputs.
    #[arg(long, default_value_t = 1e-2)]
    pub tolerance: f64,
    /// Candidate scales, comma separated (default 1..=16).
    #[arg(long, value_delimiter = ',')]
    pub scales: Option<Vec<u32>>,
    /// Largest acceptable lookup_bits.
    #[arg(long, default_value_t = 24)]
    pub max_lookup_bits: u32,
}

#[derive(Args, Debug)]
pub struct CompileCircuit {
    #[arg(short = 'M', long = "model")]
    pub model: PathBuf,
    /// Where to write the compiled circuit.
    #[arg(long = "compiled-circuit", default_value = "model.compiled")]
    pub compiled_circuit: PathBuf,
    #[arg(short = 'S', long = "settings-path", default_value = "settings.json")]
    pub settings_path: PathBuf,
    /// Multiply-accumulates per row: 1..=32, or auto (fewest rows, then fewest lanes).
    #[arg(long, default_value = "auto")]
    pub lanes: String,
}

#[derive(Args, Debug)]
pub struct Setup {
    #[arg(short = 'M', long = "compiled-circuit", default_value = "model.compiled")]
    pub compiled_circuit: PathBuf,
    /// A snarkjs powers-of-tau file (BN254) large enough for the circuit.
    #[arg(long = "srs-path", conflicts_with = "dev_srs")]
    pub srs_path: Option<PathBuf>,
    /// Use an INSECURE development SRS generated on the spot (testing and benchmarks only).
    #[arg(long = "dev-srs")]
    pub dev_srs: bool,
    #[arg(long = "vk-path", default_value = "vk.key")]
    pub vk_path: PathBuf,
    #[arg(long = "pk-path", default_value = "pk.key")]
    pub pk_path: PathBuf,
    /// A witness (gen-witness), required when the input or output visibility is fixed.
    #[arg(long = "witness")]
    pub witness: Option<PathBuf>,
    /// Run even when the estimated memory exceeds what the process may use.
    #[arg(long)]
    pub force: bool,
}

#[derive(Args, Debug)]
pub struct GenWitness {
    /// The input in ezkl's input.json format.
    #[arg(short = 'D', long = "data", default_value = "input.json")]
    pub data: PathBuf,
    #[arg(short = 'M', long = "compiled-circuit", default_value = "model.compiled")]
    pub compiled_circuit: PathBuf,
    #[arg(short = 'O', long = "output", default_value = "witness.json")]
    pub output: PathBuf,
}

#[derive(Args, Debug)]
pub struct Mock {
    #[arg(long = "witness", default_value = "witness.json")]
    pub witness: PathBuf,
    #[arg(short = 'M', long = "compiled-circuit", default_value = "model.compiled")]
    pub compiled_circuit: PathBuf,
    /// Run even when the estimated memory exceeds what the process may use.
    #[arg(long)]
    pub force: bool,
}

#[derive(Args, Debug)]
pub struct Prove {
    #[arg(long = "witness", default_value = "witness.json")]
    pub witness: PathBuf,
    #[arg(short = 'M', long = "compiled-circuit", default_value = "model.compiled")]
    pub compiled_circuit: PathBuf,
    #[arg(long = "pk-path", default_value = "pk.key")]
    pub pk_path: PathBuf,
    #[arg(long = "proof-path", default_value = "proof.json")]
    pub proof_path: PathBuf,
    /// Checks that the proving key was made with this .ptau (optional).
    #[arg(long = "srs-path")]
    pub srs_path: Option<PathBuf>,
    /// Run even when the estimated memory exceeds what the process may use.
    #[arg(long)]
    pub force: bool,
}

#[derive(Args, Debug)]
pub struct Verify {
    #[arg(long = "proof-path", default_value = "proof.json")]
    pub proof_path: PathBuf,
    /// settings.json, checked against the layout the key binds (optional: the key binds
    /// everything verification needs).
    #[arg(short = 'S', long = "settings-path")]
    pub settings_path: Option<PathBuf>,
    /// The compiled circuit: the verifying key must be the one setup makes for it — its statement,
    /// size and constraint system are recomputed, and with --srs-path its fixed and copy
    /// commitments too (also checks the proof's circuit id and public weights).
    #[arg(short = 'M', long = "compiled-circuit")]
    pub compiled_circuit: Option<PathBuf>,
    #[arg(long = "vk-path", default_value = "vk.key")]
    pub vk_path: PathBuf,
    /// Checks that the verifying key was made with this .ptau (optional); with -M, recomputes the
    /// key's fixed and copy commitments with it.
    #[arg(long = "srs-path")]
    pub srs_path: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct CreateEvmVerifier {
    #[arg(long = "vk-path", default_value = "vk.key")]
    pub vk_path: PathBuf,
    /// Checks that the verifying key was made with this .ptau, as verify does (a wrong SRS is
    /// refused), and says so in the contract's header; without it the header (and a warning)
    /// says the SRS was not checked.
    #[arg(long = "srs-path")]
    pub srs_path: Option<PathBuf>,
    /// Where to write the Solidity verifier.
    #[arg(long = "sol-code-path", default_value = "Verifier.sol")]
    pub sol_code_path: PathBuf,
    /// Where to write the contract's ABI (JSON).
    #[arg(long = "abi-path")]
    pub abi_path: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct EncodeEvmCalldata {
    #[arg(long = "proof-path", default_value = "proof.json")]
    pub proof_path: PathBuf,
    /// Where to write the calldata (raw bytes).
    #[arg(long = "calldata-path", default_value = "calldata.bytes")]
    pub calldata_path: PathBuf,
}

#[derive(Args, Debug)]
pub struct VerifyEvm {
    #[arg(long = "proof-path", default_value = "proof.json")]
    pub proof_path: PathBuf,
    /// The Solidity verifier (create-evm-verifier).
    #[arg(long = "sol-code-path", default_value = "Verifier.sol")]
    pub sol_code_path: PathBuf,
    /// The key the contract was generated for (its digest must be the contract's VK_DIGEST):
    /// deploys a projection verifier's data contracts and, with a proof file, also runs the Rust
    /// verifier and checks that both agree.
    #[arg(long = "vk-path")]
    pub vk_path: Option<PathBuf>,
    /// Call with these bytes (e.g. another tool's verifier calldata) instead of the proof's (the
    /// Rust verifier is then not run).
    #[arg(long = "calldata-path")]
    pub calldata_path: Option<PathBuf>,
    /// The contract to deploy from the Solidity file (default: the generated ZkaccelVerifier).
    #[arg(long = "contract")]
    pub contract: Option<String>,
}

/// A duration in seconds for `device` verbs: a number in (0, 86400].
pub(crate) fn parse_seconds(s: &str) -> Result<f64, String> {
    parse_timeout(s)
}
