//! Segment verifier keys without derivable data.
//!
//! nova-snark's `CompressedSNARK` verifier key holds, besides what is specific to one
//! segment (the public parameters' digest and the primary SNARK's key), the Poseidon
//! constants of both curves, the secondary SNARK's key (the R1CS of Nova's verifier circuit,
//! the same for every model) and two blinding generators: about a megabyte that every model
//! shares. A segment key here stores only the specific part ([`SegmentVk`]); the rest
//! ([`SharedParts`]) is derived once per machine from the setup of a trivial circuit, cached,
//! and pinned by digest in every verifier-key bundle, so a verifier whose derivation differs
//! (another nova-snark) is told so instead of failing obscurely.
//!
//! Splitting and rebuilding go through nova-snark's serde layout of the key (its fields are
//! private): [`NovaVkLayout`] mirrors it field for field. nova-snark is pinned (`=0.76.0`) and
//! `tests` round-trip real keys, so a layout change fails the build's tests, not a verifier.
use std::any::Any;
use std::path::Path;
use std::sync::{Arc, Mutex};

use nova_snark::{
  nova::{CompressedSNARK, PublicParams},
  r1cs::R1CSShape,
  traits::{
    circuit::TrivialCircuit, commitment::CommitmentEngineTrait, snark::RelaxedR1CSSNARKTrait,
    Engine, ROConstants, ROConstantsCircuit,
  },
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::engine::{CompressedVk, EngineId, FinalPk, FinalVk, Fr, Profile, S2};
use crate::error::{FoldError, Result};
use crate::proof::{from_slice, to_vec};
use crate::sealed;

const SHARED_MAGIC: &[u8; 8] = b"FOLDSHR\x02";

/// What a model's key holds for one segment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentVk {
  /// Width of the step state.
  pub arity: u64,
  /// Digest of the segment's public parameters (binds both circuits and commitment keys).
  pub pp_digest: [u8; 32],
  /// The primary SNARK's key without derivable parts ([`Profile::compact_primary_key`]).
  pub primary: Vec<u8>,
}

/// The model-independent parts of a profile's verifier keys, as nova-snark encodes them, and
/// the key of the model's one secondary SNARK ([`crate::secondary`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedParts {
  ro_consts_primary: Vec<u8>,
  ro_consts_secondary: Vec<u8>,
  vk_secondary: Vec<u8>,
  dk_primary: Vec<u8>,
  dk_secondary: Vec<u8>,
  final_vk: Vec<u8>,
}

impl SharedParts {
  /// The digest verifier-key bundles pin.
  pub fn digest(&self) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"folding/shared-key-parts/v2");
    h.update(to_vec(self));
    h.finalize().into()
  }

  /// What checking the model's secondary proof needs, decoded.
  pub fn secondary_verifier<P: Profile>(&self) -> Result<SecondaryVerifier<P>> {
    Ok(SecondaryVerifier {
      ro_consts: from_slice("shared secondary constants", &self.ro_consts_secondary)?,
      dk: from_slice("shared secondary blinding key", &self.dk_secondary)?,
      vk: from_slice("shared secondary SNARK key", &self.final_vk)?,
    })
  }
}

/// What checking a model's one secondary SNARK needs.
pub struct SecondaryVerifier<P: Profile> {
  /// The folds' random-oracle constants.
  pub ro_consts: ROConstants<P::E2>,
  /// The blinding generator.
  pub dk: DerandKey<P::E2>,
  /// The final secondary SNARK's verifier key.
  pub vk: FinalVk<P>,
}

/// What proving a model's one secondary SNARK needs: nova-snark's secondary shape,
/// commitment key and constants (the same for every segment and model) and the final SNARK's
/// prover key.
pub struct SecondaryProver<P: Profile> {
  /// The secondary R1CS shape.
  pub shape: R1CSShape<P::E2>,
  /// Its commitment key.
  pub ck: CommitmentKey<P::E2>,
  /// The folds' random-oracle constants.
  pub ro_consts: ROConstants<P::E2>,
  /// The blinding generator.
  pub dk: DerandKey<P::E2>,
  /// The final secondary SNARK's prover key.
  pub pk: FinalPk<P>,
}

/// Everything a profile derives once: the verifiers' shared parts and the prover's secondary
/// keys.
pub struct Shared<P: Profile> {
  /// What verifier keys are rebuilt from (cached on disk, pinned by digest).
  pub parts: SharedParts,
  /// What the model's secondary proof is made with.
  pub prover: SecondaryProver<P>,
}

type DerandKey<E> = <<E as Engine>::CE as CommitmentEngineTrait<E>>::DerandKey;
type CommitmentKey<E> = <<E as Engine>::CE as CommitmentEngineTrait<E>>::CommitmentKey;

