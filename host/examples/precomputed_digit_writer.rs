//! Speed of the precomputed layout's digit writer (`card_schedule::msm_precomputed::write_chunk`,
//! what the host does per MSM while the card accumulates): 2^20 random scalars into the card's
//! digit stream, best of 5, on 1 and 2 threads, for `c = 16` (the two-unit card's window) and
//! `c = 15`, one and two windows per table entry. Not part of the test suite (timings live in
//! benches and examples); the stream itself is tested against the reference signed digits in the
//! module's tests.
//!
//! ```text
//! cargo run --release -p zkaccel --example precomputed_digit_writer
//! ```

use ark_bn254::Fr;
use ark_ff::UniformRand;
use std::time::Instant;
use zkaccel::card_schedule::msm_precomputed::{stream_words, write_chunk};
use zkaccel_testkit::seed::TestRng;

fn main() {
    let n = 1usize << 20;
    let mut rng = TestRng::for_test("precomputed_digit_writer");
    let scalars: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
    println!("| threads | c | windows per entry | ms for 2^20 scalars | ns per scalar | ns per stream slot |");
    println!("|---|---|---|---|---|---|");
    for threads in [1usize, 2] {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("thread pool");
        for (c, k) in [(16usize, 2usize), (16, 1), (15, 2)] {
            let mut out = vec![0u16; stream_words(n, c, k)];
            let mut best = f64::INFINITY;
            for _ in 0..5 {
                let t = Instant::now();
                let wide = pool.install(|| write_chunk(&scalars, c, k, 0..n, &mut out));
                best = best.min(t.elapsed().as_secs_f64() * 1e3);
                std::hint::black_box(wide);
            }
            println!("| {threads} | {c} | {k} | {best:.2} | {:.2} | {:.3} |", best * 1e6 / n as f64, best * 1e6 / out.len() as f64);
        }
    }
}
