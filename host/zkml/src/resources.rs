//! The resources a circuit needs (rows, key sizes, memory of `setup` and `prove`), estimated
//! from its declarations before any row is laid out, and the memory this process may really use
//! (the smallest of the kernel's `MemAvailable`, the address-space limit `RLIMIT_AS` and the
//! cgroup's `memory.max` less its current use). `setup` and `prove` refuse (exit 7) a circuit
//! whose estimate exceeds that, unless `--force`, rather than abort on a failed allocation.
//!
//! The memory model (bytes; n = 2^k rows, E the extended-coset size, F/S/A/I the fixed, σ,
//! advice and instance columns, L the lookups, P the permutation's committed products, 32 bytes
//! a field element, 72 an affine G1 point in memory):
//! * proving key in memory: (F + S)·(2n + E)·32 + E·32 (L₀) + (n + srs_degree + 1)·72;
//! * `setup`: the SRS (srs_degree + 1)·72, the layout (A + F)·n·32 and the σ values S·n·32,
//!   plus the proving key;
//! * `prove`: the proving key, the witness A·n·32, and per committed witness polynomial
//!   (A + P + 3·L: multiplicities, running sum, and the compressed inputs) its values,
//!   coefficients and coset evaluations (2n + E)·32, plus the quotient's 2·E·32.
//!
//! Temporaries and the allocator are covered by a factor 1.5 and the process itself by 64 MiB.
//! It is an estimate meant to catch circuits that cannot fit, not to predict the peak to the
//! byte. On the bundled MLP (2^13 rows, debug build) it gives setup 160 MiB and prove 274 MiB
//! against a measured peak RSS of 116 MB and 226 MB (`/usr/bin/time -f %M`).

use zkaccel::plonk::{ConstraintSystem, Shape};

use crate::error::{Error, Result};
use crate::exit_code::ExitCode;

/// A circuit's estimated size.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Estimate {
    pub k: u32,
    pub rows: u64,
    pub ext_rows: u64,
    pub fixed_columns: usize,
    pub advice_columns: usize,
    pub instance_columns: usize,
    pub permutation_columns: usize,
    pub lookups: usize,
    pub srs_degree: u64,
    pub pk_file_bytes: u64,
    pub vk_file_bytes: u64,
    pub setup_memory_bytes: u64,
    pub prove_memory_bytes: u64,
    /// `mock`: the laid-out columns, their padded copies in the row checker, and the lookups'
    /// evaluated inputs and multiplicities.
    pub mock_memory_bytes: u64,
}

const FR: u64 = 32;
const G1_MEM: u64 = 72;
const G1_FILE: u64 = 64;
/// The process before any circuit: binary, model, tract.
const BASE: u64 = 64 << 20;

/// Estimates the sizes of the circuit `cs` on 2^k rows.
pub fn estimate(cs: &ConstraintSystem, k: u32) -> Result<Estimate> {
    let shape = Shape::new(cs, k).map_err(|e| Error::bad_input(format!("the circuit does not fit: {e}")))?;
    let n = shape.n as u64;
    let e = n << (shape.ext_k - shape.k);
    let (f, s, a) = (cs.num_fixed as u64, cs.permutation.len() as u64, cs.num_advice as u64);
    let l = cs.lookups.len() as u64;
    let p = shape.perm_chunks as u64;
    let srs = shape.srs_degree as u64 + 1;
    // A saturating sum of products: hostile sizes give u64::MAX, never a wrap.
    let m = |x: u64, y: u64| x.saturating_mul(y);
    let pk_mem = m(f + s, m(2 * n + e, FR)).saturating_add(m(e, FR)).saturating_add(m(n + srs, G1_MEM));
    let vk_file = 64 + m(f + s, G1_FILE) + 64 + 2 * 128 + 4096;
    let pk_file = vk_file.saturating_add(m(f + s, m(n, FR))).saturating_add(m(n + srs + 8, G1_FILE));
    let setup = pk_mem.saturating_add(m(srs, G1_MEM)).saturating_add(m(a + f + s, m(n, FR)));
    let prove = pk_mem.saturating_add(m(a, m(n, FR))).saturating_add(m(a + p + 3 * l, m(2 * n + e, FR))).saturating_add(m(2 * e, FR));
    let i = cs.num_instance as u64;
    let mock = m(2 * (f + a + i) + 4 * l, m(n, FR));
    // Temporaries and the allocator: ×1.5, plus the process itself (binary, model, tract).
    let margin = |x: u64| x.saturating_add(x / 2).saturating_add(BASE);
    Ok(Estimate {
        k,
        rows: n,
        ext_rows: e,
        fixed_columns: cs.num_fixed,
        advice_columns: cs.num_advice,
        instance_columns: cs.num_instance,
        permutation_columns: cs.permutation.len(),
        lookups: cs.lookups.len(),
        srs_degree: shape.srs_degree as u64,
        pk_file_bytes: pk_file,
        vk_file_bytes: vk_file,
        setup_memory_bytes: margin(setup),
        prove_memory_bytes: margin(prove),
        mock_memory_bytes: margin(mock),
    })
}

