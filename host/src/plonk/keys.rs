//! Proving and verifying keys, and their versioned, checked encodings.
//!
//! Verifying key (`ZKVK`, version 3; the bytes are laid out as in version 2, but version 3 keys
//! mean the partial-product permutation of `docs/plonk.md` §3, so older keys are refused): magic, `u32` version, `u32` k, the constraint system
//! (`u32` fixed/advice/instance column counts; the permutation columns as `u32` count + (`u8` kind,
//! `u32` index) each; the gates as `u32` count + (name: `u32` length + UTF-8, constraints: `u32`
//! count + expressions); since version 2 the lookups as `u32` count + (name, inputs: `u32` count +
//! expressions, table columns: `u32` count + (`u8` kind, `u32` index))), the fixed and σ commitments (`u32` count + G1 each), then `[1]₁`, `[1]₂`,
//! `[τ]₂`, and, when the application bound a statement to the key ([`VerifyingKey::with_binding`]),
//! `ZKVB`, `u32` length (1 ..= 2^20) and those bytes (absent when empty). An expression is a tag byte and its children: `0` constant (Fr), `1` query (`u8` kind,
//! `u32` index, `i32` rotation), `2` negation, `3` sum, `4` product, `5` scaled (expression, Fr).
//!
//! Version 4 appends to the constraint system the projections (`plonk::projection`): `u32`
//! count + (name, inputs: `u32` count + cells, outputs: `u32` count + cells, weights: `u32`
//! count + Fr, bias: `u32` count + Fr), a cell being (`u8` kind, `u32` index, `u32` row); the
//! weights and biases are thereby bound by the digest.
//!
//! Version 5 appends the convolution projections (`plonk::projection::conv`): `u32` count +
//! (name, `u32` input channels, output channels, group, `u32` axis count d, then d `u32` each of
//! input extents, output extents, kernel extents, strides, dilations, padding before, the
//! inputs and outputs as cells, weights: `u32` count + Fr, bias: `u32` count + Fr).
//!
//! Version 6 writes every projection's weights and biases (matrix and convolution) in a compact
//! form: `u32` count, `u8` width w, then w-byte little-endian two's-complement integers when all
//! entries are 64-bit signed integers (w the fewest of 1, 2, 4, 8 bytes that hold them all),
//! else w = 32 and canonical Fr. Quantized weights take 1–2 bytes instead of 32; decoding
//! refuses an unknown or non-minimal width (one encoding per key, hence one digest).
//!
//! Proving key (`ZKPK`, version 7, [`PK_VERSION`]): what the prover uses, in the form it uses
//! it, so that loading is reading: magic, `u32` version, the verifying key (`u32` length +
//! bytes), then `u32` each: n, the extended domain size, the fixed and σ column counts, the
//! Lagrange, monomial and blinding basis counts (each must equal what the verifying key's shape
//! needs); then in the raw Montgomery form of [`crate::codec`] with no further lengths: per fixed
//! column its values on H, then per fixed column its coefficients, then per fixed column its
//! values on the extended coset; the same three for σ; L_0 on the extended coset; the Lagrange,
//! monomial and blinding bases. Last, the CRC-32 (`u32`) of every byte before it: a corrupt,
//! truncated or extended file is refused before anything else is decoded (the version is read
//! first, so an older key is named as such). The checksum guards against accidents, not forgery:
//! a forged proving key can only make its holder's proofs fail verification. [`ProvingKey::from_bytes`] also recomputes the derived forms and
//! the fixed and σ commitments and compares them; [`ProvingKey::from_bytes_unchecked_commitments`]
//! (the prover's path) takes the tables as they are. Versions 3–6 stored only the values (the
//! derived forms recomputed on every load, ~100 ms for the bundled MLP at load 25) and are
//! refused with a version error.
//!
//! Encodings of elements are those of [`crate::codec`]. Decoding rejects truncated input, wrong
//! magic or version, non-canonical elements, invalid points, trailing bytes and inconsistent
//! sizes with an error.

use sha3::{Digest, Keccak256};

use super::circuit::{Cell, Column, ColumnKind, ConstraintSystem, Expression, Gate, Query, MAX_EXPRESSION_DEPTH};
use super::Shape;
use crate::backend::{Backend, BackendExt, BasesId, NttKind};
use crate::codec::{Reader, Writer};
use crate::error::{DecodeError, Error, Result};
use crate::poly::kzg::VerifierSrs;
use crate::poly::Domain;
use crate::srs::Srs;
use crate::{Fr, G1Affine, G1Projective};
use ark_ec::CurveGroup;

