//! Integer model description and the native integer forward pass (the prover's witness
//! generator). Its arithmetic is the one specified in `docs/ARCHITECTURE.md` and implemented
//! in NumPy by `folding/reference.py`; tests check the two agree.
use serde::{Deserialize, Serialize};

use crate::error::{FoldError, Result};

/// Largest width of a layer we accept (keeps every size computation far from overflow).
pub const MAX_WIDTH: usize = 1 << 20;

/// Fixed-point settings shared by every layer of a model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Settings {
  /// Signed bit width `a` of every activation: values lie in `[-2^(a-1), 2^(a-1))`.
  pub act_bits: u32,
  /// Signed bit width `w` of every weight: `|W| < 2^(w-1)`.
  pub weight_bits: u32,
  /// Rescale shift `s`: `y = floor(acc / 2^s)`.
  pub shift: u32,
}

impl Settings {
  /// Checks the widths against what the circuits support.
  pub fn validate(&self) -> Result<()> {
    if !(2..=24).contains(&self.act_bits) {
      return Err(FoldError::model(format!(
        "act_bits must be in [2, 24], got {}",
        self.act_bits
      )));
    }
    if !(2..=24).contains(&self.weight_bits) {
      return Err(FoldError::model(format!(
        "weight_bits must be in [2, 24], got {}",
        self.weight_bits
      )));
    }
    if self.shift > 40 {
      return Err(FoldError::model(format!(
        "shift must be at most 40, got {}",
        self.shift
      )));
    }
    Ok(())
  }

  /// Inclusive lower bound of an activation.
  pub fn act_lo(&self) -> i64 {
    -(1i64 << (self.act_bits - 1))
  }

  /// Exclusive upper bound of an activation.
  pub fn act_hi(&self) -> i64 {
    1i64 << (self.act_bits - 1)
  }

  /// Bits of one accumulator lane's decomposition: remainder (`s`) plus output (`a`).
  pub fn lane_digits(&self) -> usize {
    (self.shift + self.act_bits) as usize
  }

  /// Exclusive bound on `|b|` for any bias (keeps the private-mode lane bound declarable).
  pub fn bias_bound(&self) -> i128 {
    1i128 << (self.shift + self.act_bits)
  }
}

/// One dense layer `out = act(floor((W x + b) / 2^s))` with integer weights.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DenseLayer {
  /// Input width.
  pub n_in: usize,
  /// Output width.
  pub n_out: usize,
  /// Whether ReLU follows the rescale.
  pub relu: bool,
  /// Row-major weights, `weight[j * n_in + i]` is `W[j, i]`.
  pub weight: Vec<i64>,
  /// Biases, one per output.
  pub bias: Vec<i64>,
}

impl DenseLayer {
  /// Weights of output `j`.
  pub fn row(&self, j: usize) -> &[i64] {
    &self.weight[j * self.n_in..(j + 1) * self.n_in]
  }

  /// Largest `|acc_j|` over all in-range inputs: `max_j sum_i |W_ji| 2^(a-1) + |b_j|`.
  pub fn acc_bound(&self, settings: &Settings) -> u128 {
    let half = 1u128 << (settings.act_bits - 1);
    (0..self.n_out)
      .map(|j| {
        let row: u128 = self.row(j).iter().map(|w| w.unsigned_abs() as u128).sum();
        row * half + self.bias[j].unsigned_abs() as u128
      })
      .max()
      .unwrap_or(0)
  }
}

/// A residual connection: `acc += mult * x`, where `x` is the activation entering layer
/// `from` (at or before this layer, within the same step).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Skip {
  /// Global index of the layer whose input is added.
  pub from: usize,
  /// The integer multiplier (a weight: `|mult| < 2^(w-1)`).
  pub mult: i64,
}

/// Where a 2-D window slides over a `[channels, height, width]` map (row-major, as ONNX's
/// NCHW without the batch), with zero padding `[top, left, bottom, right]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Window {
  /// Input channels.
  pub channels: usize,
  /// Input height.
  pub height: usize,
  /// Input width.
  pub width: usize,
  /// Kernel `(kh, kw)`.
  pub kernel: (usize, usize),
  /// Stride `(sh, sw)`.
  pub stride: (usize, usize),
  /// Padding `[top, left, bottom, right]`.
  pub pads: [usize; 4],
}

