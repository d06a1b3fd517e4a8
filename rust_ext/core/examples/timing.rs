//! Prints where the prover's and the verifier's time goes on a small network, for either
//! engine profile: `cargo run --release --example timing -- [depth] [width] [pasta|bn254]
//! [layers-per-step]`. The bn254 profile makes a throwaway single-party SRS first.
use std::time::Instant;

use folding_core::engine::{EngineId, Profile};
use folding_core::keys::KeySource;
use folding_core::model::{DenseLayer, Network, Settings, WeightMode};
use folding_core::plan::{plan, PlanOptions};
use folding_core::prover::{prove_with_key, Progress};
use folding_core::srs::Srs;
use folding_core::verifier::{verify, PreparedVerifier, VerifyOptions};
use folding_core::with_profile;

fn run<P: Profile>(n: &Network, lps: usize, width: usize, srs: Option<&Srs>) {
  let p = plan(n, &PlanOptions { layers_per_step: Some(lps), ..Default::default() }).unwrap();
  let source = KeySource { cache_dir: None, srs };
  let t = Instant::now();
  let (proof, vk, stats) =
    prove_with_key::<P>(n, &p, &vec![3; width], &source, &Progress::default()).unwrap();
  println!("prove {:?}: setup {:.2}s fold {:.2}s compress {:.2}s", t.elapsed(), stats.setup_s, stats.fold_s, stats.compress_s);
  for (s, k) in stats.segments.iter().zip(&vk.segments) {
    let head = |i: usize| u64::from_le_bytes(k.vk.primary[8 * i..8 * i + 8].try_into().unwrap());
    println!(
      "  segment: {} steps, {} constraints, {} variables, compress {:.2}s (key head {} {} {})",
      s.steps, s.constraints, s.variables, s.compress_s, head(0), head(1), head(2)
    );
  }
  if let Ok(dir) = std::env::var("SAVE") {
    std::fs::write(format!("{dir}/proof.bin"), proof.to_bytes()).unwrap();
    std::fs::write(format!("{dir}/vk.bin"), vk.to_bytes()).unwrap();
  }
  let opts = VerifyOptions::default();
  let t = Instant::now();
  verify(&vk, &proof, &opts).unwrap();
  println!("verify (cold, derives shared parts) {:?}", t.elapsed());
  let t = Instant::now();
  let prepared = PreparedVerifier::new(vk.clone(), opts).unwrap();
  let prep = t.elapsed();
  for _ in 0..std::env::var("VERIFY_REPS").ok().and_then(|s| s.parse().ok()).unwrap_or(3) {
    let t = Instant::now();
    prepared.verify(&proof).unwrap();
    println!("prepare {:?}, verify {:?}", prep, t.elapsed());
  }
  println!(
    "proof bytes {}, verifier key bytes {} ({} segments)",
    proof.to_bytes().len(),
    vk.to_bytes().len(),
    vk.segments.len()
  );
}

/// Verifies a saved proof `reps` times (for profiling the verifier alone).
fn verify_saved(dir: &str) {
  use folding_core::proof::{ProofBundle, VerifierKeyBundle};
  let proof = ProofBundle::from_bytes(&std::fs::read(format!("{dir}/proof.bin")).unwrap()).unwrap();
  let vk = VerifierKeyBundle::from_bytes(&std::fs::read(format!("{dir}/vk.bin")).unwrap()).unwrap();
  let t = Instant::now();
  let options = VerifyOptions {
    cache_dir: std::env::var("CACHE").ok().map(Into::into),
    ..Default::default()
  };
  let prepared = PreparedVerifier::new(vk, options).unwrap();
  println!("prepare {:?}", t.elapsed());
  let t = Instant::now();
  let _c = folding_core::hash::constants::<folding_core::engine::Fr<folding_core::engine::Bn254>>();
  println!("poseidon constants {:?}", t.elapsed());
  let t = Instant::now();
  prepared.verify(&proof).unwrap();
  println!("first verify {:?}", t.elapsed());
  let reps: usize = std::env::var("VERIFY_REPS").ok().and_then(|s| s.parse().ok()).unwrap_or(20);
  let t = Instant::now();
  for _ in 0..reps {
    prepared.verify(&proof).unwrap();
  }
  println!("verify {:?} each", t.elapsed() / reps as u32);
}

fn main() {
  if std::env::var("PROBE").is_ok() { probe(); return; }
  if let Ok(dir) = std::env::var("LOAD") { verify_saved(&dir); return; }
  let st = Settings { act_bits: 8, weight_bits: 6, shift: 3 };
  let arg = |i: usize| std::env::args().nth(i);
  let depth: usize = arg(1).and_then(|s| s.parse().ok()).unwrap_or(8);
  let width: usize = arg(2).and_then(|s| s.parse().ok()).unwrap_or(4);
  let engine = arg(3).and_then(|s| EngineId::from_name(&s)).unwrap_or(EngineId::Pasta);
  let lps: usize = arg(4).and_then(|s| s.parse().ok()).unwrap_or(1);
  let layers: Vec<DenseLayer> = (0..depth)
    .map(|l| DenseLayer {
      n_in: width,
      n_out: width,
      relu: l + 1 < depth,
      weight: (0..(width * width) as i64).map(|k| (k * 7 + l as i64) % 3 - 1).collect(),
      bias: vec![1; width],
    })
    .collect();
  let n = Network::new(st, layers, WeightMode::Public, vec![]).unwrap();
  let srs = engine.needs_srs().then(|| {
    let t = Instant::now();
    let path = std::env::temp_dir().join("folding-timing.ptau");
    let srs = Srs::generate(&path, 20).unwrap();
    println!("srs 2^20 made in {:?}", t.elapsed());
    srs
  });
  with_profile!(engine, P => run::<P>(&n, lps, width, srs.as_ref()));
}

#[allow(dead_code)]
fn probe() {
  let t = Instant::now();
  let _c = folding_core::hash::constants::<folding_core::engine::Fr<folding_core::engine::Pasta>>();
  println!("poseidon constants {:?}", t.elapsed());
  let t = Instant::now();
  let _r = <nova_snark::traits::ROConstants<nova_snark::provider::PallasEngine> as Default>::default();
  println!("ro constants {:?}", t.elapsed());
}
