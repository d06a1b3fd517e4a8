//! Public parameters per segment: set up once, cached on disk under a content digest of the
//! segment's circuit (profile, shape, position and, in public-model mode, every constant), so
//! a cached file can never be reused for another circuit. Long-lived workers (cluster actors)
//! may also keep recent keys in memory ([`keep_in_memory`]).
use std::any::Any;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};

use crate::circuit::{FoldStep, SegmentCircuit};
use crate::engine::{Compressed, CompressedPk, CompressedVk, Fr, Params, Profile};
use crate::error::{FoldError, Result};
use crate::model::WeightMode;
use crate::proof::{from_slice, to_vec};
use crate::sealed;
use crate::srs::Srs;
use crate::CIRCUIT_VERSION;

const CACHE_MAGIC: &[u8; 8] = b"FOLDPP\0\x02";
/// The nova-snark release the circuits are pinned to (part of every cache key).
pub const NOVA_VERSION: &str = "0.76.0";

/// Where segment keys come from: the parameter cache and, for the succinct profile, the SRS
/// (needed only when parameters are not cached).
#[derive(Clone, Copy, Debug, Default)]
pub struct KeySource<'a> {
  /// The parameter cache (`None`: no cache).
  pub cache_dir: Option<&'a Path>,
  /// The SRS the model's keys are made with.
  pub srs: Option<&'a Srs>,
}

impl<'a> KeySource<'a> {
  /// A source with a cache and no SRS.
  pub fn cache(cache_dir: Option<&'a Path>) -> Self {
    KeySource {
      cache_dir,
      srs: None,
    }
  }
}

/// Keys of one segment.
pub struct SegmentKeys<P: Profile> {
  /// Nova public parameters.
  pub pp: Params<P>,
  /// Prover key of the compressed SNARK.
  pub pk: CompressedPk<P>,
  /// Verifier key of the compressed SNARK.
  pub vk: CompressedVk<P>,
  /// Whether the parameters came from the disk cache (when first loaded).
  pub from_cache: bool,
}

/// Content digest of a segment's circuit under profile `P` (and, for the succinct profile,
/// the SRS): the parameter cache key.
pub fn circuit_digest<P: Profile>(seg: &SegmentCircuit<Fr<P>>, srs: Option<[u8; 32]>) -> [u8; 32] {
  let mut h = Sha256::new();
  h.update(b"folding/segment-circuit");
  h.update(CIRCUIT_VERSION.to_le_bytes());
  h.update(NOVA_VERSION.as_bytes());
  h.update(P::ID.name().as_bytes());
  if let Some(id) = srs {
    h.update(id);
  }
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
/// The kept keys (any profile), least recently used first.
type Kept = Vec<([u8; 32], Arc<dyn Any + Send + Sync>)>;
static KEPT: Mutex<Kept> = Mutex::new(Vec::new());

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

/// Sets up (or loads from memory, then from the cache) the keys of a segment.
pub fn load_or_setup<P: Profile>(
  seg: &Arc<SegmentCircuit<Fr<P>>>,
  source: &KeySource<'_>,
) -> Result<Arc<SegmentKeys<P>>> {
  let digest = circuit_digest::<P>(seg, source.srs.map(Srs::id));
  let keep = KEEP.load(Ordering::Relaxed);
  if keep > 0 {
    let mut kept = KEPT.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(i) = kept.iter().position(|(d, _)| *d == digest) {
      let entry = kept.remove(i);
      let keys = entry.1.clone();
      kept.push(entry);
      if let Ok(keys) = keys.downcast::<SegmentKeys<P>>() {
        return Ok(keys);
      }
    }
  }
  let keys = Arc::new(load_or_setup_uncached::<P>(seg, &digest, source)?);
  if keep > 0 {
    let mut kept = KEPT.lock().unwrap_or_else(|e| e.into_inner());
    kept.push((digest, keys.clone()));
    let excess = kept.len().saturating_sub(keep);
    kept.drain(..excess);
  }
  Ok(keys)
}

/// `load_or_setup` without the memory: from the disk cache, or a new setup.
fn load_or_setup_uncached<P: Profile>(
  seg: &Arc<SegmentCircuit<Fr<P>>>,
  digest: &[u8; 32],
  source: &KeySource<'_>,
) -> Result<SegmentKeys<P>> {
  let cache_dir = source.cache_dir.filter(|_| P::CACHE_PARAMS);
  let cached = cache_dir.and_then(|d| read_cached::<P>(&cache_path(d, digest)));
  let from_cache = cached.is_some();
  let pp = match cached {
    Some(pp) => pp,
    None => {
      let template = FoldStep {
        segment: seg.clone(),
        witness: None,
      };
      let pp = P::setup_params(&template, source.srs)?;
      if let Some(dir) = cache_dir {
        write_cached::<P>(&cache_path(dir, digest), &pp)?;
      }
      pp
    }
  };
  let (pk, vk) = Compressed::<P>::setup(&pp).map_err(|source| FoldError::Proving {
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
fn read_cached<P: Profile>(path: &Path) -> Option<Params<P>> {
  let payload = sealed::read(path, CACHE_MAGIC)?;
  from_slice::<Params<P>>("cached parameters", &payload).ok()
}

/// Writes a cache file atomically.
fn write_cached<P: Profile>(path: &Path, pp: &Params<P>) -> Result<()> {
  sealed::write(path, CACHE_MAGIC, &to_vec(pp)).map_err(|source| FoldError::Cache {
    path: path.display().to_string(),
    source,
  })
}
