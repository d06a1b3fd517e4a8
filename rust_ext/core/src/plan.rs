//! Segment planning: group layers into steps, steps into segments of one step shape, and cut
//! long runs so that a segment's constant weights stay within a nonzero budget.
//!
//! Planning lives in the Rust core (not in `folding/` as DESIGN.md sketches) because it
//! depends on the lane layouts and constraint counts, which only the circuit code knows;
//! Python receives the plan and can still ask for explicit cuts.
use std::sync::Arc;

use ff::PrimeField;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::circuit::{SegmentCircuit, SlotConsts, SlotKind, SlotShape, StepShape};
use crate::error::{FoldError, Result};
use crate::hash;
use crate::model::{ConvLayer, DenseLayer, Layer, Network, PoolOp, WeightMode, Window};
use crate::packing::{
  declared_conv_layout, field_i64, pack_bias, pack_conv_bias, pack_conv_weights, pack_weights,
  LaneLayout,
};

/// Default budget of packed weight constants (matrix nonzeros) per public-model segment.
pub const DEFAULT_MAX_SEGMENT_NNZ: usize = 1 << 21;
/// Constraints of Nova's own per-step work on the primary curve (the augmented verifier
/// circuit; about 9.8k measured, rounded up).
pub(crate) const NOVA_STEP_COST: usize = 12_000;
/// Most primary constraints per step (ours plus Nova's) the automatic planner picks more than
/// one layer for; it bounds the prover's memory (about 1.2 GiB at 2^16 on the depth suite).
pub(crate) const MAX_STEP_CONSTRAINTS: usize = 1 << 17;
/// Largest number of layers per step the automatic planner considers.
const MAX_AUTO_LAYERS_PER_STEP: usize = 64;

/// Planner options.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct PlanOptions {
  /// Layers per step; `None` picks by the cost model.
  pub layers_per_step: Option<usize>,
  /// Public model: most packed constants per segment (`None`: the default budget).
  pub max_segment_nnz: Option<usize>,
  /// Most steps per segment, in both modes (`None`: no limit).
  pub max_segment_steps: Option<usize>,
}

/// One segment: consecutive steps of one shape.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
  /// Global index of the first layer.
  pub first_layer: usize,
  /// Global index of the first step.
  pub first_step: u64,
  /// Number of steps.
  pub num_steps: usize,
  /// Step shape.
  pub shape: StepShape,
}

impl Segment {
  /// Layers per step in this segment.
  pub fn layers_per_step(&self) -> usize {
    self.shape.slots.len()
  }
  /// Layers of local step `k`.
  pub fn step_layers(&self, k: usize) -> std::ops::Range<usize> {
    let start = self.first_layer + k * self.layers_per_step();
    start..start + self.layers_per_step()
  }
}

/// The ordered segments of a network.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
  /// Segments, in order.
  pub segments: Vec<Segment>,
}

impl Plan {
  /// Total number of steps.
  pub fn total_steps(&self) -> u64 {
    self.segments.iter().map(|s| s.num_steps as u64).sum()
  }
}

/// What must agree between two steps for them to share one step shape (the weights may
/// differ; public average-pooling constants may not, they belong to the shape).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum LayerSig {
  Dense(usize, usize, bool),
  /// Window, output channels, ReLU, residual source relative to the step's first layer.
  Conv(Window, usize, bool, Option<usize>),
  MaxPool(Window),
  AvgPool(Window, PoolOp, bool),
}

pub(crate) type Signature = Vec<LayerSig>;

/// The signature of one step, whose first layer is `first`; `None` if a residual reaches
/// back before the step (a step must hold its residual's source).
pub(crate) fn signature(layers: &[Layer], first: usize) -> Option<Signature> {
  layers
    .iter()
    .enumerate()
    .map(|(i, layer)| {
      Some(match layer {
        Layer::Dense(l) => LayerSig::Dense(l.n_in, l.n_out, l.relu),
        Layer::Conv(l) => LayerSig::Conv(
          l.window,
          l.c_out,
          l.relu,
          match l.skip {
            Some(s) if s.from >= first && s.from <= first + i => Some(s.from - first),
            Some(_) => return None,
            None => None,
          },
        ),
        Layer::Pool(l) => match l.op {
          PoolOp::Max => LayerSig::MaxPool(l.window),
          op => LayerSig::AvgPool(l.window, op, l.relu),
        },
      })
    })
    .collect()
}

