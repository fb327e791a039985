//! Issue 20's robustness tests (a module of the crate's test binary): hostile command
//! lines and paths, atomic writes (`files`), what `verify` shows is bound by the key
//! (`binding`), hostile sizes and the resource check (`limits`), property tests of the files
//! (`props`), and the saved fuzz inputs (`fuzz_regressions`).

use crate::common;
#[allow(dead_code)]
#[path = "../../../../fuzz/src/targets.rs"]
mod targets;

mod binding;
use common::cli;
mod files;
mod fuzz_regressions;
mod hostile;
mod limits;
mod props;
