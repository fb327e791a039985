//! The Solidity verifier for one verifying key: one assembly block that follows
//! `zkaccel::plonk::verifier::verify` step by step — input checks, the Keccak transcript (byte for
//! byte, `zkaccel::transcript`), the constraints at ζ, the batched KZG opening as one pairing
//! check — with every count, query and key commitment written in as constants. `verifyProof` and
//! `transcriptChallenges` are declared in the interface `I<name>` the file also defines and answered
//! by the contract's fallback, so the exact-calldata check (reason 1) runs before anything reads
//! the arguments; every precompile call's success and return size are checked (reason 6).
//!
//! Memory map (words; the block never hands control back to Solidity code, so it owns memory):
//! `0x000–0x17f` precompile scratch, then the two accumulated G1 points, pointers, challenges,
//! derived scalars, the evaluations copied from calldata, the public inputs evaluated at their
//! points, powers of u and v, the batch-inversion area, and last the transcript buffer (it grows
//! with the public inputs).

use std::collections::BTreeMap;
use std::fmt::Write;

use ark_ec::AffineRepr;
use ark_ff::Field;
use zkaccel::plonk::{opening_list, permutation, Opened, Query, VerifyingKey};
use zkaccel::transcript::DOMAIN_SEPARATOR;
use zkaccel::{Fr, G1Affine, G2Affine};

use super::layout::{fq_word, g1_words, ProofLayout};
use super::projection::{ProjectionData, CELL_BYTES, CHUNK};
use super::yul::{compress, expression, fr, hex_word, label, Slots};
use crate::error::Result;

/// Reasons the contract reverts with (a 32-byte code), for people and tests.
pub mod reject {
    pub const CALLDATA_LENGTH: u8 = 1;
    pub const NON_CANONICAL_SCALAR: u8 = 2;
    pub const NOT_ON_CURVE: u8 = 3;
    pub const IN_DOMAIN: u8 = 4;
    pub const PAIRING: u8 = 5;
    pub const PRECOMPILE: u8 = 6;
    pub const NON_CANONICAL_INPUT: u8 = 7;
    /// A data contract's code hash is not the one the verifier was generated with.
    pub const DATA: u8 = 8;
}

/// The functions the contract answers (its fallback dispatches them, see [`generate`]).
pub const VERIFY_SIGNATURE: &str = "verifyProof(bytes,uint256[])";
pub const TRANSCRIPT_SIGNATURE: &str = "transcriptChallenges(bytes,uint256[])";
/// Where the proof starts in the calldata: selector, the two offsets, the proof's length.
const PROOF_AT: usize = 4 + 3 * 32;

// Fixed memory slots.
const LHS: usize = 0x180;
const RHS: usize = 0x1c0;
const PROOF_PTR: usize = 0x200;
const INST_PTR: usize = 0x220;
const TP: usize = 0x240;
/// The challenges in `Challenges` order (what `transcriptChallenges` returns).
const CH: usize = 0x260;
const BETA: usize = CH;
const GAMMA: usize = CH + 0x20;
const ALPHA: usize = CH + 0x40;
const ZETA: usize = CH + 0x60;
const V: usize = CH + 0x80;
const U: usize = CH + 0xa0;
const THETA: usize = CH + 0xc0;
const LBETA: usize = CH + 0xe0;
/// ρ (zero without projections), the ninth word returned by `transcriptChallenges`.
const RHO: usize = CH + 0x100;
const ZN: usize = 0x380;
const ZHN: usize = 0x3a0;
const L0: usize = 0x3c0;
const ACC: usize = 0x3e0;
const APOW: usize = 0x400;
const TEVAL: usize = 0x420;
const ETOT: usize = 0x440;
const EVALS: usize = 0x460;

/// Where the contract keeps the evaluation of an advice query (the advice evaluations are the first
/// evaluations, copied to `EVALS` in query order).
pub fn advice_eval_address(vk: &VerifyingKey, q: &Query) -> Option<usize> {
    vk.cs().queries().advice.iter().position(|x| x == q).map(|i| EVALS + 32 * i)
}

/// The projection data (data contracts) of `vk`'s verifier; `None` without projections.
pub fn projection_data(vk: &VerifyingKey) -> Result<Option<ProjectionData>> {
    ProjectionData::of(vk, |q| advice_eval_address(vk, q))
}

