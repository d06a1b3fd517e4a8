//! Batch proving: `B` independent inferences of one model in one proof, `b` of them inside
//! each step, so the weights are bound once per step for `b` inputs (see
//! [`crate::circuit::batch`] for the step and its state `[i, h_io]`).
//!
//! A batch model has one segment whose step holds every layer; its parameters do not depend
//! on the number of steps, so one verifier key serves any batch size. A batch whose size is
//! not a multiple of `b` is padded with zero inputs; the proof states the padded list and
//! the caller keeps the first `B`.
use std::sync::atomic::Ordering;
use std::time::Instant;

use ff::PrimeField;

use crate::engine::{Fr, Profile};
use crate::error::{FoldError, Result};
use crate::hash;
use crate::keys::{self, KeySource};
use crate::model::{forward, Network, WeightMode};
use crate::plan::{segment_circuit, Segment};
use crate::proof::{ProofBundle, SegmentKey, VerifierKeyBundle, PROOF_FORMAT, VK_FORMAT};
use crate::prover::{prove_segment, stage, KeyCollector, KeyCommon, Progress, ProveStats};
use crate::verifier::{check_claimed_range, decode_state, verify_segment, ModelKeys};

/// Largest number of inputs per step.
pub const MAX_ITEMS_PER_STEP: usize = 4096;

/// The batch segment of `net` with `items` inputs per step (one step's worth of constants).
pub fn batch_segment(net: &Network, items: usize) -> Result<Segment> {
  if net.mode != WeightMode::Public {
    return Err(FoldError::model(
      "batch proving needs public weights (private-weight batches are not supported yet)",
    ));
  }
  if let Some((l, layer)) = net
    .layers
    .iter()
    .enumerate()
    .find(|(_, l)| l.as_dense().is_none())
  {
    return Err(FoldError::model(format!(
      "batch proving covers dense networks; layer {l} is a {} layer (prove each input instead)",
      layer.kind()
    )));
  }
  if items == 0 || items > MAX_ITEMS_PER_STEP {
    return Err(FoldError::model(format!(
      "inputs per step must be between 1 and {MAX_ITEMS_PER_STEP}, got {items}"
    )));
  }
  let all = crate::plan::plan_from_segments(net, &[(0, 1, net.layers.len())])?;
  let mut seg = all
    .segments
    .into_iter()
    .next()
    .expect("one segment was asked for");
  seg.shape.batch_items = Some(items);
  Ok(seg)
}

fn verifier_key<P: Profile>(net: &Network, items: usize, key: SegmentKey, common: KeyCommon) -> VerifierKeyBundle {
  VerifierKeyBundle {
    format: VK_FORMAT,
    engine: P::ID,
    act_bits: net.settings.act_bits,
    mode: net.mode,
    input_dim: net.input_dim() as u64,
    output_dim: net.output_dim() as u64,
    segments: vec![key],
    srs_g2: common.srs_g2,
    shared_digest: common.shared_digest,
    model_hash: None,
    batch_items: items as u64,
  }
}

/// The batch key's one segment, stated with no steps (one key serves any batch size).
fn batch_key<P: Profile>(seg: &Segment, keys: &keys::SegmentKeys<P>) -> Result<(SegmentKey, KeyCommon)> {
  let mut collector = KeyCollector::default();
  let mut key = collector.key(seg, keys)?;
  key.num_steps = 0;
  Ok((key, collector.common()?))
}

/// Sets up (or loads) the batch step's keys; returns the verifier key.
pub fn setup<P: Profile>(net: &Network, items: usize, source: &KeySource<'_>) -> Result<VerifierKeyBundle> {
  let seg = batch_segment(net, items)?;
  let keys = keys::load_or_setup::<P>(&segment_circuit::<Fr<P>>(net, &seg), source)?;
  let (key, common) = batch_key(&seg, &keys)?;
  Ok(verifier_key::<P>(net, items, key, common))
}

/// The state before a batch's first step: `[0, BATCH_CHAIN_INIT]`.
fn initial_state<F: PrimeField>() -> Vec<F> {
  vec![F::from(0u64), F::from(hash::BATCH_CHAIN_INIT)]
}

/// The chain value after absorbing every step's inputs and outputs.
fn io_chain<F: PrimeField>(
  inputs: &[i64],
  outputs: &[i64],
  n_in: usize,
  n_out: usize,
  items: usize,
  act_bits: u32,
) -> F {
  let consts = hash::constants::<F>();
  inputs
    .chunks(items * n_in)
    .zip(outputs.chunks(items * n_out))
    .fold(F::from(hash::BATCH_CHAIN_INIT), |h, (x, y)| {
      hash::batch_link(&consts, h, x, y, act_bits)
    })
}

