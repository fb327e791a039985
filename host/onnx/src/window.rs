//! Sliding-window geometry shared by Conv, MaxPool and AveragePool: kernel, strides, dilations
//! and padding over the spatial axes (the axes after batch and channel), with ONNX's `auto_pad`
//! resolved against the input's spatial dimensions.
//!
//! Padding is never materialised: a window lists only its *taps* that fall inside the input,
//! as (flat spatial input index, flat kernel index) pairs. Conv treats the padded positions as
//! zeros (so they drop out of the sum), MaxPool as −∞ (they drop out of the max), AveragePool
//! counts them in the divisor only with `count_include_pad`.

/// ONNX `auto_pad`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AutoPad {
    /// Explicit `pads` (default 0).
    NotSet,
    /// No padding.
    Valid,
    /// Output `ceil(in / stride)`, the odd padding unit at the end.
    SameUpper,
    /// Output `ceil(in / stride)`, the odd padding unit at the beginning.
    SameLower,
}

impl AutoPad {
    /// Parses the attribute's string.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "NOTSET" | "" => AutoPad::NotSet,
            "VALID" => AutoPad::Valid,
            "SAME_UPPER" => AutoPad::SameUpper,
            "SAME_LOWER" => AutoPad::SameLower,
            _ => return None,
        })
    }
}

/// A window over `kernel.len()` spatial axes. After import `pads_begin`/`pads_end` are resolved
/// (`auto_pad` is then `NotSet`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Window {
    /// Kernel extent per spatial axis.
    pub kernel: Vec<usize>,
    /// Stride per axis (≥ 1).
    pub strides: Vec<usize>,
    /// Dilation per axis (≥ 1).
    pub dilations: Vec<usize>,
    /// Padding before each axis.
    pub pads_begin: Vec<usize>,
    /// Padding after each axis.
    pub pads_end: Vec<usize>,
    /// How the padding is chosen (resolved to `NotSet` with explicit pads by [`Window::resolve`]).
    pub auto_pad: AutoPad,
}

impl Window {
    /// Number of kernel positions (`Π kernel`).
    pub fn kernel_size(&self) -> usize {
        self.kernel.iter().product()
    }

    /// Resolves `auto_pad` against the spatial input dimensions and returns the spatial output
    /// dimensions; errors name what does not fit.
    pub fn resolve(&mut self, input: &[usize]) -> Result<Vec<usize>, String> {
        let r = self.kernel.len();
        if input.len() != r {
            return Err(format!("{} spatial axes in the input, the kernel has {r}", input.len()));
        }
        for (what, v) in [("strides", &self.strides), ("dilations", &self.dilations)] {
            if v.len() != r || v.contains(&0) {
                return Err(format!("{what} {v:?} must hold {r} positive values"));
            }
        }
        if self.kernel.contains(&0) {
            return Err(format!("kernel {:?} has an empty axis", self.kernel));
        }
        let mut out = Vec::with_capacity(r);
        for (a, &len) in input.iter().enumerate() {
            // Checked: kernel, dilation and pads come from the file (a 64-bit overflow is refused).
            let extent = (self.kernel[a] - 1)
                .checked_mul(self.dilations[a])
                .and_then(|e| e.checked_add(1))
                .ok_or_else(|| format!("axis {a}: the kernel {:?} dilated by {:?} spans more than a 64-bit count", self.kernel, self.dilations))?;
            match self.auto_pad {
                AutoPad::NotSet => {}
                AutoPad::Valid => {
                    self.pads_begin[a] = 0;
                    self.pads_end[a] = 0;
                }
                AutoPad::SameUpper | AutoPad::SameLower => {
                    let o = len.div_ceil(self.strides[a]);
                    let total = ((o - 1) * self.strides[a]).saturating_add(extent).saturating_sub(len);
                    let small = total / 2;
                    let (b, e) = if self.auto_pad == AutoPad::SameUpper { (small, total - small) } else { (total - small, small) };
                    self.pads_begin[a] = b;
                    self.pads_end[a] = e;
                }
            }
            let padded = len
                .checked_add(self.pads_begin[a])
                .and_then(|p| p.checked_add(self.pads_end[a]))
                .ok_or_else(|| format!("axis {a}: the input of {len} padded by {} and {} exceeds a 64-bit count", self.pads_begin[a], self.pads_end[a]))?;
            if padded < extent {
                return Err(format!(
                    "axis {a}: the kernel spans {extent} positions, the padded input only {padded}"
                ));
            }
            out.push((padded - extent) / self.strides[a] + 1);
        }
        self.auto_pad = AutoPad::NotSet;
        Ok(out)
    }