/// The public inputs the contract takes: the lengths of the instance columns, in order (the
/// transcript absorbs each length, so they are part of the statement). With projections, the
/// contract's constructor takes the addresses of the data contracts ([`projection_data`]).
/// The header states whether the key's SRS was checked against a ceremony file
/// (`srs_checked_against`: its file name) and shows the key's [τ]₂ ([`srs_header`]).
pub fn generate(vk: &VerifyingKey, instance_lengths: &[usize], contract_name: &str, srs_checked_against: Option<&str>) -> Result<String> {
    let cs = vk.cs();
    let shape = vk.shape();
    let domain = vk.domain();
    let queries = cs.queries();
    let layout = ProofLayout::of(vk);
    let off = layout.offsets();
    assert_eq!(instance_lengths.len(), cs.num_instance, "one length per instance column");
    let data = projection_data(vk)?;

    // ---- the calldata (canonical ABI encoding of (bytes proof, uint256[] instances)) ----
    assert_eq!(layout.len() % 32, 0, "the proof's EVM encoding is whole words");
    let total_instances: usize = instance_lengths.iter().sum();
    // The second head word (the instances' offset from the arguments' start), where the instances
    // start in calldata, and the size of the whole call.
    let inst_head = 0x40 + 0x20 + layout.len();
    let inst_at = 4 + inst_head + 0x20;
    let call_size = inst_at + 32 * total_instances;

    // ---- memory map ----
    let n_evals = layout.evals();
    let eval_slot = |i: usize| EVALS + 32 * i;
    let adv0 = 0;
    let fix0 = layout.advice_evals;
    let sig0 = fix0 + layout.fixed_evals;
    let z0 = sig0 + layout.sigma_evals;
    let lk0 = z0 + layout.z_evals;
    let pj0 = lk0 + layout.lookup_evals;
    let inst_q0 = EVALS + 32 * n_evals;
    let slots = Slots {
        advice: queries.advice.iter().enumerate().map(|(i, q)| (*q, eval_slot(adv0 + i))).collect(),
        fixed: queries.fixed.iter().enumerate().map(|(i, q)| (*q, eval_slot(fix0 + i))).collect(),
        instance: queries.instance.iter().enumerate().map(|(i, q)| (*q, inst_q0 + 32 * i)).collect(),
    };
    let list = opening_list(cs, shape);
    let mut rotations: Vec<i32> = vec![];
    for (_, r) in &list {
        if !rotations.contains(r) {
            rotations.push(*r);
        }
    }
    let max_group = rotations.iter().map(|r| list.iter().filter(|(_, x)| x == r).count()).max().unwrap_or(1);
    let upow = inst_q0 + 32 * queries.instance.len();
    let vpow = upow + 32 * rotations.len();
    let inv = vpow + 32 * max_group;
    // Denominators: Z_H(ζ), ζ − 1, then per instance query its column's length.
    let inst_den: Vec<usize> = queries.instance.iter().map(|q| instance_lengths[q.column.index]).collect();
    let n_inv = 2 + inst_den.iter().sum::<usize>();
    let pre = inv + 32 * n_inv;
    let tbuf = pre + 32 * n_inv;
    // The projection area, after the largest the transcript buffer can grow (every absorb at
    // most label + 64 bytes): data contract addresses, r/comb/T, the blob, λ and its scratch.
    let transcript_bound = 1024 + 96 * (total_instances + cs.num_instance + layout.commitments() + layout.witnesses + n_evals);
    let dir = tbuf + transcript_bound;
    let n_data = data.as_ref().map_or(0, |d| d.runtimes().len());
    let (rcur, comb, ttot, negoff) = (dir + 32 * n_data, dir + 32 * n_data + 32, dir + 32 * n_data + 64, dir + 32 * n_data + 96);
    let blob = negoff + 32;
    let lam = blob + data.as_ref().map_or(0, |d| d.blob.len().div_ceil(32) * 32 + 32);
    let lpre = lam + 32 * data.as_ref().map_or(0, |d| d.cells);

    let mut y = String::new();
    let w = &mut y;
    // ---- helpers ----
    let q_mod = "0x30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47";
    let two256 = fr(&(Fr::from(2u64).pow([256u64])));
    wl(w, "function fail(code) { mstore(0, code) revert(0, 0x20) }");
    wl(w, &format!("function cfr(p) -> v {{ v := calldataload(p) if iszero(lt(v, R)) {{ fail({}) }} }}", reject::NON_CANONICAL_SCALAR));
    wl(w, &format!(
        "function checkpt(p) {{ let x := calldataload(p) let y := calldataload(add(p, 0x20)) if iszero(and(lt(x, Q), lt(y, Q))) {{ fail({c}) }} if iszero(or(x, y)) {{ leave }} if iszero(eq(mulmod(y, y, Q), addmod(mulmod(mulmod(x, x, Q), x, Q), 3, Q))) {{ fail({c}) }} }}",
        c = reject::NOT_ON_CURVE
    ));
    wl(w, &format!("function absorbw(lbl, ll, v) {{ let p := mload({TP:#x}) mstore(p, lbl) p := add(p, ll) mstore(p, v) mstore({TP:#x}, add(p, 0x20)) }}"));
    wl(
        w,
        &format!("function absorbu(lbl, ll, v) {{ let p := mload({TP:#x}) mstore(p, lbl) p := add(p, ll) mstore(p, shl(192, v)) mstore({TP:#x}, add(p, 8)) }}"),
    );
    wl(w, &format!(
        "function absorbpts(lbl, ll, src, count) {{ let p := mload({TP:#x}) for {{ let i := 0 }} lt(i, count) {{ i := add(i, 1) }} {{ mstore(p, lbl) p := add(p, ll) calldatacopy(p, add(src, mul(i, 0x40)), 0x40) p := add(p, 0x40) }} mstore({TP:#x}, p) }}"
    ));
    wl(w, &format!(
        "function absorbfrs(lbl, ll, src, count) {{ let p := mload({TP:#x}) for {{ let i := 0 }} lt(i, count) {{ i := add(i, 1) }} {{ mstore(p, lbl) p := add(p, ll) mstore(p, mload(add(src, mul(i, 0x20)))) p := add(p, 0x20) }} mstore({TP:#x}, p) }}"
    ));
    wl(w, &format!(
        "function squeeze(lbl, ll) -> c {{ let p := mload({TP:#x}) mstore(p, lbl) p := add(p, ll) mstore8(p, 0) let d0 := keccak256({tbuf:#x}, sub(add(p, 1), {tbuf:#x})) mstore8(p, 1) let d1 := keccak256({tbuf:#x}, sub(add(p, 1), {tbuf:#x})) mstore({tbuf:#x}, d0) mstore({t2:#x}, d1) mstore({TP:#x}, {t3:#x}) c := addmod(mulmod(d0, {two256}, R), d1, R) }}",
        t2 = tbuf + 32,
        t3 = tbuf + 64
    ));
    wl(w, "function push(c) { mstore(0x3e0, addmod(mload(0x3e0), mulmod(mload(0x400), c, R), R)) mstore(0x400, mulmod(mload(0x400), mload(0x2a0), R)) }");
    debug_assert_eq!((ACC, APOW, ALPHA), (0x3e0, 0x400, 0x2a0));
    wl(w, "function powm(b, e) -> r { r := 1 for {} e {} { if and(e, 1) { r := mulmod(r, b, R) } b := mulmod(b, b, R) e := shr(1, e) } }");
    // A precompile call must succeed AND return its whole output: a call to an address without
    // code (a chain without that precompile) succeeds with no return data and leaves the output
    // area as it was (a forged proof would pass on stale memory). Two statements, in this order:
    // Yul evaluates arguments right to left, so `and(staticcall(..), eq(returndatasize(), n))`
    // would read the previous call's return data size.
    let call = |precompile: u8, args: &str, out_len: usize| {
        format!(
            "if iszero(staticcall(gas(), {precompile}, {args})) {{ fail({c}) }} if iszero(eq(returndatasize(), {out_len:#x})) {{ fail({c}) }}",
            c = reject::PRECOMPILE
        )
    };
    wl(w, &format!(
        "function inverse(x) -> r {{ mstore(0, 0x20) mstore(0x20, 0x20) mstore(0x40, 0x20) mstore(0x60, x) mstore(0x80, sub(R, 2)) mstore(0xa0, R) {} r := mload(0) if iszero(eq(mulmod(r, x, R), 1)) {{ fail({}) }} }}",
        call(5, "0, 0xc0, 0, 0x20", 0x20),
        reject::PRECOMPILE
    ));
    wl(w, &format!(
        "function batchinv(start, n, pre) {{ let acc := 1 for {{ let i := 0 }} lt(i, n) {{ i := add(i, 1) }} {{ mstore(add(pre, mul(i, 0x20)), acc) acc := mulmod(acc, mload(add(start, mul(i, 0x20))), R) }} if iszero(acc) {{ fail({}) }} acc := inverse(acc) for {{ let i := n }} gt(i, 0) {{}} {{ i := sub(i, 1) let p := add(start, mul(i, 0x20)) let d := mload(p) mstore(p, mulmod(acc, mload(add(pre, mul(i, 0x20))), R)) acc := mulmod(acc, d, R) }} }}",
        reject::IN_DOMAIN
    ));
    // acc ← acc + s·(x, y)
    wl(
        w,
        &format!(
        "function ecacc(acc, x, y, s) {{ mstore(0, x) mstore(0x20, y) mstore(0x40, s) {} mstore(0xc0, mload(acc)) mstore(0xe0, mload(add(acc, 0x20))) {} }}",
        call(7, "0, 0x60, 0x80, 0x40", 0x40),
        call(6, "0x80, 0x80, acc, 0x40", 0x40)
    ),
    );
    wl(w, &format!("function ecacccd(acc, o, s) {{ let p := add(mload({PROOF_PTR:#x}), o) ecacc(acc, calldataload(p), calldataload(add(p, 0x20)), s) }}"));

    // ---- the data contracts' addresses (constructor arguments), first: Solidity put them at 0x80 ----
    for i in 0..n_data {
        wl(w, &format!("mstore({:#x}, mload(add(dataDir, {:#x})))", dir + 32 * i, 32 * i));
    }
    // ---- input checks ----
    // The call: verifyProof or transcriptChallenges (the contract's fallback, so this runs before
    // anything reads the arguments), in exactly the canonical ABI encoding: the two offsets, the
    // two lengths and the size are the ones `evm::calldata::encode` writes (the proof is whole
    // words, so there is no padding). Anything else — a byte more or less, other offsets — is
    // reason 1, and every argument sits at a fixed place.
    let sel = |sig: &str| format!("0x{}", hex::encode(super::calldata::selector(sig)));
    wl(
        w,
        &format!(
            "{{ let s := shr(224, calldataload(0)) if iszero(or(eq(s, {}), eq(s, {}))) {{ revert(0, 0) }} }}",
            sel(VERIFY_SIGNATURE),
            sel(TRANSCRIPT_SIGNATURE)
        ),
    );
    wl(w, &format!(
        "if iszero(and(and(eq(calldatasize(), {call_size:#x}), and(eq(calldataload(4), 0x40), eq(calldataload(0x24), {inst_head:#x}))), and(eq(calldataload({:#x}), {:#x}), eq(calldataload({:#x}), {total_instances:#x})))) {{ fail({}) }}",
        PROOF_AT - 32,
        layout.len(),
        inst_at - 32,
        reject::CALLDATA_LENGTH
    ));
    wl(w, &format!("mstore({PROOF_PTR:#x}, {PROOF_AT:#x})"));
    wl(w, &format!("mstore({INST_PTR:#x}, {inst_at:#x})"));
    wl(w, &format!(
        "for {{ let i := 0 }} lt(i, {total_instances}) {{ i := add(i, 1) }} {{ if iszero(lt(calldataload(add({inst_at:#x}, mul(i, 0x20))), R)) {{ fail({}) }} }}",
        reject::NON_CANONICAL_INPUT
    ));
    wl(w, &format!("for {{ let i := 0 }} lt(i, {}) {{ i := add(i, 1) }} {{ checkpt(add({PROOF_AT:#x}, mul(i, 0x40))) }}", layout.commitments()));
    wl(
        w,
        &format!(
            "for {{ let i := 0 }} lt(i, {}) {{ i := add(i, 1) }} {{ checkpt(add({PROOF_AT:#x}, add({}, mul(i, 0x40)))) }}",
            layout.witnesses, off.witnesses
        ),
    );
    wl(w, &format!("for {{ let i := 0 }} lt(i, {n_evals}) {{ i := add(i, 1) }} {{ mstore(add({EVALS:#x}, mul(i, 0x20)), cfr(add({PROOF_AT:#x}, add({}, mul(i, 0x20))))) }}", off.evals));

    // ---- transcript (zkaccel::plonk::verifier::derive_challenges) ----
    let mut pre_bytes = DOMAIN_SEPARATOR.to_vec();
    let mut raw = |l: &[u8], data: &[u8]| {
        pre_bytes.push(l.len() as u8);
        pre_bytes.extend_from_slice(l);
        pre_bytes.extend_from_slice(data);
    };
    raw(b"vk", &vk.digest());
    raw(b"n", &(domain.n as u64).to_be_bytes());
    raw(b"omega", &super::layout::fr_word(&domain.omega));
    raw(b"instance_columns", &(cs.num_instance as u64).to_be_bytes());
    for (i, chunk) in pre_bytes.chunks(32).enumerate() {
        let mut word = [0u8; 32];
        word[..chunk.len()].copy_from_slice(chunk);
        wl(w, &format!("mstore({:#x}, {})", tbuf + 32 * i, hex_word(&word)));
    }
    wl(w, &format!("mstore({TP:#x}, {:#x})", tbuf + pre_bytes.len()));
    let (l_pub, ll_pub) = label(b"public_inputs");
    let (l_pi, ll_pi) = label(b"pi");
    let mut start = 0;
    for len in instance_lengths {
        wl(w, &format!("absorbu({l_pub}, {ll_pub}, {len})"));
        wl(
            w,
            &format!(
            "for {{ let i := 0 }} lt(i, {len}) {{ i := add(i, 1) }} {{ absorbw({l_pi}, {ll_pi}, calldataload(add({inst_at:#x}, mul(add(i, {start}), 0x20)))) }}"
        ),
        );
        start += len;
    }
    let pts = |w: &mut String, lbl: &[u8], o: usize, count: usize| {
        if count > 0 {
            let (l, ll) = label(lbl);
            wl(w, &format!("absorbpts({l}, {ll}, add({PROOF_AT:#x}, {o}), {count})"));
        }
    };
    let frs = |w: &mut String, lbl: &[u8], first: usize, count: usize| {
        if count > 0 {
            let (l, ll) = label(lbl);
            wl(w, &format!("absorbfrs({l}, {ll}, {:#x}, {count})", eval_slot(first)));
        }
    };
    let squeeze = |w: &mut String, slot: usize, lbl: &[u8]| {
        let (l, ll) = label(lbl);
        wl(w, &format!("mstore({slot:#x}, squeeze({l}, {ll}))"));
    };
    pts(w, b"advice", off.advice, layout.advice);
    pts(w, b"lookup_m", off.lookup_m, layout.lookup_m);
    squeeze(w, BETA, b"beta");
    squeeze(w, GAMMA, b"gamma");
    if !cs.lookups.is_empty() {
        squeeze(w, THETA, b"theta");
        squeeze(w, LBETA, b"lookup_beta");
    }
    if data.is_some() {
        squeeze(w, RHO, b"projection_rho");
    }
    pts(w, b"perm_z", off.permutation, layout.permutation);
    pts(w, b"lookup_phi", off.lookup_phi, layout.lookup_phi);
    pts(w, b"projection_phi", off.projection_phi, layout.projection_phi);
    squeeze(w, ALPHA, b"alpha");
    pts(w, b"quotient", off.quotient, layout.quotient);
    squeeze(w, ZETA, b"zeta");
    frs(w, b"eval_advice", adv0, layout.advice_evals);
    frs(w, b"eval_fixed", fix0, layout.fixed_evals);
    frs(w, b"eval_sigma", sig0, layout.sigma_evals);
    frs(w, b"eval_z", z0, layout.z_evals);
    frs(w, b"eval_lookup", lk0, layout.lookup_evals);
    frs(w, b"eval_projection", pj0, layout.projection_evals);
    squeeze(w, V, b"v");
    pts(w, b"opening", off.witnesses, layout.witnesses);
    squeeze(w, U, b"u");
    wl(w, &format!("if challengesOnly {{ return({CH:#x}, 0x120) }}"));

    // ---- Z_H(ζ), L_0(ζ), the public inputs at their points (one batch inversion) ----
    wl(w, &format!("mstore({ZN:#x}, powm(mload({ZETA:#x}), {}))", domain.n));
    wl(w, &format!("mstore({inv:#x}, addmod(mload({ZN:#x}), sub(R, 1), R))"));
    wl(w, &format!("mstore({:#x}, addmod(mload({ZETA:#x}), sub(R, 1), R))", inv + 32));
    let omega = domain.omega;
    let point = |rot: i32| -> String {
        let w_rot = if rot >= 0 { omega.pow([rot as u64]) } else { domain.omega_inv.pow([(-(rot as i64)) as u64]) };
        if rot == 0 {
            format!("mload({ZETA:#x})")
        } else {
            format!("mulmod(mload({ZETA:#x}), {}, R)", fr(&w_rot))
        }
    };
    let mut den = inv + 64;
    let mut den_of_query = vec![];
    for (q, len) in queries.instance.iter().zip(&inst_den) {
        den_of_query.push(den);
        if *len > 0 {
            wl(w, &format!(
                "{{ let z := {} let om := 1 for {{ let i := 0 }} lt(i, {len}) {{ i := add(i, 1) }} {{ mstore(add({den:#x}, mul(i, 0x20)), addmod(z, sub(R, om), R)) om := mulmod(om, {}, R) }} }}",
                point(q.rotation),
                fr(&omega)
            ));
        }
        den += 32 * len;
    }
    wl(w, &format!("batchinv({inv:#x}, {n_inv}, {pre:#x})"));
    // Z_H(ζ)·n⁻¹ (the same at every rotated point: (ζω^r)^n = ζ^n).
    wl(w, &format!("mstore({ZHN:#x}, mulmod(addmod(mload({ZN:#x}), sub(R, 1), R), {}, R))", fr(&domain.n_inv)));
    wl(w, &format!("mstore({L0:#x}, mulmod(mload({ZHN:#x}), mload({:#x}), R))", inv + 32));
    let mut col_start = vec![0usize; cs.num_instance];
    for c in 1..cs.num_instance {
        col_start[c] = col_start[c - 1] + instance_lengths[c - 1];
    }
    for ((q, len), den) in queries.instance.iter().zip(&inst_den).zip(&den_of_query) {
        let slot = slots.of(q);
        if *len == 0 {
            wl(w, &format!("mstore({slot:#x}, 0)"));
            continue;
        }
        wl(w, &format!(
            "{{ let s := 0 let om := 1 for {{ let i := 0 }} lt(i, {len}) {{ i := add(i, 1) }} {{ s := addmod(s, mulmod(mulmod(calldataload(add({inst_at:#x}, mul(add(i, {}), 0x20))), om, R), mload(add({den:#x}, mul(i, 0x20))), R), R) om := mulmod(om, {}, R) }} mstore({slot:#x}, mulmod(s, mload({ZHN:#x}), R)) }}",
            col_start[q.column.index],
            fr(&omega)
        ));
    }

    // ---- the constraints at ζ (zkaccel::plonk::evaluation::combined_constraints) ----
    wl(w, &format!("mstore({ACC:#x}, 0) mstore({APOW:#x}, 1)"));
    for gate in &cs.gates {
        for e in &gate.constraints {
            wl(w, &format!("push({}) // {}", expression(e, &slots), comment_text(&gate.name)));
        }
    }
    if shape.perm_chunks > 0 {
        let zc = |c: usize, rot: i32| format!("mload({:#x})", eval_slot(z0 + permutation::z_eval_index(c, rot)));
        wl(w, &format!("push(mulmod(mload({L0:#x}), addmod({}, sub(R, 1), R), R))", zc(0, 0)));
        let shifts = permutation::shifts(cs.permutation.len());
        let m = cs.permutation.len();
        for c in 0..shape.perm_chunks {
            let mut s = format!("{{ let bx := mulmod(mload({BETA:#x}), mload({ZETA:#x}), R) let num := 1 let den := 1 let w := 0 ");
            for (j, (column, shift)) in
                cs.permutation.iter().zip(&shifts).enumerate().take(((c + 1) * shape.perm_chunk_len).min(m)).skip(c * shape.perm_chunk_len)
            {
                let wire = slots.load(&Query { column: *column, rotation: 0 });
                let _ = write!(
                    s,
                    "w := addmod({wire}, mload({GAMMA:#x}), R) num := mulmod(num, addmod(w, mulmod(bx, {}, R), R), R) den := mulmod(den, addmod(w, mulmod(mload({BETA:#x}), mload({:#x}), R), R), R) ",
                    fr(shift),
                    eval_slot(sig0 + j)
                );
            }
            let next = if c + 1 < shape.perm_chunks { zc(c + 1, 0) } else { zc(0, 1) };
            let _ = write!(s, "push(addmod(mulmod({next}, den, R), sub(R, mulmod({}, num, R)), R)) }}", zc(c, 0));
            wl(w, &s);
        }
    }
    for (l, lk) in cs.lookups.iter().enumerate() {
        let inputs: Vec<String> = lk.inputs.iter().map(|e| expression(e, &slots)).collect();
        let table: Vec<String> = lk.table.iter().map(|c| slots.load(&Query { column: *c, rotation: 0 })).collect();
        let theta = format!("mload({THETA:#x})");
        let (m, phi, phin) = (eval_slot(lk0 + 3 * l), eval_slot(lk0 + 3 * l + 1), eval_slot(lk0 + 3 * l + 2));
        wl(w, &format!(
            "{{ let f := addmod(mload({LBETA:#x}), {}, R) let t := addmod(mload({LBETA:#x}), {}, R) let phi := mload({phi:#x}) push(mulmod(mload({L0:#x}), phi, R)) push(addmod(addmod(mulmod(mulmod(addmod(mload({phin:#x}), sub(R, phi), R), f, R), t, R), sub(R, t), R), mulmod(mload({m:#x}), f, R), R)) }} // lookup {}",
            compress(&inputs, &theta),
            compress(&table, &theta),
            comment_text(&lk.name)
        ));
    }
    if let Some(d) = &data {
        projection_constraint(w, d, ProjectionSlots { dir, rcur, comb, ttot, negoff, blob, lam, lpre, phi: eval_slot(pj0), phi_next: eval_slot(pj0 + 1) });
    }
    // t(ζ) = N(ζ)/Z_H(ζ): Z_H's inverse is the first of the batch.
    wl(w, &format!("mstore({TEVAL:#x}, mulmod(mload({ACC:#x}), mload({inv:#x}), R))"));

    // ---- the batched opening (zkaccel::poly::kzg::multiopen::verify) ----
    wl(w, &format!("mstore({upow:#x}, 1) for {{ let i := 1 }} lt(i, {}) {{ i := add(i, 1) }} {{ mstore(add({upow:#x}, mul(i, 0x20)), mulmod(mload(add({upow:#x}, mul(sub(i, 1), 0x20))), mload({U:#x}), R)) }}", rotations.len()));
    wl(w, &format!("mstore({vpow:#x}, 1) for {{ let i := 1 }} lt(i, {max_group}) {{ i := add(i, 1) }} {{ mstore(add({vpow:#x}, mul(i, 0x20)), mulmod(mload(add({vpow:#x}, mul(sub(i, 1), 0x20))), mload({V:#x}), R)) }}"));
    // Scalars per commitment (a commitment opened at several points gets one summed scalar).
    #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
    enum Commit {
        Advice(usize),
        Fixed(usize),
        Sigma(usize),
        Perm(usize),
        LookupM(usize),
        LookupPhi(usize),
        ProjectionPhi,
        Quotient,
    }
    let mut scalars: BTreeMap<Commit, Vec<String>> = BTreeMap::new();
    let mut eval_terms = vec![];
    let mut idx_in_group = vec![0usize; rotations.len()];
    for (o, rot) in &list {
        let j = rotations.iter().position(|r| r == rot).expect("listed");
        let i = idx_in_group[j];
        idx_in_group[j] += 1;
        let s = format!("mulmod(mload({:#x}), mload({:#x}), R)", upow + 32 * j, vpow + 32 * i);
        let (commit, eval) = match *o {
            Opened::Advice(i) => (Commit::Advice(queries.advice[i].column.index), eval_slot(adv0 + i)),
            Opened::Fixed(i) => (Commit::Fixed(queries.fixed[i].column.index), eval_slot(fix0 + i)),
            Opened::Sigma(j) => (Commit::Sigma(j), eval_slot(sig0 + j)),
            Opened::Z(c, r) => (Commit::Perm(c), eval_slot(z0 + permutation::z_eval_index(c, r))),
            Opened::LookupM(l) => (Commit::LookupM(l), eval_slot(lk0 + 3 * l)),
            Opened::LookupPhi(l, r) => (Commit::LookupPhi(l), eval_slot(lk0 + 3 * l + 1 + r as usize)),
            Opened::ProjectionPhi(r) => (Commit::ProjectionPhi, eval_slot(pj0 + r as usize)),
            Opened::Quotient => (Commit::Quotient, TEVAL),
        };
        scalars.entry(commit).or_default().push(s.clone());
        eval_terms.push(format!("mulmod({s}, mload({eval:#x}), R)"));
    }
    wl(w, &format!("mstore({ETOT:#x}, 0)"));
    for t in &eval_terms {
        wl(w, &format!("mstore({ETOT:#x}, addmod(mload({ETOT:#x}), {t}, R))"));
    }
    wl(w, &format!("mstore({RHS:#x}, 0) mstore({:#x}, 0) mstore({LHS:#x}, 0) mstore({:#x}, 0)", RHS + 32, LHS + 32));
    let g1_const = |p: &G1Affine| -> (String, String) {
        let b = g1_words(p);
        (hex_word(&b[..32].try_into().unwrap()), hex_word(&b[32..].try_into().unwrap()))
    };
    for (commit, terms) in &scalars {
        let s = terms.iter().skip(1).fold(terms[0].clone(), |a, t| format!("addmod({a}, {t}, R)"));
        match *commit {
            Commit::Advice(c) => wl(w, &format!("ecacccd({RHS:#x}, {}, {s})", off.advice + 64 * c)),
            Commit::Perm(c) => wl(w, &format!("ecacccd({RHS:#x}, {}, {s})", off.permutation + 64 * c)),
            Commit::LookupM(l) => wl(w, &format!("ecacccd({RHS:#x}, {}, {s})", off.lookup_m + 64 * l)),
            Commit::LookupPhi(l) => wl(w, &format!("ecacccd({RHS:#x}, {}, {s})", off.lookup_phi + 64 * l)),
            Commit::ProjectionPhi => wl(w, &format!("ecacccd({RHS:#x}, {}, {s})", off.projection_phi)),
            Commit::Fixed(c) => {
                let (x, yy) = g1_const(&vk.fixed_commitments()[c]);
                wl(w, &format!("ecacc({RHS:#x}, {x}, {yy}, {s})"));
            }
            Commit::Sigma(j) => {
                let (x, yy) = g1_const(&vk.sigma_commitments()[j]);
                wl(w, &format!("ecacc({RHS:#x}, {x}, {yy}, {s})"));
            }
            Commit::Quotient => {
                // [t] = Σ_i ζ^{i·m}·[t_i] (vanishing::verifier::combined_commitment).
                wl(w, &format!(
                    "{{ let s := {s} let zm := powm(mload({ZETA:#x}), {}) for {{ let i := 0 }} lt(i, {}) {{ i := add(i, 1) }} {{ ecacccd({RHS:#x}, add({}, mul(i, 0x40)), s) s := mulmod(s, zm, R) }} }}",
                    shape.piece_size, layout.quotient, off.quotient
                ));
            }
        }
    }
    // Per point z_j: lhs += u^j·W_j, rhs += u^j·z_j·W_j.
    for (j, rot) in rotations.iter().enumerate() {
        let uj = format!("mload({:#x})", upow + 32 * j);
        wl(w, &format!("ecacccd({LHS:#x}, {}, {uj})", off.witnesses + 64 * j));
        wl(w, &format!("ecacccd({RHS:#x}, {}, mulmod({uj}, {}, R))", off.witnesses + 64 * j, point(*rot)));
    }
    let (gx, gy) = g1_const(&vk.srs().g1);
    wl(w, &format!("ecacc({RHS:#x}, {gx}, {gy}, sub(R, mload({ETOT:#x})))"));
    // e(lhs, [τ]₂)·e(−rhs, [1]₂) = 1; G2 coordinates as (imaginary, real).
    let g2 = |p: &G2Affine| -> [String; 4] {
        let (x, yy) = p.xy().expect("the SRS's G2 points are not the identity (checked by the generator)");
        [hex_word(&fq_word(&x.c1)), hex_word(&fq_word(&x.c0)), hex_word(&fq_word(&yy.c1)), hex_word(&fq_word(&yy.c0))]
    };
    let tau = g2(&vk.srs().tau_g2);
    let one = g2(&vk.srs().g2);
    wl(w, &format!("mstore(0x00, mload({LHS:#x})) mstore(0x20, mload({:#x}))", LHS + 32));
    wl(w, &format!("mstore(0x40, {}) mstore(0x60, {}) mstore(0x80, {}) mstore(0xa0, {})", tau[0], tau[1], tau[2], tau[3]));
    wl(w, &format!("mstore(0xc0, mload({RHS:#x})) {{ let ry := mload({:#x}) if ry {{ ry := sub(Q, ry) }} mstore(0xe0, ry) }}", RHS + 32));
    wl(w, &format!("mstore(0x100, {}) mstore(0x120, {}) mstore(0x140, {}) mstore(0x160, {})", one[0], one[1], one[2], one[3]));
    wl(w, &format!("{} if iszero(eq(mload(0), 1)) {{ fail({}) }}", call(8, "0, 0x180, 0, 0x20", 0x20), reject::PAIRING));
    wl(w, "mstore(0, 1) return(0, 0x20)");

    // Yul functions cannot read the block's variables: r and q are written as literals.
    let body: String = y.lines().map(|l| format!("            {}\n", literal_moduli(l, q_mod))).collect();
    let (data_decl, data_load) = match &data {
        None => (String::new(), String::new()),
        Some(d) => {
            let names: Vec<String> = (0..n_data).map(|i| format!("DATA_{i}")).collect();
            let mut decl = format!(
                "    /// The data contracts holding the key's projection data ({} bytes: {} cells, {} weights), in order;\n    /// each one's code hash is checked on every call.\n",
                d.blob.len(),
                d.cells,
                d.weights()
            );
            for n in &names {
                let _ = writeln!(decl, "    address private immutable {n};");
            }
            let params: Vec<String> = (0..n_data).map(|i| format!("address d{i}")).collect();
            let sets: Vec<String> = (0..n_data).map(|i| format!("DATA_{i} = d{i};")).collect();
            let _ = writeln!(decl, "\n    constructor({}) {{\n        {}\n    }}\n", params.join(", "), sets.join(" "));
            let load = format!(
                "        uint256[{n_data}] memory dataDir = [{}];\n",
                names.iter().map(|n| format!("uint256(uint160({n}))")).collect::<Vec<_>>().join(", ")
            );
            (decl, load)
        }
    };
    let marker = data.as_ref().map(|_| format!("{}{n_data}\n", super::DATA_MARKER)).unwrap_or_default();
    Ok(format!(
        r#"// SPDX-License-Identifier: MIT
// Generated by `zkaccel create-evm-verifier` for one verifying key (digest {digest}).
// Verifies zkaccel Plonk/KZG (BN254) proofs, proof format version {version}, in their EVM
// encoding (`zkaccel encode-evm-calldata`): Keccak-256 transcript as in the Rust verifier, every
// scalar checked < r, every point on the curve with coordinates < q, one pairing check.
// k = {k}, {advice} advice / {fixed} fixed / {inst} instance columns, {gates} gate identities,
// {perm} permutation columns, {lookups} lookups; public inputs: {total_instances} ({lens:?} per column).
{srs}{marker}pragma solidity ^0.8.19;

/// What {contract_name} answers; call it through this interface
/// (`I{contract_name}(verifier).verifyProof(proof, instances)`).
interface I{contract_name} {{
    /// Returns true for a valid proof; reverts (with a 32-byte reason code) otherwise.
    function verifyProof(bytes calldata proof, uint256[] calldata instances) external view returns (bool);
    /// The Fiat-Shamir challenges (beta, gamma, alpha, zeta, v, u, theta, lookup_beta, rho) of a
    /// proof, as the Rust verifier derives them (for tests and tooling; checks the input encoding).
    function transcriptChallenges(bytes calldata proof, uint256[] calldata instances) external view returns (uint256[9] memory);
    function PROOF_FORMAT_VERSION() external view returns (uint256);
    function VK_DIGEST() external view returns (bytes32);
}}

contract {contract_name} {{
    /// The zkaccel proof format version this verifier reads (the EVM encoding of that version).
    uint256 public constant PROOF_FORMAT_VERSION = {version};
    /// Keccak-256 digest of the verifying key (the first thing the transcript absorbs).
    bytes32 public constant VK_DIGEST = {digest};
{data_decl}
    /// verifyProof and transcriptChallenges (see I{contract_name}), read by the assembly below
    /// rather than by Solidity's ABI decoder: the calldata must be exactly the canonical encoding
    /// of (bytes proof, uint256[] instances) for this key ({call_size} bytes), else the call
    /// reverts with reason 1 before any argument is read. Writes nothing (a view in the interface).
    fallback() external {{
        run(msg.sig == I{contract_name}.transcriptChallenges.selector);
    }}

    // The block refers to a Solidity variable (challengesOnly), so solc leaves it as written
    // (its Yul optimizer skips inline assembly with external references; run over this block it
    // makes it "stack too deep" for some keys).
    function run(bool challengesOnly) private view {{
{data_load}        assembly {{
{body}        }}
    }}
}}
"#,
        digest = format!("0x{}", hex::encode(vk.digest())),
        version = super::SUPPORTED_PROOF_VERSION,
        k = vk.k(),
        advice = cs.num_advice,
        fixed = cs.num_fixed,
        inst = cs.num_instance,
        gates = cs.gates.iter().map(|g| g.constraints.len()).sum::<usize>(),
        perm = cs.permutation.len(),
        lookups = cs.lookups.len(),
        lens = instance_lengths,
        srs = srs_header(vk, srs_checked_against),
    ))
}

