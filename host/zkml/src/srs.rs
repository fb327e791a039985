//! Where the SRS comes from: a snarkjs `.ptau` file (`--srs-path`) or the INSECURE development
//! SRS (`--dev-srs`, τ known to this process), and the check that an SRS is the one a key was
//! made with ("wrong SRS").

use std::path::Path;

use zkaccel::plonk::{ProvingKey, VerifyingKey};
use zkaccel::srs::Srs;

use crate::error::{Error, Result};

/// The label printed and stored for the development SRS.
pub const INSECURE_DEV_LABEL: &str = "insecure-dev";
/// The warning shown whenever the development SRS is used.
pub const INSECURE_DEV_WARNING: &str =
    "WARNING: --dev-srs uses an INSECURE development SRS whose secret τ was known to this process: \
     anyone holding it could forge proofs. Use it for testing and benchmarks only; use --srs-path file.ptau otherwise.";

/// Loads the SRS for a circuit needing `degree` (the `.ptau` is read up to that degree).
pub fn load(srs_path: Option<&Path>, dev_srs: bool, degree: usize) -> Result<(Srs, String)> {
    match (srs_path, dev_srs) {
        (Some(_), true) => Err(Error::usage("give either --srs-path or --dev-srs, not both")),
        (None, false) => Err(Error::usage("setup needs an SRS: --srs-path file.ptau, or --dev-srs (insecure, for testing)")),
        (None, true) => {
            let srs = Srs::insecure_dev(degree, &mut rand::rngs::OsRng)?;
            Ok((srs, INSECURE_DEV_LABEL.into()))
        }
        (Some(p), false) => {
            let need = (degree + 1).next_power_of_two().trailing_zeros();
            let srs = load_ptau(p, Some(degree)).map_err(|e| {
                if e.message.contains("was asked") {
                    Error::artifact(format!("{} — this circuit needs 2^{need} powers: use a larger .ptau file (or --dev-srs for testing)", e.message))
                } else {
                    e
                }
            })?;
            if srs.max_degree() < degree {
                return Err(Error::artifact(format!(
                    "{}: the SRS has degree {}, this circuit needs {degree} (2^{need} powers): use a larger .ptau file",
                    p.display(),
                    srs.max_degree(),
                )));
            }
            Ok((srs, "ptau".into()))
        }
    }
}

/// The `.ptau` path must name a regular file (as every other input, `crate::files::read`): a
/// FIFO would block the open forever, a device such as /dev/zero never ends.
fn check_regular(p: &Path) -> Result<()> {
    let meta = std::fs::metadata(p).map_err(|e| Error::io(p, e))?;
    if !meta.is_file() {
        return Err(Error::io(p, std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a regular file")));
    }
    Ok(())
}

fn load_ptau(p: &Path, degree: Option<usize>) -> Result<Srs> {
    check_regular(p)?;
    Srs::from_ptau_file(p, degree).map_err(|e| Error::from(e).context(p.display()))
}

/// Checks that the `.ptau` at `p` is the SRS the verifying key was made with. A verifying key
/// holds `[1]₁`, `[1]₂` and `[τ]₂`; only those (and `[τ]₁`, for the τ check) are kept. Every power
/// in the file is still verified (on the curve, consistent), as `setup` does for the powers it
/// uses, so a corrupted file is refused here too, not only its first powers compared — but a
/// window at a time, so the memory used does not grow with the file's power (a power-28 file, or
/// a sparse file claiming one, is not loaded whole).
pub fn check_vk(p: &Path, vk: &VerifyingKey) -> Result<()> {
    check_regular(p)?;
    let srs = Srs::from_ptau_file_verify_all(p, 1).map_err(|e| Error::from(e).context(p.display()))?;
    if &srs.verifier_srs() != vk.srs() {
        return Err(Error::artifact(format!("wrong SRS: {} is not the SRS the verifying key was made with", p.display())));
    }
    Ok(())
}

/// Checks that the `.ptau` at `p` is the SRS the proving key was made with: reads (and verifies)
/// the powers up to the key's degree, those it compares, and no more.
pub fn check_pk(p: &Path, pk: &ProvingKey) -> Result<()> {
    let m = pk.ck.monomial.len().saturating_sub(1);
    let srs = load_ptau(p, Some(m))?;
    let g = srs.g1_powers();
    if &srs.verifier_srs() != pk.vk.srs() || g.len() < pk.ck.monomial.len() || g[..pk.ck.monomial.len()] != pk.ck.monomial[..] {
        return Err(Error::artifact(format!("wrong SRS: {} is not the SRS the proving key was made with", p.display())));
    }
    Ok(())
}
