//! Builds (or finds in the cache) the card models and prints how long each took:
//! `cargo run --release -p zkaccel-sim --example card_build -- [fast] [full] [dual]` (`dual`: the
//! two-unit card of `--device sim:dual`, `CardConfig::SIM_DUAL_PROVER`).

use std::time::Instant;
use zkaccel_hdl::card::config::CardConfig;
use zkaccel_sim::card_runner::{build_card, CardVariant};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let want = |v: &str| args.is_empty() || args.iter().any(|a| a == v);
    let builds = [("fast", CardVariant::Fast, CardConfig::SIM), ("full", CardVariant::FullRtl, CardConfig::SIM), ("dual", CardVariant::Fast, CardConfig::SIM_DUAL_PROVER)];
    for (name, variant, cfg) in builds {
        if want(name) {
            let t = Instant::now();
            let lib = build_card(variant, &cfg).unwrap_or_else(|e| panic!("{name}: {e}"));
            println!("{name}: {:.1} s ({})", t.elapsed().as_secs_f64(), lib.dir().display());
        }
    }
}
