//! Versioned encodings of the verifier-key bundle and the proof bundle.
//!
//! Both are bincode-encoded serde structures behind an 8-byte magic and a format version;
//! decoding is bounded (no allocation beyond the input's size class) and every failure is a
//! typed [`FoldError`], never a panic.
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::engine::EngineId;
use crate::error::{FoldError, Result};
use crate::model::WeightMode;
use crate::vk::SegmentVk;

/// Current proof bundle format (3: engine profile and SRS pin; one secondary proof).
pub const PROOF_FORMAT: u32 = 3;
/// Current verifier-key bundle format (3: engine profile, keys without derivable data).
pub const VK_FORMAT: u32 = 3;
const PROOF_MAGIC: &[u8; 8] = b"FOLDPRF\0";
const VK_MAGIC: &[u8; 8] = b"FOLDVK\0\0";
const SEGMENT_MAGIC: &[u8; 8] = b"FOLDSEG\x01";
/// Upper bound on any decoded artefact (guards against forged length prefixes).
const DECODE_LIMIT: usize = 1 << 31;

/// The proof of one segment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentProof {
  /// Global index of the first step.
  pub first_step: u64,
  /// Number of steps.
  pub num_steps: u64,
  /// State before the segment (canonical field encodings).
  pub z0: Vec<[u8; 32]>,
  /// State after the segment.
  pub zn: Vec<[u8; 32]>,
  /// The compressed SNARK (bincode).
  pub snark: Vec<u8>,
}

/// A whole proof: model commitment, public input and output, and the ordered segments.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProofBundle {
  /// Format version.
  pub format: u32,
  /// Engine profile the proof was made with.
  pub engine: EngineId,
  /// The SRS the proof was made with ([`crate::srs::srs_id`]); `None` for a transparent
  /// profile. Stated for a clear error; what binds it is the model commitment.
  pub srs: Option<[u8; 32]>,
  /// Commitment of the model the proof is about ([`VerifierKeyBundle::commitment`]).
  pub model_commitment: [u8; 32],
  /// Quantized input.
  pub input: Vec<i64>,
  /// Quantized output.
  pub output: Vec<i64>,
  /// Segment proofs, in order.
  pub segments: Vec<SegmentProof>,
  /// The one proof of every segment's secondary instance, folded
  /// ([`crate::secondary::SecondaryProof`], encoded).
  pub secondary: Vec<u8>,
}

/// One segment's proof as a cluster worker returns it: the proof, and its secondary part
/// ([`crate::secondary::SecondaryPart`], encoded), which the assembly folds into the model's
/// one secondary proof. The part is the prover's own; it never enters a proof bundle.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentResult {
  /// The segment's proof.
  pub proof: SegmentProof,
  /// Its secondary instance and witness.
  pub part: Vec<u8>,
}

/// Verifier key of one segment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentKey {
  /// Global index of the first step.
  pub first_step: u64,
  /// Number of steps.
  pub num_steps: u64,
  /// The segment's part of the compressed SNARK's verifier key.
  pub vk: SegmentVk,
}

/// Everything a verifier needs: the activation encoding, the segments' keys, and (private
/// weights) the hash-chain commitment of the weights. What every model shares (Poseidon
/// constants, the secondary circuit's key, commitment generators) is not here: verifiers
/// derive it ([`crate::vk`], [`crate::generators`]) and the bundle pins its digest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifierKeyBundle {
  /// Format version.
  pub format: u32,
  /// Engine profile.
  pub engine: EngineId,
  /// Activation bit width (defines the activation hash).
  pub act_bits: u32,
  /// Weight binding mode.
  pub mode: WeightMode,
  /// Input width.
  pub input_dim: u64,
  /// Output width.
  pub output_dim: u64,
  /// Segment keys, in order.
  pub segments: Vec<SegmentKey>,
  /// Succinct profile: the SRS's `[tau]_2` (compressed), which every segment's primary key
  /// uses; `None` for a transparent profile.
  pub srs_g2: Option<Vec<u8>>,
  /// Digest of the model-independent key parts the segment keys were made with.
  pub shared_digest: [u8; 32],
  /// Private weights: the blinded hash-chain commitment of the weights.
  pub model_hash: Option<[u8; 32]>,
  /// Batch proofs: inputs per step (one segment, any number of steps); 0 for the layer
  /// chain of one inference.
  pub batch_items: u64,
}

