//! The universal SRS of the succinct profile: powers of a secret `τ` in BN254's G1
//! (`[τ^i]₁`, `i < 2^k`) and `[τ]₂`, in the Powers-of-Tau (`.ptau`) format of the Perpetual
//! Powers of Tau ceremony and snarkjs, which nova-snark reads.
//!
//! - [`Srs::open`] checks a file before anything uses it: the header and section table
//!   (without trusting its lengths), the base field, that the first powers are the standard
//!   generators (the KZG verifier assumes them), that `[τ]₂` is in the prime-order subgroup,
//!   and that `e([τ]₁, [1]₂) = e([1]₁, [τ]₂)`. The points themselves are read and
//!   curve-checked by nova-snark's loader when parameters are set up.
//! - [`Srs::generate`] makes a **single-party** setup with a fresh random `τ` that is dropped
//!   afterwards. Whoever ran it could have kept `τ` and could then forge proofs for keys made
//!   with it; it is sound for a verifier who makes the SRS himself and hands it to the prover,
//!   and for tests. Production keys use a ceremony file (`--ptau`).
//! - [`Srs::id`] is what a verifier key pins: a digest of `[τ]₂` alone. A KZG verifier reads
//!   nothing else of the SRS, and one ceremony has one `τ`, so keys made from any prefix of the
//!   same ceremony (or a pruned copy of it) pin the same SRS.
use std::fs::{self, File};
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use ff::{Field, PrimeField};
use group::{prime::PrimeCurveAffine, Curve, Group, GroupEncoding};
use halo2curves::bn256::{Bn256, Fq, Fr, G1Affine, G2Affine, G1, G2};
use halo2curves::pairing::Engine as PairingEngine;
use halo2curves::serde::SerdeObject;
use halo2curves::CurveAffine;
use rand::rngs::OsRng;
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::error::{FoldError, Result};

/// Largest SRS: the Perpetual Powers of Tau ceremony's 2^28 powers.
pub const MAX_LOG_SIZE: u32 = 28;
/// Bytes of a raw (uncompressed) G1 point in a `.ptau` file.
const G1_RAW: u64 = 64;
/// Bytes of a raw G2 point.
const G2_RAW: u64 = 128;
/// The section counts nova-snark's reader accepts: a prepared ceremony file (11) or a pruned
/// one (3).
const SECTION_COUNTS: [u32; 2] = [11, 3];

/// A checked SRS file.
#[derive(Clone, Debug)]
pub struct Srs {
  path: PathBuf,
  log_size: u32,
  tau_g2: G2Affine,
}

/// The digest a verifier key pins for an SRS whose G2 element `[τ]₂` is `tau_g2`
/// (compressed encoding).
pub fn srs_id(tau_g2: &[u8]) -> [u8; 32] {
  let mut h = Sha256::new();
  h.update(b"folding/srs/tau-g2/v1");
  h.update(tau_g2);
  h.finalize().into()
}

/// Decodes a compressed `[τ]₂`, requiring it to be in the prime-order subgroup.
pub(crate) fn decode_g2(bytes: &[u8]) -> Option<G2Affine> {
  let mut repr = <G2Affine as GroupEncoding>::Repr::default();
  if bytes.len() != repr.as_ref().len() {
    return None;
  }
  repr.as_mut().copy_from_slice(bytes);
  // from_bytes checks that the point is on the curve and in the subgroup.
  Option::from(G2Affine::from_bytes(&repr))
}

fn err(path: &Path, reason: impl Into<String>) -> FoldError {
  FoldError::Srs {
    path: path.display().to_string(),
    reason: reason.into(),
  }
}

struct Section {
  pos: u64,
  size: u64,
}

