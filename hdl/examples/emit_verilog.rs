//! Prints the Verilog of a named block: `cargo run -p zkaccel-hdl --example emit_verilog -- <block> [fr|fq]`.
//! Blocks: limb_mul_16x16, limb_mul_26x17, limb_mul_18x18, mod_add, mod_sub, montmul_iterative.

use zkaccel_hdl::field::Bn254Field;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let block = args.first().map(String::as_str).unwrap_or("");
    let field = match args.get(1).map(String::as_str) {
        Some("fq") => Bn254Field::Fq,
        Some("fr") | None => Bn254Field::Fr,
        Some(other) => {
            eprintln!("unknown field {other:?}: use fr or fq");
            std::process::exit(2);
        }
    };
    match zkaccel_hdl::blocks::verilog_of(block, field) {
        Some(v) => print!("{v}"),
        None => {
            eprintln!("unknown block {block:?}; known: {}", zkaccel_hdl::blocks::NAMES.join(", "));
            std::process::exit(2);
        }
    }
}
