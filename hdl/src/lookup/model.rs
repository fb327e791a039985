//! Golden model of the lookup kernel on arkworks, independent of the RTL's schedule: counts by a
//! plain loop, fractions by one `Field::inverse` per element, chain products by plain products.

use ark_bn254::Fr;
use ark_ff::{Field, One, Zero};
use zkaccel_interface::lookup::{chain_last, CHAINS};

/// What a count returns: the counts of rows `0..table`, and whether an index was outside.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Counts {
    /// `counts[j]` = how many indices equal `j`.
    pub counts: Vec<u32>,
    /// Some index was `≥ table` (it is not counted).
    pub out_of_range: bool,
}

/// The multiplicities of `indices` in a table of `table` rows.
pub fn multiplicities(indices: &[u32], table: usize) -> Counts {
    let mut counts = vec![0u32; table];
    let mut out_of_range = false;
    for &i in indices {
        match counts.get_mut(i as usize) {
            Some(c) => *c += 1,
            None => out_of_range = true,
        }
    }
    Counts { counts, out_of_range }
}

/// A denominator `β + x_i` is zero.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ZeroDenominator(pub usize);

/// `m_i / (β + x_i)` (`m_i = 1` without `m`), or the first zero denominator.
pub fn fractions(beta: Fr, x: &[Fr], m: Option<&[Fr]>) -> Result<Vec<Fr>, ZeroDenominator> {
    x.iter()
        .enumerate()
        .map(|(i, xi)| {
            let inv = (beta + xi).inverse().ok_or(ZeroDenominator(i))?;
            Ok(m.map_or(inv, |m| m[i] * inv))
        })
        .collect()
}

/// The products of the [`CHAINS`] chains of `β + x_i` (chain `c` = the elements `i ≡ c`), `1`
/// for an empty chain: what the forward pass returns.
pub fn chain_products(beta: Fr, x: &[Fr]) -> Vec<Fr> {
    let mut p = vec![Fr::one(); CHAINS];
    for (i, xi) in x.iter().enumerate() {
        p[i % CHAINS] *= beta + xi;
    }
    debug_assert!((0..CHAINS).all(|c| chain_last(x.len(), c).is_some() || p[c] == Fr::one()));
    p
}

/// The host's step between the passes: the inverses of the chain products (`None` if one is zero,
/// i.e. some denominator of that chain is zero).
pub fn invert_chain_products(products: &[Fr]) -> Option<Vec<Fr>> {
    if products.iter().any(|p| p.is_zero()) {
        return None;
    }
    let mut inv = products.to_vec();
    ark_ff::batch_inversion(&mut inv);
    Some(inv)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::UniformRand;
    use zkaccel_testkit::seed::TestRng;

    #[test]
    fn the_model_agrees_with_itself_and_with_hand_values() {
        let c = multiplicities(&[0, 3, 3, 3, 7, 8], 8);
        assert_eq!(c.counts, vec![1, 0, 0, 3, 0, 0, 0, 1]);
        assert!(c.out_of_range);
        let mut rng = TestRng::for_test("lookup_model");
        let x: Vec<Fr> = (0..300).map(|_| Fr::rand(&mut rng)).collect();
        let m: Vec<Fr> = (0..300).map(|i| Fr::from(i as u64)).collect();
        let beta = Fr::rand(&mut rng);
        let f = fractions(beta, &x, Some(&m)).unwrap();
        for i in 0..300 {
            assert_eq!(f[i] * (beta + x[i]), m[i]);
        }
        // The product of all chain products is the product of all denominators.
        let all: Fr = x.iter().map(|xi| beta + xi).product();
        assert_eq!(chain_products(beta, &x).iter().product::<Fr>(), all);
        assert_eq!(fractions(-x[5], &x, None), Err(ZeroDenominator(5)));
        assert_eq!(invert_chain_products(&chain_products(-x[5], &x)), None);
    }
}
