//! Small R1CS gadgets shared by the step circuit: advice allocation, booleanity, selectors.
use ff::PrimeField;
use nova_snark::frontend::{
  num::AllocatedNum, ConstraintSystem, LinearCombination, SynthesisError, Variable,
};

use crate::packing::pow2;

/// Allocates an advice variable with an optional value (absent while shaping the circuit).
pub fn alloc<F: PrimeField, CS: ConstraintSystem<F>>(
  cs: &mut CS,
  name: impl FnOnce() -> String,
  value: Option<F>,
) -> Result<Variable, SynthesisError> {
  cs.alloc(name, || value.ok_or(SynthesisError::AssignmentMissing))
}

/// Allocates an advice number (an [`AllocatedNum`]) with an optional value.
pub fn alloc_num<F: PrimeField, CS: ConstraintSystem<F>>(
  cs: &mut CS,
  name: impl FnOnce() -> String,
  value: Option<F>,
) -> Result<AllocatedNum<F>, SynthesisError> {
  AllocatedNum::alloc(cs.namespace(name), || {
    value.ok_or(SynthesisError::AssignmentMissing)
  })
}

/// The step counter: allocates `i + 1` and constrains it to be that.
pub fn increment<F: PrimeField, CS: ConstraintSystem<F>>(
  cs: &mut CS,
  i: &AllocatedNum<F>,
) -> Result<AllocatedNum<F>, SynthesisError> {
  let next = alloc_num(cs, || "i_next".into(), i.get_value().map(|v| v + F::ONE))?;
  cs.enforce(
    || "i_next = i + 1",
    |lc| lc + i.get_variable() + CS::one(),
    |lc| lc + CS::one(),
    |lc| lc + next.get_variable(),
  );
  Ok(next)
}

/// Allocates a bit: an advice variable constrained by `b * (1 - b) = 0`.
///
/// The value is a field element (not a `bool`) so tests can hand in a non-boolean value and
/// watch the booleanity constraint reject it.
pub fn alloc_bit<F: PrimeField, CS: ConstraintSystem<F>>(
  cs: &mut CS,
  name: impl FnOnce() -> String + Clone,
  value: Option<F>,
) -> Result<Variable, SynthesisError> {
  let n2 = name.clone();
  let v = alloc(cs, name, value)?;
  cs.enforce(
    || format!("{} is boolean", n2()),
    |lc| lc + v,
    |lc| lc + CS::one() - v,
    |lc| lc,
  );
  Ok(v)
}

/// One-hot step selector: bits `s_k`, `sum s_k = 1`, `sum k s_k = i - first_step`.
///
/// Exactly one bit is set (booleanity plus sum one), and its index is the segment-local step
/// index, so the constants selected by these bits are those of step `i` and no other.
pub fn selector<F: PrimeField, CS: ConstraintSystem<F>>(
  cs: &mut CS,
  i: &AllocatedNum<F>,
  first_step: u64,
  values: Option<&[F]>,
  num_steps: usize,
) -> Result<Vec<Variable>, SynthesisError> {
  let bits = (0..num_steps)
    .map(|k| alloc_bit(cs, move || format!("select {k}"), values.map(|v| v[k])))
    .collect::<Result<Vec<_>, _>>()?;
  cs.enforce(
    || "selector sums to one",
    |lc| bits.iter().fold(lc, |lc, b| lc + *b),
    |lc| lc + CS::one(),
    |lc| lc + CS::one(),
  );
  cs.enforce(
    || "selector picks step i",
    |lc| {
      bits
        .iter()
        .enumerate()
        .fold(lc, |lc, (k, b)| lc + (F::from(k as u64), *b))
    },
    |lc| lc + CS::one(),
    |lc| lc + i.get_variable() - (F::from(first_step), CS::one()),
  );
  Ok(bits)
}

/// Range check by decomposition: allocates `n` bits `{label} bit b` (advice `values`) and
/// enforces `sum_b bit_b 2^b = target` (`{label} range`), so `target` lies in `[0, 2^n)`
/// whenever `2^n` is far below the field size.
pub fn decompose<F: PrimeField, CS: ConstraintSystem<F>>(
  cs: &mut CS,
  label: &str,
  n: usize,
  values: Option<&[F]>,
  target: LinearCombination<F>,
) -> Result<Vec<Variable>, SynthesisError> {
  let bits = (0..n)
    .map(|b| alloc_bit(cs, move || format!("{label} bit {b}"), values.map(|v| v[b])))
    .collect::<Result<Vec<_>, _>>()?;
  cs.enforce(
    || format!("{label} range"),
    |lc| {
      bits
        .iter()
        .enumerate()
        .fold(lc, |lc, (b, v)| lc + (pow2::<F>(b as u32), *v))
    },
    |lc| lc + CS::one(),
    |_| target,
  );
  Ok(bits)
}
