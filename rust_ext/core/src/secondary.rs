//! One secondary proof for a whole model, however many segments it has.
//!
//! Every segment's `CompressedSNARK` ends in two SNARKs: the primary one (the segment's own
//! circuit) and the secondary one, which proves the satisfiability of one relaxed instance of
//! Nova's verifier circuit: a circuit that is the same for every segment and every model. The
//! secondary SNARK is most of a verification (an IPA over `2^14` generators), so doing it once
//! per model instead of once per segment is what keeps verification flat in the number of
//! segments.
//!
//! How, without changing nova-snark: the profile's secondary SNARK is [`Deferred`]. Nova's own
//! `CompressedSNARK::prove` and `verify` run unchanged (every check of the secondary's binding
//! to the segment's states, the three folds, the derandomization); where they would prove
//! and verify the secondary SNARK, `Deferred` only *states* the derandomized secondary
//! instance `U_k` (and, until the bundle is assembled, hands its witness to our prover), and
//! `Deferred::verify` accepts exactly when the stated instance equals the one nova-snark's
//! verifier derived. The bundle then folds `U_1 … U_K` into one instance with nova-snark's
//! `NIFSRelaxed` and proves it once with the real secondary SNARK ([`SecondaryProof`]).
//!
//! # Soundness
//!
//! 1. For each segment, nova-snark's `CompressedSNARK::verify` succeeds only if the instance
//!    it derives equals the stated `U_k` ([`Deferred::verify`]); everything else it checks is
//!    unchanged. So after it returns, `U_k` is the instance whose satisfiability the original
//!    verifier would have asked the secondary SNARK to prove.
//! 2. `NIFSRelaxed` is Nova's folding of two relaxed instances of one shape: its challenge
//!    `r` is squeezed from a random oracle after absorbing both instances and the commitment
//!    to the cross term, so a satisfying witness of the folded instance yields (by the
//!    folding scheme's knowledge soundness) satisfying witnesses of both. Folding `U_1 … U_K`
//!    in order and proving the last one therefore proves every `U_k`. All `U_k` are instances
//!    of one shape (Nova's verifier circuit over the profile's cycle) under one commitment key
//!    (the label's), which is what the folding needs; the verifier uses its own derived shape
//!    and key ([`crate::vk::SharedParts`]).
//! 3. The fold's transcript is domain-separated by [`fold_domain`] (the model commitment), so
//!    fold proofs of one bundle mean nothing in another.
//! 4. The folded witness is blinded by the fold's cross-term randomness; like nova-snark's
//!    own derandomization, the proof states the blinds so the final SNARK sees a plain
//!    commitment. Each `U_k` already folds in a random instance (nova-snark's zero-knowledge
//!    step), so the witness the final SNARK proves is masked.
//!
//! The tests below check that a segment verifies with the deferred secondary exactly when
//! nova-snark's own `CompressedSNARK` over the real secondary SNARK does (same end state, and
//! the final proof of its one instance verifies), and that a tampered instance, fold, blind,
//! final SNARK or spliced segment is rejected.
use std::marker::PhantomData;

