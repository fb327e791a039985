//! Host side of the card's MSM bucket unit: signed-digit slicing of the scalars, the stream of
//! addition requests for one MSM split into groups of windows that fit the unit's bucket memory,
//! folding the read-out back into window buckets, and the bucket reduction (running sums and the
//! combination of windows) that the host does after the card.
//!
//! The scalar `s < r` is sliced into signed `c`-bit digits `d_w ∈ [−2^{c−1}, 2^{c−1}]` with
//! `s = Σ_w d_w·2^{c·w}` ([`signed_digits`]): `2^{c−1}` buckets per window, `⌈255/c⌉`
//! windows (the top one never borrows: [`windows`]). The card adds `sign(d)·P_i` into bucket `|d| − 1` of window `w`;
//! the host computes `Σ_w 2^{c·w} Σ_b (b+1)·B_{w,b}` ([`reduce_buckets`]). The golden model of the
//! same split is `zkaccel_hdl::msm_bucket::model` (independent code; the Verilator tests compare
//! the two).
//!
//! For window size `c` the unit holds `2^{c−1}` buckets per window; a group holds
//! `min(windows(c), depth / 2^{c−1}, 255)` windows. Within a group the requests are point-major
//! (all of a point's windows, then the next point), so consecutive requests hit different windows'
//! buckets and conflicts stay rare. Zero digits and the point at infinity need no request.
//!
//! **Narrow windows are spread.** The top window of a 254-bit scalar holds only the bits left
//! over (`254 − c·(W−2)`, e.g. 2 bits for `c = 12`), so its digits take a handful of values and
//! every point's request lands in one of a few buckets: with an adder `L` cycles deep, such a
//! bucket can take one addition per `L` cycles and the whole stream stalls behind it (measured:
//! 0.32 additions per cycle at 2^16 points, `c = 12`). When a window's largest `|d|` is `m`, its
//! slot of `2^{c−1}` buckets holds `R = ⌊2^{c−1}/m⌋` replicas of its `m` buckets: point `i` goes
//! to replica `i mod R`, bucket `(i mod R)·m + |d| − 1`; the host folds the replicas back
//! ([`Group::fold`], `(R−1)·m` additions). The hardware is unchanged: it only sees digits ≤ 2^{c−1}.

use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ec::{AdditiveGroup, AffineRepr, CurveGroup};
use ark_ff::PrimeField;
#[cfg(test)]
use ark_ff::Zero;
use rayon::prelude::*;

/// Number of windows of `c` bits for scalars `s < r < 2^254` with signed digits: `⌈255/c⌉`, the
/// fewest that leave the top window at most `c − 1` bits (`254 − c·(W−1) ≤ c − 1`), so that its raw
/// value is below `2^{c−1}` and with its carry-in at most `2^{c−1}`: it never borrows and no
/// further window is needed. One more than the unsigned count `⌈254/c⌉` only when `c` divides
/// 254 (`c = 2`); a window more than that would carry only zero digits, yet cost the card a digit
/// slot per point. Panics outside `2..=24`.
pub fn windows(c: usize) -> usize {
    assert!((2..=24).contains(&c), "window size {c} out of range 2..=24");
    (Fr::MODULUS_BIT_SIZE as usize + 1).div_ceil(c)
}

/// The signed `c`-bit digits of `s`, least significant window first.
pub fn signed_digits(s: &Fr, c: usize) -> Vec<i64> {
    let limbs = s.into_bigint().0;
    let bit = |i: usize| i < 256 && (limbs[i / 64] >> (i % 64)) & 1 == 1;
    let (n, half) = (windows(c), 1i64 << (c - 1));
    let mut carry = 0i64;
    let digits = (0..n)
        .map(|w| {
            let v = carry + (0..c).filter(|&j| bit(w * c + j)).map(|j| 1i64 << j).sum::<i64>();
            // v ∈ [0, 2^c]; digits above 2^{c−1} borrow from the next window.
            carry = (v > half) as i64;
            v - (carry << c)
        })
        .collect();
    assert_eq!(carry, 0, "c = {c}: the top window of {s} borrowed");
    digits
}

