//! Where a fold step's cost comes from, measured against its floor.
//!
//! A Nova step cannot be cheaper than its multi-scalar multiplications: on each curve of the
//! cycle, one commitment to the step's witness and one to the cross term of the fold. This
//! module measures those four MSMs on this machine for each segment's real sizes (the
//! witness MSM with the step's real, mostly small, values; the cross term with full-size
//! scalars, which is what it holds), and breaks the step down:
//! - constraints and nonzeros per constraint family of our step circuit (by namespace), and
//!   Nova's own overhead (the augmented circuit minus ours);
//! - time: witness synthesis, the four MSMs, the cross term's matrix-vector products.
//!
//! The prover's measured time per step (`ProveStats`) is then set against this floor by the
//! benchmark (`benchmarks/run.py`).
use std::sync::Arc;
use std::time::Instant;

use ff::{Field, PrimeField};
use nova_snark::{
  frontend::{
    num::AllocatedNum, r1cs::NovaShape, shape_cs::ShapeCS, solver::SatisfyingAssignment,
    ConstraintSystem, Index, LinearCombination, SynthesisError, Variable,
  },
  provider::traits::{DlogGroup, DlogGroupExt},
  traits::{circuit::StepCircuit, Engine},
};
use rand::{rngs::StdRng, SeedableRng};
use serde::{Deserialize, Serialize};

use crate::circuit::FoldStep;
use crate::engine::{Fr, Profile};
use crate::error::{FoldError, Result};
use crate::keys::{self, KeySource};
use crate::model::{forward, Network};
use crate::plan::{segment_circuit, Plan};
use crate::prover::{initial_state, step_witness};

/// Constraints, nonzeros and advice variables of one constraint family.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FamilyCount {
  /// Family name (see [`family_of`]).
  pub family: String,
  /// Constraints.
  pub constraints: u64,
  /// Nonzero entries of `A`, `B` and `C` together.
  pub nonzeros: u64,
  /// Advice variables allocated in the family.
  pub variables: u64,
}

/// One segment against its floor.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct SegmentProfile {
  /// Segment index.
  pub segment: usize,
  /// Steps of the segment.
  pub steps: usize,
  /// Dense layers per step.
  pub layers_per_step: usize,
  /// Our step circuit, by family.
  pub families: Vec<FamilyCount>,
  /// Constraints of Nova's augmented primary circuit (ours plus the verifier circuit).
  pub primary_constraints: u64,
  /// Variables of the augmented primary circuit.
  pub primary_variables: u64,
  /// Constraints of the secondary circuit.
  pub secondary_constraints: u64,
  /// Variables of the secondary circuit.
  pub secondary_variables: u64,
  /// Nonzeros of our step circuit's matrices (the cross term's matrix-vector cost).
  pub step_nonzeros: u64,
  /// Milliseconds: MSM of the primary witness (real values of one step).
  pub msm_witness_ms: f64,
  /// Milliseconds: MSM of the primary cross term (full-size scalars).
  pub msm_cross_term_ms: f64,
  /// Milliseconds: the two secondary-curve MSMs (witness and cross term).
  pub msm_secondary_ms: f64,
  /// Milliseconds: native witness generation plus synthesis of one step.
  pub synthesis_ms: f64,
  /// Milliseconds: `A z`, `B z`, `C z` over our step circuit (the cross term needs them).
  pub matvec_ms: f64,
  /// Milliseconds: loading (or setting up) the segment's parameters.
  pub load_ms: f64,
}

impl SegmentProfile {
  /// The MSM floor of one step: the four commitments.
  pub fn floor_ms(&self) -> f64 {
    self.msm_witness_ms + self.msm_cross_term_ms + self.msm_secondary_ms
  }
  /// Constraints of our step circuit.
  pub fn step_constraints(&self) -> u64 {
    self.families.iter().map(|f| f.constraints).sum()
  }
}

