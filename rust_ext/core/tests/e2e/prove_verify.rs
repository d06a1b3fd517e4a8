//! End-to-end: fold, compress and verify small networks in both weight modes, and reject
//! tampered, reordered, dropped and foreign proofs with a clear error.
use std::sync::atomic::Ordering;

use crate::common::{network, one_layer_per_step, reference_network, reference_proof, source, ST};
use folding_core::checkpoint::Checkpointer;
use folding_core::engine::Profile;
use folding_core::model::{Network, WeightMode};
use folding_core::proof::{ProofBundle, VerifierKeyBundle};
use folding_core::prover::{prove_resumable, prove_with_key, Progress};
use folding_core::verifier::{self, PreparedVerifier, VerifyOptions};
use folding_core::FoldError;

/// Verifies both ways, one-shot and with prepared keys, and requires the same verdict and
/// reason from both (a key that does not decode must fail one-shot too); every accept/reject case below thereby covers both paths.
fn verify(vk: &VerifierKeyBundle, proof: &ProofBundle) -> Result<(), FoldError> {
  let opts = VerifyOptions::default();
  let once = verifier::verify(vk, proof, &opts);
  let Ok(prepared) = PreparedVerifier::new(vk.clone(), opts) else {
    assert!(once.is_err(), "a key that does not decode verified a proof");
    return once;
  };
  let prepared = prepared.verify(proof);
  assert_eq!(
    once.as_ref().map_err(|e| e.to_string()),
    prepared.as_ref().map_err(|e| e.to_string()),
    "one-shot and prepared verification disagree"
  );
  once
}

fn run<P: Profile>(n: &Network, x: &[i64]) -> (ProofBundle, VerifierKeyBundle) {
  let p = one_layer_per_step(n);
  let (proof, vk, _) = prove_with_key::<P>(n, &p, x, &source::<P>(None), &Progress::default()).unwrap();
  (proof, vk)
}

fn reason(e: FoldError) -> String {
  e.to_string()
}