use ff::{Field, PrimeField};
use nova_snark::{
  errors::NovaError,
  nova::nifs::{NIFSRelaxed, NIFS},
  r1cs::{R1CSInstance, R1CSShape, RelaxedR1CSInstance, RelaxedR1CSWitness},
  traits::{
    commitment::CommitmentEngineTrait,
    snark::{DigestHelperTrait, RelaxedR1CSSNARKTrait},
    Engine,
  },
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::engine::{Compressed, Profile, S2};
use crate::error::FoldError;

type Result<T> = std::result::Result<T, FoldError>;
use crate::proof::{from_slice, to_vec};
use crate::vk::SecondaryVerifier;

type CommitmentKey<E> = <<E as Engine>::CE as CommitmentEngineTrait<E>>::CommitmentKey;

/// The secondary SNARK of a segment's `CompressedSNARK`: the derandomized secondary instance,
/// and (only on its way from the prover to the bundle's assembly) its witness.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(bound = "")]
pub struct Deferred<E: Engine, S> {
  /// The instance nova-snark's verifier must derive.
  pub instance: RelaxedR1CSInstance<E>,
  /// Its witness; never part of a proof that leaves the prover.
  pub witness: Option<RelaxedR1CSWitness<E>>,
  #[serde(skip)]
  _final: PhantomData<S>,
}

/// [`Deferred`]'s verifier key: nothing (the final SNARK's key is in the shared parts).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct DeferredKey;

impl<E: Engine> DigestHelperTrait<E> for DeferredKey {
  fn digest(&self) -> E::Scalar {
    // Nothing absorbs it: the deferred SNARK has no transcript, and nova-snark's parameter
    // digest does not cover compression keys.
    E::Scalar::ZERO
  }
}

impl<E: Engine, S: RelaxedR1CSSNARKTrait<E>> RelaxedR1CSSNARKTrait<E> for Deferred<E, S> {
  type ProverKey = ();
  type VerifierKey = DeferredKey;

  fn ck_floor() -> Box<dyn for<'a> Fn(&'a R1CSShape<E>) -> usize> {
    // The commitment key must be the final SNARK's.
    S::ck_floor()
  }

  fn setup(
    _ck: &CommitmentKey<E>,
    _s: &R1CSShape<E>,
  ) -> std::result::Result<(Self::ProverKey, Self::VerifierKey), NovaError> {
    Ok(((), DeferredKey))
  }

  fn prove(
    _ck: &CommitmentKey<E>,
    _pk: &Self::ProverKey,
    _s: &R1CSShape<E>,
    u: &RelaxedR1CSInstance<E>,
    w: &RelaxedR1CSWitness<E>,
  ) -> std::result::Result<Self, NovaError> {
    Ok(Deferred {
      instance: u.clone(),
      witness: Some(w.clone()),
      _final: PhantomData,
    })
  }

  fn verify(&self, _vk: &Self::VerifierKey, u: &RelaxedR1CSInstance<E>) -> std::result::Result<(), NovaError> {
    if self.witness.is_some() {
      return Err(NovaError::ProofVerifyError {
        reason: "a proof carries a secondary witness".into(),
      });
    }
    if self.instance != *u {
      return Err(NovaError::ProofVerifyError {
        reason: "the stated secondary instance is not the one the segment's folds give".into(),
      });
    }
    Ok(())
  }
}

/// The folds of every segment's secondary instance into one, and the one SNARK of it.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(bound = "")]
pub struct SecondaryProof<E: Engine, S: RelaxedR1CSSNARKTrait<E>> {
  /// `folds[k - 1]` folds segment `k`'s instance into the first `k` segments' fold.
  pub folds: Vec<NIFSRelaxed<E>>,
  /// Blinds of the folded instance's commitments (to the witness, to the error).
  pub blinds: (E::Scalar, E::Scalar),
  /// The secondary SNARK of the folded, derandomized instance.
  pub snark: S,
}

/// The fold transcripts' domain: the model commitment as a scalar.
pub fn fold_domain<F: PrimeField>(commitment: &[u8; 32]) -> F {
  let h = Sha256::new()
    .chain_update(b"folding/secondary-folds/v1")
    .chain_update(commitment)
    .finalize();
  // 31 bytes: below either profile's secondary field modulus.
  let mut repr = F::Repr::default();
  repr.as_mut()[..31].copy_from_slice(&h[..31]);
  F::from_repr(repr).unwrap_or(F::ZERO)
}

/// A segment's derandomized secondary instance and its witness: what the model's one
/// secondary proof folds. It leaves the prover only towards the bundle's assembly.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(bound = "")]
pub struct SecondaryPart<P: Profile> {
  /// The instance (also stated in the segment's proof).
  pub instance: RelaxedR1CSInstance<P::E2>,
  /// Its witness.
  pub witness: RelaxedR1CSWitness<P::E2>,
}

type E1<P> = <P as Profile>::E1;
type E2<P> = <P as Profile>::E2;
type Scalar1<P> = <E1<P> as Engine>::Scalar;
type Scalar2<P> = <E2<P> as Engine>::Scalar;

/// nova-snark's `CompressedSNARK` field by field (private upstream; the phantom field encodes
/// to nothing), to take the deferred secondary's witness out of a segment's proof and to read
/// its stated instance. `tests::the_deferred_secondary_agrees_with_nova_snarks_own_compression`
/// pins it (nova-snark's bytes decode and re-encode unchanged).
#[derive(Serialize, Deserialize)]
#[serde(bound = "")]
struct CompressedLayout<P: Profile> {
  r_u_secondary: RelaxedR1CSInstance<E2<P>>,
  ri_secondary: Scalar2<P>,
  l_u_secondary: R1CSInstance<E2<P>>,
  nifs_uf_secondary: NIFS<E2<P>>,
  l_ur_secondary: RelaxedR1CSInstance<E2<P>>,
  nifs_un_secondary: NIFSRelaxed<E2<P>>,
  r_u_primary: RelaxedR1CSInstance<E1<P>>,
  ri_primary: Scalar1<P>,
  l_ur_primary: RelaxedR1CSInstance<E1<P>>,
  nifs_un_primary: NIFSRelaxed<E1<P>>,
  wit_blind_r_wn_primary: Scalar1<P>,
  err_blind_r_wn_primary: Scalar1<P>,
  wit_blind_r_wn_secondary: Scalar2<P>,
  err_blind_r_wn_secondary: Scalar2<P>,
  snark_primary: P::S1,
  snark_secondary: S2<P>,
  zn: Vec<Scalar1<P>>,
}

