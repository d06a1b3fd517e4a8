//! Engine profiles: keys split into a model's part and the shared parts and rebuild to
//! nova-snark's exact bytes; the shared parts a verifier derives are the ones real keys hold;
//! the succinct profile's SRS size is exact; keys and proofs of one profile, or of one SRS,
//! are refused by another with a clear error.

use crate::common::{network, one_layer_per_step, reference_network, reference_proof, source, test_srs};
use folding_core::circuit::FoldStep;
use folding_core::engine::{Bn254, Fr, Params, Pasta, Profile};
use folding_core::keys::{load_or_setup, KeySource};
use folding_core::model::WeightMode;
use folding_core::plan::segment_circuit;
use folding_core::proof::{from_slice, to_vec};
use folding_core::prover::{prove_with_key, Progress};
use folding_core::srs::Srs;
use folding_core::verifier::{verify, VerifyOptions};
use folding_core::vk::{expand, shared_parts, split};
use folding_core::FoldError;
use nova_snark::r1cs::R1CSShape;
use nova_snark::traits::{commitment::CommitmentEngineTrait, Engine, ROConstants, ROConstantsCircuit};
use serde::Deserialize;

for_each_profile!(keys_split_and_rebuild_to_the_same_bytes);
fn keys_split_and_rebuild_to_the_same_bytes<P: Profile>() {
  for mode in [WeightMode::Public, WeightMode::Private] {
    let n = network(mode, 1, 7);
    let p = one_layer_per_step(&n);
    let circuit = segment_circuit::<Fr<P>>(&n, &p.segments[0]);
    let keys = load_or_setup::<P>(&circuit, &source::<P>(None)).unwrap();
    let parts = split::<P>(&keys.vk).unwrap();
    assert_eq!(parts.srs_g2.is_some(), P::ID.needs_srs());
    let rebuilt = expand::<P>(&parts.segment, &parts.shared, parts.srs_g2.as_deref()).unwrap();
    assert_eq!(to_vec(&rebuilt), to_vec(&keys.vk), "{mode:?}");
    // what a verifier derives on its own is exactly what the key was made with
    let derived = shared_parts::<P>(None).unwrap();
    assert_eq!(*derived, parts.shared, "{mode:?}");
    // a model's part is small: sizes and (succinct) commitments, or (transparent) matrices
    if P::ID.needs_srs() {
      assert!(to_vec(&parts.segment).len() < 1024, "{}", to_vec(&parts.segment).len());
    }
  }
}

/// `PublicParams`' serde layout (test-only: to read the primary shape's sizes).
#[derive(Deserialize)]
#[serde(bound = "")]
#[allow(dead_code)]
struct ParamsLayout<P: Profile> {
  f_arity: usize,
  ro1: ROConstants<P::E1>,
  roc1: ROConstantsCircuit<P::E2>,
  ro2: ROConstants<P::E2>,
  roc2: ROConstantsCircuit<P::E1>,
  ck1: <<P::E1 as Engine>::CE as CommitmentEngineTrait<P::E1>>::CommitmentKey,
  shape1: R1CSShape<P::E1>,
  ck2: <<P::E2 as Engine>::CE as CommitmentEngineTrait<P::E2>>::CommitmentKey,
  shape2: R1CSShape<P::E2>,
}

#[test]
fn the_srs_size_a_model_needs_is_exact() {
  let srs = test_srs();
  for (mode, middle) in [(WeightMode::Public, 2), (WeightMode::Private, 1)] {
    let n = network(mode, middle, 5);
    let p = one_layer_per_step(&n);
    let need = folding_core::engine::srs_log_size(&n, &p).unwrap();
    let mut actual = 0;
    for seg in &p.segments {
      let circuit = segment_circuit::<Fr<Bn254>>(&n, seg);
      let step = FoldStep {
        segment: circuit,
        witness: None,
      };
      let pp: Params<Bn254> = Bn254::setup_params(&step, Some(srs)).unwrap();
      let layout: ParamsLayout<Bn254> = from_slice("params", &to_vec(&pp)).unwrap();
      let s = &layout.shape1;
      let nnz = s.A().len() + s.B().len() + s.C().len();
      let m = s.num_cons().max(s.num_vars()).next_power_of_two();
      actual = actual.max(nnz.max(2 * m).next_power_of_two().trailing_zeros());
    }
    assert_eq!(need, actual, "{mode:?}");
  }
}