pub const VK_MAGIC: &[u8; 4] = b"ZKVK";
pub const PK_MAGIC: &[u8; 4] = b"ZKPK";
pub const KEY_VERSION: u32 = 6;
/// The proving key's version (its own since version 7; version-7 keys embed a version-6
/// verifying key).
pub const PK_VERSION: u32 = 7;
/// Marks the optional statement binding at the end of a verifying key (see
/// [`VerifyingKey::with_binding`]).
pub const VK_BINDING_MAGIC: &[u8; 4] = b"ZKVB";
/// The largest statement binding a verifying key may carry.
pub const MAX_VK_BINDING: usize = 1 << 20;

/// Bounds applied while decoding, so that hostile input cannot make us allocate without limit.
const MAX_COLUMNS: usize = 1 << 16;
const MAX_GATES: usize = 1 << 16;
const MAX_NAME: usize = 1 << 12;
/// Bound on a projection's cells and weights while decoding.
const MAX_PROJECTION_ITEMS: usize = 1 << 28;

/// The SRS points a prover needs for one domain size.
#[derive(Clone, Debug, PartialEq)]
pub struct CommitKey {
    /// `[L_i(τ)]₁` for the domain of size n: witness columns commit from their values.
    pub lagrange: Vec<G1Affine>,
    /// `[τ^i]₁` for i ≤ srs_degree: quotient pieces and opening witnesses.
    pub monomial: Vec<G1Affine>,
    /// `[τ^{n+i}]₁` − `[τ^i]₁` for i < B: the commitment of X^i·Z_H(X), for the blinding terms.
    pub blinding: Vec<G1Affine>,
}

impl CommitKey {
    pub fn new(srs: &Srs, shape: &Shape) -> Result<Self> {
        if srs.max_degree() < shape.srs_degree {
            return Err(Error::Srs(format!(
                "a circuit of 2^{} rows needs an SRS of degree {}, this one has degree {}{}",
                shape.k,
                shape.srs_degree,
                srs.max_degree(),
                if matches!(srs.source(), crate::srs::SrsSource::Ptau { .. }) {
                    " (use a larger .ptau file, or an insecure development SRS for testing)"
                } else {
                    ""
                }
            )));
        }
        let g = srs.g1_powers();
        let n = shape.n;
        let blinding: Vec<G1Projective> = (0..shape.max_blinding).map(|i| G1Projective::from(g[n + i]) - g[i]).collect();
        Ok(Self {
            lagrange: srs.lagrange_basis(shape.k)?,
            monomial: g[..=shape.srs_degree].to_vec(),
            blinding: G1Projective::normalize_batch(&blinding),
        })
    }

    /// Ids of the three base sets (hashing costs one pass over the points).
    pub fn ids(&self) -> [BasesId; 3] {
        [BasesId::of(&self.lagrange), BasesId::of(&self.monomial), BasesId::of(&self.blinding)]
    }
}

/// The verifying key: the circuit's declarations, fixed and σ commitments, and the SRS's verifier
/// part.
#[derive(Clone, Debug, PartialEq)]
pub struct VerifyingKey {
    k: u32,
    cs: ConstraintSystem,
    fixed_commitments: Vec<G1Affine>,
    sigma_commitments: Vec<G1Affine>,
    srs: VerifierSrs,
    shape: Shape,
    domain: Domain,
    digest: [u8; 32],
    /// What the application binds to the key (e.g. what its public inputs mean); empty if none.
    binding: Vec<u8>,
}

impl VerifyingKey {
    pub fn new(
        k: u32,
        cs: ConstraintSystem,
        fixed_commitments: Vec<G1Affine>,
        sigma_commitments: Vec<G1Affine>,
        srs: VerifierSrs,
    ) -> Result<Self> {
        Self::assemble(k, cs, fixed_commitments, sigma_commitments, srs, Vec::new())
    }

    /// [`Self::new`] with a binding, the digest computed once.
    fn assemble(k: u32, cs: ConstraintSystem, fixed_commitments: Vec<G1Affine>, sigma_commitments: Vec<G1Affine>, srs: VerifierSrs, binding: Vec<u8>) -> Result<Self> {
        let mut vk = Self::assemble_with(k, cs, fixed_commitments, sigma_commitments, srs, binding)?;
        vk.digest = Keccak256::digest(vk.to_bytes()).into();
        Ok(vk)
    }

