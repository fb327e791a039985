//! The projection argument for matrix–vector products with public weights (TensorPlonk-style
//! random projection): y = W·x + b with W and b in the verifying key, x and y advice cells.
//!
//! Every layer's x and y are cells of advice columns committed in round 1. After every advice
//! column is absorbed (all layers at once), one challenge ρ is squeezed and every output of every
//! layer gets its own power of ρ from one global index g over all layers (layer after layer,
//! output after output): r_g = ρ^g. With v_i = Σ_j r_j·W_ji (per layer, from the key) and
//! T = Σ_j r_j·b_j, the argument proves
//!
//!   Σ_layers (Σ_j r_j·y_j − Σ_i v_i·x_i) = T.
//!
//! The cells' coefficients form, per advice column a that the projections read, a vector c_a on
//! H (c_a[row] = Σ of the r_j of the y cells and −v_i of the x cells at that row). A running sum
//! φ, committed in round 2 (after ρ), carries the identity around the domain:
//!
//!   φ(ωX) − φ(X) − Σ_a c_a(X)·a(X) + T·L_0(X) = 0 on H,
//!
//! which telescopes to 0 = Σ_rows Σ_a c_a·a − T. The verifier computes T, v and the values
//! c_a(ζ) = Σ_row c_a[row]·L_row(ζ) itself, from the key and ρ; the proof carries φ(ζ), φ(ζω)
//! and the columns' a(ζ). φ is blinded with 3 scalars (opened at two points). Soundness
//! (Schwartz–Zippel bound (N − 1)/|Fr| over ρ for N outputs in all, why nothing wraps) in
//! `docs/plonk.md` §"Projection argument".

pub mod conv;
pub mod prover;
pub mod verifier;
pub mod weights;

use std::collections::BTreeMap;

use ark_ff::{One, PrimeField, Zero};

use super::circuit::{Cell, Column, ColumnKind, ConstraintSystem};
use super::VerifyingKey;
pub use conv::ConvProjection;
pub use weights::Weights;
use crate::codec::{IntSlice, Ints};
use crate::error::{Error, Result};
use crate::Fr;

/// Blinding scalars of the running sum (opened at ζ and ζω).
pub const PHI_BLINDING: usize = 3;

/// A declared product y = W·x + b with public W (row-major, `outputs × inputs`) and b.
#[derive(Clone, Debug, PartialEq)]
pub struct Projection {
    pub name: String,
    /// The x cells (advice), in W's column order.
    pub inputs: Vec<Cell>,
    /// The y cells (advice), in W's row order.
    pub outputs: Vec<Cell>,
    /// W_ji at `j * inputs.len() + i` (field elements and, when they are, 64-bit integers).
    pub weights: Weights,
    pub bias: Vec<Fr>,
}

impl Projection {
    /// Checks the shapes and that every cell is an advice cell of one of `num_advice` columns.
    pub fn validate(&self, num_advice: usize) -> Result<()> {
        let (m, k) = (self.outputs.len(), self.inputs.len());
        if m == 0 || k == 0 || self.weights.len() != m * k || self.bias.len() != m {
            return Err(Error::Circuit(format!(
                "projection {:?}: {} outputs, {} inputs, {} weights, {} biases (need ≥ 1 each, outputs × inputs weights, one bias per output)",
                self.name,
                m,
                k,
                self.weights.len(),
                self.bias.len()
            )));
        }
        if let Some(c) = self.inputs.iter().chain(&self.outputs).find(|c| c.column.kind != ColumnKind::Advice || c.column.index >= num_advice) {
            return Err(Error::Circuit(format!("projection {:?}: cell {c:?} is not in a declared advice column", self.name)));
        }
        Ok(())
    }
}

/// The distinct advice columns the projections read, sorted.
pub fn columns(projections: &[Projection]) -> Vec<Column> {
    columns_with(projections, &[])
}

/// The distinct advice columns the matrix and convolution projections read, sorted.
pub fn columns_with(projections: &[Projection], convolutions: &[ConvProjection]) -> Vec<Column> {
    let mut cols: Vec<Column> = projections
        .iter()
        .flat_map(|p| p.inputs.iter().chain(&p.outputs).map(|c| c.column))
        .chain(convolutions.iter().flat_map(|p| p.inputs.iter().chain(&p.outputs).map(|c| c.column)))
        .collect();
    cols.sort();
    cols.dedup();
    cols
}

