//! zkaccel host driver: the `Device` trait, the register map, the PCIe backend and the simulated
//! card. (Being built: see the open driver work in the issue tracker.)