/// A segment's compressed SNARK as a proof carries it (the deferred secondary without its
/// witness), and the secondary part the bundle folds.
pub(crate) fn take_part<P: Profile>(snark: &Compressed<P>) -> Result<(Vec<u8>, SecondaryPart<P>)> {
  let mut layout: CompressedLayout<P> = from_slice("segment SNARK", &to_vec(snark))?;
  let witness = layout
    .snark_secondary
    .witness
    .take()
    .ok_or_else(|| FoldError::model("a segment's SNARK holds no secondary witness"))?;
  let part = SecondaryPart {
    instance: layout.snark_secondary.instance.clone(),
    witness,
  };
  Ok((to_vec(&layout), part))
}

/// The secondary instance a segment's proof states (nova-snark's verifier checks it).
pub(crate) fn stated_instance<P: Profile>(snark: &[u8]) -> Result<RelaxedR1CSInstance<P::E2>> {
  let layout: CompressedLayout<P> = from_slice("segment SNARK", snark)?;
  Ok(layout.snark_secondary.instance)
}

/// Folds the segments' secondary parts (in segment order) into one instance and proves it:
/// the encoded [`SecondaryProof`] a proof bundle carries.
pub fn prove_parts<P: Profile>(commitment: &[u8; 32], parts: Vec<SecondaryPart<P>>) -> Result<Vec<u8>> {
  let shared = crate::vk::shared::<P>()?;
  let keys = &shared.prover;
  let domain = fold_domain::<Scalar2<P>>(commitment);
  let fail = |source| FoldError::Proving {
    stage: "secondary proof",
    source,
  };
  let mut parts = parts.into_iter();
  let first = parts
    .next()
    .ok_or_else(|| FoldError::model("a proof has at least one segment"))?;
  let (mut u, mut w) = (first.instance, first.witness);
  let mut folds = Vec::new();
  for part in parts {
    let (nifs, (u_next, w_next)) = NIFSRelaxed::prove(
      &keys.ck,
      &keys.ro_consts,
      &domain,
      &keys.shape,
      &u,
      &w,
      &part.instance,
      &part.witness,
    )
    .map_err(fail)?;
    folds.push(nifs);
    (u, w) = (u_next, w_next);
  }
  let (w_plain, r_w, r_e) = w.derandomize();
  let u_plain = u.derandomize(&keys.dk, &r_w, &r_e);
  let snark = P::S2Final::prove(&keys.ck, &keys.pk, &keys.shape, &u_plain, &w_plain).map_err(fail)?;
  Ok(to_vec(&SecondaryProof::<P::E2, P::S2Final> {
    folds,
    blinds: (r_w, r_e),
    snark,
  }))
}

/// Checks a bundle's encoded [`SecondaryProof`] for the segments' secondary instances (in
/// segment order), each already matched by nova-snark's verifier ([`Deferred::verify`]).
pub fn verify_parts<P: Profile>(
  verifier: &SecondaryVerifier<P>,
  commitment: &[u8; 32],
  instances: &[RelaxedR1CSInstance<P::E2>],
  proof: &[u8],
) -> Result<()> {
  let proof: SecondaryProof<P::E2, P::S2Final> = from_slice("secondary proof", proof)
    .map_err(|e| FoldError::invalid(format!("malformed secondary proof ({e})")))?;
  let (first, rest) = instances
    .split_first()
    .ok_or_else(|| FoldError::invalid("the proof has no segments"))?;
  if proof.folds.len() != rest.len() {
    return Err(FoldError::invalid(format!(
      "the secondary proof folds {} segments, the proof has {}",
      proof.folds.len() + 1,
      instances.len()
    )));
  }
  let domain = fold_domain::<Scalar2<P>>(commitment);
  let bad = |e: NovaError| FoldError::invalid(format!("the secondary proof does not verify ({e})"));
  let mut u = first.clone();
  for (nifs, u2) in proof.folds.iter().zip(rest) {
    u = nifs.verify(&verifier.ro_consts, &domain, &u, u2).map_err(bad)?;
  }
  let u_plain = u.derandomize(&verifier.dk, &proof.blinds.0, &proof.blinds.1);
  proof.snark.verify(&verifier.vk, &u_plain).map_err(bad)
}

