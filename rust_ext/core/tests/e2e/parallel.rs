//! Segments proven apart (what cluster workers do) assemble into the same statement as the
//! sequential proof and verify; mix-ups and wrong witnesses are refused; a segment resumes
//! from its own checkpoint.
use std::path::PathBuf;
use std::sync::atomic::Ordering;

use crate::common::{network, source};
use folding_core::checkpoint::Checkpointer;
use folding_core::engine::{Pasta, Profile};
use folding_core::keys::KeySource;
use folding_core::model::{Network, WeightMode};
use folding_core::parallel::{assemble, prove_one_segment, segment_step_inputs};
use folding_core::plan::{plan_from_segments, Plan};
use folding_core::proof::SegmentResult;
use folding_core::prover::{prove_with_key, Progress};
use folding_core::proof::{ProofBundle, VerifierKeyBundle};
use folding_core::verifier::VerifyOptions;
use folding_core::FoldError;

fn verify(vk: &VerifierKeyBundle, proof: &ProofBundle) -> Result<(), FoldError> {
  folding_core::verifier::verify(vk, proof, &VerifyOptions::default())
}

/// The 3 -> 4 head, the middle run cut in two, the tail: four segments of one layer per step.
fn four_segments(n: &Network) -> Plan {
  let middle = n.layers.len() - 2;
  let half = middle / 2;
  plan_from_segments(
    n,
    &[
      (0, 1, 1),
      (1, half, 1),
      (1 + half, middle - half, 1),
      (1 + middle, 1, 1),
    ],
  )
  .unwrap()
}

/// One parameter cache for this test binary: each segment shape is set up once.
fn cache() -> PathBuf {
  let dir = std::env::temp_dir().join(format!("folding-parallel-params-{}", std::process::id()));
  std::fs::create_dir_all(&dir).unwrap();
  dir
}

fn prove_apart<P: Profile>(n: &Network, p: &Plan, x: &[i64], si: usize) -> SegmentResult {
  let inputs = segment_step_inputs(n, p, si, x).unwrap();
  let cache = cache();
  let (seg, _) = prove_one_segment::<P>(
    n,
    p,
    si,
    x,
    &inputs,
    &source::<P>(Some(&cache)),
    &Progress::default(),
    None,
  )
  .unwrap();
  // Through the encoding a worker sends back.
  SegmentResult::from_bytes(&seg.to_bytes()).unwrap()
}

/// The error of a call that must fail (a proof bundle is too large to print on success).
fn refused<T>(r: Result<T, FoldError>) -> String {
  match r {
    Ok(_) => panic!("accepted what must be refused"),
    Err(e) => e.to_string(),
  }
}

for_each_profile!(segments_proven_apart_assemble_into_the_sequential_statement);
fn segments_proven_apart_assemble_into_the_sequential_statement<P: Profile>() {
  let cache = cache();
  // both weight modes on the transparent profile; the succinct one differs only in keys
  let modes: &[WeightMode] = if P::ID.needs_srs() {
    &[WeightMode::Public]
  } else {
    &[WeightMode::Public, WeightMode::Private]
  };
  for &mode in modes {
    let n = network(mode, 4, 2);
    let p = four_segments(&n);
    let x = [6, -2, 3];
    let (seq, vk, _) =
      prove_with_key::<P>(&n, &p, &x, &source::<P>(Some(&cache)), &Progress::default()).unwrap();
    let srs = seq.srs;

    // Out of order, each on its own.
    let parts: Vec<_> = (0..p.segments.len())
      .rev()
      .map(|si| prove_apart::<P>(&n, &p, &x, si))
      .collect();
    for part in &parts {
      let s = &seq
        .segments
        .iter()
        .find(|s| s.first_step == part.proof.first_step)
        .unwrap();
      assert_eq!(
        (&part.proof.z0, &part.proof.zn),
        (&s.z0, &s.zn),
        "{mode:?}: boundary states differ"
      );
    }
    let proof = assemble::<P>(&n, &p, &x, vk.commitment(), srs, parts.clone()).unwrap();
    assert_eq!(
      (&proof.model_commitment, &proof.input, &proof.output),
      (&seq.model_commitment, &seq.input, &seq.output)
    );
    verify(&vk, &proof).unwrap();

    // A missing segment, and another input's first segment, are refused at assembly (the
    // latter is a check of boundary states, the same code for both profiles: on the faster
    // one only, since the succinct one sets up every segment's keys again).
    let err = refused(assemble::<P>(&n, &p, &x, vk.commitment(), srs, parts[1..].to_vec()));
    assert!(err.contains("segment proofs"), "{err}");
    if P::ID.needs_srs() {
      continue;
    }
    let mut mixed = parts.clone();
    let first = mixed.len() - 1; // proven in reverse order
    mixed[first] = prove_apart::<P>(&n, &p, &[6, -2, 4], 0);
    let err = refused(assemble::<P>(&n, &p, &x, vk.commitment(), srs, mixed));
    assert!(err.contains("does not start where the input ends"), "{err}");
  }
}

