//! The WNN classification as a Plonk circuit: private image, public scores and class.
//!
//! Seven advice columns v0 … v4, L1, L2 (all with equality) and one instance column. L1 and L2
//! are *range lanes*: on every row the pair (tag_i, L_i) is looked up in the range table
//! {(w, v) : 0 ≤ w ≤ B, 0 ≤ v < 2^w}, so a fixed tag per row range-checks that row's value to any
//! width up to B bits (tag 0 forces 0). Every constraint reads rows r and r + 1 only, so a proof
//! opens at two points (ζ, ζω) however large the model. Regions, top to bottom (docs/wnn.md):
//!
//! * **argmax** (rows 0 … C): v0 = the public scores s_c and, on row C, the class k (bound to the
//!   instance column); v1 = sel_c (boolean, Σ sel = 1), v2 = lt_c = Σ_{c'>c} sel_{c'} = [c < k],
//!   v3 = M (constant, and sel_c·(M − s_c) = 0, so M = s_k), v4 = Σ_{c'≥c} lt_{c'} (= k on row 0,
//!   copied to the class cell), L1 = M − s_c − lt_c ≥ 0 (range-checked): k is the first argmax;
//! * **compare** (one row per input bit, in permuted order): L2 = the pixel (8-bit range lane;
//!   all rows of one pixel are copies of one cell), fixed thr = its integer threshold, v1 = the
//!   bit (boolean), L1 = bit·(px − thr) + (1 − bit)·(thr − 1 − px) ∈ [0, 256) (so bit = [px ≥ thr]),
//!   v2 = the packing chain v2 = bit + 2·v2(next) inside each chunk of F rows (v2 = x on the
//!   chunk's first row);
//! * **hash** (one row per filter, two when H = 3): v0 = x (copy), v1 = q1, v2 = r1, v3 = r1c,
//!   v4 = q2, L1/L2 (and L1 of the next row) = the digits (range lanes, log2 E bits):
//!   x³ = p·q1 + r1, r1 + r1c = p − 1, r1 = 2^l·q2 + Σ_t E^t·digit_t;
//! * **limbs**: q1, r1, r1c and q2 each as a chain v1 = L1 + 2^B·v1(next) over B-bit limbs in the
//!   range lane L1 (the top limb's tag is its exact width); the chain's first cell is a copy of the
//!   hash-row value;
//! * **bloom** (one block of C rows per filter and hash): v0 = the digit (copy) on the block's
//!   first row, where (1 + f·E + digit, v1) is looked up in the Bloom table of rows
//!   (1 + f·E + e, Σ_c bit(c, f, e)·2^c) plus (0, 0): one lookup reads all C classes' bits; v1 is
//!   the chain v1 = L1 + 2·v1(next) that splits the pattern into the bits L1 (range lane, 1 bit);
//! * **scores** (one row per class and filter): v0 … v_{H−1} = the filter's bits (copies), v3 =
//!   v3(next) + Π_t v_t (the suffix sum over filters); the first row of each class is copied to
//!   the public score.
//!
//! The Bloom table has N·E + 1 rows (N filters of E entries) and the range table 2^(B+1) − 1:
//! the domain is the larger of those and the rows used, never one row per filter bit per class.

use ark_ff::{BigInteger, Field, PrimeField, Zero};
use num_bigint::BigUint;
use zkaccel::plonk::{Cell, Column, ConstraintSystem, Expression, FixedAssignment, Witness};
use zkaccel::Fr;

use super::model::WnnModel;
use super::trace::Trace;
use crate::error::{Error, Result};

/// The largest domain the planner uses.
pub const MAX_K: u32 = 26;
/// The widest limb (range-table tag).
pub const MAX_LIMB_BITS: u32 = 16;

fn bits_of(v: u64) -> u32 {
    64 - v.leading_zeros()
}

fn ceil_log2(n: usize) -> u32 {
    if n <= 1 {
        0
    } else {
        usize::BITS - (n - 1).leading_zeros()
    }
}

/// Limbs of a value of `width` bits with B-bit limbs (at least one: a 0-bit value is one limb
/// with tag 0).
fn limb_count(width: u32, b: u32) -> usize {
    (width.div_ceil(b) as usize).max(1)
}

