//! End-to-end: fold, compress and verify small networks in both weight modes, and reject
//! tampered, reordered, dropped and foreign proofs with a clear error.
use folding_core::model::{DenseLayer, Network, Settings, WeightMode};
use folding_core::plan::{plan, PlanOptions};
use folding_core::proof::{ProofBundle, VerifierKeyBundle};
use folding_core::prover::{prove, Progress};
use folding_core::verifier::verify;
use folding_core::FoldError;

const ST: Settings = Settings {
  act_bits: 8,
  weight_bits: 6,
  shift: 3,
};

fn layer(seed: i64, n_in: usize, n_out: usize, relu: bool) -> DenseLayer {
  DenseLayer {
    n_in,
    n_out,
    relu,
    weight: (0..(n_in * n_out) as i64).map(|k| ((k * 7 + seed * 13) % 7) - 3).collect(),
    bias: (0..n_out as i64).map(|j| (j * 5 + seed) % 11 - 5).collect(),
  }
}

/// 3 -> 4 head, `middle` layers 4 -> 4, 4 -> 2 tail: three segments.
fn network(mode: WeightMode, middle: usize, seed: i64) -> Network {
  let mut layers = vec![layer(seed, 3, 4, true)];
  layers.extend((0..middle).map(|l| layer(seed + l as i64 + 1, 4, 4, true)));
  layers.push(layer(seed + 100, 4, 2, false));
  let salts = (0..layers.len()).map(|l| [l as u8; 32]).collect();
  Network::new(ST, layers, mode, salts).unwrap()
}

fn run(n: &Network, x: &[i64]) -> (ProofBundle, VerifierKeyBundle) {
  let p = plan(
    n,
    &PlanOptions {
      layers_per_step: Some(1),
      ..Default::default()
    },
  )
  .unwrap();
  let (proof, vk, _) = prove(n, &p, x, None, &Progress::default()).unwrap();
  (proof, vk)
}

fn reason(e: FoldError) -> String {
  e.to_string()
}

#[test]
fn public_and_private_proofs_verify_and_tampering_is_rejected() {
  for mode in [WeightMode::Public, WeightMode::Private] {
    let n = network(mode, 3, 1);
    let x = [5, -3, 7];
    let (proof, vk) = run(&n, &x);
    assert_eq!(proof.segments.len(), 3);
    verify(&vk, &proof).unwrap();
    // round trip through the encodings
    let proof2 = ProofBundle::from_bytes(&proof.to_bytes()).unwrap();
    let vk2 = VerifierKeyBundle::from_bytes(&vk.to_bytes()).unwrap();
    verify(&vk2, &proof2).unwrap();

    // wrong claimed output
    let mut bad = proof.clone();
    bad.output[0] += 1;
    assert!(reason(verify(&vk, &bad).unwrap_err()).contains("claimed output"));

    // an output that aliases the true one under lane packing: y0 + 2^a, y1 - 1
    let mut bad = proof.clone();
    bad.output[0] += 1 << ST.act_bits;
    bad.output[1] -= 1;
    assert!(reason(verify(&vk, &bad).unwrap_err()).contains("out of range"));

    // wrong input
    let mut bad = proof.clone();
    bad.input[0] += 1;
    assert!(reason(verify(&vk, &bad).unwrap_err()).contains("wrong input"));

    // flipped bytes inside a segment SNARK
    for pos in [40usize, 400, 4000] {
      let mut bad = proof.clone();
      let s = &mut bad.segments[1].snark;
      let p = pos % s.len();
      s[p] ^= 0x5a;
      assert!(verify(&vk, &bad).is_err(), "flipped byte {p} must be rejected");
    }

    // reordered and dropped segments
    let mut bad = proof.clone();
    bad.segments.swap(0, 1);
    assert!(verify(&vk, &bad).is_err());
    let mut bad = proof.clone();
    bad.segments.remove(1);
    assert!(verify(&vk, &bad).is_err());

    // truncated encodings
    let bytes = proof.to_bytes();
    for cut in [0, 7, bytes.len() / 2, bytes.len() - 1] {
      assert!(ProofBundle::from_bytes(&bytes[..cut]).is_err());
    }
  }
}

#[test]
fn proof_for_another_model_is_rejected() {
  let a = network(WeightMode::Public, 1, 1);
  let b = network(WeightMode::Public, 1, 2);
  let (pa, vka) = run(&a, &[1, 2, 3]);
  let (pb, vkb) = run(&b, &[1, 2, 3]);
  assert!(matches!(verify(&vka, &pb), Err(FoldError::ModelMismatch { .. })));
  // a proof relabelled with the other model's commitment still fails cryptographically
  let mut forged = pb.clone();
  forged.model_commitment = pa.model_commitment;
  assert!(verify(&vka, &forged).is_err());
  // segments spliced from another model's proof
  let mut spliced = pa.clone();
  spliced.segments[1] = pb.segments[1].clone();
  assert!(verify(&vka, &spliced).is_err());
  verify(&vkb, &pb).unwrap();
}
