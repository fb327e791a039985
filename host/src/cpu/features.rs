//! Tests of CPU-specific kernels on machines without the instructions (test scaffolding, built
//! with the `test-utils` feature).
//!
//! A test of a kernel the CPU cannot run (the AVX-512 IFMA NTT, the ADX/BMI2 Montgomery product)
//! prints `SKIPPED: …` and passes — unless the environment variable [`REQUIRE_VAR`]
//! (`ZKACCEL_REQUIRE_CPU_FEATURES`, a comma-separated list of `ifma`, `adx`) names the kernel's
//! feature: then the skip is a failure. CI sets it on machines that have the features, so a
//! kernel the build ships is never silently left untested there.

/// The environment variable listing the CPU features whose kernels must be tested.
pub const REQUIRE_VAR: &str = "ZKACCEL_REQUIRE_CPU_FEATURES";

/// The feature names [`REQUIRE_VAR`] accepts.
pub const FEATURES: [&str; 2] = ["ifma", "adx"];

/// Whether to run a test of `feature`'s kernel given the variable's value `required`: `Ok(true)`
/// if the CPU has it, `Ok(false)` (skip) if not and not required, `Err` (a failure, with the
/// reason) if required and absent, or if the variable names an unknown feature.
pub fn decide(required: Option<&str>, feature: &str, available: bool) -> Result<bool, String> {
    assert!(FEATURES.contains(&feature), "unknown CPU feature {feature:?}");
    let list: Vec<&str> = required.unwrap_or("").split(',').map(str::trim).filter(|s| !s.is_empty()).collect();
    if let Some(bad) = list.iter().find(|s| !FEATURES.contains(s)) {
        return Err(format!("{REQUIRE_VAR} names {bad:?}; known features: {}", FEATURES.join(", ")));
    }
    if available {
        Ok(true)
    } else if list.contains(&feature) {
        Err(format!("{REQUIRE_VAR} requires the {feature} kernels to be tested, but this CPU lacks {feature}"))
    } else {
        Ok(false)
    }
}

/// [`decide`] with the process's environment: returns whether to run the test of `what`, prints
/// a SKIPPED line when not, panics when the skip is not allowed.
pub fn run_or_skip(feature: &str, available: bool, what: &str) -> bool {
    let required = std::env::var(REQUIRE_VAR).ok();
    match decide(required.as_deref(), feature, available) {
        Ok(true) => true,
        Ok(false) => {
            eprintln!("SKIPPED: {what}: this CPU lacks {feature} (set {REQUIRE_VAR}={feature} to make this a failure)");
            false
        }
        Err(why) => panic!("{what}: {why}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_variable_turns_a_skip_into_a_failure() {
        assert_eq!(decide(None, "ifma", true), Ok(true));
        assert_eq!(decide(None, "ifma", false), Ok(false));
        assert_eq!(decide(Some("adx"), "ifma", false), Ok(false));
        assert_eq!(decide(Some(" ifma , adx "), "adx", true), Ok(true));
        let e = decide(Some("ifma,adx"), "ifma", false).unwrap_err();
        assert!(e.contains("lacks ifma"), "{e}");
        let e = decide(Some("ifma,avx512"), "adx", true).unwrap_err();
        assert!(e.contains("\"avx512\""), "{e}");
        assert_eq!(decide(Some(""), "adx", false), Ok(false));
    }
}
