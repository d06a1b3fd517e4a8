//! The rescale every linear layer kind ends with: each lane of a packed accumulator is
//! decomposed into `s + a` bits (see [`crate::packing`] for why that is sound), and the same
//! bits give the rescale remainder (low `s`), the range check of `y = floor(acc / 2^s)` (the
//! next `a`, offset by `2^(a-1)`), and the ReLU sign (the top bit).
use ff::PrimeField;
use nova_snark::frontend::{
  num::AllocatedNum, ConstraintSystem, LinearCombination, SynthesisError, Variable,
};

use super::{gadgets, SlotShape, SlotWitness};
use crate::model::Settings;
use crate::packing::pow2;

/// One packed accumulator and the output index of each of its lanes (lane `t` at bit
/// offset `L t`).
pub struct Group<F: PrimeField> {
  /// The packed accumulator (offsets included).
  pub acc: LinearCombination<F>,
  /// Output index of lane `t`.
  pub outputs: Vec<usize>,
}

/// Decomposes every group's lanes of `slot` and returns its `n_out` outputs (after ReLU when
/// the slot has it). The advice is the slot witness's `digits[j * (s + a) + b]` and `out[j]`
/// (absent while shaping).
pub fn synthesize<F: PrimeField, CS: ConstraintSystem<F>>(
  cs: &mut CS,
  st: Settings,
  slot: &SlotShape,
  groups: Vec<Group<F>>,
  w: Option<&SlotWitness<F>>,
) -> Result<Vec<AllocatedNum<F>>, SynthesisError> {
  let (lane_bits, n_out, relu) = (slot.layout.lane_bits, slot.n_out, slot.relu);
  let digits_advice = w.map(|w| w.digits.as_slice());
  let out_advice = w.map(|w| w.out.as_slice());
  let q = st.lane_digits();
  let s = st.shift as usize;
  let a = st.act_bits as usize;
  let mut digits: Vec<Variable> = Vec::with_capacity(n_out * q);
  for j in 0..n_out {
    for b in 0..q {
      digits.push(gadgets::alloc_bit(
        cs,
        move || format!("out{j} bit {b}"),
        digits_advice.map(|d| d[j * q + b]),
      )?);
    }
  }
  for (g, group) in groups.into_iter().enumerate() {
    let digits = &digits;
    cs.enforce(
      || format!("group {g} decomposes"),
      |_| {
        let mut lc = group.acc;
        for (t, j) in group.outputs.iter().enumerate() {
          for b in 0..q {
            lc = lc
              - (
                pow2::<F>(lane_bits * t as u32 + b as u32),
                digits[j * q + b],
              );
          }
        }
        lc
      },
      |lc| lc + CS::one(),
      |lc| lc,
    );
  }

  // y = sum_{b<a} d_{s+b} 2^b - 2^(a-1); ReLU keeps the low a-1 bits when y >= 0.
  let half = pow2::<F>(st.act_bits - 1);
  let mut out = Vec::with_capacity(n_out);
  for j in 0..n_out {
    let d = &digits[j * q + s..j * q + s + a];
    let v = gadgets::alloc_num(cs, || format!("out{j}"), out_advice.map(|o| o[j]))?;
    if relu {
      cs.enforce(
        || format!("out{j} = relu"),
        |lc| lc + d[a - 1],
        |lc| {
          d[..a - 1]
            .iter()
            .enumerate()
            .fold(lc, |lc, (b, v)| lc + (pow2::<F>(b as u32), *v))
        },
        |lc| lc + v.get_variable(),
      );
    } else {
      cs.enforce(
        || format!("out{j} = y"),
        |lc| {
          d.iter()
            .enumerate()
            .fold(lc, |lc, (b, v)| lc + (pow2::<F>(b as u32), *v))
            - (half, CS::one())
        },
        |lc| lc + CS::one(),
        |lc| lc + v.get_variable(),
      );
    }
    out.push(v);
  }
  Ok(out)
}
