//! Builds (or finds in the cache) the card models and prints how long each took:
//! `cargo run --release -p zkaccel-sim --example card_build -- [fast] [full]`.

use std::time::Instant;
use zkaccel_hdl::card::config::CardConfig;
use zkaccel_sim::card_runner::{build_card, CardVariant};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let want = |v: &str| args.is_empty() || args.iter().any(|a| a == v);
    for (name, variant) in [("fast", CardVariant::Fast), ("full", CardVariant::FullRtl)] {
        if want(name) {
            let t = Instant::now();
            let lib = build_card(variant, &CardConfig::SIM).unwrap_or_else(|e| panic!("{name}: {e}"));
            println!("{name}: {:.1} s ({})", t.elapsed().as_secs_f64(), lib.dir().display());
        }
    }
}
