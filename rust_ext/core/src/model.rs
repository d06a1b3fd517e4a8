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

/// How the statement binds the weights.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum WeightMode {
  /// Weights are circuit constants; the parameters' digest binds them.
  Public,
  /// Weights are witnesses bound by a salted Poseidon hash chain.
  Private,
}

/// A quantized network: settings, dense layers, and how weights are bound.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Network {
  /// Fixed-point settings.
  pub settings: Settings,
  /// The layers, in order.
  pub layers: Vec<DenseLayer>,
  /// Weight binding mode.
  pub mode: WeightMode,
  /// Per-layer secret salts (private mode only), 32 bytes each.
  pub salts: Vec<[u8; 32]>,
}

impl Network {
  /// Builds and validates a network.
  pub fn new(
    settings: Settings,
    layers: Vec<DenseLayer>,
    mode: WeightMode,
    salts: Vec<[u8; 32]>,
  ) -> Result<Self> {
    let net = Self {
      settings,
      layers,
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
    let w_lim = 1i64 << (self.settings.weight_bits - 1);
    for (l, layer) in self.layers.iter().enumerate() {
      if layer.n_in == 0 || layer.n_out == 0 || layer.n_in > MAX_WIDTH || layer.n_out > MAX_WIDTH {
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
      if l > 0 && self.layers[l - 1].n_out != layer.n_in {
        return Err(FoldError::model(format!(
          "layer {l}: input width {} does not match layer {}'s output width {}",
          layer.n_in,
          l - 1,
          self.layers[l - 1].n_out
        )));
      }
      if let Some(k) = layer.weight.iter().position(|w| *w >= w_lim || *w < -w_lim) {
        return Err(FoldError::model(format!(
          "layer {l}: weight [{}, {}] = {} does not fit {} signed bits",
          k / layer.n_in,
          k % layer.n_in,
          layer.weight[k],
          self.settings.weight_bits
        )));
      }
      let b_lim = self.settings.bias_bound();
      if let Some(j) = layer.bias.iter().position(|b| (*b as i128).abs() >= b_lim) {
        return Err(FoldError::model(format!(
          "layer {l}: bias [{j}] = {} is not below 2^(shift + act_bits) in magnitude",
          layer.bias[j]
        )));
      }
      // Worst case |acc| must stay far inside i64 (the forward pass accumulates in i64).
      if layer.acc_bound(&self.settings) >= 1u128 << 62 {
        return Err(FoldError::model(format!(
          "layer {l}: worst-case accumulator reaches 2^62"
        )));
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
    self.layers[0].n_in
  }

  /// Output width of the last layer.
  pub fn output_dim(&self) -> usize {
    self.layers[self.layers.len() - 1].n_out
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

/// Applies one layer: rescale, range check (before ReLU), ReLU. Returns `(acc, out)`.
pub fn apply_layer(
  settings: &Settings,
  index: usize,
  layer: &DenseLayer,
  x: &[i64],
) -> Result<(Vec<i64>, Vec<i64>)> {
  let acc = accumulate(layer, x);
  let y: Vec<i64> = acc.iter().map(|a| a >> settings.shift).collect();
  check_range(settings, Some(index), y.iter().map(|v| *v as i128))?;
  let out = if layer.relu {
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
    let input = if l == 0 { x } else { &outs[l - 1] };
    let (_, out) = apply_layer(&net.settings, l, layer, input)?;
    outs.push(out);
  }
  Ok(outs)
}