/// The network cut into units no step may split: a residual's source and its layer, with
/// everything between, stay in one step.
pub fn units(net: &Network) -> Vec<std::ops::Range<usize>> {
  // cut[b]: whether a step may start at layer b.
  let n = net.layers.len();
  let mut cut = vec![true; n + 1];
  for (l, layer) in net.layers.iter().enumerate() {
    if let Some(skip) = layer.skip() {
      for b in skip.from + 1..=l {
        cut[b] = false;
      }
    }
  }
  let mut out = Vec::new();
  let mut start = 0;
  for b in 1..=n {
    if cut[b] {
      out.push(start..b);
      start = b;
    }
  }
  out
}

/// The steps of the network with `k` units per step, as layer ranges.
fn steps_of(net: &Network, k: usize) -> Vec<std::ops::Range<usize>> {
  units(net)
    .chunks(k)
    .map(|c| c[0].start..c[c.len() - 1].end)
    .collect()
}

/// Whether every layer is dense (planned by the depth-independent cost model).
fn all_dense(net: &Network) -> bool {
  net.layers.iter().all(|l| l.as_dense().is_some())
}

/// Plans the network: `layers_per_step` units (layers, or whole residual blocks) per step
/// when given; otherwise a deep dense network gets the depth-independent layers per step of
/// [`auto_layers_per_step`], and any other network the plan of least estimated prove time
/// ([`crate::plan_search`]).
pub fn plan(net: &Network, opts: &PlanOptions) -> Result<Plan> {
  match opts.layers_per_step {
    Some(0) => Err(FoldError::model("layers_per_step must be at least 1")),
    Some(k) => plan_with(net, k, opts),
    None if all_dense(net) => auto_plan(net, opts),
    None => crate::plan_search::search(net, opts),
  }
}

/// Plans with the layers per step that `auto_layers_per_step` picks.
fn auto_plan(net: &Network, opts: &PlanOptions) -> Result<Plan> {
  plan_with(net, auto_layers_per_step(net, opts)?, opts)
}

/// Layers per step for the automatic plan: the smallest power of two up to
/// `MAX_AUTO_LAYERS_PER_STEP` whose `estimated_prove_s` is within `AUTO_TIME_SLACK` of the
/// fastest, among the steps within `MAX_STEP_CONSTRAINTS`, for the network's most common
/// layer shape.
///
/// The choice depends on the layer shape alone, never on the depth, so a deeper network of
/// the same width gets the same step circuit and memory stays flat in depth. A step's memory
/// grows with its size, so of two nearly equally fast choices the smaller is taken: with
/// private weights at width 16, 8 layers per step is estimated 12% slower than 32 and peaked
/// at 414 MiB instead of 1,082 at depth 512 (BENCHMARKS.md).
pub fn auto_layers_per_step(net: &Network, opts: &PlanOptions) -> Result<usize> {
  let estimates = layers_per_step_estimates(net, opts)?;
  let fastest = estimates.iter().map(|e| e.1).fold(f64::INFINITY, f64::min);
  Ok(
    estimates
      .iter()
      .find(|e| e.1 <= fastest * (1.0 + AUTO_TIME_SLACK))
      .map_or(1, |e| e.0),
  )
}

/// How much slower than the fastest estimate a smaller step may be and still be chosen.
pub const AUTO_TIME_SLACK: f64 = 0.15;