/// The positions of sections 1 (header), 2 (G1 powers) and 3 (G2 powers), with every stated
/// length checked against the file's size.
fn sections(path: &Path, f: &mut BufReader<File>, len: u64) -> Result<[Section; 3]> {
  let mut word = [0u8; 4];
  let io = |e: std::io::Error| err(path, format!("cannot read: {e}"));
  f.read_exact(&mut word).map_err(io)?;
  if &word != b"ptau" {
    return Err(err(path, "not a Powers-of-Tau file (no `ptau` magic)"));
  }
  let mut u32_at = |f: &mut BufReader<File>| -> Result<u32> {
    f.read_exact(&mut word).map_err(io)?;
    Ok(u32::from_le_bytes(word))
  };
  let version = u32_at(f)?;
  if version != 1 {
    return Err(err(path, format!("Powers-of-Tau format version {version}, expected 1")));
  }
  let count = u32_at(f)?;
  if !SECTION_COUNTS.contains(&count) {
    return Err(err(
      path,
      format!(
        "{count} sections: expected a prepared ceremony file (11 sections; snarkjs `powersoftau \
         prepare phase2`) or a pruned one (3 sections)"
      ),
    ));
  }
  let mut found: [Option<Section>; 3] = [None, None, None];
  let mut pos = 12u64;
  for _ in 0..count {
    let mut head = [0u8; 12];
    f.read_exact(&mut head).map_err(io)?;
    let id = u32::from_le_bytes(head[..4].try_into().expect("4 bytes"));
    let size = i64::from_le_bytes(head[4..].try_into().expect("8 bytes"));
    pos += 12;
    let size = u64::try_from(size)
      .ok()
      .filter(|s| pos.checked_add(*s).is_some_and(|end| end <= len))
      .ok_or_else(|| err(path, format!("section {id} runs past the end of the file")))?;
    if (1..=3).contains(&id) && found[id as usize - 1].is_none() {
      found[id as usize - 1] = Some(Section { pos, size });
    }
    pos += size;
    f.seek(SeekFrom::Start(pos)).map_err(io)?;
  }
  let [a, b, c] = found;
  match (a, b, c) {
    (Some(a), Some(b), Some(c)) => Ok([a, b, c]),
    _ => Err(err(path, "a header, G1 or G2 section is missing")),
  }
}

fn read_point<P: SerdeObject + PrimeCurveAffine>(
  path: &Path,
  f: &mut BufReader<File>,
  what: &str,
) -> Result<P> {
  let p = P::read_raw(f).map_err(|e| err(path, format!("{what}: {e}")))?;
  Ok(p)
}