impl VerifierKeyBundle {
  /// The model commitment: SHA-256 over the whole encoded bundle. In public-model mode the
  /// segment keys hold the parameters' digests and the primary keys (the R1CS matrices, or
  /// the succinct profile's commitments to them), so this binds every weight; in private
  /// mode it binds the architecture and the weights' hash chain. It also binds the profile
  /// and the SRS.
  pub fn commitment(&self) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"folding/model-commitment/v1");
    // The encoding is hashed as it is written: keys of deep models are tens of MB, and a
    // copy here shows in the peak memory of every process that loads a model.
    h.update(VK_MAGIC);
    feed(&mut h, self);
    h.finalize().into()
  }

  /// Encodes the bundle.
  pub fn to_bytes(&self) -> Vec<u8> {
    encode(VK_MAGIC, self)
  }

  /// Decodes and version-checks a bundle.
  pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
    let b: Self = decode(VK_MAGIC, "verifier key", bytes)?;
    check_version("verifier key", b.format, VK_FORMAT)?;
    Ok(b)
  }
}

/// The model commitment of a bundle built one segment key at a time, so a prover never holds
/// every segment's key: the bytes hashed are exactly those of [`VerifierKeyBundle::to_bytes`]
/// (tested), so the result equals [`VerifierKeyBundle::commitment`].
pub struct CommitmentHasher {
  hash: Sha256,
  segments_left: u64,
}

impl CommitmentHasher {
  /// Starts a bundle of `num_segments` segment keys with the fields that precede them.
  pub fn new(
    engine: EngineId,
    act_bits: u32,
    mode: WeightMode,
    input_dim: u64,
    output_dim: u64,
    num_segments: u64,
  ) -> Self {
    let mut hash = Sha256::new();
    hash.update(b"folding/model-commitment/v1");
    hash.update(VK_MAGIC);
    // bincode encodes a struct as its fields in order and a sequence as its length then its
    // elements, so the bundle's encoding is these pieces in turn.
    feed(
      &mut hash,
      &(
        VK_FORMAT,
        engine,
        act_bits,
        mode,
        input_dim,
        output_dim,
        num_segments,
      ),
    );
    CommitmentHasher {
      hash,
      segments_left: num_segments,
    }
  }

  /// Adds the next segment's key.
  pub fn segment(&mut self, key: &SegmentKey) {
    assert!(self.segments_left > 0, "more segment keys than announced");
    self.segments_left -= 1;
    feed(&mut self.hash, key);
  }

  /// Adds the fields that follow the segment keys and returns the commitment.
  pub fn finish(
    mut self,
    srs_g2: Option<&[u8]>,
    shared_digest: [u8; 32],
    model_hash: Option<[u8; 32]>,
    batch_items: u64,
  ) -> [u8; 32] {
    assert_eq!(self.segments_left, 0, "fewer segment keys than announced");
    // An `Option<&[u8]>` encodes like the bundle's `Option<Vec<u8>>`.
    feed(
      &mut self.hash,
      &(srs_g2, shared_digest, model_hash, batch_items),
    );
    self.hash.finalize().into()
  }
}

fn feed<T: Serialize>(hash: &mut Sha256, value: &T) {
  bincode::serde::encode_into_std_write(value, &mut HashWriter(hash), config())
    .expect("hashing cannot fail");
}

impl SegmentResult {
  /// Encodes one segment's result (a cluster worker's), tagged with the proof format it
  /// belongs to.
  pub fn to_bytes(&self) -> Vec<u8> {
    encode(SEGMENT_MAGIC, &(PROOF_FORMAT, self))
  }

  /// Decodes and version-checks one segment's result.
  pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
    let (format, seg): (u32, Self) = decode(SEGMENT_MAGIC, "segment proof", bytes)?;
    check_version("segment proof", format, PROOF_FORMAT)?;
    Ok(seg)
  }
}

impl ProofBundle {
  /// Encodes the bundle.
  pub fn to_bytes(&self) -> Vec<u8> {
    encode(PROOF_MAGIC, self)
  }

  /// Decodes and version-checks a bundle.
  pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
    let b: Self = decode(PROOF_MAGIC, "proof", bytes)?;
    check_version("proof", b.format, PROOF_FORMAT)?;
    Ok(b)
  }
}

