//! Networks and plans shared by the end-to-end tests.
#![allow(dead_code)] // not every helper is used by every build of the tests

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

/// A single-party SRS for the succinct profile's tests, made once per test binary (2^18
/// powers: enough for every test network here).
pub fn test_srs() -> &'static folding_core::srs::Srs {
  static SRS: std::sync::OnceLock<folding_core::srs::Srs> = std::sync::OnceLock::new();
  SRS.get_or_init(|| {
    let path = std::env::temp_dir().join(format!("folding-test-srs-{}.ptau", std::process::id()));
    folding_core::srs::Srs::generate(&path, 18).expect("a test SRS")
  })
}

/// The key source for profile `P`: the test SRS when the profile needs one.
pub fn source<P: folding_core::engine::Profile>(
  cache_dir: Option<&std::path::Path>,
) -> folding_core::keys::KeySource<'_> {
  folding_core::keys::KeySource {
    cache_dir,
    srs: P::ID.needs_srs().then(test_srs),
  }
}

/// Instantiates a generic test `fn name<P: Profile>()` once per engine profile (tests whose
/// logic does not depend on the profile run on the faster transparent one only).
#[macro_export]
macro_rules! for_each_profile {
  ($name:ident) => {
    mod $name {
      #[test]
      fn pasta() {
        super::$name::<folding_core::engine::Pasta>();
      }
      #[test]
      fn bn254() {
        super::$name::<folding_core::engine::Bn254>();
      }
    }
  };
}

/// The network, plan and input of [`reference_proof`].
pub fn reference_network() -> (Network, Plan, Vec<i64>) {
  let n = network(WeightMode::Public, 3, 1);
  let p = one_layer_per_step(&n);
  (n, p, vec![5, -3, 7])
}

/// One public proof of [`reference_network`] per profile, made once per test binary and
/// shared by the tests that only need some valid proof and its key to tamper with (each
/// proof of even a tiny network costs seconds of key setup).
pub fn reference_proof<P: folding_core::engine::Profile>() -> &'static (
  folding_core::proof::ProofBundle,
  folding_core::proof::VerifierKeyBundle,
) {
  type Proven = (folding_core::proof::ProofBundle, folding_core::proof::VerifierKeyBundle);
  static PASTA: std::sync::OnceLock<Proven> = std::sync::OnceLock::new();
  static BN254: std::sync::OnceLock<Proven> = std::sync::OnceLock::new();
  let cell = match P::ID {
    folding_core::engine::EngineId::Pasta => &PASTA,
    folding_core::engine::EngineId::Bn254 => &BN254,
  };
  cell.get_or_init(|| {
    let (n, p, x) = reference_network();
    let progress = folding_core::prover::Progress::default();
    let (proof, vk, _) =
      folding_core::prover::prove_with_key::<P>(&n, &p, &x, &source::<P>(None), &progress).unwrap();
    (proof, vk)
  })
}
