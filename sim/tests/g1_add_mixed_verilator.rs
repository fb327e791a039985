//! The pipelined complete projective G1 adder (`hdl/src/g1_add_mixed`, RCB Algorithm 7) in
//! Verilator, against the step-by-step software model (bit for bit: the exact projective triple)
//! and against arkworks' group law (as points, after normalisation): edge cases (P + P, P + (−P),
//! O + P, P + O, O + O through the formulas and through `inf2`, `neg2` on each, second summands
//! affine with `Z2 = 1` and projective with random scalings), random pairs of both kinds, the
//! bucket reduction's running sums (`S += B`, `T += S` with empty, equal and cancelling buckets)
//! and the accumulation's running sums back to back one per cycle, with random bubbles, the
//! latency and the tags of every result, and `reset` mid-flight.

use ark_bn254::{Fq, Fr, G1Affine};
use ark_ff::{AdditiveGroup, Field, Zero};
use num_bigint::BigUint;
use rand::Rng;
use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::Arc;
use zkaccel_hdl::field::{from_wire, to_wire_biguint};
use zkaccel_hdl::g1_add_mixed::config::{INITIATION_INTERVAL, LATENCY};
use zkaccel_hdl::g1_add_mixed::model::{
    add, add_ark, add_trace, affine_to_proj, multiple_of_generator, on_curve, proj_to_ark, random_nonzero, random_point,
    AddInput, Proj,
};
use zkaccel_hdl::g1_add_mixed::G1AddMixedXcup;
use zkaccel_hdl::verilog::generate;
use zkaccel_testkit::seed::TestRng;
use zkaccel_sim::{Build, Library, Model, Port};

const NAME: &str = "g1_add_mixed_xcup";

fn library() -> Arc<Library> {
    Build::new(NAME, generate(&mut G1AddMixedXcup::new())).quick_compile().build().unwrap_or_else(|e| panic!("{NAME}: {e}"))
}

fn w(x: &Fq) -> BigUint {
    to_wire_biguint(x)
}

fn f(x: &BigUint) -> Fq {
    let mut bytes = x.to_bytes_le();
    bytes.resize(32, 0);
    from_wire(&bytes).unwrap_or_else(|e| panic!("RTL returned a non-canonical element: {e}"))
}

struct Ports {
    reset: Port,
    in_valid: Port,
    x1: Port,
    y1: Port,
    z1: Port,
    x2: Port,
    y2: Port,
    z2: Port,
    inf2: Port,
    neg2: Port,
    tag: Port,
    out_valid: Port,
    x3: Port,
    y3: Port,
    z3: Port,
    out_tag: Port,
}

impl Ports {
    fn of(m: &Model) -> Self {
        let p = |n: &str| m.port(n).unwrap_or_else(|e| panic!("{e}"));
        Self {
            reset: p("reset"),
            in_valid: p("in_valid"),
            x1: p("in_x1"),
            y1: p("in_y1"),
            z1: p("in_z1"),
            x2: p("in_x2"),
            y2: p("in_y2"),
            z2: p("in_z2"),
            inf2: p("in_inf2"),
            neg2: p("in_neg2"),
            tag: p("in_tag"),
            out_valid: p("out_valid"),
            x3: p("out_x3"),
            y3: p("out_y3"),
            z3: p("out_z3"),
            out_tag: p("out_tag"),
        }
    }
}

/// One result as the RTL produced it.
struct Out {
    tag: u32,
    issued: u64,
    visible: u64,
    p: [BigUint; 3],
}

fn drive(m: &mut Model, ports: &Ports, inp: &AddInput, tag: u32) {
    m.set_big(ports.x1, &w(&inp.p[0]));
    m.set_big(ports.y1, &w(&inp.p[1]));
    m.set_big(ports.z1, &w(&inp.p[2]));
    m.set_big(ports.x2, &w(&inp.x2));
    m.set_big(ports.y2, &w(&inp.y2));
    m.set_big(ports.z2, &w(&inp.z2));
    m.set_bool(ports.inf2, inp.inf2);
    m.set_bool(ports.neg2, inp.neg2);
    m.set_u64(ports.tag, tag as u64);
}

fn collect(m: &Model, ports: &Ports, issued: &mut VecDeque<(u32, u64)>, outs: &mut Vec<Out>) {
    if m.get_bool(ports.out_valid) {
        let tag = m.get_u64(ports.out_tag) as u32;
        let (want_tag, at) = issued.pop_front().unwrap_or_else(|| panic!("out_valid (tag {tag}) in cycle {} with nothing in flight", m.cycles()));
        assert_eq!(tag, want_tag, "results out of order");
        outs.push(Out { tag, issued: at, visible: m.cycles(), p: [m.get_big(ports.x3), m.get_big(ports.y3), m.get_big(ports.z3)] });
    }
}