/// Proves `xs` (each one input of `net`), `items` per step.
pub fn prove<P: Profile>(
  net: &Network,
  items: usize,
  xs: &[Vec<i64>],
  source: &KeySource<'_>,
  progress: &Progress,
) -> Result<(ProofBundle, VerifierKeyBundle, ProveStats)> {
  if xs.is_empty() {
    return Err(FoldError::InvalidInput {
      reason: "a batch needs at least one input".into(),
    });
  }
  let mut seg = batch_segment(net, items)?;
  // every input is checked (range, width) before any folding starts
  let mut padded: Vec<Vec<i64>> = xs.to_vec();
  padded.resize(xs.len().div_ceil(items) * items, vec![0; net.input_dim()]);
  for (n, x) in padded.iter().enumerate() {
    forward(net, x).map_err(|e| FoldError::InvalidInput {
      reason: format!("batch input {n}: {e}"),
    })?;
  }
  let steps = padded.len() / items;
  progress.total_steps.store(steps as u64, Ordering::Relaxed);
  progress.segment.store(0, Ordering::Relaxed);
  progress.stage.store(stage::SETUP, Ordering::Relaxed);

  let mut stats = ProveStats::default();
  let t = Instant::now();
  let circuit = segment_circuit::<Fr<P>>(net, &seg);
  let keys = keys::load_or_setup::<P>(&circuit, source)?;
  stats.setup_s = t.elapsed().as_secs_f64();
  stats.cached_segments = keys.from_cache as u64;
  let (key, common) = batch_key(&seg, &keys)?;
  seg.num_steps = steps;
  let layers: Vec<_> = net.layers.iter().collect();
  let mut outputs: Vec<i64> = Vec::with_capacity(padded.len() * net.output_dim());
  let no_checkpoint = |_: usize, _: &_, _: bool| Ok(());
  let (proof, part, _, seg_stats) = prove_segment(
    &keys,
    &seg,
    &circuit,
    initial_state::<Fr<P>>(),
    progress,
    Default::default(),
    no_checkpoint,
    |k| {
      let (w, ys) = circuit.batch_witness(&padded[k * items..(k + 1) * items], &layers)?;
      outputs.extend(ys.into_iter().flatten());
      Ok(w)
    },
  )?;
  stats.add(seg_stats);

  let srs = common.srs_id();
  let vkb = verifier_key::<P>(net, items, key, common);
  let model_commitment = vkb.commitment();
  let secondary = crate::secondary::prove_parts::<P>(&model_commitment, vec![part])?;
  progress.stage.store(stage::DONE, Ordering::Relaxed);
  Ok((
    ProofBundle {
      format: PROOF_FORMAT,
      engine: P::ID,
      srs,
      model_commitment,
      input: padded.into_iter().flatten().collect(),
      output: outputs,
      segments: vec![proof],
      secondary,
    },
    vkb,
    stats,
  ))
}

/// Checks a batch proof against a batch verifier key (called by [`crate::verifier::verify`]).
pub(crate) fn verify<P: Profile>(
  vk: &VerifierKeyBundle,
  keys: &ModelKeys<P>,
  commitment: [u8; 32],
  proof: &ProofBundle,
) -> Result<()> {
  if proof.model_commitment != commitment {
    return Err(FoldError::ModelMismatch {
      reason: "the proof is for a different model (model commitments differ)".into(),
    });
  }
  let items = usize::try_from(vk.batch_items)
    .ok()
    .filter(|b| (1..=MAX_ITEMS_PER_STEP).contains(b))
    .ok_or_else(|| FoldError::invalid("the verifier key's batch size is out of range"))?;
  let (n_in, n_out) = (vk.input_dim as usize, vk.output_dim as usize);
  if n_in == 0 || n_out == 0 || proof.input.len() % (items * n_in) != 0 || proof.input.is_empty() {
    return Err(FoldError::invalid(format!(
      "the batch states {} input values, not a positive multiple of {items} inputs of {n_in}",
      proof.input.len()
    )));
  }
  let count = proof.input.len() / n_in;
  if proof.output.len() != count * n_out {
    return Err(FoldError::invalid(format!(
      "the batch states {} output values for {count} inputs of a model with {n_out} outputs",
      proof.output.len()
    )));
  }
  check_claimed_range(vk.act_bits, &proof.input, &proof.output)?;
  let (sp, key) = match (
    proof.segments.as_slice(),
    vk.segments.as_slice(),
    keys.segments.as_slice(),
  ) {
    ([sp], [_], [key]) => (sp, key),
    _ => {
      return Err(FoldError::invalid(
        "a batch proof and its key have exactly one segment",
      ))
    }
  };
  let steps = (count / items) as u64;
  if sp.first_step != 0 || sp.num_steps != steps {
    return Err(FoldError::invalid(format!(
      "the proof covers steps {}..{}, the batch needs 0..{steps}",
      sp.first_step,
      sp.first_step.saturating_add(sp.num_steps)
    )));
  }
  let z0 = initial_state::<Fr<P>>();
  if decode_state::<Fr<P>>("batch start state", &sp.z0)? != z0 {
    return Err(FoldError::invalid(
      "the batch does not start from the initial state",
    ));
  }
  let (zn, instance) = verify_segment::<P>(0, sp, key, &z0)?;
  crate::secondary::verify_parts::<P>(&keys.secondary, &commitment, &[instance], &proof.secondary)?;
  if zn[0] != Fr::<P>::from(steps) {
    return Err(FoldError::invalid("the proof does not cover every step"));
  }
  if zn[1] != io_chain::<Fr<P>>(&proof.input, &proof.output, n_in, n_out, items, vk.act_bits) {
    return Err(FoldError::invalid(
      "the claimed inputs and outputs are not the ones the proof computes",
    ));
  }
  Ok(())
}
