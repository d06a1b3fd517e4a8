//! The crate's one error type.
use nova_snark::errors::NovaError;

/// Every failure of the core, from bad input to an invalid proof.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FoldError {
  /// The model description is inconsistent (shapes, sizes, settings, weight ranges).
  #[error("invalid model: {reason}")]
  InvalidModel {
    /// What is wrong, naming the layer.
    reason: String,
  },
  /// An input vector does not fit the model.
  #[error("invalid input: {reason}")]
  InvalidInput {
    /// What is wrong.
    reason: String,
  },
  /// A value left its declared fixed-point range during the forward pass.
  #[error("{}, neuron {neuron}: value {value} leaves the range [{lo}, {hi})", layer.map_or("input".to_string(), |l| format!("layer {l}")))]
  OutOfRange {
    /// Layer whose output left the range (`None`: the model input).
    layer: Option<usize>,
    /// Index of the neuron (element).
    neuron: usize,
    /// The offending value.
    value: i128,
    /// Inclusive lower bound.
    lo: i64,
    /// Exclusive upper bound.
    hi: i64,
  },
  /// An artefact is corrupt, truncated, or of an unknown kind.
  #[error("corrupt artefact: {reason}")]
  Artefact {
    /// What is wrong.
    reason: String,
  },
  /// An artefact was written by an incompatible format version.
  #[error("unsupported artefact version: {reason}")]
  Version {
    /// Which versions were found and expected.
    reason: String,
  },
  /// An artefact belongs to another model.
  #[error("model mismatch: {reason}")]
  ModelMismatch {
    /// Which commitments differ.
    reason: String,
  },
  /// A proof failed verification.
  #[error("{reason}")]
  InvalidProof {
    /// Which check failed.
    reason: String,
  },
  /// The prover failed inside nova-snark.
  #[error("proving failed in {stage}: {source}")]
  Proving {
    /// Which stage failed (setup, fold, compress).
    stage: &'static str,
    /// The underlying error.
    #[source]
    source: NovaError,
  },
  /// The prover was cancelled through its progress handle.
  #[error("proving was cancelled")]
  Cancelled,
  /// Writing a checkpoint failed.
  #[error("checkpoint {path}: {source}")]
  Checkpoint {
    /// The file involved.
    path: String,
    /// The underlying error.
    #[source]
    source: std::io::Error,
  },
  /// An SRS file is unreadable, malformed, too small or not the one a key pins.
  #[error("SRS {path}: {reason}")]
  Srs {
    /// The file involved (or what stood for it).
    path: String,
    /// What is wrong.
    reason: String,
  },
  /// Reading or writing the parameter cache failed.
  #[error("parameter cache {path}: {source}")]
  Cache {
    /// The file involved.
    path: String,
    /// The underlying error.
    #[source]
    source: std::io::Error,
  },
}

impl FoldError {
  pub(crate) fn model(reason: impl Into<String>) -> Self {
    Self::InvalidModel {
      reason: reason.into(),
    }
  }
  pub(crate) fn artefact(reason: impl Into<String>) -> Self {
    Self::Artefact {
      reason: reason.into(),
    }
  }
  pub(crate) fn invalid(reason: impl Into<String>) -> Self {
    Self::InvalidProof {
      reason: reason.into(),
    }
  }
}

/// Result alias for the crate.
pub type Result<T> = std::result::Result<T, FoldError>;
