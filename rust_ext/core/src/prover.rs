//! Setup and proving: one `RecursiveSNARK` per segment, folded step by step with the witness
//! generated natively, then one zero-knowledge `CompressedSNARK` per segment.
//!
//! Memory stays flat in depth: only the current segment's parameters and accumulator are
//! alive, and each step's witness is generated just before it is folded.
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use ff::PrimeField;

use crate::checkpoint::Checkpointer;
use crate::circuit::{FoldStep, SegmentCircuit, StepWitness};
use crate::engine::{Compressed, Fr, Profile, Recursive};
use crate::error::{FoldError, Result};
use crate::hash;
use crate::keys::{self, KeySource, SegmentKeys};
use crate::model::{forward, Network, WeightMode};
use crate::plan::{model_chain, segment_circuit, Plan, Segment};
use crate::proof::{
  from_slice, to_vec, CommitmentHasher, ProofBundle, SegmentKey, SegmentProof, SegmentResult,
  VerifierKeyBundle, PROOF_FORMAT, VK_FORMAT,
};
use crate::secondary::{self, SecondaryPart};
use crate::srs::srs_id;

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
  /// Global step a checkpoint resumed from (0: the proof started from the beginning).
  pub resumed_from_step: u64,
}

/// Canonical encodings of field elements (a state as proofs carry it).
pub(crate) fn fe_bytes<F: PrimeField>(v: &[F]) -> Vec<[u8; 32]> {
  v.iter().map(hash::to_bytes).collect()
}

/// The state before the first step: `[0, H(x)]`, plus the chain's initial value in private
/// mode.
pub fn initial_state<F: PrimeField>(mode: WeightMode, act_bits: u32, x: &[i64]) -> Vec<F> {
  let consts = hash::constants::<F>();
  let mut z = vec![F::from(0u64), hash::activation_hash(&consts, x, act_bits)];
  if mode == WeightMode::Private {
    z.push(F::from(hash::MODEL_CHAIN_INIT));
  }
  z
}

/// What every segment key of a bundle shares: the SRS element and the shared parts' digest.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct KeyCommon {
  pub srs_g2: Option<Vec<u8>>,
  pub shared_digest: [u8; 32],
}

impl KeyCommon {
  /// The SRS id a proof states.
  pub(crate) fn srs_id(&self) -> Option<[u8; 32]> {
    self.srs_g2.as_deref().map(srs_id)
  }
}

/// Collects segment keys, checking that they share their SRS and shared parts.
#[derive(Default)]
pub(crate) struct KeyCollector {
  common: Option<KeyCommon>,
}

impl KeyCollector {
  /// Segment `seg`'s key for the bundle.
  pub(crate) fn key<P: Profile>(&mut self, seg: &Segment, keys: &SegmentKeys<P>) -> Result<SegmentKey> {
    let split = crate::vk::split::<P>(&keys.vk)?;
    let common = KeyCommon {
      srs_g2: split.srs_g2,
      shared_digest: split.shared.digest(),
    };
    match &self.common {
      Some(c) if *c != common => {
        return Err(FoldError::model(
          "segments' keys were made with different SRSs or shared parameters",
        ))
      }
      Some(_) => {}
      None => self.common = Some(common),
    }
    Ok(SegmentKey {
      first_step: seg.first_step,
      num_steps: seg.num_steps as u64,
      vk: split.segment,
    })
  }

  /// What the collected keys share.
  pub(crate) fn common(&self) -> Result<KeyCommon> {
    self
      .common
      .clone()
      .ok_or_else(|| FoldError::model("a model has at least one segment"))
  }
}

/// Sets up (or loads) every segment's keys and returns the verifier-key bundle.
pub fn setup<P: Profile>(net: &Network, plan: &Plan, source: &KeySource<'_>) -> Result<VerifierKeyBundle> {
  let mut segments = Vec::with_capacity(plan.segments.len());
  let mut collector = KeyCollector::default();
  for seg in &plan.segments {
    let circuit = segment_circuit::<Fr<P>>(net, seg);
    let keys = keys::load_or_setup::<P>(&circuit, source)?;
    segments.push(collector.key(seg, &keys)?);
  }
  verifier_key_bundle::<P>(net, segments, collector.common()?)
}

fn verifier_key_bundle<P: Profile>(
  net: &Network,
  segments: Vec<SegmentKey>,
  common: KeyCommon,
) -> Result<VerifierKeyBundle> {
  Ok(VerifierKeyBundle {
    format: VK_FORMAT,
    engine: P::ID,
    act_bits: net.settings.act_bits,
    mode: net.mode,
    input_dim: net.input_dim() as u64,
    output_dim: net.output_dim() as u64,
    segments,
    srs_g2: common.srs_g2,
    shared_digest: common.shared_digest,
    model_hash: model_hash::<Fr<P>>(net)?,
    batch_items: 0,
  })
}

