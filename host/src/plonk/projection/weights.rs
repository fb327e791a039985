//! A matrix projection's weights W: field elements, and the 64-bit integers they are when every
//! weight is one (quantized models). Either form is made from the other on first use, so a key
//! decoded from its compact integer encoding does not build 32-byte field elements that the
//! verifier never reads (it computes v = rᵀW from the integers), and a circuit built from field
//! elements finds its integers when it is encoded.
//!
//! The two forms always denote the same weights: the integers are `codec::small_int` of the field
//! elements (an injective map: distinct 64-bit integers are distinct field elements since
//! |Fr| > 2^64), and the field elements are `Fr::from` of the integers. A mutable borrow of the
//! field elements drops the integers (they are derived again on use).

use std::ops::{Deref, DerefMut};
use std::sync::OnceLock;

use crate::codec::Ints;
use crate::Fr;

#[derive(Clone)]
pub struct Weights {
    fr: OnceLock<Vec<Fr>>,
    /// `Some(ints)` when every weight is a 64-bit integer, `None` when some is not.
    ints: OnceLock<Option<Ints>>,
}

impl Weights {
    /// Weights given as integers (the field elements are made on first use).
    pub fn from_ints(ints: Ints) -> Self {
        Self { fr: OnceLock::new(), ints: OnceLock::from(Some(ints)) }
    }

