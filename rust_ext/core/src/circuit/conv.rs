//! One convolution slot of the step circuit (and the residual addition that may end it).
//!
//! Lanes run over output channels at one output position (see [`crate::packing`]): group
//! `(p, cg)` packs channels `cg * lanes + t` at position `p`, and
//! `U_{p,cg} = sum_{ci, tap} x[ci, tap(p)] * P[cg, ci, tap] + B[cg]
//!            + sum_t 2^(L t) * m * x_skip[cg * lanes + t, p]`
//! where a tap in the padding contributes nothing. How the packed kernel `P`, bias `B` and
//! residual multiplier `m` enter depends on the weight mode:
//! - public model, one step: they are constants, so `U` is linear (no constraint at all);
//! - public model, several steps: each is one advice value bound by one constraint to the
//!   step-selected constant, `P = sum_k s_k P_k` (so a kernel shared by every position costs
//!   its selection once, not once per position), then one product per term;
//! - private weights: they are advice, absorbed with the layer's salt into the model chain
//!   `h' = H_layer(h, salt, P.., B.., m)`, then one product per term.
//!
//! Then [`super::rescale`]: every lane decomposed into `s + a` bits, and the outputs.
use ff::PrimeField;
use nova_snark::frontend::{
  gadgets::poseidon::Elt, num::AllocatedNum, ConstraintSystem, LinearCombination, SynthesisError,
  Variable,
};

use super::{gadgets, rescale, SegmentCircuit, SlotShape, SlotWitness};
use crate::hash::{self, DOMAIN_LAYER};
use crate::model::{WeightMode, Window};
use crate::packing::pow2;

/// A packed weight as the circuit sees it.
enum Coef<F: PrimeField> {
  Const(F),
  Var(AllocatedNum<F>),
}

impl<F: PrimeField> Coef<F> {
  /// `lc + scale * coef * x`: a term of the linear combination, or one product constraint.
  fn mac<CS: ConstraintSystem<F>>(
    &self,
    cs: &mut CS,
    lc: LinearCombination<F>,
    x: &AllocatedNum<F>,
    scale: F,
  ) -> Result<LinearCombination<F>, SynthesisError> {
    Ok(match self {
      Coef::Const(c) if bool::from(c.is_zero()) => lc,
      Coef::Const(c) => lc + (*c * scale, x.get_variable()),
      Coef::Var(v) => lc + (scale, x.mul(&mut *cs, v)?.get_variable()),
    })
  }

  /// `lc + coef` (the bias).
  fn add_to<CS: ConstraintSystem<F>>(&self, lc: LinearCombination<F>) -> LinearCombination<F> {
    match self {
      Coef::Const(c) => lc + (*c, CS::one()),
      Coef::Var(v) => lc + v.get_variable(),
    }
  }
}

/// The convolution's geometry as its slot declares it.
pub struct ConvGeometry<'a> {
  /// The input window.
  pub window: &'a Window,
  /// Output channels.
  pub c_out: usize,
}

