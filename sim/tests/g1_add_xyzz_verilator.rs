//! The pipelined XYZZ G1 adder (`hdl/src/g1_add_xyzz`) in Verilator, against the step-by-step
//! software model (bit for bit: the four coordinates and the `exc` flag, also where the flag says
//! the coordinates are not the sum) and against arkworks' group law (as points): the edge cases of
//! every mode (P + P flagged, P + (−P), an identity bucket, `inf2` and `neg2` on each, the doubling
//! of every first operand including the identity, general additions in their two passes with
//! both operands in random scalings), random operations of all three modes with random bubbles
//! and junk on idle cycles, the accumulation's and the reduction's running sums with the flagged
//! additions redone as doublings, one per cycle, and `reset` mid-flight.

use ark_bn254::{Fq, Fr, G1Affine};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{AdditiveGroup, Field, Zero};
use num_bigint::BigUint;
use rand::Rng;
use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::Arc;
use zkaccel_hdl::field::{from_wire, to_wire_biguint};
use zkaccel_hdl::g1_add_xyzz::config::{INITIATION_INTERVAL, LATENCY};
use zkaccel_hdl::g1_add_xyzz::model::{
    eval, eval_trace, expected, from_affine, general_add, mixed_add, multiple_of_generator, on_curve, random_nonzero, random_point, to_ark, Mode, Xyzz,
    XyzzInput,
};
use zkaccel_hdl::g1_add_xyzz::G1AddXyzzXcup;
use zkaccel_hdl::verilog::generate;
use zkaccel_sim::{Build, Library, Model, Port};
use zkaccel_testkit::seed::TestRng;

const NAME: &str = "g1_add_xyzz_xcup";

fn library() -> Arc<Library> {
    Build::new(NAME, generate(&mut G1AddXyzzXcup::new())).quick_compile().build().unwrap_or_else(|e| panic!("{NAME}: {e}"))
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
    mode: Port,
    ins: [Port; 8],
    inf2: Port,
    neg2: Port,
    tag: Port,
    out_valid: Port,
    outs: [Port; 4],
    exc: Port,
    out_tag: Port,
}

impl Ports {
    fn of(m: &Model) -> Self {
        let p = |n: &str| m.port(n).unwrap_or_else(|e| panic!("{e}"));
        Self {
            reset: p("reset"),
            in_valid: p("in_valid"),
            mode: p("in_mode"),
            ins: ["in_x1", "in_y1", "in_zz1", "in_zzz1", "in_zzu", "in_zzzu", "in_x2", "in_y2"].map(p),
            inf2: p("in_inf2"),
            neg2: p("in_neg2"),
            tag: p("in_tag"),
            out_valid: p("out_valid"),
            outs: ["out_x3", "out_y3", "out_zz3", "out_zzz3"].map(p),
            exc: p("out_exc"),
            out_tag: p("out_tag"),
        }
    }
}

/// One result as the RTL produced it.
struct Out {
    tag: u32,
    issued: u64,
    visible: u64,
    p: [BigUint; 4],
    exc: bool,
}

fn drive(m: &mut Model, ports: &Ports, inp: &XyzzInput, tag: u32, code: u64) {
    let v = [inp.p[0], inp.p[1], inp.p[2], inp.p[3], inp.zzu, inp.zzzu, inp.x2, inp.y2];
    for (port, x) in ports.ins.iter().zip(v.iter()) {
        m.set_big(*port, &w(x));
    }
    m.set_u64(ports.mode, code);
    m.set_bool(ports.inf2, inp.inf2);
    m.set_bool(ports.neg2, inp.neg2);
    m.set_u64(ports.tag, tag as u64);
}

fn collect(m: &Model, ports: &Ports, issued: &mut VecDeque<(u32, u64)>, outs: &mut Vec<Out>) {
    if m.get_bool(ports.out_valid) {
        let tag = m.get_u64(ports.out_tag) as u32;
        let (want_tag, at) = issued.pop_front().unwrap_or_else(|| panic!("out_valid (tag {tag}) in cycle {} with nothing in flight", m.cycles()));
        assert_eq!(tag, want_tag, "results out of order");
        let p = ports.outs.map(|o| m.get_big(o));
        outs.push(Out { tag, issued: at, visible: m.cycles(), p, exc: m.get_bool(ports.exc) });
    }
}

