//! Pooling slots of the step circuit.
//!
//! **Max pooling** proves the max, it does not trust it. For each output `o` over the window's
//! inputs `x_1..x_n` (in the padding there are none):
//! - `o - x_t` is decomposed into `a` boolean bits for every `t`, so `0 <= o - x_t < 2^a`
//!   over the integers (the inputs are range-checked to `a` bits and `2^(a+1)` is far below
//!   the field size, so no wrap-around can fake it): `o >= max_t x_t`;
//! - `prod_t (o - x_t) = 0` (a chain of `n - 1` products): the field has no zero divisors, so
//!   some factor is zero, `o = x_t` for some `t`, and `o <= max_t x_t`.
//! Together `o = max_t x_t`, which is in range because every input is. No rescale.
//!
//! **Average pooling** is linear with constants that belong to the step shape (the multiplier
//! and bias are the same for every step of a segment), lane-packed over channels like a
//! convolution: `U_{p,cg} = sum_t 2^(L t) (m * sum_tap x[c_t, tap(p)] + b + 2^(s+a-1))`,
//! followed by [`super::rescale`]. It costs no product.
use ff::PrimeField;
use nova_snark::frontend::{
  num::AllocatedNum, ConstraintSystem, LinearCombination, SynthesisError,
};

use super::{gadgets, rescale, SlotShape, SlotWitness};
use crate::model::{Settings, Window};
use crate::packing::{field_i64, pow2};

/// The low `n` bits of a field element's canonical little-endian representation.
fn low_bits<F: PrimeField>(v: F, n: usize) -> Vec<F> {
  let repr = v.to_repr();
  let bytes = repr.as_ref();
  (0..n)
    .map(|b| {
      if (bytes[b / 8] >> (b % 8)) & 1 == 1 {
        F::ONE
      } else {
        F::ZERO
      }
    })
    .collect()
}

/// The inputs of window `p` of channel `c`: flat indices into the slot input.
fn window_inputs(win: &Window, c: usize, p: usize) -> Vec<usize> {
  let plane = win.height * win.width;
  let (kh, kw) = win.kernel;
  (0..kh)
    .flat_map(|ky| (0..kw).map(move |kx| (ky, kx)))
    .filter_map(|(ky, kx)| win.tap(p, ky, kx))
    .map(|t| c * plane + t)
    .collect()
}

/// Synthesizes a max pooling: returns its outputs.
pub fn synthesize_max<F: PrimeField, CS: ConstraintSystem<F>>(
  cs: &mut CS,
  st: Settings,
  win: &Window,
  x: &[AllocatedNum<F>],
  w: Option<&SlotWitness<F>>,
) -> Result<Vec<AllocatedNum<F>>, SynthesisError> {
  let a = st.act_bits as usize;
  let positions = win.positions();
  let mut out = Vec::with_capacity(win.channels * positions);
  for c in 0..win.channels {
    for p in 0..positions {
      let j = c * positions + p;
      let mut cs = cs.namespace(|| format!("max {j}"));
      let o = gadgets::alloc_num(&mut cs, || "o".into(), w.map(|w| w.out[j]))?;
      let inputs = window_inputs(win, c, p);
      let diff = |i: usize| LinearCombination::zero() + o.get_variable() - x[i].get_variable();
      // o - x_t in [0, 2^a) for every t.
      for (t, &i) in inputs.iter().enumerate() {
        let value = o
          .get_value()
          .zip(x[i].get_value())
          .map(|(o, x)| low_bits(o - x, a));
        gadgets::decompose(&mut cs, &format!("t{t}"), a, value.as_deref(), diff(i))?;
      }
      // prod_t (o - x_t) = 0.
      let value = |i: usize| o.get_value().zip(x[i].get_value()).map(|(o, x)| o - x);
      match inputs.as_slice() {
        [] => {
          return Err(SynthesisError::Unsatisfiable(format!(
            "window {j} sees no input"
          )))
        }
        [only] => cs.enforce(|| "o = x", |_| diff(*only), |lc| lc + CS::one(), |lc| lc),
        [first, rest @ ..] => {
          let mut running = diff(*first);
          let mut running_value = value(*first);
          for (t, &i) in rest.iter().enumerate() {
            if t + 1 == rest.len() {
              cs.enforce(
                || "product is zero",
                |_| running.clone(),
                |_| diff(i),
                |lc| lc,
              );
            } else {
              let next_value = running_value.zip(value(i)).map(|(r, d)| r * d);
              let next = gadgets::alloc(&mut cs, || format!("prod {t}"), next_value)?;
              cs.enforce(
                || format!("prod {t} is a product"),
                |_| running.clone(),
                |_| diff(i),
                |lc| lc + next,
              );
              running = LinearCombination::zero() + next;
              running_value = next_value;
            }
          }
        }
      }
      out.push(o);
    }
  }
  Ok(out)
}

/// Synthesizes an average pooling with multiplier `mult` and bias `bias`: returns its outputs.
#[allow(clippy::too_many_arguments)]
pub fn synthesize_avg<F: PrimeField, CS: ConstraintSystem<F>>(
  cs: &mut CS,
  st: Settings,
  slot: &SlotShape,
  win: &Window,
  mult: i64,
  bias: i64,
  x: &[AllocatedNum<F>],
  w: Option<&SlotWitness<F>>,
) -> Result<Vec<AllocatedNum<F>>, SynthesisError> {
  let layout = slot.layout;
  let positions = win.positions();
  let offset = 1i64 << (st.lane_digits() - 1);
  let (m, b) = (field_i64::<F>(mult), field_i64::<F>(bias + offset));
  let mut groups = Vec::with_capacity(positions * layout.groups());
  for p in 0..positions {
    for cg in 0..layout.groups() {
      let mut lc = LinearCombination::zero();
      for (t, c) in layout.group(cg).enumerate() {
        let shift = pow2::<F>(layout.lane_bits * t as u32);
        lc = lc + (b * shift, CS::one());
        for i in window_inputs(win, c, p) {
          lc = lc + (m * shift, x[i].get_variable());
        }
      }
      groups.push(rescale::Group {
        acc: lc,
        outputs: layout.group(cg).map(|c| c * positions + p).collect(),
      });
    }
  }
  rescale::synthesize(cs, st, slot, groups, w)
}
