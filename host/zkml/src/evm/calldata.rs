//! The ABI-encoded calls of the generated contract: `verifyProof(bytes proof, uint256[] instances)`
//! and `transcriptChallenges(bytes, uint256[])`, with the proof in its EVM encoding
//! ([`super::layout::encode_proof`]) and the instance columns concatenated as big-endian words.

use revm::primitives::keccak256;
use zkaccel::plonk::Proof;
use zkaccel::Fr;

use super::layout::{encode_proof, fr_word};

/// The 4-byte selector of a function signature.
pub fn selector(signature: &str) -> [u8; 4] {
    keccak256(signature.as_bytes())[..4].try_into().expect("4 bytes")
}

/// ABI encoding of `f(bytes, uint256[])` with the given selector.
pub fn encode(selector: [u8; 4], bytes: &[u8], words: &[[u8; 32]]) -> Vec<u8> {
    let word = |v: usize| {
        let mut w = [0u8; 32];
        w[24..].copy_from_slice(&(v as u64).to_be_bytes());
        w
    };
    let padded = bytes.len().div_ceil(32) * 32;
    let mut out = selector.to_vec();
    out.extend_from_slice(&word(0x40));
    out.extend_from_slice(&word(0x40 + 32 + padded));
    out.extend_from_slice(&word(bytes.len()));
    out.extend_from_slice(bytes);
    out.resize(out.len() + padded - bytes.len(), 0);
    out.extend_from_slice(&word(words.len()));
    for w in words {
        out.extend_from_slice(w);
    }
    out
}

/// The instance columns, concatenated.
pub fn instance_words(instances: &[Vec<Fr>]) -> Vec<[u8; 32]> {
    instances.iter().flatten().map(fr_word).collect()
}

/// Calldata of `verifyProof(proof, instances)`.
pub fn verify_call(proof: &Proof, instances: &[Vec<Fr>]) -> Vec<u8> {
    encode(selector("verifyProof(bytes,uint256[])"), &encode_proof(proof), &instance_words(instances))
}

/// Calldata of `transcriptChallenges(proof, instances)`.
pub fn challenges_call(proof: &Proof, instances: &[Vec<Fr>]) -> Vec<u8> {
    encode(selector("transcriptChallenges(bytes,uint256[])"), &encode_proof(proof), &instance_words(instances))
}