/// The layers per step the automatic plan considers (powers of two, within the step budget)
/// with the estimated seconds to prove the reference network with each.
pub fn layers_per_step_estimates(net: &Network, opts: &PlanOptions) -> Result<Vec<(usize, f64)>> {
  let dense: Vec<&DenseLayer> = net.layers.iter().filter_map(Layer::as_dense).collect();
  let Some(layer) = most_common_layer(&dense) else {
    return Ok(vec![(1, 0.0)]);
  };
  let slot = SlotShape {
    n_in: layer.n_in,
    n_out: layer.n_out,
    relu: layer.relu,
    layout: dense_layout(net, &[layer])?,
    kind: SlotKind::Dense,
  };
  let step_constraints = |k: usize| {
    let one_step = Segment {
      first_layer: 0,
      first_step: 0,
      num_steps: 1,
      shape: StepShape {
        settings: net.settings,
        mode: net.mode,
        slots: vec![slot.clone(); k],
        batch_items: None,
      },
    };
    estimate_constraints(&one_step) + NOVA_STEP_COST
  };
  // Public weights are matrix constants, and a segment holds at most `budget` of them.
  let budget = opts
    .max_segment_nnz
    .unwrap_or(DEFAULT_MAX_SEGMENT_NNZ)
    .max(1);
  let segments = |k: usize| match net.mode {
    WeightMode::Public => {
      let steps_per_segment = (budget / (k * slot.layout.groups() * slot.n_in).max(1)).max(1);
      (REF_LAYERS.div_ceil(k).div_ceil(steps_per_segment)).max(REF_SEGMENTS)
    }
    WeightMode::Private => REF_SEGMENTS,
  };
  let mut estimates = vec![(1, estimated_prove_s(1, step_constraints(1), segments(1)))];
  let mut k = 2;
  while k <= MAX_AUTO_LAYERS_PER_STEP {
    let constraints = step_constraints(k);
    if constraints > MAX_STEP_CONSTRAINTS {
      break;
    }
    estimates.push((k, estimated_prove_s(k, constraints, segments(k))));
    k *= 2;
  }
  Ok(estimates)
}

/// Depth of the reference network the cost model weighs a choice on.
const REF_LAYERS: usize = 512;
/// Fewest segments of the reference network (a deep network has at least a main run and a
/// differently shaped last layer).
const REF_SEGMENTS: usize = 2;

/// The prover cost model: estimated seconds to prove the reference network of `REF_LAYERS`
/// layers in `segments` segments with `k` layers per step of `constraints` primary
/// constraints (Nova's included).
///
/// A fold step costs a fixed part (Nova's verifier circuit on both curves, full-size scalars)
/// plus a little per constraint (ours are mostly bits, which nova-snark's MSM handles
/// cheaply), so more layers per step means less overhead per layer; the compression SNARK
/// costs in proportion to the step padded to a power of two, once per segment. Constants fit
/// to runs on 2 cores (BENCHMARKS.md, "layers per step"); only their ratios matter here.
pub fn estimated_prove_s(k: usize, constraints: usize, segments: usize) -> f64 {
  REF_LAYERS as f64 * step_s(constraints) / k as f64 + segments as f64 * compress_s(constraints)
}

/// Estimated seconds of one segment of `steps` steps of `constraints` constraints each.
pub fn segment_prove_s(steps: usize, constraints: usize) -> f64 {
  steps as f64 * step_s(constraints) + compress_s(constraints)
}

fn step_s(constraints: usize) -> f64 {
  const STEP_FIXED_S: f64 = 0.100;
  const STEP_PER_CONSTRAINT_S: f64 = 4.5e-6;
  STEP_FIXED_S + STEP_PER_CONSTRAINT_S * constraints as f64
}

fn compress_s(constraints: usize) -> f64 {
  const COMPRESS_FIXED_S: f64 = 1.0;
  const COMPRESS_PER_ELEMENT_S: f64 = 80e-6;
  COMPRESS_FIXED_S + COMPRESS_PER_ELEMENT_S * constraints.next_power_of_two() as f64
}

/// The layer whose shape (inputs, outputs, ReLU) occurs most often; the first on ties.
fn most_common_layer<'a>(layers: &[&'a DenseLayer]) -> Option<&'a DenseLayer> {
  let key = |l: &DenseLayer| (l.n_in, l.n_out, l.relu);
  let mut counts: Vec<((usize, usize, bool), usize, &DenseLayer)> = Vec::new();
  for &l in layers {
    match counts.iter_mut().find(|(k, _, _)| *k == key(l)) {
      Some(entry) => entry.1 += 1,
      None => counts.push((key(l), 1, l)),
    }
  }
  let best = counts.iter().map(|(_, c, _)| *c).max()?;
  counts
    .into_iter()
    .find(|(_, c, _)| *c == best)
    .map(|(_, _, l)| l)
}

fn plan_with(net: &Network, k: usize, opts: &PlanOptions) -> Result<Plan> {
  let steps = steps_of(net, k);
  let sigs: Vec<Signature> = steps
    .iter()
    .map(|r| signature(&net.layers[r.clone()], r.start).expect("units hold their residuals"))
    .collect();
  let mut segments = Vec::new();
  let mut t = 0;
  while t < steps.len() {
    let mut end = t + 1;
    while end < steps.len() && sigs[end] == sigs[t] {
      end += 1;
    }
    segments.extend(cut_run(net, &steps[t..end], t as u64, opts)?);
    t = end;
  }
  Ok(Plan { segments })
}