/// `Σ_w 2^{c·w} Σ_b (b+1)·buckets[w][b]`: the host's part of the MSM after the card's bucket
/// unit. All buckets are normalized to affine in one batch inversion, then every window's running
/// sum (`R += B_b` mixed, `S += R`) runs on its own thread, and the windows are combined by Horner
/// with `c` doublings each.
pub fn reduce_buckets(buckets: &[Vec<G1Projective>], c: usize) -> G1Projective {
    let flat: Vec<G1Projective> = buckets.iter().flatten().copied().collect();
    let affine = G1Projective::normalize_batch(&flat);
    let mut offset = 0;
    let slices: Vec<&[G1Affine]> = buckets
        .iter()
        .map(|w| {
            let s = &affine[offset..offset + w.len()];
            offset += w.len();
            s
        })
        .collect();
    let sums: Vec<G1Projective> = slices
        .par_iter()
        .map(|window| {
            let (mut running, mut sum) = (G1Projective::ZERO, G1Projective::ZERO);
            for b in window.iter().rev() {
                running += b;
                sum += running;
            }
            sum
        })
        .collect();
    sums.iter().rev().fold(G1Projective::ZERO, |mut acc, s| {
        for _ in 0..c {
            acc.double_in_place();
        }
        acc + s
    })
}

/// One addition request: add `±point` into bucket `mag − 1` of `window` (within the group).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Request {
    /// The affine point (never the identity: those need no addition).
    pub point: G1Affine,
    /// Add the negated point.
    pub neg: bool,
    /// Bucket number plus one, `1 ≤ mag ≤ 2^{c−1}` (`|d|` unless the window is spread).
    pub mag: u16,
    /// Window index within the group.
    pub window: u8,
}

/// One group of windows for the unit.
#[derive(Clone, Debug)]
pub struct Group {
    /// Index of the group's first window in the MSM.
    pub first: usize,
    /// Windows in the group.
    pub windows: usize,
    /// Per window of the group: `(m, R)`, the largest `|d|` and the replicas (1 = not spread).
    pub spread: Vec<(usize, usize)>,
    /// The requests, point-major.
    pub requests: Vec<Request>,
}

impl Group {
    /// The window buckets (`[window][|d| − 1]`, `2^{c−1}` each) from the unit's read-out of this
    /// group (`[window][bucket]`): replicas of spread windows are added back together.
    pub fn fold(&self, raw: Vec<Vec<G1Projective>>, c: usize) -> Vec<Vec<G1Projective>> {
        let half = 1usize << (c - 1);
        raw.into_iter()
            .zip(&self.spread)
            .map(|(slot, &(m, r))| {
                if r <= 1 {
                    return slot;
                }
                let mut out = vec![G1Projective::ZERO; half];
                for rep in 0..r {
                    for j in 0..m {
                        out[j] += slot[rep * m + j];
                    }
                }
                out
            })
            .collect()
    }
}

/// Windows per group for window size `c` and a bucket memory of `2^log_depth` entries.
pub fn windows_per_group(c: usize, log_depth: usize) -> usize {
    assert!(c - 1 <= log_depth, "2^(c-1) = {} buckets do not fit 2^{log_depth} entries", 1usize << (c - 1));
    windows(c).min(1 << (log_depth - (c - 1))).min(255)
}

