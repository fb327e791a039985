//! The AFL fuzz binary: `ZKACCEL_FUZZ_TARGET=<target> cargo afl fuzz … target/release/zkaccel-fuzz`
//! (see scripts/fuzz.sh); `zkaccel-fuzz seeds DIR` writes one valid input per target.

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
