//! Host side of the bucket unit: the stream of addition requests for one MSM, split into groups
//! of windows that fit the unit's bucket memory, and the bucket words it reads back.
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

use super::model::{signed_digits, windows};
use ark_bn254::{Fq, FqConfig, Fr, G1Affine, G1Projective};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{Field, One, Zero};

use crate::field::{from_wire, to_wire};

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
                let mut out = vec![G1Projective::zero(); half];
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

/// A bucket word read back from the unit (`X ‖ Y ‖ Z`, 96 bytes, homogeneous projective, Fq wire
/// format) as a point; an error names what is wrong (non-canonical field element, off the curve).
pub fn bucket_from_wire(bytes: &[u8]) -> Result<G1Projective, String> {
    if bytes.len() != 96 {
        return Err(format!("bucket word of {} bytes, want 96", bytes.len()));
    }
    let coord = |i: usize, name: &str| from_wire::<FqConfig>(&bytes[32 * i..32 * i + 32]).map_err(|e| format!("{name}: {e}"));
    let (x, y, z) = (coord(0, "X")?, coord(1, "Y")?, coord(2, "Z")?);
    if z.is_zero() {
        return if x.is_zero() && !y.is_zero() {
            Ok(G1Projective::zero())
        } else {
            Err(format!("Z = 0 but (X, Y) = ({x}, {y}) is not (0, nonzero)"))
        };
    }
    let zi = z.inverse().expect("z is nonzero");
    let p = G1Affine::new_unchecked(x * zi, y * zi);
    if !p.is_on_curve() {
        return Err(format!("({x} : {y} : {z}) is not on the curve"));
    }
    Ok(p.into())
}

/// A point as a bucket word with `Z = 1` (the identity as `(0 : 1 : 0)`).
pub fn bucket_to_wire(p: &G1Projective) -> [u8; 96] {
    let a = p.into_affine();
    let (x, y, z) = if a.is_zero() { (Fq::zero(), Fq::one(), Fq::zero()) } else { (a.x, a.y, Fq::one()) };
    let mut out = [0u8; 96];
    out[..32].copy_from_slice(&to_wire(&x));
    out[32..64].copy_from_slice(&to_wire(&y));
    out[64..].copy_from_slice(&to_wire(&z));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::msm_bucket::model::{accumulate_buckets, reduce_windows};
    use ark_ec::VariableBaseMSM;
    use ark_ff::UniformRand;

    #[test]
    fn grouped_requests_accumulate_to_the_msm() {
        let mut rng = crate::seed::TestRng::for_test("grouped_requests_accumulate_to_the_msm");
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
                let mut b = vec![vec![G1Projective::zero(); 1 << (c - 1)]; group.windows];
                for r in &group.requests {
                    assert!((1..=1 << (c - 1)).contains(&(r.mag as usize)), "bucket within the slot");
                    let p: G1Projective = if r.neg { (-r.point).into() } else { r.point.into() };
                    b[r.window as usize][r.mag as usize - 1] += p;
                }
                buckets.extend(group.fold(b, c));
            }
            assert_eq!(buckets.len(), windows(c));
            // Same buckets as the ungrouped model, and the same MSM as arkworks.
            let digits: Vec<Vec<i64>> = scalars.iter().map(|s| signed_digits(s, c)).collect();
            assert_eq!(buckets, accumulate_buckets(&pts, &digits, c), "c={c}");
            assert_eq!(reduce_windows(&buckets, c), want, "c={c}");
        }
        // The top window of c = 12 holds 2 bits: it is spread over its slot.
        let groups = plan(&pts, &scalars, 12, 16);
        let &(m, r) = groups.last().unwrap().spread.iter().rev().find(|&&(m, _)| m > 0).unwrap();
        assert!(m <= 5 && r >= 2048 / 5, "top window (m, R) = ({m}, {r})");
    }

    #[test]
    fn bucket_words_round_trip_and_reject_garbage() {
        let mut rng = crate::seed::TestRng::for_test("bucket_words_round_trip_and_reject_garbage");
        for p in [G1Projective::zero(), G1Projective::rand(&mut rng), G1Projective::rand(&mut rng)] {
            assert_eq!(bucket_from_wire(&bucket_to_wire(&p)).unwrap(), p);
        }
        let mut w = bucket_to_wire(&G1Projective::rand(&mut rng));
        w[0] ^= 1;
        assert!(bucket_from_wire(&w).unwrap_err().contains("not on the curve"));
        assert!(bucket_from_wire(&[0u8; 96]).unwrap_err().contains("Z = 0"));
        assert!(bucket_from_wire(&[0xff; 96]).is_err());
    }
}
