//! Files sealed with an 8-byte magic and a SHA-256 of their payload, written atomically
//! (temporary file, fsync, rename): the parameter cache and proof checkpoints. A file that is
//! missing, foreign or damaged reads as nothing, so callers fall back to recomputing.
use std::fs;
use std::io::{self, Write};
use std::path::Path;

use sha2::{Digest, Sha256};

/// The payload of a sealed file, or `None` when it is missing, has another magic or fails
/// its checksum.
pub(crate) fn read(path: &Path, magic: &[u8; 8]) -> Option<Vec<u8>> {
  let bytes = fs::read(path).ok()?;
  if bytes.len() < magic.len() + 32 || &bytes[..magic.len()] != magic {
    return None;
  }
  let (sum, payload) = bytes[magic.len()..].split_at(32);
  (Sha256::digest(payload).as_slice() == sum).then(|| payload.to_vec())
}

/// Writes a sealed file atomically, creating its directory.
pub(crate) fn write(path: &Path, magic: &[u8; 8], payload: &[u8]) -> io::Result<()> {
  if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
    fs::create_dir_all(dir)?;
  }
  let tmp = path.with_extension(format!("tmp{}", std::process::id()));
  let mut f = fs::File::create(&tmp)?;
  f.write_all(magic)?;
  f.write_all(&Sha256::digest(payload))?;
  f.write_all(payload)?;
  f.sync_all()?;
  fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
  #[test]
  fn a_sealed_file_reads_back_and_damage_reads_as_nothing() {
    let path = std::env::temp_dir().join(format!("folding-sealed-{}/f", std::process::id()));
    super::write(&path, b"TESTMAG\0", b"payload").unwrap();
    assert_eq!(
      super::read(&path, b"TESTMAG\0").as_deref(),
      Some(&b"payload"[..])
    );
    assert!(super::read(&path, b"OTHERMG\0").is_none());
    let mut bytes = std::fs::read(&path).unwrap();
    *bytes.last_mut().unwrap() ^= 1;
    std::fs::write(&path, bytes).unwrap();
    assert!(super::read(&path, b"TESTMAG\0").is_none());
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
  }
}