/// Segments for a run of steps of one signature starting at global step `first_step`, cut
/// by the nonzero budget (public weights) and the step limit.
fn cut_run(
  net: &Network,
  steps: &[std::ops::Range<usize>],
  first_step: u64,
  opts: &PlanOptions,
) -> Result<Vec<Segment>> {
  let budget = opts
    .max_segment_nnz
    .unwrap_or(DEFAULT_MAX_SEGMENT_NNZ)
    .max(1);
  let per_step = match net.mode {
    WeightMode::Public => nnz_per_step(net, &net.layers[steps[0].clone()])?,
    WeightMode::Private => 0,
  };
  let mut max_steps = if per_step == 0 {
    usize::MAX
  } else {
    (budget / per_step).max(1)
  };
  if let Some(m) = opts.max_segment_steps {
    max_steps = max_steps.min(m.max(1));
  }
  let mut out = Vec::new();
  let mut s = 0;
  while s < steps.len() {
    let e = s.saturating_add(max_steps).min(steps.len());
    let layers: Vec<&[Layer]> = steps[s..e].iter().map(|r| &net.layers[r.clone()]).collect();
    out.push(Segment {
      first_layer: steps[s].start,
      first_step: first_step + s as u64,
      num_steps: e - s,
      shape: step_shape(net, steps[s].start, &layers)?,
    });
    s = e;
  }
  Ok(out)
}

/// Builds the plan of explicit runs `(first_layer, num_steps, layers_per_step)` as the
/// automatic plan does: checked like [`plan_from_segments`], then cut by the nonzero budget
/// and the step limit.
pub(crate) fn plan_from_segments_cut(
  net: &Network,
  runs: &[(usize, usize, usize)],
  opts: &PlanOptions,
) -> Result<Plan> {
  let checked = plan_from_segments(net, runs)?;
  let mut segments = Vec::new();
  for seg in &checked.segments {
    let steps: Vec<std::ops::Range<usize>> =
      (0..seg.num_steps).map(|k| seg.step_layers(k)).collect();
    segments.extend(cut_run(net, &steps, seg.first_step, opts)?);
  }
  Ok(Plan { segments })
}

/// Lane layout of one dense slot over the given layers (all of one shape).
fn dense_layout(net: &Network, layers: &[&DenseLayer]) -> Result<LaneLayout> {
  let first = layers[0];
  match net.mode {
    WeightMode::Public => {
      let bound = layers
        .iter()
        .map(|l| l.acc_bound(&net.settings))
        .max()
        .unwrap_or(0);
      LaneLayout::for_bound(bound, &net.settings, first.n_out)
    }
    WeightMode::Private => LaneLayout::declared(&net.settings, first.n_in, first.n_out),
  }
}

/// Lane layout of one convolution slot over the given layers (all of one geometry).
fn conv_layout(net: &Network, layers: &[&Layer], c: &ConvLayer) -> Result<LaneLayout> {
  let st = &net.settings;
  match net.mode {
    WeightMode::Public => LaneLayout::for_bound(
      layers.iter().map(|l| l.acc_bound(st)).max().unwrap_or(0),
      st,
      c.c_out,
    ),
    WeightMode::Private => declared_conv_layout(st, c),
  }
}

/// The slot shape of one layer position over the given steps' layers (all of one kind and
/// geometry); `step_first` is the first layer of the first of those steps.
fn slot_shape(net: &Network, layers: &[&Layer], step_first: usize) -> Result<SlotShape> {
  let st = &net.settings;
  let first = layers[0];
  let bound = || layers.iter().map(|l| l.acc_bound(st)).max().unwrap_or(0);
  let (layout, kind) = match first {
    Layer::Dense(_) => {
      let dense: Vec<&DenseLayer> = layers.iter().filter_map(|l| l.as_dense()).collect();
      (dense_layout(net, &dense)?, SlotKind::Dense)
    }
    Layer::Conv(c) => {
      let layout = conv_layout(net, layers, c)?;
      let skip = c.skip.map(|s| s.from - step_first);
      (
        layout,
        SlotKind::Conv {
          window: c.window,
          c_out: c.c_out,
          skip,
        },
      )
    }
    Layer::Pool(p) => match p.op {
      PoolOp::Max => (
        LaneLayout {
          lane_bits: 1,
          lanes: 1,
          n_out: p.window.channels,
        },
        SlotKind::MaxPool { window: p.window },
      ),
      PoolOp::Avg { mult, bias } => (
        LaneLayout::for_bound(bound(), st, p.window.channels)?,
        SlotKind::AvgPool {
          window: p.window,
          mult,
          bias,
        },
      ),
    },
  };
  Ok(SlotShape {
    n_in: first.n_in(),
    n_out: first.n_out(),
    relu: first.relu(),
    layout,
    kind,
  })
}

