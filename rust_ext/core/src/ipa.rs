//! A faster prover for nova-snark's inner-product argument (same protocol, same transcript,
//! same proof bytes, nova-snark's own verifier), with a verifier key that stores only its
//! generator count.
//!
//! Why the prover: nova-snark 0.76's IPA prover folds the commitment generators with one
//! generic two-point MSM per pair (`G' = r⁻¹·G_lo + r·G_hi`), about 255 doublings and 600
//! additions each; with n generators that is n such MSMs per opening, and it was half of the
//! whole prove time (profile in BENCHMARKS.md). Here the generators are kept up to a common
//! factor σ instead: `G = σ·H` with `H' = H_lo + r²·H_hi` and `σ' = σ·r⁻¹`, so each pair costs
//! one multiplication by the *same* scalar r², whose NAF is computed once: about 255 doublings
//! and 50 additions. σ is folded into the MSM scalars of L and R, which the verifier never sees.
//!
//! Why the key: upstream's IPA verifier key is a copy of every commitment generator, which
//! made keys tens of MB and cold verification seconds of point decompression. The generators
//! are a public function of nova-snark's label (`crate::generators`), so the key here is their
//! count, and `verify` runs nova-snark's verifier with the machine's derived table. The
//! verifier key's digest, which Spartan absorbs into its transcript, then covers the count;
//! prover and verifier compute it from the same struct.
//!
//! Soundness does not depend on the prover: `verify` is nova-snark's, unchanged, and a wrong
//! prover can only produce proofs that fail it. Tests check that the argument is byte-equal
//! to nova-snark's own prover on the same transcript. The upstream argument and prover key
//! have private fields, so they are built and read through serde mirrors of their layout;
//! nova-snark is pinned (`=0.76.0`), and those tests fail if the layout ever changes.
use std::marker::PhantomData;

use ff::Field;
use group::{Curve, WnafBase, WnafScalar};
use halo2curves::CurveExt;
use nova_snark::{
  errors::NovaError,
  provider::{
    ipa_pc,
    pedersen::{Commitment, CommitmentEngine, CommitmentKey},
    traits::{DlogGroup, DlogGroupExt},
  },
  spartan::polys::eq::EqPolynomial,
  traits::{evaluation::EvaluationEngineTrait, Engine, TranscriptEngineTrait, TranscriptReprTrait},
};
use rayon::prelude::*;
use serde::{de::DeserializeOwned, Serialize};

/// Window of the shared NAF (a table of 2^(W-1) odd multiples per point); 5 measured best of 3-5.
const WNAF_WINDOW: usize = 5;
/// Points per Rayon task when scaling generators.
const CHUNK: usize = 256;

/// The IPA evaluation engine with the fast prover. Keys, arguments and verification are
/// nova-snark's `ipa_pc` ones.
#[derive(Clone, Debug)]
pub struct FastIpa<E>(PhantomData<E>);

type Affine<E> = <<E as Engine>::GE as DlogGroup>::AffineGroupElement;