    /// The checks of [`Self::assemble`], the digest left to the caller.
    fn assemble_with(
        k: u32,
        cs: ConstraintSystem,
        fixed_commitments: Vec<G1Affine>,
        sigma_commitments: Vec<G1Affine>,
        srs: VerifierSrs,
        binding: Vec<u8>,
    ) -> Result<Self> {
        let shape = Shape::new(&cs, k)?;
        if fixed_commitments.len() != cs.num_fixed || sigma_commitments.len() != cs.permutation.len() {
            return Err(Error::Circuit("commitment counts do not match the constraint system".into()));
        }
        if binding.len() > MAX_VK_BINDING {
            return Err(Error::Circuit(format!("a verifying key binding of {} bytes exceeds {MAX_VK_BINDING}", binding.len())));
        }
        Ok(Self { k, cs, fixed_commitments, sigma_commitments, srs, shape, domain: Domain::new(k)?, digest: [0; 32], binding })
    }

    /// Each matrix projection's weights as integers (in `cs().projections` order; None where
    /// some weight is not a 64-bit integer): [`super::projection::Weights::ints`], copied.
    pub fn projection_weight_ints(&self) -> Vec<Option<Vec<i64>>> {
        self.cs.projections.iter().map(|p| p.weights.ints().map(crate::codec::Ints::to_vec)).collect()
    }

    pub fn k(&self) -> u32 {
        self.k
    }
    pub fn cs(&self) -> &ConstraintSystem {
        &self.cs
    }
    pub fn shape(&self) -> &Shape {
        &self.shape
    }
    pub fn domain(&self) -> &Domain {
        &self.domain
    }
    pub fn fixed_commitments(&self) -> &[G1Affine] {
        &self.fixed_commitments
    }
    pub fn sigma_commitments(&self) -> &[G1Affine] {
        &self.sigma_commitments
    }
    pub fn srs(&self) -> &VerifierSrs {
        &self.srs
    }
    /// Keccak-256 of the encoding (which includes k, hence n and ω, the gates and the SRS points);
    /// the first thing the transcript absorbs.
    pub fn digest(&self) -> [u8; 32] {
        self.digest
    }

    /// The key with `binding` attached: bytes the application binds to the circuit (what its
    /// public inputs mean, a commitment to private parameters, ...). They are part of the
    /// encoding, hence of [`Self::digest`], which the transcript absorbs first: a proof made with
    /// one binding does not verify under a key with another.
    pub fn with_binding(mut self, binding: Vec<u8>) -> Result<Self> {
        if binding.len() > MAX_VK_BINDING {
            return Err(Error::Circuit(format!("a verifying key binding of {} bytes exceeds {MAX_VK_BINDING}", binding.len())));
        }
        self.binding = binding;
        self.digest = Keccak256::digest(self.to_bytes()).into();
        Ok(self)
    }

    /// The bytes bound by [`Self::with_binding`] (empty if none).
    pub fn binding(&self) -> &[u8] {
        &self.binding
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.raw(VK_MAGIC);
        w.u32(KEY_VERSION);
        w.u32(self.k);
        write_cs(&mut w, &self.cs);
        w.g1s(&self.fixed_commitments);
        w.g1s(&self.sigma_commitments);
        w.g1(&self.srs.g1);
        w.g2(&self.srs.g2);
        w.g2(&self.srs.tau_g2);
        if !self.binding.is_empty() {
            w.raw(VK_BINDING_MAGIC);
            w.u32(self.binding.len() as u32);
            w.raw(&self.binding);
        }
        w.bytes
    }

