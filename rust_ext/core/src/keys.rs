//! Public parameters per segment: set up once, cached on disk under a content digest of the
//! segment's circuit (shape, position and, in public-model mode, every constant), so a
//! cached file can never be reused for another circuit. Long-lived workers (cluster
//! actors) may also keep recent keys in memory ([`keep_in_memory`]).
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

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
  /// Whether the parameters came from the disk cache (when first loaded).
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

/// Most segments' keys kept in memory (0: none, the default).
static KEEP: AtomicUsize = AtomicUsize::new(0);
/// The kept keys, least recently used first.
static KEPT: Mutex<Vec<([u8; 32], Arc<SegmentKeys>)>> = Mutex::new(Vec::new());

/// Keeps the keys of the `segments` most recently used segment circuits in memory, so a
/// process that proves the same shapes again (a cluster actor, a batch) loads them once.
/// Off by default: a one-shot prover holds one segment's keys at a time, and its peak
/// memory stays flat in depth. Lowering the number drops keys at once.
pub fn keep_in_memory(segments: usize) {
  KEEP.store(segments, Ordering::Relaxed);
  let mut kept = KEPT.lock().unwrap_or_else(|e| e.into_inner());
  let excess = kept.len().saturating_sub(segments);
  kept.drain(..excess);
}

/// Sets up (or loads from memory, then from `cache_dir`) the keys of a segment.
pub fn load_or_setup(
  seg: &Arc<SegmentCircuit<Fr>>,
  cache_dir: Option<&Path>,
) -> Result<Arc<SegmentKeys>> {
  let digest = circuit_digest(seg);
  let keep = KEEP.load(Ordering::Relaxed);
  if keep > 0 {
    let mut kept = KEPT.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(i) = kept.iter().position(|(d, _)| *d == digest) {
      let entry = kept.remove(i);
      let keys = entry.1.clone();
      kept.push(entry);
      return Ok(keys);
    }
  }
  let keys = Arc::new(load_or_setup_uncached(seg, &digest, cache_dir)?);
  if keep > 0 {
    let mut kept = KEPT.lock().unwrap_or_else(|e| e.into_inner());
    kept.push((digest, keys.clone()));
    let excess = kept.len().saturating_sub(keep);
    kept.drain(..excess);
  }
  Ok(keys)
}

/// `load_or_setup` without the memory: from the disk cache, or a new setup.
fn load_or_setup_uncached(
  seg: &Arc<SegmentCircuit<Fr>>,
  digest: &[u8; 32],
  cache_dir: Option<&Path>,
) -> Result<SegmentKeys> {
  let digest = *digest;
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