impl<E> EvaluationEngineTrait<E> for FastIpa<E>
where
  E: Engine<CE = CommitmentEngine<E>> + 'static,
  E::GE: DlogGroupExt + CurveExt<ScalarExt = E::Scalar, AffineExt = Affine<E>>,
{
  type ProverKey = ipa_pc::ProverKey<E>;
  type VerifierKey = IpaVerifierKey;
  type EvaluationArgument = ipa_pc::InnerProductArgument<E>;

  fn setup(ck: &CommitmentKey<E>) -> Result<(Self::ProverKey, Self::VerifierKey), NovaError> {
    // The verifier will use the public table, so the key must be (a prefix of) it: nova's
    // public parameters derive theirs from the same label; check the first generators.
    let expected = E::GE::from_label(crate::generators::LABEL, 3);
    let n = ck.generators().len();
    if n == 0 || ck.generators()[..n.min(2)] != expected[1..1 + n.min(2)] {
      return Err(NovaError::InvalidCommitmentKeyLength);
    }
    let (pk, _) = ipa_pc::EvaluationEngine::<E>::setup(ck)?;
    Ok((pk, IpaVerifierKey { generators: n as u64 }))
  }

  fn prove(
    ck: &CommitmentKey<E>,
    pk: &Self::ProverKey,
    transcript: &mut E::TE,
    comm: &Commitment<E>,
    poly: &[E::Scalar],
    point: &[E::Scalar],
    eval: &E::Scalar,
  ) -> Result<Self::EvaluationArgument, NovaError> {
    let b_vec = EqPolynomial::new(point.to_vec()).evals();
    let inner_base = inner_product_base::<E>(pk)?;
    let (l_vec, r_vec, a_hat) =
      prove_ipa::<E>(ck, inner_base, transcript, comm, poly, b_vec, eval)?;
    reinterpret(&MirrorArgument::<E> {
      l_vec,
      r_vec,
      a_hat,
    })
  }

  fn verify(
    vk: &Self::VerifierKey,
    transcript: &mut E::TE,
    comm: &Commitment<E>,
    point: &[E::Scalar],
    eval: &E::Scalar,
    arg: &Self::EvaluationArgument,
  ) -> Result<(), NovaError> {
    let n = usize::try_from(vk.generators).map_err(|_| NovaError::InvalidCommitmentKeyLength)?;
    // Upstream's key has exactly n generators and would not open a longer vector.
    if point.len() >= usize::BITS as usize || (1usize << point.len()) > n {
      return Err(NovaError::InvalidCommitmentKeyLength);
    }
    let table = crate::generators::ipa_verifier_key::<E>(n)?;
    ipa_pc::EvaluationEngine::<E>::verify(&table.1, transcript, comm, point, eval, arg)
  }
}

/// The IPA verifier key: how many of the public generators the committed vectors use.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct IpaVerifierKey {
  /// Generators of the commitment key (the table's first `generators` points).
  pub generators: u64,
}

/// The same fields in the same order as `ipa_pc::InnerProductArgument` (private upstream),
/// so that its serde encoding is identical; `reinterpret` turns one into the other.
#[derive(Serialize)]
#[serde(bound = "")]
struct MirrorArgument<E: Engine<CE = CommitmentEngine<E>>>
where
  E::GE: DlogGroup,
{
  l_vec: Vec<Commitment<E>>,
  r_vec: Vec<Commitment<E>>,
  a_hat: E::Scalar,
}

/// The same fields as `ipa_pc::ProverKey`: the one generator the inner product is committed
/// with.
#[derive(serde::Deserialize)]
#[serde(bound = "")]
struct MirrorProverKey<E: Engine<CE = CommitmentEngine<E>>>
where
  E::GE: DlogGroup,
{
  ck_s: CommitmentKey<E>,
}

/// Re-reads the serde encoding of one type as another with the same layout.
fn reinterpret<A: Serialize, B: DeserializeOwned>(a: &A) -> Result<B, NovaError> {
  let cfg = bincode::config::standard();
  let bytes = bincode::serde::encode_to_vec(a, cfg).map_err(|_| NovaError::InternalError)?;
  let (b, read) =
    bincode::serde::decode_from_slice(&bytes, cfg).map_err(|_| NovaError::InternalError)?;
  if read != bytes.len() {
    return Err(NovaError::InternalError);
  }
  Ok(b)
}

/// The generator that the prover key commits the inner product with (`ck_s` upstream).
fn inner_product_base<E>(pk: &ipa_pc::ProverKey<E>) -> Result<Affine<E>, NovaError>
where
  E: Engine<CE = CommitmentEngine<E>>,
  E::GE: DlogGroupExt,
{
  let key: MirrorProverKey<E> = reinterpret(pk)?;
  key
    .ck_s
    .generators()
    .first()
    .copied()
    .ok_or(NovaError::InternalError)
}

/// A point as a commitment (a commitment is its point; the encodings are the same).
fn as_commitment<E>(p: &E::GE) -> Result<Commitment<E>, NovaError>
where
  E: Engine<CE = CommitmentEngine<E>>,
  E::GE: DlogGroup,
{
  reinterpret(p)
}

/// What the upstream prover absorbs as the instance `U`: the commitment and the claimed value
/// (the evaluation vector comes from the transcript, so it is not absorbed).
struct InstanceRepr<'a, E: Engine<CE = CommitmentEngine<E>>>
where
  E::GE: DlogGroup,
{
  comm: &'a Commitment<E>,
  eval: E::Scalar,
}

