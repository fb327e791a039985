//! On-chain verification: a Solidity verifier generated for one verifying key, the EVM encoding
//! of proofs and calls, the Solidity compiler and an in-process EVM to run the contract.
//!
//! * [`layout`]: the EVM encoding of a proof (32-byte big-endian words, transcript order).
//! * [`yul`]: field constants, gate expressions and transcript labels as Yul text.
//! * [`contract`]: the verifier contract (the Rust verifier's steps, constants from the key).
//! * [`calldata`]: the ABI call `verifyProof(bytes proof, uint256[] instances)`.
//! * [`solc`]: compiling with solc / solcjs (cached); [`machine`]: deploy and call in revm.
//! * [`projection`]: the projection layout's data (W, b, cells) in data contracts whose code
//!   hashes the verifier checks, and the contract's evaluation of v = rᵀW from them.
//!
//! Supported: proof format version [`SUPPORTED_PROOF_VERSION`], the MAC layout (every gate,
//! the permutation and logUp lookups) and the projection layout's matrix products (the contract
//! computes ρ's coefficients from W and b itself: one mulmod per weight). Not supported:
//! convolutions by projection, public parameters (the weights would be calldata), both refused
//! with a message naming the setting.

pub mod calldata;
pub mod contract;
pub mod layout;
pub mod machine;
pub mod projection;
pub mod solc;
pub mod yul;

use zkaccel::plonk::VerifyingKey;

use crate::error::{Error, Result};
use crate::exit_code::ExitCode;
use crate::statement::Statement;

/// The proof format version (`zkaccel::plonk::proof::PROOF_VERSION`) whose proofs the generated
/// contracts read. A build whose proof format differs refuses to generate until the generator is
/// brought up to date (the contract would follow the wrong transcript).
pub const SUPPORTED_PROOF_VERSION: u32 = 4;

/// The generated contract's name.
pub const CONTRACT_NAME: &str = "ZkaccelVerifier";

/// Checks that a contract can be generated for `vk`; a clear refusal otherwise.
pub fn check_supported(vk: &VerifyingKey) -> Result<()> {
    if zkaccel::plonk::proof::PROOF_VERSION != SUPPORTED_PROOF_VERSION {
        return Err(Error::new(
            ExitCode::BadArtifact,
            format!(
                "this build writes proof format version {}, the EVM verifier generator supports version {SUPPORTED_PROOF_VERSION} only",
                zkaccel::plonk::proof::PROOF_VERSION
            ),
        ));
    }
    contract::projection_data(vk)?;
    if vk.srs().g2 == zkaccel::G2Affine::default() || vk.srs().tau_g2 == zkaccel::G2Affine::default() {
        return Err(Error::artifact("the verifying key's SRS has a G2 point at infinity"));
    }
    Ok(())
}

/// The lengths of the instance columns of a zkML verifying key (from the statement it binds).
pub fn instance_lengths(vk: &VerifyingKey) -> Result<Vec<usize>> {
    let s = Statement::from_key(vk)?;
    let layout = s.layout();
    if layout.params {
        return Err(Error::new(
            ExitCode::BadInput,
            "the verifying key has public parameters (settings run_args.param_visibility = \"public\"): the weights would be calldata; use --param-visibility fixed (or private) for an EVM verifier",
        ));
    }
    let io = layout.io_count();
    let lengths = if layout.has_io_instance() { vec![io] } else { vec![] };
    if lengths.len() != vk.cs().num_instance {
        return Err(Error::artifact(format!("the verifying key has {} instance columns, its statement describes {}", vk.cs().num_instance, lengths.len())));
    }
    Ok(lengths)
}

/// The Solidity source of the verifier for `vk` with instance columns of `instance_lengths`; its
/// header says the key's SRS was not checked against a ceremony file.
pub fn verifier_source(vk: &VerifyingKey, instance_lengths: &[usize]) -> Result<String> {
    verifier_source_srs(vk, instance_lengths, None)
}

/// [`verifier_source`] for a key whose SRS the caller has checked against the powers-of-tau file
/// `srs_checked_against` (its name, which the header states; `crate::srs::check_vk`).
pub fn verifier_source_srs(vk: &VerifyingKey, instance_lengths: &[usize], srs_checked_against: Option<&str>) -> Result<String> {
    check_supported(vk)?;
    if instance_lengths.len() != vk.cs().num_instance {
        return Err(Error::artifact(format!("{} instance column lengths for {} columns", instance_lengths.len(), vk.cs().num_instance)));
    }
    contract::generate(vk, instance_lengths, CONTRACT_NAME, srs_checked_against)
}

/// The line a generated verifier carries when its constructor takes data contracts.
pub const DATA_MARKER: &str = "// zkaccel-data-contracts: ";

/// The runtime code of the data contracts `vk`'s verifier is constructed with, in constructor
/// order (none without projections).
pub fn data_contracts(vk: &VerifyingKey) -> Result<Vec<Vec<u8>>> {
    Ok(contract::projection_data(vk)?.map(|d| d.runtimes()).unwrap_or_default())
}

/// How many data contracts a generated verifier's source says its constructor takes.
pub fn data_contracts_of_source(source: &str) -> usize {
    source.lines().find_map(|l| l.strip_prefix(DATA_MARKER)).and_then(|n| n.trim().parse().ok()).unwrap_or(0)
}

/// The contract's ABI (JSON).
pub fn abi_json() -> String {
    let io = serde_json::json!([
        {"type": "function", "name": "verifyProof", "stateMutability": "view",
         "inputs": [{"name": "proof", "type": "bytes"}, {"name": "instances", "type": "uint256[]"}],
         "outputs": [{"name": "", "type": "bool"}]},
        {"type": "function", "name": "transcriptChallenges", "stateMutability": "view",
         "inputs": [{"name": "proof", "type": "bytes"}, {"name": "instances", "type": "uint256[]"}],
         "outputs": [{"name": "", "type": "uint256[9]"}]},
        {"type": "function", "name": "PROOF_FORMAT_VERSION", "stateMutability": "view", "inputs": [],
         "outputs": [{"name": "", "type": "uint256"}]},
        {"type": "function", "name": "VK_DIGEST", "stateMutability": "view", "inputs": [],
         "outputs": [{"name": "", "type": "bytes32"}]}
    ]);
    serde_json::to_string_pretty(&io).expect("json")
}