/// Largest kernel side (bounds the per-output work of a circuit).
pub const MAX_KERNEL: usize = 32;

impl Window {
  /// Checks the sizes (the same rules as `folding.geometry.Window2d`).
  pub fn validate(&self) -> Result<()> {
    let (kh, kw) = self.kernel;
    let [top, left, bottom, right] = self.pads;
    let fail = |why: String| Err(FoldError::model(why));
    if self.channels == 0 || self.height == 0 || self.width == 0 {
      return fail(format!(
        "empty input map {:?}",
        (self.channels, self.height, self.width)
      ));
    }
    if self.channels.max(self.height).max(self.width) > MAX_WIDTH || self.in_dim() > MAX_WIDTH {
      return fail(format!("input map larger than {MAX_WIDTH}"));
    }
    if kh == 0 || kw == 0 || kh > MAX_KERNEL || kw > MAX_KERNEL {
      return fail(format!("kernel {kh}x{kw} outside [1, {MAX_KERNEL}]"));
    }
    if self.stride.0 == 0
      || self.stride.1 == 0
      || self.stride.0 > MAX_WIDTH
      || self.stride.1 > MAX_WIDTH
    {
      return fail(format!("stride {:?} is not positive", self.stride));
    }
    if top.max(bottom) >= kh || left.max(right) >= kw {
      return fail(format!(
        "pads {:?} must be smaller than the kernel",
        self.pads
      ));
    }
    if self.height + top + bottom < kh || self.width + left + right < kw {
      return fail("the kernel does not fit the padded input".to_string());
    }
    Ok(())
  }

  /// Output `(oh, ow)`.
  pub fn out_hw(&self) -> (usize, usize) {
    let [top, left, bottom, right] = self.pads;
    (
      (self.height + top + bottom - self.kernel.0) / self.stride.0 + 1,
      (self.width + left + right - self.kernel.1) / self.stride.1 + 1,
    )
  }

  /// Output positions per channel, `oh * ow`.
  pub fn positions(&self) -> usize {
    let (oh, ow) = self.out_hw();
    oh * ow
  }

  /// Flat input length.
  pub fn in_dim(&self) -> usize {
    self.channels * self.height * self.width
  }

  /// Kernel taps `kh * kw`.
  pub fn taps(&self) -> usize {
    self.kernel.0 * self.kernel.1
  }

  /// Index within one input channel plane of tap `(ky, kx)` of output position `p`, or
  /// `None` where the tap falls into the padding.
  pub fn tap(&self, p: usize, ky: usize, kx: usize) -> Option<usize> {
    let ow = self.out_hw().1;
    let (oy, ox) = (p / ow, p % ow);
    let y = (oy * self.stride.0 + ky).checked_sub(self.pads[0])?;
    let x = (ox * self.stride.1 + kx).checked_sub(self.pads[1])?;
    (y < self.height && x < self.width).then_some(y * self.width + x)
  }
}

/// One 2-D convolution `out = act(floor((conv(W, x) + b [+ skip]) / 2^s))`, one group,
/// dilation 1.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConvLayer {
  /// Geometry of the input.
  pub window: Window,
  /// Output channels.
  pub c_out: usize,
  /// Whether ReLU follows the rescale.
  pub relu: bool,
  /// Weights `[c_out][c_in][kh][kw]`, row-major.
  pub weight: Vec<i64>,
  /// Biases, one per output channel.
  pub bias: Vec<i64>,
  /// Residual connection, if any.
  pub skip: Option<Skip>,
}

impl ConvLayer {
  /// Weights of one output channel (`[c_in][kh][kw]`).
  pub fn kernel(&self, co: usize) -> &[i64] {
    let n = self.window.channels * self.window.taps();
    &self.weight[co * n..(co + 1) * n]
  }