/// Bit widths of the range-checked hash values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct HashWidths {
    /// q1 = ⌊x³/p⌋ < 2^(3F − (bits(p) − 1)).
    pub q1: u32,
    /// r1 and r1c = p − 1 − r1: bits(p − 1).
    pub r1: u32,
    /// q2 = ⌊r1 / 2^l⌋ ≤ ⌊(p − 1)/2^l⌋.
    pub q2: u32,
    /// A digit: log2 E.
    pub digit: u32,
}

/// Row counts and sizes of the circuit for one model.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct WnnPlan {
    pub k: u32,
    /// B: the widest limb, the range table's largest tag.
    pub limb_bits: u32,
    pub widths: HashWidths,
    /// Rows per region: argmax, compare, hash, limbs, bloom, scores.
    pub argmax_rows: usize,
    pub compare_rows: usize,
    pub hash_rows: usize,
    pub limb_rows: usize,
    pub bloom_rows: usize,
    pub score_rows: usize,
    pub rows_used: usize,
    pub bloom_table_rows: usize,
    pub range_table_rows: usize,
}

impl WnnPlan {
    /// Plans the circuit (limb width B, domain 2^k) for a validated model.
    pub fn new(m: &WnnModel) -> Result<Self> {
        let unsupported = |why: String| Err(Error::bad_input(format!("the WNN circuit does not support this model: {why}")));
        let (c, n, h) = (m.num_classes, m.num_filters(), m.num_filter_hashes);
        if h > 3 {
            return unsupported(format!("{h} hashes per filter (at most 3: the response is a product of degree H + 1 ≤ 4)"));
        }
        if c > 250 {
            return unsupported(format!("{c} classes (at most 250: a Bloom table row packs one bit per class into a field element)"));
        }
        let f = m.num_filter_inputs as u32;
        let widths = HashWidths {
            q1: (3 * f).saturating_sub(bits_of(m.p) - 1),
            r1: bits_of(m.p - 1),
            q2: bits_of((m.p - 1) >> m.hash_bits()),
            digit: m.entry_bits(),
        };
        let min_b = 8.max(widths.digit).max(bits_of(n as u64)).max(1);
        if min_b > MAX_LIMB_BITS {
            return unsupported(format!("digits of {} bits (at most {MAX_LIMB_BITS})", widths.digit));
        }
        let bloom_table_rows = n * m.num_filter_entries + 1;
        let hash_rows = n * if h == 3 { 2 } else { 1 };
        let compare_rows = m.num_input_bits();
        let (argmax_rows, bloom_rows, score_rows) = (c + 1, n * h * c, c * n);
        let mut k = ceil_log2(bloom_table_rows).max(min_b + 1).max(4);
        loop {
            if k > MAX_K {
                return unsupported(format!("it needs more than 2^{MAX_K} rows"));
            }
            let b = (k - 1).min(MAX_LIMB_BITS);
            let limb_rows = n * (limb_count(widths.q1, b) + 2 * limb_count(widths.r1, b) + limb_count(widths.q2, b));
            let rows_used = argmax_rows + compare_rows + hash_rows + limb_rows + bloom_rows + score_rows;
            if rows_used <= 1 << k {
                return Ok(Self {
                    k,
                    limb_bits: b,
                    widths,
                    argmax_rows,
                    compare_rows,
                    hash_rows,
                    limb_rows,
                    bloom_rows,
                    score_rows,
                    rows_used,
                    bloom_table_rows,
                    range_table_rows: (1 << (b + 1)) - 1,
                });
            }
            k += 1;
        }
    }
}

/// The columns.
#[derive(Clone, Debug)]
pub struct WnnColumns {
    pub v: [Column; 5],
    pub l1: Column,
    pub l2: Column,
    pub instance: Column,
    pub q_pub: Column,
    pub q_cmp: Column,
    pub thr: Column,
    pub pack_next: Column,
    pub tag1: Column,
    pub tag2: Column,
    pub q_hash: Column,
    pub q_chain: Column,
    pub chain_next: Column,
    pub q_lookup: Column,
    pub key_base: Column,
    pub q_score: Column,
    pub score_next: Column,
    pub q_am: Column,
    pub q_am_mid: Column,
    pub q_am_last: Column,
    pub q_am_first: Column,
    pub range_tag: Column,
    pub range_value: Column,
    pub bloom_key: Column,
    pub bloom_pattern: Column,
}