/// Family of a constraint or variable from its namespace path (outermost first) and name.
///
/// The step circuit names its namespaces and constraints so that this stays a plain lookup:
/// `selector`, `input`, `hash input`/`hash output`/`model chain`, and in each `slot l` the
/// MAC products (`u ...`/`t ...`, a convolution's `mac ...`), the lane digits (`out.. bit ..`,
/// `group .. decomposes`), the activations (`out.. = ..`), the private weights (`P ..`,
/// `B ..`, `m ..`, `salt`), a public convolution's selected weights (`sel ..`) and a max
/// pooling's comparisons (`max ..`).
pub fn family_of(path: &[String], name: &str) -> &'static str {
  let top = path.first().map(String::as_str).unwrap_or("");
  // allocations are often named by their namespace ("out3" / "num"), so look at both
  let named = |p: &str| name.starts_with(p) || path.iter().any(|s| s.starts_with(p));
  let in_slot = top.starts_with("slot ");
  if top == "selector" || named("i_next") || named("single step") {
    "step counter and selector"
  } else if top == "input" || top.starts_with("input ") {
    "input range checks"
  } else if top.starts_with("hash") || top.starts_with("h_") || named("model chain") {
    "hashing"
  } else if named("input hash") {
    "state binding"
  } else if in_slot && named("max ") {
    "max pooling (comparisons)"
  } else if in_slot && named("sel ") {
    "weight selection (public, by step)"
  } else if in_slot && (named("u ") || named("t ") || named("mac ")) {
    "multiply-accumulate"
  } else if in_slot && (named("group ") || name.contains(" bit ")) {
    "lane decomposition (rescale, range, sign)"
  } else if in_slot && named("out") {
    "activation (ReLU)"
  } else if in_slot && (named("P ") || named("B ") || named("m ") || named("salt")) {
    "private weights (advice)"
  } else {
    "other"
  }
}

/// A constraint system that only counts, per family: it never evaluates a witness.
#[derive(Default)]
pub struct CountingCs {
  path: Vec<String>,
  counts: Vec<FamilyCount>,
  next_aux: usize,
}

impl CountingCs {
  fn entry(&mut self, family: &'static str) -> &mut FamilyCount {
    if let Some(i) = self.counts.iter().position(|c| c.family == family) {
      return &mut self.counts[i];
    }
    self.counts.push(FamilyCount {
      family: family.to_string(),
      ..Default::default()
    });
    self.counts.last_mut().expect("just pushed")
  }
  /// The counts, in order of first appearance.
  pub fn into_counts(self) -> Vec<FamilyCount> {
    self.counts
  }
}

impl<F: PrimeField> ConstraintSystem<F> for CountingCs {
  type Root = Self;

  fn alloc<FN, A, AR>(
    &mut self,
    annotation: A,
    _f: FN,
  ) -> std::result::Result<Variable, SynthesisError>
  where
    FN: FnOnce() -> std::result::Result<F, SynthesisError>,
    A: FnOnce() -> AR,
    AR: Into<String>,
  {
    let name: String = annotation().into();
    let family = family_of(&self.path, &name);
    self.entry(family).variables += 1;
    self.next_aux += 1;
    Ok(Variable::new_unchecked(Index::Aux(self.next_aux - 1)))
  }

  fn alloc_input<FN, A, AR>(
    &mut self,
    annotation: A,
    f: FN,
  ) -> std::result::Result<Variable, SynthesisError>
  where
    FN: FnOnce() -> std::result::Result<F, SynthesisError>,
    A: FnOnce() -> AR,
    AR: Into<String>,
  {
    self.alloc(annotation, f)
  }

  fn enforce<A, AR, LA, LB, LC>(&mut self, annotation: A, a: LA, b: LB, c: LC)
  where
    A: FnOnce() -> AR,
    AR: Into<String>,
    LA: FnOnce(LinearCombination<F>) -> LinearCombination<F>,
    LB: FnOnce(LinearCombination<F>) -> LinearCombination<F>,
    LC: FnOnce(LinearCombination<F>) -> LinearCombination<F>,
  {
    let name: String = annotation().into();
    let family = family_of(&self.path, &name);
    let count =
      |lc: LinearCombination<F>| lc.iter().filter(|(_, c)| !bool::from(c.is_zero())).count();
    let nnz = (count(a(LinearCombination::zero()))
      + count(b(LinearCombination::zero()))
      + count(c(LinearCombination::zero()))) as u64;
    let e = self.entry(family);
    e.constraints += 1;
    e.nonzeros += nnz;
  }