/// Private weights: the blinded hash-chain commitment of the weights.
fn model_hash<F: PrimeField>(net: &Network) -> Result<Option<[u8; 32]>> {
  Ok(match net.mode {
    WeightMode::Public => None,
    WeightMode::Private => Some(hash::to_bytes(&model_chain::<F>(net)?)),
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
pub(crate) fn step_witness<F: PrimeField>(
  net: &Network,
  seg: &Segment,
  circuit: &SegmentCircuit<F>,
  k: usize,
  x: &[i64],
) -> Result<(StepWitness<F>, Vec<i64>)> {
  let range = seg.step_layers(k);
  let layers: Vec<_> = net.layers[range.clone()].iter().collect();
  let salts = match net.mode {
    WeightMode::Public => &[][..],
    WeightMode::Private => &net.salts[range.clone()],
  };
  circuit.witness(k, x, &layers, salts, range.start)
}

/// Where a segment's folding starts: from nothing, or from a checkpoint's accumulator after
/// `steps_done` steps.
pub(crate) struct Resume<P: Profile> {
  pub steps_done: usize,
  pub accumulator: Option<Recursive<P>>,
}

impl<P: Profile> Default for Resume<P> {
  fn default() -> Self {
    Resume {
      steps_done: 0,
      accumulator: None,
    }
  }
}

/// Folds the steps of one segment from state `z0` (or from `resume`), the witness of local
/// step `k` coming from `witness(k)` just before it is folded, then compresses. After each
/// step `checkpoint(steps_done, accumulator, false)` may save the accumulator; on
/// cancellation it is called with `true` before the error returns. Returns the segment's
/// proof, its secondary part (for the model's one secondary proof), its end state and its
/// sizes and times.
#[allow(clippy::too_many_arguments)]
pub(crate) fn prove_segment<P: Profile>(
  keys: &SegmentKeys<P>,
  seg: &Segment,
  circuit: &Arc<SegmentCircuit<Fr<P>>>,
  z0: Vec<Fr<P>>,
  progress: &Progress,
  resume: Resume<P>,
  mut checkpoint: impl FnMut(usize, &Recursive<P>, bool) -> Result<()>,
  mut witness: impl FnMut(usize) -> Result<StepWitness<Fr<P>>>,
) -> Result<(SegmentProof, SecondaryPart<P>, Vec<Fr<P>>, SegmentStats)> {
  let mut stats = SegmentStats {
    steps: seg.num_steps as u64,
    constraints: keys.pp.num_constraints().0 as u64,
    variables: keys.pp.num_variables().0 as u64,
    ..Default::default()
  };
  progress.stage.store(stage::FOLD, Ordering::Relaxed);
  let mut rs = resume.accumulator;
  for k in resume.steps_done..seg.num_steps {
    if progress.cancel.load(Ordering::Relaxed) {
      if let Some(r) = rs.as_ref() {
        checkpoint(k, r, true)?;
      }
      return Err(FoldError::Cancelled);
    }
    let t = Instant::now();
    let step = FoldStep {
      segment: circuit.clone(),
      witness: Some(Arc::new(witness(k)?)),
    };
    stats.witness_s += t.elapsed().as_secs_f64();
    let t = Instant::now();
    let fold = |e| FoldError::Proving {
      stage: "fold",
      source: e,
    };
    match rs.as_mut() {
      None => {
        let mut r = Recursive::<P>::new(&keys.pp, &step, &z0).map_err(fold)?;
        r.prove_step(&keys.pp, &step).map_err(fold)?;
        rs = Some(r);
      }
      Some(r) => r.prove_step(&keys.pp, &step).map_err(fold)?,
    }
    stats.fold_s += t.elapsed().as_secs_f64();
    progress.steps_done.fetch_add(1, Ordering::Relaxed);
    if let Some(r) = rs.as_ref() {
      checkpoint(k + 1, r, false)?;
    }
  }
  let rs = rs.ok_or_else(|| FoldError::model("a segment has no steps"))?;

  progress.stage.store(stage::COMPRESS, Ordering::Relaxed);
  let t = Instant::now();
  let snark = Compressed::<P>::prove(&keys.pp, &keys.pk, &rs).map_err(|source| FoldError::Proving {
    stage: "compress",
    source,
  })?;
  let (snark, part) = secondary::take_part::<P>(&snark)?;
  stats.compress_s = t.elapsed().as_secs_f64();
  let zn = rs.outputs().to_vec();
  Ok((
    SegmentProof {
      first_step: seg.first_step,
      num_steps: seg.num_steps as u64,
      z0: fe_bytes(&z0),
      zn: fe_bytes(&zn),
      snark,
    },
    part,
    zn,
    stats,
  ))
}

/// The finished segments' proofs, and the model's one secondary proof over their folded
/// secondary parts (in segment order).
pub(crate) fn finish_secondary<P: Profile>(
  commitment: &[u8; 32],
  done: Vec<SegmentResult>,
) -> Result<(Vec<SegmentProof>, Vec<u8>)> {
  let mut proofs = Vec::with_capacity(done.len());
  let mut parts = Vec::with_capacity(done.len());
  for (si, r) in done.into_iter().enumerate() {
    parts.push(
      from_slice::<SecondaryPart<P>>(&format!("segment {si} secondary part"), &r.part)
        .map_err(|e| FoldError::model(e.to_string()))?,
    );
    proofs.push(r.proof);
  }
  Ok((proofs, secondary::prove_parts::<P>(commitment, parts)?))
}

/// Proves one inference. Runs the integer forward pass first, so a value out of range is
/// reported (naming layer and neuron) before any folding starts.
///
/// The model commitment is hashed one segment key at a time and each segment's keys are
/// dropped before the next are loaded, so the prover's memory does not grow with the number of
/// segments. [`prove_with_key`] also returns the verifier-key bundle; [`prove_resumable`]
/// keeps a checkpoint.
pub fn prove<P: Profile>(
  net: &Network,
  plan: &Plan,
  x: &[i64],
  source: &KeySource<'_>,
  progress: &Progress,
) -> Result<(ProofBundle, ProveStats)> {
  prove_segments::<P>(net, plan, x, source, progress, None, |_, _| {})
}

/// [`prove`], also returning the verifier-key bundle the prover derived (every segment's key
/// held in memory).
pub fn prove_with_key<P: Profile>(
  net: &Network,
  plan: &Plan,
  x: &[i64],
  source: &KeySource<'_>,
  progress: &Progress,
) -> Result<(ProofBundle, VerifierKeyBundle, ProveStats)> {
  let mut keys = Vec::with_capacity(plan.segments.len());
  let mut common = KeyCommon::default();
  let (proof, stats) = prove_segments::<P>(net, plan, x, source, progress, None, |k, c| {
    keys.push(k);
    common = c.clone();
  })?;
  let vkb = verifier_key_bundle::<P>(net, keys, common)?;
  debug_assert_eq!(vkb.commitment(), proof.model_commitment);
  Ok((proof, vkb, stats))
}

/// [`prove`] with a checkpoint: resumes from `checkpointer`'s file when it holds a checkpoint
/// of this proof, saves one as `checkpointer` asks (and when cancelled), and removes it once
/// the proof is done. `stats.resumed_from_step` says where it resumed.
pub fn prove_resumable<P: Profile>(
  net: &Network,
  plan: &Plan,
  x: &[i64],
  source: &KeySource<'_>,
  progress: &Progress,
  checkpointer: &Checkpointer,
) -> Result<(ProofBundle, ProveStats)> {
  let out = prove_segments::<P>(net, plan, x, source, progress, Some(checkpointer), |_, _| {})?;
  checkpointer.clear();
  Ok(out)
}

/// Proves the segments in turn, handing each segment's key (and what the keys share) to
/// `on_key` after hashing it into the commitment; with a checkpointer, resumes from and saves
/// checkpoints.
fn prove_segments<P: Profile>(
  net: &Network,
  plan: &Plan,
  x: &[i64],
  source: &KeySource<'_>,
  progress: &Progress,
  checkpointer: Option<&Checkpointer>,
  mut on_key: impl FnMut(SegmentKey, &KeyCommon),
) -> Result<(ProofBundle, ProveStats)> {
  let outputs = forward(net, x)?;
  let y = outputs
    .last()
    .expect("validated networks have layers")
    .clone();
  progress
    .total_steps
    .store(plan.total_steps(), Ordering::Relaxed);

  // A checkpoint of this proof, if any: finished segments and the accumulator of the next.
  let resume = checkpointer.and_then(|c| c.load()).filter(|c| {
    let seg = plan.segments.get(c.segment as usize);
    c.finished.len() as u64 == c.segment
      && seg.is_some_and(|s| c.steps_done < s.num_steps as u64)
      && (c.steps_done == 0) == c.accumulator.is_none()
  });
  let mut stats = ProveStats::default();
  // Finished segments: their proofs and secondary parts.
  let mut done: Vec<SegmentResult> = Vec::with_capacity(plan.segments.len());
  let (mut first_segment, mut resume_steps, mut accumulator) = (0, 0, None);
  let mut z = initial_state::<Fr<P>>(net.mode, net.settings.act_bits, x);
  if let Some(c) = resume {
    // The state where the finished segments end (the initial state when none is).
    let boundary = match c.finished.last() {
      None => Some(z.clone()),
      Some(last) => last
        .proof
        .zn
        .iter()
        .map(hash::from_bytes)
        .collect::<Option<Vec<Fr<P>>>>(),
    };
    // A checkpoint that does not decode is as good as none: start over.
    if let (Ok(acc), Some(boundary)) = (c.recursive::<P>(), boundary) {
      first_segment = c.segment as usize;
      resume_steps = c.steps_done as usize;
      accumulator = acc;
      done = c.finished;
      z = boundary;
      let seg = &plan.segments[first_segment];
      stats.resumed_from_step = seg.first_step + resume_steps as u64;
      progress
        .steps_done
        .store(stats.resumed_from_step, Ordering::Relaxed);
    }
  }
  // The activations entering the first step still to fold.
  let start_layer = plan.segments[first_segment].step_layers(resume_steps).start;
  let mut act = if start_layer == 0 {
    x.to_vec()
  } else {
    outputs[start_layer - 1].clone()
  };
  drop(outputs);

  let mut collector = KeyCollector::default();
  let mut commitment = CommitmentHasher::new(
    P::ID,
    net.settings.act_bits,
    net.mode,
    net.input_dim() as u64,
    net.output_dim() as u64,
    plan.segments.len() as u64,
  );
  for (si, seg) in plan.segments.iter().enumerate() {
    progress.segment.store(si as u64, Ordering::Relaxed);
    progress.stage.store(stage::SETUP, Ordering::Relaxed);
    let t = Instant::now();
    let circuit = segment_circuit::<Fr<P>>(net, seg);
    let keys = keys::load_or_setup::<P>(&circuit, source)?;
    stats.setup_s += t.elapsed().as_secs_f64();
    stats.cached_segments += keys.from_cache as u64;
    let key = collector.key(seg, &keys)?;
    commitment.segment(&key);
    on_key(key, &collector.common()?);
    if si < first_segment {
      // Finished before the checkpoint: only its key enters the commitment.
      continue;
    }
    let resume = if si == first_segment {
      Resume {
        steps_done: resume_steps,
        accumulator: accumulator.take(),
      }
    } else {
      Resume::default()
    };
    let save = |steps_done: usize, r: &Recursive<P>, cancelled: bool| match checkpointer {
      Some(c) if cancelled || c.due(steps_done as u64, seg.num_steps as u64) => {
        c.save::<P>(si, steps_done, Some(r), &done)
      }
      _ => Ok(()),
    };
    let (proof, part, zn, seg_stats) = prove_segment(
      &keys,
      seg,
      &circuit,
      z.clone(),
      progress,
      resume,
      save,
      |k| {
        let (w, out) = step_witness(net, seg, &circuit, k, &act)?;
        act = out;
        Ok(w)
      },
    )?;
    stats.add(seg_stats);
    z = zn;
    done.push(SegmentResult {
      proof,
      part: to_vec(&part),
    });
    drop(keys);
    if let Some(c) = checkpointer.filter(|_| si + 1 < plan.segments.len()) {
      // Compression is the costliest part of a segment: never redo it.
      c.save::<P>(si + 1, 0, None, &done)?;
    }
  }
  debug_assert_eq!(act, y);
  let common = collector.common()?;
  let model_commitment = commitment.finish(
    common.srs_g2.as_deref(),
    common.shared_digest,
    model_hash::<Fr<P>>(net)?,
    0,
  );
  progress.stage.store(stage::COMPRESS, Ordering::Relaxed);
  let t = Instant::now();
  let (segments, secondary) = finish_secondary::<P>(&model_commitment, done)?;
  stats.compress_s += t.elapsed().as_secs_f64();
  progress.stage.store(stage::DONE, Ordering::Relaxed);
  Ok((
    ProofBundle {
      format: PROOF_FORMAT,
      engine: P::ID,
      srs: common.srs_id(),
      model_commitment,
      input: x.to_vec(),
      output: y,
      segments,
      secondary,
    },
    stats,
  ))
}