/// nova-snark's `nova::VerifierKey` field by field (the phantom field encodes to nothing).
#[derive(Deserialize)]
#[serde(bound = "")]
struct NovaVkLayout<E1, E2, S1, S2>
where
  E1: Engine<Base = <E2 as Engine>::Scalar>,
  E2: Engine<Base = <E1 as Engine>::Scalar>,
  S1: RelaxedR1CSSNARKTrait<E1>,
  S2: RelaxedR1CSSNARKTrait<E2>,
{
  f_arity: usize,
  ro_consts_primary: ROConstants<E1>,
  ro_consts_secondary: ROConstants<E2>,
  pp_digest: E1::Scalar,
  vk_primary: S1::VerifierKey,
  vk_secondary: S2::VerifierKey,
  dk_primary: DerandKey<E1>,
  dk_secondary: DerandKey<E2>,
}

impl<E1, E2, S1, S2> NovaVkLayout<E1, E2, S1, S2>
where
  E1: Engine<Base = <E2 as Engine>::Scalar>,
  E2: Engine<Base = <E1 as Engine>::Scalar>,
  S1: RelaxedR1CSSNARKTrait<E1>,
  S2: RelaxedR1CSSNARKTrait<E2>,
{
  fn shared(&self, final_vk: Vec<u8>) -> SharedParts {
    SharedParts {
      ro_consts_primary: to_vec(&self.ro_consts_primary),
      ro_consts_secondary: to_vec(&self.ro_consts_secondary),
      vk_secondary: to_vec(&self.vk_secondary),
      dk_primary: to_vec(&self.dk_primary),
      dk_secondary: to_vec(&self.dk_secondary),
      final_vk,
    }
  }
}

/// nova-snark's `nova::PublicParams` field by field (the digest cell is not serialized).
#[derive(Deserialize)]
#[serde(bound = "")]
struct ParamsLayout<E1, E2>
where
  E1: Engine<Base = <E2 as Engine>::Scalar>,
  E2: Engine<Base = <E1 as Engine>::Scalar>,
{
  _f_arity: usize,
  _ro_consts_primary: ROConstants<E1>,
  _ro_consts_circuit_primary: ROConstantsCircuit<E2>,
  ro_consts_secondary: ROConstants<E2>,
  _ro_consts_circuit_secondary: ROConstantsCircuit<E1>,
  _ck_primary: CommitmentKey<E1>,
  _r1cs_shape_primary: R1CSShape<E1>,
  ck_secondary: CommitmentKey<E2>,
  r1cs_shape_secondary: R1CSShape<E2>,
}

/// A segment's compressed-SNARK key split into its own part, the shared parts, and (succinct
/// profile) the SRS element its primary key uses.
pub struct SplitKey {
  /// The segment's part.
  pub segment: SegmentVk,
  /// The shared parts it was made with.
  pub shared: SharedParts,
  /// `[tau]_2` of the SRS (compressed), `None` for a transparent profile.
  pub srs_g2: Option<Vec<u8>>,
}

/// Splits nova-snark's key of one segment.
pub fn split<P: Profile>(vk: &CompressedVk<P>) -> Result<SplitKey> {
  let layout: NovaVkLayout<P::E1, P::E2, P::S1, S2<P>> =
    from_slice("segment verifier key", &to_vec(vk))?;
  let final_vk = shared::<P>()?.parts.final_vk.clone();
  Ok(SplitKey {
    segment: SegmentVk {
      arity: layout.f_arity as u64,
      pp_digest: crate::hash::to_bytes(&layout.pp_digest),
      primary: P::compact_primary_key(&layout.vk_primary)?,
    },
    shared: layout.shared(final_vk),
    srs_g2: P::srs_g2_of(&layout.vk_primary)?,
  })
}

/// Rebuilds nova-snark's key of one segment from its part, the shared parts and the pinned
/// SRS element.
pub fn expand<P: Profile>(
  seg: &SegmentVk,
  shared: &SharedParts,
  srs_g2: Option<&[u8]>,
) -> Result<CompressedVk<P>> {
  let arity = usize::try_from(seg.arity)
    .ok()
    .filter(|a| *a <= 16)
    .ok_or_else(|| FoldError::artefact("segment verifier key: implausible state width"))?;
  let pp_digest: Fr<P> = crate::hash::from_bytes(&seg.pp_digest).ok_or_else(|| {
    FoldError::artefact("segment verifier key: the parameters' digest is not a field element")
  })?;
  let primary = P::expand_primary_key(&seg.primary, srs_g2)?;
  // bincode writes a struct as its fields in order, so the key's encoding is the parts'.
  let mut bytes = to_vec(&arity);
  bytes.extend_from_slice(&shared.ro_consts_primary);
  bytes.extend_from_slice(&shared.ro_consts_secondary);
  bytes.extend(to_vec(&pp_digest));
  bytes.extend(to_vec(&primary));
  bytes.extend_from_slice(&shared.vk_secondary);
  bytes.extend_from_slice(&shared.dk_primary);
  bytes.extend_from_slice(&shared.dk_secondary);
  from_slice("segment verifier key", &bytes)
}