/// Every cell a projection of `cs` reads, with its declaration's name.
pub fn cells(cs: &ConstraintSystem) -> impl Iterator<Item = (&str, &Cell)> {
    let dense = cs.projections.iter().flat_map(|p| p.inputs.iter().chain(&p.outputs).map(move |c| (p.name.as_str(), c)));
    let conv = cs.conv_projections.iter().flat_map(|p| p.inputs.iter().chain(&p.outputs).map(move |c| (p.name.as_str(), c)));
    dense.chain(conv)
}

/// Whether `cs` declares any projection (matrix or convolution).
pub fn any(cs: &ConstraintSystem) -> bool {
    !cs.projections.is_empty() || !cs.conv_projections.is_empty()
}

/// The challenge-dependent values: per projection column (in [`columns`] order) its non-zero
/// coefficients by row, and T = Σ r_j·b_j.
#[derive(Clone, Debug, PartialEq)]
pub struct Coefficients {
    pub columns: Vec<Column>,
    pub by_row: Vec<BTreeMap<usize, Fr>>,
    pub total: Fr,
}

/// r_g = ρ^g over the global output index g, v = rᵀW per layer, and T (O(weights)). Shared by
/// the prover and the verifier.
pub fn coefficients(projections: &[Projection], rho: Fr) -> Coefficients {
    coefficients_with(projections, &[], rho)
}

/// The coefficients of every projection of `cs`: the matrix products first, then the
/// convolutions, on one global output index.
pub fn coefficients_of(cs: &ConstraintSystem, rho: Fr) -> Coefficients {
    coefficients_with(&cs.projections, &cs.conv_projections, rho)
}

/// The coefficients of every projection of a verifying key ([`coefficients_of`] on its
/// constraint system; kept for callers that name the key).
pub fn coefficients_of_key(vk: &VerifyingKey, rho: Fr) -> Coefficients {
    coefficients_of(vk.cs(), rho)
}

/// As [`coefficients`], followed by the convolutions (structured challenges,
/// [`ConvProjection`]; O(weights + activations) each), continuing the global index. A matrix
/// projection whose weights are 64-bit integers ([`Weights::ints`], as a decoded key's are)
/// computes v = rᵀW from them ([`transposed_product_ints`]): the same values, without a field
/// multiplication per weight and without the weights' field elements.
pub fn coefficients_with(projections: &[Projection], convolutions: &[ConvProjection], rho: Fr) -> Coefficients {
    let ints: Vec<Option<&Ints>> = projections.iter().map(|p| p.weights.ints()).collect();
    coefficients_with_ints(projections, &ints, convolutions, rho)
}

/// v_i = Σ_j r_j·W_ji for integer weights (`ints` row-major, `outputs × k`), with one wide
/// integer accumulator per input instead of a field multiplication per weight: each r_j is taken
/// as its Montgomery representation r_j·R mod p (or that of −r_j for a negative weight), an
/// integer below 2^254; |W_ji| times it is below 2^318 and is added without reduction into six
/// 64-bit limbs (fewer than 2^64 terms: the sum stays below 2^384). The sum S ≡ v_i·R (mod p) is
/// then reduced once: v_i = (S mod p)·R^(−1).
fn transposed_product_ints(ints: &Ints, k: usize, rs: &[Fr]) -> Vec<Fr> {
    match ints.as_slice() {
        IntSlice::I8(w) => transposed_product(w, k, rs),
        IntSlice::I16(w) => transposed_product(w, k, rs),
        IntSlice::I32(w) => transposed_product(w, k, rs),
        IntSlice::I64(w) => transposed_product(w, k, rs),
    }
}

/// [`transposed_product_ints`] on the integers in their stored type.
fn transposed_product<T: Copy + Into<i64>>(ints: &[T], k: usize, rs: &[Fr]) -> Vec<Fr> {
    let mut acc = vec![[0u64; 6]; k];
    for (j, r) in rs.iter().enumerate() {
        let (pos, neg) = (r.0 .0, (-*r).0 .0);
        for (a, &w) in acc.iter_mut().zip(&ints[j * k..(j + 1) * k]) {
            let w: i64 = w.into();
            if w == 0 {
                continue;
            }
            let (limbs, m) = if w > 0 { (&pos, w as u64) } else { (&neg, w.unsigned_abs()) };
            let mut carry = 0u128;
            for l in 0..4 {
                let t = limbs[l] as u128 * m as u128 + a[l] as u128 + carry;
                a[l] = t as u64;
                carry = t >> 64;
            }
            let t = a[4] as u128 + carry;
            a[4] = t as u64;
            a[5] += (t >> 64) as u64;
        }
    }
    acc.iter().map(|a| from_montgomery_wide(a)).collect()
}

