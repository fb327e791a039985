//! The AFL fuzz binary: `ZKACCEL_FUZZ_TARGET=<target> cargo afl fuzz … target/release/zkaccel-fuzz`
//! (see scripts/fuzz.sh); `zkaccel-fuzz seeds DIR` writes one valid input per target;
//! `zkaccel-fuzz time TARGET N` runs TARGET on its seed N times and prints the time per run (what
//! bounds AFL's executions per second on that target).

mod targets;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("seeds") {
        let dir = std::path::Path::new(&args[2]);
        for t in targets::TARGETS {
            std::fs::create_dir_all(dir.join(t)).expect("seed dir");
            std::fs::write(dir.join(t).join("valid"), targets::seed(t)).expect("seed");
        }
        return;
    }
    if args.get(1).map(String::as_str) == Some("time") {
        let (t, n) = (args.get(2).expect("zkaccel-fuzz time TARGET N"), args.get(3).and_then(|n| n.parse::<u32>().ok()).expect("zkaccel-fuzz time TARGET N"));
        assert!(targets::TARGETS.contains(&t.as_str()), "unknown target {t}");
        let seed = targets::seed(t);
        targets::run(t, &seed);
        let start = std::time::Instant::now();
        for _ in 0..n {
            targets::run(t, &seed);
        }
        println!("{t}: {:.3} ms per run on its {}-byte seed ({n} runs)", start.elapsed().as_secs_f64() * 1e3 / n as f64, seed.len());
        return;
    }
    let target = std::env::var("ZKACCEL_FUZZ_TARGET").expect("set ZKACCEL_FUZZ_TARGET");
    assert!(targets::TARGETS.contains(&target.as_str()), "unknown target {target}");
    // The fixture (compiled circuit, keys, a proof) is built lazily inside the fuzzed process, not
    // here: this binary runs under AFL's deferred fork server, and a rayon pool started before the
    // fork has no worker threads in the child, so the first parallel call there (verification,
    // key decoding) would wait forever — every proof and key target timed out on its own seed.
    afl::fuzz!(|data: &[u8]| {
        targets::run(&target, data);
    });
}