#[test]
fn a_wrong_witness_and_a_wrong_segment_are_refused() {
  let n = network(WeightMode::Public, 4, 3);
  let p = four_segments(&n);
  let x = [1, 2, 3];
  let mut inputs = segment_step_inputs(&n, &p, 1, &x).unwrap();
  inputs[1][0] += 1;
  let cache = cache();
  let src = KeySource::cache(Some(&cache));
  let err = prove_one_segment::<Pasta>(&n, &p, 1, &x, &inputs, &src, &Progress::default(), None);
  assert!(
    matches!(&err, Err(FoldError::InvalidModel { reason }) if reason.contains("inconsistent")),
    "{err:?}"
  );
  let short = &inputs[..1];
  let none = KeySource::default();
  assert!(prove_one_segment::<Pasta>(&n, &p, 1, &x, short, &none, &Progress::default(), None).is_err());
  assert!(prove_one_segment::<Pasta>(&n, &p, 9, &x, &inputs, &none, &Progress::default(), None).is_err());
  assert!(SegmentResult::from_bytes(b"FOLDSEG\x01garbage").is_err());
}

#[test]
fn a_cancelled_segment_resumes_from_its_checkpoint() {
  let n = network(WeightMode::Public, 12, 4);
  let p = four_segments(&n);
  let x = [2, 0, -1];
  let dir = std::env::temp_dir().join(format!("folding-seg-ckpt-{}", std::process::id()));
  std::fs::create_dir_all(&dir).unwrap();
  let ck = Checkpointer::new(&dir.join("seg1.ckpt"), 1, Pasta::ID, &n, &p, &x);
  let inputs = segment_step_inputs(&n, &p, 1, &x).unwrap();
  let cache = cache();
  let src = KeySource::cache(Some(&cache));

  // Cancel after two steps (the cancel flag is read before each step).
  let progress = Progress::default();
  let cancelled = std::thread::scope(|s| {
    let h = s.spawn(|| {
      prove_one_segment::<Pasta>(&n, &p, 1, &x, &inputs, &src, &progress, Some(&ck))
    });
    while progress.steps_done.load(Ordering::Relaxed) < 2 {
      std::thread::yield_now();
    }
    progress.cancel.store(true, Ordering::Relaxed);
    h.join().unwrap()
  });
  assert!(
    matches!(cancelled, Err(FoldError::Cancelled)),
    "{cancelled:?}"
  );

  let (seg, stats) = prove_one_segment::<Pasta>(
    &n,
    &p,
    1,
    &x,
    &inputs,
    &KeySource::default(),
    &Progress::default(),
    Some(&ck),
  )
  .unwrap();
  assert!(
    stats.resumed_from_step > p.segments[1].first_step,
    "{stats:?}"
  );
  let vk = folding_core::prover::setup::<Pasta>(&n, &p, &src).unwrap();
  let mut parts: Vec<_> = [0, 2, 3]
    .iter()
    .map(|&si| prove_apart::<Pasta>(&n, &p, &x, si))
    .collect();
  parts.push(seg);
  let proof = assemble::<Pasta>(&n, &p, &x, vk.commitment(), None, parts).unwrap();
  let reference = folding_core::model::forward(&n, &x).unwrap();
  assert_eq!(&proof.output, reference.last().unwrap());
  verify(&vk, &proof).unwrap();
  let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn keys_kept_in_memory_are_set_up_once() {
  use folding_core::engine::Fr;
  use folding_core::keys::{keep_in_memory, load_or_setup};
  use folding_core::plan::segment_circuit;
  use std::sync::Arc;

  let n = network(WeightMode::Public, 2, 5);
  let p = four_segments(&n);
  let head = segment_circuit::<Fr<Pasta>>(&n, &p.segments[0]);
  let tail = segment_circuit::<Fr<Pasta>>(&n, &p.segments[3]);
  let none = KeySource::default();
  let load = |c| load_or_setup::<Pasta>(c, &none).unwrap();
  keep_in_memory(1);
  let a = load(&head);
  assert!(Arc::ptr_eq(&a, &load(&head)));
  load(&tail); // evicts the head's keys
  assert!(!Arc::ptr_eq(&a, &load(&head)));
  keep_in_memory(0);
  let b = load(&head);
  assert!(!Arc::ptr_eq(&b, &load(&head)));
}