pub(crate) fn step_shape(
  net: &Network,
  step_first: usize,
  steps: &[&[Layer]],
) -> Result<StepShape> {
  let slots = (0..steps[0].len())
    .map(|l| {
      let layers: Vec<&Layer> = steps.iter().map(|s| &s[l]).collect();
      slot_shape(net, &layers, step_first)
    })
    .collect::<Result<Vec<_>>>()?;
  Ok(StepShape {
    settings: net.settings,
    mode: net.mode,
    slots,
    batch_items: None,
  })
}

/// Constants a public step puts in the matrices (what the nonzero budget counts).
fn nnz_per_step(net: &Network, step: &[Layer]) -> Result<usize> {
  step
    .iter()
    .map(|l| {
      Ok(match l {
        Layer::Dense(d) => dense_layout(net, &[d])?.groups() * d.n_in,
        Layer::Conv(c) => {
          let groups = conv_layout(net, &[l], c)?.groups();
          groups * (c.window.channels * c.window.taps() + 1) + 1
        }
        Layer::Pool(_) => 0,
      })
    })
    .sum()
}

/// Estimated constraints of one step of `seg` (used by the planner and reported to users).
pub fn estimate_constraints(seg: &Segment) -> usize {
  estimate_step_constraints(&seg.shape, seg.num_steps)
}

/// Estimated constraints of one step of shape `shape` in a segment of `d` steps.
pub fn estimate_step_constraints(shape: &StepShape, d: usize) -> usize {
  let st = shape.settings;
  let mut n = shape.n_in() * (st.act_bits as usize + 1);
  let hash_elems = |v: usize| v.div_ceil(crate::packing::activations_per_element(st.act_bits)) + 1;
  n += 33 * (hash_elems(shape.n_in()) + hash_elems(shape.n_out()));
  if shape.mode == WeightMode::Public && d > 1 {
    n += d + 2;
  }
  let a = st.act_bits as usize;
  for slot in &shape.slots {
    let g = slot.layout.groups();
    match &slot.kind {
      SlotKind::Dense => {
        n += slot.n_out * (st.lane_digits() + 1) + g;
        n += match shape.mode {
          WeightMode::Public if d > 1 => d * g,
          WeightMode::Public => 0,
          WeightMode::Private => g * slot.n_in * 2 + 33 * (g * slot.n_in + g + 2),
        };
      }
      SlotKind::Conv { window, skip, .. } => {
        let positions = window.positions();
        n += slot.n_out * (st.lane_digits() + 1) + positions * g;
        let packed = g * (window.channels * window.taps() + 1) + usize::from(skip.is_some());
        let products = positions * g * window.channels * window.taps()
          + if skip.is_some() { slot.n_out } else { 0 };
        n += match shape.mode {
          WeightMode::Public if d > 1 => packed + products,
          WeightMode::Public => 0,
          WeightMode::Private => products + 33 * (packed + 2),
        };
      }
      SlotKind::MaxPool { window } => {
        n += slot.n_out * (window.taps() * (a + 2));
      }
      SlotKind::AvgPool { window, .. } => {
        n += slot.n_out * (st.lane_digits() + 1) + window.positions() * g;
      }
    }
  }
  n
}

/// Builds the circuit data of one segment (packing every step's constants in public mode).
pub fn segment_circuit<F: PrimeField>(net: &Network, seg: &Segment) -> Arc<SegmentCircuit<F>> {
  let consts = match net.mode {
    WeightMode::Public => (0..seg.num_steps)
      .into_par_iter()
      .map(|k| {
        seg
          .step_layers(k)
          .zip(&seg.shape.slots)
          .map(|(l, slot)| slot_consts::<F>(net, &net.layers[l], slot))
          .collect()
      })
      .collect(),
    WeightMode::Private => Vec::new(),
  };
  Arc::new(SegmentCircuit {
    shape: seg.shape.clone(),
    first_step: seg.first_step,
    num_steps: seg.num_steps,
    consts,
    poseidon: (*hash::constants::<F>()).clone(),
  })
}

