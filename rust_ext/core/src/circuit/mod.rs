//! The step circuit: one or more layers per Nova step, for both weight modes.
//!
//! State `z = [i, h_act]` (public model) or `[i, h_act, h_model]` (private weights).
//! Every step:
//! 1. increments the step counter `i`;
//! 2. (public model) allocates one-hot selector bits that pick step `i`'s constants;
//! 3. takes the step's input activations as advice, range-checks each with `a` bits, and
//!    checks `H_act(pack(x)) == h_act`;
//! 4. applies each layer slot, by kind ([`dense`], [`conv`], [`pool`]): lane-packed
//!    multiply-accumulate (a convolution may add the input of an earlier slot of the same
//!    step, a residual), one `s + a`-bit decomposition per lane ([`rescale`]: rescale, range
//!    check, ReLU sign), ReLU; in private mode absorbs the layer's packed weights into
//!    `h_model`; a max pooling proves its max by comparisons;
//! 5. outputs `H_act(pack(out))`.
use std::sync::Arc;

use ff::PrimeField;
use nova_snark::{
  frontend::{
    gadgets::poseidon::Elt, num::AllocatedNum, num::Num, Boolean, ConstraintSystem,
    LinearCombination, SynthesisError,
  },
  traits::circuit::StepCircuit,
};
use serde::{Deserialize, Serialize};

use crate::hash::{self, Constants, DOMAIN_ACTIVATIONS};
use crate::model::{Settings, WeightMode, Window};
use crate::packing::{activations_per_element, pow2, LaneLayout};

pub mod batch;
pub mod conv;
pub mod dense;
pub mod gadgets;
pub mod pool;
pub mod rescale;
pub mod witness;

pub use witness::{SlotWitness, StepWitness};

/// What a layer slot computes, beyond its widths.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SlotKind {
  /// Dense layer ([`dense`]); the layout's lanes run over outputs.
  Dense,
  /// Convolution ([`conv`]); the layout's lanes run over output channels.
  Conv {
    /// Input geometry.
    window: Window,
    /// Output channels.
    c_out: usize,
    /// Residual: the slot (of this step) whose input is added, times a weight.
    skip: Option<usize>,
  },
  /// Max pooling ([`pool`]); no lanes.
  MaxPool {
    /// Input geometry.
    window: Window,
  },
  /// Average pooling ([`pool`]) with its constants; lanes over channels.
  AvgPool {
    /// Input geometry.
    window: Window,
    /// Multiplier.
    mult: i64,
    /// Bias (with the rounding offset).
    bias: i64,
  },
}

impl SlotKind {
  /// Short name of the kind, as `Layer::kind` names it.
  pub fn name(&self) -> &'static str {
    match self {
      SlotKind::Dense => "dense",
      SlotKind::Conv { .. } => "conv",
      SlotKind::MaxPool { .. } => "maxpool",
      SlotKind::AvgPool { .. } => "avgpool",
    }
  }
}

/// Shape of one layer slot of a step (the same for every step of a segment).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SlotShape {
  /// Input width.
  pub n_in: usize,
  /// Output width.
  pub n_out: usize,
  /// Whether ReLU follows.
  pub relu: bool,
  /// Lane layout of the accumulators (unused by max pooling).
  pub layout: LaneLayout,
  /// The layer kind.
  pub kind: SlotKind,
}

/// Shape of a step: settings, weight mode and the layer slots.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct StepShape {
  /// Fixed-point settings.
  pub settings: Settings,
  /// Weight binding mode.
  pub mode: WeightMode,
  /// Layer slots, applied in order.
  pub slots: Vec<SlotShape>,
  /// Batch proving: `Some(b)` runs the whole network on `b` independent inputs per step
  /// (see [`batch`]); `None` is the layer chain of one inference.
  pub batch_items: Option<usize>,
}

impl StepShape {
  /// Width of the state vector `z`.
  pub fn arity(&self) -> usize {
    match self.mode {
      WeightMode::Public => 2,
      WeightMode::Private => 3,
    }
  }
  /// Input width of the step.
  pub fn n_in(&self) -> usize {
    self.slots[0].n_in
  }
  /// Output width of the step.
  pub fn n_out(&self) -> usize {
    self.slots[self.slots.len() - 1].n_out
  }
}

