//! The one place where core errors become the Python exceptions of `folding.errors`.
use folding_core::FoldError;
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

fn raise(
  py: Python<'_>,
  class: &str,
  msg: Option<String>,
  kwargs: Option<&Bound<'_, PyDict>>,
) -> PyErr {
  let made = py
    .import("folding.errors")
    .and_then(|m| m.getattr(class))
    .and_then(|c| match msg {
      Some(m) => c.call1((m,)),
      None => c.call((), kwargs),
    });
  match made {
    Ok(exc) => PyErr::from_value(exc),
    Err(e) => e,
  }
}

/// Converts a core error into the matching `folding.errors` exception, keeping its message.
pub fn to_py(py: Python<'_>, err: FoldError) -> PyErr {
  let msg = err.to_string();
  match err {
    FoldError::OutOfRange {
      layer,
      neuron,
      value,
      lo,
      hi,
    } => {
      let kw = PyDict::new(py);
      let set = || -> PyResult<()> {
        kw.set_item("layer", layer)?;
        kw.set_item("layer_name", py.None())?;
        kw.set_item("neuron", neuron)?;
        kw.set_item("value", value)?;
        kw.set_item("bounds", (lo, hi))?;
        Ok(())
      };
      match set() {
        Ok(()) => raise(py, "RangeError", None, Some(&kw)),
        Err(e) => e,
      }
    }
    FoldError::InvalidModel { .. } => raise(py, "QuantizationError", Some(msg), None),
    FoldError::InvalidInput { .. } => raise(py, "InputError", Some(msg), None),
    FoldError::Artefact { .. } => raise(py, "ArtefactError", Some(msg), None),
    FoldError::Version { .. } => raise(py, "ArtefactVersionError", Some(msg), None),
    FoldError::ModelMismatch { .. } => raise(py, "ModelMismatchError", Some(msg), None),
    FoldError::InvalidProof { reason } => raise(py, "VerificationError", Some(reason), None),
    FoldError::Cancelled => raise(py, "CancelledError", Some(msg), None),
    FoldError::Srs { .. } => raise(py, "SrsError", Some(msg), None),
    FoldError::Proving { .. } | FoldError::Cache { .. } | FoldError::Checkpoint { .. } => {
      raise(py, "ProvingError", Some(msg), None)
    }
    _ => PyRuntimeError::new_err(msg),
  }
}