/// The packed constants of one layer in its slot (public model).
fn slot_consts<F: PrimeField>(net: &Network, layer: &Layer, slot: &SlotShape) -> SlotConsts<F> {
  match layer {
    Layer::Dense(d) => SlotConsts {
      packed_w: pack_weights::<F>(d, &slot.layout),
      packed_b: pack_bias::<F>(d, &slot.layout, &net.settings),
      skip_mult: None,
    },
    Layer::Conv(c) => SlotConsts {
      packed_w: pack_conv_weights::<F>(c, &slot.layout),
      packed_b: pack_conv_bias::<F>(c, &slot.layout, &net.settings),
      skip_mult: c.skip.map(|s| field_i64::<F>(s.mult)),
    },
    Layer::Pool(_) => SlotConsts {
      packed_w: Vec::new(),
      packed_b: Vec::new(),
      skip_mult: None,
    },
  }
}

/// The private model commitment: the hash chain over every layer's salted packed weights.
pub fn model_chain<F: PrimeField>(net: &Network) -> Result<F> {
  model_chain_prefix(net, net.layers.len())
}

/// The hash chain over the first `layers` layers: the chain value a proof's state holds
/// where layer `layers` starts (private weights).
pub fn model_chain_prefix<F: PrimeField>(net: &Network, layers: usize) -> Result<F> {
  let consts = hash::constants::<F>();
  let mut h = F::from(hash::MODEL_CHAIN_INIT);
  for (l, layer) in net.layers.iter().enumerate().take(layers) {
    let salt = net
      .salts
      .get(l)
      .ok_or_else(|| FoldError::model(format!("layer {l} has no salt")))?;
    let (weights, biases) = match layer {
      Layer::Dense(d) => {
        let layout = LaneLayout::declared(&net.settings, d.n_in, d.n_out)?;
        (
          pack_weights::<F>(d, &layout),
          pack_bias::<F>(d, &layout, &net.settings),
        )
      }
      Layer::Conv(c) => {
        let layout = declared_conv_layout(&net.settings, c)?;
        let mut biases = pack_conv_bias::<F>(c, &layout, &net.settings);
        biases.extend(c.skip.map(|s| field_i64::<F>(s.mult)));
        (pack_conv_weights::<F>(c, &layout), biases)
      }
      // Pooling has no weights: its constants are public and in the step shape.
      Layer::Pool(_) => continue,
    };
    h = hash::chain_link(&consts, h, hash::salt_field::<F>(salt), &weights, &biases);
  }
  Ok(h)
}

/// Rebuilds a plan from explicit segments `(first_layer, num_steps, layers_per_step)`, as
/// stored in a compiled model or cut by a caller; checks that they cover every layer once,
/// in order, with one step shape per segment.
pub fn plan_from_segments(net: &Network, segments: &[(usize, usize, usize)]) -> Result<Plan> {
  let mut out = Vec::with_capacity(segments.len());
  let (mut layer, mut step) = (0usize, 0u64);
  for (si, &(first_layer, num_steps, k)) in segments.iter().enumerate() {
    if first_layer != layer || num_steps == 0 || k == 0 {
      return Err(FoldError::model(format!(
        "segment {si} must start at layer {layer} with at least one step of at least one layer"
      )));
    }
    let end = num_steps
      .checked_mul(k)
      .and_then(|n| n.checked_add(first_layer))
      .filter(|e| *e <= net.layers.len())
      .ok_or_else(|| FoldError::model(format!("segment {si} runs past the last layer")))?;
    let steps: Vec<&[Layer]> = net.layers[first_layer..end].chunks(k).collect();
    let sigs: Vec<Option<Signature>> = steps
      .iter()
      .enumerate()
      .map(|(i, s)| signature(s, first_layer + i * k))
      .collect();
    if sigs.iter().any(Option::is_none) {
      return Err(FoldError::model(format!(
        "segment {si} splits a residual block; a step must hold a residual's source layer"
      )));
    }
    if sigs.iter().any(|s| *s != sigs[0]) {
      return Err(FoldError::model(format!(
        "segment {si} mixes layer shapes; a segment has one step shape"
      )));
    }
    out.push(Segment {
      first_layer,
      first_step: step,
      num_steps,
      shape: step_shape(net, first_layer, &steps)?,
    });
    layer = end;
    step += num_steps as u64;
  }
  if layer != net.layers.len() {
    return Err(FoldError::model(format!(
      "the segments cover {layer} of {} layers",
      net.layers.len()
    )));
  }
  Ok(Plan { segments: out })
}

