//! Networks and plans shared by the end-to-end tests.
#![allow(dead_code)] // each test binary uses its own part

use folding_core::model::{DenseLayer, Network, Settings, WeightMode};
use folding_core::plan::{plan, Plan, PlanOptions};

pub const ST: Settings = Settings {
  act_bits: 8,
  weight_bits: 6,
  shift: 3,
};

pub fn layer(seed: i64, n_in: usize, n_out: usize, relu: bool) -> DenseLayer {
  DenseLayer {
    n_in,
    n_out,
    relu,
    weight: (0..(n_in * n_out) as i64)
      .map(|k| ((k * 5 + seed * 13) % 7) - 3)
      .collect(),
    bias: (0..n_out as i64).map(|j| (j * 5 + seed) % 11 - 5).collect(),
  }
}

/// 3 -> 4 head, `middle` layers 4 -> 4, 4 -> 2 tail: three segments.
pub fn network(mode: WeightMode, middle: usize, seed: i64) -> Network {
  let mut layers = vec![layer(seed, 3, 4, true)];
  layers.extend((0..middle).map(|l| layer(seed + l as i64 + 1, 4, 4, true)));
  layers.push(layer(seed + 100, 4, 2, false));
  let salts = (0..layers.len()).map(|l| [l as u8; 32]).collect();
  Network::new(ST, layers, mode, salts).unwrap()
}

pub fn one_layer_per_step(n: &Network) -> Plan {
  plan(
    n,
    &PlanOptions {
      layers_per_step: Some(1),
      ..Default::default()
    },
  )
  .unwrap()
}
