//! zkaccel host driver: everything between the prover's `Backend` seam and a card.
//!
//! * [`regs`] — the register map (from `zkaccel-interface`, the one source of truth for card and
//!   host);
//! * [`device::Device`] — what every card provides: 32-bit register access, a host-to-card and a
//!   card-to-host stream, completion by doorbell sequence number with a timeout, reset,
//!   identification;
//! * [`msm`] — the host side of the MSM kernel over any [`device::Device`]: resident bases in card
//!   memory by `BasesId`, MSMs that stream signed digits, bucket reduction on the host;
//! * [`lookup`] — the host side of the lookup kernel (multiplicity counts, batch inversion with
//!   the host's inversion of the chain products between the two passes);
//! * [`ntt`] — the host side of the NTT kernel over any [`device::Device`], including the
//!   four-step schedule for sizes beyond the card's buffer;
//! * [`accel::AccelBackend`] — the prover's `Backend` over one or more devices: card when it can,
//!   every card result checked, the CPU as fallback, a per-kernel profile;
//! * [`open`] — `--device auto|cpu|sim|pcie:<BDF>`;
//! * `fault_injection::FaultyDevice` (feature `test-utils`, tests only) — a device wrapper that
//!   hangs, reports errors, corrupts results or vanishes on command;
//! * `sim_card::SimCard` (feature `sim`) — a card whose kernels are the Verilator models of the
//!   RTL, behind the very same interface.
//!
//! * `pcie::PcieCard` (feature `pcie`) — a real card through sysfs, BAR mappings and the XDMA
//!   driver's character devices (or a BAR window), under configurable sysfs and /dev roots
//!   ([`roots`], also used by the bitstream loader's PCI steps in every build).
//!
//! The default build has no simulation dependencies.

pub mod accel;
pub mod device;
#[cfg(feature = "test-utils")]
pub mod fault_injection;
pub mod load;
pub mod lookup;
pub mod msm;
pub mod ntt;
pub mod open;
#[cfg(feature = "pcie")]
pub mod pcie;
pub mod roots;
#[cfg(feature = "sim")]
pub mod sim_card;

pub use device::{Device, DeviceError, Identity};
pub use zkaccel_interface::regs;
