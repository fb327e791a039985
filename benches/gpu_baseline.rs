//! Host side of the GPU baseline (issue 23): the CUDA program in `benches/gpu/` (`main.cu`) runs
//! BN254 MSMs and Fr NTTs on the GPU with our own kernels; this module writes its input files,
//! runs it, reads its answer back into arkworks types and parses its timing line. The example
//! `gpu_baseline` uses it on a lent GPU machine (`benches/gpu/run-on-device.sh`); the test
//! `benches/tests/gpu_baseline.rs` builds the same source with g++ (the emulation build of
//! `benches/gpu/runtime.cuh`) and checks it against arkworks, so no GPU is needed in CI.
//!
//! File formats (little-endian field elements of 32 bytes): points `x ‖ y` (64 bytes, canonical
//! coordinates, the identity as `(0, 0)`), NTT values canonical, MSM scalars in Montgomery form
//! (arkworks' own limbs, converted by the GPU inside the timed MSM, as the CPU kernel converts them).

use ark_bn254::{Fq, Fr, G1Affine, G1Projective};
use ark_ec::{AffineRepr, CurveGroup, PrimeGroup};
use ark_ff::{BigInteger, PrimeField, UniformRand, Zero};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The CUDA program's sources (`main.cu` and the headers it includes).
pub fn source_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("gpu")
}

/// Builds the emulation binary of the GPU program with the host C++ compiler (`$CXX`, else
/// `g++`) into `out_dir`, and returns its path. The compiler writes a file of this process's own
/// and renames it into place, so that processes building and running it side by side (the test
/// runner runs each test in its own process) only ever run a complete binary.
pub fn build_emulated(out_dir: &Path) -> Result<PathBuf, String> {
    std::fs::create_dir_all(out_dir).map_err(|e| format!("{}: {e}", out_dir.display()))?;
    let bin = out_dir.join("gpu_baseline_emulated");
    let partial = out_dir.join(format!("gpu_baseline_emulated.{}.partial", std::process::id()));
    let cxx = std::env::var("CXX").unwrap_or_else(|_| "g++".into());
    let out = Command::new(&cxx)
        .args(["-x", "c++", "-std=c++17", "-O2", "-Wall", "-Wextra", "-Werror", "-o"])
        .arg(&partial)
        .arg(source_dir().join("main.cu"))
        .output()
        .map_err(|e| format!("cannot run {cxx}: {e}"))?;
    if !out.status.success() {
        let _ = std::fs::remove_file(&partial);
        return Err(format!("{cxx} failed:\n{}", String::from_utf8_lossy(&out.stderr)));
    }
    std::fs::rename(&partial, &bin).map_err(|e| format!("{} → {}: {e}", partial.display(), bin.display()))?;
    Ok(bin)
}

fn field_bytes<F: PrimeField>(v: &F) -> Vec<u8> {
    let mut b = v.into_bigint().to_bytes_le();
    b.resize(32, 0);
    b
}

fn field_from<F: PrimeField>(b: &[u8]) -> Result<F, String> {
    let v = F::from_le_bytes_mod_order(b);
    if field_bytes(&v) != b {
        return Err("value not below the modulus".into());
    }
    Ok(v)
}

/// Points in the program's format.
pub fn points_bytes(points: &[G1Affine]) -> Vec<u8> {
    let mut out = Vec::with_capacity(points.len() * 64);
    for p in points {
        let (x, y) = p.xy().unwrap_or((Fq::zero(), Fq::zero()));
        out.extend(field_bytes(&x));
        out.extend(field_bytes(&y));
    }
    out
}

/// Field elements (NTT values) in the program's format: canonical.
pub fn fr_bytes(values: &[Fr]) -> Vec<u8> {
    values.iter().flat_map(field_bytes).collect()
}

/// Scalars in the program's MSM format: Montgomery form, the limbs arkworks holds (the GPU
/// converts them inside the timed MSM, as the CPU kernel does).
pub fn scalar_bytes(scalars: &[Fr]) -> Vec<u8> {
    scalars.iter().flat_map(|s| s.0.to_bytes_le()).collect()
}

/// A point the program wrote (64 bytes), checked to be on the curve and in G1.
pub fn point_from_bytes(b: &[u8]) -> Result<G1Affine, String> {
    if b.len() != 64 {
        return Err(format!("a point is 64 bytes, got {}", b.len()));
    }
    let (x, y) = (field_from::<Fq>(&b[..32])?, field_from::<Fq>(&b[32..])?);
    if x.is_zero() && y.is_zero() {
        return Ok(G1Affine::zero());
    }
    let p = G1Affine::new_unchecked(x, y);
    if !p.is_on_curve() || !p.is_in_correct_subgroup_assuming_on_curve() {
        return Err("the program's point is not in G1".into());
    }
    Ok(p)
}

/// Field elements the program wrote.
pub fn fr_from_bytes(b: &[u8]) -> Result<Vec<Fr>, String> {
    if !b.len().is_multiple_of(32) {
        return Err(format!("{} bytes is not a whole number of field elements", b.len()));
    }
    b.chunks(32).map(field_from::<Fr>).collect()
}

/// The `key=value` fields of the program's timing line (a quoted value may hold spaces).
#[derive(Clone, Debug, Default)]
pub struct RunLine(pub BTreeMap<String, String>);