/// Synthesizes conv slot `l`: returns its outputs and the updated model hash.
#[allow(clippy::too_many_arguments)]
pub fn synthesize_slot<F: PrimeField, CS: ConstraintSystem<F>>(
  cs: &mut CS,
  seg: &SegmentCircuit<F>,
  l: usize,
  slot: &SlotShape,
  geom: ConvGeometry<'_>,
  x: &[AllocatedNum<F>],
  skip_x: Option<&[AllocatedNum<F>]>,
  selector: Option<(&[Variable], Option<&[F]>)>,
  w: Option<&SlotWitness<F>>,
  h_model: Option<Elt<F>>,
) -> Result<(Vec<AllocatedNum<F>>, Option<Elt<F>>), SynthesisError> {
  let st = seg.shape.settings;
  let layout = slot.layout;
  let win = geom.window;
  let (c_in, taps) = (win.channels, win.taps());
  let cgroups = layout.groups();
  let n_w = cgroups * c_in * taps;

  // The packed kernel, biases and residual multiplier, by weight mode.
  let (weights, biases, mult, h_model) = match seg.shape.mode {
    WeightMode::Public => {
      let (w, b, m) = public_coefs(cs, seg, l, n_w, cgroups, skip_x.is_some(), selector)?;
      (w, b, m, h_model)
    }
    WeightMode::Private => {
      let p = w.and_then(|w| w.private.as_ref());
      let salt = gadgets::alloc_num(cs, || "salt".into(), p.map(|p| p.salt))?;
      let mut alloc_all = |what: &'static str, n: usize, values: Option<&[F]>| {
        (0..n)
          .map(|i| gadgets::alloc_num(&mut *cs, || format!("{what} {i}"), values.map(|v| v[i])))
          .collect::<Result<Vec<_>, _>>()
      };
      let pw = alloc_all("P", n_w, p.map(|p| p.packed_w.as_slice()))?;
      let pb = alloc_all("B", cgroups, p.map(|p| &p.packed_b[..cgroups]))?;
      let pm = if skip_x.is_some() {
        alloc_all("m", 1, p.map(|p| &p.packed_b[cgroups..]))?.pop()
      } else {
        None
      };
      let prev = h_model.ok_or_else(|| {
        SynthesisError::Unsatisfiable("private weights need h_model in the state".into())
      })?;
      let mut elems = vec![prev, Elt::Allocated(salt)];
      elems.extend(pw.iter().chain(&pb).chain(&pm).cloned().map(Elt::Allocated));
      let h = hash::hash_circuit(
        &mut cs.namespace(|| "model chain"),
        &seg.poseidon,
        DOMAIN_LAYER,
        &elems,
      )?;
      let var = |v: Vec<AllocatedNum<F>>| v.into_iter().map(Coef::Var).collect::<Vec<_>>();
      (var(pw), var(pb), pm.map(Coef::Var), Some(h))
    }
  };

  // One packed accumulator per (position, channel group).
  let positions = win.positions();
  let plane = win.height * win.width;
  let (kh, kw) = win.kernel;
  let mut groups = Vec::with_capacity(positions * cgroups);
  for p in 0..positions {
    for (cg, bias) in biases.iter().enumerate() {
      let mut cs = cs.namespace(|| format!("mac p{p} g{cg}"));
      let mut lc = bias.add_to::<CS>(LinearCombination::zero());
      let mut term = 0usize;
      let mut next = || {
        term += 1;
        format!("t{term}")
      };
      for ci in 0..c_in {
        for ky in 0..kh {
          for kx in 0..kw {
            if let Some(t) = win.tap(p, ky, kx) {
              let coef = &weights[(cg * c_in + ci) * taps + ky * kw + kx];
              lc = coef.mac(&mut cs.namespace(&mut next), lc, &x[ci * plane + t], F::ONE)?;
            }
          }
        }
      }
      if let (Some(skip), Some(m)) = (skip_x, &mult) {
        for (t, co) in layout.group(cg).enumerate() {
          let shift = pow2::<F>(layout.lane_bits * t as u32);
          lc = m.mac(
            &mut cs.namespace(&mut next),
            lc,
            &skip[co * positions + p],
            shift,
          )?;
        }
      }
      groups.push(rescale::Group {
        acc: lc,
        outputs: layout.group(cg).map(|co| co * positions + p).collect(),
      });
    }
  }
  debug_assert_eq!(slot.n_out, geom.c_out * positions);
  let out = rescale::synthesize(cs, st, slot, groups, w)?;
  Ok((out, h_model))
}

type Coefs<F> = (Vec<Coef<F>>, Vec<Coef<F>>, Option<Coef<F>>);

/// Public model: constants for a one-step segment; otherwise each packed value is one advice
/// bound to `sum_k s_k C_k` (one constraint with a term per step whose constant is nonzero).
fn public_coefs<F: PrimeField, CS: ConstraintSystem<F>>(
  cs: &mut CS,
  seg: &SegmentCircuit<F>,
  l: usize,
  n_w: usize,
  cgroups: usize,
  skip: bool,
  selector: Option<(&[Variable], Option<&[F]>)>,
) -> Result<Coefs<F>, SynthesisError> {
  let consts = |k: usize| &seg.consts[k][l];
  let skip_const = |k: usize| -> Result<F, SynthesisError> {
    consts(k)
      .skip_mult
      .ok_or_else(|| SynthesisError::Unsatisfiable("residual multiplier missing".into()))
  };
  let Some((bits, values)) = selector else {
    let c = consts(0);
    let mult = if skip {
      Some(Coef::Const(skip_const(0)?))
    } else {
      None
    };
    return Ok((
      c.packed_w.iter().map(|v| Coef::Const(*v)).collect(),
      c.packed_b.iter().map(|v| Coef::Const(*v)).collect(),
      mult,
    ));
  };
  let mut select = |name: String, pick: &dyn Fn(usize) -> Result<F, SynthesisError>| {
    let mut terms = Vec::new();
    for k in 0..bits.len() {
      let c = pick(k)?;
      if !bool::from(c.is_zero()) {
        terms.push((c, k));
      }
    }
    let value = values.map(|s| terms.iter().fold(F::ZERO, |acc, (c, k)| acc + *c * s[*k]));
    let v = gadgets::alloc_num(&mut *cs, || name.clone(), value)?;
    cs.enforce(
      || format!("{name} is selected"),
      |lc| terms.iter().fold(lc, |lc, (c, k)| lc + (*c, bits[*k])),
      |lc| lc + CS::one(),
      |lc| lc + v.get_variable(),
    );
    Ok::<_, SynthesisError>(Coef::Var(v))
  };
  let weights = (0..n_w)
    .map(|i| select(format!("sel P {i}"), &|k| Ok(consts(k).packed_w[i])))
    .collect::<Result<Vec<_>, _>>()?;
  let biases = (0..cgroups)
    .map(|g| select(format!("sel B {g}"), &|k| Ok(consts(k).packed_b[g])))
    .collect::<Result<Vec<_>, _>>()?;
  let mult = if skip {
    Some(select("sel m".into(), &skip_const)?)
  } else {
    None
  };
  Ok((weights, biases, mult))
}