impl Srs {
  /// Opens and checks an SRS file (see the module documentation for what is checked).
  pub fn open(path: &Path) -> Result<Self> {
    let file = File::open(path).map_err(|e| err(path, format!("cannot open: {e}")))?;
    let len = file
      .metadata()
      .map_err(|e| err(path, format!("cannot stat: {e}")))?
      .len();
    let mut f = BufReader::new(file);
    let [header, g1, g2] = sections(path, &mut f, len)?;
    let io = |e: std::io::Error| err(path, format!("cannot read: {e}"));

    // Header: n8, the base field's modulus, the power.
    if header.size < 4 + 32 + 4 {
      return Err(err(path, "header section too short"));
    }
    f.seek(SeekFrom::Start(header.pos)).map_err(io)?;
    let mut head = [0u8; 40];
    f.read_exact(&mut head).map_err(io)?;
    if u32::from_le_bytes(head[..4].try_into().expect("4 bytes")) != 32 {
      return Err(err(path, "field elements are not 32 bytes: not a BN254 file"));
    }
    if head[4..36] != modulus_le::<Fq>() {
      return Err(err(path, "the base field is not BN254's"));
    }
    let power = u32::from_le_bytes(head[36..40].try_into().expect("4 bytes"));
    if power > MAX_LOG_SIZE {
      return Err(err(path, format!("power {power} exceeds {MAX_LOG_SIZE}")));
    }
    if g1.size % G1_RAW != 0 || g2.size % G2_RAW != 0 {
      return Err(err(path, "a point section's length is not a whole number of points"));
    }
    let (g1_count, g2_count) = (g1.size / G1_RAW, g2.size / G2_RAW);
    if g1_count < 2 || g2_count < 2 {
      return Err(err(path, "fewer than two powers of tau"));
    }
    // Usable powers: as many as the header promises and the section holds, in a power of two.
    let log_size = power.min(63 - g1_count.leading_zeros());

    f.seek(SeekFrom::Start(g1.pos)).map_err(io)?;
    let one_g1: G1Affine = read_point(path, &mut f, "first G1 power")?;
    let tau_g1: G1Affine = read_point(path, &mut f, "second G1 power")?;
    f.seek(SeekFrom::Start(g2.pos)).map_err(io)?;
    let one_g2: G2Affine = read_point(path, &mut f, "first G2 power")?;
    let tau_g2: G2Affine = read_point(path, &mut f, "second G2 power")?;
    if one_g1 != G1Affine::generator() || one_g2 != G2Affine::generator() {
      return Err(err(path, "the first powers are not the standard generators"));
    }
    if !bool::from(tau_g1.is_on_curve()) || !bool::from(tau_g2.is_on_curve()) {
      return Err(err(path, "a power of tau is not on the curve"));
    }
    if decode_g2(tau_g2.to_bytes().as_ref()).is_none() {
      return Err(err(path, "[tau]_2 is not in the prime-order subgroup"));
    }
    if Bn256::pairing(&tau_g1, &one_g2) != Bn256::pairing(&one_g1, &tau_g2) {
      return Err(err(path, "[tau]_1 and [tau]_2 are powers of different secrets"));
    }
    Ok(Srs {
      path: path.to_path_buf(),
      log_size,
      tau_g2,
    })
  }

  /// Makes a single-party SRS of `2^log_size` G1 powers at `path` (see the module
  /// documentation for what it is good for) and opens it.
  pub fn generate(path: &Path, log_size: u32) -> Result<Self> {
    if !(1..=MAX_LOG_SIZE).contains(&log_size) {
      return Err(err(
        path,
        format!("log size {log_size} is outside 1..={MAX_LOG_SIZE}"),
      ));
    }
    let n = 1usize << log_size;
    let mut tau = Fr::random(OsRng);
    let mut powers = powers_of(tau, n);
    let g1 = fixed_base_g1(&powers);
    let tau_g2 = (G2::generator() * tau).to_affine();
    // Forget tau as far as this process can: the powers are the secret in another form.
    tau = Fr::ZERO;
    powers.iter_mut().for_each(|p| *p = Fr::ZERO);
    drop((tau, powers));

    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
      fs::create_dir_all(dir).map_err(|e| err(path, format!("cannot create its folder: {e}")))?;
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let write = || -> std::result::Result<(), String> {
      let mut w = BufWriter::new(File::create(&tmp).map_err(|e| e.to_string())?);
      nova_snark::provider::write_ptau(&mut w, g1, vec![G2Affine::generator(), tau_g2], log_size)
        .map_err(|e| e.to_string())?;
      let f = w.into_inner().map_err(|e| e.to_string())?;
      f.sync_all().map_err(|e| e.to_string())?;
      fs::rename(&tmp, path).map_err(|e| e.to_string())
    };
    write().map_err(|e| {
      let _ = fs::remove_file(&tmp);
      err(path, format!("cannot write: {e}"))
    })?;
    Self::open(path)
  }

  /// Where the file is.
  pub fn path(&self) -> &Path {
    &self.path
  }

  /// `log2` of the number of G1 powers the file provides.
  pub fn log_size(&self) -> u32 {
    self.log_size
  }

  /// `[τ]₂`, compressed: what a verifier key holds of the SRS.
  pub fn tau_g2(&self) -> Vec<u8> {
    self.tau_g2.to_bytes().as_ref().to_vec()
  }

  /// The digest verifier keys pin ([`srs_id`] of `[τ]₂`).
  pub fn id(&self) -> [u8; 32] {
    srs_id(&self.tau_g2())
  }