fn junk(rng: &mut TestRng) -> XyzzInput {
    let mode = Mode::ALL[rng.gen_range(0..3)];
    XyzzInput {
        mode,
        p: [0; 4].map(|_| random_nonzero(rng)),
        zzu: random_nonzero(rng),
        zzzu: random_nonzero(rng),
        x2: random_nonzero(rng),
        y2: Fq::ZERO,
        inf2: rng.gen(),
        neg2: rng.gen(),
    }
}

/// Runs `inputs` (tag = index) after a reset; with probability `bubble` a cycle offers nothing
/// and carries random junk on the data ports (which must not matter).
fn run(m: &mut Model, inputs: &[XyzzInput], bubble: f64, rng: &mut TestRng) -> Vec<Out> {
    let codes: Vec<u64> = inputs.iter().map(|i| i.mode.code()).collect();
    run_codes(m, inputs, &codes, bubble, rng)
}

/// [`run`] with the `in_mode` code of each input given (`3` acts as the addition).
fn run_codes(m: &mut Model, inputs: &[XyzzInput], codes: &[u64], bubble: f64, rng: &mut TestRng) -> Vec<Out> {
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
            drive(m, &ports, &inputs[next], next as u32, codes[next]);
        } else if bubble > 0.0 {
            let j = junk(rng);
            drive(m, &ports, &j, 0xdead_beef, j.mode.code());
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
fn replay_with_vcd(lib: &Arc<Library>, test: &str, inp: &XyzzInput) -> Option<PathBuf> {
    let mut m = lib.instantiate();
    let path = m.trace_in_build_dir(&format!("{test}-failure")).ok()?;
    let mut rng = TestRng::from_seed(0);
    run(&mut m, std::slice::from_ref(inp), 0.0, &mut rng);
    m.ticks(4);
    m.stop_trace();
    Some(path)
}

/// Checks every result against the model (bit for bit, with the flag), arkworks (as a point,
/// unless flagged), the curve, the tag and the latency; on a mismatch, panics with the inputs,
/// both values, the model's steps and a VCD.
fn check(lib: &Arc<Library>, test: &str, inputs: &[XyzzInput], outs: &[Out]) {
    assert_eq!(outs.len(), inputs.len());
    for (i, o) in outs.iter().enumerate() {
        assert_eq!(o.tag as usize, i, "{test}: tag order");
        let inp = &inputs[i];
        let (want, trace) = eval_trace(inp);
        let rtl: Xyzz = o.p.clone().map(|c| f(&c));
        let group_ok = match expected(inp) {
            _ if o.exc => true,
            Some(e) => to_ark(&rtl) == e && on_curve(&rtl),
            // A scaling pass returns (x2, y2, ZZ1, ZZZ1) in another representation.
            None => on_curve(&rtl) && to_ark(&rtl) == to_ark(&[inp.x2, inp.y2, inp.p[2], inp.p[3]]),
        };
        let ok = rtl == want.p && o.exc == want.exc && group_ok && o.visible - o.issued == LATENCY as u64;
        if !ok {
            let vcd = replay_with_vcd(lib, test, inp);
            let mut msg = format!(
                "{test} #{i}: {inp:?}\n  RTL {:?} exc {}\n  model {:?} exc {}\n  (latency {}, stated {LATENCY})\n  expected point {:?}\n  model steps:\n",
                rtl.map(|c| w(&c)),
                o.exc,
                want.p.map(|c| w(&c)),
                want.exc,
                o.visible - o.issued,
                expected(inp),
            );
            for (name, v) in &trace {
                msg.push_str(&format!("    {name:<28} {:#x}\n", w(v)));
            }
            panic!("{msg}  VCD {vcd:?}");
        }
    }
}

fn identity(lambda: Fq) -> Xyzz {
    from_affine(&G1Affine::zero(), lambda)
}

/// For several points Q (the identity among them) and scalings λ of the first operand: first
/// operands Q, −Q, O, 7G and a random point; Q added as an affine point with all four
/// (inf2, neg2) flags; each first operand doubled; general additions of each first operand and Q
/// in a random scaling μ (both passes, the second pass's inputs from the model's first pass);
/// plus O + O flagged with zero or junk coordinates.
fn edge_inputs(rng: &mut TestRng) -> Vec<XyzzInput> {
    let g = multiple_of_generator(&Fr::from(1u64));
    let qs: Vec<G1Affine> = vec![g, -g, multiple_of_generator(&Fr::from(5u64)), multiple_of_generator(&-Fr::from(2u64)), random_point(rng), G1Affine::zero()];
    let mut v = Vec::new();
    for q in &qs {
        for lambda in [Fq::ONE, random_nonzero(rng), -Fq::ONE] {
            let firsts: Vec<Xyzz> = vec![
                from_affine(q, lambda),
                from_affine(&-*q, lambda),
                identity(lambda),
                from_affine(&multiple_of_generator(&Fr::from(7u64)), lambda),
                from_affine(&random_point(rng), lambda),
            ];
            for p in firsts {
                if !q.is_zero() {
                    for (inf2, neg2) in [(false, false), (false, true), (true, false), (true, true)] {
                        v.push(XyzzInput::mixed(p, q.x, q.y, inf2, neg2));
                    }
                }
                v.push(XyzzInput::double(p));
                let q2 = from_affine(q, random_nonzero(rng));
                if !p[2].is_zero() && !q2[2].is_zero() {
                    let first = XyzzInput::scale(p, q2);
                    v.push(first);
                    v.push(XyzzInput::general_second_pass(p, q2, eval(&first).p));
                }
            }
        }
    }
    for lambda in [Fq::ONE, random_nonzero(rng)] {
        for neg2 in [false, true] {
            v.push(XyzzInput::mixed(identity(lambda), Fq::ZERO, Fq::ZERO, true, neg2));
            v.push(XyzzInput::mixed(identity(lambda), g.x, g.y, true, neg2));
        }
    }
    v
}

#[test]
fn g1_add_xyzz_edge_cases() {
    let test = "g1_add_xyzz_edge_cases";
    let mut rng = TestRng::for_test(test);
    let lib = library();
    let mut m = lib.instantiate();
    m.trace_if_requested(test).unwrap();
    let inputs = edge_inputs(&mut rng);
    // Sanity of the vectors themselves (so the test cannot pass vacuously).
    let adds = || inputs.iter().filter(|i| i.mode == Mode::Add && !i.inf2);
    let flagged = adds().filter(|i| eval(i).exc).count();
    let cancels = adds().filter(|i| !i.p[2].is_zero() && eval(i).p[2].is_zero()).count();
    let o_plus_p = adds().filter(|i| i.p[2].is_zero()).count();
    let inf2 = inputs.iter().filter(|i| i.inf2).count();
    let doublings = inputs.iter().filter(|i| i.mode == Mode::Double).count();
    let second_passes = adds().filter(|i| i.zzu != i.p[2]).count();
    let general_same = adds().filter(|i| i.zzu != i.p[2] && eval(i).exc).count();
    assert!(
        flagged >= 20 && cancels >= 20 && o_plus_p >= 10 && inf2 >= 40 && doublings >= 80 && second_passes >= 60 && general_same >= 4,
        "P + P {flagged}, P − P {cancels}, O + P {o_plus_p}, inf2 {inf2}, doublings {doublings}, second passes {second_passes} (P + P {general_same})"
    );
    let outs = run(&mut m, &inputs, 0.0, &mut rng);
    check(&lib, test, &inputs, &outs);
    let outs = run(&mut m, &inputs, 0.3, &mut rng);
    check(&lib, test, &inputs, &outs);
}

fn random_inputs(n: usize, rng: &mut TestRng) -> Vec<XyzzInput> {
    let mut pool: Vec<G1Affine> = (0..64).map(|_| random_point(rng)).collect();
    pool.push(multiple_of_generator(&Fr::from(1u64)));
    (0..n)
        .map(|_| {
            let q = pool[rng.gen_range(0..pool.len())];
            // Mostly independent points; sometimes P = ±Q or P = O from the same pool.
            let p = match rng.gen_range(0..10) {
                0 => from_affine(&q, random_nonzero(rng)),
                1 => from_affine(&-q, random_nonzero(rng)),
                2 => identity(random_nonzero(rng)),
                _ => from_affine(&random_point(rng), random_nonzero(rng)),
            };
            // A general addition never has an identity operand (the caller short-cuts it).
            match rng.gen_range(0..4) {
                k if k < 2 || p[2].is_zero() => XyzzInput::mixed(p, q.x, q.y, rng.gen_bool(0.05), rng.gen_bool(0.3)),
                2 => XyzzInput::double(p),
                _ => {
                    let q2 = from_affine(&q, random_nonzero(rng));
                    if rng.gen_bool(0.5) {
                        XyzzInput::scale(p, q2)
                    } else {
                        XyzzInput::general_second_pass(p, q2, eval(&XyzzInput::scale(p, q2)).p)
                    }
                }
            }
        })
        .collect()
}

#[test]
fn g1_add_xyzz_random_operations_with_bubbles() {
    let test = "g1_add_xyzz_random_operations_with_bubbles";
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
        "{test}: {} operations in {cycles} cycles, {:.0} cycles/s (Verilator, incl. the Rust harness)",
        inputs.len(),
        cycles as f64 / t.elapsed().as_secs_f64()
    );
    check(&lib, test, &inputs, &outs);
}