  /// Largest `|acc|` over all in-range inputs (padding counts as zero inputs).
  pub fn acc_bound(&self, settings: &Settings) -> u128 {
    let half = 1u128 << (settings.act_bits - 1);
    let skip = self.skip.map_or(0, |s| s.mult.unsigned_abs() as u128);
    (0..self.c_out)
      .map(|co| {
        let row: u128 = self
          .kernel(co)
          .iter()
          .map(|w| w.unsigned_abs() as u128)
          .sum();
        (row + skip) * half + self.bias[co].unsigned_abs() as u128
      })
      .max()
      .unwrap_or(0)
  }

  /// Exact accumulators (without the residual) for an in-range input map.
  pub fn accumulate(&self, x: &[i64]) -> Vec<i64> {
    let win = &self.window;
    let (positions, plane) = (win.positions(), win.height * win.width);
    let (kh, kw) = win.kernel;
    let mut acc = Vec::with_capacity(self.c_out * positions);
    for co in 0..self.c_out {
      let kernel = self.kernel(co);
      for p in 0..positions {
        let mut sum = self.bias[co];
        for ky in 0..kh {
          for kx in 0..kw {
            if let Some(t) = win.tap(p, ky, kx) {
              for ci in 0..win.channels {
                sum += kernel[(ci * kh + ky) * kw + kx] * x[ci * plane + t];
              }
            }
          }
        }
        acc.push(sum);
      }
    }
    acc
  }
}

/// What a pooling computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PoolOp {
  /// `out = max(window)`: no rescale; inputs are in range, so is the max.
  Max,
  /// `out = act(floor((mult * sum(window) + bias) / 2^s))`, padding counting as zeros.
  Avg {
    /// The multiplier (a weight).
    mult: i64,
    /// The bias, with its rounding offset.
    bias: i64,
  },
}

/// One 2-D pooling, per channel.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolLayer {
  /// Geometry of the input.
  pub window: Window,
  /// Max or average.
  pub op: PoolOp,
  /// Whether ReLU follows (average only).
  pub relu: bool,
}

impl PoolLayer {
  /// Largest `|acc|` of an average pooling over in-range inputs (0 for max).
  pub fn acc_bound(&self, settings: &Settings) -> u128 {
    match self.op {
      PoolOp::Max => 0,
      PoolOp::Avg { mult, bias } => {
        let half = 1u128 << (settings.act_bits - 1);
        self.window.taps() as u128 * mult.unsigned_abs() as u128 * half
          + bias.unsigned_abs() as u128
      }
    }
  }

  /// Average: the accumulators; max: the outputs.
  pub fn accumulate(&self, x: &[i64]) -> Vec<i64> {
    let win = &self.window;
    let (positions, plane) = (win.positions(), win.height * win.width);
    let (kh, kw) = win.kernel;
    let mut out = Vec::with_capacity(win.channels * positions);
    for c in 0..win.channels {
      for p in 0..positions {
        let taps = (0..kh)
          .flat_map(|ky| (0..kw).map(move |kx| (ky, kx)))
          .filter_map(|(ky, kx)| win.tap(p, ky, kx))
          .map(|t| x[c * plane + t]);
        out.push(match self.op {
          PoolOp::Max => taps.max().expect("a window sees at least one input"),
          PoolOp::Avg { mult, bias } => taps.sum::<i64>() * mult + bias,
        });
      }
    }
    out
  }
}

/// One layer of any kind.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Layer {
  /// Dense `W x + b`.
  Dense(DenseLayer),
  /// 2-D convolution.
  Conv(ConvLayer),
  /// 2-D pooling.
  Pool(PoolLayer),
}

impl From<DenseLayer> for Layer {
  fn from(layer: DenseLayer) -> Self {
    Layer::Dense(layer)
  }
}

impl Layer {
  /// Flat input length.
  pub fn n_in(&self) -> usize {
    match self {
      Layer::Dense(l) => l.n_in,
      Layer::Conv(l) => l.window.in_dim(),
      Layer::Pool(l) => l.window.in_dim(),
    }
  }

