//! The fuzz targets (fuzz/src/targets.rs) on their seeds and on every input saved under
//! fuzz/regressions/<target>/ (crashes found by scripts/fuzz.sh, once fixed, and the hostile
//! inputs of issue 20): each must be handled without a panic.

use super::targets;
use std::path::PathBuf;

#[test]
fn every_saved_fuzz_input_is_handled() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/regressions");
    let mut count = 0;
    for t in targets::TARGETS {
        assert!(targets::run(t, &targets::seed(t)), "unknown target {t}");
        assert!(targets::run(t, &[]), "{t}: empty input");
        let dir = root.join(t);
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for e in entries {
            let path = e.unwrap().path();
            let bytes = std::fs::read(&path).unwrap();
            targets::run(t, &bytes);
            count += 1;
        }
    }
    eprintln!("{count} saved inputs handled");
}
