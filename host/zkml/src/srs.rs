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

fn load_ptau(p: &Path, degree: Option<usize>) -> Result<Srs> {
    if !p.exists() {
        return Err(Error::io(p, std::io::Error::new(std::io::ErrorKind::NotFound, "no such file")));
    }
    Srs::from_ptau_file(p, degree).map_err(|e| Error::from(e).context(p.display()))
}

/// Checks that the `.ptau` at `p` is the SRS the verifying key was made with. The whole file is
/// read and verified (every power on the curve and consistent), as `setup` does for the powers
/// it uses: a corrupted file is refused here too, not only its first powers compared.
pub fn check_vk(p: &Path, vk: &VerifyingKey) -> Result<()> {
    let srs = load_ptau(p, None)?;
    if &srs.verifier_srs() != vk.srs() {
        return Err(Error::artifact(format!("wrong SRS: {} is not the SRS the verifying key was made with", p.display())));
    }
    Ok(())
}

/// Checks that the `.ptau` at `p` is the SRS the proving key was made with.
pub fn check_pk(p: &Path, pk: &ProvingKey) -> Result<()> {
    let m = pk.ck.monomial.len().saturating_sub(1);
    let srs = load_ptau(p, Some(m))?;
    let g = srs.g1_powers();
    if &srs.verifier_srs() != pk.vk.srs() || g.len() < pk.ck.monomial.len() || g[..pk.ck.monomial.len()] != pk.ck.monomial[..] {
        return Err(Error::artifact(format!("wrong SRS: {} is not the SRS the proving key was made with", p.display())));
    }
    Ok(())
}
