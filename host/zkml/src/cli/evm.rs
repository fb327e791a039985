//! `create-evm-verifier`, `encode-evm-calldata`, `verify-evm`: the Solidity verifier of a
//! verifying key, the calldata of a proof, and a run of the contract in an in-process EVM.

use serde_json::json;
use zkaccel::plonk::{verify, VerifyingKey};

use super::args::{CreateEvmVerifier, EncodeEvmCalldata, VerifyEvm};
use super::output::{Out, Report};
use crate::error::{Error, Result};
use crate::evm::{self, calldata, machine, solc};
use crate::exit_code::ExitCode;
use crate::files::{check_outputs, write_all_atomic, write_atomic, Access};
use crate::proof_file::ProofFile;

/// The one-line warning of `create-evm-verifier` without `--srs-path` (stderr, not with --json).
pub const SRS_UNCHECKED_WARNING: &str = "warning: the verifying key's SRS was not checked against a ceremony file (no --srs-path): a key made with setup --dev-srs lets anyone forge proofs this contract accepts; give --srs-path file.ptau to check it";

fn load_vk(path: &std::path::Path) -> Result<VerifyingKey> {
    let bytes = super::read(path)?;
    VerifyingKey::from_bytes(&bytes).map_err(|e| Error::from(e).context(path.display()))
}

pub fn create(a: &CreateEvmVerifier, out: &Out) -> Result<Report> {
    let mut outputs = vec![("--sol-code-path", a.sol_code_path.as_path())];
    if let Some(p) = &a.abi_path {
        outputs.push(("--abi-path", p.as_path()));
    }
    check_outputs(&[("--vk-path", Some(&a.vk_path)), ("--srs-path", a.srs_path.as_deref())], &outputs)?;
    let vk = load_vk(&a.vk_path)?;
    let lengths = evm::instance_lengths(&vk).map_err(|e| e.context(a.vk_path.display()))?;
    // Nothing in the key says where its SRS came from (a `setup --dev-srs` key looks like any
    // other): with --srs-path the key is checked against the ceremony file as `verify` does (a
    // wrong SRS is refused, exit 4) and the header says so; without, the header says it was not
    // checked and shows the key's [τ]₂.
    let (checked_against, srs_line) = match &a.srs_path {
        Some(p) => {
            crate::srs::check_vk(p, &vk)?;
            let name = p.file_name().map_or_else(|| p.display().to_string(), |n| n.to_string_lossy().into_owned());
            (Some(name), format!("SRS: the key's [τ]₂ checked against {} (stated in the contract's header)", p.display()))
        }
        None => (None, "SRS: NOT checked against a ceremony file (no --srs-path); the contract's header says so and shows the key's [τ]₂".to_string()),
    };
    let source = evm::verifier_source_srs(&vk, &lengths, checked_against.as_deref()).map_err(|e| e.context(a.vk_path.display()))?;
    // Which matrix-product layout the key uses, and what it costs on-chain (docs/evm.md).
    let data = evm::contract::projection_data(&vk).map_err(|e| e.context(a.vk_path.display()))?;
    let layout_line = match &data {
        None => "layout: mac (no per-weight work on-chain; gas grows with the committed columns, about 6 150 per commitment)".to_string(),
        Some(d) => format!(
            "layout: projection — the contract reads {} weights from {} data contracts ({} bytes, deployed once, constructor arguments in order) and does one mulmod per weight on every call (the bundled MLP's 101 632 weights: 6.46 M gas against 0.87 M in the MAC layout); for on-chain use prefer gen-settings --matmul-layout mac (docs/evm.md)",
            d.weights(),
            d.runtimes().len(),
            d.blob.len()
        ),
    };
    // Everything computed: the contract and its ABI are written as one step (never a new
    // contract beside an old ABI, or the reverse).
    let abi = evm::abi_json();
    let mut files: Vec<(&std::path::Path, &[u8], Access)> = vec![(&a.sol_code_path, source.as_bytes(), Access::Shared)];
    if let Some(p) = &a.abi_path {
        files.push((p, abi.as_bytes(), Access::Shared));
    }
    write_all_atomic(&files)?;
    if a.srs_path.is_none() {
        out.note(SRS_UNCHECKED_WARNING);
    }
    Ok(Report {
        json: json!({"verb": "create-evm-verifier", "sol_code_path": a.sol_code_path.display().to_string(),
            "abi_path": a.abi_path.as_ref().map(|p| p.display().to_string()), "contract": evm::CONTRACT_NAME,
            "proof_format_version": evm::SUPPORTED_PROOF_VERSION, "public_inputs": lengths.iter().sum::<usize>(), "source_bytes": source.len(),
            "matmul_layout": if data.is_some() { "projection" } else { "mac" }, "data_contracts": data.as_ref().map_or(0, |d| d.runtimes().len()),
            "weights_on_chain": data.as_ref().map_or(0, |d| d.weights()),
            "srs_checked": a.srs_path.is_some(), "srs_path": a.srs_path.as_ref().map(|p| p.display().to_string())}),
        lines: vec![
            format!(
                "wrote {} (contract {}, proof format version {}, {} public inputs){}",
                a.sol_code_path.display(),
                evm::CONTRACT_NAME,
                evm::SUPPORTED_PROOF_VERSION,
                lengths.iter().sum::<usize>(),
                a.abi_path.as_ref().map(|p| format!(" and the ABI {}", p.display())).unwrap_or_default()
            ),
            layout_line,
            srs_line,
        ],
    })
}

