//! Inlined Montgomery arithmetic on the limbs of arkworks' 4-limb prime fields (BN254 Fq and Fr).
//!
//! Same representation as `ark_ff::Fp256<MontBackend<C, 4>>` (x·2^256 mod p, fully reduced), so
//! values pass between the two with no conversion, and the results are bit-identical: these are
//! the same operations (CIOS Montgomery multiplication with the "no-carry" shortcut that moduli with
//! a spare top bit allow, then one conditional subtraction), written so that the compiler can
//! inline them into the kernels' hot loops. arkworks' multiplication is an out-of-line call there
//! (its assembly version cannot be inlined across crates), which costs the loop its scheduling:
//! perf showed 36 % of an NTT inside that call.
//!
//! The unit tests compare every operation with arkworks on random and edge values.

use ark_ff::{BigInt, Fp, MontBackend, MontConfig};

type F<C> = Fp<MontBackend<C, 4>, 4>;

#[inline(always)]
fn mac(acc: u64, a: u64, b: u64, carry: u64) -> (u64, u64) {
    let t = acc as u128 + (a as u128) * (b as u128) + carry as u128;
    (t as u64, (t >> 64) as u64)
}

/// a − b over 4 limbs, with the borrow out.
#[inline(always)]
fn sub_limbs(a: &[u64; 4], b: &[u64; 4]) -> ([u64; 4], bool) {
    let (d0, b0) = a[0].overflowing_sub(b[0]);
    let (d1, b1a) = a[1].overflowing_sub(b[1]);
    let (d1, b1b) = d1.overflowing_sub(b0 as u64);
    let (d2, b2a) = a[2].overflowing_sub(b[2]);
    let (d2, b2b) = d2.overflowing_sub((b1a | b1b) as u64);
    let (d3, b3a) = a[3].overflowing_sub(b[3]);
    let (d3, b3b) = d3.overflowing_sub((b2a | b2b) as u64);
    ([d0, d1, d2, d3], b3a | b3b)
}

/// a + b over 4 limbs (the callers' values are below 2^255: no carry out).
#[inline(always)]
fn add_limbs(a: &[u64; 4], b: &[u64; 4]) -> [u64; 4] {
    let (s0, c0) = a[0].overflowing_add(b[0]);
    let (s1, c1a) = a[1].overflowing_add(b[1]);
    let (s1, c1b) = s1.overflowing_add(c0 as u64);
    let (s2, c2a) = a[2].overflowing_add(b[2]);
    let (s2, c2b) = s2.overflowing_add((c1a | c1b) as u64);
    let s3 = a[3].wrapping_add(b[3]).wrapping_add((c2a | c2b) as u64);
    [s0, s1, s2, s3]
}

/// x − p if x ≥ p, else x.
#[inline(always)]
fn reduce_once<C: MontConfig<4>>(x: [u64; 4]) -> [u64; 4] {
    let (d, borrow) = sub_limbs(&x, &C::MODULUS.0);
    if borrow {
        x
    } else {
        d
    }
}

/// a·b (Montgomery), equal to arkworks' `a * b`.
#[inline(always)]
pub fn mul<C: MontConfig<4>>(a: &F<C>, b: &F<C>) -> F<C> {
    Fp::new_unchecked(BigInt(reduce_once::<C>(mul_raw::<C>(a, b))))
}

/// a·b (Montgomery) without the final subtraction, for *lazy* values: for a BN254 modulus
/// (p < 0.19·2^256) and inputs with a·b < 4p² (a, b < 2p, or a < 4p and b < p), the result
/// (a·b + m·p)/2^256 is < p·(4p/2^256 + 1) < 1.76·p < 2p, congruent to the reduced product, and
/// every intermediate stays below a + p < 2^256. Lazy values may only feed `mul_lazy`, `mul` (whose result is
/// reduced for inputs < 2p) or [`reduce`]; never compare or store them.
#[inline(always)]
pub fn mul_lazy<C: MontConfig<4>>(a: &F<C>, b: &F<C>) -> F<C> {
    Fp::new_unchecked(BigInt(mul_raw::<C>(a, b)))
}

/// x + y for lazy x, y < 2p, reduced below 2p.
#[inline(always)]
pub fn add_lazy<C: MontConfig<4>>(x: &F<C>, y: &F<C>) -> F<C> {
    let s = add_limbs(&x.0 .0, &y.0 .0);
    let two_p = add_limbs(&C::MODULUS.0, &C::MODULUS.0);
    let (d, borrow) = sub_limbs(&s, &two_p);
    Fp::new_unchecked(BigInt(if borrow { s } else { d }))
}

