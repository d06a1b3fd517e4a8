//! Verification of a proof bundle against a verifier-key bundle: every segment's compressed
//! SNARK, the chain of boundary states, and the public input and output.
//!
//! A bundle holds each segment's own key part only; [`expand_keys`] rebuilds nova-snark's
//! keys from them, the machine's derived shared parts and the pinned SRS element.
//! [`PreparedVerifier`] does that once for a verifier that checks many proofs of one model.
//! Segments are checked in parallel, each from its stated start state; since every stated end
//! state must equal the proven one and every start state the previous end state, that is the
//! same as checking them in order.
use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use ff::PrimeField;
use nova_snark::r1cs::RelaxedR1CSInstance;
use nova_snark::traits::snark::DigestHelperTrait;
use rayon::prelude::*;

use crate::engine::{Compressed, CompressedVk, Fr, Profile};
use crate::error::{FoldError, Result};
use crate::hash;
use crate::model::Settings;
use crate::proof::{from_slice, ProofBundle, SegmentProof, VerifierKeyBundle};
use crate::prover::initial_state;
use crate::srs::srs_id;
use crate::vk::SecondaryVerifier;
use crate::with_profile;

/// What a verifier brings besides the key and the proof.
#[derive(Clone, Debug, Default)]
pub struct VerifyOptions {
  /// Where the machine's derived data (shared key parts, generator tables) is cached.
  pub cache_dir: Option<PathBuf>,
  /// The SRS the verifier trusts ([`crate::srs::srs_id`]): a key that pins another is
  /// rejected. `None` accepts the key's own pin.
  pub expected_srs: Option<[u8; 32]>,
}