  /// Flat output length.
  pub fn n_out(&self) -> usize {
    match self {
      Layer::Dense(l) => l.n_out,
      Layer::Conv(l) => l.c_out * l.window.positions(),
      Layer::Pool(l) => l.window.channels * l.window.positions(),
    }
  }

  /// Whether ReLU follows.
  pub fn relu(&self) -> bool {
    match self {
      Layer::Dense(l) => l.relu,
      Layer::Conv(l) => l.relu,
      Layer::Pool(l) => l.relu,
    }
  }

  /// The residual connection, if any.
  pub fn skip(&self) -> Option<Skip> {
    match self {
      Layer::Conv(l) => l.skip,
      _ => None,
    }
  }

  /// The dense layer, if this is one.
  pub fn as_dense(&self) -> Option<&DenseLayer> {
    match self {
      Layer::Dense(l) => Some(l),
      _ => None,
    }
  }

  /// Short name of the kind.
  pub fn kind(&self) -> &'static str {
    match self {
      Layer::Dense(_) => "dense",
      Layer::Conv(_) => "conv",
      Layer::Pool(PoolLayer {
        op: PoolOp::Max, ..
      }) => "maxpool",
      Layer::Pool(_) => "avgpool",
    }
  }

  /// Largest `|acc|` over all in-range inputs (0 for a max pooling, which has none).
  pub fn acc_bound(&self, settings: &Settings) -> u128 {
    match self {
      Layer::Dense(l) => l.acc_bound(settings),
      Layer::Conv(l) => l.acc_bound(settings),
      Layer::Pool(l) => l.acc_bound(settings),
    }
  }

  /// The channel-major output map `(channels, positions)` of a map layer.
  pub fn out_map(&self) -> Option<(usize, usize)> {
    match self {
      Layer::Dense(_) => None,
      Layer::Conv(l) => Some((l.c_out, l.window.positions())),
      Layer::Pool(l) => Some((l.window.channels, l.window.positions())),
    }
  }

  /// Checks sizes and ranges of layer `l`.
  fn validate(&self, l: usize, settings: &Settings) -> Result<()> {
    let w_lim = 1i64 << (settings.weight_bits - 1);
    let fits = |w: i64| w < w_lim && w >= -w_lim;
    let b_lim = settings.bias_bound();
    let bias_fits = |b: i64| (b as i128).abs() < b_lim;
    let at = |e: FoldError| match e {
      FoldError::InvalidModel { reason } => FoldError::model(format!("layer {l}: {reason}")),
      other => other,
    };
    match self {
      Layer::Dense(layer) => {
        if layer.n_in == 0 || layer.n_out == 0 || layer.n_in > MAX_WIDTH || layer.n_out > MAX_WIDTH
        {
          return Err(FoldError::model(format!(
            "layer {l}: widths {}x{} outside [1, {MAX_WIDTH}]",
            layer.n_out, layer.n_in
          )));
        }
        if layer.weight.len() != layer.n_in * layer.n_out || layer.bias.len() != layer.n_out {
          return Err(FoldError::model(format!(
            "layer {l}: {} weights and {} biases for a {}x{} layer",
            layer.weight.len(),
            layer.bias.len(),
            layer.n_out,
            layer.n_in
          )));
        }
        if let Some(k) = layer.weight.iter().position(|w| !fits(*w)) {
          return Err(FoldError::model(format!(
            "layer {l}: weight [{}, {}] = {} does not fit {} signed bits",
            k / layer.n_in,
            k % layer.n_in,
            layer.weight[k],
            settings.weight_bits
          )));
        }
        if let Some(j) = layer.bias.iter().position(|b| !bias_fits(*b)) {
          return Err(FoldError::model(format!(
            "layer {l}: bias [{j}] = {} is not below 2^(shift + act_bits) in magnitude",
            layer.bias[j]
          )));
        }
      }
      Layer::Conv(layer) => {
        layer.window.validate().map_err(at)?;
        let per = layer.window.channels * layer.window.taps();
        if layer.c_out == 0 || layer.c_out > MAX_WIDTH || self.n_out() > MAX_WIDTH {
          return Err(FoldError::model(format!(
            "layer {l}: {} output channels",
            layer.c_out
          )));
        }
        if layer.weight.len() != layer.c_out * per || layer.bias.len() != layer.c_out {
          return Err(FoldError::model(format!(
            "layer {l}: {} weights and {} biases for a conv of {} -> {} channels, kernel {:?}",
            layer.weight.len(),
            layer.bias.len(),
            layer.window.channels,
            layer.c_out,
            layer.window.kernel
          )));
        }
        if let Some(k) = layer.weight.iter().position(|w| !fits(*w)) {
          return Err(FoldError::model(format!(
            "layer {l}: weight {k} = {} does not fit {} signed bits",
            layer.weight[k], settings.weight_bits
          )));
        }
        if let Some(j) = layer.bias.iter().position(|b| !bias_fits(*b)) {
          return Err(FoldError::model(format!(
            "layer {l}: bias [{j}] = {} is not below 2^(shift + act_bits) in magnitude",
            layer.bias[j]
          )));
        }
        if let Some(skip) = layer.skip {
          if skip.from > l || !fits(skip.mult) {
            return Err(FoldError::model(format!(
              "layer {l}: residual from layer {} with multiplier {} (the source must be at or \
               before the layer, the multiplier a {}-bit weight)",
              skip.from, skip.mult, settings.weight_bits
            )));
          }
        }
      }
      Layer::Pool(layer) => {
        layer.window.validate().map_err(at)?;
        match layer.op {
          PoolOp::Max if layer.relu => {
            return Err(FoldError::model(format!(
              "layer {l}: a max pooling carries no ReLU"
            )));
          }
          PoolOp::Avg { mult, bias } if !fits(mult) || !bias_fits(bias) => {
            return Err(FoldError::model(format!(
              "layer {l}: average multiplier {mult} or bias {bias} out of range"
            )));
          }
          _ => {}
        }
      }
    }
    // Worst case |acc| must stay far inside i64 (the forward pass accumulates in i64).
    if self.acc_bound(settings) >= 1u128 << 62 {
      return Err(FoldError::model(format!(
        "layer {l}: worst-case accumulator reaches 2^62"
      )));
    }
    Ok(())
  }
}