/// The groups of an MSM, in window order.
pub fn plan(points: &[G1Affine], scalars: &[Fr], c: usize, log_depth: usize) -> Vec<Group> {
    assert_eq!(points.len(), scalars.len(), "one scalar per point");
    let digits: Vec<Vec<i64>> = scalars.iter().map(|s| signed_digits(s, c)).collect();
    let total = windows(c);
    let half = 1usize << (c - 1);
    let widths: Vec<usize> = (0..total)
        .map(|w| digits.iter().map(|ds| ds[w].unsigned_abs() as usize).max().unwrap_or(0))
        .collect();
    let per = windows_per_group(c, log_depth);
    let mut groups = Vec::new();
    let mut first = 0;
    while first < total {
        let count = per.min(total - first);
        let spread: Vec<(usize, usize)> = widths[first..first + count]
            .iter()
            .map(|&m| (m, if m == 0 { 1 } else { half / m }))
            .collect();
        let mut requests = Vec::new();
        for (i, (p, ds)) in points.iter().zip(&digits).enumerate() {
            if p.is_zero() {
                continue;
            }
            for (w, &d) in ds[first..first + count].iter().enumerate() {
                if d != 0 {
                    let (m, r) = spread[w];
                    let mag = (i % r) * m + d.unsigned_abs() as usize;
                    requests.push(Request { point: *p, neg: d < 0, mag: mag as u16, window: w as u8 });
                }
            }
        }
        groups.push(Group { first, windows: count, spread, requests });
        first += count;
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::VariableBaseMSM;
    use ark_ff::{BigInteger, One, UniformRand};
    use num_bigint::{BigInt, Sign};
    use rand::SeedableRng;

    #[test]
    fn signed_digits_recompose_the_scalar() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(0x5eed_d161);
        let mut scalars: Vec<Fr> = (0..200).map(|_| Fr::rand(&mut rng)).collect();
        scalars.extend([Fr::zero(), Fr::one(), -Fr::one(), Fr::from(u64::MAX)]);
        for c in [2usize, 4, 5, 12, 13, 16, 24] {
            let half = 1i64 << (c - 1);
            for s in &scalars {
                let d = signed_digits(s, c);
                assert_eq!(d.len(), windows(c));
                assert!(d.iter().all(|&x| (-half..=half).contains(&x)), "digit range, c = {c}");
                let v = d.iter().rev().fold(BigInt::from(0), |acc, &x| (acc << c) + BigInt::from(x));
                let want = BigInt::from_bytes_le(Sign::Plus, &s.into_bigint().to_bytes_le());
                assert_eq!(v, want, "c = {c}");
            }
        }
    }

    /// Bucket sums per window, one scalar multiplication at a time: an independent reference.
    fn direct_buckets(pts: &[G1Affine], scalars: &[Fr], c: usize) -> Vec<Vec<G1Projective>> {
        let mut out = vec![vec![G1Projective::ZERO; 1 << (c - 1)]; windows(c)];
        for (p, s) in pts.iter().zip(scalars) {
            for (w, d) in signed_digits(s, c).into_iter().enumerate() {
                if d != 0 {
                    out[w][d.unsigned_abs() as usize - 1] += *p * Fr::from(d.signum());
                }
            }
        }
        out
    }

    #[test]
    fn grouped_requests_accumulate_to_the_msm() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(0x5eed_9e05);
        let n = 50;
        let mut pts: Vec<G1Affine> = (0..n).map(|_| G1Affine::rand(&mut rng)).collect();
        let mut scalars: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
        pts[3] = G1Affine::zero();
        scalars[4] = Fr::zero();
        scalars[5] = -Fr::one();
        let want = G1Projective::msm(&pts, &scalars).unwrap();
        for (c, log_depth) in [(4usize, 5usize), (5, 8), (8, 10), (12, 16), (13, 16)] {
            let mut buckets = Vec::new();
            for group in plan(&pts, &scalars, c, log_depth) {
                let mut b = vec![vec![G1Projective::ZERO; 1 << (c - 1)]; group.windows];
                for r in &group.requests {
                    assert!((1..=1 << (c - 1)).contains(&(r.mag as usize)), "bucket within the slot");
                    let p: G1Projective = if r.neg { (-r.point).into() } else { r.point.into() };
                    b[r.window as usize][r.mag as usize - 1] += p;
                }
                buckets.extend(group.fold(b, c));
            }
            assert_eq!(buckets.len(), windows(c));
            // Same buckets as the ungrouped model, and the same MSM as arkworks.
            assert_eq!(buckets, direct_buckets(&pts, &scalars, c), "c={c}");
            assert_eq!(reduce_buckets(&buckets, c), want, "c={c}");
        }
        // The top window of c = 12 holds 2 bits: it is spread over its slot.
        let groups = plan(&pts, &scalars, 12, 16);
        let &(m, r) = groups.last().unwrap().spread.iter().rev().find(|&&(m, _)| m > 0).unwrap();
        assert!(m <= 5 && r >= 2048 / 5, "top window (m, R) = ({m}, {r})");
    }
}