/// The header's lines on the key's SRS (each `// …\n`): whether `create-evm-verifier` checked it
/// against a ceremony file (`checked_against`, a file name) and the key's [τ]₂, the point the
/// pairing uses, so a reader can compare it with a ceremony's. Without the check nothing in the
/// key says where its SRS came from: a key from `setup --dev-srs` (whose τ was known to that
/// process) looks like any other.
fn srs_header(vk: &VerifyingKey, checked_against: Option<&str>) -> String {
    let fq2 = |c: &<G2Affine as AffineRepr>::BaseField| (hex_word(&fq_word(&c.c0)), hex_word(&fq_word(&c.c1)));
    let tau = match vk.srs().tau_g2.xy() {
        Some((x, y)) => {
            let ((x0, x1), (y0, y1)) = (fq2(&x), fq2(&y));
            format!("//   x = ({x0}, {x1})\n//   y = ({y0}, {y1})\n")
        }
        None => "//   the point at infinity\n".to_string(),
    };
    let status = match checked_against {
        Some(name) => format!(
            "// SRS: [τ]₂ checked against {} (create-evm-verifier --srs-path: the\n\
             // key's [1]₁, [1]₂ and [τ]₂ are that powers-of-tau file's, every power in it verified).\n",
            comment_text(name)
        ),
        None => "// SRS: NOT checked against a ceremony file (create-evm-verifier without --srs-path). A key made\n\
                 // with `setup --dev-srs` (τ known to the process that made it) lets anyone forge proofs that\n\
                 // this contract accepts: compare the key's [τ]₂ with the ceremony's.\n"
            .to_string(),
    };
    format!("{status}// The key's [τ]₂ (G2; each coordinate as (c0, c1), c0 + c1·u in Fq2, big-endian words):\n{tau}")
}