fn call_of(path: &std::path::Path) -> Result<(ProofFile, Vec<u8>)> {
    let f = ProofFile::load(path)?;
    let proof = f.proof().map_err(|e| e.context(path.display()))?;
    let instances = f.instance_values().map_err(|e| e.context(path.display()))?;
    Ok((f, calldata::verify_call(&proof, &instances)))
}

pub fn encode(a: &EncodeEvmCalldata, _out: &Out) -> Result<Report> {
    check_outputs(&[("--proof-path", Some(&a.proof_path))], &[("--calldata-path", &a.calldata_path)])?;
    let (_, data) = call_of(&a.proof_path)?;
    write_atomic(&a.calldata_path, &data, Access::Shared)?;
    Ok(Report {
        json: json!({"verb": "encode-evm-calldata", "calldata_path": a.calldata_path.display().to_string(), "bytes": data.len()}),
        lines: vec![format!("wrote {} ({} bytes: verifyProof(bytes,uint256[]) calldata)", a.calldata_path.display(), data.len())],
    })
}

/// The `VK_DIGEST()` the deployed contract answers; `None` for a contract without it (another
/// tool's verifier, `--contract`).
fn contract_digest(chain: &mut machine::Deployed) -> Result<Option<[u8; 32]>> {
    Ok(match chain.call(&calldata::selector("VK_DIGEST()"))?.outcome {
        machine::Outcome::Returned(r) => r.try_into().ok(),
        _ => None,
    })
}

