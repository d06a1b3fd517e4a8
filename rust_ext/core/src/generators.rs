//! Commitment generators that verifiers derive instead of reading them from keys.
//!
//! nova-snark derives every Pedersen generator from a public label: `setup(b"ck", n)` is the
//! first `n` points of one SHAKE-seeded hash-to-curve sequence (and the blinding point before
//! them), so the table for `n` is a prefix of the table for any larger `n`. An IPA verifier
//! only uses a prefix of its table, so one table per curve serves every key. It is derived
//! once per machine and kept in the cache directory as raw points under a checksum
//! (`sealed`), because deriving costs about 50 µs per point and core and reading compressed
//! points back costs a square root each; raw points load at memory speed with an on-curve
//! check each. A damaged or foreign file reads as missing and is derived again.
//!
//! A wrong table cannot make a forged proof pass unless its points have known discrete-log
//! relations; the file is the verifier's own, written by this code from the public label.
use std::any::{type_name, Any, TypeId};
use std::collections::HashMap;
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use nova_snark::{
  errors::NovaError,
  provider::{ipa_pc, pedersen::CommitmentEngine, traits::DlogGroupExt},
  traits::{commitment::CommitmentEngineTrait, evaluation::EvaluationEngineTrait, Engine},
};

use crate::sealed;

const MAGIC: &[u8; 8] = b"FOLDGEN\x01";
/// The label nova-snark derives public parameters' commitment keys from.
pub const LABEL: &[u8] = b"ck";

/// Where tables are kept between processes (`None`: derived in memory only).
static CACHE_DIR: RwLock<Option<PathBuf>> = RwLock::new(None);

/// Per curve: the largest verifier table built in this process, as
/// `Arc<(generators, ipa_pc::VerifierKey<E>)>`.
type Table<E> = Arc<(usize, ipa_pc::VerifierKey<E>)>;
static TABLES: Mutex<Option<HashMap<TypeId, Box<dyn Any + Send + Sync>>>> = Mutex::new(None);

/// Sets the folder that generator tables are cached in (`<dir>/generators/`).
pub fn set_cache_dir(dir: Option<&Path>) {
  *CACHE_DIR.write().unwrap_or_else(|e| e.into_inner()) = dir.map(Path::to_path_buf);
}

fn curve_name<E: Engine>() -> &'static str {
  let name = type_name::<E>();
  name.rsplit("::").next().unwrap_or(name)
}

fn table_path(dir: &Path, name: &str, n: usize) -> PathBuf {
  dir
    .join("generators")
    .join(format!("{name}-{}.bin", n.trailing_zeros()))
}

/// The commitment key `setup(b"ck", n)` from the cache, or derived (and cached).
fn commitment_key<E>(n: usize) -> Result<<E::CE as CommitmentEngineTrait<E>>::CommitmentKey, NovaError>
where
  E: Engine<CE = CommitmentEngine<E>>,
  E::GE: DlogGroupExt,
{
  let dir = CACHE_DIR.read().unwrap_or_else(|e| e.into_inner()).clone();
  let path = dir.map(|d| table_path(&d, curve_name::<E>(), n));
  if let Some(payload) = path.as_deref().and_then(|p| sealed::read(p, MAGIC)) {
    if let Ok(ck) = E::CE::load_setup(&mut Cursor::new(payload), LABEL, n) {
      return Ok(ck);
    }
  }
  let ck = E::CE::setup(LABEL, n)?;
  if let Some(path) = path {
    let mut raw = Cursor::new(Vec::new());
    // A cache that cannot be written is only slower next time.
    if E::CE::save_setup(&ck, &mut raw).is_ok() {
      let _ = sealed::write(&path, MAGIC, raw.get_ref());
    }
  }
  Ok(ck)
}