#[cfg(test)]
mod tests {
  use super::*;
  use crate::engine::{Fr, Pasta, Recursive};
  use crate::keys::{load_or_setup, KeySource};
  use crate::model::{DenseLayer, Network, Settings, WeightMode};
  use crate::plan::{plan, segment_circuit, PlanOptions};
  use crate::proof::ProofBundle;
  use crate::prover::{prove_with_key, step_witness, Progress};
  use crate::verifier::{verify, VerifyOptions};
  use nova_snark::nova::CompressedSNARK;
  use std::sync::Arc;

  type P = Pasta;

  fn net(depth: usize, mode: WeightMode) -> Network {
    let st = Settings {
      act_bits: 8,
      weight_bits: 6,
      shift: 3,
    };
    let layers: Vec<DenseLayer> = (0..depth)
      .map(|l| DenseLayer {
        n_in: 3,
        n_out: 3,
        relu: l + 1 < depth,
        weight: (0..9).map(|k| (k * 5 + l as i64) % 7 - 3).collect(),
        bias: vec![1, -2, 0],
      })
      .collect();
    let salts = (0..depth).map(|l| [l as u8; 32]).collect();
    Network::new(st, layers, mode, salts).unwrap()
  }

  /// Folds a network's first segment and returns its keys, accumulator and step count.
  fn fold(n: &Network) -> (Arc<crate::keys::SegmentKeys<P>>, Recursive<P>, usize) {
    let p = plan(
      n,
      &PlanOptions {
        layers_per_step: Some(1),
        ..Default::default()
      },
    )
    .unwrap();
    let seg = &p.segments[0];
    let circuit = segment_circuit::<Fr<P>>(n, seg);
    let keys = load_or_setup::<P>(&circuit, &KeySource::default()).unwrap();
    let x = vec![3, -1, 2];
    let z0 = crate::prover::initial_state::<Fr<P>>(n.mode, n.settings.act_bits, &x);
    let mut act = x;
    let mut rs: Option<Recursive<P>> = None;
    for k in 0..seg.num_steps {
      let (w, out) = step_witness(n, seg, &circuit, k, &act).unwrap();
      act = out;
      let step = crate::circuit::FoldStep {
        segment: circuit.clone(),
        witness: Some(Arc::new(w)),
      };
      let r = rs.get_or_insert_with(|| Recursive::<P>::new(&keys.pp, &step, &z0).unwrap());
      r.prove_step(&keys.pp, &step).unwrap();
    }
    (keys, rs.unwrap(), seg.num_steps)
  }

  #[test]
  fn the_deferred_secondary_agrees_with_nova_snarks_own_compression() {
    let n = net(3, WeightMode::Public);
    let (keys, rs, steps) = fold(&n);
    let z0 = crate::prover::initial_state::<Fr<P>>(n.mode, n.settings.act_bits, &[3, -1, 2]);

    // upstream: the real secondary SNARK inside the compressed SNARK
    type Upstream = CompressedSNARK<
      <P as Profile>::E1,
      <P as Profile>::E2,
      crate::engine::Step<P>,
      <P as Profile>::S1,
      <P as Profile>::S2Final,
    >;
    let (upk, uvk) = Upstream::setup(&keys.pp).unwrap();
    let upstream = Upstream::prove(&keys.pp, &upk, &rs).unwrap();
    let zn_up = upstream.verify(&uvk, steps, &z0).unwrap();

    // ours: the deferred secondary, then one final secondary proof
    let snark = Compressed::<P>::prove(&keys.pp, &keys.pk, &rs).unwrap();
    let (bytes, part) = take_part::<P>(&snark).unwrap();
    let stated: Compressed<P> = from_slice("snark", &bytes).unwrap();
    let zn = stated.verify(&keys.vk, steps, &z0).unwrap();
    assert_eq!(zn, zn_up, "both verifiers prove the same end state");
    assert_eq!(stated_instance::<P>(&bytes).unwrap(), part.instance);
    // the layout mirror re-encodes nova-snark's bytes exactly
    assert_eq!(to_vec(&stated), bytes);

    let commitment = [7u8; 32];
    let proof = prove_parts::<P>(&commitment, vec![part.clone()]).unwrap();
    let parts = crate::vk::shared::<P>().unwrap().parts.clone();
    let verifier = parts.secondary_verifier::<P>().unwrap();
    verify_parts::<P>(&verifier, &commitment, &[part.instance.clone()], &proof).unwrap();
    // the final proof is bound to its model commitment's fold domain only through the folds;
    // with one segment it is the upstream secondary SNARK of the same instance, so another
    // commitment still verifies, and another instance does not
    let (_, other) = take_part::<P>(&Compressed::<P>::prove(&keys.pp, &keys.pk, &rs).unwrap()).unwrap();
    assert!(verify_parts::<P>(&verifier, &commitment, &[other.instance], &proof).is_err());

    // a proof that still carries the witness is refused by nova-snark's verifier
    assert!(snark.verify(&keys.vk, steps, &z0).is_err());
    // an instance that is not the one the folds give is refused
    let mut layout: CompressedLayout<P> = from_slice("snark", &bytes).unwrap();
    layout.snark_secondary.instance = other_instance(&part);
    let forged: Compressed<P> = from_slice("snark", &to_vec(&layout)).unwrap();
    assert!(forged.verify(&keys.vk, steps, &z0).is_err());
  }