/// x − y + 2p for lazy x, y < 2p: in (0, 4p), not reduced (an input of `mul_lazy` with b < p).
#[inline(always)]
pub fn sub_lazy<C: MontConfig<4>>(x: &F<C>, y: &F<C>) -> F<C> {
    let two_p = add_limbs(&C::MODULUS.0, &C::MODULUS.0);
    Fp::new_unchecked(BigInt(sub_limbs(&add_limbs(&x.0 .0, &two_p), &y.0 .0).0))
}

/// x − y for lazy x, y < 2p, reduced below 2p.
#[inline(always)]
pub fn sub_lazy_reduced<C: MontConfig<4>>(x: &F<C>, y: &F<C>) -> F<C> {
    let (d, borrow) = sub_limbs(&x.0 .0, &y.0 .0);
    if borrow {
        let two_p = add_limbs(&C::MODULUS.0, &C::MODULUS.0);
        Fp::new_unchecked(BigInt(add_limbs(&d, &two_p)))
    } else {
        Fp::new_unchecked(BigInt(d))
    }
}

/// The reduced form of a lazy value (< 2p).
#[inline(always)]
pub fn reduce<C: MontConfig<4>>(a: &F<C>) -> F<C> {
    Fp::new_unchecked(BigInt(reduce_once::<C>(a.0 .0)))
}

