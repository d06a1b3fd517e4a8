mod curve;
mod fp;

// the base field of secp256r1 is Fq
pub use crate::secp256r1::Fp as Fq;
pub use curve::*;
pub use fp::*;
