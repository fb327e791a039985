//! The card tops that bitstream builds synthesize, by name: what `bitstreams/synth.py` (card
//! reports, manifests, vendor flows) and the manifest test ask for. A build is a top
//! ([`CardTop`]) and a [`CardConfig`]; its Verilog (top module `top`) is what a manifest's
//! `rtl.verilog_sha256` hashes.

use crate::card::config::CardConfig;
use crate::card::{CardCore, CardFull};
use crate::verilog::generate;

/// The NTT core of a card with a `2^ntt_k`-point buffer on its own (top module `top`), for the
/// per-kernel rows of the whole-card resource report. `None` outside `3..=15`.
pub fn ntt_core_verilog(ntt_k: usize) -> Option<String> {
    (3..=15).contains(&ntt_k).then(|| generate(&mut crate::ntt::NttCore::new(ntt_k)))
}

/// Which card top a build synthesizes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CardTop {
    /// [`CardFull`]: the whole card, G1 adder included (what a bitstream contains).
    Full,
    /// [`CardCore`]: the card with the G1 adder port outside (synthesis of the card without the
    /// adder, to report the adder separately).
    Core,
    /// [`CardCore`] built as [`CardConfig::small`]: the NTT kernel alone on the digit-serial
    /// multiplier (the ECP5-85F build); only `ntt_k` of the configuration counts.
    Small,
}

impl CardTop {
    /// The name used in manifests and on the command line (`card_full`, `card_core`).
    pub fn name(self) -> &'static str {
        match self {
            CardTop::Full => "card_full",
            CardTop::Core => "card_core",
            CardTop::Small => "card_small",
        }
    }

    /// The configuration `top` is built with from `cfg`: `cfg` itself, or for [`CardTop::Small`]
    /// the small card of `cfg.ntt_k` points.
    pub fn config(self, cfg: &CardConfig) -> CardConfig {
        match self {
            CardTop::Full | CardTop::Core => *cfg,
            CardTop::Small => CardConfig::small(cfg.ntt_k),
        }
    }

    /// The top named `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "card_full" => Some(CardTop::Full),
            "card_core" => Some(CardTop::Core),
            "card_small" => Some(CardTop::Small),
            _ => None,
        }
    }
}

/// The Verilog of `top` built for `cfg`. `None` when `cfg` is outside what the card accepts
/// (NTT buffer `2^3..=2^15`, bucket memory `2^1..=2^16`).
pub fn card_verilog(top: CardTop, cfg: &CardConfig) -> Option<String> {
    let cfg = top.config(cfg);
    if !(3..=15).contains(&cfg.ntt_k) || !(1..=16).contains(&cfg.msm_log_depth) {
        return None;
    }
    Some(match top {
        CardTop::Full => generate(&mut CardFull::new(&cfg)),
        CardTop::Core | CardTop::Small => generate(&mut CardCore::new(&cfg)),
    })
}
