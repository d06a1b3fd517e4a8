//! The automatic plan of a network with other layers than dense ones: a search over how many
//! units (layers, or whole residual blocks) each step holds, segment by segment.
//!
//! A CNN's layers differ in shape, so unlike a deep MLP there is no one step size that suits
//! every part: Zator's 510 equal convolutions want one per step, LeNet's small layers may
//! share a step (a max pooling fused after its convolution saves the range checks of the
//! pooled map and one compression), a ResNet's blocks are one unit each. The search is a
//! dynamic program over unit positions: from position `i`, a segment of `r` steps of `j`
//! units each (all with one step signature) costs its estimated prove time, and the plan of
//! least total cost wins. The cost model is the one that picks layers per step for dense
//! networks ([`crate::plan::segment_prove_s`]); a step of several units must stay within
//! the step budget, one unit alone may exceed it.
use crate::circuit::StepShape;
use crate::error::Result;
use crate::model::Network;
use crate::plan::{
  estimate_step_constraints, segment_prove_s, signature, step_shape, units, Plan, PlanOptions,
  MAX_STEP_CONSTRAINTS, NOVA_STEP_COST,
};

/// Most units one step may hold in the search.
const MAX_UNITS_PER_STEP: usize = 8;

/// One candidate step: `j` units from unit `i`, its shape, and how many consecutive steps
/// of its signature follow from `i` (this one included).
struct Candidate {
  j: usize,
  shape: StepShape,
  run: usize,
}

/// Estimated primary constraints of one step (Nova's included) in a segment of `steps`.
fn step_cost(shape: &StepShape, steps: usize) -> usize {
  estimate_step_constraints(shape, steps) + NOVA_STEP_COST
}

/// The plan of least estimated prove time (see the module docs).
pub fn search(net: &Network, opts: &PlanOptions) -> Result<Plan> {
  let units = units(net);
  let n = units.len();
  let layers = |i: usize, j: usize| units[i].start..units[i + j - 1].end;
  let sig = |i: usize, j: usize| {
    let r = layers(i, j);
    signature(&net.layers[r.clone()], r.start)
  };
  // candidates[i]: the steps that may start at unit i
  let mut candidates: Vec<Vec<Candidate>> = Vec::with_capacity(n);
  for i in 0..n {
    let mut here = Vec::new();
    for j in 1..=MAX_UNITS_PER_STEP.min(n - i) {
      let r = layers(i, j);
      let shape = step_shape(net, r.start, &[&net.layers[r.clone()]])?;
      if j > 1 && step_cost(&shape, 1) > MAX_STEP_CONSTRAINTS {
        break;
      }
      let own = sig(i, j);
      let mut run = 1;
      while i + (run + 1) * j <= n && sig(i + run * j, j) == own {
        run += 1;
      }
      here.push(Candidate { j, shape, run });
    }
    candidates.push(here);
  }
  let max_steps = opts.max_segment_steps.unwrap_or(usize::MAX).max(1);
  // best[i] = (cost of planning units 0..i, the segment that ends there: (from, j, steps))
  let mut best: Vec<Option<(f64, usize, usize, usize)>> = vec![None; n + 1];
  best[0] = Some((0.0, 0, 0, 0));
  for i in 0..n {
    let Some((base, ..)) = best[i] else { continue };
    for c in &candidates[i] {
      for r in 1..=c.run {
        // Public weights cost more per step in a longer segment (selection and products).
        let constraints = step_cost(&c.shape, r.min(max_steps));
        if c.j > 1 && constraints > MAX_STEP_CONSTRAINTS {
          break;
        }
        // A run longer than the step limit is several segments, each compressed.
        let segments = r.div_ceil(max_steps);
        let cost = base
          + segment_prove_s(r, constraints)
          + (segments - 1) as f64 * segment_prove_s(0, constraints);
        let end = i + r * c.j;
        if best[end].is_none_or(|(b, ..)| cost < b) {
          best[end] = Some((cost, i, c.j, r));
        }
      }
    }
  }
  // Walk back, then build the segments (cut by the nonzero budget like a uniform plan).
  let mut picks = Vec::new();
  let mut at = n;
  while at > 0 {
    let (_, from, j, r) = best[at].expect("one unit per step always reaches the end");
    picks.push((from, j, r));
    at = from;
  }
  picks.reverse();
  let mut explicit = Vec::new();
  for (from, j, r) in picks {
    let per_step = layers(from, j).len();
    explicit.push((units[from].start, r, per_step));
  }
  crate::plan::plan_from_segments_cut(net, &explicit, opts)
}

#[cfg(test)]
mod tests {
  use super::*;
  use crate::model::{ConvLayer, DenseLayer, Layer, Settings, WeightMode, Window};

  fn conv(c_in: usize, c_out: usize, hw: usize, seed: i64) -> Layer {
    let window = Window {
      channels: c_in,
      height: hw,
      width: hw,
      kernel: (3, 3),
      stride: (1, 1),
      pads: [1; 4],
    };
    Layer::Conv(ConvLayer {
      window,
      c_out,
      relu: true,
      weight: (0..c_out * c_in * 9)
        .map(|k| (k as i64 * 7 + seed) % 5 - 2)
        .collect(),
      bias: vec![1; c_out],
      skip: None,
    })
  }

  fn zator_like(runs: usize) -> Network {
    let mut layers = vec![conv(1, 2, 8, 0)];
    layers.extend((0..runs).map(|r| conv(2, 2, 8, r as i64)));
    layers.push(Layer::Dense(DenseLayer {
      n_in: 128,
      n_out: 3,
      relu: false,
      weight: vec![1; 384],
      bias: vec![0; 3],
    }));
    let st = Settings {
      act_bits: 12,
      weight_bits: 6,
      shift: 4,
    };
    Network::new(st, layers, WeightMode::Public, vec![]).unwrap()
  }

  #[test]
  fn a_long_run_of_equal_layers_stays_one_segment() {
    let net = zator_like(40);
    let plan = search(&net, &PlanOptions::default()).unwrap();
    // Small maps: several convolutions share a step, and the steps form one segment.
    let longest = plan
      .segments
      .iter()
      .map(|s| s.num_steps * s.layers_per_step())
      .max()
      .unwrap();
    assert!(
      longest >= 38,
      "{:?}",
      plan
        .segments
        .iter()
        .map(|s| (s.num_steps, s.layers_per_step()))
        .collect::<Vec<_>>()
    );
    let covered: usize = plan
      .segments
      .iter()
      .map(|s| s.num_steps * s.layers_per_step())
      .sum();
    assert_eq!(covered, net.layers.len());
  }

  #[test]
  fn the_step_limit_cuts_a_run_into_segments() {
    let net = zator_like(12);
    let opts = PlanOptions {
      max_segment_steps: Some(4),
      ..Default::default()
    };
    let plan = search(&net, &opts).unwrap();
    assert!(plan.segments.iter().all(|s| s.num_steps <= 4));
    assert_eq!(
      plan
        .segments
        .iter()
        .map(|s| s.num_steps * s.layers_per_step())
        .sum::<usize>(),
      net.layers.len()
    );
  }
}
