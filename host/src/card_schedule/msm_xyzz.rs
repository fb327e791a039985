//! The host's side of an MSM on the XYZZ bucket unit (`hdl/src/msm_bucket_xyzz`, not on a card
//! yet): the unit answers with chain sums in XYZZ coordinates that carry the host's random offsets
//! (`R_b` in every bucket, `R_s` and `R_t` in the running sums, see that folder's `NOTES.md`). This
//! module decodes the 128-byte words, takes the offsets' known contribution out, and combines
//! the windows — the counterpart of [`super::msm_reduce`] for the projective unit. The unit's
//! golden model (`msm_bucket_xyzz::model`, in the hdl crate the prover does not depend on) is the
//! reference; `sim/tests/msm_bucket_xyzz_scheduler_verilator.rs` checks this module against it on
//! the scheduler RTL's words.

use super::msm_reduce::{horner, unit_answers_in_window_order, ChainSums};
use ark_bn254::{Fq, Fr, G1Affine, G1Projective};
use ark_ff::{Field, PrimeField, Zero};
use rayon::prelude::*;

/// Bytes of one answer word: `X ‖ Y ‖ ZZ ‖ ZZZ`, each 32 bytes of the Fq wire format (Montgomery
/// form, little-endian, canonical).
pub const WORD_BYTES: usize = 128;

/// The host's random starting points for one MSM (none the identity): every bucket starts at
/// `bucket`, every chain's running sum `S` at `s` and its weighted sum `T` at `t`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Offsets {
    /// `R_b`.
    pub bucket: G1Affine,
    /// `R_s`.
    pub s: G1Affine,
    /// `R_t`.
    pub t: G1Affine,
}

fn fq(bytes: &[u8]) -> Result<Fq, String> {
    let mut limbs = [0u64; 4];
    for (k, l) in limbs.iter_mut().enumerate() {
        *l = u64::from_le_bytes(bytes[8 * k..8 * k + 8].try_into().expect("8 bytes"));
    }
    // The wire format is the Montgomery form itself: canonical means below q.
    let v = ark_ff::BigInt::<4>(limbs);
    if v >= Fq::MODULUS {
        return Err("a coordinate is not below q".into());
    }
    Ok(Fq::new_unchecked(v))
}

/// One answer word as a point, without an inversion: `(X, Y, ZZ, ZZZ)` stands for `(X/ZZ, Y/ZZZ)`
/// when `ZZ³ = ZZZ²` (checked: otherwise no point has these coordinates), and then the Jacobian
/// triple `(X·ZZ², Y·ZZZ², ZZZ)` is the same point (`Z² = ZZZ² = ZZ³`: `x = X·ZZ²/ZZ³`,
/// `y = Y·ZZZ²/ZZZ³`) — two squarings and three products per word. `ZZ = 0` is the
/// identity (then `ZZZ` must be 0 too). The curve equation is left to the caller, as for the
/// projective words ([`super::msm_reduce::decode_answers`]).
pub fn word_to_point(word: &[u8]) -> Result<G1Projective, String> {
    if word.len() != WORD_BYTES {
        return Err(format!("{} bytes, not a {WORD_BYTES}-byte word", word.len()));
    }
    let [x, y, zz, zzz] = [0, 1, 2, 3].map(|k| fq(&word[32 * k..32 * k + 32]));
    let (x, y, zz, zzz) = (x?, y?, zz?, zzz?);
    if zz.is_zero() {
        return if zzz.is_zero() { Ok(G1Projective::zero()) } else { Err("ZZ = 0 with ZZZ ≠ 0".into()) };
    }
    let (zz2, zzz2) = (zz.square(), zzz.square());
    if zz2 * zz != zzz2 {
        return Err("ZZ³ ≠ ZZZ²: not XYZZ coordinates of a point".into());
    }
    // Jacobian with Z = ZZZ: Z² = ZZZ² = ZZ³, so X/ZZ = (X·ZZ²)/Z² and Y/ZZZ = (Y·ZZZ²)/Z³.
    Ok(G1Projective::new_unchecked(x * zz2, y * zzz2, zzz))
}