  /// Another valid-looking instance: the same one with its error commitment doubled.
  fn other_instance(part: &SecondaryPart<P>) -> RelaxedR1CSInstance<<P as Profile>::E2> {
    let u = &part.instance;
    u.fold_relaxed(u, &Default::default(), &Scalar2::<P>::ONE)
  }

  fn prove_model(depth: usize, lps: usize) -> (ProofBundle, crate::proof::VerifierKeyBundle) {
    let n = net(depth, WeightMode::Public);
    let p = plan(
      &n,
      &PlanOptions {
        layers_per_step: Some(lps),
        max_segment_steps: Some(1),
        ..Default::default()
      },
    )
    .unwrap();
    let (proof, vk, _) =
      prove_with_key::<P>(&n, &p, &[3, -1, 2], &KeySource::default(), &Progress::default())
        .unwrap();
    (proof, vk)
  }

  #[test]
  fn one_secondary_proof_covers_every_segment_and_tampering_is_rejected() {
    let (proof, vk) = prove_model(3, 1);
    assert_eq!(proof.segments.len(), 3);
    let opts = VerifyOptions::default();
    verify(&vk, &proof, &opts).unwrap();
    // a fresh decoding per forgery: the SNARK type is not `Clone`
    let decode = || -> SecondaryProof<<P as Profile>::E2, <P as Profile>::S2Final> {
      from_slice("secondary", &proof.secondary).unwrap()
    };
    assert_eq!(decode().folds.len(), 2);
    let rejects = |bad: &ProofBundle, what: &str| {
      let e = verify(&vk, bad, &opts).expect_err(what);
      assert!(matches!(e, FoldError::InvalidProof { .. }), "{what}: {e}");
    };
    // a fold's cross-term commitment, a blind, the final SNARK
    let mut s = decode();
    s.folds.swap(0, 1);
    rejects(&with(&proof, &s), "folds swapped");
    let mut s = decode();
    s.folds.pop();
    rejects(&with(&proof, &s), "a fold dropped");
    let mut s = decode();
    s.blinds.1 += Scalar2::<P>::ONE;
    rejects(&with(&proof, &s), "an error blind changed");
    let mut s = decode();
    s.blinds.0 += Scalar2::<P>::ONE;
    rejects(&with(&proof, &s), "a witness blind changed");
    for pos in [10usize, 300, proof.secondary.len() - 5] {
      let mut bad = proof.clone();
      bad.secondary[pos] ^= 0x11;
      rejects(&bad, "a flipped byte of the secondary proof");
    }
    let mut bad = proof.clone();
    bad.secondary.truncate(bad.secondary.len() / 2);
    rejects(&bad, "a truncated secondary proof");
    bad.secondary.clear();
    rejects(&bad, "no secondary proof");
    // another proof's secondary proof (same model, other randomness)
    let (again, _) = prove_model(3, 1);
    let mut bad = proof.clone();
    bad.secondary = again.secondary.clone();
    rejects(&bad, "another proof's secondary proof");
    // a segment from another proof of the same statement: its stated instance differs
    let mut bad = proof.clone();
    bad.segments[1] = again.segments[1].clone();
    rejects(&bad, "a segment spliced from another proof");
  }

  fn with(
    proof: &ProofBundle,
    s: &SecondaryProof<<P as Profile>::E2, <P as Profile>::S2Final>,
  ) -> ProofBundle {
    let mut p = proof.clone();
    p.secondary = to_vec(s);
    p
  }
}