/// Declares the columns, gates and lookups for model `m` (p, E, H and l enter the gates).
pub fn configure(cs: &mut ConstraintSystem, m: &WnnModel) -> WnnColumns {
    let v = [cs.advice_column(), cs.advice_column(), cs.advice_column(), cs.advice_column(), cs.advice_column()];
    let (l1, l2) = (cs.advice_column(), cs.advice_column());
    let instance = cs.instance_column();
    let mut fixed = || cs.fixed_column();
    let cols = WnnColumns {
        v,
        l1,
        l2,
        instance,
        q_pub: fixed(),
        q_cmp: fixed(),
        thr: fixed(),
        pack_next: fixed(),
        tag1: fixed(),
        tag2: fixed(),
        q_hash: fixed(),
        q_chain: fixed(),
        chain_next: fixed(),
        q_lookup: fixed(),
        key_base: fixed(),
        q_score: fixed(),
        score_next: fixed(),
        q_am: fixed(),
        q_am_mid: fixed(),
        q_am_last: fixed(),
        q_am_first: fixed(),
        range_tag: fixed(),
        range_value: fixed(),
        bloom_key: fixed(),
        bloom_pattern: fixed(),
    };
    for c in v.iter().chain([&l1, &l2]) {
        cs.enable_equality(*c);
    }
    let one = || Expression::Constant(Fr::from(1u64));
    let k = |x: u64| Expression::Constant(Fr::from(x));
    let [v0, v1, v2, v3, v4] = v;
    let w = &cols;
    cs.create_gate("wnn_public", vec![w.q_pub.cur() * (v0.cur() - instance.cur())]);
    cs.create_gate("wnn_compare_bit", vec![w.q_cmp.cur() * v1.cur() * (one() - v1.cur())]);
    cs.create_gate(
        "wnn_compare",
        vec![
            w.q_cmp.cur()
                * (l1.cur() - (v1.cur() * (l2.cur() - w.thr.cur()) + (one() - v1.cur()) * (w.thr.cur() - one() - l2.cur()))),
        ],
    );
    cs.create_gate("wnn_pack", vec![w.q_cmp.cur() * (v2.cur() - v1.cur()) - w.pack_next.cur() * v2.next()]);
    let e = m.num_filter_entries as u64;
    let mut digits = l1.cur();
    if m.num_filter_hashes >= 2 {
        digits = digits + l2.cur() * Fr::from(e);
    }
    if m.num_filter_hashes >= 3 {
        digits = digits + l1.next() * (Fr::from(e) * Fr::from(e));
    }
    let two_l = Fr::from(2u64).pow([m.hash_bits() as u64]);
    cs.create_gate(
        "wnn_hash",
        vec![
            w.q_hash.cur() * (v0.cur() * v0.cur() * v0.cur() - v1.cur() * Fr::from(m.p) - v2.cur()),
            w.q_hash.cur() * (k(m.p - 1) - v2.cur() - v3.cur()),
            w.q_hash.cur() * (v2.cur() - v4.cur() * two_l - digits),
        ],
    );
    cs.create_gate("wnn_limb_chain", vec![w.q_chain.cur() * (v1.cur() - l1.cur()) - w.chain_next.cur() * v1.next()]);
    let response = v[..m.num_filter_hashes].iter().map(|c| c.cur()).reduce(|a, b| a * b).expect("H ≥ 1");
    cs.create_gate("wnn_scores", vec![w.q_score.cur() * (v3.cur() - response) - w.score_next.cur() * v3.next()]);
    cs.create_gate(
        "wnn_argmax",
        vec![
            w.q_am.cur() * v1.cur() * (one() - v1.cur()),
            w.q_am.cur() * v1.cur() * (v3.cur() - v0.cur()),
            w.q_am.cur() * (l1.cur() - (v3.cur() - v0.cur() - v2.cur())),
            w.q_am_mid.cur() * (v3.cur() - v3.next()),
            w.q_am_mid.cur() * (v2.cur() - v2.next() - v1.next()),
            w.q_am_mid.cur() * (v4.cur() - v4.next() - v2.cur()),
            w.q_am_last.cur() * v2.cur(),
            w.q_am_last.cur() * (v4.cur() - v2.cur()),
            w.q_am_first.cur() * (v2.cur() + v1.cur() - one()),
        ],
    );
    cs.lookup("wnn_range_l1", vec![w.tag1.cur(), l1.cur()], vec![w.range_tag, w.range_value]);
    cs.lookup("wnn_range_l2", vec![w.tag2.cur(), l2.cur()], vec![w.range_tag, w.range_value]);
    cs.lookup(
        "wnn_bloom",
        vec![w.key_base.cur() + w.q_lookup.cur() * v0.cur(), w.q_lookup.cur() * v1.cur()],
        vec![w.bloom_key, w.bloom_pattern],
    );
    cols
}

