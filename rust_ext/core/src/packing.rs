//! Lane packing ("SIMD in a field element") of accumulators and the field encodings shared
//! by the circuits and the native side.
//!
//! # Soundness of one lane decomposition
//!
//! A group of `k` output neurons shares one field element
//! `U = sum_j v_j 2^(L j)` with `v_j = acc_j + 2^(s+a-1)`, where every input activation is
//! range-checked to `|x_i| <= 2^(a-1)`, so `|acc_j| <= B` (the layer's accumulator bound,
//! [`crate::model::DenseLayer::acc_bound`], or the declared bound in private mode).
//! The circuit decomposes `U` into `k` digits `d_j = sum_{b < s+a} bit_{j,b} 2^b`, each bit
//! boolean, and enforces `U = sum_j d_j 2^(L j)` in the field.
//!
//! Let `e_j = v_j - d_j`. Then `|e_j| <= B + 2^(s+a)`; the layout picks `L` with
//! `2^(L-1) > B + 2^(s+a)`, so `|e_j| < 2^(L-1)`. The field equation says
//! `sum_j e_j 2^(L j) = 0 (mod p)`, and `|sum_j e_j 2^(L j)| < 2^(L k) <= 2^250 < p`, so it
//! holds over the integers. Balanced digits below `2^(L-1)` in magnitude represent zero only
//! as all zeros (the lowest nonzero `e_j` would have to be a multiple of `2^L`), so
//! `v_j = d_j` for every lane: each `acc_j + 2^(s+a-1)` lies in `[0, 2^(s+a))`, which is
//! exactly the range check `-2^(a-1) <= floor(acc_j / 2^s) < 2^(a-1)`; the low `s` bits are
//! the rescale remainder and the next `a` bits are `y_j + 2^(a-1)`, whose top bit is the
//! sign used by ReLU. Every lane is decomposed and `L k <= MAX_PACKED_BITS < log2 p`.
//!
//! The argument needs only `2^MAX_PACKED_BITS < p` of the step circuit's field, so it holds
//! for both engine profiles: Pallas' scalar field has `p > 2^254`, BN254's `p > 2^253`
//! (`tests::packed_bits_fit_both_profiles_fields` checks it), against
//! `MAX_PACKED_BITS = 250`. The same bound makes the activation-hash packing injective.
use ff::PrimeField;
use serde::{Deserialize, Serialize};

use crate::error::{FoldError, Result};
use crate::model::{ConvLayer, DenseLayer, Settings};

/// Total bits of all lanes in one field element: below both profiles' scalar fields
/// (Pallas 255 bits, BN254 254 bits) with room to spare.
pub const MAX_PACKED_BITS: u32 = 250;

/// Activations packed per field element when hashing (`a` bits each).
pub fn activations_per_element(act_bits: u32) -> usize {
  (MAX_PACKED_BITS / act_bits) as usize
}

/// How one layer's outputs are grouped into lanes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LaneLayout {
  /// Lane width `L` in bits.
  pub lane_bits: u32,
  /// Lanes per field element.
  pub lanes: usize,
  /// Number of outputs of the layer.
  pub n_out: usize,
}

impl LaneLayout {
  /// The narrowest sound layout for accumulators bounded by `bound` in magnitude.
  pub fn for_bound(bound: u128, settings: &Settings, n_out: usize) -> Result<Self> {
    let need = bound + (1u128 << settings.lane_digits());
    // 2^(L-1) > need  <=>  L - 1 >= bit length of need.
    let lane_bits = 1 + (128 - need.leading_zeros());
    if lane_bits > MAX_PACKED_BITS {
      return Err(FoldError::model(format!(
        "accumulator bound 2^{} leaves no room for a lane",
        128 - bound.leading_zeros()
      )));
    }
    let lanes = ((MAX_PACKED_BITS / lane_bits) as usize).min(n_out).max(1);
    Ok(Self {
      lane_bits,
      lanes,
      n_out,
    })
  }

  /// The layout private-weight mode uses: from declared bounds only, so it reveals nothing
  /// about the weights beyond their bit width.
  pub fn declared(settings: &Settings, n_in: usize, n_out: usize) -> Result<Self> {
    let w = 1u128 << (settings.weight_bits - 1);
    let bound =
      n_in as u128 * w * (1u128 << (settings.act_bits - 1)) + settings.bias_bound() as u128;
    Self::for_bound(bound, settings, n_out)
  }

  /// Number of lane groups (field elements) for the layer's outputs.
  pub fn groups(&self) -> usize {
    self.n_out.div_ceil(self.lanes)
  }

  /// Output neurons of group `g`.
  pub fn group(&self, g: usize) -> std::ops::Range<usize> {
    g * self.lanes..((g + 1) * self.lanes).min(self.n_out)
  }
}

