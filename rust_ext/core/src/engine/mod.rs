//! Engine profiles: the curve cycle, the compression SNARKs and their opening schemes, chosen
//! together in one place and recorded in every artefact ([`EngineId`]). Circuits, planner,
//! prover and verifier are generic over [`Profile`]; the one dispatch from an artefact's
//! profile to the generic code is [`with_profile!`](crate::with_profile).
//!
//! - [`Pasta`] (transparent): Pallas/Vesta, Spartan without preprocessing and IPA openings on
//!   both curves. No setup at all; the verifier reads the R1CS matrices, so its key and time
//!   grow with the public weights.
//! - [`Bn254`] (succinct): BN254/Grumpkin; the primary is preprocessing Spartan
//!   (`spartan::ppsnark`, whose key holds commitments to the matrices) over HyperKZG, which
//!   needs a universal SRS ([`crate::srs`]); the model-independent Grumpkin secondary is
//!   Spartan with IPA. The key is kilobytes and verification milliseconds.
use nova_snark::{
  nova::{CompressedSNARK, ProverKey, PublicParams, RecursiveSNARK, VerifierKey},
  provider::traits::DlogGroupExt,
  traits::{snark::RelaxedR1CSSNARKTrait, Engine},
};
use serde::{Deserialize, Serialize};

use crate::circuit::FoldStep;
use crate::error::Result;
use crate::secondary::Deferred;
use crate::srs::Srs;

mod bn254;
mod pasta;

pub use bn254::{segment_srs_log_size, srs_log_size, Bn254};
pub use pasta::Pasta;

/// Which engine profile an artefact was made with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EngineId {
  /// Pallas/Vesta, transparent ([`Pasta`]).
  Pasta,
  /// BN254/Grumpkin with a universal SRS ([`Bn254`]).
  Bn254,
}

impl EngineId {
  /// The name users type (`--engine pasta|bn254`).
  pub fn name(self) -> &'static str {
    match self {
      EngineId::Pasta => "pasta",
      EngineId::Bn254 => "bn254",
    }
  }

  /// Parses a name typed by a user.
  pub fn from_name(name: &str) -> Option<Self> {
    match name {
      "pasta" => Some(EngineId::Pasta),
      "bn254" => Some(EngineId::Bn254),
      _ => None,
    }
  }

  /// Whether the profile needs a universal SRS.
  pub fn needs_srs(self) -> bool {
    matches!(self, EngineId::Bn254)
  }

  /// The planner's default budget of packed constants per public segment, where the
  /// profile's differs from [`crate::plan::DEFAULT_MAX_SEGMENT_NNZ`].
  pub fn default_segment_nnz(self) -> Option<usize> {
    match self {
      EngineId::Pasta => None,
      EngineId::Bn254 => Some(bn254::SEGMENT_NNZ),
    }
  }
}

