//! The ports of a Verilog top module, read from the Verilog that rust-hdl generates.

use crate::SimError;

/// Direction of a port.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dir {
    /// Driven by the testbench.
    Input,
    /// Driven by the model.
    Output,
}

/// One port of the top module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortInfo {
    /// Verilog name.
    pub name: String,
    /// Width in bits.
    pub width: usize,
    /// Direction.
    pub dir: Dir,
}

impl PortInfo {
    /// Number of 32-bit words that hold the port (Verilator's `VlWide` layout: least significant
    /// word first).
    pub fn words(&self) -> usize {
        self.width.div_ceil(32)
    }
}

/// Reads the port declarations of `module top` (`input wire [W-1:0] name;`,
/// `output reg name;`, …) in the order of the module's header.
pub fn parse_top_ports(verilog: &str) -> Result<Vec<PortInfo>, SimError> {
    let start = verilog
        .find("module top(")
        .ok_or_else(|| SimError::Verilog("no `module top(` in the Verilog".into()))?;
    let body = &verilog[start..];
    let end = body.find("endmodule").unwrap_or(body.len());
    let header_end = body.find(");").ok_or_else(|| SimError::Verilog("unterminated header".into()))?;
    let order: Vec<&str> = body["module top(".len()..header_end].split(',').map(str::trim).collect();
    let mut ports = Vec::new();
    for line in body[..end].lines() {
        let line = line.trim();
        let (dir, rest) = if let Some(r) = line.strip_prefix("input ") {
            (Dir::Input, r)
        } else if let Some(r) = line.strip_prefix("output ") {
            (Dir::Output, r)
        } else {
            continue;
        };
        let rest = rest.trim_start_matches("wire").trim_start_matches("reg").trim();
        let rest = rest.strip_suffix(';').unwrap_or(rest).trim();
        let (width, name) = if let Some(r) = rest.strip_prefix('[') {
            let close = r.find(']').ok_or_else(|| SimError::Verilog(format!("bad range in {line:?}")))?;
            let range = &r[..close];
            let (hi, lo) = range
                .split_once(':')
                .ok_or_else(|| SimError::Verilog(format!("bad range in {line:?}")))?;
            let hi: usize = hi.trim().parse().map_err(|_| SimError::Verilog(format!("bad range in {line:?}")))?;
            let lo: usize = lo.trim().parse().map_err(|_| SimError::Verilog(format!("bad range in {line:?}")))?;
            if lo != 0 {
                return Err(SimError::Verilog(format!("port range must end at 0: {line:?}")));
            }
            (hi + 1, r[close + 1..].trim())
        } else {
            (1, rest)
        };
        if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') || name.is_empty() {
            return Err(SimError::Verilog(format!("unsupported port name in {line:?}")));
        }
        ports.push(PortInfo { name: name.to_string(), width, dir });
    }
    if ports.len() != order.len() || order.iter().any(|n| !ports.iter().any(|p| p.name == *n)) {
        return Err(SimError::Verilog(format!(
            "header lists {:?} but {} port declarations were read",
            order,
            ports.len()
        )));
    }
    Ok(ports)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_rust_hdl_headers() {
        let v = "\n\nmodule top(clock,a,out,ok);\n    input wire  clock;\n    input wire  [255:0] a;\n    output reg  [271:0] out;\n    output reg  ok;\n    localparam x = 1;\n    wire [3:0] inner;\nendmodule // top\nmodule top$sub(x);\n input wire y;\nendmodule\n";
        let ports = parse_top_ports(v).unwrap();
        assert_eq!(
            ports,
            vec![
                PortInfo { name: "clock".into(), width: 1, dir: Dir::Input },
                PortInfo { name: "a".into(), width: 256, dir: Dir::Input },
                PortInfo { name: "out".into(), width: 272, dir: Dir::Output },
                PortInfo { name: "ok".into(), width: 1, dir: Dir::Output },
            ]
        );
        assert_eq!(ports[2].words(), 9);
        assert!(parse_top_ports("module other(a); endmodule").is_err());
    }
}