/// How the statement binds the weights.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum WeightMode {
  /// Weights are circuit constants; the parameters' digest binds them.
  Public,
  /// Weights are witnesses bound by a salted Poseidon hash chain.
  Private,
}

/// A quantized network: settings, layers, and how weights are bound.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Network {
  /// Fixed-point settings.
  pub settings: Settings,
  /// The layers, in order.
  pub layers: Vec<Layer>,
  /// Weight binding mode.
  pub mode: WeightMode,
  /// Per-layer secret salts (private mode only), 32 bytes each.
  pub salts: Vec<[u8; 32]>,
}

impl Network {
  /// Builds and validates a network.
  pub fn new(
    settings: Settings,
    layers: Vec<impl Into<Layer>>,
    mode: WeightMode,
    salts: Vec<[u8; 32]>,
  ) -> Result<Self> {
    let net = Self {
      settings,
      layers: layers.into_iter().map(Into::into).collect(),
      mode,
      salts,
    };
    net.validate()?;
    Ok(net)
  }

  /// Checks shapes, weight and bias ranges, and the accumulator's integer headroom.
  pub fn validate(&self) -> Result<()> {
    self.settings.validate()?;
    if self.layers.is_empty() {
      return Err(FoldError::model("the model has no layers"));
    }
    for (l, layer) in self.layers.iter().enumerate() {
      layer.validate(l, &self.settings)?;
      if l > 0 && self.layers[l - 1].n_out() != layer.n_in() {
        return Err(FoldError::model(format!(
          "layer {l}: input width {} does not match layer {}'s output width {}",
          layer.n_in(),
          l - 1,
          self.layers[l - 1].n_out()
        )));
      }
      if let Some(skip) = layer.skip() {
        let source = self.layers[skip.from].n_in();
        if source != layer.n_out() {
          return Err(FoldError::model(format!(
            "layer {l}: the residual adds {source} activations to {} outputs",
            layer.n_out()
          )));
        }
      }
    }
    if self.mode == WeightMode::Private && self.salts.len() != self.layers.len() {
      return Err(FoldError::model(format!(
        "private weights need one salt per layer: {} salts for {} layers",
        self.salts.len(),
        self.layers.len()
      )));
    }
    Ok(())
  }

