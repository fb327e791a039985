//! Stream-side behaviour of a testbench: how often the source withholds data and the sink
//! withholds `ready`. Shared by the kernel runners (NTT core, bucket unit).

/// Random bubbles on the input stream and back-pressure on the output stream.
#[derive(Clone, Copy, Debug)]
pub struct Traffic {
    /// Probability that the source offers nothing in a cycle.
    pub bubble: f64,
    /// Probability that the sink is not ready in a cycle.
    pub stall: f64,
}

impl Traffic {
    /// Always valid, always ready.
    pub const SMOOTH: Traffic = Traffic { bubble: 0.0, stall: 0.0 };
}
