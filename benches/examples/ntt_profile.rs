use std::time::Instant;
use ark_ff::UniformRand;
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use rand::SeedableRng;
use zkaccel::Fr;
fn main() {
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    let log: u32 = std::env::var("LOG").ok().and_then(|v| v.parse().ok()).unwrap_or(16);
    let n = 1usize << log;
    let a: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
    let d = Radix2EvaluationDomain::<Fr>::new(n).unwrap();
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
    pool.install(|| {
        let mut v = a.clone();
        zkaccel::cpu::ntt::fft_in_place(&mut v);
        for _ in 0..20 {
            let mut v = a.clone();
            let t = Instant::now();
            zkaccel::cpu::ntt::fft_in_place(&mut v);
            let x = t.elapsed();
            let mut w = a.clone();
            let t = Instant::now();
            d.fft_in_place(&mut w);
            let y = t.elapsed();
            let tw = zkaccel::cpu::ntt::twiddles::Stages::get(log, false);
            let mut u = a.clone();
            let t = Instant::now();
            zkaccel::cpu::ntt::dif::dif(&mut u, &tw);
            let z = t.elapsed();
            let t = Instant::now();
            zkaccel::cpu::ntt::dif::bit_reverse_scale(&mut u, None);
            println!("ours {x:?} ark {y:?} (dif {z:?} bitrev {:?})", t.elapsed());
        }
    });
}