impl<E> TranscriptReprTrait<E::GE> for InstanceRepr<'_, E>
where
  E: Engine<CE = CommitmentEngine<E>>,
  E::GE: DlogGroup,
{
  fn to_transcript_bytes(&self) -> Vec<u8> {
    [
      self.comm.to_transcript_bytes(),
      self.eval.to_transcript_bytes(),
    ]
    .concat()
  }
}

/// The IPA rounds; returns (L_vec, R_vec, a_hat).
#[allow(clippy::type_complexity)]
fn prove_ipa<E>(
  ck: &CommitmentKey<E>,
  inner_base: Affine<E>,
  transcript: &mut E::TE,
  comm: &Commitment<E>,
  poly: &[E::Scalar],
  mut b_vec: Vec<E::Scalar>,
  eval: &E::Scalar,
) -> Result<(Vec<Commitment<E>>, Vec<Commitment<E>>, E::Scalar), NovaError>
where
  E: Engine<CE = CommitmentEngine<E>>,
  E::GE: DlogGroupExt + CurveExt<ScalarExt = E::Scalar, AffineExt = Affine<E>>,
{
  let n = b_vec.len();
  if poly.len() != n || !n.is_power_of_two() || ck.generators().len() < n {
    return Err(NovaError::InvalidInputLength);
  }
  transcript.dom_sep(b"IPA");
  transcript.absorb(b"U", &InstanceRepr::<E> { comm, eval: *eval });
  let r = transcript.squeeze(b"r")?;
  let q = (E::GE::group(&inner_base) * r).to_affine();

  // True generators are sigma·h.
  let mut h: Vec<Affine<E>> = ck.generators()[..n].to_vec();
  let mut sigma = E::Scalar::ONE;
  let mut a_vec = poly.to_vec();
  let mut l_vec = Vec::with_capacity(n.ilog2() as usize);
  let mut r_vec = Vec::with_capacity(n.ilog2() as usize);
  while a_vec.len() > 1 {
    let m = a_vec.len() / 2;
    let (a_lo, a_hi) = a_vec.split_at(m);
    let (b_lo, b_hi) = b_vec.split_at(m);
    let (h_lo, h_hi) = h.split_at(m);
    let c_l = inner_product(a_lo, b_hi);
    let c_r = inner_product(a_hi, b_lo);
    let l = cross_commitment::<E>(a_lo, sigma, h_hi, c_l, q);
    let r_point = cross_commitment::<E>(a_hi, sigma, h_lo, c_r, q);
    let (l, r_point) = (as_commitment::<E>(&l)?, as_commitment::<E>(&r_point)?);
    transcript.absorb(b"L", &l);
    transcript.absorb(b"R", &r_point);
    l_vec.push(l);
    r_vec.push(r_point);

    let r = transcript.squeeze(b"r")?;
    let r_inv: E::Scalar = Option::from(r.invert()).ok_or(NovaError::InternalError)?;
    let a_next: Vec<E::Scalar> = a_lo
      .par_iter()
      .zip(a_hi.par_iter())
      .map(|(lo, hi)| *lo * r + r_inv * *hi)
      .collect();
    let b_next: Vec<E::Scalar> = b_lo
      .par_iter()
      .zip(b_hi.par_iter())
      .map(|(lo, hi)| *lo * r_inv + r * *hi)
      .collect();
    if m > 1 {
      h = fold_generators::<E::GE>(h_lo, h_hi, &r.square());
    }
    sigma *= r_inv;
    a_vec = a_next;
    b_vec = b_next;
  }
  Ok((l_vec, r_vec, a_vec[0]))
}

/// `<a, sigma·bases> + c·q`, one MSM.
fn cross_commitment<E>(
  a: &[E::Scalar],
  sigma: E::Scalar,
  bases: &[Affine<E>],
  c: E::Scalar,
  q: Affine<E>,
) -> E::GE
where
  E: Engine,
  E::GE: DlogGroupExt,
{
  let scalars: Vec<E::Scalar> = a
    .par_iter()
    .map(|x| *x * sigma)
    .chain(rayon::iter::once(c))
    .collect();
  let points: Vec<Affine<E>> = bases.iter().copied().chain(std::iter::once(q)).collect();
  E::GE::vartime_multiscalar_mul(&scalars, &points)
}

