//! Poseidon hashing with nova-snark's in-crate sponge: one construction for the circuit and
//! the native side (same constants, same I/O pattern, same domain tags), full field-element
//! outputs.
use std::any::{Any, TypeId};
use std::sync::{Arc, Mutex};

use ff::PrimeField;
use generic_array::typenum::U24;
use nova_snark::frontend::{
  gadgets::poseidon::{
    Elt, IOPattern, PoseidonConstants, Simplex, Sponge, SpongeAPI, SpongeCircuit, SpongeOp,
    SpongeTrait, Strength,
  },
  ConstraintSystem, SynthesisError,
};

use crate::packing::pack_activations;

/// Sponge width: 24 absorbed elements per permutation, the cheapest per element in the crate.
pub type Arity = U24;
/// Poseidon constants of our sponge.
pub type Constants<F> = PoseidonConstants<F, Arity>;

/// Domain tag of activation-vector hashes.
pub const DOMAIN_ACTIVATIONS: u32 = 0x464f_4c41; // "FOLA"
/// Domain tag of one link of the private model hash chain.
pub const DOMAIN_LAYER: u32 = 0x464f_4c4c; // "FOLL"
/// Domain tag of one link of a batch proof's input/output chain.
pub const DOMAIN_BATCH: u32 = 0x464f_4c42; // "FOLB"
/// Initial value of a batch proof's input/output chain.
pub const BATCH_CHAIN_INIT: u64 = 0x464f_4c49; // "FOLI"
/// Initial value of the private model hash chain.
pub const MODEL_CHAIN_INIT: u64 = 0x464f_4c4d; // "FOLM"

/// The sponge constants of field `F`, built once per process: building them inverts
/// 25×25 matrices and takes about 0.2 s, which made every verification pay it twice.
pub fn constants<F: PrimeField>() -> Arc<Constants<F>> {
  type Built = Mutex<Vec<(TypeId, Arc<dyn Any + Send + Sync>)>>;
  static BUILT: Built = Mutex::new(Vec::new());
  let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
  if let Some(c) = built
    .iter()
    .find(|(id, _)| *id == TypeId::of::<F>())
    .and_then(|(_, c)| c.clone().downcast::<Constants<F>>().ok())
  {
    return c;
  }
  let c = Arc::new(Sponge::<F, Arity>::api_constants(Strength::Standard));
  built.push((TypeId::of::<F>(), c.clone()));
  c
}

fn pattern(n: usize) -> IOPattern {
  IOPattern(vec![SpongeOp::Absorb(n as u32), SpongeOp::Squeeze(1)])
}

/// Hashes field elements natively.
pub fn hash_native<F: PrimeField>(consts: &Constants<F>, domain: u32, elems: &[F]) -> F {
  let mut sponge = Sponge::new_with_constants(consts, Simplex);
  let acc = &mut ();
  sponge.start(pattern(elems.len()), Some(domain), acc);
  SpongeAPI::absorb(&mut sponge, elems.len() as u32, elems, acc);
  let out = SpongeAPI::squeeze(&mut sponge, 1, acc);
  sponge
    .finish(acc)
    .expect("the I/O pattern above is followed exactly");
  out[0]
}

/// Hashes field elements in the circuit; returns the digest as an unallocated element.
pub fn hash_circuit<F: PrimeField, CS: ConstraintSystem<F>>(
  cs: &mut CS,
  consts: &Constants<F>,
  domain: u32,
  elems: &[Elt<F>],
) -> Result<Elt<F>, SynthesisError> {
  let mut ns = cs.namespace(|| "sponge");
  let acc = &mut ns;
  let mut sponge = SpongeCircuit::new_with_constants(consts, Simplex);
  sponge.start(pattern(elems.len()), Some(domain), acc);
  SpongeAPI::absorb(&mut sponge, elems.len() as u32, elems, acc);
  let out = SpongeAPI::squeeze(&mut sponge, 1, acc);
  sponge
    .finish(acc)
    .map_err(|e| SynthesisError::Unsatisfiable(format!("sponge: {e:?}")))?;
  Ok(out[0].clone())
}

/// Hash of an activation vector: `H_act(len, pack(values))`.
pub fn activation_hash<F: PrimeField>(consts: &Constants<F>, values: &[i64], act_bits: u32) -> F {
  let mut elems = vec![F::from(values.len() as u64)];
  elems.extend(pack_activations::<F>(values, act_bits));
  hash_native(consts, DOMAIN_ACTIVATIONS, &elems)
}

/// One link of a batch proof's chain: `H_batch(h_prev, H_act(inputs), H_act(outputs))` over
/// one step's items (their activation vectors concatenated in order).
pub fn batch_link<F: PrimeField>(
  consts: &Constants<F>,
  prev: F,
  inputs: &[i64],
  outputs: &[i64],
  act_bits: u32,
) -> F {
  let h_in = activation_hash(consts, inputs, act_bits);
  let h_out = activation_hash(consts, outputs, act_bits);
  hash_native(consts, DOMAIN_BATCH, &[prev, h_in, h_out])
}

/// One link of the private model chain: `H_layer(h_prev, salt, packed weights, packed bias)`.
pub fn chain_link<F: PrimeField>(
  consts: &Constants<F>,
  prev: F,
  salt: F,
  packed_weights: &[F],
  packed_bias: &[F],
) -> F {
  let mut elems = Vec::with_capacity(2 + packed_weights.len() + packed_bias.len());
  elems.push(prev);
  elems.push(salt);
  elems.extend_from_slice(packed_weights);
  elems.extend_from_slice(packed_bias);
  hash_native(consts, DOMAIN_LAYER, &elems)
}

/// A salt as a field element (the 32 bytes reduced modulo the field).
pub fn salt_field<F: PrimeField>(salt: &[u8; 32]) -> F {
  // Horner over bytes: uniform enough for a blinding value, and independent of F's repr.
  salt
    .iter()
    .fold(F::ZERO, |acc, b| acc * F::from(256u64) + F::from(*b as u64))
}

/// Encodes a field element as 32 bytes (its canonical representation).
pub fn to_bytes<F: PrimeField>(f: &F) -> [u8; 32] {
  let repr = f.to_repr();
  let mut out = [0u8; 32];
  out.copy_from_slice(repr.as_ref());
  out
}

/// Decodes a canonical field element; `None` if the bytes are not canonical.
pub fn from_bytes<F: PrimeField>(b: &[u8; 32]) -> Option<F> {
  let mut repr = F::Repr::default();
  repr.as_mut().copy_from_slice(b);
  Option::from(F::from_repr(repr))
}

#[cfg(test)]
mod tests {
  use super::*;
  type Fr = crate::engine::Fr<crate::engine::Pasta>;

  #[test]
  fn out_of_range_vectors_alias_which_is_why_verifiers_range_check() {
    let c = constants::<Fr>();
    // y0 + 2^a carries into the next lane exactly as y1 - 1 takes it away
    assert_eq!(
      activation_hash(&c, &[5, 3], 8),
      activation_hash(&c, &[5 + 256, 2], 8)
    );
    assert_ne!(
      activation_hash(&c, &[5, 3], 8),
      activation_hash(&c, &[5, 4], 8)
    );
  }
}
