//! Public parameters per segment: set up once, cached on disk under a content digest of the
//! segment's circuit (shape, position and, in public-model mode, every constant), so a
//! cached file can never be reused for another circuit.
use std::path::{Path, PathBuf};
use std::sync::Arc;

use nova_snark::traits::snark::RelaxedR1CSSNARKTrait;
use sha2::{Digest, Sha256};

use crate::circuit::{FoldStep, SegmentCircuit};
use crate::engine::{Compressed, CompressedPk, CompressedVk, Fr, Params, S1, S2};
use crate::error::{FoldError, Result};
use crate::model::WeightMode;
use crate::proof::{from_slice, to_vec};
use crate::sealed;
use crate::CIRCUIT_VERSION;

const CACHE_MAGIC: &[u8; 8] = b"FOLDPP\0\x01";
/// The nova-snark release the circuits are pinned to (part of every cache key).
pub const NOVA_VERSION: &str = "0.76.0";

/// Keys of one segment.
pub struct SegmentKeys {
  /// Nova public parameters.
  pub pp: Params,
  /// Prover key of the compressed SNARK.
  pub pk: CompressedPk,
  /// Verifier key of the compressed SNARK.
  pub vk: CompressedVk,
  /// Whether the parameters came from the cache.
  pub from_cache: bool,
}

/// Content digest of a segment's circuit: the parameter cache key.
pub fn circuit_digest(seg: &SegmentCircuit<Fr>) -> [u8; 32] {
  let mut h = Sha256::new();
  h.update(b"folding/segment-circuit");
  h.update(CIRCUIT_VERSION.to_le_bytes());
  h.update(NOVA_VERSION.as_bytes());
  h.update(to_vec(&seg.shape));
  if seg.shape.mode == WeightMode::Public {
    // Private-mode circuits do not depend on position or weights: one key per shape.
    h.update(seg.first_step.to_le_bytes());
    h.update((seg.num_steps as u64).to_le_bytes());
    for step in &seg.consts {
      for slot in step {
        for f in slot.packed_w.iter().chain(&slot.packed_b) {
          h.update(crate::hash::to_bytes(f));
        }
      }
    }
  }
  h.finalize().into()
}

fn hex(bytes: &[u8]) -> String {
  bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn cache_path(dir: &Path, digest: &[u8; 32]) -> PathBuf {
  dir.join(format!("{}.pp", hex(digest)))
}

/// Sets up (or loads from `cache_dir`) the keys of a segment.
pub fn load_or_setup(
  seg: &Arc<SegmentCircuit<Fr>>,
  cache_dir: Option<&Path>,
) -> Result<SegmentKeys> {
  let digest = circuit_digest(seg);
  let cached = cache_dir.and_then(|d| read_cached(&cache_path(d, &digest)));
  let from_cache = cached.is_some();
  let pp = match cached {
    Some(pp) => pp,
    None => {
      let template = FoldStep {
        segment: seg.clone(),
        witness: None,
      };
      let pp = Params::setup(&template, &*S1::ck_floor(), &*S2::ck_floor()).map_err(|source| {
        FoldError::Proving {
          stage: "setup",
          source,
        }
      })?;
      if let Some(dir) = cache_dir {
        write_cached(&cache_path(dir, &digest), &pp)?;
      }
      pp
    }
  };
  let (pk, vk) = Compressed::setup(&pp).map_err(|source| FoldError::Proving {
    stage: "key generation",
    source,
  })?;
  Ok(SegmentKeys {
    pp,
    pk,
    vk,
    from_cache,
  })
}

/// Reads a cache file; any mismatch (magic, checksum, decoding) counts as a miss.
fn read_cached(path: &Path) -> Option<Params> {
  let payload = sealed::read(path, CACHE_MAGIC)?;
  from_slice::<Params>("cached parameters", &payload).ok()
}

/// Writes a cache file atomically.
fn write_cached(path: &Path, pp: &Params) -> Result<()> {
  sealed::write(path, CACHE_MAGIC, &to_vec(pp)).map_err(|source| FoldError::Cache {
    path: path.display().to_string(),
    source,
  })
}
