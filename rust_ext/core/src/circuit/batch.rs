//! The batch step: the whole network on `b` independent inputs per step (public model).
//!
//! State `z = [i, h_io]`. Every step:
//! 1. increments `i` (no selector and no position pin: every step applies the same
//!    weights, so one set of parameters serves any number of steps);
//! 2. for each item `t < b`, takes its input as advice, range-checks it with `a` bits and
//!    applies every layer slot ([`super::dense`]) with the constant weights, which are
//!    therefore bound once per step for all `b` items;
//! 3. absorbs the step's inputs and outputs into the running chain:
//!    `h_io' = H_batch(h_io, H_act(x_0 .. x_{b-1}), H_act(y_0 .. y_{b-1}))`.
//!
//! The verifier recomputes the chain from the claimed inputs and outputs (range-checked, so
//! the lane-packed hashes are injective), so the proof binds the ordered list of pairs.
use ff::PrimeField;
use nova_snark::frontend::{
  gadgets::poseidon::Elt, num::AllocatedNum, ConstraintSystem, SynthesisError,
};

use super::{activation_hash, alloc_ranged_input, dense, gadgets, SegmentCircuit, StepWitness};
use crate::hash::{self, DOMAIN_BATCH};
use crate::model::WeightMode;

/// Synthesizes one batch step of `items` inputs (see the module docs).
pub(super) fn synthesize<F: PrimeField, CS: ConstraintSystem<F>>(
  cs: &mut CS,
  seg: &SegmentCircuit<F>,
  z: &[AllocatedNum<F>],
  w: Option<&StepWitness<F>>,
  items: usize,
) -> Result<Vec<AllocatedNum<F>>, SynthesisError> {
  let shape = &seg.shape;
  if shape.mode != WeightMode::Public || seg.consts.len() != 1 || items == 0 {
    return Err(SynthesisError::Unsatisfiable(
      "a batch step needs public weights, one set of constants and at least one item".into(),
    ));
  }
  let i_next = gadgets::increment(cs, &z[0])?;

  let slots = shape.slots.len();
  let mut inputs = Vec::with_capacity(items * shape.n_in());
  let mut outputs = Vec::with_capacity(items * shape.n_out());
  for t in 0..items {
    let x = alloc_ranged_input(&mut cs.namespace(|| format!("input {t}")), shape, w, t)?;
    inputs.extend(x.iter().cloned());
    let mut acts = x;
    for (l, slot) in shape.slots.iter().enumerate() {
      let mut ns = cs.namespace(|| format!("slot {l} item {t}"));
      let (out, _) = dense::synthesize_slot(
        &mut ns,
        seg,
        l,
        slot,
        &acts,
        None,
        w.map(|w| &w.slots[t * slots + l]),
        None,
      )?;
      acts = out;
    }
    outputs.extend(acts);
  }

  let st = shape.settings;
  let h_in = activation_hash(
    &mut cs.namespace(|| "hash input"),
    &seg.poseidon,
    &inputs,
    st,
  )?;
  let h_out = activation_hash(
    &mut cs.namespace(|| "hash output"),
    &seg.poseidon,
    &outputs,
    st,
  )?;
  let h_io = hash::hash_circuit(
    &mut cs.namespace(|| "hash batch chain"),
    &seg.poseidon,
    DOMAIN_BATCH,
    &[Elt::Allocated(z[1].clone()), h_in, h_out],
  )?;
  Ok(vec![
    i_next,
    h_io.ensure_allocated(&mut cs.namespace(|| "h_io_next"))?,
  ])
}