/// Runs `inputs` (tag = index) after a reset; with probability `bubble` a cycle offers nothing.
/// Fills an input bubble's data ports with random junk (which must not matter).
fn run(m: &mut Model, inputs: &[AddInput], bubble: f64, rng: &mut TestRng) -> Vec<Out> {
    let ports = Ports::of(m);
    m.set_bool(ports.reset, true);
    m.set_bool(ports.in_valid, false);
    m.tick();
    m.set_bool(ports.reset, false);
    let mut issued = VecDeque::new();
    let mut outs = Vec::with_capacity(inputs.len());
    let mut next = 0usize;
    let mut idle = 0u64;
    while outs.len() < inputs.len() {
        let offer = next < inputs.len() && !rng.gen_bool(bubble);
        if offer {
            drive(m, &ports, &inputs[next], next as u32);
        } else if bubble > 0.0 {
            let junk = AddInput { p: [random_nonzero(rng); 3], x2: random_nonzero(rng), y2: Fq::ZERO, z2: random_nonzero(rng), inf2: rng.gen(), neg2: rng.gen() };
            drive(m, &ports, &junk, 0xdead_beef);
        }
        m.set_bool(ports.in_valid, offer);
        if offer {
            issued.push_back((next as u32, m.cycles()));
            next += 1;
        }
        m.tick();
        collect(m, &ports, &mut issued, &mut outs);
        if next == inputs.len() {
            idle += 1;
            assert!(idle <= 2 * LATENCY as u64 + 16, "{} results missing", inputs.len() - outs.len());
        }
    }
    m.set_bool(ports.in_valid, false);
    outs
}

/// Replays one input on a fresh instance with tracing on; returns the VCD.
fn replay_with_vcd(lib: &Arc<Library>, test: &str, inp: &AddInput) -> Option<PathBuf> {
    let mut m = lib.instantiate();
    let path = m.trace_in_build_dir(&format!("{test}-failure")).ok()?;
    let mut rng = TestRng::from_seed(0);
    run(&mut m, std::slice::from_ref(inp), 0.0, &mut rng);
    m.ticks(4);
    m.stop_trace();
    Some(path)
}

fn hex3(p: &Proj) -> String {
    format!("X {:#x}\n    Y {:#x}\n    Z {:#x}", w(&p[0]), w(&p[1]), w(&p[2]))
}

/// Checks every result against the step model (bit for bit), arkworks (as a point), the tag and
/// the latency; on a mismatch, panics with the inputs, both values, the model's steps and a VCD.
fn check(lib: &Arc<Library>, test: &str, inputs: &[AddInput], outs: &[Out]) {
    assert_eq!(outs.len(), inputs.len());
    for (i, o) in outs.iter().enumerate() {
        assert_eq!(o.tag as usize, i, "{test}: tag order");
        let inp = &inputs[i];
        let (want, trace) = add_trace(inp);
        let rtl: Proj = [f(&o.p[0]), f(&o.p[1]), f(&o.p[2])];
        let ark = add_ark(inp);
        let ok = rtl == want && proj_to_ark(&rtl) == ark && on_curve(&rtl) && o.visible - o.issued == LATENCY as u64;
        if !ok {
            let vcd = replay_with_vcd(lib, test, inp);
            let mut msg = format!(
                "{test} #{i}: inf2={} neg2={}\n  P   {}\n  x2 {:#x}\n  y2 {:#x}\n  z2 {:#x}\n  RTL {}\n  (latency {}, stated {LATENCY})\n  model {}\n  ark {:?}\n  RTL as point {:?}\n  model steps:\n",
                inp.inf2,
                inp.neg2,
                hex3(&inp.p),
                w(&inp.x2),
                w(&inp.y2),
                w(&inp.z2),
                hex3(&rtl),
                o.visible - o.issued,
                hex3(&want),
                ark,
                proj_to_ark(&rtl),
            );
            for (name, v) in &trace {
                msg.push_str(&format!("    {name:<24} {:#x}\n", w(v)));
            }
            panic!("{msg}  VCD {vcd:?}");
        }
    }
}