impl RunLine {
    /// Parses one line: whitespace-separated `key=value` tokens, a value in double quotes may hold
    /// spaces; tokens without `=` (the command's name) are skipped.
    pub fn parse(line: &str) -> RunLine {
        let mut map = BTreeMap::new();
        let mut rest = line.trim_start();
        while !rest.is_empty() {
            let word_end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            let token_end = match rest[..word_end].find("=\"") {
                Some(q) => rest[q + 2..].find('"').map(|i| q + 2 + i + 1).unwrap_or(rest.len()),
                None => word_end,
            };
            if let Some((k, v)) = rest[..token_end].split_once('=') {
                map.insert(k.to_string(), v.trim_matches('"').to_string());
            }
            rest = rest[token_end..].trim_start();
        }
        RunLine(map)
    }
    /// A numeric field.
    pub fn num(&self, key: &str) -> Result<f64, String> {
        self.0.get(key).ok_or_else(|| format!("no {key} in the program's line"))?.parse().map_err(|_| format!("bad {key}"))
    }
    /// A text field.
    pub fn text(&self, key: &str) -> &str {
        self.0.get(key).map(String::as_str).unwrap_or("")
    }
}

fn run_program(bin: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new(bin).args(args).output().map_err(|e| format!("cannot run {}: {e}", bin.display()))?;
    if !out.status.success() {
        return Err(format!("{} {} failed ({}): {}", bin.display(), args.join(" "), out.status, String::from_utf8_lossy(&out.stderr).trim()));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn path_str(p: &Path) -> Result<&str, String> {
    p.to_str().ok_or_else(|| format!("path not UTF-8: {}", p.display()))
}

/// Runs the program's self-test (field constants, root of unity).
pub fn self_test(bin: &Path) -> Result<(), String> {
    let out = run_program(bin, &["self-test"])?;
    if !out.contains("ok=1") {
        return Err(format!("self-test failed: {out}"));
    }
    Ok(())
}

/// One MSM on the GPU program: `Σ scalars[i]·bases[i]` with window size `c`, `reps` repetitions
/// (the bases loaded once). Files go to `dir`.
pub fn gpu_msm(bin: &Path, dir: &Path, bases: &[G1Affine], scalars: &[Fr], c: u32, reps: u32) -> Result<(G1Affine, RunLine), String> {
    let (pp, sp, op) = (dir.join("points.bin"), dir.join("scalars.bin"), dir.join("msm_out.bin"));
    std::fs::write(&pp, points_bytes(bases)).map_err(|e| e.to_string())?;
    std::fs::write(&sp, scalar_bytes(scalars)).map_err(|e| e.to_string())?;
    let _ = std::fs::remove_file(&op);
    let line = run_program(bin, &["msm", path_str(&pp)?, path_str(&sp)?, &c.to_string(), &reps.to_string(), path_str(&op)?])?;
    let point = point_from_bytes(&std::fs::read(&op).map_err(|e| e.to_string())?)?;
    Ok((point, RunLine::parse(&line)))
}

/// One forward NTT (natural order in and out) on the GPU program.
pub fn gpu_ntt(bin: &Path, dir: &Path, values: &[Fr], reps: u32) -> Result<(Vec<Fr>, RunLine), String> {
    let (ip, op) = (dir.join("ntt_in.bin"), dir.join("ntt_out.bin"));
    std::fs::write(&ip, fr_bytes(values)).map_err(|e| e.to_string())?;
    let _ = std::fs::remove_file(&op);
    let line = run_program(bin, &["ntt", path_str(&ip)?, &reps.to_string(), path_str(&op)?])?;
    let out = fr_from_bytes(&std::fs::read(&op).map_err(|e| e.to_string())?)?;
    if out.len() != values.len() {
        return Err(format!("the program returned {} values for {}", out.len(), values.len()));
    }
    Ok((out, RunLine::parse(&line)))
}

/// The window size the baseline uses for `2^log_n` points (about `log n − 3`, 4..=16).
pub fn default_c(log_n: u32) -> u32 {
    log_n.saturating_sub(3).clamp(4, 16)
}

/// `n` pseudo-random G1 points from `seed`: per chunk a random multiple of the generator, then
/// repeated additions of a random point, normalized together (fast for millions of points).
pub fn random_bases(n: usize, seed: u64) -> Vec<G1Affine> {
    const CHUNK: usize = 1 << 14;
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let step = G1Projective::generator() * Fr::rand(&mut rng);
    let starts: Vec<Fr> = (0..n.div_ceil(CHUNK)).map(|_| Fr::rand(&mut rng)).collect();
    starts
        .par_iter()
        .enumerate()
        .flat_map_iter(|(i, s)| {
            let len = CHUNK.min(n - i * CHUNK);
            let mut p = G1Projective::generator() * s;
            let proj: Vec<G1Projective> = (0..len)
                .map(|_| {
                    let q = p;
                    p += step;
                    q
                })
                .collect();
            G1Projective::normalize_batch(&proj)
        })
        .collect()
}

/// `n` pseudo-random scalars from `seed`.
pub fn random_scalars(n: usize, seed: u64) -> Vec<Fr> {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    (0..n).map(|_| Fr::rand(&mut rng)).collect()
}