/// Text for a `//` comment of the generated source: every control character (\n, \r, VT, FF,
/// NEL, …), the Unicode line and paragraph separators (U+2028, U+2029: editors and viewers break
/// the line there, showing the rest of a name as code) and the bidirectional formatting
/// characters (solc refuses unbalanced ones in comments; they also reorder what a reader sees)
/// become spaces.
pub fn comment_text(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            c if c.is_control() => ' ',
            '\u{2028}' | '\u{2029}' | '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => ' ',
            c => c,
        })
        .collect()
}

/// Replaces the tokens `R` and `Q` of a line's code (not its comment) by the moduli.
fn literal_moduli(line: &str, q_mod: &str) -> String {
    const R_MOD: &str = "0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001";
    let (code, comment) = match line.find("//") {
        Some(i) => line.split_at(i),
        None => (line, ""),
    };
    let bytes = code.as_bytes();
    let mut out = String::with_capacity(line.len() + 64);
    for (i, ch) in code.char_indices() {
        let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
        let alone = (i == 0 || !ident(bytes[i - 1])) && (i + 1 == bytes.len() || !ident(bytes[i + 1]));
        match ch {
            'R' if alone => out.push_str(R_MOD),
            'Q' if alone => out.push_str(q_mod),
            c => out.push(c),
        }
    }
    out.push_str(comment);
    out
}