  fn push_namespace<NR, N>(&mut self, name_fn: N)
  where
    NR: Into<String>,
    N: FnOnce() -> NR,
  {
    self.path.push(name_fn().into());
  }

  fn pop_namespace(&mut self) {
    self.path.pop();
  }

  fn get_root(&mut self) -> &mut Self::Root {
    self
  }
}

/// Counts a segment's step circuit per family.
pub fn constraint_breakdown<F: PrimeField>(step: &FoldStep<F>) -> Result<Vec<FamilyCount>> {
  let mut cs = CountingCs::default();
  let z = alloc_state(&mut cs, &vec![F::ZERO; step.arity()])?;
  step
    .synthesize(&mut cs, &z)
    .map_err(|e| FoldError::model(format!("synthesizing the step circuit: {e}")))?;
  let mut counts = cs.into_counts();
  // the state itself (allocated above) is Nova's, not the step's
  if let Some(other) = counts.iter_mut().find(|c| c.family == "other") {
    other.variables -= step.arity() as u64;
  }
  counts.retain(|c| c.constraints + c.nonzeros + c.variables > 0);
  Ok(counts)
}

fn alloc_state<F: PrimeField, CS: ConstraintSystem<F>>(
  cs: &mut CS,
  z: &[F],
) -> Result<Vec<AllocatedNum<F>>> {
  z.iter()
    .enumerate()
    .map(|(i, v)| {
      AllocatedNum::alloc(cs.namespace(|| format!("z{i}")), || Ok(*v))
        .map_err(|e| FoldError::model(format!("allocating the state: {e}")))
    })
    .collect()
}

/// Median of `reps` timings of `f`, in milliseconds.
fn median_ms(reps: usize, mut f: impl FnMut()) -> f64 {
  let mut t: Vec<f64> = (0..reps.max(1))
    .map(|_| {
      let s = Instant::now();
      f();
      s.elapsed().as_secs_f64() * 1e3
    })
    .collect();
  t.sort_by(|a, b| a.partial_cmp(b).expect("timings are finite"));
  t[t.len() / 2]
}

/// `n` distinct bases: a running sum of one generator, so building them costs additions,
/// not hashes to the curve (an MSM's cost does not depend on which points it gets).
fn bases<E: Engine>(n: usize) -> Vec<<E::GE as DlogGroup>::AffineGroupElement>
where
  E::GE: DlogGroupExt,
{
  let g = E::GE::from_label(b"folding/profile", 1)[0];
  let g = <E::GE as DlogGroup>::group(&g);
  let mut acc = g;
  (0..n)
    .map(|_| {
      acc += g;
      acc.affine()
    })
    .collect()
}

fn random_scalars<F: PrimeField>(n: usize, seed: u64) -> Vec<F> {
  let mut rng = StdRng::seed_from_u64(seed);
  (0..n).map(|_| F::random(&mut rng)).collect()
}

/// Time of one MSM of `scalars` over the first `scalars.len()` of `bases`.
fn msm_ms<E: Engine>(
  reps: usize,
  scalars: &[E::Scalar],
  bases: &[<E::GE as DlogGroup>::AffineGroupElement],
) -> f64
where
  E::GE: DlogGroupExt,
{
  median_ms(reps, || {
    std::hint::black_box(E::GE::vartime_multiscalar_mul(
      scalars,
      &bases[..scalars.len()],
    ));
  })
}