    /// Decodes a key. The digest is the Keccak-256 of `bytes` themselves: the decoder accepts
    /// one encoding per key (canonical scalars and points, minimal integer widths, no trailing
    /// bytes), so these are the bytes [`Self::to_bytes`] writes, and re-encoding the key to hash
    /// it again would only repeat them.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let mut vk = Self::read(&mut r)?;
        r.finish("verifying key")?;
        vk.digest = Keccak256::digest(bytes).into();
        Ok(vk)
    }

    fn read(r: &mut Reader<'_>) -> Result<Self> {
        r.magic(VK_MAGIC, "verifying key")?;
        let version = r.u32("verifying key version")?;
        if version != KEY_VERSION {
            return Err(DecodeError::UnsupportedVersion { what: "verifying key", found: version, supported: KEY_VERSION }.into());
        }
        let k = r.u32("k")?;
        let cs = read_cs(r)?;
        let fixed = r.g1s("fixed commitment", MAX_COLUMNS)?;
        let sigma = r.g1s("sigma commitment", MAX_COLUMNS)?;
        let srs = VerifierSrs { g1: r.g1("[1]_1")?, g2: r.g2("[1]_2")?, tau_g2: r.g2("[tau]_2")? };
        // The optional binding: present only when non-empty, so that each key has one encoding.
        let binding = if r.peek(VK_BINDING_MAGIC.len()) == Some(&VK_BINDING_MAGIC[..]) {
            r.magic(VK_BINDING_MAGIC, "verifying key binding")?;
            let n = r.len("verifying key binding length", MAX_VK_BINDING)?;
            if n == 0 {
                return Err(DecodeError::Invalid { what: "verifying key", reason: "an empty binding is encoded by its absence".into() }.into());
            }
            r.take(n, "verifying key binding")?.to_vec()
        } else {
            Vec::new()
        };
        Self::assemble_with(k, cs, fixed, sigma, srs, binding).map_err(|e| match e {
            Error::Circuit(reason) => DecodeError::Invalid { what: "verifying key", reason }.into(),
            e => e,
        })
    }
}

/// The proving key: the verifying key, the commit key, and the fixed columns and σ in value,
/// coefficient and extended-coset form.
#[derive(Clone, Debug)]
pub struct ProvingKey {
    pub vk: VerifyingKey,
    pub ck: CommitKey,
    pub fixed_values: Vec<Vec<Fr>>,
    pub fixed_coeffs: Vec<Vec<Fr>>,
    pub fixed_ext: Vec<Vec<Fr>>,
    pub sigma_values: Vec<Vec<Fr>>,
    pub sigma_coeffs: Vec<Vec<Fr>>,
    pub sigma_ext: Vec<Vec<Fr>>,
    /// L_0 on the extended coset.
    pub l0_ext: Vec<Fr>,
    /// The commit key's base-set ids, hashed once.
    pub ck_ids: [BasesId; 3],
}

impl ProvingKey {
    /// Derives the coefficient and extended-coset forms through the backend and checks the
    /// verifying key's commitments against the values.
    pub fn from_parts(
        backend: &dyn Backend,
        vk: VerifyingKey,
        ck: CommitKey,
        fixed_values: Vec<Vec<Fr>>,
        sigma_values: Vec<Vec<Fr>>,
    ) -> Result<Self> {
        Self::build(backend, vk, ck, fixed_values, sigma_values, true)
    }

    /// [`Self::from_parts`], optionally skipping the commitment check (key generation has just
    /// computed those commitments from these values).
    pub(crate) fn build(
        backend: &dyn Backend,
        vk: VerifyingKey,
        ck: CommitKey,
        fixed_values: Vec<Vec<Fr>>,
        sigma_values: Vec<Vec<Fr>>,
        check_commitments: bool,
    ) -> Result<Self> {
        let shape = vk.shape().clone();
        let n = shape.n;
        if fixed_values.len() != vk.cs().num_fixed
            || sigma_values.len() != vk.cs().permutation.len()
            || fixed_values.iter().chain(&sigma_values).any(|c| c.len() != n)
        {
            return Err(Error::Circuit("fixed / sigma columns do not match the key's shape".into()));
        }
        if ck.lagrange.len() != n || ck.monomial.len() != shape.srs_degree + 1 || ck.blinding.len() != shape.max_blinding {
            return Err(Error::Circuit("the commit key does not match the circuit size".into()));
        }
        let ck_ids = ck.ids();
        let lag = backend.load_bases(ck_ids[0], &ck.lagrange)?;
        let mut l0 = vec![Fr::from(0u64); n];
        l0[0] = Fr::from(1u64);
        let mut all: Vec<&[Fr]> = fixed_values.iter().chain(&sigma_values).map(|v| v.as_slice()).collect();
        if check_commitments {
            let values = backend.upload(&all)?;
            let value_refs: Vec<_> = values.iter().collect();
            let commitments = backend.msm(&lag, &value_refs);
            values.into_iter().for_each(|h| backend.release(h));
            let expected: Vec<G1Affine> = vk.fixed_commitments().iter().chain(vk.sigma_commitments()).copied().collect();
            if G1Projective::normalize_batch(&commitments?) != expected {
                return Err(Error::Circuit("the fixed / sigma values do not match the verifying key's commitments".into()));
            }
        }
        all.push(&l0);
        let coeffs = backend.ntt_host(&all, shape.k, NttKind::Inverse)?;
        let coeff_refs: Vec<&[Fr]> = coeffs.iter().map(|v| v.as_slice()).collect();
        let mut ext = backend.ntt_host(&coeff_refs, shape.ext_k, NttKind::CosetForward { shift: super::extended_coset_shift() })?;
        let mut coeffs = coeffs;
        let nf = fixed_values.len();
        let l0_ext = ext.pop().expect("L0");
        coeffs.truncate(coeffs.len() - 1);
        let sigma_ext = ext.split_off(nf);
        let sigma_coeffs = coeffs.split_off(nf);
        Ok(Self { vk, ck, fixed_values, fixed_coeffs: coeffs, fixed_ext: ext, sigma_values, sigma_coeffs, sigma_ext, l0_ext, ck_ids })
    }