fn wl(w: &mut String, line: &str) {
    w.push_str(line);
    w.push('\n');
}

/// Memory slots of the projection part.
struct ProjectionSlots {
    dir: usize,
    rcur: usize,
    comb: usize,
    ttot: usize,
    negoff: usize,
    blob: usize,
    lam: usize,
    lpre: usize,
    phi: usize,
    phi_next: usize,
}

/// The projection's constraint at ζ (`docs/plonk.md` §15, [`super::projection`]):
/// φ(ζω) − φ(ζ) − Σ_a c_a(ζ)·a(ζ) + T·L_0(ζ), pushed after the lookups' (the Rust order), with
/// c_a(ζ) and T computed here from the data contracts' bytes and ρ.
fn projection_constraint(w: &mut String, d: &ProjectionData, slots: ProjectionSlots) {
    let ProjectionSlots { dir, rcur, comb, ttot, negoff, blob, lam, lpre, phi, phi_next } = slots;
    // The data: each contract's code hash, then its bytes after the leading STOP.
    for (i, (runtime, hash)) in d.runtimes().iter().zip(d.code_hashes()).enumerate() {
        wl(
            w,
            &format!(
                "{{ let a := mload({:#x}) if iszero(eq(extcodehash(a), {})) {{ fail({}) }} extcodecopy(a, {:#x}, 1, {}) }}",
                dir + 32 * i,
                hex_word(&hash),
                reject::DATA,
                blob + CHUNK * i,
                runtime.len() - 1
            ),
        );
    }
    // λ_c = ω^row/(ζ − ω^row)·a_col(ζ) for every cell (one batch inversion).
    let c = d.cells;
    wl(w, &format!(
        "{{ let z := mload({ZETA:#x}) for {{ let c := 0 }} lt(c, {c}) {{ c := add(c, 1) }} {{ mstore(add({lam:#x}, mul(c, 0x20)), addmod(z, sub(R, mload(add({:#x}, mul(c, {CELL_BYTES})))), R)) }} }}",
        blob + 2
    ));
    wl(w, &format!("batchinv({lam:#x}, {c}, {lpre:#x})"));
    wl(w, &format!(
        "for {{ let c := 0 }} lt(c, {c}) {{ c := add(c, 1) }} {{ let p := add({blob:#x}, mul(c, {CELL_BYTES})) let l := add({lam:#x}, mul(c, 0x20)) mstore(l, mulmod(mulmod(mload(l), mload(add(p, 2)), R), mload(shr(240, mload(p))), R)) }}"
    ));
    wl(w, &format!("mstore({rcur:#x}, 1) mstore({comb:#x}, 0) mstore({ttot:#x}, 0)"));
    for s in &d.sections {
        let (k, ww, wb) = (s.inputs, s.weight_width, s.bias_width);
        let lx = lam + 32 * s.first_cell;
        let ly = lx + 32 * k;
        let off_w = Fr::from(1u64 << (8 * ww - 1));
        let off_b = Fr::from(1u64 << (8 * wb - 1));
        // −o·Σ_i λ_(x_i) (the offset's share), then per output row j (r, Σ, T in memory; the
        // hot loop keeps u, the weight and λ pointers, the weight word and r in stack slots).
        let mut b = format!(
            "{{ let m := R {{ let ls := 0 for {{ let i := 0 }} lt(i, {k}) {{ i := add(i, 1) }} {{ ls := addmod(ls, mload(add({lx:#x}, mul(i, 0x20))), m) }} mstore({negoff:#x}, mulmod(sub(m, {}), ls, m)) }} let wp := {:#x} for {{ let j := 0 }} lt(j, {}) {{ j := add(j, 1) }} {{ let u := mload({negoff:#x}) let lp := {lx:#x} ",
            fr(&off_w),
            blob + s.weights_at,
            s.outputs
        );
        // Σ_i (W_ji + o)·λ_i: whole words of weights in a loop, the rest after it.
        let per = 32 / ww;
        let (full, rest) = (k / per, k % per);
        if full > 0 {
            let _ = write!(
                b,
                "for {{}} lt(lp, {:#x}) {{ lp := add(lp, {:#x}) }} {{ let wd := mload(wp) wp := add(wp, 0x20) {} }} ",
                lx + 32 * per * full,
                32 * per,
                weight_terms(per, ww)
            );
        }
        if rest > 0 {
            let _ = write!(b, "{{ let wd := mload(wp) wp := add(wp, {}) {} }} ", rest * ww, weight_terms(rest, ww));
        }
        let _ = write!(
            b,
            "let r := mload({rcur:#x}) mstore({comb:#x}, addmod(mload({comb:#x}), mulmod(r, addmod(mload(add({ly:#x}, mul(j, 0x20))), sub(m, u), m), m), m)) mstore({ttot:#x}, addmod(mload({ttot:#x}), mulmod(r, addmod(shr({}, mload(add({:#x}, mul(j, {wb})))), sub(m, {}), m), m), m)) mstore({rcur:#x}, mulmod(r, mload({RHO:#x}), m)) }} }} // projection {}",
            256 - 8 * wb,
            blob + s.bias_at,
            fr(&off_b),
            comment_text(&s.name)
        );
        wl(w, &b);
    }
    wl(w, &format!(
        "push(addmod(addmod(mload({phi_next:#x}), sub(R, mload({phi:#x})), R), addmod(sub(R, mulmod(mload({comb:#x}), mload({ZHN:#x}), R)), mulmod(mload({ttot:#x}), mload({L0:#x}), R), R), R))"
    ));
}