/// S·R^(−1) mod p for S = Σ a_l·2^(64·l) < 2^384 and R = 2^256: with S = lo + 2^256·hi,
/// S·R^(−1) = lo·R^(−1) + hi. lo (< 2^256 < 6p) reduced below p by subtractions is the Montgomery
/// representation of lo·R^(−1); hi (< 2^128) is an ordinary integer.
fn from_montgomery_wide(a: &[u64; 6]) -> Fr {
    let p = Fr::MODULUS;
    let mut lo = ark_ff::BigInt::<4>([a[0], a[1], a[2], a[3]]);
    while lo >= p {
        ark_ff::BigInteger::sub_with_borrow(&mut lo, &p);
    }
    Fr::new_unchecked(lo) + Fr::from_bigint(ark_ff::BigInt::<4>([a[4], a[5], 0, 0])).expect("below 2^128 < p")
}

/// [`coefficients_with`], with `ints[i]` (when given and `Some`) the integers of projection i's
/// weights, used for v = rᵀW ([`transposed_product_ints`]); projections beyond `ints`, or whose
/// `ints[i]` is `None` or of the wrong length, use the field elements.
pub fn coefficients_with_ints(projections: &[Projection], ints: &[Option<&Ints>], convolutions: &[ConvProjection], rho: Fr) -> Coefficients {
    let columns = columns_with(projections, convolutions);
    let slot = |c: Column| columns.binary_search(&c).expect("a projection column");
    let mut by_row: Vec<BTreeMap<usize, Fr>> = vec![BTreeMap::new(); columns.len()];
    let mut total = Fr::zero();
    let mut r = Fr::one();
    for (pi, p) in projections.iter().enumerate() {
        let k = p.inputs.len();
        let small = ints.get(pi).copied().flatten().filter(|w| w.len() == p.weights.len());
        let mut v = vec![Fr::zero(); k];
        let mut rs = Vec::with_capacity(p.outputs.len());
        for (j, y) in p.outputs.iter().enumerate() {
            if small.is_none() {
                for (vi, w) in v.iter_mut().zip(&p.weights[j * k..(j + 1) * k]) {
                    if !w.is_zero() {
                        *vi += r * w;
                    }
                }
            }
            rs.push(r);
            total += r * p.bias[j];
            *by_row[slot(y.column)].entry(y.row).or_insert_with(Fr::zero) += r;
            r *= rho;
        }
        if let Some(w) = small {
            v = transposed_product_ints(w, k, &rs);
        }
        for (x, vi) in p.inputs.iter().zip(v) {
            *by_row[slot(x.column)].entry(x.row).or_insert_with(Fr::zero) -= vi;
        }
    }
    for cp in convolutions {
        let (t, next) = cp.coefficients(r, rho, &mut |c: Cell, v: Fr| *by_row[slot(c.column)].entry(c.row).or_insert_with(Fr::zero) += v);
        total += t;
        r = next;
    }
    Coefficients { columns, by_row, total }
}

/// The projection values at one point: Σ_a c_a·a, φ, φ(ω·), L_0 and T.
pub(crate) struct ProjectionAt {
    pub combined: Fr,
    pub phi: Fr,
    pub phi_next: Fr,
    pub total: Fr,
}