fn inner_product<F: Field>(a: &[F], b: &[F]) -> F {
  a.par_iter()
    .zip(b.par_iter())
    .map(|(x, y)| *x * *y)
    .reduce(|| F::ZERO, |x, y| x + y)
}

/// `lo[i] + s·hi[i]` for every i, in affine form. The scalar's NAF is computed once and
/// shared by all points.
fn fold_generators<C>(
  lo: &[C::AffineExt],
  hi: &[C::AffineExt],
  s: &C::ScalarExt,
) -> Vec<C::AffineExt>
where
  C: CurveExt,
{
  let scalar = WnafScalar::<C::ScalarExt, WNAF_WINDOW>::new(s);
  let mut out = vec![C::AffineExt::default(); lo.len()];
  out
    .par_chunks_mut(CHUNK)
    .zip(lo.par_chunks(CHUNK).zip(hi.par_chunks(CHUNK)))
    .for_each(|(out, (lo, hi))| {
      let sums: Vec<C> = lo
        .iter()
        .zip(hi)
        .map(|(l, h)| &WnafBase::<C, WNAF_WINDOW>::new(C::from(*h)) * &scalar + *l)
        .collect();
      C::batch_normalize(&sums, out);
    });
  out
}

#[cfg(test)]
mod tests {
  use super::*;
  type E1 = nova_snark::provider::PallasEngine;
  type E2 = nova_snark::provider::VestaEngine;
  use ff::Field;
  use halo2curves::pasta::{Pallas, Vesta};
  use nova_snark::{
    provider::keccak::Keccak256Transcript, traits::commitment::CommitmentEngineTrait,
  };
  use rand::{rngs::StdRng, SeedableRng};

  fn check_fold<C: CurveExt>(seed: u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    let lo: Vec<C::AffineExt> = (0..300).map(|_| C::random(&mut rng).to_affine()).collect();
    let hi: Vec<C::AffineExt> = (0..300).map(|_| C::random(&mut rng).to_affine()).collect();
    for s in [
      C::ScalarExt::ZERO,
      C::ScalarExt::ONE,
      -C::ScalarExt::ONE,
      C::ScalarExt::random(&mut rng),
    ] {
      let folded = fold_generators::<C>(&lo, &hi, &s);
      for i in 0..lo.len() {
        let expected = (C::from(hi[i]) * s + lo[i]).to_affine();
        assert!(folded[i] == expected, "point {i}");
      }
    }
  }

  #[test]
  fn generator_fold_matches_scalar_multiplication() {
    check_fold::<Pallas>(2);
    check_fold::<Vesta>(3);
  }

  /// The argument must be byte-equal to nova-snark's prover on the same transcript, and pass
  /// nova-snark's verifier; a tampered one must not.
  fn check_against_upstream<E>(log_n: usize, seed: u64)
  where
    E: Engine<CE = CommitmentEngine<E>, TE = Keccak256Transcript<E>> + 'static,
    E::GE: DlogGroupExt + CurveExt<ScalarExt = E::Scalar, AffineExt = Affine<E>>,
  {
    let mut rng = StdRng::seed_from_u64(seed);
    let n = 1usize << log_n;
    let ck = CommitmentEngine::<E>::setup(crate::generators::LABEL, n).unwrap();
    let (pk, vk) = FastIpa::<E>::setup(&ck).unwrap();
    let poly: Vec<E::Scalar> = (0..n).map(|_| E::Scalar::random(&mut rng)).collect();
    let point: Vec<E::Scalar> = (0..log_n).map(|_| E::Scalar::random(&mut rng)).collect();
    let eq = EqPolynomial::new(point.clone()).evals();
    let eval: E::Scalar = poly.iter().zip(&eq).map(|(a, b)| *a * *b).sum();
    let comm = CommitmentEngine::<E>::commit(&ck, &poly, &E::Scalar::ZERO);

    let mut t_ours = E::TE::new(b"test");
    let ours = FastIpa::<E>::prove(&ck, &pk, &mut t_ours, &comm, &poly, &point, &eval).unwrap();
    let mut t_up = E::TE::new(b"test");
    let upstream =
      ipa_pc::EvaluationEngine::<E>::prove(&ck, &pk, &mut t_up, &comm, &poly, &point, &eval)
        .unwrap();
    let cfg = bincode::config::standard();
    let ours_bytes = bincode::serde::encode_to_vec(&ours, cfg).unwrap();
    assert_eq!(
      ours_bytes,
      bincode::serde::encode_to_vec(&upstream, cfg).unwrap()
    );

    let mut t_v = E::TE::new(b"test");
    FastIpa::<E>::verify(&vk, &mut t_v, &comm, &point, &eval, &ours).unwrap();
    let mut t_bad = E::TE::new(b"test");
    let wrong = eval + E::Scalar::ONE;
    assert!(FastIpa::<E>::verify(&vk, &mut t_bad, &comm, &point, &wrong, &ours).is_err());
    // A flipped byte in a_hat (the last field) is rejected or does not decode.
    let mut bad = ours_bytes.clone();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    if let Ok((forged, _)) =
      bincode::serde::decode_from_slice::<ipa_pc::InnerProductArgument<E>, _>(&bad, cfg)
    {
      let mut t_f = E::TE::new(b"test");
      assert!(FastIpa::<E>::verify(&vk, &mut t_f, &comm, &point, &eval, &forged).is_err());
    }
  }