pub(crate) fn decode_state<F: PrimeField>(what: &str, bytes: &[[u8; 32]]) -> Result<Vec<F>> {
  bytes
    .iter()
    .map(|b| {
      hash::from_bytes::<F>(b)
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

fn short(id: &[u8; 32]) -> String {
  id[..6].iter().map(|b| format!("{b:02x}")).collect()
}

/// The key's SRS pin, checked against what the profile needs and what the verifier trusts.
fn check_srs(vk: &VerifierKeyBundle, expected: Option<[u8; 32]>) -> Result<Option<[u8; 32]>> {
  let pinned = vk.srs_g2.as_deref().map(srs_id);
  match (vk.engine.needs_srs(), pinned, expected) {
    (false, Some(_), _) => Err(FoldError::artefact(format!(
      "a {} key pins no SRS, this one does",
      vk.engine.name()
    ))),
    (true, None, _) => Err(FoldError::artefact(format!(
      "a {} key must pin an SRS, this one does not",
      vk.engine.name()
    ))),
    (false, None, Some(_)) => Err(FoldError::ModelMismatch {
      reason: format!(
        "an SRS was given, but the key is for the transparent {} profile",
        vk.engine.name()
      ),
    }),
    (true, Some(p), Some(e)) if p != e => Err(FoldError::ModelMismatch {
      reason: format!(
        "the key was made with SRS {}…, not the trusted SRS {}…",
        short(&p),
        short(&e)
      ),
    }),
    _ => Ok(pinned),
  }
}

/// A model's keys, rebuilt: every segment's nova-snark key and the secondary proof's.
pub struct ModelKeys<P: Profile> {
  /// The segments' compressed-SNARK keys.
  pub segments: Vec<CompressedVk<P>>,
  /// What the model's one secondary proof is checked with.
  pub secondary: SecondaryVerifier<P>,
}

/// The model's keys, rebuilt from the bundle (the segments' in parallel).
pub fn expand_keys<P: Profile>(
  vk: &VerifierKeyBundle,
  cache_dir: Option<&Path>,
) -> Result<ModelKeys<P>> {
  if vk.engine != P::ID {
    return Err(FoldError::artefact("verifier key of another profile"));
  }
  check_srs(vk, None)?;
  crate::generators::set_cache_dir(cache_dir);
  let shared = crate::vk::shared_parts::<P>(cache_dir)?;
  if shared.digest() != vk.shared_digest {
    return Err(FoldError::Version {
      reason: format!(
        "the key was made with other model-independent {} parameters than this library \
         derives (nova-snark {}): rebuild it with this version",
        vk.engine.name(),
        crate::keys::NOVA_VERSION
      ),
    });
  }
  // Beside the segment keys, the per-process work every first verification pays: the
  // sponge constants (about 0.25 s of matrix inversions) and the secondary key's digest (a
  // hash of Nova's verifier circuit), so that they overlap instead of adding up.
  let (segments, secondary) = rayon::join(
    || {
      vk.segments
        .par_iter()
        .enumerate()
        .map(|(si, s)| {
          crate::vk::expand::<P>(&s.vk, &shared, vk.srs_g2.as_deref())
            .map_err(|e| FoldError::artefact(format!("segment {si} verifier key: {e}")))
        })
        .collect::<Result<Vec<_>>>()
    },
    || {
      let (secondary, _) = rayon::join(
        || {
          let secondary = shared.secondary_verifier::<P>()?;
          let _ = secondary.vk.digest();
          Ok::<_, FoldError>(secondary)
        },
        crate::hash::constants::<Fr<P>>,
      );
      secondary
    },
  );
  Ok(ModelKeys {
    segments: segments?,
    secondary: secondary?,
  })
}

/// Verifies segment `si`'s compressed SNARK from state `z` against its key; checks the
/// stated end state and returns the proven one, with the segment's secondary instance (which
/// nova-snark's verifier has matched, for the model's one secondary proof). Never panics on
/// hostile bytes.
pub(crate) fn verify_segment<P: Profile>(
  si: usize,
  sp: &SegmentProof,
  key: &CompressedVk<P>,
  z: &[Fr<P>],
) -> Result<(Vec<Fr<P>>, RelaxedR1CSInstance<P::E2>)> {
  let snark: Compressed<P> = from_slice("segment proof", &sp.snark)
    .map_err(|e| FoldError::invalid(format!("segment {si}: malformed SNARK ({e})")))?;
  let steps = usize::try_from(sp.num_steps)
    .map_err(|_| FoldError::invalid(format!("segment {si}: step count overflows")))?;
  let zn = catch_unwind(AssertUnwindSafe(|| snark.verify(key, steps, z)))
    .map_err(|_| FoldError::invalid(format!("segment {si}: malformed SNARK (verifier aborted)")))?
    .map_err(|e| FoldError::invalid(format!("segment {si}: SNARK does not verify ({e})")))?;
  if decode_state::<Fr<P>>("segment end state", &sp.zn)? != zn {
    return Err(FoldError::invalid(format!(
      "segment {si}: stated end state differs from the proven one"
    )));
  }
  let instance = crate::secondary::stated_instance::<P>(&sp.snark)
    .map_err(|e| FoldError::invalid(format!("segment {si}: malformed SNARK ({e})")))?;
  Ok((zn, instance))
}

/// A verifier key with its segment keys rebuilt once, for checking many proofs of a model.
pub struct PreparedVerifier {
  bundle: VerifierKeyBundle,
  /// `ModelKeys<P>` for the bundle's profile `P`.
  keys: Box<dyn Any + Send + Sync>,
  commitment: [u8; 32],
  options: VerifyOptions,
}

impl PreparedVerifier {
  /// Rebuilds the bundle's segment keys (checking its SRS pin against `options`).
  pub fn new(bundle: VerifierKeyBundle, options: VerifyOptions) -> Result<Self> {
    check_srs(&bundle, options.expected_srs)?;
    let cache = options.cache_dir.as_deref();
    let keys: Box<dyn Any + Send + Sync> =
      with_profile!(bundle.engine, P => Box::new(expand_keys::<P>(&bundle, cache)?));
    let commitment = bundle.commitment();
    Ok(PreparedVerifier {
      bundle,
      keys,
      commitment,
      options,
    })
  }

  /// The key bundle.
  pub fn bundle(&self) -> &VerifierKeyBundle {
    &self.bundle
  }

  /// Checks `proof`; the same checks as [`verify`].
  pub fn verify(&self, proof: &ProofBundle) -> Result<()> {
    check_statement(&self.bundle, self.commitment, proof)?;
    with_profile!(self.bundle.engine, P => {
      let keys = self
        .keys
        .downcast_ref::<ModelKeys<P>>()
        .ok_or_else(|| FoldError::artefact("prepared keys of another profile"))?;
      dispatch::<P>(&self.bundle, keys, self.commitment, proof)
    })
  }

  /// The options it was prepared with.
  pub fn options(&self) -> &VerifyOptions {
    &self.options
  }
}

/// Checks `proof` against `vk`. Returns `Ok(())` only if every check passes.
pub fn verify(vk: &VerifierKeyBundle, proof: &ProofBundle, options: &VerifyOptions) -> Result<()> {
  // The cheap statement checks come first, so a foreign or mismatched proof is named as
  // such before any key is rebuilt.
  check_srs(vk, options.expected_srs)?;
  let commitment = vk.commitment();
  check_statement(vk, commitment, proof)?;
  PreparedVerifier::new(vk.clone(), options.clone())?.verify(proof)
}

/// Profile, SRS and model: a proof made for another key is named as such.
fn check_statement(vk: &VerifierKeyBundle, commitment: [u8; 32], proof: &ProofBundle) -> Result<()> {
  if proof.engine != vk.engine {
    return Err(FoldError::ModelMismatch {
      reason: format!(
        "the proof was made with the {} profile, the key is for {}",
        proof.engine.name(),
        vk.engine.name()
      ),
    });
  }
  let pinned = vk.srs_g2.as_deref().map(srs_id);
  if proof.srs != pinned {
    return Err(FoldError::ModelMismatch {
      reason: match (proof.srs, pinned) {
        (Some(p), Some(k)) => format!(
          "the proof was made with SRS {}…, the key pins SRS {}…",
          short(&p),
          short(&k)
        ),
        _ => "the proof and the key disagree on whether an SRS is used".into(),
      },
    });
  }
  if proof.model_commitment != commitment {
    return Err(FoldError::ModelMismatch {
      reason: "the proof is for a different model (model commitments differ)".into(),
    });
  }
  Ok(())
}

fn dispatch<P: Profile>(
  vk: &VerifierKeyBundle,
  keys: &ModelKeys<P>,
  commitment: [u8; 32],
  proof: &ProofBundle,
) -> Result<()> {
  if vk.batch_items > 0 {
    return crate::batch::verify::<P>(vk, keys, commitment, proof);
  }
  verify_chain::<P>(vk, keys, commitment, proof)
}

/// The layer chain of one inference: every segment's SNARK, the states linking them, and the
/// model's one secondary proof.
fn verify_chain<P: Profile>(
  vk: &VerifierKeyBundle,
  keys: &ModelKeys<P>,
  commitment: [u8; 32],
  proof: &ProofBundle,
) -> Result<()> {
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
  if proof.segments.len() != vk.segments.len() || keys.segments.len() != vk.segments.len() {
    return Err(FoldError::invalid(format!(
      "the proof has {} segments, the model has {}",
      proof.segments.len(),
      vk.segments.len()
    )));
  }

  // Where each segment must start: the input's state, then each stated end state.
  let mut starts = vec![initial_state::<Fr<P>>(vk.mode, vk.act_bits, &proof.input)];
  for sp in &proof.segments[..proof.segments.len().saturating_sub(1)] {
    starts.push(decode_state("segment end state", &sp.zn)?);
  }
  for (si, (sp, sk)) in proof.segments.iter().zip(&vk.segments).enumerate() {
    if sp.first_step != sk.first_step || sp.num_steps != sk.num_steps {
      return Err(FoldError::invalid(format!(
        "segment {si} covers steps {}..{}, the model's segment {si} covers {}..{} \
         (segments reordered, dropped or foreign)",
        sp.first_step,
        sp.first_step.saturating_add(sp.num_steps),
        sk.first_step,
        sk.first_step + sk.num_steps
      )));
    }
    if decode_state::<Fr<P>>("segment start state", &sp.z0)? != starts[si] {
      return Err(FoldError::invalid(format!(
        "segment {si} does not start where the previous one ended{}",
        if si == 0 { " (wrong input)" } else { "" }
      )));
    }
  }
  // The SNARKs, in parallel; the first failure in segment order is reported.
  let ends = (0..proof.segments.len())
    .into_par_iter()
    .map(|si| verify_segment::<P>(si, &proof.segments[si], &keys.segments[si], &starts[si]))
    .collect::<Vec<_>>();
  let mut z = Vec::new();
  let mut instances = Vec::with_capacity(ends.len());
  for end in ends {
    let (zn, instance) = end?;
    z = zn;
    instances.push(instance);
  }
  if z.len() < 2 {
    return Err(FoldError::invalid("the proof has no segments"));
  }
  crate::secondary::verify_parts::<P>(&keys.secondary, &commitment, &instances, &proof.secondary)?;

  let total: u64 = vk.segments.iter().map(|s| s.num_steps).sum();
  if z[0] != Fr::<P>::from(total) {
    return Err(FoldError::invalid("the proof does not cover every step"));
  }
  if z[1] != hash::activation_hash(&hash::constants::<Fr<P>>(), &proof.output, vk.act_bits) {
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