#[test]
fn g1_add_xyzz_running_sums_back_to_back() {
    let test = "g1_add_xyzz_running_sums_back_to_back";
    let mut rng = TestRng::for_test(test);
    let lib = library();
    let mut m = lib.instantiate();
    m.trace_if_requested(test).unwrap();
    // Operations whose operands are results the hardware itself produces, the way the card will
    // issue them: the accumulation (a bucket plus affine points, some flagged identity, negated,
    // or equal to the bucket — redone as a doubling), then the reduction's running sums over the
    // buckets from the top, S += B and T += S, as general additions in two passes (and a doubling
    // when the second pass flags), with empty buckets, a bucket equal to S and one cancelling it.
    let mut inputs = Vec::new();
    let mut acc = identity(Fq::ONE);
    let mut want = ark_bn254::G1Projective::zero();
    for i in 0..400 {
        let q = if i % 37 == 5 && !acc[2].is_zero() { to_ark(&acc) } else { random_point(&mut rng) };
        let (inf2, neg2) = (i % 50 == 7, i % 3 == 1 && i % 37 != 5);
        let inp = XyzzInput::mixed(acc, q.x, q.y, inf2, neg2);
        inputs.push(inp);
        let (next, redone) = mixed_add(acc, q.x, q.y, inf2, neg2);
        if redone {
            inputs.push(XyzzInput::double(acc));
        }
        if !inf2 {
            want += if neg2 { -q } else { q };
        }
        acc = next;
    }
    assert_eq!(to_ark(&acc), want.into_affine());
    let mut s = identity(Fq::ONE);
    let mut t = s;
    let mut want_t = ark_bn254::G1Projective::zero();
    let mut run_s = ark_bn254::G1Projective::zero();
    let add_general = |inputs: &mut Vec<XyzzInput>, p: Xyzz, q: Xyzz| -> Xyzz {
        let (r, passes) = general_add(p, q);
        if passes >= 2 {
            let first = XyzzInput::scale(p, q);
            inputs.push(first);
            inputs.push(XyzzInput::general_second_pass(p, q, eval(&first).p));
        }
        if passes == 3 {
            inputs.push(XyzzInput::double(p));
        }
        r
    };
    for j in 0..200 {
        let b = match j % 10 {
            0 | 1 => identity(random_nonzero(&mut rng)),
            2 if !s[2].is_zero() => from_affine(&to_ark(&s), random_nonzero(&mut rng)),
            3 if !s[2].is_zero() => from_affine(&-to_ark(&s), random_nonzero(&mut rng)),
            _ => from_affine(&random_point(&mut rng), random_nonzero(&mut rng)),
        };
        run_s += to_ark(&b);
        s = add_general(&mut inputs, s, b);
        want_t += run_s;
        t = add_general(&mut inputs, t, s);
    }
    assert_eq!(to_ark(&t), want_t.into_affine());
    let flagged = inputs.iter().filter(|i| i.mode == Mode::Add && eval(i).exc).count();
    assert!(flagged >= 20, "P + P in the running sums: {flagged}");
    let outs = run(&mut m, &inputs, 0.0, &mut rng);
    check(&lib, test, &inputs, &outs);
    let ii: Vec<u64> = outs.windows(2).map(|o| o[1].issued - o[0].issued).collect();
    assert!(ii.iter().all(|&x| x == INITIATION_INTERVAL as u64), "one operation accepted per cycle");
    let gaps: Vec<u64> = outs.windows(2).map(|o| o[1].visible - o[0].visible).collect();
    assert!(gaps.iter().all(|&x| x == 1), "one result per cycle");
}

