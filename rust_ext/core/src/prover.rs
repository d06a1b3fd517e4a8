//! Setup and proving: one `RecursiveSNARK` per segment, folded step by step with the witness
//! generated natively, then one zero-knowledge `CompressedSNARK` per segment.
//!
//! Memory stays flat in depth: only the current segment's parameters and accumulator are
//! alive, and each step's witness is generated just before it is folded.
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::circuit::{FoldStep, SegmentCircuit, StepWitness};
use crate::engine::{Compressed, Fr, Recursive};
use crate::error::{FoldError, Result};
use crate::hash;
use crate::keys::{self, SegmentKeys};
use crate::model::{forward, Network, WeightMode};
use crate::plan::{model_chain, segment_circuit, Plan, Segment};
use crate::proof::{to_vec, ProofBundle, SegmentKey, SegmentProof, VerifierKeyBundle, PROOF_FORMAT, VK_FORMAT};

/// Stages reported through [`Progress::stage`].
pub mod stage {
  /// Not started.
  pub const IDLE: u32 = 0;
  /// Setting up or loading public parameters.
  pub const SETUP: u32 = 1;
  /// Folding steps.
  pub const FOLD: u32 = 2;
  /// Compressing a segment.
  pub const COMPRESS: u32 = 3;
  /// Finished.
  pub const DONE: u32 = 4;
}

/// Progress of a running proof, shared with the caller (who polls it from another thread)
/// so that no callback runs inside the step loop.
#[derive(Debug, Default)]
pub struct Progress {
  /// Steps folded so far, over all segments.
  pub steps_done: AtomicU64,
  /// Total steps of the proof.
  pub total_steps: AtomicU64,
  /// Index of the segment being worked on.
  pub segment: AtomicU64,
  /// Current stage (see [`stage`]).
  pub stage: AtomicU32,
  /// Set by the caller to stop the prover at the next step.
  pub cancel: AtomicBool,
}

/// One segment's sizes and times.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct SegmentStats {
  /// Steps folded.
  pub steps: u64,
  /// Constraints of the augmented primary circuit (one step).
  pub constraints: u64,
  /// Variables of the augmented primary circuit (one step).
  pub variables: u64,
  /// Seconds generating the segment's witnesses.
  pub witness_s: f64,
  /// Seconds folding the segment's steps.
  pub fold_s: f64,
  /// Seconds compressing the segment.
  pub compress_s: f64,
}

/// Where the prover's time went, and the circuit sizes it met.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ProveStats {
  /// Seconds setting up or loading parameters.
  pub setup_s: f64,
  /// Seconds generating witnesses.
  pub witness_s: f64,
  /// Seconds folding.
  pub fold_s: f64,
  /// Seconds compressing.
  pub compress_s: f64,
  /// Per segment.
  pub segments: Vec<SegmentStats>,
  /// Segments whose parameters came from the cache.
  pub cached_segments: u64,
}

fn fe_bytes(v: &[Fr]) -> Vec<[u8; 32]> {
  v.iter().map(hash::to_bytes).collect()
}

/// The state before the first step: `[0, H(x)]`, plus the chain's initial value in private
/// mode.
pub fn initial_state(mode: WeightMode, act_bits: u32, x: &[i64]) -> Vec<Fr> {
  let consts = hash::constants::<Fr>();
  let mut z = vec![Fr::from(0u64), hash::activation_hash(&consts, x, act_bits)];
  if mode == WeightMode::Private {
    z.push(Fr::from(hash::MODEL_CHAIN_INIT));
  }
  z
}

pub(crate) fn vk_bytes(keys: &SegmentKeys) -> Vec<u8> {
  to_vec(&keys.vk)
}

/// Sets up (or loads) every segment's keys and returns the verifier-key bundle.
pub fn setup(net: &Network, plan: &Plan, cache_dir: Option<&Path>) -> Result<VerifierKeyBundle> {
  let mut segments = Vec::with_capacity(plan.segments.len());
  for seg in &plan.segments {
    let circuit = segment_circuit::<Fr>(net, seg);
    let keys = keys::load_or_setup(&circuit, cache_dir)?;
    segments.push(SegmentKey {
      first_step: seg.first_step,
      num_steps: seg.num_steps as u64,
      vk: vk_bytes(&keys),
    });
  }
  verifier_key_bundle(net, segments)
}

fn verifier_key_bundle(net: &Network, segments: Vec<SegmentKey>) -> Result<VerifierKeyBundle> {
  let model_hash = match net.mode {
    WeightMode::Public => None,
    WeightMode::Private => Some(hash::to_bytes(&model_chain::<Fr>(net)?)),
  };
  Ok(VerifierKeyBundle {
    format: VK_FORMAT,
    act_bits: net.settings.act_bits,
    mode: net.mode,
    input_dim: net.input_dim() as u64,
    output_dim: net.output_dim() as u64,
    segments,
    model_hash,
    batch_items: 0,
  })
}

impl ProveStats {
  /// Adds one segment's times and sizes.
  pub(crate) fn add(&mut self, seg: SegmentStats) {
    self.witness_s += seg.witness_s;
    self.fold_s += seg.fold_s;
    self.compress_s += seg.compress_s;
    self.segments.push(seg);
  }
}

