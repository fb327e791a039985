//! Prints the Verilog of a card build, or the facts a bitstream manifest records about it:
//! `cargo run -p zkaccel-hdl --example emit_card_verilog -- [verilog|facts] card_full|card_core|card_small NTT_K MSM_LOG_DEPTH`,
//! or the card's NTT core alone: `… -- ntt NTT_K`.
//! `facts` prints one JSON object (register-map version, card ID, kernel mask and sizes) taken from
//! the RTL's own constants, so that regenerated manifests follow the RTL.

use zkaccel_hdl::card::config::CardConfig;
use zkaccel_hdl::card_builds::{card_verilog, CardTop};
use zkaccel_interface::regs::{CARD_ID, REGMAP_VERSION};

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("ntt") {
        match args.get(1).and_then(|s| s.parse::<usize>().ok()).and_then(zkaccel_hdl::card_builds::ntt_core_verilog) {
            Some(v) => print!("{v}"),
            None => {
                eprintln!("usage: emit_card_verilog ntt NTT_K (3..=15)");
                std::process::exit(2);
            }
        }
        return;
    }
    let mode = match args.first().map(String::as_str) {
        Some("verilog") | Some("facts") => args.remove(0),
        _ => "verilog".to_string(),
    };
    let usage = "usage: emit_card_verilog [verilog|facts] card_full|card_core|card_small NTT_K MSM_LOG_DEPTH";
    let (Some(top), Some(k), Some(d)) = (
        args.first().and_then(|s| CardTop::from_name(s)),
        args.get(1).and_then(|s| s.parse::<usize>().ok()),
        args.get(2).and_then(|s| s.parse::<usize>().ok()),
    ) else {
        eprintln!("{usage}");
        std::process::exit(2);
    };
    // The lookup unit has the size of the simulated card's (the synthesized `lookup_unit_k10`).
    let cfg = top.config(&CardConfig { ntt_k: k, msm_log_depth: d, ..CardConfig::SIM });
    let Some(v) = card_verilog(top, &cfg) else {
        eprintln!("NTT_K must be 3..=15 and MSM_LOG_DEPTH 1..=16 (got {k}, {d})");
        std::process::exit(2);
    };
    if mode == "verilog" {
        print!("{v}");
        return;
    }
    println!(
        "{{\"top\": \"{}\", \"regmap_version\": {REGMAP_VERSION}, \"card_id\": {CARD_ID}, \"kernels_mask\": {}, \
         \"ntt_max_log_n\": {}, \"msm_bucket_log_depth\": {}, \"msm_c_min\": {}, \"msm_c_max\": {}, \"lookup_table_log_size\": {}}}",
        top.name(),
        cfg.kernels,
        cfg.ntt_k,
        cfg.msm_log_depth,
        zkaccel_hdl::msm_bucket::config::MIN_C,
        cfg.max_c(),
        cfg.lookup_log_table
    );
}