/// Packed constants of one layer: dense `packed_w[g * n_in + i]` and `packed_b[g]`;
/// convolution `packed_w[(cg * c_in + ci) * taps + tap]`, `packed_b[cg]` and the residual
/// multiplier; none for pooling.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlotConsts<F> {
  /// Packed weights.
  pub packed_w: Vec<F>,
  /// Packed biases with the lane offset folded in.
  pub packed_b: Vec<F>,
  /// Residual multiplier (convolutions with a residual).
  pub skip_mult: Option<F>,
}

/// Everything a segment's steps share: the shape, where the segment starts, and (public
/// model) the packed constants of every step.
#[derive(Debug)]
pub struct SegmentCircuit<F: PrimeField> {
  /// Step shape.
  pub shape: StepShape,
  /// Global index of the segment's first step.
  pub first_step: u64,
  /// Number of steps.
  pub num_steps: usize,
  /// Public model: `consts[k][slot]` for local step `k`; empty in private mode.
  pub consts: Vec<Vec<SlotConsts<F>>>,
  /// Poseidon constants.
  pub poseidon: Constants<F>,
}

/// The Nova step circuit: a segment plus (when proving) one step's witness.
#[derive(Clone, Debug)]
pub struct FoldStep<F: PrimeField> {
  /// The segment.
  pub segment: Arc<SegmentCircuit<F>>,
  /// The step's witness; `None` while shaping the circuit.
  pub witness: Option<Arc<StepWitness<F>>>,
}

impl<F: PrimeField> StepCircuit<F> for FoldStep<F> {
  fn arity(&self) -> usize {
    self.segment.shape.arity()
  }

  fn synthesize<CS: ConstraintSystem<F>>(
    &self,
    cs: &mut CS,
    z: &[AllocatedNum<F>],
  ) -> Result<Vec<AllocatedNum<F>>, SynthesisError> {
    let seg = &*self.segment;
    let shape = &seg.shape;
    let st = shape.settings;
    let w = self.witness.as_deref();
    if z.len() != shape.arity() {
      return Err(SynthesisError::Unsatisfiable(format!(
        "state has {} elements, expected {}",
        z.len(),
        shape.arity()
      )));
    }

    if let Some(items) = shape.batch_items {
      return batch::synthesize(cs, seg, z, w, items);
    }

    // 1. step counter
    let i = &z[0];
    let i_next = gadgets::increment(cs, i)?;

    // 2. step selector (public model with several steps); a one-step segment pins i instead
    let selector = match shape.mode {
      WeightMode::Public if seg.num_steps > 1 => Some(gadgets::selector(
        &mut cs.namespace(|| "selector"),
        i,
        seg.first_step,
        w.map(|w| w.selector.as_slice()),
        seg.num_steps,
      )?),
      WeightMode::Public => {
        cs.enforce(
          || "single step is step first_step",
          |lc| lc + i.get_variable() - (F::from(seg.first_step), CS::one()),
          |lc| lc + CS::one(),
          |lc| lc,
        );
        None
      }
      WeightMode::Private => None,
    };

    // 3. input activations: advice, range check, binding to h_act
    let input = alloc_ranged_input(&mut cs.namespace(|| "input"), shape, w, 0)?;
    let h_in = activation_hash(
      &mut cs.namespace(|| "hash input"),
      &seg.poseidon,
      &input,
      st,
    )?;
    cs.enforce(
      || "input hash matches h_act",
      |_| h_in.lc() - z[1].get_variable(),
      |lc| lc + CS::one(),
      |lc| lc,
    );

    // 4. layer slots; `inputs[l]` is what enters slot l (a residual may add it later)
    let mut h_model = z.get(2).map(|h| Elt::Allocated(h.clone()));
    let mut inputs: Vec<Vec<AllocatedNum<F>>> = vec![input];
    for (l, slot) in shape.slots.iter().enumerate() {
      let mut ns = cs.namespace(|| format!("slot {l}"));
      let acts = &inputs[l];
      let sw = w.map(|w| &w.slots[l]);
      let (out, h) = match &slot.kind {
        SlotKind::Dense => dense::synthesize_slot(
          &mut ns,
          seg,
          l,
          slot,
          acts,
          selector.as_deref(),
          sw,
          h_model,
        )?,
        SlotKind::Conv {
          window,
          c_out,
          skip,
        } => conv::synthesize_slot(
          &mut ns,
          seg,
          l,
          slot,
          conv::ConvGeometry {
            window,
            c_out: *c_out,
          },
          acts,
          skip.map(|s| inputs[s].as_slice()),
          selector
            .as_deref()
            .map(|bits| (bits, w.map(|w| w.selector.as_slice()))),
          sw,
          h_model,
        )?,
        SlotKind::MaxPool { window } => (
          pool::synthesize_max(&mut ns, st, window, acts, sw)?,
          h_model,
        ),
        SlotKind::AvgPool { window, mult, bias } => (
          pool::synthesize_avg(&mut ns, st, slot, window, *mult, *bias, acts, sw)?,
          h_model,
        ),
      };
      inputs.push(out);
      h_model = h;
    }
    let acts = inputs.pop().expect("a step has at least one slot");

    // 5. output hash
    let h_out = activation_hash(
      &mut cs.namespace(|| "hash output"),
      &seg.poseidon,
      &acts,
      st,
    )?;
    let mut z_next = vec![
      i_next,
      h_out.ensure_allocated(&mut cs.namespace(|| "h_act_next"))?,
    ];
    if let Some(h) = h_model {
      z_next.push(h.ensure_allocated(&mut cs.namespace(|| "h_model_next"))?);
    }
    Ok(z_next)
  }
}