/// How much memory this process may use, and which limit set it.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Available {
    pub bytes: u64,
    /// e.g. "MemAvailable 20.1 GiB, RLIMIT_AS unlimited, cgroup unlimited".
    pub limits: String,
}

fn mem_available() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb.saturating_mul(1024))
}

fn rlimit_as() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = text.lines().find(|l| l.starts_with("Max address space"))?;
    // "Max address space   <soft>   <hard>   bytes"
    line["Max address space".len()..].split_whitespace().next()?.parse().ok()
}

fn cgroup_limit() -> Option<u64> {
    // cgroup v2: the process's own group from /proc/self/cgroup ("0::/path").
    let own = std::fs::read_to_string("/proc/self/cgroup").ok().and_then(|t| t.lines().find_map(|l| l.strip_prefix("0::").map(str::to_string)));
    let mut dirs = vec![];
    if let Some(p) = own {
        dirs.push(format!("/sys/fs/cgroup{}", p.trim_end_matches('/')));
    }
    dirs.push("/sys/fs/cgroup".into());
    for d in dirs {
        if let Ok(max) = std::fs::read_to_string(format!("{d}/memory.max")) {
            let max = max.trim();
            if max == "max" {
                return None;
            }
            let max: u64 = max.parse().ok()?;
            let cur: u64 = std::fs::read_to_string(format!("{d}/memory.current")).ok().and_then(|c| c.trim().parse().ok()).unwrap_or(0);
            return Some(max.saturating_sub(cur));
        }
    }
    // cgroup v1.
    let max: u64 = std::fs::read_to_string("/sys/fs/cgroup/memory/memory.limit_in_bytes").ok()?.trim().parse().ok()?;
    let cur: u64 = std::fs::read_to_string("/sys/fs/cgroup/memory/memory.usage_in_bytes").ok().and_then(|c| c.trim().parse().ok()).unwrap_or(0);
    (max < (1u64 << 60)).then(|| max.saturating_sub(cur))
}

/// Bytes as GiB for people.
pub fn gib(b: u64) -> String {
    format!("{:.2} GiB", b as f64 / (1u64 << 30) as f64)
}

/// The memory this process may use now.
pub fn available() -> Available {
    let parts = [("MemAvailable", mem_available()), ("RLIMIT_AS", rlimit_as()), ("cgroup memory.max − current", cgroup_limit())];
    let bytes = parts.iter().filter_map(|(_, v)| *v).min().unwrap_or(u64::MAX);
    let limits = parts.iter().map(|(what, v)| format!("{what} {}", v.map(gib).unwrap_or_else(|| "unlimited".into()))).collect::<Vec<_>>().join(", ");
    Available { bytes, limits }
}

/// Refuses to evaluate `graph` (`step`: the verb) when the values one evaluation holds at once
/// ([`zkaccel_onnx::Graph::evaluation_elements`], 8 bytes each: an `f64` or an `i64`) exceed
/// what the process may use (exit 7). That count is a lower bound of the evaluation's memory, so
/// there is no `--force`: past it the evaluation can only abort on a failed allocation.
pub fn check_evaluation(step: &str, graph: &zkaccel_onnx::Graph) -> Result<()> {
    let values = graph.evaluation_elements() as u64;
    let need = values.saturating_mul(8);
    let have = available();
    if need <= have.bytes {
        return Ok(());
    }
    Err(Error::new(
        ExitCode::Resources,
        format!(
            "{step} evaluates the model, which holds {values} values at once (at least {}: its inputs and every node's output), \
             and this process may use {} ({}); refusing rather than abort on a failed allocation (a smaller model or input, or more memory)",
            gib(need),
            gib(have.bytes),
            have.limits
        ),
    ))
}

/// Refuses a step whose estimated memory exceeds what the process may use (exit 7), unless
/// `force`; returns a note to print when forced past the limit.
pub fn check(step: &str, need: u64, force: bool) -> Result<Option<String>> {
    let have = available();
    if need <= have.bytes {
        return Ok(None);
    }
    let msg = format!(
        "{step} needs an estimated {} of memory, this process may use {} ({}); refusing rather than abort on a failed allocation \
         (free memory, raise the limit, use a smaller circuit — fewer lookup bits or rows — or pass --force to try anyway)",
        gib(need),
        gib(have.bytes),
        have.limits
    );
    if force {
        return Ok(Some(format!("warning (--force): {msg}")));
    }
    Err(Error::new(ExitCode::Resources, msg))
}