    /// The version-7 encoding (module documentation): what the prover uses, in the form it
    /// uses it, and the CRC-32 of everything before it at the end.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.raw(PK_MAGIC);
        w.u32(PK_VERSION);
        let vk = self.vk.to_bytes();
        w.u32(vk.len() as u32);
        w.raw(&vk);
        let shape = self.vk.shape();
        for v in [shape.n, 1 << shape.ext_k, self.fixed_values.len(), self.sigma_values.len(), self.ck.lagrange.len(), self.ck.monomial.len(), self.ck.blinding.len()] {
            w.u32(v as u32);
        }
        for cols in [&self.fixed_values, &self.fixed_coeffs, &self.fixed_ext, &self.sigma_values, &self.sigma_coeffs, &self.sigma_ext] {
            cols.iter().for_each(|c| w.raw_frs(c));
        }
        w.raw_frs(&self.l0_ext);
        w.raw_g1s(&self.ck.lagrange);
        w.raw_g1s(&self.ck.monomial);
        w.raw_g1s(&self.ck.blinding);
        let checksum = crc32fast::hash(&w.bytes);
        w.u32(checksum);
        w.bytes
    }

    /// Decodes a proving key and checks it fully: the fixed and σ columns against the
    /// verifying key's commitments (one multi-scalar multiplication per column), their
    /// coefficient and extended-coset forms against the values (recomputed), and every commit-key
    /// point on the curve.
    pub fn from_bytes(bytes: &[u8], backend: &dyn Backend) -> Result<Self> {
        Self::decode(bytes, backend, true)
    }

    /// [`Self::from_bytes`] for the prover's own key file: the version, the checksum (a corrupt,
    /// truncated or extended file is refused), the embedded verifying key (decoded and checked),
    /// the counts against its shape and every element canonical are checked; the stored tables
    /// are then taken as they are (no NTT, no commitment, no curve check), as `setup` wrote them.
    /// A key whose tables disagree with its verifying key (a file forged with a recomputed
    /// checksum) can only yield proofs that the verifying key rejects: the caller verifies each
    /// proof before using it (`zkaccel prove` does).
    pub fn from_bytes_unchecked_commitments(bytes: &[u8], backend: &dyn Backend) -> Result<Self> {
        Self::decode(bytes, backend, false)
    }

    fn decode(bytes: &[u8], backend: &dyn Backend, check: bool) -> Result<Self> {
        let mut r = Reader::new(bytes);
        r.magic(PK_MAGIC, "proving key")?;
        let version = r.u32("proving key version")?;
        if version != PK_VERSION {
            return Err(DecodeError::UnsupportedVersion { what: "proving key (run setup again to write the current format)", found: version, supported: PK_VERSION }.into());
        }
        let Some(body_len) = bytes.len().checked_sub(4).filter(|&l| l >= 8) else {
            return Err(DecodeError::Truncated { what: "proving key checksum", offset: 8, needed: 4, available: bytes.len() - 8 }.into());
        };
        if crc32fast::hash(&bytes[..body_len]).to_le_bytes()[..] != bytes[body_len..] {
            return Err(DecodeError::Invalid { what: "proving key", reason: "its CRC-32 checksum does not match its contents (corrupt, truncated or edited file)".into() }.into());
        }
        let mut r = Reader::new(&bytes[..body_len]);
        r.take(8, "proving key header")?;
        let vk_len = r.len("verifying key length", body_len)?;
        let vk = VerifyingKey::from_bytes(r.take(vk_len, "verifying key")?)?;
        let shape = vk.shape().clone();
        let (n, ext_n) = (shape.n, 1usize << shape.ext_k);
        let expected = [
            ("domain size", n),
            ("extended domain size", ext_n),
            ("fixed column count", vk.cs().num_fixed),
            ("sigma column count", vk.cs().permutation.len()),
            ("Lagrange basis count", n),
            ("monomial basis count", shape.srs_degree + 1),
            ("blinding basis count", shape.max_blinding),
        ];
        for (what, want) in expected {
            let found = r.u32(what)? as usize;
            if found != want {
                return Err(DecodeError::Invalid { what: "proving key", reason: format!("{what} {found}, its verifying key needs {want}") }.into());
            }
        }
        let (nf, ns) = (vk.cs().num_fixed, vk.cs().permutation.len());
        let mut cols = |what: &'static str, count: usize, len: usize| -> Result<Vec<Vec<Fr>>> { (0..count).map(|_| Ok(r.raw_frs(what, len)?)).collect() };
        let fixed_values = cols("fixed column values", nf, n)?;
        let fixed_coeffs = cols("fixed column coefficients", nf, n)?;
        let fixed_ext = cols("fixed column coset evaluations", nf, ext_n)?;
        let sigma_values = cols("sigma column values", ns, n)?;
        let sigma_coeffs = cols("sigma column coefficients", ns, n)?;
        let sigma_ext = cols("sigma column coset evaluations", ns, ext_n)?;
        let l0_ext = r.raw_frs("L_0 coset evaluations", ext_n)?;
        let ck = CommitKey {
            lagrange: r.raw_g1s("Lagrange bases", n, check)?,
            monomial: r.raw_g1s("monomial bases", shape.srs_degree + 1, check)?,
            blinding: r.raw_g1s("blinding bases", shape.max_blinding, check)?,
        };
        r.finish("proving key")?;
        if check {
            // Recompute the derived forms and the commitments, and compare.
            let built = Self::build(backend, vk, ck, fixed_values, sigma_values, true)?;
            if (&built.fixed_coeffs, &built.fixed_ext, &built.sigma_coeffs, &built.sigma_ext, &built.l0_ext) != (&fixed_coeffs, &fixed_ext, &sigma_coeffs, &sigma_ext, &l0_ext) {
                return Err(Error::Circuit("the proving key's coefficient or coset tables do not match its fixed / sigma values".into()));
            }
            return Ok(built);
        }
        let ck_ids = ck.ids();
        // As `build` does: the backend holds the Lagrange bases from the key's load on.
        backend.load_bases(ck_ids[0], &ck.lagrange)?;
        Ok(Self { vk, ck, fixed_values, fixed_coeffs, fixed_ext, sigma_values, sigma_coeffs, sigma_ext, l0_ext, ck_ids })
    }
}

