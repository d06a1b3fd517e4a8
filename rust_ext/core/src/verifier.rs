//! Verification of a proof bundle against a verifier-key bundle: every segment's compressed
//! SNARK, the chain of boundary states, and the public input and output.
//!
//! Decoding the segments' SNARK keys (nova-snark's IPA key carries its generators as
//! compressed points) is most of a cold verification, so [`PreparedVerifier`] decodes them
//! once for a verifier that checks many proofs of one model. Segments are checked in
//! parallel, each from its stated start state; since every stated end state must equal the
//! proven one and every start state the previous end state, that is the same as checking
//! them in order.
use std::panic::{catch_unwind, AssertUnwindSafe};

use rayon::prelude::*;

use crate::engine::{Compressed, CompressedVk, Fr};
use crate::error::{FoldError, Result};
use crate::hash;
use crate::model::Settings;
use crate::proof::{from_slice, ProofBundle, SegmentProof, VerifierKeyBundle};
use crate::prover::initial_state;

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

/// Decodes segment `si`'s compressed-SNARK key.
fn decode_key(si: usize, key: &[u8]) -> Result<CompressedVk> {
  from_slice(&format!("segment {si} verifier key"), key)
}

/// Every segment's compressed-SNARK key, decoded in parallel.
pub fn decode_segment_keys(vk: &VerifierKeyBundle) -> Result<Vec<CompressedVk>> {
  vk.segments
    .par_iter()
    .enumerate()
    .map(|(si, s)| decode_key(si, &s.vk))
    .collect()
}

/// A segment key, prepared earlier or decoded for this verification.
pub(crate) enum SegmentKey<'a> {
  Prepared(&'a CompressedVk),
  Decoded(Box<CompressedVk>),
}

impl std::ops::Deref for SegmentKey<'_> {
  type Target = CompressedVk;
  fn deref(&self) -> &CompressedVk {
    match self {
      SegmentKey::Prepared(k) => k,
      SegmentKey::Decoded(k) => k,
    }
  }
}

/// Segment `si`'s key: the prepared one, or decoded now.
pub(crate) fn segment_key<'a>(
  prepared: Option<&'a [CompressedVk]>,
  vk: &VerifierKeyBundle,
  si: usize,
) -> Result<SegmentKey<'a>> {
  match prepared.and_then(|keys| keys.get(si)) {
    Some(key) => Ok(SegmentKey::Prepared(key)),
    None => Ok(SegmentKey::Decoded(Box::new(decode_key(
      si,
      &vk.segments[si].vk,
    )?))),
  }
}

/// Verifies segment `si`'s compressed SNARK from state `z` against its key; checks the
/// stated end state and returns the proven one. Never panics on hostile bytes.
pub(crate) fn verify_segment(
  si: usize,
  sp: &SegmentProof,
  key: &CompressedVk,
  z: &[Fr],
) -> Result<Vec<Fr>> {
  let snark: Compressed = from_slice("segment proof", &sp.snark)
    .map_err(|e| FoldError::invalid(format!("segment {si}: malformed SNARK ({e})")))?;
  let steps = usize::try_from(sp.num_steps)
    .map_err(|_| FoldError::invalid(format!("segment {si}: step count overflows")))?;
  let zn = catch_unwind(AssertUnwindSafe(|| snark.verify(key, steps, z)))
    .map_err(|_| FoldError::invalid(format!("segment {si}: malformed SNARK (verifier aborted)")))?
    .map_err(|e| FoldError::invalid(format!("segment {si}: SNARK does not verify ({e})")))?;
  if decode_state("segment end state", &sp.zn)? != zn {
    return Err(FoldError::invalid(format!(
      "segment {si}: stated end state differs from the proven one"
    )));
  }
  Ok(zn)
}

/// A verifier key with its segment keys decoded once, for checking many proofs of a model.
pub struct PreparedVerifier {
  bundle: VerifierKeyBundle,
  keys: Vec<CompressedVk>,
  commitment: [u8; 32],
}

impl PreparedVerifier {
  /// Decodes the bundle's segment keys.
  pub fn new(bundle: VerifierKeyBundle) -> Result<Self> {
    let keys = decode_segment_keys(&bundle)?;
    let commitment = bundle.commitment();
    Ok(PreparedVerifier {
      bundle,
      keys,
      commitment,
    })
  }

  /// Checks `proof`; the same checks as [`verify`].
  pub fn verify(&self, proof: &ProofBundle) -> Result<()> {
    verify_with(&self.bundle, Some(&self.keys), self.commitment, proof)
  }
}

/// Checks `proof` against `vk`. Returns `Ok(())` only if every check passes.
pub fn verify(vk: &VerifierKeyBundle, proof: &ProofBundle) -> Result<()> {
  verify_with(vk, None, vk.commitment(), proof)
}

/// Checks `proof` against `vk` (whose model commitment is `commitment`), with its segment
/// keys already decoded if `keys` is given.
fn verify_with(
  vk: &VerifierKeyBundle,
  keys: Option<&[CompressedVk]>,
  commitment: [u8; 32],
  proof: &ProofBundle,
) -> Result<()> {
  if vk.batch_items > 0 {
    return crate::batch::verify(vk, keys, commitment, proof);
  }
  if proof.model_commitment != commitment {
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

  // Where each segment must start: the input's state, then each stated end state.
  let mut starts = vec![initial_state(vk.mode, vk.act_bits, &proof.input)];
  for sp in &proof.segments[..proof.segments.len().saturating_sub(1)] {
    starts.push(decode_state("segment end state", &sp.zn)?);
  }
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
    if decode_state("segment start state", &sp.z0)? != starts[si] {
      return Err(FoldError::invalid(format!(
        "segment {si} does not start where the previous one ended{}",
        if si == 0 { " (wrong input)" } else { "" }
      )));
    }
  }
  // The SNARKs, in parallel; the first failure in segment order is reported.
  let ends = (0..proof.segments.len())
    .into_par_iter()
    .map(|si| {
      let key = segment_key(keys, vk, si)?;
      verify_segment(si, &proof.segments[si], &key, &starts[si])
    })
    .collect::<Vec<Result<Vec<Fr>>>>();
  let mut z = Vec::new();
  for end in ends {
    z = end?;
  }
  if z.len() < 2 {
    return Err(FoldError::invalid("the proof has no segments"));
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