/// Whether the assembly product can run: the build target has ADX and BMI2 (then no run-time
/// check), or this x86-64 CPU has them (checked at run time; `std` caches the answer).
#[inline(always)]
pub fn adx_available() -> bool {
    #[cfg(all(target_arch = "x86_64", target_feature = "adx", target_feature = "bmi2"))]
    {
        true
    }
    #[cfg(all(target_arch = "x86_64", not(all(target_feature = "adx", target_feature = "bmi2"))))]
    {
        std::is_x86_feature_detected!("adx") && std::is_x86_feature_detected!("bmi2")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// The CIOS product (a·b + m·p)/2^256 before the final subtraction: the assembly product where the
/// CPU has ADX/BMI2 (chosen at run time, or at build time with `-C target-cpu=native`; the same
/// integer), else the portable loop. Building with the environment variable
/// `ZKACCEL_PORTABLE_MUL` set keeps the portable loop everywhere (for A/B measurements).
#[inline(always)]
fn mul_raw<C: MontConfig<4>>(a: &F<C>, b: &F<C>) -> [u64; 4] {
    debug_assert!(C::MODULUS.0[3] < (1u64 << 62) / 5 * 4, "lazy bounds need p < 0.2·2^256");
    #[cfg(target_arch = "x86_64")]
    {
        if option_env!("ZKACCEL_PORTABLE_MUL").is_none() && adx_available() {
            return mul_raw_adx(&a.0 .0, &b.0 .0, &C::MODULUS.0, C::INV);
        }
    }
    mul_raw_portable::<C>(&a.0 .0, &b.0 .0)
}

/// The raw CIOS product with `mulx`/`adcx`/`adox` (two carry chains), for CPUs with ADX and BMI2
/// (callers check [`adx_available`]; the assembler takes the instructions whatever the build
/// target): the same integer as the portable loop below (tests compare them), adapted from
/// halo2curves' `halo2derive` 4-limb assembly (MIT/Apache), without its final subtraction.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn mul_raw_adx(a: &[u64; 4], b: &[u64; 4], p: &[u64; 4], inv: u64) -> [u64; 4] {
    let (r0, r1, r2, r3): (u64, u64, u64, u64);
    // SAFETY: reads 4 limbs from each pointer; no stack, no writes to memory.
    unsafe {
        core::arch::asm!(
            // i = 0
            "mov  rdx, qword ptr [{b_ptr} + 0]",
            "mulx r13, r11, qword ptr [{a_ptr} + 0]",
            "mulx rax, r15, qword ptr [{a_ptr} + 8]",
            "add  r13, r15",
            "mulx r14, r15, qword ptr [{a_ptr} + 16]",
            "adc  rax, r15",
            "mulx r12, r15, qword ptr [{a_ptr} + 24]",
            "adc  r14, r15",
            "adc  r12, 0",
            "mov  rdx, r11",
            "imul rdx, {inv}",
            "xor  r15, r15",
            "mulx r15, r10, qword ptr [{m_ptr} + 0]",
            "adcx r10, r11",
            "mov  r11, r15",
            "mov  r10, 0",
            "adcx r11, r13",
            "mulx r13, r15, qword ptr [{m_ptr} + 8]",
            "adox r11, r15",
            "adcx r13, rax",
            "mulx rax, r15, qword ptr [{m_ptr} + 16]",
            "adox r13, r15",
            "adcx rax, r14",
            "mulx r14, r15, qword ptr [{m_ptr} + 24]",
            "adox rax, r15",
            "adcx r10, r12",
            "adox r14, r10",
            // i = 1
            "mov  rdx, qword ptr [{b_ptr} + 8]",
            "xor  r12, r12",
            "mulx r12, r15, qword ptr [{a_ptr} + 0]",
            "adox r11, r15",
            "adcx r13, r12",
            "mulx r12, r15, qword ptr [{a_ptr} + 8]",
            "adox r13, r15",
            "adcx rax, r12",
            "mulx r12, r15, qword ptr [{a_ptr} + 16]",
            "adox rax, r15",
            "adcx r14, r12",
            "mulx r12, r15, qword ptr [{a_ptr} + 24]",
            "adox r14, r15",
            "mov  rdx, 0",
            "adcx r12, rdx",
            "adox r12, rdx",
            "mov  rdx, r11",
            "imul rdx, {inv}",
            "xor  r15, r15",
            "mulx r15, r10, qword ptr [{m_ptr} + 0]",
            "adcx r10, r11",
            "mov  r11, r15",
            "mov  r10, 0",
            "adcx r11, r13",
            "mulx r13, r15, qword ptr [{m_ptr} + 8]",
            "adox r11, r15",
            "adcx r13, rax",
            "mulx rax, r15, qword ptr [{m_ptr} + 16]",
            "adox r13, r15",
            "adcx rax, r14",
            "mulx r14, r15, qword ptr [{m_ptr} + 24]",
            "adox rax, r15",
            "adcx r10, r12",
            "adox r14, r10",
            // i = 2
            "mov  rdx, qword ptr [{b_ptr} + 16]",
            "xor  r12, r12",
            "mulx r12, r15, qword ptr [{a_ptr} + 0]",
            "adox r11, r15",
            "adcx r13, r12",
            "mulx r12, r15, qword ptr [{a_ptr} + 8]",
            "adox r13, r15",
            "adcx rax, r12",
            "mulx r12, r15, qword ptr [{a_ptr} + 16]",
            "adox rax, r15",
            "adcx r14, r12",
            "mulx r12, r15, qword ptr [{a_ptr} + 24]",
            "adox r14, r15",
            "mov  rdx, 0",
            "adcx r12, rdx",
            "adox r12, rdx",
            "mov  rdx, r11",
            "imul rdx, {inv}",
            "xor  r15, r15",
            "mulx r15, r10, qword ptr [{m_ptr} + 0]",
            "adcx r10, r11",
            "mov  r11, r15",
            "mov  r10, 0",
            "adcx r11, r13",
            "mulx r13, r15, qword ptr [{m_ptr} + 8]",
            "adox r11, r15",
            "adcx r13, rax",
            "mulx rax, r15, qword ptr [{m_ptr} + 16]",
            "adox r13, r15",
            "adcx rax, r14",
            "mulx r14, r15, qword ptr [{m_ptr} + 24]",
            "adox rax, r15",
            "adcx r10, r12",
            "adox r14, r10",
            // i = 3
            "mov  rdx, qword ptr [{b_ptr} + 24]",
            "xor  r12, r12",
            "mulx r12, r15, qword ptr [{a_ptr} + 0]",
            "adox r11, r15",
            "adcx r13, r12",
            "mulx r12, r15, qword ptr [{a_ptr} + 8]",
            "adox r13, r15",
            "adcx rax, r12",
            "mulx r12, r15, qword ptr [{a_ptr} + 16]",
            "adox rax, r15",
            "adcx r14, r12",
            "mulx r12, r15, qword ptr [{a_ptr} + 24]",
            "adox r14, r15",
            "mov  rdx, 0",
            "adcx r12, rdx",
            "adox r12, rdx",
            "mov  rdx, r11",
            "imul rdx, {inv}",
            "xor  r15, r15",
            "mulx r15, r10, qword ptr [{m_ptr} + 0]",
            "adcx r10, r11",
            "mov  r11, r15",
            "mov  r10, 0",
            "adcx r11, r13",
            "mulx r13, r15, qword ptr [{m_ptr} + 8]",
            "adox r11, r15",
            "adcx r13, rax",
            "mulx rax, r15, qword ptr [{m_ptr} + 16]",
            "adox r13, r15",
            "adcx rax, r14",
            "mulx r14, r15, qword ptr [{m_ptr} + 24]",
            "adox rax, r15",
            "adcx r10, r12",
            "adox r14, r10",
            m_ptr = in(reg) p.as_ptr(),
            a_ptr = in(reg) a.as_ptr(),
            b_ptr = in(reg) b.as_ptr(),
            inv = in(reg) inv,
            out("rax") r2,
            out("rdx") _,
            out("r10") _,
            out("r11") r0,
            out("r12") _,
            out("r13") r1,
            out("r14") r3,
            out("r15") _,
            options(pure, readonly, nostack)
        );
    }
    [r0, r1, r2, r3]
}

/// The portable CIOS loop ("no-carry": the moduli have a spare top bit).
#[inline(always)]
fn mul_raw_portable<C: MontConfig<4>>(a: &[u64; 4], b: &[u64; 4]) -> [u64; 4] {
    let p = &C::MODULUS.0;
    let mut t = [0u64; 4];
    for i in 0..4 {
        let (t0, mut ca) = mac(t[0], a[0], b[i], 0);
        let m = t0.wrapping_mul(C::INV);
        let (_, mut cm) = mac(t0, m, p[0], 0);
        for j in 1..4 {
            let (tj, c1) = mac(t[j], a[j], b[i], ca);
            ca = c1;
            let (tj1, c2) = mac(tj, m, p[j], cm);
            cm = c2;
            t[j - 1] = tj1;
        }
        t[3] = ca.wrapping_add(cm);
    }
    t
}

/// a² (Montgomery).
#[inline(always)]
pub fn square<C: MontConfig<4>>(a: &F<C>) -> F<C> {
    mul(a, a)
}

/// a + b.
#[inline(always)]
pub fn add<C: MontConfig<4>>(a: &F<C>, b: &F<C>) -> F<C> {
    Fp::new_unchecked(BigInt(reduce_once::<C>(add_limbs(&a.0 .0, &b.0 .0))))
}

/// a − b.
#[inline(always)]
pub fn sub<C: MontConfig<4>>(a: &F<C>, b: &F<C>) -> F<C> {
    let (d, borrow) = sub_limbs(&a.0 .0, &b.0 .0);
    if borrow {
        Fp::new_unchecked(BigInt(add_limbs(&d, &C::MODULUS.0)))
    } else {
        Fp::new_unchecked(BigInt(d))
    }
}

/// −a.
#[inline(always)]
pub fn neg<C: MontConfig<4>>(a: &F<C>) -> F<C> {
    if a.0 .0 == [0; 4] {
        *a
    } else {
        Fp::new_unchecked(BigInt(sub_limbs(&C::MODULUS.0, &a.0 .0).0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{Field, UniformRand};
    use ark_std::{One, Zero};

    fn check<C: MontConfig<4>>(name: &str) {
        let mut rng = zkaccel_testkit::seed::TestRng::for_test(name);
        let mut vals: Vec<F<C>> = vec![F::<C>::zero(), F::<C>::one(), -F::<C>::one(), F::<C>::from(2u64), -F::<C>::from(2u64)];
        vals.extend((0..200).map(|_| F::<C>::rand(&mut rng)));
        for a in &vals {
            assert_eq!(neg(a), -*a);
            assert_eq!(square(a), a.square());
            for b in vals.iter().take(60) {
                assert_eq!(mul(a, b), *a * b, "{a} · {b}");
                assert_eq!(add(a, b), *a + b, "{a} + {b}");
                assert_eq!(sub(a, b), *a - b, "{a} − {b}");
            }
        }
    }

    /// Lazy products of unreduced inputs (x + p, y + p < 2p) stay below 2p and reduce to the product.
    fn check_lazy<C: MontConfig<4>>(name: &str) {
        let mut rng = zkaccel_testkit::seed::TestRng::for_test(name);
        let p = C::MODULUS.0;
        let unreduced = |x: &F<C>| Fp::new_unchecked(BigInt(add_limbs(&x.0 .0, &p)));
        let two_p = add_limbs(&p, &p);
        let below_2p = |x: &F<C>| sub_limbs(&x.0 .0, &two_p).1;
        let mut vals: Vec<F<C>> = vec![F::<C>::zero(), F::<C>::one(), -F::<C>::one()];
        vals.extend((0..300).map(|_| F::<C>::rand(&mut rng)));
        for a in &vals {
            for b in vals.iter().take(40) {
                for (x, y) in [(*a, *b), (unreduced(a), *b), (*a, unreduced(b)), (unreduced(a), unreduced(b))] {
                    let l = mul_lazy(&x, &y);
                    assert!(below_2p(&l), "lazy product not below 2p");
                    assert_eq!(reduce(&l), *a * b);
                    assert_eq!(mul(&x, &y), *a * b, "mul of unreduced inputs");
                    assert_eq!(reduce(&add_lazy(&x, &y)), *a + b);
                    assert!(below_2p(&add_lazy(&x, &y)));
                    assert_eq!(reduce(&sub_lazy_reduced(&x, &y)), *a - b);
                    assert!(below_2p(&sub_lazy_reduced(&x, &y)));
                    // x − y + 2p < 4p times a reduced twiddle.
                    let l = mul_lazy(&sub_lazy(&x, &y), b);
                    assert!(below_2p(&l), "lazy (x − y + 2p)·w not below 2p");
                    assert_eq!(reduce(&l), (*a - b) * b);
                }
            }
        }
    }

    /// The assembly product (on CPUs with ADX/BMI2, whatever the build target) equals the portable
    /// loop on reduced and lazy inputs (below 2p, and below 4p times below p); the product the
    /// field operations use is the assembly one there.
    #[test]
    fn raw_products_agree_between_assembly_and_portable() {
        if !crate::cpu::features::run_or_skip("adx", adx_available(), "the mulx/adcx/adox Montgomery product") {
            return;
        }
        #[cfg(target_arch = "x86_64")]
        {
            fn run<C: MontConfig<4>>(name: &str) {
                let mut rng = zkaccel_testkit::seed::TestRng::for_test(name);
                let p = C::MODULUS.0;
                let mut vals: Vec<[u64; 4]> = vec![[0; 4], F::<C>::one().0 .0, (-F::<C>::one()).0 .0, sub_limbs(&add_limbs(&p, &p), &[1, 0, 0, 0]).0];
                vals.extend((0..300).map(|_| F::<C>::rand(&mut rng).0 .0));
                let n = vals.len();
                vals.extend((0..n).map(|i| add_limbs(&vals[i], &p)).collect::<Vec<_>>());
                let four_p_minus_1 = sub_limbs(&add_limbs(&add_limbs(&p, &p), &add_limbs(&p, &p)), &[1, 0, 0, 0]).0;
                for a in &vals {
                    for b in vals.iter().step_by(7) {
                        assert_eq!(mul_raw_adx(a, b, &p, C::INV), mul_raw_portable::<C>(a, b));
                    }
                    for b in vals.iter().take(40) {
                        let b = reduce_once::<C>(reduce_once::<C>(*b));
                        assert_eq!(mul_raw_adx(&four_p_minus_1, &b, &p, C::INV), mul_raw_portable::<C>(&four_p_minus_1, &b));
                        assert_eq!(mul_raw_adx(&b, &four_p_minus_1, &p, C::INV), mul_raw_portable::<C>(&b, &four_p_minus_1));
                    }
                }
            }
            run::<ark_bn254::FqConfig>("asm_vs_portable_fq");
            run::<ark_bn254::FrConfig>("asm_vs_portable_fr");
            // The dispatch picks the assembly product (unless built with ZKACCEL_PORTABLE_MUL).
            if option_env!("ZKACCEL_PORTABLE_MUL").is_none() {
                let (x, y) = (F::<ark_bn254::FrConfig>::from(3u64), -F::<ark_bn254::FrConfig>::from(5u64));
                assert_eq!(mul_raw(&x, &y), mul_raw_adx(&x.0 .0, &y.0 .0, &ark_bn254::FrConfig::MODULUS.0, ark_bn254::FrConfig::INV));
            }
        }
    }

    #[test]
    fn lazy_products_stay_below_2p_and_reduce_correctly() {
        check_lazy::<ark_bn254::FqConfig>("lazy_products_fq");
        check_lazy::<ark_bn254::FrConfig>("lazy_products_fr");
    }

    #[test]
    fn fq_ops_equal_arkworks() {
        check::<ark_bn254::FqConfig>("fq_ops_equal_arkworks");
    }

    #[test]
    fn fr_ops_equal_arkworks() {
        check::<ark_bn254::FrConfig>("fr_ops_equal_arkworks");
    }
}
