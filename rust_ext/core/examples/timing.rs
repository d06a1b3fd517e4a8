//! Prints where the prover's time goes on a small network: `cargo run --release --example timing`.
use std::time::Instant;

use folding_core::model::{DenseLayer, Network, Settings, WeightMode};
use folding_core::plan::{plan, PlanOptions};
use folding_core::prover::{prove_with_key, Progress};
use folding_core::verifier::verify;

fn main() {
  let st = Settings { act_bits: 8, weight_bits: 6, shift: 3 };
  let depth: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(8);
  let width: usize = std::env::args().nth(2).and_then(|s| s.parse().ok()).unwrap_or(4);
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
  let p = plan(&n, &PlanOptions { layers_per_step: Some(1), ..Default::default() }).unwrap();
  let t = Instant::now();
  let (proof, vk, stats) = prove_with_key(&n, &p, &vec![3; width], None, &Progress::default()).unwrap();
  println!("prove {:?} {:?}", t.elapsed(), stats);
  let t = Instant::now();
  verify(&vk, &proof).unwrap();
  println!("verify {:?}; proof bytes {}", t.elapsed(), proof.to_bytes().len());
}