/// Profiles every segment of `plan` on input `x`: sizes by family and the floor of one step
/// (see the module docs). `reps` timings are taken of each part and the median kept.
pub fn profile<P: Profile>(
  net: &Network,
  plan: &Plan,
  x: &[i64],
  source: &KeySource<'_>,
  reps: usize,
) -> Result<Vec<SegmentProfile>> {
  type E1<P> = <P as Profile>::E1;
  type E2<P> = <P as Profile>::E2;
  let acts = forward(net, x)?;
  let mut out = Vec::with_capacity(plan.segments.len());
  for (si, seg) in plan.segments.iter().enumerate() {
    let circuit = segment_circuit::<Fr<P>>(net, seg);
    let t = Instant::now();
    let keys = keys::load_or_setup::<P>(&circuit, source)?;
    let load_ms = t.elapsed().as_secs_f64() * 1e3;
    let (primary_constraints, secondary_constraints) = keys.pp.num_constraints();
    let (primary_variables, secondary_variables) = keys.pp.num_variables();
    drop(keys);

    let template = FoldStep {
      segment: circuit.clone(),
      witness: None,
    };
    let families = constraint_breakdown(&template)?;

    // one real step: the segment's first, on the activations the forward pass gives it
    let first = seg.step_layers(0).start;
    let input = if first == 0 {
      x.to_vec()
    } else {
      acts[first - 1].clone()
    };
    let mut z = initial_state::<Fr<P>>(net.mode, net.settings.act_bits, &input);
    z[0] = Fr::<P>::from(seg.first_step);
    let synth = |cs: &mut SatisfyingAssignment<E1<P>>| -> Result<()> {
      let (w, _) = step_witness(net, seg, &circuit, 0, &input)?;
      let step = FoldStep {
        segment: circuit.clone(),
        witness: Some(Arc::new(w)),
      };
      let zv = alloc_state(cs, &z)?;
      step
        .synthesize(cs, &zv)
        .map_err(|e| FoldError::model(format!("synthesizing segment {si}: {e}")))?;
      Ok(())
    };
    let mut cs = SatisfyingAssignment::<E1<P>>::new();
    synth(&mut cs)?;
    let synthesis_ms = median_ms(reps, || {
      let mut cs = SatisfyingAssignment::<E1<P>>::new();
      synth(&mut cs).expect("synthesized once already");
    });

    // the cross term needs A z, B z, C z over the step's matrices
    let mut shape_cs = ShapeCS::<E1<P>>::new();
    let zv = alloc_state(&mut shape_cs, &z)?;
    template
      .synthesize(&mut shape_cs, &zv)
      .map_err(|e| FoldError::model(format!("shaping segment {si}: {e}")))?;
    let shape = shape_cs.r1cs_shape().map_err(|source| FoldError::Proving {
      stage: "profile",
      source,
    })?;
    let step_nonzeros = (shape.A().len() + shape.B().len() + shape.C().len()) as u64;
    let mut zvec = cs.aux_assignment().to_vec();
    zvec.resize(shape.num_vars(), Fr::<P>::ZERO);
    zvec.push(Fr::<P>::ONE);
    zvec.extend_from_slice(&cs.input_assignment()[1..]);
    let matvec_ms = median_ms(reps, || {
      std::hint::black_box(shape.multiply_vec(&zvec).expect("sizes match the shape"));
    });

    // the floor: the step's real witness (padded with full-size values for Nova's own
    // variables, which are hashes and curve points) and a full-size cross term
    let n1 = primary_variables.max(primary_constraints);
    let b1 = bases::<E1<P>>(n1);
    let mut w1 = cs.aux_assignment().to_vec();
    let own = w1.len();
    w1.extend(random_scalars::<Fr<P>>(
      primary_variables.saturating_sub(own),
      1,
    ));
    w1.truncate(primary_variables);
    let msm_witness_ms = msm_ms::<E1<P>>(reps, &w1, &b1);
    let t1 = random_scalars::<Fr<P>>(primary_constraints, 2);
    let msm_cross_term_ms = msm_ms::<E1<P>>(reps, &t1, &b1);
    drop(b1);
    let n2 = secondary_variables.max(secondary_constraints);
    let b2 = bases::<E2<P>>(n2);
    let w2 = random_scalars::<<E2<P> as Engine>::Scalar>(secondary_variables, 3);
    let t2 = random_scalars::<<E2<P> as Engine>::Scalar>(secondary_constraints, 4);
    let msm_secondary_ms = msm_ms::<E2<P>>(reps, &w2, &b2) + msm_ms::<E2<P>>(reps, &t2, &b2);

    out.push(SegmentProfile {
      segment: si,
      steps: seg.num_steps,
      layers_per_step: seg.layers_per_step(),
      families,
      primary_constraints: primary_constraints as u64,
      primary_variables: primary_variables as u64,
      secondary_constraints: secondary_constraints as u64,
      secondary_variables: secondary_variables as u64,
      step_nonzeros,
      msm_witness_ms,
      msm_cross_term_ms,
      msm_secondary_ms,
      synthesis_ms,
      matvec_ms,
      load_ms,
    });
  }
  Ok(out)
}