#[test]
fn g1_add_xyzz_reset_drops_in_flight_operations() {
    let test = "g1_add_xyzz_reset_drops_in_flight";
    let mut rng = TestRng::for_test(test);
    let lib = library();
    let mut m = lib.instantiate();
    let ports = Ports::of(&m);
    let inputs = random_inputs(40, &mut rng);
    m.set_bool(ports.reset, true);
    m.tick();
    m.set_bool(ports.reset, false);
    for (i, inp) in inputs[..30].iter().enumerate() {
        drive(&mut m, &ports, inp, i as u32, inp.mode.code());
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
    let outs = run(&mut m, &inputs[30..], 0.0, &mut rng);
    check(&lib, test, &inputs[30..], &outs);
}

#[test]
fn g1_add_xyzz_mode_three_and_the_flags_in_every_mode() {
    // `in_mode = 3` acts as the addition (P + Q, P + P flagged, P − P, O + Q, under every inf2/neg2);
    // the doubling and the scaling with inf2/neg2 set (the doubling ignores both; the scaling
    // scales the zeroed or negated x2, y2), each bit for bit against the model.
    let test = "g1_add_xyzz_mode_three_and_flags";
    let mut rng = TestRng::for_test(test);
    let lib = library();
    let mut m = lib.instantiate();
    let g = multiple_of_generator(&Fr::from(1u64));
    let l = random_nonzero(&mut rng);
    let mut inputs = Vec::new();
    let mut codes = Vec::new();
    for p in [from_affine(&multiple_of_generator(&Fr::from(9u64)), l), from_affine(&g, l), from_affine(&-g, l), identity(l)] {
        for (inf2, neg2) in [(false, false), (false, true), (true, false), (true, true)] {
            inputs.push(XyzzInput::mixed(p, g.x, g.y, inf2, neg2));
            codes.push(3);
            inputs.push(XyzzInput { inf2, neg2, ..XyzzInput::double(p) });
            codes.push(1);
            let q = from_affine(&random_point(&mut rng), random_nonzero(&mut rng));
            inputs.push(XyzzInput { inf2, neg2, ..XyzzInput::scale(p, q) });
            codes.push(2);
        }
    }
    assert!(inputs.iter().zip(&codes).any(|(i, &c)| c == 3 && eval(i).exc), "mode 3 meets a flagged P + P");
    let outs = run_codes(&mut m, &inputs, &codes, 0.0, &mut rng);
    for (i, o) in outs.iter().enumerate() {
        let want = eval(&inputs[i]);
        let rtl: Xyzz = o.p.clone().map(|c| f(&c));
        assert_eq!((rtl, o.exc), (want.p, want.exc), "#{i} code {}: {:?}", codes[i], inputs[i]);
        assert_eq!(o.visible - o.issued, LATENCY as u64);
    }
}