#[cfg(test)]
mod tests {
  use super::*;
  use crate::model::Settings;

  fn narrow(depth: usize, width: usize, mode: WeightMode) -> Network {
    let layers = (0..depth)
      .map(|l| DenseLayer {
        n_in: width,
        n_out: width,
        relu: l + 1 < depth,
        weight: vec![1; width * width],
        bias: vec![0; width],
      })
      .collect();
    let st = Settings {
      act_bits: 16,
      weight_bits: 8,
      shift: 8,
    };
    Network::new(st, layers, mode, vec![[0; 32]; depth]).unwrap()
  }

  #[test]
  fn layers_per_step_does_not_depend_on_depth() {
    for mode in [WeightMode::Public, WeightMode::Private] {
      for width in [16, 64] {
        let k = |depth| {
          auto_layers_per_step(&narrow(depth, width, mode), &PlanOptions::default()).unwrap()
        };
        assert_eq!(k(16), k(512), "width {width}, {mode:?}");
        // The deep network's main segment uses it, within the step budget (one layer may
        // exceed it alone).
        let p = plan(&narrow(512, width, mode), &PlanOptions::default()).unwrap();
        let main = p.segments.iter().max_by_key(|s| s.num_steps).unwrap();
        assert_eq!(main.layers_per_step(), k(512));
        let one = Segment {
          num_steps: 1,
          ..main.clone()
        };
        assert!(
          k(512) == 1 || estimate_constraints(&one) + NOVA_STEP_COST <= MAX_STEP_CONSTRAINTS,
          "width {width}, {mode:?}: k {} estimate {}",
          k(512),
          estimate_constraints(&one)
        );
      }
    }
  }

  #[test]
  fn narrow_layers_share_a_step_and_wide_ones_do_not() {
    let auto = |depth, width| {
      auto_layers_per_step(
        &narrow(depth, width, WeightMode::Public),
        &PlanOptions::default(),
      )
      .unwrap()
    };
    let (k16, k64, k512) = (auto(64, 16), auto(64, 64), auto(4, 512));
    eprintln!("layers per step: width 16 -> {k16}, 64 -> {k64}, 512 -> {k512}");
    for (width, mode) in [
      (16, WeightMode::Public),
      (16, WeightMode::Private),
      (64, WeightMode::Public),
    ] {
      let est =
        layers_per_step_estimates(&narrow(64, width, mode), &PlanOptions::default()).unwrap();
      eprintln!("width {width} {mode:?}: {est:?}");
    }
    assert!(k16 >= k64 && k64 > k512 && k512 >= 1, "{k16} {k64} {k512}");
  }

  #[test]
  fn cost_model_trades_nova_overhead_against_compression() {
    // Few constraints per layer: more layers per step pays until compression grows.
    assert!(estimated_prove_s(32, 24_000, 2) < estimated_prove_s(8, 16_000, 2));
    assert!(estimated_prove_s(32, 24_000, 2) < estimated_prove_s(64, 36_000, 2));
    // Crossing a power of two costs compression time, once per segment.
    assert!(estimated_prove_s(4, 32_000, 2) < estimated_prove_s(4, 33_000, 2));
    assert!(estimated_prove_s(4, 33_000, 2) < estimated_prove_s(4, 33_000, 3));
  }

  #[test]
  fn explicit_segments_must_cover_every_layer_once_with_one_shape() {
    let net = narrow(8, 4, WeightMode::Public);
    let ok = plan_from_segments(&net, &[(0, 3, 2), (6, 1, 1), (7, 1, 1)]).unwrap();
    assert_eq!(ok.total_steps(), 5);
    assert!(
      plan_from_segments(&net, &[(0, 4, 2)]).is_err(),
      "mixes relu and no-relu steps"
    );
    assert!(
      plan_from_segments(&net, &[(0, 3, 2)]).is_err(),
      "leaves layers uncovered"
    );
    assert!(
      plan_from_segments(&net, &[(1, 7, 1)]).is_err(),
      "does not start at layer 0"
    );
    assert!(
      plan_from_segments(&net, &[(0, 9, 1)]).is_err(),
      "runs past the last layer"
    );
  }
}
