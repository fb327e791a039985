// Records the target triple so that the co-simulation can drive the `cc` crate at run time
// (it compiles Verilator models when a test first asks for them, not at build time).
fn main() {
    let target = std::env::var("TARGET").expect("cargo sets TARGET");
    println!("cargo:rustc-env=ZKACCEL_SIM_TARGET={target}");
    println!("cargo:rerun-if-changed=build.rs");
}