/// Derives profile `P`'s shared parts and secondary keys from the keys of a trivial primary
/// circuit over engine `E1` (with any SNARK `S1`): neither depends on the primary circuit.
/// `E1` may be a cheaper engine on the profile's primary curve (the secondary circuit sees
/// only its points).
pub(crate) fn shared_from_trivial_setup<P, E1, S1>() -> Result<Shared<P>>
where
  P: Profile,
  E1: Engine<Base = <P::E2 as Engine>::Scalar, Scalar = <P::E2 as Engine>::Base>,
  S1: RelaxedR1CSSNARKTrait<E1>,
{
  let setup = |source| FoldError::Proving {
    stage: "shared key setup",
    source,
  };
  let circuit = TrivialCircuit::<E1::Scalar>::default();
  let pp = PublicParams::<E1, P::E2, TrivialCircuit<E1::Scalar>>::setup(
    &circuit,
    &*S1::ck_floor(),
    &*S2::<P>::ck_floor(),
  )
  .map_err(setup)?;
  let (_, vk) = CompressedSNARK::<E1, P::E2, _, S1, S2<P>>::setup(&pp).map_err(setup)?;
  let layout: NovaVkLayout<E1, P::E2, S1, S2<P>> =
    from_slice("trivial verifier key", &to_vec(&vk))?;
  let params: ParamsLayout<E1, P::E2> = from_slice("trivial parameters", &to_vec(&pp))?;
  let (pk, final_vk) = P::S2Final::setup(&params.ck_secondary, &params.r1cs_shape_secondary)
    .map_err(setup)?;
  let dk = <P::E2 as Engine>::CE::derand_key(&params.ck_secondary);
  Ok(Shared {
    parts: layout.shared(to_vec(&final_vk)),
    prover: SecondaryProver {
      shape: params.r1cs_shape_secondary,
      ck: params.ck_secondary,
      ro_consts: params.ro_consts_secondary,
      dk,
      pk,
    },
  })
}

/// The profile's shared parts and secondary keys, derived once per process (a second or
/// two).
pub fn shared<P: Profile>() -> Result<Arc<Shared<P>>> {
  type Derived = Mutex<Vec<(EngineId, Arc<dyn Any + Send + Sync>)>>;
  static DERIVED: Derived = Mutex::new(Vec::new());
  let mut derived = DERIVED.lock().unwrap_or_else(|e| e.into_inner());
  if let Some(s) = derived
    .iter()
    .find(|(id, _)| *id == P::ID)
    .and_then(|(_, s)| s.clone().downcast::<Shared<P>>().ok())
  {
    return Ok(s);
  }
  let s = Arc::new(P::derive_shared()?);
  derived.push((P::ID, s.clone()));
  Ok(s)
}

/// The profile's shared parts for a verifier: from this process's memory, the machine's
/// cache, or derived (a second or two) and cached.
pub fn shared_parts<P: Profile>(cache_dir: Option<&Path>) -> Result<Arc<SharedParts>> {
  static LOADED: Mutex<Vec<(EngineId, Arc<SharedParts>)>> = Mutex::new(Vec::new());
  let mut loaded = LOADED.lock().unwrap_or_else(|e| e.into_inner());
  if let Some((_, s)) = loaded.iter().find(|(id, _)| *id == P::ID) {
    return Ok(s.clone());
  }
  let path = cache_dir.map(|d| {
    d.join("shared").join(format!(
      "{}-nova-{}-v2.bin",
      P::ID.name(),
      crate::keys::NOVA_VERSION
    ))
  });
  let cached = path
    .as_deref()
    .and_then(|p| sealed::read(p, SHARED_MAGIC))
    .and_then(|b| from_slice::<SharedParts>("shared key parts", &b).ok());
  let parts = match cached {
    Some(s) => s,
    None => {
      let s = shared::<P>()?.parts.clone();
      if let Some(p) = &path {
        // A cache that cannot be written only costs the derivation next time.
        let _ = sealed::write(p, SHARED_MAGIC, &to_vec(&s));
      }
      s
    }
  };
  let parts = Arc::new(parts);
  loaded.push((P::ID, parts.clone()));
  Ok(parts)
}
