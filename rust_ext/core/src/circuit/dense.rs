//! One dense layer slot of the step circuit.
//!
//! Multiply-accumulate, lane-packed (see [`crate::packing`] for the soundness argument):
//! - public model, several steps: `u_{k,g} = s_k * (sum_i P_{k,g,i} x_i + B_{k,g})`, one
//!   constraint per step and group, and `U_g = sum_k u_{k,g}`. The `P`, `B` are constants,
//!   so the selected product costs one constraint whatever the width; only the selected
//!   step's `u` is nonzero, which keeps the witness cheap to commit to.
//! - public model, one step: `U_g = sum_i P_{g,i} x_i + B_g` is linear (no constraint).
//! - private weights: `P_{g,i}`, `B_g` are advice; `t_{g,i} = P_{g,i} x_i` (one constraint
//!   each), `U_g = sum_i t_{g,i} + B_g`, and the chain absorbs
//!   `h' = H_layer(h, salt, P.., B..)`.
//!
//! Then for every group one linear constraint `U_g = sum_t d_t 2^(L t)` with `s + a` bits
//! per lane digit `d_t`; of each digit the low `s` bits are the rescale remainder, the next
//! `a` bits are `y + 2^(a-1)` and the top bit is the sign `[y >= 0]`:
//! `out = sign * (y mod 2^(a-1))` with ReLU, `out = y` without; one constraint each.
use ff::PrimeField;
use nova_snark::frontend::{
  gadgets::poseidon::Elt, num::AllocatedNum, ConstraintSystem, LinearCombination, SynthesisError,
  Variable,
};

use super::{gadgets, rescale, SegmentCircuit, SlotShape, SlotWitness};
use crate::hash::{self, DOMAIN_LAYER};
use crate::model::WeightMode;

/// Synthesizes slot `l`: returns its output activations and the updated model hash.
#[allow(clippy::too_many_arguments)]
pub fn synthesize_slot<F: PrimeField, CS: ConstraintSystem<F>>(
  cs: &mut CS,
  seg: &SegmentCircuit<F>,
  l: usize,
  slot: &SlotShape,
  x: &[AllocatedNum<F>],
  selector: Option<&[Variable]>,
  w: Option<&SlotWitness<F>>,
  h_model: Option<Elt<F>>,
) -> Result<(Vec<AllocatedNum<F>>, Option<Elt<F>>), SynthesisError> {
  let st = seg.shape.settings;
  let layout = slot.layout;
  let groups = layout.groups();

  // Multiply-accumulate: one linear combination U_g per lane group.
  let (acc, h_model): (Vec<LinearCombination<F>>, Option<Elt<F>>) = match seg.shape.mode {
    WeightMode::Public => (public_mac(cs, seg, l, x, selector, w)?, h_model),
    WeightMode::Private => {
      let (acc, absorbed) = private_mac(cs, slot, x, w)?;
      let prev = h_model.ok_or_else(|| {
        SynthesisError::Unsatisfiable("private weights need h_model in the state".into())
      })?;
      let mut elems = vec![prev];
      elems.extend(absorbed);
      let h = hash::hash_circuit(
        &mut cs.namespace(|| "model chain"),
        &seg.poseidon,
        DOMAIN_LAYER,
        &elems,
      )?;
      (acc, Some(h))
    }
  };
  debug_assert_eq!(acc.len(), groups);

  // Decomposition of every lane into s + a bits, then the outputs.
  let groups = acc
    .into_iter()
    .enumerate()
    .map(|(g, acc)| rescale::Group {
      acc,
      outputs: layout.group(g).collect(),
    })
    .collect();
  let out = rescale::synthesize(cs, st, slot, groups, w)?;
  Ok((out, h_model))
}

/// Public model: the packed accumulators as linear combinations (see the module docs).
fn public_mac<F: PrimeField, CS: ConstraintSystem<F>>(
  cs: &mut CS,
  seg: &SegmentCircuit<F>,
  l: usize,
  x: &[AllocatedNum<F>],
  selector: Option<&[Variable]>,
  w: Option<&SlotWitness<F>>,
) -> Result<Vec<LinearCombination<F>>, SynthesisError> {
  let slot = &seg.shape.slots[l];
  let groups = slot.layout.groups();
  let n = slot.n_in;
  let mac = |c: &super::SlotConsts<F>, g: usize, lc: LinearCombination<F>| {
    let row = &c.packed_w[g * n..(g + 1) * n];
    let lc = row
      .iter()
      .zip(x)
      .filter(|(p, _)| !bool::from(p.is_zero()))
      .fold(lc, |lc, (p, v)| lc + (*p, v.get_variable()));
    lc + (c.packed_b[g], CS::one())
  };
  let Some(sel) = selector else {
    let c = &seg.consts[0][l];
    return Ok(
      (0..groups)
        .map(|g| mac(c, g, LinearCombination::zero()))
        .collect(),
    );
  };
  let mut acc = vec![LinearCombination::zero(); groups];
  for (k, s_k) in sel.iter().enumerate() {
    let c = &seg.consts[k][l];
    for (g, acc_g) in acc.iter_mut().enumerate() {
      let u = gadgets::alloc(
        cs,
        || format!("u step {k} group {g}"),
        w.map(|w| w.mac[k * groups + g]),
      )?;
      cs.enforce(
        || format!("u step {k} group {g} = s_k * mac"),
        |lc| lc + *s_k,
        |lc| mac(c, g, lc),
        |lc| lc + u,
      );
      *acc_g = acc_g.clone() + u;
    }
  }
  Ok(acc)
}

/// Private weights: advice packed weights, one product per packed weight; returns the
/// accumulators and the elements to absorb into the model chain (salt, weights, biases).
fn private_mac<F: PrimeField, CS: ConstraintSystem<F>>(
  cs: &mut CS,
  slot: &SlotShape,
  x: &[AllocatedNum<F>],
  w: Option<&SlotWitness<F>>,
) -> Result<(Vec<LinearCombination<F>>, Vec<Elt<F>>), SynthesisError> {
  let groups = slot.layout.groups();
  let n = slot.n_in;
  let p = w.and_then(|w| w.private.as_ref());
  let salt = gadgets::alloc_num(cs, || "salt".into(), p.map(|p| p.salt))?;
  let mut absorbed = vec![Elt::Allocated(salt)];
  let mut weights = Vec::with_capacity(groups * n);
  for g in 0..groups {
    for i in 0..n {
      weights.push(gadgets::alloc_num(
        cs,
        || format!("P {g} {i}"),
        p.map(|p| p.packed_w[g * n + i]),
      )?);
    }
  }
  let biases = (0..groups)
    .map(|g| gadgets::alloc_num(cs, || format!("B {g}"), p.map(|p| p.packed_b[g])))
    .collect::<Result<Vec<_>, _>>()?;
  let mut acc = Vec::with_capacity(groups);
  for (g, b) in biases.iter().enumerate() {
    let mut lc = LinearCombination::zero() + b.get_variable();
    for i in 0..n {
      let pw = &weights[g * n + i];
      let t = gadgets::alloc(cs, || format!("t {g} {i}"), w.map(|w| w.mac[g * n + i]))?;
      cs.enforce(
        || format!("t {g} {i} = P x"),
        |lc| lc + pw.get_variable(),
        |lc| lc + x[i].get_variable(),
        |lc| lc + t,
      );
      lc = lc + t;
    }
    acc.push(lc);
  }
  absorbed.extend(weights.into_iter().map(Elt::Allocated));
  absorbed.extend(biases.into_iter().map(Elt::Allocated));
  Ok((acc, absorbed))
}