  /// A private folder holding the file under the name nova-snark's loader looks for
  /// (`ppot_pruned_XX.ptau`), removed when dropped.
  pub(crate) fn loader_dir(&self) -> Result<LoaderDir> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let dir = std::env::temp_dir().join(format!(
      "folding-srs-{}-{}",
      std::process::id(),
      NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let target = fs::canonicalize(&self.path)
      .map_err(|e| err(&self.path, format!("cannot resolve: {e}")))?;
    let link = dir.join(format!("ppot_pruned_{:02}.ptau", self.log_size));
    fs::create_dir_all(&dir)
      .and_then(|_| link_file(&target, &link))
      .map_err(|e| err(&self.path, format!("cannot link it for loading: {e}")))?;
    Ok(LoaderDir(dir))
  }
}

#[cfg(unix)]
fn link_file(target: &Path, link: &Path) -> std::io::Result<()> {
  std::os::unix::fs::symlink(target, link)
}

#[cfg(not(unix))]
fn link_file(target: &Path, link: &Path) -> std::io::Result<()> {
  fs::hard_link(target, link).or_else(|_| fs::copy(target, link).map(|_| ()))
}

/// A temporary folder for nova-snark's ptau loader; removed on drop.
pub(crate) struct LoaderDir(PathBuf);

impl LoaderDir {
  pub(crate) fn path(&self) -> &Path {
    &self.0
  }
}

impl Drop for LoaderDir {
  fn drop(&mut self) {
    let _ = fs::remove_dir_all(&self.0);
  }
}

/// The modulus of `F` as 32 little-endian bytes (how `.ptau` headers state it).
fn modulus_le<F: PrimeField>() -> Vec<u8> {
  // -1 is p - 1 in canonical little-endian form; add the one back by hand.
  let mut bytes = (-F::ONE).to_repr().as_ref().to_vec();
  for b in bytes.iter_mut() {
    let (v, carry) = b.overflowing_add(1);
    *b = v;
    if !carry {
      break;
    }
  }
  bytes
}

/// `1, τ, τ², …, τ^(n-1)`, computed in parallel chunks.
fn powers_of(tau: Fr, n: usize) -> Vec<Fr> {
  const CHUNK: usize = 1 << 14;
  let mut out = vec![Fr::ZERO; n];
  out.par_chunks_mut(CHUNK).enumerate().for_each(|(c, chunk)| {
    let mut p = tau.pow_vartime([(c * CHUNK) as u64]);
    for x in chunk.iter_mut() {
      *x = p;
      p *= tau;
    }
  });
  out
}

/// `[s]₁` for every scalar, by a fixed-base comb over byte windows: 32 mixed additions per
/// point and no doublings, against about 255 doublings for a generic multiplication.
fn fixed_base_g1(scalars: &[Fr]) -> Vec<G1Affine> {
  const WINDOWS: usize = 32;
  // table[j][d] = d · 256^j · G
  let mut table = Vec::with_capacity(WINDOWS);
  let mut base = G1::generator();
  for _ in 0..WINDOWS {
    let mut row = vec![G1::identity(); 256];
    for d in 1..256 {
      row[d] = row[d - 1] + base;
    }
    let mut affine = vec![G1Affine::identity(); 256];
    G1::batch_normalize(&row, &mut affine);
    table.push(affine);
    for _ in 0..8 {
      base = base.double();
    }
  }
  let mut out = vec![G1Affine::identity(); scalars.len()];
  out
    .par_chunks_mut(1024)
    .zip(scalars.par_chunks(1024))
    .for_each(|(out, scalars)| {
      let sums: Vec<G1> = scalars
        .iter()
        .map(|s| {
          let repr = s.to_repr();
          repr
            .as_ref()
            .iter()
            .enumerate()
            .filter(|(_, d)| **d != 0)
            .fold(G1::identity(), |acc, (j, d)| acc + table[j][*d as usize])
        })
        .collect();
      G1::batch_normalize(&sums, out);
    });
  out
}

#[cfg(test)]
mod tests {
  use super::*;