    /// The number of weights (without making either form).
    pub fn len(&self) -> usize {
        match (self.fr.get(), self.ints.get()) {
            (Some(fr), _) => fr.len(),
            (None, Some(Some(ints))) => ints.len(),
            _ => unreachable!("weights hold their field elements or their integers"),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The weights as field elements.
    pub fn as_fr(&self) -> &Vec<Fr> {
        self.fr.get_or_init(|| match self.ints.get() {
            Some(Some(ints)) => crate::codec::ints_to_fr(&ints.to_vec()),
            _ => unreachable!("weights hold their field elements or their integers"),
        })
    }

    /// The weights as integers, `None` when some weight is not a 64-bit integer.
    pub fn ints(&self) -> Option<&Ints> {
        self.ints.get_or_init(|| self.as_fr().iter().map(crate::codec::small_int).collect::<Option<Vec<i64>>>().map(|v| Ints::new(&v))).as_ref()
    }
}

impl From<Vec<Fr>> for Weights {
    fn from(v: Vec<Fr>) -> Self {
        Self { fr: OnceLock::from(v), ints: OnceLock::new() }
    }
}

impl FromIterator<Fr> for Weights {
    fn from_iter<I: IntoIterator<Item = Fr>>(iter: I) -> Self {
        Self::from(iter.into_iter().collect::<Vec<Fr>>())
    }
}

impl Deref for Weights {
    type Target = Vec<Fr>;
    fn deref(&self) -> &Vec<Fr> {
        self.as_fr()
    }
}

impl DerefMut for Weights {
    /// The field elements, for changing them: the integers are dropped (derived again on use).
    fn deref_mut(&mut self) -> &mut Vec<Fr> {
        self.as_fr();
        self.ints = OnceLock::new();
        self.fr.get_mut().expect("made above")
    }
}

impl PartialEq for Weights {
    /// Equal weights: compared as integers when both are integers (the same as comparing the
    /// field elements, the map being injective), else as field elements.
    fn eq(&self, other: &Self) -> bool {
        if self.len() != other.len() {
            return false;
        }
        match ((self.ints.get(), self.fr.get()), (other.ints.get(), other.fr.get())) {
            ((_, Some(a)), (_, Some(b))) => a == b,
            ((Some(a), _), (Some(b), _)) => a == b,
            // Integers on one side, field elements on the other (a decoded key against a circuit
            // built from field elements): compare each field element with its integer's,
            // without making either side's other form.
            ((Some(Some(ints)), _), (_, Some(fr))) | ((_, Some(fr)), (Some(Some(ints)), _)) => fr_equals_ints(fr, ints),
            _ => match (self.ints(), other.ints()) {
                (Some(a), Some(b)) => a == b,
                (None, None) => self.as_fr() == other.as_fr(),
                _ => false,
            },
        }
    }
}

/// Whether `fr[i] = Fr::from(ints[i])` for every i (same lengths): the integers' field elements
/// from a table of their range when it is small (`codec::ints_to_fr`'s rule), else one by one.
fn fr_equals_ints(fr: &[Fr], ints: &Ints) -> bool {
    let ints = ints.to_vec();
    if fr.len() != ints.len() {
        return false;
    }
    let (Some(&lo), Some(&hi)) = (ints.iter().min(), ints.iter().max()) else {
        return true;
    };
    let span = (hi as i128 - lo as i128) as u128 + 1;
    if span > 1 << 16 {
        return fr.iter().zip(&ints).all(|(f, &i)| *f == Fr::from(i));
    }
    let table = crate::codec::ints_to_fr(&(lo..=hi).collect::<Vec<i64>>());
    fr.iter().zip(&ints).all(|(f, &i)| *f == table[(i - lo) as usize])
}

impl std::fmt::Debug for Weights {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.ints.get(), self.fr.get()) {
            (Some(Some(ints)), _) => f.debug_tuple("Weights::Ints").field(ints).finish(),
            (_, Some(fr)) => f.debug_tuple("Weights::Fr").field(fr).finish(),
            _ => unreachable!("weights hold their field elements or their integers"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::{Reader, Writer};

    /// Each form is made from the other and agrees with it; a change through the field elements
    /// drops the stale integers; equality and the encoding do not depend on the form.
    #[test]
    fn either_form_gives_the_other() {
        let ints = vec![-128i64, -1, 0, 1, 127, 300, -40_000, i64::MIN, i64::MAX];
        let fr: Vec<Fr> = ints.iter().map(|&v| Fr::from(v)).collect();
        let a = Weights::from_ints(Ints::new(&ints));
        let b = Weights::from(fr.clone());
        assert_eq!((a.len(), b.len()), (9, 9));
        assert_eq!(a.ints(), Some(&Ints::new(&ints)));
        assert_eq!(b.ints().unwrap().to_vec(), ints);
        assert_eq!(a.as_fr(), &fr);
        assert_eq!(a, b);
        let (mut wa, mut wb) = (Writer::new(), Writer::new());
        wa.ints(a.ints().unwrap());
        wb.small_ints(&b);
        assert_eq!(wa.bytes, wb.bytes);
        assert_eq!(Reader::new(&wa.bytes).small_ints("w", 100).unwrap(), fr);

        // A weight that is not a 64-bit integer: no integers, compared as field elements.
        let mut c = Weights::from_ints(Ints::new(&ints));
        c[2] = -Fr::from(u64::MAX) - Fr::from(u64::MAX);
        assert_eq!(c.ints(), None);
        assert_ne!(c, a);
        // Changed back: the integers are derived again.
        c[2] = Fr::from(0u64);
        assert_eq!(c.ints(), Some(&Ints::new(&ints)));
        assert_eq!(c, a);
        c[3] += Fr::from(1u64);
        assert_eq!(c.ints().unwrap().to_vec()[3], 2);
        assert_ne!(c, a);
        // A resized vector reports its new length.
        c.pop();
        assert_eq!(c.len(), 8);
        assert_ne!(c, a);
        let d: Weights = fr.iter().copied().collect();
        assert_eq!(d, a);
        // Integers on one side only, field elements on the other (fresh values, nothing derived
        // yet): equal, and any changed element or length is seen, both ways round.
        let fresh = || (Weights::from_ints(Ints::new(&ints)), Weights::from(fr.clone()));
        let (x, y) = fresh();
        assert!(x == y && y == x);
        for i in 0..ints.len() {
            let (x, mut y) = fresh();
            y[i] += Fr::from(1u64);
            let y = Weights::from(y.as_fr().clone());
            assert!(x != y && y != x, "element {i}");
        }
        let (x, _) = fresh();
        let short = Weights::from(fr[..8].to_vec());
        assert!(x != short && short != x);
        let wide: Vec<i64> = (0..9).map(|i| i * 100_000).collect();
        let (x, y) = (Weights::from_ints(Ints::new(&wide)), Weights::from(wide.iter().map(|&v| Fr::from(v)).collect::<Vec<_>>()));
        assert!(x == y && y == x);
        assert!(format!("{a:?}").starts_with("Weights::Ints") && format!("{:?}", Weights::from(fr)).starts_with("Weights::Fr"));
        // Integers are held in the narrowest width that holds them all, and encode as their
        // field elements do.
        for (v, width) in [(vec![], 1), (vec![-128i64, 127], 1), (vec![-129, 0], 2), (vec![40_000, -1], 4), (vec![1 << 31], 8), (vec![i64::MIN], 8)] {
            let w = Ints::new(&v);
            assert_eq!((w.width(), w.len(), w.to_vec()), (width, v.len(), v.clone()));
            let (mut x, mut y) = (Writer::new(), Writer::new());
            x.ints(&w);
            y.small_ints(&v.iter().map(|&i| Fr::from(i)).collect::<Vec<_>>());
            assert_eq!(x.bytes, y.bytes, "{v:?}");
            assert_eq!(Reader::new(&x.bytes).small_ints_as_stored("w", 10).unwrap(), crate::codec::SmallInts::Ints(w));
        }
    }
}
