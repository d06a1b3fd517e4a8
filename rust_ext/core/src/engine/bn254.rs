//! The succinct profile: BN254 primary, Grumpkin secondary.
//!
//! - Primary: preprocessing Spartan (`spartan::ppsnark`) over HyperKZG. Its verifier key holds
//!   commitments to the R1CS matrices (seven group elements and their length), not the
//!   matrices, and its verifier does `O(log N)` field work, a few dozen scalar
//!   multiplications and two pairings. HyperKZG rather than Mercury: measured on this
//!   project's segments (BENCHMARKS.md, "Succinct verification"), see the note there.
//! - Secondary: Spartan without preprocessing over IPA, as in the transparent profile; its
//!   circuit (Nova's verifier circuit) is the same for every model, so its key is derived once
//!   per machine and never stored in a model's key ([`crate::vk`]).
//!
//! The KZG commitment key is a prefix of a Powers-of-Tau SRS ([`crate::srs`]), loaded by
//! nova-snark's own ptau reader (which curve-checks every point).
use group::GroupEncoding;
use halo2curves::bn256::{G1Affine, G2Affine};
use nova_snark::{
  provider::{hyperkzg, ipa_pc, Bn256EngineIPA, Bn256EngineKZG, GrumpkinEngine},
  spartan::{ppsnark, ppsnark::R1CSShapeSparkCommitment, snark},
  traits::{evaluation::EvaluationEngineTrait, snark::RelaxedR1CSSNARKTrait},
};
use serde::{Deserialize, Serialize};

use super::{EngineId, Params, PrimaryVk, Profile, Step};
use crate::error::{FoldError, Result};
use crate::ipa::FastIpa;
use crate::proof::{from_slice, to_vec};
use crate::srs::{decode_g2, Srs};
use crate::vk::{shared_from_trivial_setup, Shared};

type Kzg = nova_snark::provider::mercury::EvaluationEngine<Bn256EngineKZG>;

/// The planner's budget of packed constants per public segment. Preprocessing Spartan's
/// prover holds a few dozen vectors of the segment's padded size `2^k`, where `2^k` is the
/// next power of two above the segment's nonzeros plus Nova's own (about 124k), and its
/// time and memory are linear in `2^k`. A full pasta budget (`2^21` constants) would pad to
/// `2^22`; this one leaves room for Nova's share and the steps' own entries below `2^21`
/// (the depth-500 MLP's long segment: `2^21`, 4.1 GiB peak; BENCHMARKS.md).
pub const SEGMENT_NNZ: usize = (1 << 21) - (1 << 18);

/// BN254/Grumpkin with a universal SRS.
#[derive(Clone, Copy, Debug)]
pub struct Bn254;

impl Profile for Bn254 {
  const ID: EngineId = EngineId::Bn254;
  const CACHE_PARAMS: bool = false;
  type E1 = Bn256EngineKZG;
  type E2 = GrumpkinEngine;
  type S1 = ppsnark::RelaxedR1CSSNARK<Bn256EngineKZG, Kzg>;
  type S2Final = snark::RelaxedR1CSSNARK<GrumpkinEngine, FastIpa<GrumpkinEngine>>;

  fn setup_params(step: &Step<Self>, srs: Option<&Srs>) -> Result<Params<Self>> {
    let srs = srs.ok_or_else(|| FoldError::Srs {
      path: "(none given)".into(),
      reason: "the bn254 profile needs an SRS to set up parameters".into(),
    })?;
    let dir = srs.loader_dir()?;
    Params::<Self>::setup_with_ptau_dir(
      step,
      &*Self::S1::ck_floor(),
      &*super::S2::<Self>::ck_floor(),
      dir.path(),
    )
    .map_err(|e| FoldError::Srs {
      path: srs.path().display().to_string(),
      reason: format!(
        "setting up parameters from its 2^{} powers failed: {e}",
        srs.log_size()
      ),
    })
  }

  fn compact_primary_key(vk: &PrimaryVk<Self>) -> Result<Vec<u8>> {
    let full: KeyLayout = from_slice("primary verifier key", &to_vec(vk))?;
    if full.vk_ee.g != G1Affine::generator() || full.vk_ee.h != G2Affine::generator() {
      return Err(FoldError::model(
        "the KZG key does not use the standard generators",
      ));
    }
    Ok(to_vec(&CompactKey {
      num_cons: full.num_cons,
      num_vars: full.num_vars,
      s_comm: full.s_comm,
    }))
  }

