//! The lookup helpers of the accelerator backend on a card with the lookup kernel, each result
//! checked before the prover sees it:
//!
//! * **batch inversion**: zeros stay zero (left out on the host); the card returns `1/x_i` by
//!   Montgomery's trick; the host checks `x_i · y_i = 1` for **every** element — `n` products,
//!   exact (no soundness error), against the `3n` products and one inversion of the CPU's
//!   Montgomery trick that the card saves (and the 128-element inversion between the two passes,
//!   which the host does anyway).
//! * **multiplicities**: served when the table's first column is a run of consecutive values
//!   `t0, t0+1, …, t0+T−1` on its first `T` rows and every later row repeats one of those rows
//!   (range checks and activation tables, padded with a repeat): the host maps each input tuple
//!   to its row `f_0 − t0` (one subtraction and comparison per column), the card counts; the
//!   counts are checked by a random evaluation modulo the Mersenne prime `q = 2^61 − 1`:
//!   `Σ_j c_j r^j = Σ_i r^{row_i}` (error ≤ (T−1)/q), `T + n` word operations. Other tables go to
//!   the CPU with the reason. Here the card saves the host only the counting loop itself; the
//!   row mapping stays on the host.

use std::sync::Mutex;
use std::time::Instant;

use ark_bn254::Fr;
use ark_ff::{One, PrimeField, Zero};
use rand::Rng;
use zkaccel::backend::Multiplicities;
use zkaccel_interface::regs::Kernel;

use super::{cannot_serve, lock_card, reason, AccelBackend, Card, CHECK_FAILED};
use crate::device::DeviceError;
use crate::lookup::{DeviceLookup, LookupStats};

/// The table's first column is `t0 + j` on rows `j < len`, and every row `≥ len` repeats a row
/// `< len`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunTable {
    /// The first value.
    pub t0: Fr,
    /// Rows in the run.
    pub len: usize,
}

fn offset(v: Fr, t0: Fr, len: usize) -> Option<usize> {
    let d = (v - t0).into_bigint();
    let limbs = d.as_ref();
    (limbs[1..].iter().all(|&w| w == 0) && limbs[0] < len as u64).then_some(limbs[0] as usize)
}

/// The run layout of `table` (columns), if it has one.
pub fn run_table(table: &[&[Fr]]) -> Option<RunTable> {
    let first = table.first()?;
    let t0 = *first.first()?;
    let len = first.iter().enumerate().take_while(|(j, v)| **v == t0 + Fr::from(*j as u64)).count();
    let repeats = (len..first.len()).all(|r| offset(first[r], t0, len).is_some_and(|j| table.iter().all(|c| c[r] == c[j])));
    (repeats && len <= u32::MAX as usize).then_some(RunTable { t0, len })
}

/// The row of each input tuple in a run table, and the input rows whose tuple is not in it.
pub fn rows_of(run: RunTable, table: &[&[Fr]], inputs: &[&[Fr]]) -> (Vec<u32>, Vec<usize>) {
    let n = inputs.first().map_or(0, |c| c.len());
    let mut rows = Vec::with_capacity(n);
    let mut missing = vec![];
    for i in 0..n {
        match offset(inputs[0][i], run.t0, run.len).filter(|&j| table.iter().zip(inputs).all(|(t, c)| t[j] == c[i])) {
            Some(j) => rows.push(j as u32),
            None => missing.push(i),
        }
    }
    (rows, missing)
}

const Q: u64 = (1 << 61) - 1;

fn mul_q(a: u64, b: u64) -> u64 {
    let p = a as u128 * b as u128;
    let r = (p & Q as u128) as u64 + (p >> 61) as u64;
    if r >= Q {
        r - Q
    } else {
        r
    }
}

/// Whether `counts` are the multiplicities of `rows`: `Σ_j counts_j r^j = Σ_i r^{rows_i}` mod
/// `2^61 − 1` at a random `r` (a wrong count vector passes with probability ≤ (T−1)/(2^61 − 1)).
pub fn counts_hold(rows: &[u32], counts: &[u32], rng: &mut impl Rng) -> bool {
    if rows.iter().any(|&j| j as usize >= counts.len()) {
        return false;
    }
    let r = rng.gen_range(1..Q);
    let mut pow = Vec::with_capacity(counts.len());
    let mut p = 1u64;
    for _ in 0..counts.len() {
        pow.push(p);
        p = mul_q(p, r);
    }
    let lhs = counts.iter().zip(&pow).fold(0u64, |acc, (&c, &p)| (acc + mul_q(c as u64, p)) % Q);
    let rhs = rows.iter().fold(0u64, |acc, &j| (acc + pow[j as usize]) % Q);
    lhs == rhs
}

