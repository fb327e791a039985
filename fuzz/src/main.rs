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
    targets::fixture();
    afl::fuzz!(|data: &[u8]| {
        targets::run(&target, data);
    });
}