impl ProjectionAt {
    /// φ(ωx) − φ(x) − Σ_a c_a(x)·a(x) + T·L_0(x).
    #[inline]
    pub fn constraint(&self, l0: Fr) -> Fr {
        self.phi_next - self.phi - self.combined + self.total * l0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plonk::mac::signed_to_fr;
    use ark_ff::Field;
    use ark_ff::UniformRand;
    use rand::Rng;
    use zkaccel_testkit::seed::TestRng;

    /// v = rᵀW from the integers (wide accumulation, one reduction per input) equals v from the
    /// field elements, for weights of every size (zeros, ±1, 16-bit, i64::MIN and MAX) and many
    /// outputs; a projection whose integers are missing or of the wrong length uses the field
    /// elements; `codec::ints_to_fr` (table or multiplication) equals `Fr::from`.
    #[test]
    fn integer_weights_give_the_coefficients_of_the_field_weights() {
        let mut rng = TestRng::for_test("projection::integer_weights");
        let col = |index| Column { kind: ColumnKind::Advice, index };
        let layer = |rng: &mut TestRng, m: usize, k: usize, first_row: usize, wide: bool| -> (Projection, Vec<i64>) {
            let ints: Vec<i64> = (0..m * k)
                .map(|i| match (wide, i % 7) {
                    (true, 0) => i64::MIN,
                    (true, 1) => i64::MAX,
                    (true, 2) => rng.gen(),
                    (_, 3) => 0,
                    _ => rng.gen_range(-40_000..40_000),
                })
                .collect();
            let p = Projection {
                name: format!("p{first_row}"),
                inputs: (0..k).map(|i| Cell { column: col(0), row: first_row + i }).collect(),
                outputs: (0..m).map(|j| Cell { column: col(1), row: first_row + j }).collect(),
                weights: ints.iter().map(|&w| signed_to_fr(w)).collect(),
                bias: (0..m).map(|_| Fr::rand(rng)).collect(),
            };
            (p, ints)
        };
        let (p1, w1) = layer(&mut rng, 300, 40, 0, true);
        let (p2, w2) = layer(&mut rng, 20, 300, 400, false);
        let (p3, w3) = layer(&mut rng, 3, 5, 800, false);
        let rho = Fr::rand(&mut rng);
        let ps = [p1, p2, p3];
        // The field path (no integers given) is the model.
        let want = coefficients_with_ints(&ps, &[], &[], rho);
        let (i1, i2, i3) = (Ints::new(&w1), Ints::new(&w2), Ints::new(&w3));
        assert_eq!(i1.width(), 8);
        assert_eq!(coefficients_with_ints(&ps, &[Some(&i1), Some(&i2), Some(&i3)], &[], rho), want);
        assert_eq!(coefficients_with_ints(&ps, &[Some(&i1), None, Some(&Ints::new(&[1, 2]))], &[], rho), want);
        let w2_wrong = Ints::new(&w2.iter().map(|w| w + 1).collect::<Vec<_>>());
        assert_ne!(coefficients_with_ints(&ps, &[None, Some(&w2_wrong)], &[], rho), want);
        // Narrow integers (1 and 2 bytes) give the field path's coefficients too.
        let narrow: Vec<Projection> = ps[1..]
            .iter()
            .zip([1i64, 200])
            .map(|(p, scale)| Projection { weights: p.weights.iter().enumerate().map(|(i, _)| Fr::from((i as i64 % 255 - 127) * scale)).collect(), ..p.clone() })
            .collect();
        assert_eq!(narrow.iter().map(|p| p.weights.ints().unwrap().width()).collect::<Vec<_>>(), vec![1, 2]);
        assert_eq!(coefficients(&narrow, rho), coefficients_with_ints(&narrow, &[], &[], rho));
        // The weights find their own integers (`coefficients` takes them), and weights made from
        // integers give the same coefficients.
        assert!(ps.iter().zip([&w1, &w2, &w3]).all(|(p, w)| p.weights.ints().map(Ints::to_vec).as_ref() == Some(w)));
        assert_eq!(coefficients(&ps, rho), want);
        let from_ints: Vec<Projection> =
            ps.iter().zip([&w1, &w2, &w3]).map(|(p, w)| Projection { weights: Weights::from_ints(Ints::new(w)), ..p.clone() }).collect();
        assert_eq!(coefficients(&from_ints, rho), want);
        assert_eq!(from_ints, ps);
        // S·R^(−1) for S at the edges: 0, p (lo = p reduces to 0), 2^256 − 1, 2^384 − 1.
        let r_inv = Fr::from(2u64).pow([256u64]).inverse().unwrap();
        let p = Fr::MODULUS.0;
        for a in [[0u64; 6], [p[0], p[1], p[2], p[3], 0, 0], [u64::MAX, u64::MAX, u64::MAX, u64::MAX, 0, 0], [u64::MAX; 6], [1, 2, 3, 4, 5, 6]] {
            let bytes: Vec<u8> = a.iter().flat_map(|l| l.to_le_bytes()).collect();
            assert_eq!(from_montgomery_wide(&a), Fr::from_le_bytes_mod_order(&bytes) * r_inv, "{a:?}");
        }
        for ints in [vec![], vec![5i64], (-300..300).collect::<Vec<_>>(), vec![i64::MIN, 0, i64::MAX], vec![-1 << 20, 1 << 20, 3]] {
            assert_eq!(crate::codec::ints_to_fr(&ints), ints.iter().map(|&v| Fr::from(v)).collect::<Vec<_>>(), "{ints:?}");
        }
    }
}