/// nova-snark's IPA verifier key over (at least) the first `n` generators of the public
/// table, built once per process for the largest `n` asked so far.
pub(crate) fn ipa_verifier_key<E>(n: usize) -> Result<Table<E>, NovaError>
where
  E: Engine<CE = CommitmentEngine<E>> + 'static,
  E::GE: DlogGroupExt,
{
  let n = n.max(1).next_power_of_two();
  let mut tables = TABLES.lock().unwrap_or_else(|e| e.into_inner());
  let tables = tables.get_or_insert_with(HashMap::new);
  if let Some(t) = tables
    .get(&TypeId::of::<E>())
    .and_then(|t| t.downcast_ref::<Table<E>>())
    .filter(|t| t.0 >= n)
  {
    return Ok(t.clone());
  }
  let ck = commitment_key::<E>(n)?;
  let (_, vk) = ipa_pc::EvaluationEngine::<E>::setup(&ck)?;
  let table: Table<E> = Arc::new((n, vk));
  tables.insert(TypeId::of::<E>(), Box::new(table.clone()));
  Ok(table)
}

#[cfg(test)]
mod tests {
  use super::*;
  use nova_snark::provider::{pedersen::CommitmentKeyExtTrait, PallasEngine};

  #[test]
  fn a_small_table_is_a_prefix_of_a_large_one_and_the_cache_reads_back() {
    type E = PallasEngine;
    let small = CommitmentEngine::<E>::setup(LABEL, 16).unwrap();
    let large = CommitmentEngine::<E>::setup(LABEL, 64).unwrap();
    assert_eq!(large.split_at(16).0, small);

    let dir = std::env::temp_dir().join(format!("folding-gen-{}", std::process::id()));
    set_cache_dir(Some(&dir));
    let derived = commitment_key::<E>(32).unwrap();
    let path = table_path(&dir, curve_name::<E>(), 32);
    assert!(path.exists());
    let cached = commitment_key::<E>(32).unwrap();
    assert_eq!(derived, cached);
    assert_eq!(large.split_at(32).0, cached);
    // a damaged file is derived again
    let mut bytes = std::fs::read(&path).unwrap();
    *bytes.last_mut().unwrap() ^= 1;
    std::fs::write(&path, bytes).unwrap();
    assert_eq!(commitment_key::<E>(32).unwrap(), derived);
    set_cache_dir(None);
    let _ = std::fs::remove_dir_all(&dir);
  }

  /// The first generators of each curve's public table, as nova-snark derives them over the
  /// *released* halo2curves 0.9.0 (printed by a program built against the registry's copy):
  /// the vendored crate memoizes hash-to-curve constants (`vendor/README.md`), and the
  /// points must be exactly upstream's, curve by curve, in any order of derivation.
  #[test]
  fn generators_are_upstreams_after_the_vendored_memo() {
    use group::GroupEncoding;
    use nova_snark::provider::{GrumpkinEngine, VestaEngine};
    use nova_snark::provider::traits::DlogGroup;
    fn first<E: Engine>() -> Vec<String>
    where
      E::GE: DlogGroup,
      <E::GE as DlogGroup>::AffineGroupElement: GroupEncoding,
    {
      <E::GE as DlogGroup>::from_label(LABEL, 3)
        .iter()
        .map(|p| p.to_bytes().as_ref().iter().map(|b| format!("{b:02x}")).collect())
        .collect()
    }
    let pallas = [
      "831ce30f60b003fb6310bb0915cbf344ad21e21fb4c9a8d14fd57b3cbd880a87",
      "f025e536fd8fc9216f3d1c860a1b2fc99cc91e5b9722448d125e7ee0fbea3f19",
      "7f7541a77166d5ce2953426ece2a86028d4e18fb0c404d10034791544e36dca9",
    ];
    let vesta = [
      "3a374c57bd1aa8911930bda8645c6a497cf6715739962fc9da87c6947ca20095",
      "7354749f878c31b5a5ead1e5e287818109caaf82efee284df2e62e7e89b1330e",
      "0c850cbb835900c1c1ae509a0d594071dd00a20df955b7087bafd86d17de5487",
    ];
    let grumpkin = [
      "b77cd6c6b95524ff9e5fffddf520f714b70d1a63857379000deb8c38736c4a94",
      "da04349ffe210dacac0edfc90136c939702d7fc021d372d0b3aa0bceee3e9e2b",
      "cae3854acce78d4dc3859c6746f1f0c538195fbef1df7fadd9d4402c3d67562b",
    ];
    for _ in 0..2 {
      assert_eq!(first::<PallasEngine>(), pallas);
      assert_eq!(first::<GrumpkinEngine>(), grumpkin);
      assert_eq!(first::<VestaEngine>(), vesta);
    }
  }
}