/// Allocates the input activations of item `item` of the step (0 unless batching) and
/// range-checks each with `a` bits: `x + 2^(a-1) = sum_b bit_b 2^b`. This also makes the
/// hash packing below injective.
fn alloc_ranged_input<F: PrimeField, CS: ConstraintSystem<F>>(
  cs: &mut CS,
  shape: &StepShape,
  w: Option<&StepWitness<F>>,
  item: usize,
) -> Result<Vec<AllocatedNum<F>>, SynthesisError> {
  let a = shape.settings.act_bits as usize;
  let half = pow2::<F>(shape.settings.act_bits - 1);
  let n = shape.n_in();
  (0..n)
    .map(|i| {
      let i = item * n + i;
      let x = gadgets::alloc_num(cs, || format!("x{i}"), w.map(|w| w.input[i]))?;
      gadgets::decompose(
        cs,
        &format!("x{i}"),
        a,
        w.map(|w| &w.input_bits[i * a..(i + 1) * a]),
        LinearCombination::zero() + x.get_variable() + (half, CS::one()),
      )?;
      Ok(x)
    })
    .collect()
}

/// In-circuit `H_act(len, pack(values))`, matching [`hash::activation_hash`]. The values
/// must be range-checked (they are: inputs by their bits, outputs by their lane digits).
fn activation_hash<F: PrimeField, CS: ConstraintSystem<F>>(
  cs: &mut CS,
  consts: &Constants<F>,
  values: &[AllocatedNum<F>],
  st: Settings,
) -> Result<Elt<F>, SynthesisError> {
  let half = pow2::<F>(st.act_bits - 1);
  let mut elems = vec![Elt::num_from_fr::<CS>(F::from(values.len() as u64))];
  for chunk in values.chunks(activations_per_element(st.act_bits)) {
    let mut num = Num::zero();
    for (t, v) in chunk.iter().enumerate() {
      let coeff = pow2::<F>(st.act_bits * t as u32);
      num = num
        .add(&Num::from(v.clone()).scale(coeff))
        .add_bool_with_coeff(CS::one(), &Boolean::Constant(true), half * coeff);
    }
    elems.push(Elt::Num(num));
  }
  hash::hash_circuit(cs, consts, DOMAIN_ACTIVATIONS, &elems)
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_maps;