/// Eight words (`8·WORD_BYTES` bytes) as points: on eight IFMA lanes when the CPU has them and no
/// word is the identity or malformed, else word by word with [`word_to_point`] (which names what
/// is wrong). Both give the same points.
fn decode_block8(block: &[u8], first: usize) -> Result<Vec<G1Projective>, (usize, String)> {
    #[cfg(target_arch = "x86_64")]
    if crate::cpu::msm::jacobian_ifma::available() {
        let limbs = |w: usize, k: usize| -> [u64; 4] {
            core::array::from_fn(|i| u64::from_le_bytes(block[WORD_BYTES * w + 32 * k + 8 * i..][..8].try_into().expect("8 bytes")))
        };
        let coords: [[[u64; 4]; 8]; 4] = core::array::from_fn(|k| core::array::from_fn(|w| limbs(w, k)));
        let canonical = coords.iter().flatten().all(|c| ark_ff::BigInt::<4>(*c) < Fq::MODULUS);
        let finite = coords[2].iter().all(|c| c.iter().any(|&l| l != 0));
        if canonical && finite {
            if let Ok(points) = crate::cpu::msm::xyzz_ifma::to_jacobian8(&coords[0], &coords[1], &coords[2], &coords[3]) {
                return Ok(points.to_vec());
            }
        }
    }
    block.chunks_exact(WORD_BYTES).enumerate().map(|(k, w)| word_to_point(w).map_err(|e| (first + k, e))).collect()
}

/// Decodes the unit's answer bytes (chain sums `S_0, T_0, S_1, …`, 128-byte words) into chain
/// sums, eight words at a time ([`decode_block8`]), in parallel over the blocks when there are
/// many; an error names the first bad word.
pub fn decode_answers(bytes: &[u8]) -> Result<ChainSums, (usize, String)> {
    if !bytes.len().is_multiple_of(2 * WORD_BYTES) {
        return Err((bytes.len() / WORD_BYTES, format!("{} answer bytes are not whole pairs of {WORD_BYTES}-byte words", bytes.len())));
    }
    let block = 8 * WORD_BYTES;
    let (whole, tail) = bytes.split_at(bytes.len() - bytes.len() % block);
    let decode = |(b, blk): (usize, &[u8])| decode_block8(blk, 8 * b);
    let mut points: Vec<G1Projective> = if whole.len() < 32 * block {
        whole.chunks_exact(block).enumerate().map(decode).collect::<Result<Vec<_>, _>>()?.concat()
    } else {
        whole
            .par_chunks_exact(block)
            .enumerate()
            .map(decode)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| whole.chunks_exact(block).enumerate().map(decode).find_map(Result::err).expect("a bad word was found in parallel"))?
            .concat()
    };
    let first = whole.len() / WORD_BYTES;
    for (k, w) in tail.chunks_exact(WORD_BYTES).enumerate() {
        points.push(word_to_point(w).map_err(|e| (first + k, e))?);
    }
    let (mut s, mut t) = (Vec::with_capacity(points.len() / 2), Vec::with_capacity(points.len() / 2));
    for pair in points.chunks_exact(2) {
        s.push(pair[0]);
        t.push(pair[1]);
    }
    Ok(ChainSums { s, t })
}

/// A multi-unit card's answer (`units` units' chain sums one unit after the other, a group of
/// `windows` windows: `zkaccel_hdl::card::triple`) decoded as [`decode_answers`] does and put back
/// into the group's window order (`msm_reduce::unit_answers_in_window_order`, each `S`, `T` pair
/// kept together).
pub fn decode_unit_answers(bytes: &[u8], units: usize, windows: usize) -> Result<ChainSums, (usize, String)> {
    let sums = decode_answers(bytes)?;
    let pairs: Vec<(G1Projective, G1Projective)> = sums.s.into_iter().zip(sums.t).collect();
    let (s, t) = unit_answers_in_window_order(pairs, units, windows).into_iter().unzip();
    Ok(ChainSums { s, t })
}

/// What the offsets add to a window's sum `Σ_q (T_q + w_q·S_q)` over its chains of `g` buckets,
/// `w_q` the weight the host gives chain `q`'s `S` (`q·G` in bucket order, `(q·G) mod s` for a
/// window spread with stride `s`): `Q·R_t + (Q·G + Σ w_q)·R_s + (Q·G(G+1)/2 + G·Σ w_q)·R_b` —
/// every `T` carries `R_t` once, `R_s` once per round and each bucket's `R_b` with its weight within
/// the chain; every `S` carries `R_s` once and `R_b` once per bucket (the unit's NOTES).
pub fn correction(g: u64, weights: &[u64], offsets: &Offsets) -> G1Projective {
    let q = weights.len() as u128;
    let g = g as u128;
    let sw: u128 = weights.iter().map(|&w| w as u128).sum();
    let k = Fr::from;
    offsets.t * k(q) + offsets.s * k(q * g + sw) + offsets.bucket * k(q * g * (g + 1) / 2 + g * sw)
}