  #[test]
  fn argument_equals_upstream_and_verifies() {
    for log_n in [1, 2, 5, 9] {
      check_against_upstream::<E1>(log_n, 10 + log_n as u64);
      check_against_upstream::<E2>(log_n, 20 + log_n as u64);
      // the succinct profile's secondary curve
      check_against_upstream::<nova_snark::provider::GrumpkinEngine>(log_n, 30 + log_n as u64);
    }
  }

  #[test]
  fn wrong_lengths_are_errors() {
    type F = <E1 as Engine>::Scalar;
    let ck = CommitmentEngine::<E1>::setup(crate::generators::LABEL, 4).unwrap();
    let (pk, _) = FastIpa::<E1>::setup(&ck).unwrap();
    let comm = CommitmentEngine::<E1>::commit(&ck, &[F::ONE; 4], &F::ZERO);
    let prove = |poly_len: usize, vars: usize| {
      let mut t = <E1 as Engine>::TE::new(b"t");
      let (poly, point) = (vec![F::ONE; poly_len], vec![F::ONE; vars]);
      FastIpa::<E1>::prove(&ck, &pk, &mut t, &comm, &poly, &point, &F::ONE)
    };
    assert!(
      prove(3, 2).is_err(),
      "polynomial shorter than the point's hypercube"
    );
    assert!(
      prove(8, 3).is_err(),
      "more generators needed than the key has"
    );
    // the verifier key states its generator count and opens nothing longer
    let (_, vk) = FastIpa::<E1>::setup(&ck).unwrap();
    assert_eq!(vk.generators, 4);
    let big = CommitmentEngine::<E1>::setup(crate::generators::LABEL, 8).unwrap();
    let (big_pk, _) = FastIpa::<E1>::setup(&big).unwrap();
    let poly = [F::ONE; 8];
    let point = [F::ONE, F::ZERO, F::ONE];
    let eq = EqPolynomial::new(point.to_vec()).evals();
    let eval: F = poly.iter().zip(&eq).map(|(a, b)| *a * *b).sum();
    let comm8 = CommitmentEngine::<E1>::commit(&big, &poly, &F::ZERO);
    let mut t = <E1 as Engine>::TE::new(b"t");
    let arg = FastIpa::<E1>::prove(&big, &big_pk, &mut t, &comm8, &poly, &point, &eval).unwrap();
    let mut t = <E1 as Engine>::TE::new(b"t");
    assert!(FastIpa::<E1>::verify(&vk, &mut t, &comm8, &point, &eval, &arg).is_err());
    let (_, big_vk) = FastIpa::<E1>::setup(&big).unwrap();
    let mut t = <E1 as Engine>::TE::new(b"t");
    FastIpa::<E1>::verify(&big_vk, &mut t, &comm8, &point, &eval, &arg).unwrap();
    // a commitment key that is not the public table is refused at setup
    let foreign = CommitmentEngine::<E1>::setup(b"not the public label", 4).unwrap();
    assert!(FastIpa::<E1>::setup(&foreign).is_err());
  }
}
