//! The end-to-end tests of the Rust core, as one test binary: the prover and verifier are
//! generic over the engine profile, and each test binary instantiates (compiles) them again,
//! so one binary instead of one per file saves most of their compile time in CI.
#[macro_use]
mod common;

mod engines;
mod parallel;
mod prove_verify;