fn kind_code(kind: ColumnKind) -> u8 {
    match kind {
        ColumnKind::Fixed => 0,
        ColumnKind::Advice => 1,
        ColumnKind::Instance => 2,
    }
}

fn read_column(r: &mut Reader<'_>) -> Result<Column> {
    let kind = match r.u8("column kind")? {
        0 => ColumnKind::Fixed,
        1 => ColumnKind::Advice,
        2 => ColumnKind::Instance,
        other => return Err(DecodeError::Invalid { what: "column kind", reason: format!("tag {other}") }.into()),
    };
    Ok(Column { kind, index: r.u32("column index")? as usize })
}

fn write_column(w: &mut Writer, c: &Column) {
    w.u8(kind_code(c.kind));
    w.u32(c.index as u32);
}

fn write_name(w: &mut Writer, name: &str) {
    w.u32(name.len() as u32);
    w.raw(name.as_bytes());
}

fn read_name(r: &mut Reader<'_>, what: &'static str) -> Result<String> {
    let len = r.len(what, MAX_NAME)?;
    Ok(String::from_utf8(r.take(len, what)?.to_vec())
        .map_err(|_| DecodeError::Invalid { what, reason: "not UTF-8".into() })?)
}

fn write_cs(w: &mut Writer, cs: &ConstraintSystem) {
    w.u32(cs.num_fixed as u32);
    w.u32(cs.num_advice as u32);
    w.u32(cs.num_instance as u32);
    w.u32(cs.permutation.len() as u32);
    cs.permutation.iter().for_each(|c| write_column(w, c));
    w.u32(cs.gates.len() as u32);
    for g in &cs.gates {
        write_name(w, &g.name);
        w.u32(g.constraints.len() as u32);
        g.constraints.iter().for_each(|e| write_expr(w, e));
    }
    w.u32(cs.lookups.len() as u32);
    for lk in &cs.lookups {
        write_name(w, &lk.name);
        w.u32(lk.inputs.len() as u32);
        lk.inputs.iter().for_each(|e| write_expr(w, e));
        w.u32(lk.table.len() as u32);
        lk.table.iter().for_each(|c| write_column(w, c));
    }
    w.u32(cs.projections.len() as u32);
    for p in &cs.projections {
        write_name(w, &p.name);
        for cells in [&p.inputs, &p.outputs] {
            w.u32(cells.len() as u32);
            for c in cells {
                write_column(w, &c.column);
                w.u32(c.row as u32);
            }
        }
        match p.weights.ints() {
            Some(ints) => w.ints(ints),
            None => w.small_ints(&p.weights),
        }
        w.small_ints(&p.bias);
    }
    w.u32(cs.conv_projections.len() as u32);
    for p in &cs.conv_projections {
        write_name(w, &p.name);
        for v in [p.in_channels, p.out_channels, p.group] {
            w.u32(v as u32);
        }
        w.u32(p.kernel.len() as u32);
        for axis in [&p.in_dims, &p.out_dims, &p.kernel, &p.strides, &p.dilations, &p.pads_begin] {
            axis.iter().for_each(|&v| w.u32(v as u32));
        }
        for cells in [&p.inputs, &p.outputs] {
            w.u32(cells.len() as u32);
            for c in cells {
                write_column(w, &c.column);
                w.u32(c.row as u32);
            }
        }
        w.small_ints(&p.weights);
        w.small_ints(&p.bias);
    }
}