/// What the offsets add to each window of `2^{c−1}` buckets in bucket order reduced in chains of
/// `2^seg_log` ([`correction`] with the weights `q·G`). It depends only on the offsets and the
/// shape, so the host computes it before the card answers (once per offset set and shape).
pub fn window_correction(c: usize, seg_log: usize, offsets: &Offsets) -> G1Projective {
    assert!(seg_log < c, "a chain longer than a window");
    let chains = (1u64 << (c - 1)) >> seg_log;
    let g = 1u64 << seg_log;
    correction(g, &(0..chains).map(|q| q * g).collect::<Vec<_>>(), offsets)
}

/// The MSM from one group of `windows` windows of `2^{c−1}` buckets in bucket order (the
/// precomputed layout: one window per unit, windows in unit order), reduced on the unit in chains of
/// `2^seg_log`: [`super::msm_precomputed::combine`]'s window sums and Horner, less `fix` (the
/// offsets' [`window_correction`] for this shape) in every window.
pub fn combine(sums: &ChainSums, c: usize, seg_log: usize, windows: usize, fix: &G1Projective) -> G1Projective {
    assert!(seg_log < c, "a chain longer than a window");
    super::msm_precomputed::combine(sums, c, seg_log, windows) - horner(&vec![*fix; windows], c)
}