pub fn verify_evm(a: &VerifyEvm, _out: &Out) -> Result<Report> {
    let vk = match &a.vk_path {
        Some(p) => Some((p, load_vk(p)?)),
        None => None,
    };
    let (data, what, proof_file) = match &a.calldata_path {
        Some(p) => (super::read(p)?, format!("calldata {}", p.display()), None),
        None => {
            let (f, data) = call_of(&a.proof_path)?;
            (data, format!("proof {}", a.proof_path.display()), Some(f))
        }
    };
    let source = crate::files::read_to_string(&a.sol_code_path)?;
    let name = a.contract.as_deref().unwrap_or(evm::CONTRACT_NAME);
    let compiled = solc::compile(&source, name).map_err(|e| e.context(a.sol_code_path.display()))?;
    // A projection-layout verifier is constructed with its data contracts, made from the key.
    let needs = evm::data_contracts_of_source(&source);
    let data_contracts = match (&vk, needs) {
        (_, 0) => vec![],
        (Some((p, vk)), _) => evm::data_contracts(vk).map_err(|e| e.context(p.display()))?,
        (None, n) => {
            return Err(Error::new(
                ExitCode::BadInput,
                format!("{}: the verifier reads the key's projection data from {n} data contracts; give --vk-path to deploy them", a.sol_code_path.display()),
            ))
        }
    };
    let mut chain = machine::Deployed::with_data(&compiled.init_code, &data_contracts).map_err(|e| e.context(a.sol_code_path.display()))?;
    let mut lines = vec![];
    // The key must be the one the contract was generated for (its VK_DIGEST): another key's
    // verdict says nothing about this contract, and its data contracts are not the ones the
    // contract checks.
    let mut digest_checked: Option<bool> = None;
    if let Some((p, vk)) = &vk {
        let digest = contract_digest(&mut chain)?;
        digest_checked = Some(digest.is_some());
        match digest {
            Some(d) if d != vk.digest() => {
                return Err(Error::artifact(format!(
                    "{}: the verifying key is not the one this contract was generated for: its digest is 0x{}, the contract's VK_DIGEST (in {}) is 0x{}",
                    p.display(),
                    hex::encode(vk.digest()),
                    a.sol_code_path.display(),
                    hex::encode(d)
                )))
            }
            Some(_) => lines.push(format!("verifying key {}: its digest is the contract's VK_DIGEST", p.display())),
            None => lines.push(format!("verifying key {}: NOT matched to the contract ({name} has no VK_DIGEST())", p.display())),
        }
    }
    let call = chain.call(&data)?;
    let valid = matches!(&call.outcome, machine::Outcome::Returned(r) if r.len() == 32 && r[31] == 1 && r[..31].iter().all(|b| *b == 0));
    let rust = match (&vk, &proof_file) {
        (Some((p, vk)), Some(f)) => {
            let ok = verify(vk, &f.proof()?, &f.instance_values()?).is_ok();
            lines.push(format!("Rust verifier under {}: {}", p.display(), if ok { "VALID" } else { "REJECTED" }));
            Some(ok)
        }
        (Some(_), None) => {
            lines.push("Rust verifier: not run (--calldata-path gives the call's bytes, not a proof file)".to_string());
            None
        }
        (None, _) => None,
    };
    let why = match &call.outcome {
        machine::Outcome::Reverted(r) if r.len() == 32 => {
            format!("reverted with reason code {}", r[31])
        }
        machine::Outcome::Reverted(r) => format!("reverted ({} bytes)", r.len()),
        machine::Outcome::Halted(h) => format!("halted: {h}"),
        machine::Outcome::Returned(_) => String::new(),
    };
    lines.insert(
        0,
        format!(
            "EVM verifier {} ({name}, {} bytes of code{}, {}): {what} is {} — gas {}{}",
            a.sol_code_path.display(),
            chain.code_size,
            if data_contracts.is_empty() {
                String::new()
            } else {
                format!(", {} data contracts of {} bytes", data_contracts.len(), data_contracts.iter().map(Vec::len).sum::<usize>())
            },
            compiled.compiler,
            if valid { "VALID" } else { "REJECTED" },
            call.gas_used,
            if why.is_empty() { String::new() } else { format!(" ({why})") }
        ),
    );
    let json = json!({"verb": "verify-evm", "verified": valid, "gas_used": call.gas_used, "code_size": chain.code_size, "deploy_gas": chain.deploy_gas, "data_contracts": data_contracts.len(), "data_deploy_gas": chain.data_deploy_gas, "rust_verified": rust, "vk_digest_checked": digest_checked, "reason": why});
    if rust.is_some_and(|r| r != valid) {
        return Err(Error::new(ExitCode::Internal, format!("the EVM verifier and the Rust verifier disagree: {}", lines.join("; "))));
    }
    if !valid {
        return Err(Error::new(ExitCode::VerificationFailed, lines.join("\n")));
    }
    Ok(Report { json, lines })
}