/// The constraint system; matrix projections' weights stored as integers stay integers
/// ([`super::projection::Weights::from_ints`]).
fn read_cs(r: &mut Reader<'_>) -> Result<ConstraintSystem> {
    let num_fixed = r.len("fixed column count", MAX_COLUMNS)?;
    let num_advice = r.len("advice column count", MAX_COLUMNS)?;
    let num_instance = r.len("instance column count", MAX_COLUMNS)?;
    let np = r.len("permutation column count", MAX_COLUMNS)?;
    let permutation = (0..np).map(|_| read_column(r)).collect::<Result<Vec<_>>>()?;
    let ng = r.len("gate count", MAX_GATES)?;
    let mut gates = Vec::with_capacity(ng.min(1024));
    for _ in 0..ng {
        let name = read_name(r, "gate name")?;
        let nc = r.len("constraint count", MAX_GATES)?;
        let constraints = (0..nc).map(|_| read_expr(r, 0)).collect::<Result<Vec<_>>>()?;
        gates.push(Gate { name, constraints });
    }
    let nl = r.len("lookup count", MAX_GATES)?;
    let mut lookups = Vec::with_capacity(nl.min(1024));
    for _ in 0..nl {
        let name = read_name(r, "lookup name")?;
        let ni = r.len("lookup input count", MAX_COLUMNS)?;
        let inputs = (0..ni).map(|_| read_expr(r, 0)).collect::<Result<Vec<_>>>()?;
        let nt = r.len("lookup table column count", MAX_COLUMNS)?;
        let table = (0..nt).map(|_| read_column(r)).collect::<Result<Vec<_>>>()?;
        lookups.push(super::lookup::Lookup { name, inputs, table });
    }
    let np = r.len("projection count", MAX_GATES)?;
    let mut projections = Vec::with_capacity(np.min(1024));
    for _ in 0..np {
        let name = read_name(r, "projection name")?;
        let mut cells = |what| -> Result<Vec<Cell>> {
            let count = r.len(what, MAX_PROJECTION_ITEMS)?;
            (0..count).map(|_| Ok(Cell { column: read_column(r)?, row: r.u32("projection cell row")? as usize })).collect()
        };
        let inputs = cells("projection input count")?;
        let outputs = cells("projection output count")?;
        let weights = match r.small_ints_as_stored("projection weight", MAX_PROJECTION_ITEMS)? {
            crate::codec::SmallInts::Ints(ints) => super::projection::Weights::from_ints(ints),
            crate::codec::SmallInts::Fr(v) => v.into(),
        };
        let bias = r.small_ints("projection bias", MAX_PROJECTION_ITEMS)?;
        projections.push(super::projection::Projection { name, inputs, outputs, weights, bias });
    }
    let nc = r.len("convolution projection count", MAX_GATES)?;
    let mut conv_projections = Vec::with_capacity(nc.min(1024));
    for _ in 0..nc {
        let name = read_name(r, "convolution projection name")?;
        let in_channels = r.u32("convolution input channels")? as usize;
        let out_channels = r.u32("convolution output channels")? as usize;
        let group = r.u32("convolution group")? as usize;
        let d = r.len("convolution axis count", 16)?;
        let mut axis = |what| -> Result<Vec<usize>> { (0..d).map(|_| Ok(r.u32(what)? as usize)).collect() };
        let in_dims = axis("convolution input extent")?;
        let out_dims = axis("convolution output extent")?;
        let kernel = axis("convolution kernel extent")?;
        let strides = axis("convolution stride")?;
        let dilations = axis("convolution dilation")?;
        let pads_begin = axis("convolution padding")?;
        let mut cells = |what| -> Result<Vec<Cell>> {
            let count = r.len(what, MAX_PROJECTION_ITEMS)?;
            (0..count).map(|_| Ok(Cell { column: read_column(r)?, row: r.u32("convolution cell row")? as usize })).collect()
        };
        let inputs = cells("convolution input count")?;
        let outputs = cells("convolution output count")?;
        let weights = r.small_ints("convolution weight", MAX_PROJECTION_ITEMS)?;
        let bias = r.small_ints("convolution bias", MAX_PROJECTION_ITEMS)?;
        conv_projections.push(super::projection::ConvProjection {
            name,
            in_channels,
            out_channels,
            group,
            in_dims,
            out_dims,
            kernel,
            strides,
            dilations,
            pads_begin,
            inputs,
            outputs,
            weights,
            bias,
        });
    }
    let cs = ConstraintSystem { num_fixed, num_advice, num_instance, gates, permutation, lookups, projections, conv_projections };
    cs.validate().map_err(|e| DecodeError::Invalid { what: "constraint system", reason: e.to_string() })?;
    Ok(cs)
}