/// Whether `inv_i · x_i = 1` for every `i`.
pub fn inverses_hold(x: &[Fr], inv: &[Fr]) -> bool {
    x.len() == inv.len() && x.iter().zip(inv).all(|(a, b)| *a * b == Fr::one())
}

impl AccelBackend {
    fn lookup_card(&self) -> Option<&Mutex<Card>> {
        self.cards_with(Kernel::Lookup).into_iter().next()
    }

    /// `host_time`: the part of `card_time` outside the card's `Device` methods.
    fn record_lookup_card(
        &self,
        card: &Card,
        elements: usize,
        stats: LookupStats,
        card_time: std::time::Duration,
        host_time: std::time::Duration,
        check_time: std::time::Duration,
    ) {
        self.record(|p| {
            *p.lookup.per_card.entry(card.name.clone()).or_default() += 1;
            p.lookup.card_calls += 1;
            p.lookup.card_elements += elements as u64;
            p.lookup.card_cycles = p.lookup.card_cycles.saturating_add(stats.cycles);
            p.lookup.card_bytes_to += stats.bytes_to_card;
            p.lookup.card_bytes_from += stats.bytes_from_card;
            p.lookup.card_time += card_time;
            p.lookup.card_host_time += host_time;
            p.lookup.check_time += check_time;
        });
    }

    /// Batch inversion on the lookup card (checked), else the reason to go to the CPU (an empty
    /// reason: a card call failed and was counted as a fallback; `values` are then unchanged).
    pub(super) fn batch_invert_card(&self, values: &mut [Fr]) -> Result<(), String> {
        let m = self.lookup_card().ok_or_else(|| self.no_card_reason(Kernel::Lookup).to_string())?;
        let mut card = lock_card(m);
        if card.dead.is_some() {
            return Err("no healthy card has a lookup kernel".into());
        }
        let nonzero: Vec<usize> = (0..values.len()).filter(|&i| !values[i].is_zero()).collect();
        if nonzero.is_empty() {
            return Err("no non-zero value to invert".into());
        }
        let x: Vec<Fr> = nonzero.iter().map(|&i| values[i]).collect();
        let (t, d0) = (Instant::now(), card.device_time());
        let result = DeviceLookup::new(card.dev(), self.timeout).and_then(|mut l| {
            let out = l.fractions(Fr::zero(), &x, None)?;
            Ok((out, l.take_stats()))
        });
        let card_time = t.elapsed();
        let host_time = card_time.saturating_sub(card.device_time().saturating_sub(d0));
        let failure = match result {
            Ok((inv, stats)) => {
                let t = Instant::now();
                let ok = inverses_hold(&x, &inv);
                let check_time = t.elapsed();
                if ok {
                    for (&i, y) in nonzero.iter().zip(inv) {
                        values[i] = y;
                    }
                    card.succeeded();
                    self.record_lookup_card(&card, values.len(), stats, card_time, host_time, check_time);
                    return Ok(());
                }
                card.failed(&DeviceError::Protocol(CHECK_FAILED.into()), CHECK_FAILED);
                CHECK_FAILED.to_string()
            }
            // Beyond the card's limits: routed to the CPU, the card neither reset nor blamed.
            Err(DeviceError::Unsupported(m)) => return Err(cannot_serve(&m)),
            Err(e) => {
                let why = reason(&e);
                card.failed(&e, &why);
                why
            }
        };
        self.record(|p| {
            p.lookup.card_time += card_time;
            *p.lookup.fallbacks.entry(failure.clone()).or_default() += 1;
        });
        Err(String::new())
    }

