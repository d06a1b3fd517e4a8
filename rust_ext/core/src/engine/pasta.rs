//! The transparent profile: Pallas/Vesta with Pedersen commitments, Spartan without
//! preprocessing and IPA openings on both curves. No trusted setup and nothing to download;
//! the primary verifier key holds the padded R1CS matrices (and so the public weights), which
//! is why its size and verification time grow with the model.
//!
//! Spartan without preprocessing rather than `ppsnark` here: the IPA opening's verifier is
//! linear in the committed vector, and `ppsnark` commits to vectors as long as the matrices'
//! nonzeros, so it would not make this profile's verifier any faster while proving slower.
use nova_snark::{
  provider::{PallasEngine, VestaEngine},
  spartan::snark::RelaxedR1CSSNARK,
  traits::snark::RelaxedR1CSSNARKTrait,
};

use super::{EngineId, Params, PrimaryVk, Profile, Step};
use crate::error::{FoldError, Result};
use crate::ipa::FastIpa;
use crate::proof::{from_slice, to_vec};
use crate::srs::Srs;
use crate::vk::{shared_from_trivial_setup, Shared};

/// Pallas/Vesta, transparent.
#[derive(Clone, Copy, Debug)]
pub struct Pasta;

impl Profile for Pasta {
  const ID: EngineId = EngineId::Pasta;
  const CACHE_PARAMS: bool = true;
  type E1 = PallasEngine;
  type E2 = VestaEngine;
  type S1 = RelaxedR1CSSNARK<PallasEngine, FastIpa<PallasEngine>>;
  type S2Final = RelaxedR1CSSNARK<VestaEngine, FastIpa<VestaEngine>>;

  fn setup_params(step: &Step<Self>, _srs: Option<&Srs>) -> Result<Params<Self>> {
    Params::<Self>::setup(step, &*Self::S1::ck_floor(), &*super::S2::<Self>::ck_floor()).map_err(|source| {
      FoldError::Proving {
        stage: "setup",
        source,
      }
    })
  }

  fn compact_primary_key(vk: &PrimaryVk<Self>) -> Result<Vec<u8>> {
    // The IPA key is already only its generator count (`crate::ipa`); the matrices stay.
    Ok(to_vec(vk))
  }

  fn expand_primary_key(compact: &[u8], srs_g2: Option<&[u8]>) -> Result<PrimaryVk<Self>> {
    if srs_g2.is_some() {
      return Err(FoldError::artefact("a transparent key pins no SRS"));
    }
    from_slice("primary verifier key", compact)
  }

  fn srs_g2_of(_vk: &PrimaryVk<Self>) -> Result<Option<Vec<u8>>> {
    Ok(None)
  }

  fn derive_shared() -> Result<Shared<Self>> {
    shared_from_trivial_setup::<Self, PallasEngine, Self::S1>()
  }
}