/// Field element of a signed integer.
pub fn field_i64<F: PrimeField>(v: i64) -> F {
  if v >= 0 {
    F::from(v as u64)
  } else {
    -F::from(v.unsigned_abs())
  }
}

/// `2^k` in the field.
pub fn pow2<F: PrimeField>(k: u32) -> F {
  let mut r = F::ONE;
  let two = F::from(2u64);
  // Square-and-multiply would be faster, but this runs only on setup-sized inputs.
  let mut base = two;
  let mut e = k;
  while e > 0 {
    if e & 1 == 1 {
      r *= base;
    }
    base = base.square();
    e >>= 1;
  }
  r
}

/// Packed weights of one layer under `layout`: `P[g][i] = sum_j W[j, i] 2^(L (j - g k))`,
/// flattened as `g * n_in + i`.
pub fn pack_weights<F: PrimeField>(layer: &DenseLayer, layout: &LaneLayout) -> Vec<F> {
  let shifts: Vec<F> = (0..layout.lanes)
    .map(|t| pow2::<F>(layout.lane_bits * t as u32))
    .collect();
  let mut out = Vec::with_capacity(layout.groups() * layer.n_in);
  for g in 0..layout.groups() {
    for i in 0..layer.n_in {
      let mut acc = F::ZERO;
      for (t, j) in layout.group(g).enumerate() {
        let w = layer.weight[j * layer.n_in + i];
        if w != 0 {
          acc += field_i64::<F>(w) * shifts[t];
        }
      }
      out.push(acc);
    }
  }
  out
}

/// Packed biases with the lane offset `2^(s+a-1)` folded in: `sum_j (b_j + 2^(s+a-1)) 2^(L t)`.
pub fn pack_bias<F: PrimeField>(
  layer: &DenseLayer,
  layout: &LaneLayout,
  settings: &Settings,
) -> Vec<F> {
  let offset = 1i64 << (settings.lane_digits() - 1);
  (0..layout.groups())
    .map(|g| {
      layout.group(g).enumerate().fold(F::ZERO, |acc, (t, j)| {
        acc + field_i64::<F>(layer.bias[j] + offset) * pow2::<F>(layout.lane_bits * t as u32)
      })
    })
    .collect()
}

/// Packed accumulator of group `g` from integer accumulators (what `U_g` evaluates to).
pub fn pack_acc<F: PrimeField>(
  acc: &[i64],
  layout: &LaneLayout,
  settings: &Settings,
  g: usize,
) -> F {
  let offset = 1i64 << (settings.lane_digits() - 1);
  layout.group(g).enumerate().fold(F::ZERO, |sum, (t, j)| {
    sum + field_i64::<F>(acc[j] + offset) * pow2::<F>(layout.lane_bits * t as u32)
  })
}

// --- Convolutions and average pooling -----------------------------------------------------
//
// A map layer's lanes run over output *channels* at one output position: group `(p, cg)`
// holds channels `cg * lanes + t` at position `p` (output index `c * positions + p`). Every
// position uses the same packed kernel, so one packed weight serves `lanes` channels at every
// position. The soundness argument above applies unchanged, lane by lane. A map layer's
// `LaneLayout::n_out` counts output channels.

/// The layout private-weight mode uses for a convolution: from declared bounds only.
pub fn declared_conv_layout(settings: &Settings, layer: &ConvLayer) -> Result<LaneLayout> {
  let w = 1u128 << (settings.weight_bits - 1);
  let half = 1u128 << (settings.act_bits - 1);
  let fan_in = (layer.window.channels * layer.window.taps()) as u128 + layer.skip.map_or(0, |_| 1);
  LaneLayout::for_bound(
    fan_in * w * half + settings.bias_bound() as u128,
    settings,
    layer.c_out,
  )
}

/// Packed kernel of a convolution: `P[cg][ci][tap] = sum_t W[cg*lanes+t][ci][tap] 2^(L t)`,
/// flattened as `(cg * c_in + ci) * taps + tap`.
pub fn pack_conv_weights<F: PrimeField>(layer: &ConvLayer, layout: &LaneLayout) -> Vec<F> {
  let per = layer.window.channels * layer.window.taps();
  let shifts: Vec<F> = (0..layout.lanes)
    .map(|t| pow2::<F>(layout.lane_bits * t as u32))
    .collect();
  let mut out = Vec::with_capacity(layout.groups() * per);
  for cg in 0..layout.groups() {
    for i in 0..per {
      let mut acc = F::ZERO;
      for (t, co) in layout.group(cg).enumerate() {
        let w = layer.weight[co * per + i];
        if w != 0 {
          acc += field_i64::<F>(w) * shifts[t];
        }
      }
      out.push(acc);
    }
  }
  out
}

