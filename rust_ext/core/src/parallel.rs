//! Segments proven apart, for a cluster (DESIGN §5, §7): the state where a segment starts,
//! one segment's proof from the activations entering each of its steps (the witness a
//! stateless task computes), and the assembly of segment proofs into one proof bundle that
//! the ordinary verifier checks.
//!
//! A segment's start state is a function of the model and of the activations entering it:
//! `[first_step, H(act)]`, plus in private mode the weight chain over the layers before it.
//! It is therefore known before the segments before it are proven, which is what lets all
//! segments be folded at once. Soundness does not rest on this module: the verifier checks
//! every segment's SNARK and that each segment starts where the one before it ended.
use std::sync::atomic::Ordering;
use std::time::Instant;

use ff::PrimeField;

use crate::checkpoint::Checkpointer;
use crate::engine::{Fr, Profile, Recursive};
use crate::error::{FoldError, Result};
use crate::hash;
use crate::keys::{self, KeySource};
use crate::model::{forward, Network, WeightMode};
use crate::plan::{model_chain_prefix, segment_circuit, Plan, Segment};
use crate::proof::{to_vec, ProofBundle, SegmentResult, PROOF_FORMAT};
use crate::prover::{
  fe_bytes, finish_secondary, initial_state, prove_segment, stage, step_witness, Progress,
  ProveStats, Resume,
};

/// The state before `seg`'s first step when `act` enters it.
pub fn segment_start_state<F: PrimeField>(net: &Network, seg: &Segment, act: &[i64]) -> Result<Vec<F>> {
  let consts = hash::constants::<F>();
  let mut z = vec![
    F::from(seg.first_step),
    hash::activation_hash(&consts, act, net.settings.act_bits),
  ];
  if net.mode == WeightMode::Private {
    z.push(model_chain_prefix::<F>(net, seg.first_layer)?);
  }
  Ok(z)
}

/// The activations entering each step of segment `si` on input `x` (what a witness task
/// hands a segment's prover).
pub fn segment_step_inputs(
  net: &Network,
  plan: &Plan,
  si: usize,
  x: &[i64],
) -> Result<Vec<Vec<i64>>> {
  let seg = segment(plan, si)?;
  let outputs = forward(net, x)?;
  Ok(
    (0..seg.num_steps)
      .map(|k| match seg.step_layers(k).start {
        0 => x.to_vec(),
        l => outputs[l - 1].clone(),
      })
      .collect(),
  )
}

fn segment(plan: &Plan, si: usize) -> Result<&Segment> {
  plan.segments.get(si).ok_or_else(|| {
    FoldError::model(format!(
      "segment {si} does not exist; the plan has {}",
      plan.segments.len()
    ))
  })
}