/// The witness of local step `k` of `seg` on input activations `x`, with the step's output
/// activations: the step's layers and (private weights) their salts.
pub(crate) fn step_witness(
  net: &Network,
  seg: &Segment,
  circuit: &SegmentCircuit<Fr>,
  k: usize,
  x: &[i64],
) -> Result<(StepWitness<Fr>, Vec<i64>)> {
  let range = seg.step_layers(k);
  let layers: Vec<_> = net.layers[range.clone()].iter().collect();
  let salts = match net.mode {
    WeightMode::Public => &[][..],
    WeightMode::Private => &net.salts[range.clone()],
  };
  circuit.witness(k, x, &layers, salts, range.start)
}

/// Folds the steps of one segment from state `z0`, the witness of local step `k` coming from
/// `witness(k)` just before it is folded, then compresses. Returns the segment's proof, its
/// end state and its sizes and times.
pub(crate) fn prove_segment(
  keys: &SegmentKeys,
  seg: &Segment,
  circuit: &Arc<SegmentCircuit<Fr>>,
  z0: Vec<Fr>,
  progress: &Progress,
  mut witness: impl FnMut(usize) -> Result<StepWitness<Fr>>,
) -> Result<(SegmentProof, Vec<Fr>, SegmentStats)> {
  let mut stats = SegmentStats {
    steps: seg.num_steps as u64,
    constraints: keys.pp.num_constraints().0 as u64,
    variables: keys.pp.num_variables().0 as u64,
    ..Default::default()
  };
  progress.stage.store(stage::FOLD, Ordering::Relaxed);
  let mut rs: Option<Recursive> = None;
  for k in 0..seg.num_steps {
    if progress.cancel.load(Ordering::Relaxed) {
      return Err(FoldError::Cancelled);
    }
    let t = Instant::now();
    let step = FoldStep {
      segment: circuit.clone(),
      witness: Some(Arc::new(witness(k)?)),
    };
    stats.witness_s += t.elapsed().as_secs_f64();
    let t = Instant::now();
    let fold = |e| FoldError::Proving { stage: "fold", source: e };
    match rs.as_mut() {
      None => {
        let mut r = Recursive::new(&keys.pp, &step, &z0).map_err(fold)?;
        r.prove_step(&keys.pp, &step).map_err(fold)?;
        rs = Some(r);
      }
      Some(r) => r.prove_step(&keys.pp, &step).map_err(fold)?,
    }
    stats.fold_s += t.elapsed().as_secs_f64();
    progress.steps_done.fetch_add(1, Ordering::Relaxed);
  }
  let rs = rs.ok_or_else(|| FoldError::model("a segment has no steps"))?;

  progress.stage.store(stage::COMPRESS, Ordering::Relaxed);
  let t = Instant::now();
  let snark = Compressed::prove(&keys.pp, &keys.pk, &rs)
    .map_err(|source| FoldError::Proving { stage: "compress", source })?;
  stats.compress_s = t.elapsed().as_secs_f64();
  let zn = rs.outputs().to_vec();
  Ok((
    SegmentProof {
      first_step: seg.first_step,
      num_steps: seg.num_steps as u64,
      z0: fe_bytes(&z0),
      zn: fe_bytes(&zn),
      snark: to_vec(&snark),
    },
    zn,
    stats,
  ))
}

/// Proves one inference. Runs the integer forward pass first, so a value out of range is
/// reported (naming layer and neuron) before any folding starts.
pub fn prove(
  net: &Network,
  plan: &Plan,
  x: &[i64],
  cache_dir: Option<&Path>,
  progress: &Progress,
) -> Result<(ProofBundle, VerifierKeyBundle, ProveStats)> {
  let outputs = forward(net, x)?;
  let y = outputs.last().expect("validated networks have layers").clone();
  drop(outputs);
  progress.total_steps.store(plan.total_steps(), Ordering::Relaxed);

  let mut stats = ProveStats::default();
  let mut z = initial_state(net.mode, net.settings.act_bits, x);
  let mut act = x.to_vec();
  let mut seg_proofs = Vec::with_capacity(plan.segments.len());
  let mut seg_keys = Vec::with_capacity(plan.segments.len());
  for (si, seg) in plan.segments.iter().enumerate() {
    progress.segment.store(si as u64, Ordering::Relaxed);
    progress.stage.store(stage::SETUP, Ordering::Relaxed);
    let t = Instant::now();
    let circuit = segment_circuit::<Fr>(net, seg);
    let keys = keys::load_or_setup(&circuit, cache_dir)?;
    stats.setup_s += t.elapsed().as_secs_f64();
    stats.cached_segments += keys.from_cache as u64;
    let (proof, zn, seg_stats) = prove_segment(&keys, seg, &circuit, z.clone(), progress, |k| {
      let (w, out) = step_witness(net, seg, &circuit, k, &act)?;
      act = out;
      Ok(w)
    })?;
    stats.add(seg_stats);
    z = zn;
    seg_proofs.push(proof);
    seg_keys.push(SegmentKey {
      first_step: seg.first_step,
      num_steps: seg.num_steps as u64,
      vk: vk_bytes(&keys),
    });
  }
  debug_assert_eq!(act, y);
  let vkb = verifier_key_bundle(net, seg_keys)?;
  progress.stage.store(stage::DONE, Ordering::Relaxed);
  Ok((
    ProofBundle {
      format: PROOF_FORMAT,
      model_commitment: vkb.commitment(),
      input: x.to_vec(),
      output: y,
      segments: seg_proofs,
    },
    vkb,
    stats,
  ))
}