    /// Multiplicities on the lookup card (checked), else the reason to go to the CPU (an empty
    /// reason: a card call failed and was counted as a fallback).
    pub(super) fn multiplicities_card(&self, table: &[&[Fr]], inputs: &[&[Fr]]) -> Result<Multiplicities, String> {
        let m = self.lookup_card().ok_or_else(|| self.no_card_reason(Kernel::Lookup).to_string())?;
        if table.len() != inputs.len() || table.is_empty() {
            return Err("table and inputs differ in columns".into());
        }
        // The host's share of the call starts here: the table's run and the inputs' rows.
        let t = Instant::now();
        let run = run_table(table).ok_or_else(|| "the table is not a run of consecutive values (and repeats)".to_string())?;
        let (rows, missing) = rows_of(run, table, inputs);
        let mut card = lock_card(m);
        if card.dead.is_some() {
            return Err("no healthy card has a lookup kernel".into());
        }
        let d0 = card.device_time();
        let result = DeviceLookup::new(card.dev(), self.timeout).and_then(|mut l| {
            let counts = if rows.is_empty() { vec![0; run.len] } else { l.count(&rows, run.len)? };
            Ok((counts, l.take_stats()))
        });
        let card_time = t.elapsed();
        let host_time = card_time.saturating_sub(card.device_time().saturating_sub(d0));
        let failure = match result {
            Ok((counts, stats)) => {
                let t = Instant::now();
                let ok = counts.len() == run.len && counts_hold(&rows, &counts, &mut rand::thread_rng());
                let check_time = t.elapsed();
                if ok {
                    let n_table = table[0].len();
                    let mut out: Vec<Fr> = counts.into_iter().map(|c| Fr::from(c as u64)).collect();
                    out.resize(n_table, Fr::zero());
                    card.succeeded();
                    self.record_lookup_card(&card, inputs[0].len(), stats, card_time, host_time, check_time);
                    return Ok(Multiplicities { counts: out, missing });
                }
                card.failed(&DeviceError::Protocol(CHECK_FAILED.into()), CHECK_FAILED);
                CHECK_FAILED.to_string()
            }
            // Beyond the card's limits: routed to the CPU, the card neither reset nor blamed.
            Err(DeviceError::Unsupported(m)) => return Err(cannot_serve(&m)),
            Err(e) => {
                let why = reason(&e);
                card.failed(&e, &why);
                why
            }
        };
        self.record(|p| {
            p.lookup.card_time += card_time;
            *p.lookup.fallbacks.entry(failure).or_default() += 1;
        });
        Err(String::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn run_tables_rows_and_the_count_check() {
        let t0 = -Fr::from(3u64);
        let col0: Vec<Fr> = (0..8).map(|j| t0 + Fr::from(j as u64)).chain([Fr::zero(), Fr::zero()]).collect();
        let col1: Vec<Fr> = col0.iter().map(|v| *v * v).collect();
        let table = [&col0[..], &col1[..]];
        let run = run_table(&table).unwrap();
        assert_eq!(run, RunTable { t0, len: 8 });
        let in0 = [Fr::zero(), t0, Fr::from(4u64), Fr::from(5u64), Fr::from(1u64)];
        let mut in1: Vec<Fr> = in0.iter().map(|v| *v * v).collect();
        in1[4] += Fr::one();
        let (rows, missing) = rows_of(run, &table, &[&in0, &in1]);
        assert_eq!(rows, vec![3, 0, 7]);
        assert_eq!(missing, vec![3, 4]);
        // A padding row that repeats no row of the run: not a run table.
        let mut bad = col1.clone();
        bad[9] = Fr::from(7u64);
        assert_eq!(run_table(&[&col0[..], &bad[..]]), None);
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        assert!(counts_hold(&rows, &[1, 0, 0, 1, 0, 0, 0, 1], &mut rng));
        assert!(!counts_hold(&rows, &[1, 0, 0, 0, 1, 0, 0, 1], &mut rng), "a count moved to another row");
        assert!(!counts_hold(&rows, &[1, 0, 0, 1, 0, 0, 0, 2], &mut rng));
        assert!(inverses_hold(&[Fr::from(2u64)], &[ark_ff::Field::inverse(&Fr::from(2u64)).unwrap()]));
        assert!(!inverses_hold(&[Fr::from(2u64)], &[Fr::from(2u64)]));
    }
}