for_each_profile!(public_and_private_proofs_verify_and_tampering_is_rejected);
fn public_and_private_proofs_verify_and_tampering_is_rejected<P: Profile>() {
  for mode in [WeightMode::Public, WeightMode::Private] {
    let (proof, vk) = match mode {
      WeightMode::Public => reference_proof::<P>().clone(),
      WeightMode::Private => run::<P>(&network(mode, 3, 1), &[5, -3, 7]),
    };
    assert_eq!((proof.engine, vk.engine), (P::ID, P::ID));
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
      assert!(
        verify(&vk, &bad).is_err(),
        "flipped byte {p} must be rejected"
      );
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

for_each_profile!(proof_for_another_model_is_rejected);
fn proof_for_another_model_is_rejected<P: Profile>() {
  let (pa, vka) = reference_proof::<P>();
  let (a, ..) = reference_network();
  let b = network(WeightMode::Public, 1, 2);
  assert_eq!(a.layers.len() - 2, 3, "the reference network's middle run");
  let (pb, vkb) = run::<P>(&b, &[1, 2, 3]);
  assert_eq!((pa.segments.len(), pb.segments.len()), (3, 3));
  assert!(matches!(
    verify(vka, &pb),
    Err(FoldError::ModelMismatch { .. })
  ));
  // a proof relabelled with the other model's commitment still fails cryptographically
  let mut forged = pb.clone();
  forged.model_commitment = pa.model_commitment;
  assert!(verify(vka, &forged).is_err());
  // segments spliced from another model's proof
  let mut spliced = pa.clone();
  spliced.segments[1] = pb.segments[1].clone();
  assert!(verify(vka, &spliced).is_err());
  verify(&vkb, &pb).unwrap();
}

// Batch proofs and checkpoints are the same code for both profiles (generic over it); the
// profile-specific parts (keys, proofs, verification) are covered for both above and in
// engines.rs, so these run on the transparent profile, which proves faster.
#[test]
fn batch_proofs_verify_and_tampered_swapped_truncated_or_foreign_ones_are_rejected() {
  batch_proofs::<folding_core::engine::Pasta>();
}

#[test]
fn a_succinct_batch_proof_verifies_with_the_batch_key() {
  use folding_core::engine::Bn254;
  let n = network(WeightMode::Public, 1, 3);
  let xs: Vec<Vec<i64>> = vec![vec![1, 2, 3], vec![-4, 5, -6], vec![7, 0, -7]];
  let (proof, vk, _) =
    folding_core::batch::prove::<Bn254>(&n, 2, &xs, &source::<Bn254>(None), &Progress::default())
      .unwrap();
  verify(&vk, &proof).unwrap();
  let mut bad = proof.clone();
  bad.output[1] += 1;
  assert!(verify(&vk, &bad).is_err());
}

fn batch_proofs<P: Profile>() {
  use folding_core::model::forward;
  use folding_core::batch;
  let src = source::<P>(None);
  let n = network(WeightMode::Public, 1, 3);
  let xs: Vec<Vec<i64>> = (0..5)
    .map(|t| vec![t * 37 - 90, 60 - t * 25, (t * 53) % 100 - 50])
    .collect();
  let items = 2;
  let (proof, vk, stats) = batch::prove::<P>(&n, items, &xs, &src, &Progress::default()).unwrap();
  assert_eq!(
    stats.segments[0].steps, 3,
    "5 inputs, 2 per step: padded to 6"
  );
  assert_eq!(proof.input.len(), 6 * 3);
  for (t, x) in xs.iter().enumerate() {
    assert_eq!(
      &proof.output[t * 2..t * 2 + 2],
      forward(&n, x).unwrap().last().unwrap().as_slice()
    );
  }
  verify(&vk, &proof).unwrap();
  let vk2 = VerifierKeyBundle::from_bytes(&vk.to_bytes()).unwrap();
  verify(&vk2, &ProofBundle::from_bytes(&proof.to_bytes()).unwrap()).unwrap();
  // the same key serves another batch size
  let (other, _, _) = batch::prove::<P>(&n, items, &xs[..2], &src, &Progress::default()).unwrap();
  verify(&vk, &other).unwrap();

  let rejects = |bad: &ProofBundle, what: &str| {
    let e = verify(&vk, bad).expect_err(what);
    assert!(
      matches!(
        e,
        FoldError::InvalidProof { .. } | FoldError::ModelMismatch { .. }
      ),
      "{what}: {e}"
    );
  };
  let mut bad = proof.clone();
  bad.output[7] += 1;
  rejects(&bad, "a wrong output of item 3");
  let mut bad = proof.clone();
  bad.input.swap(0, 3); // items 0 and 1 exchange their first values
  rejects(&bad, "inputs swapped between items");
  // outputs swapped between two items whose outputs differ
  let (i, j) = (0..5)
    .flat_map(|i| (i + 1..5).map(move |j| (i, j)))
    .find(|&(i, j)| proof.output[i * 2..i * 2 + 2] != proof.output[j * 2..j * 2 + 2])
    .expect("the test inputs give different outputs");
  let mut bad = proof.clone();
  for v in 0..2 {
    bad.output.swap(i * 2 + v, j * 2 + v);
  }
  rejects(&bad, "outputs swapped between items");
  let mut bad = proof.clone();
  bad.input.truncate(4 * 3);
  bad.output.truncate(4 * 2);
  rejects(&bad, "a batch cut short by one step");
  let mut bad = proof.clone();
  bad.segments[0].num_steps = 2;
  rejects(&bad, "a step count that disagrees with the batch");
  let mut bad = proof.clone();
  bad.segments[0].z0[1][0] ^= 1;
  rejects(&bad, "a batch that does not start from the initial state");
  let mut bad = proof.clone();
  bad.segments[0].zn[1][0] ^= 1;
  rejects(&bad, "a stated end state that is not the proven one");
  let mut bad = proof.clone();
  let s = &mut bad.segments[0].snark;
  let p = s.len() / 3;
  s[p] ^= 0x5a;
  rejects(&bad, "a flipped SNARK byte");
  // the batch's one secondary proof (crate::secondary): flipped, cut, or another batch's
  let mut bad = proof.clone();
  let p = bad.secondary.len() / 2;
  bad.secondary[p] ^= 0x21;
  rejects(&bad, "a flipped byte of the secondary proof");
  let mut bad = proof.clone();
  bad.secondary.truncate(bad.secondary.len() - 7);
  rejects(&bad, "a truncated secondary proof");
  let mut bad = proof.clone();
  bad.secondary = other.secondary.clone();
  rejects(&bad, "another batch's secondary proof");
  let mut bad = proof.clone();
  bad.output[0] += 1 << ST.act_bits;
  bad.output[1] -= 1;
  rejects(&bad, "an output aliasing the true one under packing");

  // foreign: a single-inference proof against the batch key, and the other way round
  let p = one_layer_per_step(&n);
  let (single, single_vk, _) =
    prove_with_key::<P>(&n, &p, &xs[0], &src, &Progress::default()).unwrap();
  assert!(verify(&vk, &single).is_err());
  assert!(verify(&single_vk, &proof).is_err());
  // a batch proof of another model
  let m = network(WeightMode::Public, 1, 4);
  let (foreign, _, _) = batch::prove::<P>(&m, items, &xs, &src, &Progress::default()).unwrap();
  assert!(matches!(
    verify(&vk, &foreign),
    Err(FoldError::ModelMismatch { .. })
  ));
  let mut relabelled = foreign.clone();
  relabelled.model_commitment = proof.model_commitment;
  rejects(&relabelled, "another model's batch proof relabelled");

  // bad requests are typed errors, never panics
  assert!(batch::prove::<P>(&n, items, &[], &src, &Progress::default()).is_err());
  assert!(batch::prove::<P>(&n, 0, &xs, &src, &Progress::default()).is_err());
  assert!(batch::prove::<P>(&n, items, &[vec![1000, 0, 0]], &src, &Progress::default()).is_err());
  let private = network(WeightMode::Private, 1, 3);
  assert!(batch::prove::<P>(&private, items, &xs, &src, &Progress::default()).is_err());
}

/// Proves with a checkpoint, cancelling once `cancel_at` steps are folded; returns the error
/// or the proof with the step it resumed from.
fn prove_checkpointed<P: Profile>(
  n: &Network,
  p: &folding_core::plan::Plan,
  x: &[i64],
  ck: &Checkpointer,
  cache: &std::path::Path,
  cancel_at: Option<u64>,
) -> Result<(ProofBundle, u64), FoldError> {
  let progress = Progress::default();
  std::thread::scope(|s| {
    if let Some(at) = cancel_at {
      let progress = &progress;
      s.spawn(move || {
        while progress.steps_done.load(Ordering::Relaxed) < at {
          std::thread::sleep(std::time::Duration::from_micros(100));
        }
        progress.cancel.store(true, Ordering::Relaxed);
      });
    }
    let out = prove_resumable::<P>(n, p, x, &source::<P>(Some(cache)), &progress, ck);
    progress.steps_done.store(u64::MAX, Ordering::Relaxed); // release the watcher
    out.map(|(proof, stats)| (proof, stats.resumed_from_step))
  })
}

#[test]
fn a_cancelled_proof_resumes_from_its_checkpoint_and_verifies() {
  resumes_from_checkpoint::<folding_core::engine::Pasta>();
}

fn resumes_from_checkpoint<P: Profile>() {
  // Private weights: the state a checkpoint must carry includes the weight hash chain. (The
  // public mode's resume runs through the API in tests/test_api.py, a segment's own in
  // parallel.rs, damaged checkpoints in tests/test_fuzz_artefacts.py.)
  let mode = WeightMode::Private;
  // Segments of 1, 4 and 1 steps: the cancel lands inside the middle one.
  let n = network(mode, 4, 3);
  let x = [2, -1, 4];
  let p = one_layer_per_step(&n);
  let dir = std::env::temp_dir().join(format!(
    "folding-ckpt-{}-{mode:?}-{}",
    std::process::id(),
    P::ID.name()
  ));
  let (path, cache) = (dir.join("proof.ckpt"), dir.join("params"));
  let (reference, vk, _) =
    prove_with_key::<P>(&n, &p, &x, &source::<P>(Some(&cache)), &Progress::default()).unwrap();
  let ck = Checkpointer::new(&path, 1, P::ID, &n, &p, &x);

  let err = prove_checkpointed::<P>(&n, &p, &x, &ck, &cache, Some(3))
    .err()
    .expect("cancelled");
  assert!(matches!(err, FoldError::Cancelled), "{err}");
  let saved = ck.load().expect("a checkpoint was kept");
  assert_eq!(saved.finished.len() as u64, saved.segment);
  assert!(saved.segment >= 1, "the first segment was finished");

  // Another input's checkpointer ignores it; a corrupt file is ignored too.
  assert!(Checkpointer::new(&path, 1, P::ID, &n, &p, &[0, 0, 0])
    .load()
    .is_none());
  let good = std::fs::read(&path).unwrap();
  let mut bad = good.clone();
  let last = bad.len() - 1;
  bad[last] ^= 1;
  std::fs::write(&path, &bad).unwrap();
  assert!(ck.load().is_none());
  std::fs::write(&path, &good).unwrap();

  let (resumed, from) = prove_checkpointed::<P>(&n, &p, &x, &ck, &cache, None).unwrap();
  assert!(from >= 3, "resumed from step {from}");
  assert!(
    !path.exists(),
    "the checkpoint is removed once the proof is done"
  );
  verify(&vk, &resumed).unwrap();
  assert_eq!(
    (resumed.model_commitment, &resumed.input, &resumed.output),
    (
      reference.model_commitment,
      &reference.input,
      &reference.output
    )
  );
  let _ = std::fs::remove_dir_all(&dir);
}