  /// Input width of the first layer.
  pub fn input_dim(&self) -> usize {
    self.layers[0].n_in()
  }

  /// Output width of the last layer.
  pub fn output_dim(&self) -> usize {
    self.layers[self.layers.len() - 1].n_out()
  }

  /// Checks that an input vector has the right width and range.
  pub fn check_input(&self, x: &[i64]) -> Result<()> {
    if x.len() != self.input_dim() {
      return Err(FoldError::InvalidInput {
        reason: format!(
          "input has {} elements, the model expects {}",
          x.len(),
          self.input_dim()
        ),
      });
    }
    check_range(&self.settings, None, x.iter().map(|v| *v as i128))
  }
}

/// Returns `OutOfRange` for the first value outside the activation range.
pub(crate) fn check_range(
  settings: &Settings,
  layer: Option<usize>,
  values: impl Iterator<Item = i128>,
) -> Result<()> {
  let (lo, hi) = (settings.act_lo(), settings.act_hi());
  for (neuron, value) in values.enumerate() {
    if value < lo as i128 || value >= hi as i128 {
      return Err(FoldError::OutOfRange {
        layer,
        neuron,
        value,
        lo,
        hi,
      });
    }
  }
  Ok(())
}

/// Exact accumulators `W x + b` of one layer (inputs must already be range-checked).
pub fn accumulate(layer: &DenseLayer, x: &[i64]) -> Vec<i64> {
  (0..layer.n_out)
    .map(|j| {
      layer
        .row(j)
        .iter()
        .zip(x)
        .fold(layer.bias[j], |acc, (w, v)| acc + w * v)
    })
    .collect()
}

/// Applies one layer: accumulate (plus the residual `skip_input`, the activation entering the
/// skip's source layer), rescale, range check (before ReLU), ReLU. Returns `(acc, out)`; a
/// max pooling has no accumulator and returns its outputs twice.
pub fn apply_layer(
  settings: &Settings,
  index: usize,
  layer: &Layer,
  x: &[i64],
  skip_input: Option<&[i64]>,
) -> Result<(Vec<i64>, Vec<i64>)> {
  let mut acc = match layer {
    Layer::Dense(l) => accumulate(l, x),
    Layer::Conv(l) => l.accumulate(x),
    Layer::Pool(l) => l.accumulate(x),
  };
  if let Layer::Pool(PoolLayer {
    op: PoolOp::Max, ..
  }) = layer
  {
    return Ok((acc.clone(), acc));
  }
  if let Some(skip) = layer.skip() {
    let source = skip_input
      .ok_or_else(|| FoldError::model(format!("layer {index}: residual input missing")))?;
    for (a, v) in acc.iter_mut().zip(source) {
      *a += skip.mult * v;
    }
  }
  let y: Vec<i64> = acc.iter().map(|a| a >> settings.shift).collect();
  check_range(settings, Some(index), y.iter().map(|v| *v as i128))?;
  let out = if layer.relu() {
    y.iter().map(|v| (*v).max(0)).collect()
  } else {
    y
  };
  Ok((acc, out))
}

/// The full integer forward pass: every layer's output, in order.
pub fn forward(net: &Network, x: &[i64]) -> Result<Vec<Vec<i64>>> {
  net.check_input(x)?;
  let mut outs: Vec<Vec<i64>> = Vec::with_capacity(net.layers.len());
  for (l, layer) in net.layers.iter().enumerate() {
    let entering = |p: usize| if p == 0 { x } else { outs[p - 1].as_slice() };
    let skip_input = layer.skip().map(|s| entering(s.from));
    let (_, out) = apply_layer(&net.settings, l, layer, entering(l), skip_input)?;
    outs.push(out);
  }
  Ok(outs)
}