fn check_version(what: &str, found: u32, expected: u32) -> Result<()> {
  if found != expected {
    return Err(FoldError::Version {
      reason: format!("{what} format {found}, this library reads format {expected}"),
    });
  }
  Ok(())
}

fn config() -> impl bincode::config::Config {
  bincode::config::standard()
    .with_little_endian()
    .with_fixed_int_encoding()
    .with_limit::<DECODE_LIMIT>()
}

/// Encodes a serde value with bincode (no magic).
pub fn to_vec<T: Serialize>(value: &T) -> Vec<u8> {
  bincode::serde::encode_to_vec(value, config()).expect("serializing to memory cannot fail")
}

/// Decodes a serde value with bincode, requiring every byte to be consumed.
pub fn from_slice<T: DeserializeOwned>(what: &str, bytes: &[u8]) -> Result<T> {
  let (value, used): (T, usize) = bincode::serde::decode_from_slice(bytes, config())
    .map_err(|e| FoldError::artefact(format!("{what}: {e}")))?;
  if used != bytes.len() {
    return Err(FoldError::artefact(format!(
      "{what}: {} trailing bytes",
      bytes.len() - used
    )));
  }
  Ok(value)
}

/// An `io::Write` that feeds a SHA-256.
struct HashWriter<'a>(&'a mut Sha256);

impl std::io::Write for HashWriter<'_> {
  fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
    self.0.update(buf);
    Ok(buf.len())
  }
  fn flush(&mut self) -> std::io::Result<()> {
    Ok(())
  }
}

fn encode<T: Serialize>(magic: &[u8; 8], value: &T) -> Vec<u8> {
  let mut out = magic.to_vec();
  out.extend(to_vec(value));
  out
}

fn decode<T: DeserializeOwned>(magic: &[u8; 8], what: &str, bytes: &[u8]) -> Result<T> {
  if bytes.len() < magic.len() || &bytes[..magic.len()] != magic {
    return Err(FoldError::artefact(format!("not a {what} (bad magic)")));
  }
  from_slice(what, &bytes[magic.len()..])
}

#[cfg(test)]
mod tests {
  use super::*;

  fn seg_vk(bytes: Vec<u8>) -> SegmentVk {
    SegmentVk {
      arity: 2,
      pp_digest: [3; 32],
      primary: bytes,
    }
  }

  fn bundle(mode: WeightMode, model_hash: Option<[u8; 32]>, batch_items: u64) -> VerifierKeyBundle {
    VerifierKeyBundle {
      format: VK_FORMAT,
      engine: EngineId::Bn254,
      act_bits: 12,
      mode,
      input_dim: 784,
      output_dim: 10,
      segments: vec![
        SegmentKey {
          first_step: 0,
          num_steps: 31,
          vk: seg_vk((0..1000u32).map(|i| i as u8).collect()),
        },
        SegmentKey {
          first_step: 31,
          num_steps: 1,
          vk: seg_vk(vec![7; 3]),
        },
      ],
      srs_g2: Some(vec![5; 64]),
      shared_digest: [8; 32],
      model_hash,
      batch_items,
    }
  }

  fn streamed(b: &VerifierKeyBundle) -> [u8; 32] {
    let mut h = CommitmentHasher::new(
      b.engine,
      b.act_bits,
      b.mode,
      b.input_dim,
      b.output_dim,
      b.segments.len() as u64,
    );
    for s in &b.segments {
      h.segment(s);
    }
    h.finish(
      b.srs_g2.as_deref(),
      b.shared_digest,
      b.model_hash,
      b.batch_items,
    )
  }

  #[test]
  fn streamed_commitment_hashes_the_encoding() {
    for b in [
      bundle(WeightMode::Public, None, 0),
      bundle(WeightMode::Private, Some([9; 32]), 0),
      bundle(WeightMode::Public, None, 16),
    ] {
      let mut whole = Sha256::new();
      whole.update(b"folding/model-commitment/v1");
      whole.update(b.to_bytes());
      let whole: [u8; 32] = whole.finalize().into();
      assert_eq!(b.commitment(), whole);
      assert_eq!(streamed(&b), whole);
    }
    // Any field changes it.
    let mut other = bundle(WeightMode::Public, None, 0);
    other.segments[1].vk.primary[2] ^= 1;
    assert_ne!(
      streamed(&other),
      streamed(&bundle(WeightMode::Public, None, 0))
    );
  }
}