/// The edge cases: for several points Q (the identity among them) and scalings λ of the first
/// summand, first summands Q, −Q, O, 7G and a random point; second summand Q affine (`Z2 = 1`)
/// with all four (inf2, neg2) flags, and Q projective with a random scaling μ (and `neg2`); plus
/// O + O flagged with zero or junk coordinates.
fn edge_inputs(rng: &mut TestRng) -> Vec<AddInput> {
    let g = multiple_of_generator(&Fr::from(1u64));
    let qs: Vec<G1Affine> = vec![g, -g, multiple_of_generator(&Fr::from(5u64)), multiple_of_generator(&-Fr::from(2u64)), random_point(rng), <G1Affine as ark_ec::AffineRepr>::zero()];
    let mut v = Vec::new();
    for q in &qs {
        for lambda in [Fq::ONE, random_nonzero(rng), -Fq::ONE] {
            let firsts: Vec<Proj> = vec![
                affine_to_proj(q, lambda),                          // P + P
                affine_to_proj(&-*q, lambda),                       // P + (−P)
                [Fq::ZERO, lambda, Fq::ZERO],                       // O + P (bucket identity)
                affine_to_proj(&multiple_of_generator(&Fr::from(7u64)), lambda),
                affine_to_proj(&random_point(rng), lambda),
            ];
            for p in firsts {
                if !<G1Affine as ark_ec::AffineRepr>::is_zero(q) {
                    for (inf2, neg2) in [(false, false), (false, true), (true, false), (true, true)] {
                        v.push(AddInput::mixed(p, q.x, q.y, inf2, neg2));
                    }
                }
                for neg2 in [false, true] {
                    let q2 = affine_to_proj(q, random_nonzero(rng));
                    v.push(AddInput { neg2, ..AddInput::projective(p, q2) });
                }
            }
        }
    }
    // O + O: the identity plus a flagged identity (x2, y2 zero as on the wire, or junk).
    for lambda in [Fq::ONE, random_nonzero(rng)] {
        for neg2 in [false, true] {
            v.push(AddInput::mixed([Fq::ZERO, lambda, Fq::ZERO], Fq::ZERO, Fq::ZERO, true, neg2));
            v.push(AddInput::mixed([Fq::ZERO, lambda, Fq::ZERO], g.x, g.y, true, neg2));
        }
    }
    v
}

#[test]
fn g1_add_mixed_edge_cases() {
    let test = "g1_add_mixed_edge_cases";
    let mut rng = TestRng::for_test(test);
    let lib = library();
    let mut m = lib.instantiate();
    m.trace_if_requested(test).unwrap();
    let inputs = edge_inputs(&mut rng);
    // Sanity of the vectors themselves (so the test cannot pass vacuously).
    let second = |i: &AddInput| proj_to_ark(&[i.x2, if i.neg2 { -i.y2 } else { i.y2 }, i.z2]);
    let formulas = |i: &&AddInput| !i.inf2;
    let doublings = inputs.iter().filter(formulas).filter(|i| !i.p[2].is_zero() && proj_to_ark(&i.p) == second(i)).count();
    let cancels = inputs.iter().filter(formulas).filter(|i| !i.p[2].is_zero() && add(i)[2].is_zero()).count();
    let o_plus_p = inputs.iter().filter(formulas).filter(|i| i.p[2].is_zero()).count();
    let p_plus_o = inputs.iter().filter(formulas).filter(|i| i.z2.is_zero()).count();
    let o_plus_o = inputs.iter().filter(formulas).filter(|i| i.p[2].is_zero() && i.z2.is_zero()).count();
    let proj = inputs.iter().filter(formulas).filter(|i| i.z2 != Fq::ONE).count();
    assert!(
        doublings >= 10 && cancels >= 10 && o_plus_p >= 10 && p_plus_o >= 10 && o_plus_o >= 4 && proj >= 100,
        "P + P {doublings}, P − P {cancels}, O + P {o_plus_p}, P + O {p_plus_o}, O + O {o_plus_o}, projective {proj}"
    );
    let outs = run(&mut m, &inputs, 0.0, &mut rng);
    check(&lib, test, &inputs, &outs);
    let outs = run(&mut m, &inputs, 0.3, &mut rng);
    check(&lib, test, &inputs, &outs);
}

fn random_inputs(n: usize, rng: &mut TestRng) -> Vec<AddInput> {
    let mut pool: Vec<G1Affine> = (0..64).map(|_| random_point(rng)).collect();
    pool.push(multiple_of_generator(&Fr::from(1u64)));
    (0..n)
        .map(|i| {
            let q = pool[rng.gen_range(0..pool.len())];
            // Mostly independent points; sometimes P = ±Q or P = O from the same pool.
            let p = match rng.gen_range(0..10) {
                0 => affine_to_proj(&q, random_nonzero(rng)),
                1 => affine_to_proj(&-q, random_nonzero(rng)),
                2 => [Fq::ZERO, random_nonzero(rng), Fq::ZERO],
                _ => affine_to_proj(&random_point(rng), if i % 4 == 0 { Fq::ONE } else { random_nonzero(rng) }),
            };
            if rng.gen_bool(0.5) {
                AddInput::mixed(p, q.x, q.y, rng.gen_bool(0.05), rng.gen_bool(0.3))
            } else {
                AddInput { neg2: rng.gen_bool(0.3), ..AddInput::projective(p, affine_to_proj(&q, random_nonzero(rng))) }
            }
        })
        .collect()
}