/// One engine profile: a curve cycle with its compression SNARKs, and the few operations
/// that differ between profiles (setting up parameters, and which parts of a primary key are
/// derivable and so never stored).
pub trait Profile: Sized + Send + Sync + 'static {
  /// The profile's identifier in artefacts.
  const ID: EngineId;
  /// Whether public parameters are kept in the disk cache. Not for `Bn254`: its parameters
  /// hold the SRS powers as compressed points, and decompressing them (a square root each,
  /// on one thread) takes longer than setting them up again from the SRS file.
  const CACHE_PARAMS: bool;
  /// Primary engine: the step circuits' field is its scalar field.
  type E1: Engine<Base = <Self::E2 as Engine>::Scalar, GE: DlogGroupExt>;
  /// Secondary engine of the cycle.
  type E2: Engine<Base = <Self::E1 as Engine>::Scalar, GE: DlogGroupExt>;
  /// Compression SNARK of the primary (the step circuit's relaxed R1CS).
  type S1: RelaxedR1CSSNARKTrait<Self::E1>;
  /// The SNARK that proves the secondary (the model-independent verifier circuit) once per
  /// model, over the fold of every segment's secondary instance ([`crate::secondary`]); a
  /// segment's own compressed SNARK uses [`S2`] in its place.
  type S2Final: RelaxedR1CSSNARKTrait<Self::E2>;

  /// Sets up the public parameters of a step circuit. The succinct profile needs the SRS.
  fn setup_params(step: &Step<Self>, srs: Option<&Srs>) -> Result<Params<Self>>;

  /// The primary SNARK's verifier key without what a verifier derives itself (opening-scheme
  /// constants, the SRS's G2 element, which the bundle pins once).
  fn compact_primary_key(vk: &<Self::S1 as RelaxedR1CSSNARKTrait<Self::E1>>::VerifierKey) -> Result<Vec<u8>>;

  /// Rebuilds the primary SNARK's verifier key from [`Profile::compact_primary_key`]'s bytes
  /// and the bundle's SRS pin (its G2 element, `None` for a transparent profile).
  fn expand_primary_key(
    compact: &[u8],
    srs_g2: Option<&[u8]>,
  ) -> Result<<Self::S1 as RelaxedR1CSSNARKTrait<Self::E1>>::VerifierKey>;

  /// The SRS's G2 element as the primary key holds it (`None` for a transparent profile).
  fn srs_g2_of(vk: &<Self::S1 as RelaxedR1CSSNARKTrait<Self::E1>>::VerifierKey) -> Result<Option<Vec<u8>>>;

  /// Derives the model-independent parts of every key ([`crate::vk::Shared`]).
  fn derive_shared() -> Result<crate::vk::Shared<Self>>;
}

/// The field the step circuits of profile `P` are written over.
pub type Fr<P> = <<P as Profile>::E1 as Engine>::Scalar;
/// The step circuit of profile `P`.
pub type Step<P> = FoldStep<Fr<P>>;
/// Nova public parameters of one segment.
pub type Params<P> = PublicParams<<P as Profile>::E1, <P as Profile>::E2, Step<P>>;
/// Folding accumulator of one segment.
pub type Recursive<P> = RecursiveSNARK<<P as Profile>::E1, <P as Profile>::E2, Step<P>>;
/// The secondary SNARK inside a segment's compressed SNARK: the secondary instance, stated
/// for the model's one [`Profile::S2Final`] proof.
pub type S2<P> = Deferred<<P as Profile>::E2, <P as Profile>::S2Final>;
/// Compressed zero-knowledge SNARK of one segment (its secondary deferred).
pub type Compressed<P> =
  CompressedSNARK<<P as Profile>::E1, <P as Profile>::E2, Step<P>, <P as Profile>::S1, S2<P>>;
/// Prover key of the compressed SNARK.
pub type CompressedPk<P> =
  ProverKey<<P as Profile>::E1, <P as Profile>::E2, Step<P>, <P as Profile>::S1, S2<P>>;
/// Verifier key of the compressed SNARK (nova-snark's, with everything in it).
pub type CompressedVk<P> =
  VerifierKey<<P as Profile>::E1, <P as Profile>::E2, Step<P>, <P as Profile>::S1, S2<P>>;
/// Verifier key of the primary SNARK.
pub type PrimaryVk<P> = <<P as Profile>::S1 as RelaxedR1CSSNARKTrait<<P as Profile>::E1>>::VerifierKey;
/// Verifier key of the model's one secondary SNARK.
pub type FinalVk<P> =
  <<P as Profile>::S2Final as RelaxedR1CSSNARKTrait<<P as Profile>::E2>>::VerifierKey;
/// Prover key of the model's one secondary SNARK.
pub type FinalPk<P> =
  <<P as Profile>::S2Final as RelaxedR1CSSNARKTrait<<P as Profile>::E2>>::ProverKey;

/// Runs `$body` with the type alias `$P` bound to the profile that `$id` names: the one place
/// where a runtime profile becomes a type.
#[macro_export]
macro_rules! with_profile {
  ($id:expr, $P:ident => $body:expr) => {
    match $id {
      $crate::engine::EngineId::Pasta => {
        type $P = $crate::engine::Pasta;
        $body
      }
      $crate::engine::EngineId::Bn254 => {
        type $P = $crate::engine::Bn254;
        $body
      }
    }
  };
}

