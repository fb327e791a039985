//! The card's register map (BAR0, 32-bit little-endian registers at 4-byte offsets), following
//! `docs/interfaces.md` §5: parameters are written first, then the doorbell with a new sequence
//! number; the card copies that number to `DONE_SEQ` when the command has finished. No register
//! clears on read; `STATUS` error bits are sticky until the next doorbell; an `ID` of
//! `0xffff_ffff` means the device is gone (a PCIe read of a missing device returns all ones).

/// Version of this register map; cards report theirs in [`Reg::Version`].
pub const REGMAP_VERSION: u32 = 2;
/// Value of [`Reg::Id`] on a zkaccel card ("zkac").
pub const CARD_ID: u32 = 0x7a6b_6163;
/// What a read of a vanished PCIe device returns.
pub const GONE: u32 = 0xffff_ffff;

/// Register offsets in BAR0.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reg {
    /// [`CARD_ID`].
    Id = 0x00,
    /// [`REGMAP_VERSION`] of the bitstream.
    Version = 0x04,
    /// Bit mask of [`Kernel`]s in the bitstream.
    Kernels = 0x08,
    /// Kernel clock in kHz.
    ClockKhz = 0x0c,
    /// Write a new sequence number to start the command set up in the parameter registers.
    Doorbell = 0x10,
    /// The sequence number of the last finished command.
    DoneSeq = 0x14,
    /// Sticky error bits ([`Status`]) of the last command.
    Status = 0x18,
    /// Which kernel the next doorbell starts ([`Kernel`] bit).
    Command = 0x1c,
    /// Kernel clock cycles since power-up, low word (free-running; read `CyclesHi`, then
    /// `CyclesLo`, then `CyclesHi` again and retry when the high word changed).
    CyclesLo = 0x20,
    /// Kernel clock cycles since power-up, high word.
    CyclesHi = 0x24,
    /// NTT: `log2` of the transform size.
    NttLogN = 0x40,
    /// NTT: [`NttFlags`].
    NttFlags = 0x44,
    /// NTT: the coset shift, 8 words, least significant first (wire format), at 0x48..0x64.
    NttShift0 = 0x48,
    /// NTT: `K`, the buffer size of the kernel is `2^K` points (read only).
    NttMaxLogN = 0x68,
}

impl Reg {
    /// The byte offset.
    pub const fn offset(self) -> u32 {
        self as u32
    }

    /// Registers the host may only read (writes are ignored by the card).
    pub const READ_ONLY: [Reg; 9] =
        [Reg::Id, Reg::Version, Reg::Kernels, Reg::ClockKhz, Reg::DoneSeq, Reg::Status, Reg::CyclesLo, Reg::CyclesHi, Reg::NttMaxLogN];
}

/// Kernels a bitstream may contain.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kernel {
    /// Number-theoretic transform over Fr.
    Ntt = 1,
    /// Multi-scalar multiplication on G1.
    Msm = 2,
    /// Lookup helpers.
    Lookup = 4,
}

/// Bits of [`Reg::NttFlags`].
pub struct NttFlags;
impl NttFlags {
    /// Inverse transform (scaled by 1/n).
    pub const INVERSE: u32 = 1;
    /// Coset transform with the shift in `NttShift*`.
    pub const COSET: u32 = 2;
}

/// Bits of [`Reg::Status`].
pub struct Status;
impl Status {
    /// The kernel rejected its parameters (e.g. a size outside its buffer).
    pub const BAD_PARAMS: u32 = 1;
    /// The input stream's `last` marker was not on the expected element.
    pub const STREAM_FRAMING: u32 = 2;
    /// The command names a kernel the bitstream does not have.
    pub const NO_KERNEL: u32 = 4;
}
