//! Faults on command: a test (or the campaign) writes lines to the control file, the emulator
//! takes them (and empties the file) between commands. A line is `<class> [after=<k>]`: the fault
//! fires on the `k+1`-th eligible command from then on (default `k = 0`). Each firing is reported
//! on stdout as `fired <class> at command <n>`.
//!
//! | class | what the card does |
//! |---|---|
//! | `kill` | the emulator process is killed (SIGKILL) after taking the command's input |
//! | `stall` | takes the input, then never answers (until a reset) |
//! | `gone` | surprise removal: every BAR byte reads all ones from then on |
//! | `error` | answers, with error bit 1 (bad parameters) in `STATUS` |
//! | `flip` | flips one bit of the result (commands with a result only) |
//! | `short` | sends only half of the result, then completes (commands with a result only) |
//! | `digits` | flips one bit of the digits an MSM accumulation receives: it sums other digits than the host's, every point it returns on the curve (MSM accumulations only) |

use std::path::Path;

/// A fault class.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FaultClass {
    Kill,
    Stall,
    Gone,
    Error,
    Flip,
    Short,
    Digits,
}

impl FaultClass {
    pub const ALL: [FaultClass; 7] = [Self::Kill, Self::Stall, Self::Gone, Self::Error, Self::Flip, Self::Short, Self::Digits];

    pub fn name(self) -> &'static str {
        match self {
            Self::Kill => "kill",
            Self::Stall => "stall",
            Self::Gone => "gone",
            Self::Error => "error",
            Self::Flip => "flip",
            Self::Short => "short",
            Self::Digits => "digits",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.name() == s)
    }

    /// Whether the fault needs a command with a result.
    pub fn needs_result(self) -> bool {
        matches!(self, Self::Flip | Self::Short)
    }

    /// Whether the fault can fire on a command (`has_result`: it streams a result back;
    /// `accumulates`: an MSM accumulation, whose input is digits).
    pub fn eligible(self, has_result: bool, accumulates: bool) -> bool {
        match self {
            Self::Digits => accumulates,
            c => has_result || !c.needs_result(),
        }
    }
}

/// An armed fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Armed {
    pub class: FaultClass,
    /// Eligible commands still to pass before it fires.
    pub after: u64,
}

/// Parses the control file's lines; a bad line is reported on stderr and skipped.
pub fn parse(text: &str) -> Vec<Armed> {
    let mut out = vec![];
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let mut words = line.split_whitespace();
        let class = words.next().and_then(FaultClass::parse);
        let after = match words.next() {
            None => Some(0),
            Some(w) => w.strip_prefix("after=").and_then(|k| k.parse().ok()),
        };
        match (class, after) {
            (Some(class), Some(after)) => out.push(Armed { class, after }),
            _ => eprintln!("zkaccel-card-emu: ignoring control line '{line}' (expected '<kill|stall|gone|error|flip|short|digits> [after=<k>]')"),
        }
    }
    out
}

/// Takes the control file's commands (and empties it).
pub fn take(path: &Path) -> Vec<Armed> {
    match std::fs::read_to_string(path) {
        Ok(t) if !t.trim().is_empty() => {
            let _ = std::fs::write(path, "");
            parse(&t)
        }
        _ => vec![],
    }
}

/// The faults waiting to fire.
#[derive(Default)]
pub struct FaultQueue {
    armed: Vec<Armed>,
}

impl FaultQueue {
    pub fn add(&mut self, a: impl IntoIterator<Item = Armed>) {
        self.armed.extend(a);
    }

    /// The fault that fires on this command (`has_result`: it streams a result back;
    /// `accumulates`: an MSM accumulation), if any; counts the command for every other armed fault
    /// it is eligible for.
    pub fn on_command(&mut self, has_result: bool, accumulates: bool) -> Option<FaultClass> {
        let mut fired = None;
        self.armed.retain_mut(|a| {
            if !a.class.eligible(has_result, accumulates) {
                return true;
            }
            if a.after == 0 && fired.is_none() {
                fired = Some(a.class);
                return false;
            }
            a.after = a.after.saturating_sub(1);
            true
        });
        fired
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_lines_arm_faults_that_fire_on_the_right_command() {
        let armed = parse("stall after=2\nflip\n  \nbogus\nshort after=x\n");
        assert_eq!(armed, vec![Armed { class: FaultClass::Stall, after: 2 }, Armed { class: FaultClass::Flip, after: 0 }]);
        let mut q = FaultQueue::default();
        q.add(armed);
        // A load (no result): the flip waits, the stall counts down.
        assert_eq!(q.on_command(false, false), None);
        assert_eq!(q.on_command(true, false), Some(FaultClass::Flip));
        assert_eq!(q.on_command(true, false), Some(FaultClass::Stall));
        assert_eq!(q.on_command(true, false), None);
        // digits: only an MSM accumulation counts and fires.
        q.add(parse("digits after=1"));
        assert_eq!(q.on_command(true, false), None);
        assert_eq!(q.on_command(false, true), None);
        assert_eq!(q.on_command(true, false), None);
        assert_eq!(q.on_command(true, true), Some(FaultClass::Digits));
    }
}