  fn tmp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("folding-srs-test-{}-{name}", std::process::id()))
  }

  #[test]
  fn fixed_base_comb_equals_scalar_multiplication() {
    let scalars: Vec<Fr> = (0..40u64)
      .map(|i| Fr::from(i) * Fr::random(OsRng) + Fr::from(i))
      .chain([Fr::ZERO, Fr::ONE, -Fr::ONE])
      .collect();
    let points = fixed_base_g1(&scalars);
    for (s, p) in scalars.iter().zip(&points) {
      assert_eq!(*p, (G1::generator() * s).to_affine());
    }
  }

  #[test]
  fn a_generated_srs_opens_and_its_powers_are_consecutive() {
    let path = tmp("gen.ptau");
    let srs = Srs::generate(&path, 5).unwrap();
    assert_eq!(srs.log_size(), 5);
    let again = Srs::open(&path).unwrap();
    assert_eq!(again.id(), srs.id());
    // nova-snark's loader reads it, and the powers chain: e(g_{i+1}, H) = e(g_i, tau H)
    let mut f = BufReader::new(File::open(&path).unwrap());
    let (g1, g2): (Vec<G1Affine>, Vec<G2Affine>) =
      nova_snark::provider::read_ptau(&mut f, 32, 2).unwrap();
    for i in 0..31 {
      assert_eq!(
        Bn256::pairing(&g1[i + 1], &g2[0]),
        Bn256::pairing(&g1[i], &g2[1])
      );
    }
    // a second setup has another tau
    let other = Srs::generate(&tmp("gen2.ptau"), 5).unwrap();
    assert_ne!(other.id(), srs.id());
    let _ = fs::remove_file(&path);
    let _ = fs::remove_file(other.path());
  }

  #[test]
  fn damaged_files_are_typed_errors() {
    let path = tmp("damaged.ptau");
    let good = Srs::generate(&path, 3).unwrap();
    let bytes = fs::read(good.path()).unwrap();
    let bad = tmp("bad.ptau");
    let check = |b: &[u8], what: &str| {
      fs::write(&bad, b).unwrap();
      let e = Srs::open(&bad).expect_err(what);
      assert!(matches!(e, FoldError::Srs { .. }), "{what}: {e}");
    };
    check(&bytes[..bytes.len() / 2], "truncated");
    check(&bytes[..10], "header only");
    check(b"not a ptau file at all", "foreign");
    let mut flipped = bytes.clone();
    flipped[0] ^= 1;
    check(&flipped, "magic");
    // a flipped bit in [tau]_2 (the last point) breaks the pairing check or the curve
    let mut tau = bytes.clone();
    let at = tau.len() - 10;
    tau[at] ^= 1;
    check(&tau, "tau_2");
    // a flipped bit in [tau]_1 (found by its raw encoding)
    let mut f = BufReader::new(File::open(good.path()).unwrap());
    let (g1, _): (Vec<G1Affine>, Vec<G2Affine>) =
      nova_snark::provider::read_ptau(&mut f, 2, 2).unwrap();
    let raw = g1[1].to_raw_bytes();
    let at = bytes.windows(raw.len()).position(|w| w == raw).unwrap();
    let mut tau1 = bytes.clone();
    tau1[at + 3] ^= 1;
    check(&tau1, "tau_1");
    assert!(Srs::open(&tmp("missing.ptau")).is_err());
    let _ = fs::remove_file(&path);
    let _ = fs::remove_file(&bad);
  }

  #[test]
  fn modulus_is_bn254_base_field() {
    let m = modulus_le::<Fq>();
    assert_eq!(m.len(), 32);
    // 0x30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47, little-endian
    assert_eq!(m[0], 0x47);
    assert_eq!(m[31], 0x30);
  }
}
