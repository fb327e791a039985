//! The DSP limb-multiplier leaves: their Verilog (in Verilator) against their Rust behavioural
//! model, on the corner cases and 100 000 random operand pairs per shape.

use rand::Rng;
use zkaccel_hdl::limb_mul::{model::limb_mul, LimbMul};
use zkaccel_hdl::verilog::generate;
use zkaccel_testkit::seed::TestRng;
use zkaccel_sim::Build;

fn check_shape<const A: usize, const B: usize, const P: usize>(name: &str, rng: &mut TestRng) {
    let lib = Build::new(name, generate(&mut LimbMul::<A, B, P>::default())).build().unwrap();
    let mut m = lib.instantiate();
    let (pa, pb, pp) = (m.port("a").unwrap(), m.port("b").unwrap(), m.port("p").unwrap());
    let max_a = (1u64 << A) - 1;
    let max_b = (1u64 << B) - 1;
    let mut vectors = vec![(0, 0), (0, max_b), (max_a, 0), (1, 1), (max_a, max_b), (max_a, 1), (1, max_b)];
    vectors.extend((0..100_000).map(|_| (rng.gen_range(0..=max_a), rng.gen_range(0..=max_b))));
    for (a, b) in vectors {
        m.set_u64(pa, a);
        m.set_u64(pb, b);
        m.eval();
        let rtl = m.get_u64(pp);
        let model = limb_mul::<P>(a, b).to_u64();
        assert_eq!(rtl, model, "{name}: a={a:#x} b={b:#x}: RTL {rtl:#x}, Rust model {model:#x}, exact {:#x}", a as u128 * b as u128);
    }
}

#[test]
fn limb_mul_leaves_match_their_rust_model() {
    let mut rng = TestRng::for_test("limb_mul_leaves_match_their_rust_model");
    check_shape::<16, 16, 32>("limb_mul_16x16", &mut rng);
    check_shape::<18, 18, 36>("limb_mul_18x18", &mut rng);
    check_shape::<26, 17, 43>("limb_mul_26x17", &mut rng);
}