    /// For every output position (flat, row-major over `out_dims`), its taps inside the input:
    /// (flat spatial input index, flat kernel index), in kernel order.
    pub fn taps(&self, in_dims: &[usize], out_dims: &[usize]) -> Vec<Vec<(usize, usize)>> {
        let r = self.kernel.len();
        let n_out: usize = out_dims.iter().product();
        let ksize = self.kernel_size();
        let mut all = Vec::with_capacity(n_out);
        let mut o = vec![0usize; r];
        for _ in 0..n_out {
            let mut taps = Vec::with_capacity(ksize);
            let mut k = vec![0usize; r];
            for kflat in 0..ksize {
                let mut inside = true;
                let mut flat = 0usize;
                for a in 0..r {
                    let pos = (o[a] * self.strides[a] + k[a] * self.dilations[a]) as isize - self.pads_begin[a] as isize;
                    if pos < 0 || pos as usize >= in_dims[a] {
                        inside = false;
                        break;
                    }
                    flat = flat * in_dims[a] + pos as usize;
                }
                if inside {
                    taps.push((flat, kflat));
                }
                increment(&mut k, &self.kernel);
            }
            all.push(taps);
            increment(&mut o, out_dims);
        }
        all
    }
}

/// Row-major multi-index increment (wraps to all zeros after the last index).
fn increment(idx: &mut [usize], dims: &[usize]) {
    for a in (0..idx.len()).rev() {
        idx[a] += 1;
        if idx[a] < dims[a] {
            return;
        }
        idx[a] = 0;
    }
}

/// The channel and spatial structure of a Conv: X `[N, C, in…]`, W `[M, C/group, kernel…]`,
/// output `[N, M, out…]`.
#[derive(Clone, Debug)]
pub struct ConvShape {
    pub batch: usize,
    pub in_channels: usize,
    pub out_channels: usize,
    pub group: usize,
    pub in_spatial: usize,
    pub out_spatial: usize,
    /// Taps per output spatial position (see [`Window::taps`]).
    pub taps: Vec<Vec<(usize, usize)>>,
    /// Kernel positions (`Π kernel`).
    pub kernel_size: usize,
}

impl ConvShape {
    /// From the input shape, the (resolved) window, the group count and the output channels.
    pub fn new(x: &[usize], window: &Window, group: usize, out_channels: usize, out: &[usize]) -> Self {
        let in_dims = &x[2..];
        let out_dims = &out[2..];
        Self {
            batch: x[0],
            in_channels: x[1],
            out_channels,
            group,
            in_spatial: in_dims.iter().product(),
            out_spatial: out_dims.iter().product(),
            taps: window.taps(in_dims, out_dims),
            kernel_size: window.kernel_size(),
        }
    }

    /// Input channels per group (the W's second dimension).
    pub fn group_in(&self) -> usize {
        self.in_channels / self.group
    }

    /// Output channels per group.
    pub fn group_out(&self) -> usize {
        self.out_channels / self.group
    }

    /// The operand pairs of one output (batch n, output channel m, spatial position p):
    /// (flat index into X, flat index into W).
    pub fn terms(&self, n: usize, m: usize, p: usize) -> impl Iterator<Item = (usize, usize)> + '_ {
        let g = m / self.group_out();
        let cg = self.group_in();
        (0..cg).flat_map(move |c| {
            let ch = g * cg + c;
            self.taps[p].iter().map(move |&(xi, ki)| {
                ((n * self.in_channels + ch) * self.in_spatial + xi, (m * cg + c) * self.kernel_size + ki)
            })
        })
    }

    /// Flat index of output (n, m, p).
    pub fn out_index(&self, n: usize, m: usize, p: usize) -> usize {
        (n * self.out_channels + m) * self.out_spatial + p
    }
}
