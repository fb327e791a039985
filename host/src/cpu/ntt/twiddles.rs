//! Precomputed tables for the NTT, cached per size (and per coset shift).
//!
//! * Stage tables: for every stage length `len = 2, 4, …, n` the `len/2` twiddles `ω_len^j`,
//!   concatenated (stage `len` starts at offset `len/2 − 1`; `n − 1` elements in all), so every
//!   stage reads its twiddles contiguously, whatever its depth in the recursion.
//! * Coset tables: `g^i` (forward) and `n^{-1}·g^{-i}` (inverse, the 1/n scaling folded in).
//!
//! Tables are built in parallel once and kept in a process-wide cache (the prover's domains and
//! shift are fixed, so later transforms pay nothing); [`clear_cache`] frees them. The cache keeps at
//! most [`MAX_ENTRIES`] tables and starts over when full. [`clear_cache`] also frees the IFMA
//! kernel's tables and buffer (`cpu::ifma::ntt`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use ark_ff::{AdditiveGroup, FftField, Field, PrimeField};
use rayon::prelude::*;

use crate::Fr;

/// The most tables kept at once.
pub const MAX_ENTRIES: usize = 24;

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Key {
    Stages { log_n: u32, inverse: bool },
    Coset { log_n: u32, shift: [u64; 4], inverse: bool },
}

fn cache() -> &'static Mutex<HashMap<Key, Arc<Vec<Fr>>>> {
    static CACHE: OnceLock<Mutex<HashMap<Key, Arc<Vec<Fr>>>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

fn cached(key: Key, make: impl FnOnce() -> Vec<Fr>) -> Arc<Vec<Fr>> {
    if let Some(t) = cache().lock().expect("twiddle cache").get(&key) {
        return t.clone();
    }
    let t = Arc::new(make());
    let mut c = cache().lock().expect("twiddle cache");
    if c.len() >= MAX_ENTRIES {
        c.clear();
    }
    c.entry(key).or_insert(t).clone()
}

/// Frees every cached table.
pub fn clear_cache() {
    cache().lock().expect("twiddle cache").clear();
    #[cfg(target_arch = "x86_64")]
    crate::cpu::ifma::ntt::clear_cache();
}

/// The generator of the size-2^log_n subgroup, as `ark-poly`'s `Radix2EvaluationDomain` uses it.
pub fn root_of_unity(log_n: u32) -> Fr {
    Fr::get_root_of_unity(1u64 << log_n).expect("BN254 Fr has 2-adicity 28")
}

/// `[start, start·x, start·x², …]` of length `len`, in parallel chunks.
pub fn powers(start: Fr, x: Fr, len: usize) -> Vec<Fr> {
    let mut out = vec![Fr::ZERO; len];
    const CHUNK: usize = 1 << 12;
    out.par_chunks_mut(CHUNK).enumerate().for_each(|(c, chunk)| {
        let mut v = start * x.pow([(c * CHUNK) as u64]);
        for e in chunk {
            *e = v;
            v *= x;
        }
    });
    out
}

/// The stage tables of a size-2^log_n transform (forward: powers of ω; inverse: of ω^{-1}).
#[derive(Clone)]
pub struct Stages {
    table: Arc<Vec<Fr>>,
}

impl Stages {
    pub fn get(log_n: u32, inverse: bool) -> Self {
        let table = cached(Key::Stages { log_n, inverse }, || {
            let n = 1usize << log_n;
            let mut w = root_of_unity(log_n);
            if inverse {
                w = w.inverse().expect("root of unity is non-zero");
            }
            let mut table = vec![Fr::ZERO; n.saturating_sub(1)];
            if n >= 2 {
                let top = powers(Fr::ONE, w, n / 2);
                table[n / 2 - 1..].copy_from_slice(&top);
                // Stage len/2 takes every other twiddle of stage len.
                let mut len = n / 2;
                while len >= 2 {
                    let (lower, upper) = table.split_at_mut(len - 1);
                    let src = &upper[..len];
                    let dst = &mut lower[len / 2 - 1..len - 1];
                    dst.par_iter_mut().enumerate().for_each(|(j, d)| *d = src[2 * j]);
                    len /= 2;
                }
            }
            table
        });
        Self { table }
    }

    /// ω_len^j for j < len/2.
    #[inline(always)]
    pub fn stage(&self, len: usize) -> &[Fr] {
        &self.table[len / 2 - 1..len - 1]
    }
}

/// `g^i` for i < n (forward coset) or `n^{-1}·g^{-i}` (inverse coset).
pub fn coset_table(log_n: u32, shift: Fr, inverse: bool) -> Arc<Vec<Fr>> {
    let key = Key::Coset { log_n, shift: shift.into_bigint().0, inverse };
    cached(key, || {
        let n = 1usize << log_n;
        if inverse {
            let n_inv = Fr::from(n as u64).inverse().expect("n < r");
            powers(n_inv, shift.inverse().expect("non-zero shift"), n)
        } else {
            powers(Fr::ONE, shift, n)
        }
    })
}