/// A signed integer as a field element.
fn fr_i64(v: i64) -> Fr {
    if v < 0 {
        -Fr::from(v.unsigned_abs())
    } else {
        Fr::from(v as u64)
    }
}

fn fr_big(v: &BigUint) -> Fr {
    Fr::from(v.clone())
}

fn big_of(v: Fr) -> BigUint {
    BigUint::from_bytes_le(&v.into_bigint().to_bytes_le())
}

/// The pattern of filter f, entry e: Σ_c bit(c, f, e)·2^c.
pub fn bloom_pattern(m: &WnnModel, f: usize, e: usize) -> Fr {
    let mut acc = BigUint::zero();
    for c in (0..m.num_classes).rev() {
        acc = (acc << 1u32) + BigUint::from(m.bloom_bit(c, f, e) as u8);
    }
    fr_big(&acc)
}

/// A laid-out WNN circuit.
pub struct WnnCircuit {
    pub plan: WnnPlan,
    pub cs: ConstraintSystem,
    pub fixed: FixedAssignment,
    pub witness: Witness,
    /// The instance column: the scores, then the class.
    pub instances: Vec<Vec<Fr>>,
    pub columns: WnnColumns,
    /// Where the regions start (for tests and docs): argmax, compare, hash, limbs, bloom, scores.
    pub starts: [usize; 6],
}

/// The public values of a classification: [s_0, …, s_{C−1}, class].
pub fn public_inputs(scores: &[u32], class: usize) -> Vec<Fr> {
    scores.iter().map(|&s| Fr::from(s as u64)).chain([Fr::from(class as u64)]).collect()
}

struct Sheet {
    fixed: Vec<Vec<Fr>>,
    advice: Vec<Vec<Fr>>,
    copies: Vec<(Cell, Cell)>,
}

impl Sheet {
    fn set(&mut self, c: Column, row: usize, v: Fr) {
        match c.kind {
            zkaccel::plonk::ColumnKind::Fixed => self.fixed[c.index][row] = v,
            _ => self.advice[c.index][row] = v,
        }
    }
    fn one(&mut self, c: Column, row: usize) {
        self.set(c, row, Fr::from(1u64));
    }
    fn copy(&mut self, a: (Column, usize), b: (Column, usize)) {
        self.copies.push((Cell { column: a.0, row: a.1 }, Cell { column: b.0, row: b.1 }));
    }
}

