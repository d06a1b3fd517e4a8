//! Pure Rust core of `folding`: step circuits for dense, convolution and pooling layers (with
//! residual connections) on `nova_snark::frontend`,
//! lane packing, Poseidon hashing (one sponge for circuit and native side), segment planning,
//! folding with `RecursiveSNARK`, zero-knowledge compression, verification and versioned
//! serialization, generic over two engine profiles (transparent Pasta, succinct BN254 with a
//! universal SRS; [`engine`]). Nothing here knows about Python (see the `folding-py` crate).
#![deny(missing_docs)]

pub mod batch;
pub mod checkpoint;
pub mod circuit;
pub mod engine;
pub mod error;
pub mod generators;
pub mod hash;
pub mod ipa;
pub mod keys;
pub mod model;
pub mod packing;
pub mod parallel;
pub mod plan;
pub mod plan_search;
pub mod profile;
pub mod proof;
pub mod prover;
pub mod secondary;
mod sealed;
pub mod srs;
pub mod verifier;
pub mod vk;

pub use error::FoldError;

/// Version of the step-circuit constraint layout; part of every parameter cache key, so a
/// change to the circuits can never pick up parameters cached for an older layout.
/// 2: layer kinds (convolution, pooling, residual) in the step shape.
pub const CIRCUIT_VERSION: u32 = 2;