/// Packed biases of a convolution per channel group, with the lane offset folded in.
pub fn pack_conv_bias<F: PrimeField>(
  layer: &ConvLayer,
  layout: &LaneLayout,
  settings: &Settings,
) -> Vec<F> {
  let offset = 1i64 << (settings.lane_digits() - 1);
  (0..layout.groups())
    .map(|cg| {
      layout.group(cg).enumerate().fold(F::ZERO, |acc, (t, co)| {
        acc + field_i64::<F>(layer.bias[co] + offset) * pow2::<F>(layout.lane_bits * t as u32)
      })
    })
    .collect()
}

/// Packed accumulator of map group `(p, cg)` from integer accumulators `acc[c * positions + p]`.
pub fn pack_map_acc<F: PrimeField>(
  acc: &[i64],
  layout: &LaneLayout,
  settings: &Settings,
  positions: usize,
  p: usize,
  cg: usize,
) -> F {
  let offset = 1i64 << (settings.lane_digits() - 1);
  layout.group(cg).enumerate().fold(F::ZERO, |sum, (t, c)| {
    sum + field_i64::<F>(acc[c * positions + p] + offset) * pow2::<F>(layout.lane_bits * t as u32)
  })
}

/// Packs activations for hashing: `a` bits each, offset by `2^(a-1)` to be nonnegative.
pub fn pack_activations<F: PrimeField>(values: &[i64], act_bits: u32) -> Vec<F> {
  let half = 1i64 << (act_bits - 1);
  values
    .chunks(activations_per_element(act_bits))
    .map(|chunk| {
      chunk.iter().enumerate().fold(F::ZERO, |acc, (t, v)| {
        acc + F::from((v + half) as u64) * pow2::<F>(act_bits * t as u32)
      })
    })
    .collect()
}

#[cfg(test)]
mod tests {
  use super::*;
  type Fr = crate::engine::Fr<crate::engine::Pasta>;

  fn settings() -> Settings {
    Settings {
      act_bits: 8,
      weight_bits: 8,
      shift: 4,
    }
  }

  #[test]
  fn lane_width_covers_bound_plus_digits() {
    let s = settings();
    let layout = LaneLayout::for_bound(1000, &s, 10).unwrap();
    assert!(1u128 << (layout.lane_bits - 1) > 1000 + (1 << 12));
    assert!(layout.lane_bits as usize * layout.lanes <= MAX_PACKED_BITS as usize);
    // one bit narrower would break the inequality the soundness argument needs
    assert!(1u128 << (layout.lane_bits - 2) <= 1000 + (1 << 12));
  }

  /// `2^MAX_PACKED_BITS < p` for both profiles' step-circuit fields: the modulus has more
  /// than `MAX_PACKED_BITS + 1` bits, read off `-1 = p - 1`.
  fn modulus_bits<F: PrimeField>() -> u32 {
    let repr = (-F::ONE).to_repr();
    let bytes = repr.as_ref();
    let top = bytes.iter().rposition(|b| *b != 0).expect("p > 1");
    8 * top as u32 + (8 - bytes[top].leading_zeros())
  }

  #[test]
  fn packed_bits_fit_both_profiles_fields() {
    for bits in [
      modulus_bits::<crate::engine::Fr<crate::engine::Pasta>>(),
      modulus_bits::<crate::engine::Fr<crate::engine::Bn254>>(),
    ] {
      assert!(bits > MAX_PACKED_BITS + 1, "modulus of {bits} bits");
    }
    assert_eq!(modulus_bits::<crate::engine::Fr<crate::engine::Bn254>>(), 254);
    assert_eq!(modulus_bits::<crate::engine::Fr<crate::engine::Pasta>>(), 255);
  }

  #[test]
  fn groups_cover_outputs_exactly_once() {
    let layout = LaneLayout {
      lane_bits: 30,
      lanes: 8,
      n_out: 21,
    };
    let covered: Vec<usize> = (0..layout.groups()).flat_map(|g| layout.group(g)).collect();
    assert_eq!(covered, (0..21).collect::<Vec<_>>());
  }

  #[test]
  fn packed_product_equals_packed_accumulator() {
    let s = settings();
    let layer = DenseLayer {
      n_in: 3,
      n_out: 5,
      relu: false,
      weight: vec![1, -2, 3, -4, 5, -6, 7, -8, 9, 0, 1, -1, 127, -128, 5],
      bias: vec![3, -7, 0, 100, -100],
    };
    let layout = LaneLayout::for_bound(layer.acc_bound(&s), &s, 5).unwrap();
    let x = [-128i64, 127, -5];
    let acc = crate::model::accumulate(&layer, &x);
    let pw = pack_weights::<Fr>(&layer, &layout);
    let pb = pack_bias::<Fr>(&layer, &layout, &s);
    for g in 0..layout.groups() {
      let u = (0..3).fold(pb[g], |a, i| a + pw[g * 3 + i] * field_i64::<Fr>(x[i]));
      assert_eq!(u, pack_acc::<Fr>(&acc, &layout, &s, g));
    }
  }
}