/// Lays out the circuit for `m` with the values of `t` (an honest or a tampered trace: the
/// layout writes what the trace holds and derives the helper cells — slacks, limbs, chains —
/// from it, so a tampered stage breaks only the constraints that check it).
pub fn build(m: &WnnModel, t: &Trace) -> Result<WnnCircuit> {
    let plan = WnnPlan::new(m)?;
    let mut cs = ConstraintSystem::new();
    let w = configure(&mut cs, m);
    let n_rows = 1usize << plan.k;
    let mut s = Sheet { fixed: vec![vec![Fr::zero(); n_rows]; cs.num_fixed], advice: vec![vec![Fr::zero(); n_rows]; cs.num_advice], copies: vec![] };
    let [v0, v1, v2, v3, v4] = w.v;
    let (c_n, n, h, f_bits) = (m.num_classes, m.num_filters(), m.num_filter_hashes, m.num_filter_inputs);
    let b = plan.limb_bits;
    if t.pixels.len() != m.num_inputs || t.bits.len() != m.num_input_bits() || t.x.len() != n || t.digits.iter().any(|d| d.len() != h) {
        return Err(Error::internal("the trace does not match the model's sizes"));
    }

    // ---- Tables ----
    let mut row = 0;
    for width in 0..=b {
        for value in 0..(1u64 << width) {
            s.set(w.range_tag, row, Fr::from(width as u64));
            s.set(w.range_value, row, Fr::from(value));
            row += 1;
        }
    }
    for f in 0..n {
        for e in 0..m.num_filter_entries {
            let r = 1 + f * m.num_filter_entries + e;
            s.set(w.bloom_key, r, Fr::from(r as u64));
            s.set(w.bloom_pattern, r, bloom_pattern(m, f, e));
        }
    }

    // ---- Region starts ----
    let a0 = 0;
    let cmp0 = a0 + plan.argmax_rows;
    let hash0 = cmp0 + plan.compare_rows;
    let limb0 = hash0 + plan.hash_rows;
    let bloom0 = limb0 + plan.limb_rows;
    let score0 = bloom0 + plan.bloom_rows;
    let hash_stride = if h == 3 { 2 } else { 1 };

    // ---- argmax ----
    let k = t.class;
    let m_val = t.scores.get(k).copied().unwrap_or(0) as i64;
    let lt = |c: usize| (c < k) as i64;
    let suffix_lt = |c: usize| (c..c_n).map(lt).sum::<i64>();
    let mut instance = vec![];
    for c in 0..c_n {
        let r = a0 + c;
        s.set(v0, r, Fr::from(t.scores[c] as u64));
        s.set(v1, r, Fr::from((c == k) as u64));
        s.set(v2, r, fr_i64(lt(c)));
        s.set(v3, r, fr_i64(m_val));
        s.set(v4, r, fr_i64(suffix_lt(c)));
        s.set(w.l1, r, fr_i64(m_val - t.scores[c] as i64 - lt(c)));
        s.set(w.tag1, r, Fr::from(bits_of(n as u64) as u64));
        s.one(w.q_am, r);
        s.one(if c + 1 < c_n { w.q_am_mid } else { w.q_am_last }, r);
    }
    s.one(w.q_am_first, a0);
    s.set(v0, a0 + c_n, Fr::from(k as u64));
    for r in a0..=a0 + c_n {
        s.one(w.q_pub, r);
    }
    instance.extend(public_inputs(&t.scores, k));
    s.copy((v4, a0), (v0, a0 + c_n));

    // ---- compare + pack ----
    let mut pixel_cell: Vec<Option<usize>> = vec![None; m.num_inputs];
    for r in 0..m.num_input_bits() {
        let row = cmp0 + r;
        let j = m.input_order[r];
        let pixel = j % m.num_inputs;
        let (px, thr, bit) = (t.pixels[pixel] as i64, m.thresholds[j] as i64, t.bits[r]);
        s.one(w.q_cmp, row);
        s.set(w.thr, row, Fr::from(thr as u64));
        s.set(w.l2, row, Fr::from(px as u64));
        s.set(w.tag2, row, Fr::from(8u64));
        s.set(v1, row, Fr::from(bit as u64));
        s.set(w.l1, row, fr_i64(if bit { px - thr } else { thr - 1 - px }));
        s.set(w.tag1, row, Fr::from(8u64));
        match pixel_cell[pixel] {
            Some(first) => s.copy((w.l2, first), (w.l2, row)),
            None => pixel_cell[pixel] = Some(row),
        }
        // The packing chain inside the chunk, from its last bit down.
        let in_chunk = r % f_bits;
        if in_chunk + 1 < f_bits {
            s.set(w.pack_next, row, Fr::from(2u64));
        }
    }
    for f in 0..n {
        let mut acc = Fr::zero();
        for i in (0..f_bits).rev() {
            let r = f * f_bits + i;
            acc = acc + acc + Fr::from(t.bits[r] as u64);
            s.set(v2, cmp0 + r, acc);
        }
    }

    // ---- hash + limbs ----
    let p = m.p;
    let mut limb_row = limb0;
    for f in 0..n {
        let row = hash0 + f * hash_stride;
        s.one(w.q_hash, row);
        let r1 = Fr::from(t.r1[f]);
        let values = [fr_big(&t.q1[f]), r1, Fr::from(p - 1) - r1, Fr::from(t.q2[f])];
        s.set(v0, row, Fr::from(t.x[f]));
        s.copy((v2, cmp0 + f * f_bits), (v0, row));
        let digit_cells = [(w.l1, row), (w.l2, row), (w.l1, row + 1)];
        for (tt, &(col, r)) in digit_cells.iter().enumerate().take(h) {
            s.set(col, r, Fr::from(t.digits[f][tt]));
            s.set(if col == w.l1 { w.tag1 } else { w.tag2 }, r, Fr::from(plan.widths.digit as u64));
        }
        let widths = [plan.widths.q1, plan.widths.r1, plan.widths.r1, plan.widths.q2];
        for (i, (&value, &width)) in values.iter().zip(&widths).enumerate() {
            s.set(w.v[1 + i], row, value);
            s.copy((w.v[1 + i], row), (v1, limb_row));
            let count = limb_count(width, b);
            let u = big_of(value);
            let mask = (BigUint::from(1u64) << b) - 1u64;
            for j in 0..count {
                let r = limb_row + j;
                let rest = &u >> (b as usize * j);
                let (limb, tag) = if j + 1 < count { (&rest & &mask, b) } else { (rest.clone(), width - b * (count as u32 - 1)) };
                s.set(v1, r, fr_big(&rest));
                s.set(w.l1, r, fr_big(&limb));
                s.set(w.tag1, r, Fr::from(tag as u64));
                s.one(w.q_chain, r);
                if j + 1 < count {
                    s.set(w.chain_next, r, Fr::from(2u64).pow([b as u64]));
                }
            }
            limb_row += count;
        }
    }

    // ---- bloom lookups + bit split ----
    for f in 0..n {
        for tt in 0..h {
            let r0 = bloom0 + (f * h + tt) * c_n;
            let (dc, dr) = [(w.l1, 0), (w.l2, 0), (w.l1, 1)][tt];
            s.set(v0, r0, Fr::from(t.digits[f][tt]));
            s.copy((dc, hash0 + f * hash_stride + dr), (v0, r0));
            s.one(w.q_lookup, r0);
            s.set(w.key_base, r0, Fr::from((1 + f * m.num_filter_entries) as u64));
            let mut pattern = Fr::zero();
            for c in (0..c_n).rev() {
                let bit = t.filter_bits[f][tt][c];
                pattern = pattern + pattern + Fr::from(bit as u64);
                let r = r0 + c;
                s.set(v1, r, pattern);
                s.set(w.l1, r, Fr::from(bit as u64));
                s.set(w.tag1, r, Fr::from(1u64));
                s.one(w.q_chain, r);
                if c + 1 < c_n {
                    s.set(w.chain_next, r, Fr::from(2u64));
                }
            }
        }
    }

    // ---- responses + scores ----
    for c in 0..c_n {
        let mut sum = Fr::zero();
        for f in (0..n).rev() {
            let r = score0 + c * n + f;
            let mut response = Fr::from(1u64);
            for tt in 0..h {
                let bit = Fr::from(t.filter_bits[f][tt][c] as u64);
                response *= bit;
                s.set(w.v[tt], r, bit);
                s.copy((w.l1, bloom0 + (f * h + tt) * c_n + c), (w.v[tt], r));
            }
            sum += response;
            s.set(v3, r, sum);
            s.one(w.q_score, r);
            if f + 1 < n {
                s.one(w.score_next, r);
            }
        }
        s.copy((v3, score0 + c * n), (v0, a0 + c));
    }

    let fixed = FixedAssignment { k: plan.k, fixed: s.fixed, copies: s.copies };
    Ok(WnnCircuit {
        plan,
        cs,
        fixed,
        witness: Witness { advice: s.advice },
        instances: vec![instance],
        columns: w,
        starts: [a0, cmp0, hash0, limb0, bloom0, score0],
    })
}