/// Proves segment `si` of the proof of `net` under `plan` on input `x`, given the
/// activations entering each of its steps: its proof and the secondary part the assembly
/// folds. Each step's output is checked against the next step's given input, so a wrong
/// witness is an error here rather than a proof the verifier rejects. With a checkpointer the
/// segment resumes from, and saves, its own checkpoints.
#[allow(clippy::too_many_arguments)]
pub fn prove_one_segment<P: Profile>(
  net: &Network,
  plan: &Plan,
  si: usize,
  x: &[i64],
  step_inputs: &[Vec<i64>],
  source: &KeySource<'_>,
  progress: &Progress,
  checkpointer: Option<&Checkpointer>,
) -> Result<(SegmentResult, ProveStats)> {
  let seg = segment(plan, si)?;
  if step_inputs.len() != seg.num_steps {
    return Err(FoldError::model(format!(
      "segment {si} has {} steps; got inputs for {}",
      seg.num_steps,
      step_inputs.len()
    )));
  }
  net.check_input(x)?;
  let z0 = segment_start_state::<Fr<P>>(net, seg, &step_inputs[0])?;
  progress
    .total_steps
    .store(seg.num_steps as u64, Ordering::Relaxed);
  progress.segment.store(si as u64, Ordering::Relaxed);
  progress.stage.store(stage::SETUP, Ordering::Relaxed);

  let mut stats = ProveStats::default();
  let t = Instant::now();
  let circuit = segment_circuit::<Fr<P>>(net, seg);
  let keys = keys::load_or_setup::<P>(&circuit, source)?;
  stats.setup_s = t.elapsed().as_secs_f64();
  stats.cached_segments = keys.from_cache as u64;

  // A checkpoint of this segment (and of nothing else) resumes it.
  let mut resume = Resume::<P>::default();
  if let Some(c) = checkpointer
    .and_then(|c| c.load())
    .filter(|c| c.segment == si as u64 && c.finished.is_empty())
    .filter(|c| c.steps_done > 0 && c.steps_done < seg.num_steps as u64)
  {
    if let Ok(Some(acc)) = c.recursive::<P>() {
      resume = Resume {
        steps_done: c.steps_done as usize,
        accumulator: Some(acc),
      };
      stats.resumed_from_step = seg.first_step + c.steps_done;
      progress.steps_done.store(c.steps_done, Ordering::Relaxed);
    }
  }
  let save = |steps_done: usize, r: &Recursive<P>, cancelled: bool| match checkpointer {
    Some(c) if cancelled || c.due(steps_done as u64, seg.num_steps as u64) => {
      c.save::<P>(si, steps_done, Some(r), &[])
    }
    _ => Ok(()),
  };
  let (proof, part, _, seg_stats) =
    prove_segment(&keys, seg, &circuit, z0, progress, resume, save, |k| {
      let (w, out) = step_witness(net, seg, &circuit, k, &step_inputs[k])?;
      match step_inputs.get(k + 1) {
        Some(next) if *next != out => Err(FoldError::model(format!(
          "the witness of segment {si} is inconsistent: step {} does not produce the input \
           given for step {}",
          seg.first_step + k as u64,
          seg.first_step + k as u64 + 1
        ))),
        _ => Ok(w),
      }
    })?;
  stats.add(seg_stats);
  if let Some(c) = checkpointer {
    c.clear();
  }
  progress.stage.store(stage::DONE, Ordering::Relaxed);
  Ok((
    SegmentResult {
      proof,
      part: to_vec(&part),
    },
    stats,
  ))
}

/// Puts segment results (in any order) together into the proof of `net` under `plan` on `x`,
/// whose verifier key has commitment `commitment`, proving the model's one secondary proof
/// over their folded secondary parts. Checks that there is one result per segment of the plan
/// and that they chain from `x`'s initial state to its output, so that a mix-up (another
/// input, another plan) is a clear error here; the verifier checks the SNARKs and the same
/// chain again.
pub fn assemble<P: Profile>(
  net: &Network,
  plan: &Plan,
  x: &[i64],
  commitment: [u8; 32],
  srs: Option<[u8; 32]>,
  mut segments: Vec<SegmentResult>,
) -> Result<ProofBundle> {
  let outputs = forward(net, x)?;
  let y = outputs
    .last()
    .expect("validated networks have layers")
    .clone();
  segments.sort_by_key(|s| s.proof.first_step);
  if segments.len() != plan.segments.len() {
    return Err(FoldError::model(format!(
      "the plan has {} segments; got {} segment proofs",
      plan.segments.len(),
      segments.len()
    )));
  }
  let mut z = fe_bytes(&initial_state::<Fr<P>>(net.mode, net.settings.act_bits, x));
  for (si, (proof, seg)) in segments
    .iter()
    .map(|r| &r.proof)
    .zip(&plan.segments)
    .enumerate()
  {
    if proof.first_step != seg.first_step || proof.num_steps != seg.num_steps as u64 {
      return Err(FoldError::model(format!(
        "segment proof {si} covers steps {}..{}, the plan's segment {si} covers {}..{}",
        proof.first_step,
        proof.first_step + proof.num_steps,
        seg.first_step,
        seg.first_step + seg.num_steps as u64
      )));
    }
    if proof.z0 != z {
      return Err(FoldError::model(format!(
        "segment proof {si} does not start where {} ends (another input or model?)",
        if si == 0 {
          "the input".to_string()
        } else {
          format!("segment {}", si - 1)
        }
      )));
    }
    z = proof.zn.clone();
  }
  let consts = hash::constants::<Fr<P>>();
  if z.get(1)
    != Some(&hash::to_bytes(&hash::activation_hash(
      &consts,
      &y,
      net.settings.act_bits,
    )))
  {
    return Err(FoldError::model(
      "the last segment does not end at the model's output",
    ));
  }
  let (segments, secondary) = finish_secondary::<P>(&commitment, segments)?;
  Ok(ProofBundle {
    format: PROOF_FORMAT,
    engine: P::ID,
    srs,
    model_commitment: commitment,
    input: x.to_vec(),
    output: y,
    segments,
    secondary,
  })
}
