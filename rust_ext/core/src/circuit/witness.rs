//! Native witness generation for one step: every advice value the step circuit allocates,
//! computed from the integer forward pass. Fields are public so tests can tamper with them.
use ff::PrimeField;

use super::{SegmentCircuit, SlotKind};
use crate::error::Result;
use crate::hash::salt_field;
use crate::model::{apply_layer, Layer, WeightMode};
use crate::packing::{
  field_i64, pack_acc, pack_bias, pack_conv_bias, pack_conv_weights, pack_weights,
};

/// Private-weights advice of one slot.
#[derive(Clone, Debug)]
pub struct PrivateSlot<F> {
  /// Layer salt.
  pub salt: F,
  /// Packed weights (dense `g * n_in + i`; convolution as in [`super::SlotConsts`]).
  pub packed_w: Vec<F>,
  /// Packed biases (a convolution with a residual appends its multiplier).
  pub packed_b: Vec<F>,
}

/// Advice of one layer slot.
#[derive(Clone, Debug)]
pub struct SlotWitness<F> {
  /// Dense only: public model `u[k * groups + g]`; private weights `t[g * n_in + i]`.
  pub mac: Vec<F>,
  /// Private weights only.
  pub private: Option<PrivateSlot<F>>,
  /// Lane digits' bits, `j * (s + a) + b`.
  pub digits: Vec<F>,
  /// Output activations.
  pub out: Vec<F>,
}

/// Advice of one step.
#[derive(Clone, Debug)]
pub struct StepWitness<F> {
  /// Selector bits (public model with several steps), one per step of the segment.
  pub selector: Vec<F>,
  /// Input activations.
  pub input: Vec<F>,
  /// Input range bits, `i * a + b`.
  pub input_bits: Vec<F>,
  /// Slots, in order.
  pub slots: Vec<SlotWitness<F>>,
}

fn bits<F: PrimeField>(v: u64, n: usize, out: &mut Vec<F>) {
  out.extend((0..n).map(|b| if (v >> b) & 1 == 1 { F::ONE } else { F::ZERO }));
}

impl<F: PrimeField> SegmentCircuit<F> {
  /// Computes the witness of local step `k` on input `x`, given the step's layers (and in
  /// private mode their salts); returns it with the step's output activations.
  ///
  /// `first_layer` is the global index of the step's first layer (for range errors).
  pub fn witness(
    &self,
    k: usize,
    x: &[i64],
    layers: &[&Layer],
    salts: &[[u8; 32]],
    first_layer: usize,
  ) -> Result<(StepWitness<F>, Vec<i64>)> {
    let st = self.shape.settings;
    let a = st.act_bits as usize;
    let q = st.lane_digits();
    let half = 1i64 << (a - 1);
    let mut input_bits = Vec::with_capacity(x.len() * a);
    for v in x {
      bits((v + half) as u64, a, &mut input_bits);
    }
    let selector = match self.shape.mode {
      WeightMode::Public if self.num_steps > 1 => (0..self.num_steps)
        .map(|j| if j == k { F::ONE } else { F::ZERO })
        .collect(),
      _ => Vec::new(),
    };
    let mut slots = Vec::with_capacity(layers.len());
    let mut entering: Vec<Vec<i64>> = vec![x.to_vec()];
    for (l, (layer, slot)) in layers.iter().zip(&self.shape.slots).enumerate() {
      let act = &entering[l];
      let skip_input = match &slot.kind {
        SlotKind::Conv { skip: Some(s), .. } => Some(entering[*s].as_slice()),
        _ => None,
      };
      let (acc, out) = apply_layer(&st, first_layer + l, layer, act, skip_input)?;
      let layout = &slot.layout;
      let (mac, private) = match (layer, self.shape.mode) {
        (Layer::Dense(dense), mode) => {
          let groups = layout.groups();
          let packed: Vec<F> = (0..groups)
            .map(|g| pack_acc(&acc, layout, &st, g))
            .collect();
          match mode {
            // Several steps: one product per (step, group), only step k's nonzero.
            WeightMode::Public if self.num_steps > 1 => {
              let mut mac = vec![F::ZERO; self.num_steps * groups];
              mac[k * groups..(k + 1) * groups].copy_from_slice(&packed);
              (mac, None)
            }
            // One step: the accumulator is linear, there is no product advice.
            WeightMode::Public => (Vec::new(), None),
            WeightMode::Private => {
              let packed_w = pack_weights::<F>(dense, layout);
              let packed_b = pack_bias::<F>(dense, layout, &st);
              let xs: Vec<F> = act.iter().map(|v| field_i64::<F>(*v)).collect();
              let n = slot.n_in;
              let mac = (0..groups * n)
                .map(|gi| packed_w[gi] * xs[gi % n])
                .collect();
              let salt = salt_field::<F>(&salts[l]);
              (
                mac,
                Some(PrivateSlot {
                  salt,
                  packed_w,
                  packed_b,
                }),
              )
            }
          }
        }
        // Products are computed while synthesizing, from the allocated values.
        (Layer::Conv(conv), WeightMode::Private) => {
          let mut packed_b = pack_conv_bias::<F>(conv, layout, &st);
          packed_b.extend(conv.skip.map(|s| field_i64::<F>(s.mult)));
          (
            Vec::new(),
            Some(PrivateSlot {
              salt: salt_field::<F>(&salts[l]),
              packed_w: pack_conv_weights::<F>(conv, layout),
              packed_b,
            }),
          )
        }
        _ => (Vec::new(), None),
      };
      let digits = match &slot.kind {
        SlotKind::MaxPool { .. } => Vec::new(),
        _ => {
          let offset = 1i64 << (q - 1);
          let mut digits = Vec::with_capacity(acc.len() * q);
          for v in &acc {
            bits((v + offset) as u64, q, &mut digits);
          }
          digits
        }
      };
      slots.push(SlotWitness {
        mac,
        private,
        digits,
        out: out.iter().map(|v| field_i64::<F>(*v)).collect(),
      });
      entering.push(out);
    }
    let act = entering.pop().expect("a step has at least one slot");
    Ok((
      StepWitness {
        selector,
        input: x.iter().map(|v| field_i64::<F>(*v)).collect(),
        input_bits,
        slots,
      },
      act,
    ))
  }
}

impl<F: PrimeField> SegmentCircuit<F> {
  /// Witness of one batch step (see [`super::batch`]): the items' witnesses concatenated in
  /// order (inputs, input bits, and `slots[t * L + l]`); returns it with each item's output.
  pub fn batch_witness(
    &self,
    xs: &[Vec<i64>],
    layers: &[&Layer],
  ) -> Result<(StepWitness<F>, Vec<Vec<i64>>)> {
    let mut all = StepWitness {
      selector: Vec::new(),
      input: Vec::new(),
      input_bits: Vec::new(),
      slots: Vec::with_capacity(xs.len() * layers.len()),
    };
    let mut outs = Vec::with_capacity(xs.len());
    for x in xs {
      let (w, y) = self.witness(0, x, layers, &[], 0)?;
      all.input.extend(w.input);
      all.input_bits.extend(w.input_bits);
      all.slots.extend(w.slots);
      outs.push(y);
    }
    Ok((all, outs))
  }
}
