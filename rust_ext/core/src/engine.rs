//! The one place where the curve cycle and the compression SNARK are chosen.
//!
//! Default: Pallas/Vesta with Pedersen commitments and the IPA evaluation argument, which is
//! transparent (no trusted setup, nothing to download). The IPA openings are proven by our
//! faster prover (`crate::ipa`) and checked by nova-snark's verifier; the proofs are the
//! same bytes either way. To add BN254/Grumpkin, change these aliases (the circuits are
//! generic over the field).
use nova_snark::{
  nova::{CompressedSNARK, ProverKey, PublicParams, RecursiveSNARK, VerifierKey},
  provider::{PallasEngine, VestaEngine},
  spartan::snark::RelaxedR1CSSNARK,
  traits::Engine,
};

use crate::{circuit::FoldStep, ipa::FastIpa};

/// Primary engine (the step circuit's field is its scalar field).
pub type E1 = PallasEngine;
/// Secondary engine of the cycle.
pub type E2 = VestaEngine;
/// The field the step circuits are written over.
pub type Fr = <E1 as Engine>::Scalar;
/// Compression SNARK of the primary curve: Spartan without preprocessing, IPA openings.
/// Chosen over the preprocessing variant because it needs no commitment key sized to the
/// matrices' nonzeros (our weights live there) and proves faster; its verifier is linear in
/// the nonzeros, which stays in milliseconds for our segment budgets.
pub type S1 = RelaxedR1CSSNARK<E1, FastIpa<E1>>;
/// Compression SNARK of the secondary curve.
pub type S2 = RelaxedR1CSSNARK<E2, FastIpa<E2>>;
/// The step circuit over the primary field.
pub type Step = FoldStep<Fr>;
/// Nova public parameters of one segment.
pub type Params = PublicParams<E1, E2, Step>;
/// Folding accumulator of one segment.
pub type Recursive = RecursiveSNARK<E1, E2, Step>;
/// Compressed zero-knowledge SNARK of one segment.
pub type Compressed = CompressedSNARK<E1, E2, Step, S1, S2>;
/// Prover key of the compressed SNARK.
pub type CompressedPk = ProverKey<E1, E2, Step, S1, S2>;
/// Verifier key of the compressed SNARK.
pub type CompressedVk = VerifierKey<E1, E2, Step, S1, S2>;