/// The offsets' scalar multiples as the tests compute them independently: the sum over chains.
#[cfg(test)]
fn correction_by_sums(g: u64, weights: &[u64], offsets: &Offsets) -> G1Projective {
    let mut acc = G1Projective::zero();
    for &w in weights {
        // T: R_t + G·R_s + Σ_{j<G} (j + 1)·R_b; S: R_s + G·R_b, weighted by w.
        acc += offsets.t;
        for j in 0..g {
            acc += offsets.s;
            acc += offsets.bucket * Fr::from(j + 1);
        }
        acc += (G1Projective::from(offsets.s) + offsets.bucket * Fr::from(g)) * Fr::from(w);
    }
    acc
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::AdditiveGroup;
    use ark_ec::{AffineRepr, CurveGroup, VariableBaseMSM};
    use ark_ff::UniformRand;
    use rand::{Rng, SeedableRng};

    fn wire(x: &Fq) -> [u8; 32] {
        let mut b = [0u8; 32];
        for (k, l) in x.0 .0.iter().enumerate() {
            b[8 * k..8 * k + 8].copy_from_slice(&l.to_le_bytes());
        }
        b
    }

    fn xyzz_word(p: &G1Affine, lambda: Fq) -> Vec<u8> {
        let (l2, l3) = (lambda.square(), lambda.square() * lambda);
        let c = if p.is_zero() { [l2, l3, Fq::ZERO, Fq::ZERO] } else { [l2 * p.x, l3 * p.y, l2, l3] };
        c.iter().flat_map(wire).collect()
    }

    fn offsets(rng: &mut impl Rng) -> Offsets {
        let mut p = || G1Projective::rand(rng).into_affine();
        Offsets { bucket: p(), s: p(), t: p() }
    }

    #[test]
    fn words_decode_to_their_points_and_bad_words_are_refused() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(0x7a1);
        for _ in 0..200 {
            let p = G1Projective::rand(&mut rng).into_affine();
            let l = Fq::rand(&mut rng);
            if l.is_zero() {
                continue;
            }
            assert_eq!(word_to_point(&xyzz_word(&p, l)).unwrap().into_affine(), p);
            assert!(word_to_point(&xyzz_word(&G1Affine::zero(), l)).unwrap().is_zero());
            // ZZZ of another scaling: ZZ³ ≠ ZZZ².
            let mut bad = xyzz_word(&p, l);
            bad[96..].copy_from_slice(&wire(&(l.square() * l * Fq::from(2u64))));
            assert!(word_to_point(&bad).unwrap_err().contains("ZZ³"));
        }
        let mut w = xyzz_word(&G1Projective::rand(&mut rng).into_affine(), Fq::from(3u64));
        w[31] = 0xff;
        assert!(word_to_point(&w).unwrap_err().contains("below q"));
        let mut id = vec![0u8; 128];
        id[96] = 1;
        assert!(word_to_point(&id).is_err(), "ZZ = 0 with ZZZ ≠ 0");
        assert!(word_to_point(&[0u8; 127]).is_err());
        let bytes: Vec<u8> = (0..300).flat_map(|_| xyzz_word(&G1Projective::rand(&mut rng).into_affine(), Fq::from(5u64))).collect();
        let mut bad = bytes.clone();
        bad[128 * 201 + 64..128 * 201 + 96].copy_from_slice(&wire(&Fq::from(7u64)));
        assert_eq!(decode_answers(&bad).unwrap_err().0, 201);
        assert_eq!(decode_answers(&bytes[..128 * 299]).unwrap_err().0, 299);
        assert_eq!(decode_answers(&bytes[..128 * 298]).unwrap().s.len(), 149);
    }

    #[test]
    fn eight_lane_decode_equals_the_word_by_word_one() {
        // Blocks of plain words, blocks with an identity or a bad word in some lane (the scalar
        // path), and a tail shorter than a block: the same points as word_to_point, the same
        // first bad word.
        let mut rng = rand::rngs::StdRng::seed_from_u64(0x7a4);
        let mut words: Vec<Vec<u8>> = Vec::new();
        for k in 0..8 * 40 + 6 {
            let p = if k % 53 == 17 { G1Affine::zero() } else { G1Projective::rand(&mut rng).into_affine() };
            let l = Fq::rand(&mut rng);
            words.push(xyzz_word(&p, if l.is_zero() { Fq::ONE } else { l }));
        }
        let bytes: Vec<u8> = words.concat();
        let sums = decode_answers(&bytes).unwrap();
        let want: Vec<G1Projective> = words.iter().map(|w| word_to_point(w).unwrap()).collect();
        let got: Vec<G1Projective> = sums.s.iter().zip(&sums.t).flat_map(|(s, t)| [*s, *t]).collect();
        assert_eq!(got.len(), want.len());
        for (k, (g, w)) in got.iter().zip(&want).enumerate() {
            // Limb for limb: both paths return canonical coordinates of the same triple.
            assert_eq!((g.x.0 .0, g.y.0 .0, g.z.0 .0), (w.x.0 .0, w.y.0 .0, w.z.0 .0), "word {k}");
        }
        for bad_word in [3usize, 8 * 33 + 5, 8 * 40 + 4] {
            let mut bad = bytes.clone();
            let at = 128 * bad_word + 96;
            bad[at..at + 32].copy_from_slice(&wire(&Fq::from(11u64)));
            let (k, e) = decode_answers(&bad).unwrap_err();
            assert_eq!(k, bad_word);
            assert!(e.contains("ZZ³"), "{e}");
        }
    }

    #[test]
    fn the_correction_equals_the_sum_over_chains() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(0x7a2);
        for (g, q) in [(1u64, 4usize), (4, 8), (64, 3), (8, 1)] {
            let off = offsets(&mut rng);
            let weights: Vec<u64> = (0..q).map(|_| rng.gen_range(0..500)).collect();
            assert_eq!(correction(g, &weights, &off), correction_by_sums(g, &weights, &off));
        }
    }

    #[test]
    fn combine_takes_the_offsets_out_of_the_units_chain_sums() {
        // Chain sums as the unit returns them for windows of known buckets: S_q, T_q of the chain's
        // buckets plus the offsets' share, each word in a random scaling; the combination must be
        // the MSM Σ_w 2^{c·w} Σ_b (b + 1)·B_{w,b}.
        let mut rng = rand::rngs::StdRng::seed_from_u64(0x7a3);
        for (c, seg_log, windows) in [(4usize, 1usize, 3usize), (5, 2, 2), (6, 5, 1)] {
            let off = offsets(&mut rng);
            let (b, g) = (1usize << (c - 1), 1usize << seg_log);
            let buckets: Vec<G1Projective> = (0..windows * b).map(|_| G1Projective::rand(&mut rng)).collect();
            let mut bytes = Vec::new();
            for chain in buckets.chunks(g) {
                let (mut s, mut t) = (G1Projective::from(off.s), G1Projective::from(off.t));
                for bk in chain.iter().rev() {
                    s += *bk + off.bucket;
                    t += s;
                }
                for p in [s, t] {
                    let l = Fq::rand(&mut rng);
                    bytes.extend(xyzz_word(&p.into_affine(), if l.is_zero() { Fq::ONE } else { l }));
                }
            }
            let sums = decode_answers(&bytes).unwrap();
            let got = combine(&sums, c, seg_log, windows, &window_correction(c, seg_log, &off));
            let (mut scalars, mut points) = (Vec::new(), Vec::new());
            for (k, bk) in buckets.iter().enumerate() {
                let (w, j) = (k / b, k % b);
                scalars.push(Fr::from(1u64 << (c * w)) * Fr::from(j as u64 + 1));
                points.push(bk.into_affine());
            }
            assert_eq!(got.into_affine(), G1Projective::msm(&points, &scalars).unwrap().into_affine(), "c {c} G 2^{seg_log} windows {windows}");
        }
    }
}
