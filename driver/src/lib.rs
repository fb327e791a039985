//! zkaccel host driver.
//!
//! * [`regs`] — the register map, the one source of truth for card and host;
//! * [`device::Device`] — what every card backend provides: 32-bit register access, a host-to-card
//!   and a card-to-host stream, completion by doorbell sequence number with a timeout, reset,
//!   identification;
//! * [`sim_card::SimCard`] — a card whose kernels are the Verilator models of the RTL, behind the
//!   very same interface (its register file is modelled in Rust);
//! * [`ntt`] — the host side of the NTT kernel over any [`device::Device`], including the
//!   four-step schedule for sizes beyond the card's buffer.
//!
//! The PCIe backend (BAR through `memmap2`, DMA through XDMA character devices) is not written yet.

pub mod device;
pub mod ntt;
pub mod regs;
pub mod sim_card;

pub use device::{Device, DeviceError, Identity};
