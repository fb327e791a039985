use std::time::Instant;
use ark_ff::{Field, UniformRand};
use ark_ec::CurveGroup;
use rand::SeedableRng;
use zkaccel::{Fq, Fr, G1Projective};
use zkaccel::cpu::msm::{pippenger, small_scalar};
fn main() {
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    let xs: Vec<Fq> = (0..1000).map(|_| Fq::rand(&mut rng)).collect();
    let t = Instant::now();
    let mut acc = Fq::ONE;
    for _ in 0..1000 { for x in &xs { acc *= x; } }
    println!("Fq mul: {:.1} ns", t.elapsed().as_nanos() as f64 / 1e6);
    let t = Instant::now();
    for x in &xs { acc += x.inverse().unwrap(); }
    println!("Fq inv: {:.1} ns  ({acc})", t.elapsed().as_nanos() as f64 / 1e3);
    {
        use halo2curves::ff::Field as _;
        let hx: Vec<halo2curves::bn256::Fq> = (0..1000).map(|_| halo2curves::bn256::Fq::random(&mut rng)).collect();
        let t = Instant::now();
        let mut acc = halo2curves::bn256::Fq::ONE;
        for _ in 0..1000 { for x in &hx { acc *= x; } }
        println!("h2c Fq mul: {:.1} ns {:?}", t.elapsed().as_nanos() as f64 / 1e6, acc.is_zero());
        let t = Instant::now();
        let mut acc = Fq::ONE;
        for _ in 0..1000 { for x in &xs { acc *= x; } }
        println!("Fq mul: {:.1} ns", t.elapsed().as_nanos() as f64 / 1e6);
    }
    let log: u32 = std::env::var("LOG").ok().and_then(|v| v.parse().ok()).unwrap_or(16);
    let n = 1usize << log;
    let g = G1Projective::rand(&mut rng);
    let proj: Vec<G1Projective> = (0..n).scan(g, |p, _| { *p += g; Some(*p) }).collect();
    let bases = G1Projective::normalize_batch(&proj);
    let scalars: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
    pool.install(|| {
        let t = Instant::now();
        let cl = small_scalar::Classes::build(&bases, &scalars, &zkaccel::cpu::msm::glv::beta());
        println!("classify: {:?}", t.elapsed());
        let blocks = vec![&cl.terms[4]];
        let m = cl.terms[4].len();
        let p0 = pippenger::plan(m, cl.bits[4], 1);
        println!("plan {p0:?} bits {}", cl.bits[4]);
        for c in [13u32, 14, 15, 13, 14, 15].into_iter().filter(|_| std::env::var("ONLY").is_err()) {
            for ba in [true] {
                let p = pippenger::Plan { c, windows: (cl.bits[4] + 1).div_ceil(c), slices: 1, batch_affine: ba };
                let t = Instant::now();
                let r = pippenger::msm_terms_with(&blocks, cl.bits[4], p);
                println!("c={c} ba={ba}: {:?} {}", t.elapsed(), r.into_affine().x.0.0[0] & 0xff);
            }
        }
        use ark_ff::{BigInteger, PrimeField};
        use halo2curves::ff::PrimeField as _;
        use halo2curves::CurveAffine;
        let hfq = |x: &Fq| { let mut r = <halo2curves::bn256::Fq as halo2curves::ff::PrimeField>::Repr::default(); r.as_mut().copy_from_slice(&x.into_bigint().to_bytes_le()); halo2curves::bn256::Fq::from_repr(r).unwrap() };
        let hs: Vec<halo2curves::bn256::Fr> = scalars.iter().map(|x| { let mut r = <halo2curves::bn256::Fr as halo2curves::ff::PrimeField>::Repr::default(); r.as_mut().copy_from_slice(&x.into_bigint().to_bytes_le()); halo2curves::bn256::Fr::from_repr(r).unwrap() }).collect();
        let hb: Vec<halo2curves::bn256::G1Affine> = bases.iter().map(|p| halo2curves::bn256::G1Affine::from_xy(hfq(&p.x), hfq(&p.y)).unwrap()).collect();
        if std::env::var("ONLY").is_ok() {
            for _ in 0..10 { let t = Instant::now(); let _ = zkaccel::cpu::msm::msm(&bases, &scalars); println!("ours {:?}", t.elapsed()); }
            return;
        }
        for _ in 0..3 {
            let t = Instant::now();
            let _ = zkaccel::cpu::msm::msm(&bases, &scalars);
            let a = t.elapsed();
            let t = Instant::now();
            let _ = halo2curves::msm::msm_best(&hs, &hb);
            let b = t.elapsed();
            let t = Instant::now();
            let _ = <G1Projective as ark_ec::VariableBaseMSM>::msm(&bases, &scalars);
            println!("ours {a:?} h2c {b:?} ark {:?}", t.elapsed());
        }
    });
}