#[test]
fn g1_add_mixed_random_pairs_with_bubbles() {
    let test = "g1_add_mixed_random_pairs_with_bubbles";
    let mut rng = TestRng::for_test(test);
    let lib = library();
    let mut m = lib.instantiate();
    m.trace_if_requested(test).unwrap();
    let inputs = random_inputs(3000, &mut rng);
    let t = std::time::Instant::now();
    let c0 = m.cycles();
    let outs = run(&mut m, &inputs, 0.2, &mut rng);
    let cycles = m.cycles() - c0;
    eprintln!(
        "{test}: {} additions in {cycles} cycles, {:.0} cycles/s (Verilator, incl. the Rust harness)",
        inputs.len(),
        cycles as f64 / t.elapsed().as_secs_f64()
    );
    check(&lib, test, &inputs, &outs);
}

#[test]
fn g1_add_mixed_back_to_back() {
    let test = "g1_add_mixed_back_to_back";
    let mut rng = TestRng::for_test(test);
    let lib = library();
    let mut m = lib.instantiate();
    m.trace_if_requested(test).unwrap();
    // Running sums whose summands are results the hardware itself produces: the accumulation
    // (a bucket plus affine points, some flagged identity or negated), then the bucket
    // reduction's two sums over the buckets from the top, S += B and T += S, with empty buckets
    // (O + O, S + O, O + B), a bucket equal to S (S + S) and one cancelling S (S + (−S)).
    let mut inputs = Vec::new();
    let mut acc: Proj = [Fq::ZERO, Fq::ONE, Fq::ZERO];
    for i in 0..500 {
        let q = random_point(&mut rng);
        let inp = AddInput::mixed(acc, q.x, q.y, i % 50 == 7, i % 3 == 1);
        acc = add(&inp);
        inputs.push(inp);
    }
    let mut s: Proj = [Fq::ZERO, Fq::ONE, Fq::ZERO];
    let mut t: Proj = s;
    for j in 0..250 {
        let b = match j % 10 {
            0 | 1 => [Fq::ZERO, random_nonzero(&mut rng), Fq::ZERO],
            2 if !s[2].is_zero() => s.map(|x| x * Fq::from(3u64)),
            3 if !s[2].is_zero() => [s[0], -s[1], s[2]],
            _ => affine_to_proj(&random_point(&mut rng), random_nonzero(&mut rng)),
        };
        let step = AddInput::projective(s, b);
        s = add(&step);
        inputs.push(step);
        let step = AddInput::projective(t, s);
        t = add(&step);
        inputs.push(step);
    }
    assert!(inputs.iter().filter(|i| i.p[2].is_zero() && i.z2.is_zero()).count() >= 2, "O + O in the running sums");
    let outs = run(&mut m, &inputs, 0.0, &mut rng);
    check(&lib, test, &inputs, &outs);
    let ii: Vec<u64> = outs.windows(2).map(|o| o[1].issued - o[0].issued).collect();
    assert!(ii.iter().all(|&x| x == INITIATION_INTERVAL as u64), "one addition accepted per cycle");
    let gaps: Vec<u64> = outs.windows(2).map(|o| o[1].visible - o[0].visible).collect();
    assert!(gaps.iter().all(|&x| x == 1), "one result per cycle");
}

#[test]
fn g1_add_mixed_reset_drops_in_flight_additions() {
    let test = "g1_add_mixed_reset_drops_in_flight";
    let mut rng = TestRng::for_test(test);
    let lib = library();
    let mut m = lib.instantiate();
    let ports = Ports::of(&m);
    let inputs = random_inputs(40, &mut rng);
    // Issue 30 additions, reset in the middle of their flight, and see that none comes out.
    m.set_bool(ports.reset, true);
    m.tick();
    m.set_bool(ports.reset, false);
    for (i, inp) in inputs[..30].iter().enumerate() {
        drive(&mut m, &ports, inp, i as u32);
        m.set_bool(ports.in_valid, true);
        m.tick();
    }
    m.set_bool(ports.in_valid, false);
    m.ticks(LATENCY as u64 / 2);
    m.set_bool(ports.reset, true);
    m.set_bool(ports.in_valid, true); // offered during reset: dropped too
    m.tick();
    m.set_bool(ports.reset, false);
    m.set_bool(ports.in_valid, false);
    for _ in 0..2 * LATENCY {
        m.tick();
        assert!(!m.get_bool(ports.out_valid), "a result issued before the reset came out in cycle {}", m.cycles());
    }
    // The adder works normally afterwards (run() resets again, then checks everything).
    let outs = run(&mut m, &inputs[30..], 0.0, &mut rng);
    check(&lib, test, &inputs[30..], &outs);
}
