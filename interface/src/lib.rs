//! The zkaccel card's interface (`docs/interfaces.md`), with no hardware dependencies, so that the
//! RTL card top (`zkaccel-hdl`), the driver and the simulated card all take it from one place:
//!
//! * [`regs`] — the register map (BAR0 offsets, kernel bits, status bits, versions);
//! * [`wire`] — field elements and points on the card's streams (32-byte little-endian Montgomery
//!   form, radix 2^256; bucket words `X ‖ Y ‖ Z`);
//! * [`ntt`] — the parameters of one NTT command (inverse, coset shift);
//! * [`lookup`] — the lookup kernel's stream formats and batch layout.

pub mod lookup;
pub mod ntt;
pub mod regs;
pub mod wire;
