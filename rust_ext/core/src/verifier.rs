//! Verification of a proof bundle against a verifier-key bundle: every segment's compressed
//! SNARK, the chain of boundary states, and the public input and output.
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::engine::{Compressed, CompressedVk, Fr};
use crate::error::{FoldError, Result};
use crate::hash;
use crate::model::Settings;
use crate::prover::initial_state;
use crate::proof::{from_slice, ProofBundle, SegmentProof, VerifierKeyBundle};

pub(crate) fn decode_state(what: &str, bytes: &[[u8; 32]]) -> Result<Vec<Fr>> {
  bytes
    .iter()
    .map(|b| {
      hash::from_bytes::<Fr>(b)
        .ok_or_else(|| FoldError::invalid(format!("{what} holds a non-canonical field element")))
    })
    .collect()
}

/// Range-checks the claimed input and output: both are hashed lane-packed, and
/// out-of-range values could alias in-range ones (e.g. `y0 + 2^a` with `y1 - 1`), so the
/// range check is part of what makes the hash binding.
pub(crate) fn check_claimed_range(act_bits: u32, input: &[i64], output: &[i64]) -> Result<()> {
  let settings = Settings {
    act_bits,
    weight_bits: 2,
    shift: 0,
  };
  settings.validate()?;
  for (what, v) in [("input", input), ("output", output)] {
    crate::model::check_range(&settings, None, v.iter().map(|x| *x as i128))
      .map_err(|e| FoldError::invalid(format!("claimed {what} is out of range: {e}")))?;
  }
  Ok(())
}

/// Verifies segment `si`'s compressed SNARK from state `z` against its key; checks the
/// stated end state and returns the proven one. Never panics on hostile bytes.
pub(crate) fn verify_segment(si: usize, sp: &SegmentProof, key: &[u8], z: &[Fr]) -> Result<Vec<Fr>> {
  let key: CompressedVk = from_slice("segment verifier key", key)?;
  let snark: Compressed = from_slice("segment proof", &sp.snark)
    .map_err(|e| FoldError::invalid(format!("segment {si}: malformed SNARK ({e})")))?;
  let steps = usize::try_from(sp.num_steps)
    .map_err(|_| FoldError::invalid(format!("segment {si}: step count overflows")))?;
  let zn = catch_unwind(AssertUnwindSafe(|| snark.verify(&key, steps, z)))
    .map_err(|_| FoldError::invalid(format!("segment {si}: malformed SNARK (verifier aborted)")))?
    .map_err(|e| FoldError::invalid(format!("segment {si}: SNARK does not verify ({e})")))?;
  if decode_state("segment end state", &sp.zn)? != zn {
    return Err(FoldError::invalid(format!(
      "segment {si}: stated end state differs from the proven one"
    )));
  }
  Ok(zn)
}

/// Checks `proof` against `vk`. Returns `Ok(())` only if every check passes.
pub fn verify(vk: &VerifierKeyBundle, proof: &ProofBundle) -> Result<()> {
  if vk.batch_items > 0 {
    return crate::batch::verify(vk, proof);
  }
  if proof.model_commitment != vk.commitment() {
    return Err(FoldError::ModelMismatch {
      reason: "the proof is for a different model (model commitments differ)".into(),
    });
  }
  if proof.input.len() as u64 != vk.input_dim {
    return Err(FoldError::invalid(format!(
      "input has {} elements, the model takes {}",
      proof.input.len(),
      vk.input_dim
    )));
  }
  if proof.output.len() as u64 != vk.output_dim {
    return Err(FoldError::invalid(format!(
      "output has {} elements, the model gives {}",
      proof.output.len(),
      vk.output_dim
    )));
  }
  check_claimed_range(vk.act_bits, &proof.input, &proof.output)?;
  if proof.segments.len() != vk.segments.len() {
    return Err(FoldError::invalid(format!(
      "the proof has {} segments, the model has {}",
      proof.segments.len(),
      vk.segments.len()
    )));
  }

  let mut z = initial_state(vk.mode, vk.act_bits, &proof.input);
  for (si, (sp, sk)) in proof.segments.iter().zip(&vk.segments).enumerate() {
    if sp.first_step != sk.first_step || sp.num_steps != sk.num_steps {
      return Err(FoldError::invalid(format!(
        "segment {si} covers steps {}..{}, the model's segment {si} covers {}..{} \
         (segments reordered, dropped or foreign)",
        sp.first_step,
        sp.first_step + sp.num_steps,
        sk.first_step,
        sk.first_step + sk.num_steps
      )));
    }
    if decode_state("segment start state", &sp.z0)? != z {
      return Err(FoldError::invalid(format!(
        "segment {si} does not start where the previous one ended{}",
        if si == 0 { " (wrong input)" } else { "" }
      )));
    }
    let zn = verify_segment(si, sp, &sk.vk, &z)?;
    z = zn;
  }

  let total: u64 = vk.segments.iter().map(|s| s.num_steps).sum();
  if z[0] != Fr::from(total) {
    return Err(FoldError::invalid("the proof does not cover every step"));
  }
  if z[1] != hash::activation_hash(&hash::constants::<Fr>(), &proof.output, vk.act_bits) {
    return Err(FoldError::invalid(
      "the claimed output is not the output the proof computes",
    ));
  }
  if let Some(c) = vk.model_hash {
    if z.get(2).map(hash::to_bytes) != Some(c) {
      return Err(FoldError::invalid(
        "the weights used are not the committed private weights",
      ));
    }
  }
  Ok(())
}
