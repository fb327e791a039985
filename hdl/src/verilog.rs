//! Verilog emission and a Yosys structural check for any rust-hdl block.

use rust_hdl::prelude::*;
use std::path::PathBuf;
use std::process::Command;

/// Connects a block and emits its Verilog (top module `top`, one module per sub-block).
pub fn generate<U: Block>(uut: &mut U) -> String {
    uut.connect_all();
    generate_verilog(uut)
}

/// An error from the Yosys check.
#[derive(Debug, thiserror::Error)]
pub enum YosysError {
    /// Yosys could not be started (not installed: run `scripts/install-deps.sh`).
    #[error("cannot run yosys ({0}); install it with scripts/install-deps.sh")]
    Missing(std::io::Error),
    /// Yosys rejected the design.
    #[error("yosys rejected {name}: {log}")]
    Rejected {
        /// Block name.
        name: String,
        /// Tail of Yosys' output.
        log: String,
    },
    /// Writing the Verilog to disk failed.
    #[error("cannot write {0}: {1}")]
    Io(PathBuf, std::io::Error),
}

/// Elaborates `vlog` in Yosys (`hierarchy -check`, `proc`, `check -assert`): undriven wires,
/// multiple drivers, combinational loops and unknown modules are errors.
pub fn yosys_check(name: &str, vlog: &str) -> Result<(), YosysError> {
    let dir = std::env::temp_dir().join(format!("zkaccel-yosys-{}-{}", name, std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| YosysError::Io(dir.clone(), e))?;
    let file = dir.join("top.v");
    std::fs::write(&file, vlog).map_err(|e| YosysError::Io(file.clone(), e))?;
    let out = Command::new("yosys")
        .arg("-q")
        .arg("-p")
        .arg("read_verilog top.v; hierarchy -check -top top; proc; flatten; opt_clean; check -assert")
        .current_dir(&dir)
        .output()
        .map_err(YosysError::Missing)?;
    let _ = std::fs::remove_dir_all(&dir);
    if out.status.success() {
        Ok(())
    } else {
        let mut log = String::from_utf8_lossy(&out.stdout).into_owned();
        log.push_str(&String::from_utf8_lossy(&out.stderr));
        let tail: String = log.lines().rev().take(30).collect::<Vec<_>>().into_iter().rev().collect::<Vec<_>>().join("\n");
        Err(YosysError::Rejected { name: name.into(), log: tail })
    }
}