#[cfg(test)]
mod tests {
  use super::*;
  use crate::engine::Pasta;
  use crate::model::{DenseLayer, Settings, WeightMode};
  type E1 = <Pasta as Profile>::E1;
  type Fr = crate::engine::Fr<Pasta>;
  use crate::plan::{plan, PlanOptions};

  fn net(mode: WeightMode) -> Network {
    let st = Settings {
      act_bits: 8,
      weight_bits: 6,
      shift: 3,
    };
    let layers = (0..4)
      .map(|l| DenseLayer {
        n_in: 4,
        n_out: 4,
        relu: l < 3,
        weight: (0..16).map(|k| (k * 5 + l as i64) % 7 - 3).collect(),
        bias: vec![1, -1, 0, 2],
      })
      .collect();
    let salts = if mode == WeightMode::Private {
      vec![[7u8; 32]; 4]
    } else {
      vec![]
    };
    Network::new(st, layers, mode, salts).unwrap()
  }

  #[test]
  fn breakdown_accounts_for_every_constraint_of_the_step() {
    for mode in [WeightMode::Public, WeightMode::Private] {
      let n = net(mode);
      let p = plan(
        &n,
        &PlanOptions {
          layers_per_step: Some(1),
          ..Default::default()
        },
      )
      .unwrap();
      let circuit = segment_circuit::<Fr>(&n, &p.segments[0]);
      let step = FoldStep {
        segment: circuit,
        witness: None,
      };
      let fam = constraint_breakdown(&step).unwrap();
      let mut shape = ShapeCS::<E1>::new();
      let z = alloc_state(&mut shape, &vec![Fr::ZERO; step.arity()]).unwrap();
      step.synthesize(&mut shape, &z).unwrap();
      let total: u64 = fam.iter().map(|f| f.constraints).sum();
      assert_eq!(total as usize, shape.num_constraints(), "{mode:?}: {fam:?}");
      assert!(
        fam
          .iter()
          .all(|f| f.family != "other" || f.constraints == 0),
        "{fam:?}"
      );
      let has = |name: &str| fam.iter().any(|f| f.family == name && f.constraints > 0);
      assert!(has("lane decomposition (rescale, range, sign)"));
      assert!(has("hashing"));
      assert!(has("input range checks"));
      assert_eq!(
        has("multiply-accumulate"),
        mode == WeightMode::Private || p.segments[0].num_steps > 1
      );
    }
  }

  #[test]
  fn profile_measures_every_segment() {
    let n = net(WeightMode::Public);
    let p = plan(
      &n,
      &PlanOptions {
        layers_per_step: Some(2),
        ..Default::default()
      },
    )
    .unwrap();
    let prof = profile::<Pasta>(&n, &p, &[1, -2, 3, 0], &KeySource::default(), 1).unwrap();
    assert_eq!(prof.len(), p.segments.len());
    for s in &prof {
      assert!(s.primary_constraints > s.step_constraints());
      assert!(s.floor_ms() > 0.0 && s.synthesis_ms > 0.0 && s.matvec_ms > 0.0);
    }
  }
}