fn write_expr(w: &mut Writer, e: &Expression) {
    match e {
        Expression::Constant(c) => {
            w.u8(0);
            w.fr(c);
        }
        Expression::Query(q) => {
            w.u8(1);
            write_column(w, &q.column);
            w.u32(q.rotation as u32);
        }
        Expression::Negated(a) => {
            w.u8(2);
            write_expr(w, a);
        }
        Expression::Sum(a, b) => {
            w.u8(3);
            write_expr(w, a);
            write_expr(w, b);
        }
        Expression::Product(a, b) => {
            w.u8(4);
            write_expr(w, a);
            write_expr(w, b);
        }
        Expression::Scaled(a, c) => {
            w.u8(5);
            write_expr(w, a);
            w.fr(c);
        }
    }
}

fn read_expr(r: &mut Reader<'_>, depth: usize) -> Result<Expression> {
    if depth >= MAX_EXPRESSION_DEPTH {
        return Err(DecodeError::Invalid { what: "expression", reason: "too deep".into() }.into());
    }
    let d = depth + 1;
    Ok(match r.u8("expression tag")? {
        0 => Expression::Constant(r.fr("constant")?),
        1 => {
            let column = read_column(r)?;
            let rotation = r.u32("rotation")? as i32;
            Expression::Query(Query { column, rotation })
        }
        2 => Expression::Negated(Box::new(read_expr(r, d)?)),
        3 => Expression::Sum(Box::new(read_expr(r, d)?), Box::new(read_expr(r, d)?)),
        4 => Expression::Product(Box::new(read_expr(r, d)?), Box::new(read_expr(r, d)?)),
        5 => {
            let a = read_expr(r, d)?;
            Expression::Scaled(Box::new(a), r.fr("scale")?)
        }
        other => return Err(DecodeError::Invalid { what: "expression", reason: format!("tag {other}") }.into()),
    })
}
