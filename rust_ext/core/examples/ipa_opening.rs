//! One IPA opening of a random polynomial with nova-snark's prover and with ours (`FastIpa`),
//! on both curves: `cargo run --release --example ipa_opening -- 14 16` (log2 sizes).
use std::time::Instant;

use ff::Field;
type E1 = nova_snark::provider::PallasEngine;
type E2 = nova_snark::provider::VestaEngine;
use folding_core::ipa::FastIpa;
use nova_snark::{
  provider::{ipa_pc, pedersen::CommitmentEngine},
  traits::{
    commitment::CommitmentEngineTrait, evaluation::EvaluationEngineTrait, Engine,
    TranscriptEngineTrait,
  },
};
use rand::{rngs::StdRng, SeedableRng};

fn time_opening<E, EE>(log_n: usize) -> f64
where
  E: Engine<CE = CommitmentEngine<E>>,
  E::GE: nova_snark::provider::traits::DlogGroupExt,
  EE: EvaluationEngineTrait<E>,
{
  let mut rng = StdRng::seed_from_u64(log_n as u64);
  let n = 1usize << log_n;
  let ck = CommitmentEngine::<E>::setup(b"ipa-opening", n).unwrap();
  let (pk, _) = EE::setup(&ck).unwrap();
  let poly: Vec<E::Scalar> = (0..n).map(|_| E::Scalar::random(&mut rng)).collect();
  let point: Vec<E::Scalar> = (0..log_n).map(|_| E::Scalar::random(&mut rng)).collect();
  let comm = CommitmentEngine::<E>::commit(&ck, &poly, &E::Scalar::ZERO);
  let mut transcript = E::TE::new(b"ipa-opening");
  let start = Instant::now();
  EE::prove(
    &ck,
    &pk,
    &mut transcript,
    &comm,
    &poly,
    &point,
    &E::Scalar::ONE,
  )
  .unwrap();
  start.elapsed().as_secs_f64()
}

fn main() {
  let sizes: Vec<usize> = std::env::args()
    .skip(1)
    .filter_map(|s| s.parse().ok())
    .collect();
  let sizes = if sizes.is_empty() {
    vec![14, 16]
  } else {
    sizes
  };
  println!("log2 n | curve  | nova-snark ipa_pc (s) | FastIpa (s) | speed-up");
  for log_n in sizes {
    let up = time_opening::<E1, ipa_pc::EvaluationEngine<E1>>(log_n);
    let fast = time_opening::<E1, FastIpa<E1>>(log_n);
    println!(
      "{log_n:6} | Pallas | {up:21.3} | {fast:11.3} | {:.1}x",
      up / fast
    );
    let up = time_opening::<E2, ipa_pc::EvaluationEngine<E2>>(log_n);
    let fast = time_opening::<E2, FastIpa<E2>>(log_n);
    println!(
      "{log_n:6} | Vesta  | {up:21.3} | {fast:11.3} | {:.1}x",
      up / fast
    );
  }
}
