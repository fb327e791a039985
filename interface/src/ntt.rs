//! The parameters of one NTT command: what the NTT core's `cfg_inverse` / `cfg_coset` /
//! `cfg_shift` (and the driver's `NTT_FLAGS` / `NTT_SHIFT*` registers) say.

use ark_bn254::Fr;
use ark_ff::Field;

/// What a transform computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NttMode {
    /// Inverse transform (scaled by 1/n).
    pub inverse: bool,
    /// Coset shift `c`: forward computes the evaluations on `c·⟨ω⟩`, inverse the coefficients
    /// from evaluations on `c·⟨ω⟩`. `None` for the plain subgroup.
    pub coset: Option<Fr>,
}

impl NttMode {
    /// Forward on the subgroup.
    pub const FORWARD: NttMode = NttMode { inverse: false, coset: None };
    /// Inverse on the subgroup.
    pub const INVERSE: NttMode = NttMode { inverse: true, coset: None };

    /// The value the core's `cfg_shift` register takes: `c` forward, `c^-1` inverse.
    pub fn shift_register(&self) -> Option<Fr> {
        self.coset.map(|c| if self.inverse { c.inverse().expect("nonzero shift") } else { c })
    }
}