#[test]
fn a_too_small_srs_is_a_clear_error() {
  let path = std::env::temp_dir().join(format!("folding-small-srs-{}.ptau", std::process::id()));
  let small = Srs::generate(&path, 8).unwrap();
  let n = network(WeightMode::Public, 1, 2);
  let p = one_layer_per_step(&n);
  let src = KeySource {
    cache_dir: None,
    srs: Some(&small),
  };
  let e = prove_with_key::<Bn254>(&n, &p, &[1, 2, 3], &src, &Progress::default())
    .err()
    .expect("2^8 powers cannot hold a segment");
  assert!(matches!(e, FoldError::Srs { .. }), "{e}");
  assert!(e.to_string().contains("2^8"), "{e}");
  // and no SRS at all
  let e = prove_with_key::<Bn254>(&n, &p, &[1, 2, 3], &KeySource::default(), &Progress::default())
    .err()
    .expect("the succinct profile needs an SRS");
  assert!(matches!(e, FoldError::Srs { .. }), "{e}");
  let _ = std::fs::remove_file(&path);
}

#[test]
fn proofs_and_keys_of_another_profile_or_srs_are_refused() {
  let opts = VerifyOptions::default();
  // the same model and input proven by both profiles
  let (pasta_proof, pasta_vk) = reference_proof::<Pasta>();
  let (bn_proof, bn_vk) = reference_proof::<Bn254>();
  verify(pasta_vk, pasta_proof, &opts).unwrap();
  verify(bn_vk, bn_proof, &opts).unwrap();
  for (vk, proof) in [(pasta_vk, bn_proof), (bn_vk, pasta_proof)] {
    let e = verify(vk, proof, &opts).unwrap_err();
    assert!(
      matches!(&e, FoldError::ModelMismatch { reason } if reason.contains("profile")),
      "{e}"
    );
  }
  // a proof relabelled as the other profile's still fails
  let mut relabelled = pasta_proof.clone();
  relabelled.engine = folding_core::engine::EngineId::Bn254;
  relabelled.srs = bn_proof.srs;
  relabelled.model_commitment = bn_proof.model_commitment;
  assert!(verify(bn_vk, &relabelled, &opts).is_err());

  // the same model with another SRS (of just the size it needs): the proof names both SRSs
  let (n, p, x) = reference_network();
  let path = std::env::temp_dir().join(format!("folding-other-srs-{}.ptau", std::process::id()));
  let other = Srs::generate(&path, folding_core::engine::srs_log_size(&n, &p).unwrap()).unwrap();
  let src = KeySource {
    cache_dir: None,
    srs: Some(&other),
  };
  let (other_proof, other_vk, _) = prove_with_key::<Bn254>(&n, &p, &x, &src, &Progress::default()).unwrap();
  let e = verify(bn_vk, &other_proof, &opts).unwrap_err();
  assert!(
    matches!(&e, FoldError::ModelMismatch { reason } if reason.contains("SRS")),
    "{e}"
  );
  // ... and a verifier that trusts one SRS refuses keys made with another
  let trusting = VerifyOptions {
    expected_srs: Some(test_srs().id()),
    ..Default::default()
  };
  verify(bn_vk, bn_proof, &trusting).unwrap();
  let e = verify(&other_vk, &other_proof, &trusting).unwrap_err();
  assert!(matches!(&e, FoldError::ModelMismatch { reason } if reason.contains("SRS")), "{e}");
  // a key whose SRS element is swapped for another SRS's no longer verifies anything
  let mut swapped = bn_vk.clone();
  swapped.srs_g2 = other_vk.srs_g2.clone();
  let mut proof = bn_proof.clone();
  proof.srs = other_proof.srs;
  proof.model_commitment = swapped.commitment();
  assert!(verify(&swapped, &proof, &opts).is_err());
  // a transparent key pins no SRS; asking for one is refused
  assert!(verify(pasta_vk, pasta_proof, &trusting).is_err());
  let _ = std::fs::remove_file(&path);
}