  fn expand_primary_key(compact: &[u8], srs_g2: Option<&[u8]>) -> Result<PrimaryVk<Self>> {
    let key: CompactKey = from_slice("primary verifier key", compact)?;
    let tau_h = srs_g2
      .and_then(decode_g2)
      .ok_or_else(|| FoldError::artefact("the key's SRS element is missing or not a G2 point"))?;
    // The opening scheme's key as nova-snark builds it: the generators and [tau]_2.
    let ck = hyperkzg::CommitmentKey::<Bn256EngineKZG>::new(vec![], G1Affine::generator(), tau_h)
      .map_err(|e| FoldError::artefact(format!("the key's SRS element: {e}")))?;
    let (_, vk_ee) = Kzg::setup(&ck).map_err(|e| FoldError::artefact(e.to_string()))?;
    let bytes = to_vec(&KeyLayoutRef {
      num_cons: key.num_cons,
      num_vars: key.num_vars,
      vk_ee: &vk_ee,
      s_comm: &key.s_comm,
    });
    from_slice("primary verifier key", &bytes)
  }

  fn srs_g2_of(vk: &PrimaryVk<Self>) -> Result<Option<Vec<u8>>> {
    let full: KeyLayout = from_slice("primary verifier key", &to_vec(vk))?;
    Ok(Some(full.vk_ee.tau_h.to_bytes().as_ref().to_vec()))
  }

  fn derive_shared() -> Result<Shared<Self>> {
    // The secondary circuit sees the primary curve's points only, so a Pedersen engine on
    // BN254 (which needs no SRS) gives the same secondary circuit and key; tests compare
    // them with a real segment's.
    shared_from_trivial_setup::<
      Self,
      Bn256EngineIPA,
      snark::RelaxedR1CSSNARK<Bn256EngineIPA, ipa_pc::EvaluationEngine<Bn256EngineIPA>>,
    >()
  }
}

/// The field layout of `ppsnark::VerifierKey` (private upstream; the digest cell is not
/// serialized), so that a key can be split and rebuilt. nova-snark is pinned (`=0.76.0`) and
/// `tests::primary_key_round_trips` fails if the layout changes.
#[derive(Deserialize)]
#[serde(bound = "")]
struct KeyLayout {
  num_cons: usize,
  num_vars: usize,
  vk_ee: KzgKeyLayout,
  s_comm: R1CSShapeSparkCommitment<Bn256EngineKZG>,
}

/// [`KeyLayout`] for writing, with nova-snark's own opening-scheme key.
#[derive(Serialize)]
#[serde(bound = "")]
struct KeyLayoutRef<'a> {
  num_cons: usize,
  num_vars: usize,
  vk_ee: &'a hyperkzg::VerifierKey<Bn256EngineKZG>,
  s_comm: &'a R1CSShapeSparkCommitment<Bn256EngineKZG>,
}

/// The field layout of `hyperkzg::VerifierKey`: the G1 and G2 generators and `[tau]_2`.
#[derive(Deserialize)]
struct KzgKeyLayout {
  g: G1Affine,
  h: G2Affine,
  tau_h: G2Affine,
}

/// What a model's key stores of the primary key: the sizes and the matrix commitments.
#[derive(Serialize, Deserialize)]
#[serde(bound = "")]
struct CompactKey {
  num_cons: usize,
  num_vars: usize,
  s_comm: R1CSShapeSparkCommitment<Bn256EngineKZG>,
}

/// What Nova's augmented circuit adds to a step circuit of state width 2 and 3: constraints,
/// variables and matrix nonzeros of the verifier circuit it wraps around ours (measured on
/// this profile's cycle; `tests::augmented_sizes_are_the_step_plus_nova_overhead` pins them).
const NOVA_OVERHEAD: [(usize, usize, usize); 2] = [(9987, 9981, 124_234), (9988, 9984, 124_251)];

/// `log2` of the SRS size (G1 powers) the model's keys need: the largest segment's
/// ([`segment_srs_log_size`]).
pub fn srs_log_size(net: &crate::model::Network, plan: &crate::plan::Plan) -> Result<u32> {
  plan
    .segments
    .iter()
    .map(|seg| segment_srs_log_size(net, seg))
    .try_fold(0, |a, b| Ok(a.max(b?)))
}

/// `log2` of the SRS size one segment's keys need: its preprocessing-Spartan vector length,
/// `next_pow2(max(nnz, 2 m))` with `m` the padded constraint count of Nova's augmented
/// circuit. Exact: it counts the segment's step circuit and adds Nova's fixed overhead.
pub fn segment_srs_log_size(net: &crate::model::Network, seg: &crate::plan::Segment) -> Result<u32> {
  let circuit = crate::plan::segment_circuit::<crate::engine::Fr<Bn254>>(net, seg);
  let step = crate::circuit::FoldStep {
    segment: circuit,
    witness: None,
  };
  let arity = step.segment.shape.arity();
  let (c0, v0, n0) = NOVA_OVERHEAD[arity.clamp(2, 3) - 2];
  let (cons, vars, nnz) = crate::profile::constraint_breakdown(&step)?
    .iter()
    .fold((c0, v0, n0), |(c, v, n), f| {
      (
        c + f.constraints as usize,
        v + f.variables as usize,
        n + f.nonzeros as usize,
      )
    });
  let m = cons.max(vars).next_power_of_two();
  Ok(nnz.max(2 * m).next_power_of_two().trailing_zeros())
}
