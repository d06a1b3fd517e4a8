//! Checkpoints of a proof in progress, so a crashed, drained or cancelled prover resumes
//! where it stopped instead of starting over (DESIGN §7).
//!
//! A checkpoint is written every `every` folded steps, after each segment's compression and
//! when the prover is cancelled. It holds the finished segments' proofs (with the secondary
//! parts the model's one secondary proof will fold) and the folding accumulator
//! (`RecursiveSNARK`) of the segment in progress. It is bound to one proof by a
//! digest of the network, the plan and the input: a checkpoint of anything else, or a corrupt
//! one, is ignored (the proof starts over), never trusted. Nothing here can make a verifier
//! accept a wrong proof: a resumed proof is checked like any other.
//!
//! In private-weight mode the accumulator contains the weights; a checkpoint is as secret as
//! the compiled model.
use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::engine::{EngineId, Profile, Recursive};
use crate::error::{FoldError, Result};
use crate::model::Network;
use crate::plan::Plan;
use crate::proof::{from_slice, to_vec, SegmentResult};
use crate::sealed;
use crate::CIRCUIT_VERSION;

const MAGIC: &[u8; 8] = b"FOLDCKP\0";
/// Current checkpoint format (2: finished segments keep their secondary parts).
pub const CHECKPOINT_FORMAT: u32 = 2;

/// Where a proof stands.
#[derive(Serialize, Deserialize)]
pub struct Checkpoint {
  /// [`CHECKPOINT_FORMAT`].
  pub format: u32,
  /// Digest of the network, plan and input this checkpoint belongs to.
  pub digest: [u8; 32],
  /// Index of the segment in progress (the number of finished segments).
  pub segment: u64,
  /// Steps of that segment already folded.
  pub steps_done: u64,
  /// The accumulator after `steps_done` steps (absent when none is folded yet).
  pub accumulator: Option<Vec<u8>>,
  /// Proofs of the finished segments, with their secondary parts.
  pub finished: Vec<SegmentResult>,
}

impl Checkpoint {
  /// Decodes the accumulator.
  pub(crate) fn recursive<P: Profile>(&self) -> Result<Option<Recursive<P>>> {
    self
      .accumulator
      .as_deref()
      .map(|b| from_slice::<Recursive<P>>("checkpoint accumulator", b))
      .transpose()
  }
}

/// Writes and reads the checkpoints of one proof at one path.
pub struct Checkpointer {
  path: PathBuf,
  every: u64,
  digest: [u8; 32],
}

impl Checkpointer {
  /// Checkpoints of the proof of `net` under `plan` on input `x` with profile `engine`,
  /// written to `path` every `every` steps (0: only at segment ends and on cancellation).
  pub fn new(
    path: &Path,
    every: u64,
    engine: EngineId,
    net: &Network,
    plan: &Plan,
    x: &[i64],
  ) -> Self {
    let mut h = Sha256::new();
    h.update(b"folding/checkpoint");
    h.update(CIRCUIT_VERSION.to_le_bytes());
    h.update(engine.name().as_bytes());
    h.update(to_vec(net));
    h.update(to_vec(plan));
    h.update(to_vec(&x));
    Checkpointer {
      path: path.to_path_buf(),
      every,
      digest: h.finalize().into(),
    }
  }

  /// Whether a checkpoint is due after `steps_done` steps of a segment of `num_steps`.
  pub(crate) fn due(&self, steps_done: u64, num_steps: u64) -> bool {
    self.every > 0 && steps_done < num_steps && steps_done % self.every == 0
  }

  /// The checkpoint at the path, if there is one for this proof. A missing, corrupt,
  /// foreign or other-version file is `None`: the proof starts over.
  pub fn load(&self) -> Option<Checkpoint> {
    let payload = sealed::read(&self.path, MAGIC)?;
    let c: Checkpoint = from_slice("checkpoint", &payload).ok()?;
    (c.format == CHECKPOINT_FORMAT && c.digest == self.digest).then_some(c)
  }

  /// Writes a checkpoint atomically (temporary file, fsync, rename).
  pub(crate) fn save<P: Profile>(
    &self,
    segment: usize,
    steps_done: usize,
    accumulator: Option<&Recursive<P>>,
    finished: &[SegmentResult],
  ) -> Result<()> {
    let c = Checkpoint {
      format: CHECKPOINT_FORMAT,
      digest: self.digest,
      segment: segment as u64,
      steps_done: steps_done as u64,
      accumulator: accumulator.map(to_vec),
      finished: finished.to_vec(),
    };
    sealed::write(&self.path, MAGIC, &to_vec(&c)).map_err(|source| FoldError::Checkpoint {
      path: self.path.display().to_string(),
      source,
    })
  }

  /// Removes the checkpoint (after the proof is done).
  pub(crate) fn clear(&self) {
    let _ = fs::remove_file(&self.path);
  }
}
