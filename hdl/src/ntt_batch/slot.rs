//! One transform buffer ("slot") of the batch NTT core: `2^K` points in four simple dual-port
//! banks of `2^K / 4` words, with the port sharing the core's schedule allows.
//!
//! Element `a` of a `2^k`-point transform lives in bank `(a_{k−1}, parity(a mod 2^{k−1}))` at word
//! `(a mod 2^{k−1}) >> 1` (see [`super::bank_of`]). Per bank and cycle: one read (the butterfly
//! read when `c_sel`, else the unloader's word `u_addr`) and one write (the butterfly write-back
//! when `w_sel` and the bank's `w_en`, else the loader's word when `l_sel` and `l_bank` is this
//! bank). The core never asks for two reads or two writes of one bank in one cycle: see
//! `NOTES.md`, "Bank conflicts avoided".

use crate::memory::ram::Ram;
use rust_hdl::prelude::*;

/// Four banks of one slot and their port multiplexers.
#[derive(LogicBlock)]
pub struct SlotBanks {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// The butterfly read uses this slot this cycle.
    pub c_sel: Signal<In, Bit>,
    /// Butterfly read word, bank 0.
    pub c_addr0: Signal<In, Bits<16>>,
    /// Butterfly read word, bank 1.
    pub c_addr1: Signal<In, Bits<16>>,
    /// Butterfly read word, bank 2.
    pub c_addr2: Signal<In, Bits<16>>,
    /// Butterfly read word, bank 3.
    pub c_addr3: Signal<In, Bits<16>>,
    /// Unloader read word (every bank; the core picks the bank's data).
    pub u_addr: Signal<In, Bits<16>>,
    /// The butterfly write-back goes to this slot this cycle.
    pub w_sel: Signal<In, Bit>,
    /// Write-back enables per bank.
    pub w_en0: Signal<In, Bit>,
    /// Write-back enable, bank 1.
    pub w_en1: Signal<In, Bit>,
    /// Write-back enable, bank 2.
    pub w_en2: Signal<In, Bit>,
    /// Write-back enable, bank 3.
    pub w_en3: Signal<In, Bit>,
    /// Write-back word, bank 0.
    pub w_addr0: Signal<In, Bits<16>>,
    /// Write-back word, bank 1.
    pub w_addr1: Signal<In, Bits<16>>,
    /// Write-back word, bank 2.
    pub w_addr2: Signal<In, Bits<16>>,
    /// Write-back word, bank 3.
    pub w_addr3: Signal<In, Bits<16>>,
    /// Write-back data, bank 0.
    pub w_data0: Signal<In, Bits<256>>,
    /// Write-back data, bank 1.
    pub w_data1: Signal<In, Bits<256>>,
    /// Write-back data, bank 2.
    pub w_data2: Signal<In, Bits<256>>,
    /// Write-back data, bank 3.
    pub w_data3: Signal<In, Bits<256>>,
    /// The loader writes this slot this cycle.
    pub l_sel: Signal<In, Bit>,
    /// Loader bank.
    pub l_bank: Signal<In, Bits<2>>,
    /// Loader word.
    pub l_addr: Signal<In, Bits<16>>,
    /// Loader data.
    pub l_data: Signal<In, Bits<256>>,
    /// Registered read data, bank 0.
    pub rdata0: Signal<Out, Bits<256>>,
    /// Registered read data, bank 1.
    pub rdata1: Signal<Out, Bits<256>>,
    /// Registered read data, bank 2.
    pub rdata2: Signal<Out, Bits<256>>,
    /// Registered read data, bank 3.
    pub rdata3: Signal<Out, Bits<256>>,
    b0: Ram<256>,
    b1: Ram<256>,
    b2: Ram<256>,
    b3: Ram<256>,
}

impl SlotBanks {
    /// A slot of `2^k_max` points (`k_max ≥ 3`).
    pub fn new(k_max: usize) -> Self {
        assert!(k_max >= 3);
        let bank = || Ram::new((1 << k_max) / 4);
        Self {
            clock: Default::default(),
            c_sel: Default::default(),
            c_addr0: Default::default(),
            c_addr1: Default::default(),
            c_addr2: Default::default(),
            c_addr3: Default::default(),
            u_addr: Default::default(),
            w_sel: Default::default(),
            w_en0: Default::default(),
            w_en1: Default::default(),
            w_en2: Default::default(),
            w_en3: Default::default(),
            w_addr0: Default::default(),
            w_addr1: Default::default(),
            w_addr2: Default::default(),
            w_addr3: Default::default(),
            w_data0: Default::default(),
            w_data1: Default::default(),
            w_data2: Default::default(),
            w_data3: Default::default(),
            l_sel: Default::default(),
            l_bank: Default::default(),
            l_addr: Default::default(),
            l_data: Default::default(),
            rdata0: Default::default(),
            rdata1: Default::default(),
            rdata2: Default::default(),
            rdata3: Default::default(),
            b0: bank(),
            b1: bank(),
            b2: bank(),
            b3: bank(),
        }
    }
}

impl Logic for SlotBanks {
    #[hdl_gen]
    fn update(&mut self) {
        self.b0.clock.next = self.clock.val();
        self.b1.clock.next = self.clock.val();
        self.b2.clock.next = self.clock.val();
        self.b3.clock.next = self.clock.val();

        self.b0.raddr.next = self.u_addr.val();
        self.b1.raddr.next = self.u_addr.val();
        self.b2.raddr.next = self.u_addr.val();
        self.b3.raddr.next = self.u_addr.val();
        if self.c_sel.val() {
            self.b0.raddr.next = self.c_addr0.val();
            self.b1.raddr.next = self.c_addr1.val();
            self.b2.raddr.next = self.c_addr2.val();
            self.b3.raddr.next = self.c_addr3.val();
        }

        self.b0.waddr.next = self.l_addr.val();
        self.b0.wdata.next = self.l_data.val();
        self.b0.we.next = self.l_sel.val() & (self.l_bank.val() == 0);
        if self.w_sel.val() & self.w_en0.val() {
            self.b0.waddr.next = self.w_addr0.val();
            self.b0.wdata.next = self.w_data0.val();
            self.b0.we.next = true;
        }
        self.b1.waddr.next = self.l_addr.val();
        self.b1.wdata.next = self.l_data.val();
        self.b1.we.next = self.l_sel.val() & (self.l_bank.val() == 1);
        if self.w_sel.val() & self.w_en1.val() {
            self.b1.waddr.next = self.w_addr1.val();
            self.b1.wdata.next = self.w_data1.val();
            self.b1.we.next = true;
        }
        self.b2.waddr.next = self.l_addr.val();
        self.b2.wdata.next = self.l_data.val();
        self.b2.we.next = self.l_sel.val() & (self.l_bank.val() == 2);
        if self.w_sel.val() & self.w_en2.val() {
            self.b2.waddr.next = self.w_addr2.val();
            self.b2.wdata.next = self.w_data2.val();
            self.b2.we.next = true;
        }
        self.b3.waddr.next = self.l_addr.val();
        self.b3.wdata.next = self.l_data.val();
        self.b3.we.next = self.l_sel.val() & (self.l_bank.val() == 3);
        if self.w_sel.val() & self.w_en3.val() {
            self.b3.waddr.next = self.w_addr3.val();
            self.b3.wdata.next = self.w_data3.val();
            self.b3.we.next = true;
        }

        self.rdata0.next = self.b0.rdata.val();
        self.rdata1.next = self.b1.rdata.val();
        self.rdata2.next = self.b2.rdata.val();
        self.rdata3.next = self.b3.rdata.val();
    }
}