/// `u := u + Σ_(K<count) weight_K·λ_K` for the weights of the word `wd` (width `ww`, big-endian
/// from its first byte) against λ at `lp`, reduced once per 8 terms (u + 4 terms < 5r < 2^256);
/// `m` holds r.
fn weight_terms(count: usize, ww: usize) -> String {
    let term = |k: usize| {
        let weight = if ww == 1 { format!("byte({k}, wd)") } else { format!("and(shr({}, wd), {:#x})", 256 - 8 * ww * (k + 1), (1u128 << (8 * ww)) - 1) };
        let lam = if k == 0 { "mload(lp)".to_string() } else { format!("mload(add(lp, {:#x}))", 32 * k) };
        format!("mulmod({weight}, {lam}, m)")
    };
    let sum = |ts: &[String]| -> String {
        fn tree(ts: &[String]) -> String {
            if ts.len() == 1 {
                return ts[0].clone();
            }
            let (a, b) = ts.split_at(ts.len() / 2);
            format!("add({}, {})", tree(a), tree(b))
        }
        tree(ts)
    };
    let terms: Vec<String> = (0..count).map(term).collect();
    let mut out = String::new();
    for g in terms.chunks(8) {
        let (a, b) = g.split_at(g.len().div_ceil(2));
        if b.is_empty() {
            let _ = write!(out, "u := addmod(u, {}, m) ", sum(a));
        } else {
            let _ = write!(out, "u := addmod(add(u, {}), {}, m) ", sum(a), sum(b));
        }
    }
    out
}
