//! `folding._native`: the thin PyO3 layer over `folding-core`. It converts arguments,
//! releases the GIL while Rust works, and maps errors (see `errors.rs`); no logic lives here.
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use folding_core::checkpoint::Checkpointer;
use folding_core::engine::EngineId;
use folding_core::keys::KeySource;
use folding_core::model::{
  self, ConvLayer, DenseLayer, Layer, Network, PoolLayer, PoolOp, Settings, Skip, WeightMode,
  Window,
};
use folding_core::plan::{self, Plan, PlanOptions};
use folding_core::proof::{ProofBundle, SegmentResult, VerifierKeyBundle};
use folding_core::prover::{self, stage};
use folding_core::srs::Srs;
use folding_core::verifier::VerifyOptions;
use folding_core::{batch, parallel, profile, verifier, with_profile, FoldError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

mod errors;

/// Runs `f` without the GIL; a panic inside becomes a typed error, never a Python crash.
fn run<T: Send>(py: Python<'_>, f: impl FnOnce() -> Result<T, FoldError> + Send) -> PyResult<T> {
  let res = py.detach(|| {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|p| {
      let what = p
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "unknown panic".into());
      Err(FoldError::InvalidProof {
        reason: format!("internal error: {what}"),
      })
    })
  });
  res.map_err(|e| errors::to_py(py, e))
}

fn i64s(name: &str, b: &[u8]) -> PyResult<Vec<i64>> {
  if b.len() % 8 != 0 {
    return Err(pyo3::exceptions::PyValueError::new_err(format!(
      "{name}: byte length {} is not a multiple of 8",
      b.len()
    )));
  }
  Ok(
    b.chunks_exact(8)
      .map(|c| i64::from_le_bytes(c.try_into().unwrap()))
      .collect(),
  )
}

/// Shared progress of a running proof; poll it from another Python thread.
#[pyclass(module = "folding._native", frozen)]
#[derive(Default)]
struct Progress {
  inner: Arc<prover::Progress>,
}

#[pymethods]
impl Progress {
  #[new]
  fn new() -> Self {
    Self::default()
  }
  /// Steps folded so far.
  #[getter]
  fn steps_done(&self) -> u64 {
    self.inner.steps_done.load(Ordering::Relaxed)
  }
  /// Total steps of the proof.
  #[getter]
  fn total_steps(&self) -> u64 {
    self.inner.total_steps.load(Ordering::Relaxed)
  }
  /// Index of the current segment.
  #[getter]
  fn segment(&self) -> u64 {
    self.inner.segment.load(Ordering::Relaxed)
  }
  /// Current stage: idle, setup, fold, compress or done.
  #[getter]
  fn stage(&self) -> &'static str {
    match self.inner.stage.load(Ordering::Relaxed) {
      stage::SETUP => "setup",
      stage::FOLD => "fold",
      stage::COMPRESS => "compress",
      stage::DONE => "done",
      _ => "idle",
    }
  }
  /// Asks the prover to stop at the next step (it raises ProvingError).
  fn cancel(&self) {
    self.inner.cancel.store(true, Ordering::Relaxed);
  }
}

fn engine_id(name: &str) -> PyResult<EngineId> {
  EngineId::from_name(name).ok_or_else(|| {
    pyo3::exceptions::PyValueError::new_err(format!(
      "unknown engine {name:?}: expected \"pasta\" or \"bn254\""
    ))
  })
}

/// Opens (and checks) an SRS file if one is named.
fn open_srs(path: Option<&PathBuf>) -> Result<Option<Srs>, FoldError> {
  path.map(|p| Srs::open(p)).transpose()
}

/// A quantized network held natively, with its segment plan and engine profile.
#[pyclass(module = "folding._native", frozen)]
struct NativeModel {
  net: Network,
  plan: Plan,
  engine: EngineId,
}

/// One layer from Python: `(kind, n_in, n_out, relu, weight_i64_le, bias_i64_le, window,
/// c_out, skip, pool)` with `kind` "dense", "conv", "maxpool" or "avgpool"; `window` is
/// `[c, h, w, kh, kw, sh, sw, top, left, bottom, right]` (map layers), `skip` is
/// `(from_layer, mult)` and `pool` is `(mult, bias)` (average pooling).
type LayerArgs = (
  String,
  usize,
  usize,
  bool,
  Vec<u8>,
  Vec<u8>,
  Option<[usize; 11]>,
  usize,
  Option<(usize, i64)>,
  Option<(i64, i64)>,
);

fn window(l: usize, geometry: Option<[usize; 11]>) -> PyResult<Window> {
  let g = geometry.ok_or_else(|| {
    pyo3::exceptions::PyValueError::new_err(format!("layer {l}: a map layer needs its window"))
  })?;
  Ok(Window {
    channels: g[0],
    height: g[1],
    width: g[2],
    kernel: (g[3], g[4]),
    stride: (g[5], g[6]),
    pads: [g[7], g[8], g[9], g[10]],
  })
}

fn layer_from_args(l: usize, args: LayerArgs) -> PyResult<Layer> {
  let (kind, n_in, n_out, relu, w, b, geometry, c_out, skip, pool) = args;
  let skip = skip.map(|(from, mult)| Skip { from, mult });
  let layer = match kind.as_str() {
    "dense" if skip.is_none() => Layer::Dense(DenseLayer {
      n_in,
      n_out,
      relu,
      weight: i64s(&format!("layer {l} weights"), &w)?,
      bias: i64s(&format!("layer {l} biases"), &b)?,
    }),
    "conv" => Layer::Conv(ConvLayer {
      window: window(l, geometry)?,
      c_out,
      relu,
      weight: i64s(&format!("layer {l} weights"), &w)?,
      bias: i64s(&format!("layer {l} biases"), &b)?,
      skip,
    }),
    "maxpool" => Layer::Pool(PoolLayer {
      window: window(l, geometry)?,
      op: PoolOp::Max,
      relu,
    }),
    "avgpool" => {
      let (mult, bias) = pool.ok_or_else(|| {
        pyo3::exceptions::PyValueError::new_err(format!(
          "layer {l}: average pooling needs (mult, bias)"
        ))
      })?;
      Layer::Pool(PoolLayer {
        window: window(l, geometry)?,
        op: PoolOp::Avg { mult, bias },
        relu,
      })
    }
    "dense" => {
      return Err(pyo3::exceptions::PyValueError::new_err(format!(
        "layer {l}: the prover supports residual connections on convolutions only"
      )))
    }
    other => {
      return Err(pyo3::exceptions::PyValueError::new_err(format!(
        "layer {l}: unknown kind {other:?}"
      )))
    }
  };
  if (layer.n_in(), layer.n_out()) != (n_in, n_out) {
    return Err(pyo3::exceptions::PyValueError::new_err(format!(
      "layer {l}: its geometry gives {}->{}, the caller says {n_in}->{n_out}",
      layer.n_in(),
      layer.n_out()
    )));
  }
  Ok(layer)
}

#[pymethods]
impl NativeModel {
  /// Builds a model from `(n_in, n_out, relu, weight_i64_le, bias_i64_le)` layers.
  ///
  /// `segments` (`(first_layer, num_steps, layers_per_step)` triples) fixes the plan;
  /// otherwise it is planned with `layers_per_step` and the nonzero budget.
  #[new]
  #[pyo3(signature = (act_bits, weight_bits, shift, layers, private, salts, segments=None, layers_per_step=None, max_segment_nnz=None, max_segment_steps=None, engine="pasta"))]
  #[allow(clippy::too_many_arguments)]
  fn new(
    py: Python<'_>,
    act_bits: u32,
    weight_bits: u32,
    shift: u32,
    layers: Vec<LayerArgs>,
    private: bool,
    salts: Vec<Vec<u8>>,
    segments: Option<Vec<(usize, usize, usize)>>,
    layers_per_step: Option<usize>,
    max_segment_nnz: Option<usize>,
    max_segment_steps: Option<usize>,
    engine: &str,
  ) -> PyResult<Self> {
    let engine = engine_id(engine)?;
    let layers = layers
      .into_iter()
      .enumerate()
      .map(|(l, args)| layer_from_args(l, args))
      .collect::<PyResult<Vec<Layer>>>()?;
    let salts = salts
      .into_iter()
      .map(|s| {
        <[u8; 32]>::try_from(s.as_slice())
          .map_err(|_| pyo3::exceptions::PyValueError::new_err("salts must be 32 bytes"))
      })
      .collect::<PyResult<Vec<_>>>()?;
    let settings = Settings {
      act_bits,
      weight_bits,
      shift,
    };
    let mode = if private {
      WeightMode::Private
    } else {
      WeightMode::Public
    };
    run(py, move || {
      let net = Network::new(settings, layers, mode, salts)?;
      let plan = match segments {
        Some(s) => plan::plan_from_segments(&net, &s)?,
        None => plan::plan(
          &net,
          &PlanOptions {
            layers_per_step,
            max_segment_nnz: max_segment_nnz.or(engine.default_segment_nnz()),
            max_segment_steps,
          },
        )?,
      };
      Ok(Self { net, plan, engine })
    })
  }

  /// The engine profile's name.
  #[getter]
  fn engine(&self) -> &'static str {
    self.engine.name()
  }

  /// `log2` of the SRS size (G1 powers) the bn254 engine needs for this model's keys.
  fn srs_log_size(&self, py: Python<'_>) -> PyResult<u32> {
    run(py, || folding_core::engine::srs_log_size(&self.net, &self.plan))
  }

  /// The plan: one dict per segment (layers, steps, shape and size estimates).
  fn plan<'py>(&self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyDict>>> {
    self
      .plan
      .segments
      .iter()
      .map(|s| {
        let d = PyDict::new(py);
        d.set_item("first_layer", s.first_layer)?;
        d.set_item("first_step", s.first_step)?;
        d.set_item("num_steps", s.num_steps)?;
        d.set_item("layers_per_step", s.layers_per_step())?;
        let slots: Vec<(usize, usize, bool, u32, usize, &'static str)> = s
          .shape
          .slots
          .iter()
          .map(|t| {
            (
              t.n_in,
              t.n_out,
              t.relu,
              t.layout.lane_bits,
              t.layout.lanes,
              t.kind.name(),
            )
          })
          .collect();
        d.set_item("slots", slots)?;
        d.set_item("estimated_constraints", plan::estimate_constraints(s))?;
        if self.engine.needs_srs() {
          let need = run(py, || folding_core::engine::segment_srs_log_size(&self.net, s))?;
          d.set_item("srs_log_size", need)?;
        }
        Ok(d)
      })
      .collect()
  }

  /// Integer forward pass (every layer's output), the prover's witness generator.
  fn forward(&self, py: Python<'_>, x: Vec<i64>) -> PyResult<Vec<Vec<i64>>> {
    run(py, || model::forward(&self.net, &x))
  }

  /// Sets up (or loads from `cache_dir`) every segment's keys; returns the verifier key.
  /// The bn254 profile needs `srs` (a Powers-of-Tau file) unless the parameters are cached.
  #[pyo3(signature = (cache_dir=None, srs=None))]
  fn setup<'py>(
    &self,
    py: Python<'py>,
    cache_dir: Option<PathBuf>,
    srs: Option<PathBuf>,
  ) -> PyResult<Bound<'py, PyBytes>> {
    let vk = run(py, || {
      let srs = open_srs(srs.as_ref())?;
      let source = KeySource {
        cache_dir: cache_dir.as_deref(),
        srs: srs.as_ref(),
      };
      with_profile!(self.engine, P => prover::setup::<P>(&self.net, &self.plan, &source))
    })?;
    Ok(PyBytes::new(py, &vk.to_bytes()))
  }

  /// Proves one inference; returns `(proof, stats)`. With `checkpoint` (a file path) the
  /// proof resumes from that file when it holds a checkpoint of this very proof, saves one
  /// every `checkpoint_every` steps, after each segment and when cancelled, and removes it
  /// when done.
  #[pyo3(signature = (x, cache_dir=None, progress=None, checkpoint=None, checkpoint_every=0, srs=None))]
  #[allow(clippy::too_many_arguments)]
  fn prove<'py>(
    &self,
    py: Python<'py>,
    x: Vec<i64>,
    cache_dir: Option<PathBuf>,
    progress: Option<&Progress>,
    checkpoint: Option<PathBuf>,
    checkpoint_every: u64,
    srs: Option<PathBuf>,
  ) -> PyResult<(Bound<'py, PyBytes>, Bound<'py, PyDict>)> {
    // The prover hashes the model commitment one segment key at a time and keeps no key:
    // the compiled model has the verifier key, and holding every segment's key (tens of MB in
    // public-model mode) showed in the prover's peak memory.
    let handle = progress.map(|p| p.inner.clone()).unwrap_or_default();
    let (proof, stats) = run(py, || {
      let srs = open_srs(srs.as_ref())?;
      let source = KeySource {
        cache_dir: cache_dir.as_deref(),
        srs: srs.as_ref(),
      };
      let (net, plan) = (&self.net, &self.plan);
      let (proof, stats) = with_profile!(self.engine, P => match &checkpoint {
        None => prover::prove::<P>(net, plan, &x, &source, &handle)?,
        Some(path) => {
          let ck = Checkpointer::new(path, checkpoint_every, self.engine, net, plan, &x);
          prover::prove_resumable::<P>(net, plan, &x, &source, &handle, &ck)?
        }
      });
      Ok((proof.to_bytes(), stats))
    })?;
    let d = stats_dict(py, &stats)?;
    Ok((PyBytes::new(py, &proof), d))
  }

  /// Proves segment `segment` alone from the activations entering each of its steps (a
  /// cluster worker's share of one proof); returns `(segment_proof, stats)`. With
  /// `checkpoint` the segment resumes from, and saves, its own checkpoint file.
  #[pyo3(signature = (segment, x, step_inputs, cache_dir=None, progress=None, checkpoint=None, checkpoint_every=0, srs=None))]
  #[allow(clippy::too_many_arguments)]
  fn prove_segment<'py>(
    &self,
    py: Python<'py>,
    segment: usize,
    x: Vec<i64>,
    step_inputs: Vec<Vec<i64>>,
    cache_dir: Option<PathBuf>,
    progress: Option<&Progress>,
    checkpoint: Option<PathBuf>,
    checkpoint_every: u64,
    srs: Option<PathBuf>,
  ) -> PyResult<(Bound<'py, PyBytes>, Bound<'py, PyDict>)> {
    let handle = progress.map(|p| p.inner.clone()).unwrap_or_default();
    let (proof, stats) = run(py, || {
      let srs = open_srs(srs.as_ref())?;
      let source = KeySource {
        cache_dir: cache_dir.as_deref(),
        srs: srs.as_ref(),
      };
      let ck = checkpoint.as_deref().map(|path| {
        Checkpointer::new(path, checkpoint_every, self.engine, &self.net, &self.plan, &x)
      });
      let (proof, stats) = with_profile!(self.engine, P => parallel::prove_one_segment::<P>(
        &self.net,
        &self.plan,
        segment,
        &x,
        &step_inputs,
        &source,
        &handle,
        ck.as_ref(),
      )?);
      Ok((proof.to_bytes(), stats))
    })?;
    let d = stats_dict(py, &stats)?;
    Ok((PyBytes::new(py, &proof), d))
  }

  /// Puts segment proofs (any order) together into the proof of input `x` for the model
  /// whose verifier key has commitment `commitment` (and pins SRS `srs`, the bn254
  /// profile); checks that they chain from `x` to its output.
  #[pyo3(signature = (x, segments, commitment, srs=None))]
  fn assemble<'py>(
    &self,
    py: Python<'py>,
    x: Vec<i64>,
    segments: Vec<Vec<u8>>,
    commitment: [u8; 32],
    srs: Option<[u8; 32]>,
  ) -> PyResult<Bound<'py, PyBytes>> {
    let proof = run(py, || {
      let parts = segments
        .iter()
        .map(|b| SegmentResult::from_bytes(b))
        .collect::<Result<Vec<_>, _>>()?;
      let (net, plan) = (&self.net, &self.plan);
      let proof = with_profile!(self.engine, P => {
        parallel::assemble::<P>(net, plan, &x, commitment, srs, parts)?
      });
      Ok(proof.to_bytes())
    })?;
    Ok(PyBytes::new(py, &proof))
  }

  /// Sets up (or loads) the batch step's keys for `items` inputs per step; returns the
  /// batch verifier key (one key serves any batch size).
  #[pyo3(signature = (items, cache_dir=None, srs=None))]
  fn setup_batch<'py>(
    &self,
    py: Python<'py>,
    items: usize,
    cache_dir: Option<PathBuf>,
    srs: Option<PathBuf>,
  ) -> PyResult<Bound<'py, PyBytes>> {
    let vk = run(py, || {
      let srs = open_srs(srs.as_ref())?;
      let source = KeySource {
        cache_dir: cache_dir.as_deref(),
        srs: srs.as_ref(),
      };
      with_profile!(self.engine, P => batch::setup::<P>(&self.net, items, &source))
    })?;
    Ok(PyBytes::new(py, &vk.to_bytes()))
  }

  /// Proves a batch of inputs, `items` per step; returns `(proof, verifier_key, stats)`.
  /// The proof states the batch padded with zero inputs to a multiple of `items`.
  #[pyo3(signature = (xs, items, cache_dir=None, progress=None, srs=None))]
  fn prove_batch<'py>(
    &self,
    py: Python<'py>,
    xs: Vec<Vec<i64>>,
    items: usize,
    cache_dir: Option<PathBuf>,
    progress: Option<&Progress>,
    srs: Option<PathBuf>,
  ) -> PyResult<(Bound<'py, PyBytes>, Bound<'py, PyBytes>, Bound<'py, PyDict>)> {
    let handle = progress.map(|p| p.inner.clone()).unwrap_or_default();
    let (proof, vk, stats) = run(py, || {
      let srs = open_srs(srs.as_ref())?;
      let source = KeySource {
        cache_dir: cache_dir.as_deref(),
        srs: srs.as_ref(),
      };
      with_profile!(self.engine, P => batch::prove::<P>(&self.net, items, &xs, &source, &handle))
    })?;
    Ok((
      PyBytes::new(py, &proof.to_bytes()),
      PyBytes::new(py, &vk.to_bytes()),
      stats_dict(py, &stats)?,
    ))
  }

  /// Profiles each segment against its MSM floor (see `folding_core::profile`): one dict
  /// per segment with sizes by constraint family and the timings of one step's parts.
  #[pyo3(signature = (x, cache_dir=None, reps=3, srs=None))]
  fn profile<'py>(
    &self,
    py: Python<'py>,
    x: Vec<i64>,
    cache_dir: Option<PathBuf>,
    reps: usize,
    srs: Option<PathBuf>,
  ) -> PyResult<Vec<Bound<'py, PyDict>>> {
    let prof = run(py, || {
      let srs = open_srs(srs.as_ref())?;
      let source = KeySource {
        cache_dir: cache_dir.as_deref(),
        srs: srs.as_ref(),
      };
      with_profile!(self.engine, P => profile::profile::<P>(&self.net, &self.plan, &x, &source, reps))
    })?;
    prof
      .iter()
      .map(|s| {
        let d = PyDict::new(py);
        d.set_item("segment", s.segment)?;
        d.set_item("steps", s.steps)?;
        d.set_item("layers_per_step", s.layers_per_step)?;
        let fam: Vec<(String, u64, u64, u64)> = s
          .families
          .iter()
          .map(|f| (f.family.clone(), f.constraints, f.nonzeros, f.variables))
          .collect();
        d.set_item("families", fam)?;
        d.set_item("step_constraints", s.step_constraints())?;
        d.set_item("step_nonzeros", s.step_nonzeros)?;
        d.set_item("primary_constraints", s.primary_constraints)?;
        d.set_item("primary_variables", s.primary_variables)?;
        d.set_item("secondary_constraints", s.secondary_constraints)?;
        d.set_item("secondary_variables", s.secondary_variables)?;
        d.set_item("msm_witness_ms", s.msm_witness_ms)?;
        d.set_item("msm_cross_term_ms", s.msm_cross_term_ms)?;
        d.set_item("msm_secondary_ms", s.msm_secondary_ms)?;
        d.set_item("floor_ms", s.floor_ms())?;
        d.set_item("synthesis_ms", s.synthesis_ms)?;
        d.set_item("matvec_ms", s.matvec_ms)?;
        d.set_item("load_ms", s.load_ms)?;
        Ok(d)
      })
      .collect()
  }
}

fn stats_dict<'py>(py: Python<'py>, stats: &prover::ProveStats) -> PyResult<Bound<'py, PyDict>> {
  let d = PyDict::new(py);
  d.set_item("setup_s", stats.setup_s)?;
  d.set_item("witness_s", stats.witness_s)?;
  d.set_item("fold_s", stats.fold_s)?;
  d.set_item("compress_s", stats.compress_s)?;
  let segs = stats
    .segments
    .iter()
    .map(|s| {
      let e = PyDict::new(py);
      e.set_item("steps", s.steps)?;
      e.set_item("constraints", s.constraints)?;
      e.set_item("variables", s.variables)?;
      e.set_item("witness_s", s.witness_s)?;
      e.set_item("fold_s", s.fold_s)?;
      e.set_item("compress_s", s.compress_s)?;
      Ok(e)
    })
    .collect::<PyResult<Vec<_>>>()?;
  d.set_item("segments", segs)?;
  d.set_item("cached_segments", stats.cached_segments)?;
  d.set_item("resumed_from_step", stats.resumed_from_step)?;
  Ok(d)
}

/// Keeps the keys of the `segments` most recently used segment circuits in memory (0, the
/// default, keeps none): for long-lived workers that prove the same shapes again.
#[pyfunction]
fn keep_keys_in_memory(segments: usize) {
  folding_core::keys::keep_in_memory(segments);
}

fn verify_options(cache_dir: Option<PathBuf>, expected_srs: Option<[u8; 32]>) -> VerifyOptions {
  VerifyOptions {
    cache_dir,
    expected_srs,
  }
}

/// Verifies an encoded proof against an encoded verifier key; raises on any failure.
/// `cache_dir` holds the machine's derived key parts; `expected_srs` (an SRS id) makes a key
/// that pins another SRS fail.
#[pyfunction]
#[pyo3(signature = (verifier_key, proof, cache_dir=None, expected_srs=None))]
fn verify(
  py: Python<'_>,
  verifier_key: Vec<u8>,
  proof: Vec<u8>,
  cache_dir: Option<PathBuf>,
  expected_srs: Option<[u8; 32]>,
) -> PyResult<()> {
  run(py, move || {
    let vk = VerifierKeyBundle::from_bytes(&verifier_key)?;
    let proof = ProofBundle::from_bytes(&proof)?;
    verifier::verify(&vk, &proof, &verify_options(cache_dir, expected_srs))
  })
}

/// A verifier key with its segment keys decoded once (decoding is most of a cold
/// verification); keep one per model to check many proofs.
#[pyclass(module = "folding._native", frozen)]
struct PreparedVerifier {
  inner: Arc<verifier::PreparedVerifier>,
}

#[pymethods]
impl PreparedVerifier {
  #[new]
  #[pyo3(signature = (verifier_key, cache_dir=None, expected_srs=None))]
  fn new(
    py: Python<'_>,
    verifier_key: Vec<u8>,
    cache_dir: Option<PathBuf>,
    expected_srs: Option<[u8; 32]>,
  ) -> PyResult<Self> {
    let inner = run(py, move || {
      verifier::PreparedVerifier::new(
        VerifierKeyBundle::from_bytes(&verifier_key)?,
        verify_options(cache_dir, expected_srs),
      )
    })?;
    Ok(PreparedVerifier {
      inner: Arc::new(inner),
    })
  }

  /// Checks an encoded proof; raises with the failed check on rejection.
  fn verify(&self, py: Python<'_>, proof: Vec<u8>) -> PyResult<()> {
    let inner = self.inner.clone();
    run(py, move || inner.verify(&ProofBundle::from_bytes(&proof)?))
  }
}

/// The model commitment (32 bytes) of an encoded verifier key.
#[pyfunction]
fn model_commitment<'py>(py: Python<'py>, verifier_key: Vec<u8>) -> PyResult<Bound<'py, PyBytes>> {
  let c = run(py, move || {
    Ok(VerifierKeyBundle::from_bytes(&verifier_key)?.commitment())
  })?;
  Ok(PyBytes::new(py, &c))
}

/// Public contents of an encoded proof: commitment, input, output, segment count.
#[pyfunction]
fn proof_info<'py>(py: Python<'py>, proof: Vec<u8>) -> PyResult<Bound<'py, PyDict>> {
  let p = run(py, move || ProofBundle::from_bytes(&proof))?;
  let d = PyDict::new(py);
  d.set_item("engine", p.engine.name())?;
  d.set_item("srs_id", p.srs.map(|s| PyBytes::new(py, &s)))?;
  d.set_item("model_commitment", PyBytes::new(py, &p.model_commitment))?;
  d.set_item("input", p.input)?;
  d.set_item("output", p.output)?;
  d.set_item("segments", p.segments.len())?;
  d.set_item(
    "snark_bytes",
    p.segments.iter().map(|s| s.snark.len()).sum::<usize>(),
  )?;
  Ok(d)
}

/// Public contents of an encoded verifier key.
#[pyfunction]
fn verifier_key_info<'py>(py: Python<'py>, verifier_key: &[u8]) -> PyResult<Bound<'py, PyDict>> {
  let (vk, commitment) = run(py, move || {
    let vk = VerifierKeyBundle::from_bytes(verifier_key)?;
    let commitment = vk.commitment();
    Ok((vk, commitment))
  })?;
  let d = PyDict::new(py);
  d.set_item("model_commitment", PyBytes::new(py, &commitment))?;
  d.set_item("engine", vk.engine.name())?;
  d.set_item(
    "srs_id",
    vk.srs_g2
      .as_deref()
      .map(|g| PyBytes::new(py, &folding_core::srs::srs_id(g))),
  )?;
  d.set_item("act_bits", vk.act_bits)?;
  d.set_item("private", vk.mode == WeightMode::Private)?;
  d.set_item("input_dim", vk.input_dim)?;
  d.set_item("output_dim", vk.output_dim)?;
  d.set_item("segments", vk.segments.len())?;
  Ok(d)
}

fn srs_dict<'py>(py: Python<'py>, srs: &Srs) -> PyResult<Bound<'py, PyDict>> {
  let d = PyDict::new(py);
  d.set_item("path", srs.path().display().to_string())?;
  d.set_item("log_size", srs.log_size())?;
  d.set_item("id", PyBytes::new(py, &srs.id()))?;
  d.set_item("tau_g2", PyBytes::new(py, &srs.tau_g2()))?;
  Ok(d)
}

/// Makes a single-party SRS of `2^log_size` powers at `path`; returns its description.
#[pyfunction]
fn srs_new<'py>(py: Python<'py>, path: PathBuf, log_size: u32) -> PyResult<Bound<'py, PyDict>> {
  let srs = run(py, move || Srs::generate(&path, log_size))?;
  srs_dict(py, &srs)
}

/// Opens and checks an SRS file; returns its description (path, log_size, id, tau_g2).
#[pyfunction]
fn srs_info<'py>(py: Python<'py>, path: PathBuf) -> PyResult<Bound<'py, PyDict>> {
  let srs = run(py, move || Srs::open(&path))?;
  srs_dict(py, &srs)
}

/// The Rust core of `folding` (private: use the `folding` package).
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
  m.add_class::<Progress>()?;
  m.add_class::<NativeModel>()?;
  m.add_class::<PreparedVerifier>()?;
  m.add_function(wrap_pyfunction!(verify, m)?)?;
  m.add_function(wrap_pyfunction!(model_commitment, m)?)?;
  m.add_function(wrap_pyfunction!(proof_info, m)?)?;
  m.add_function(wrap_pyfunction!(verifier_key_info, m)?)?;
  m.add_function(wrap_pyfunction!(keep_keys_in_memory, m)?)?;
  m.add_function(wrap_pyfunction!(srs_new, m)?)?;
  m.add_function(wrap_pyfunction!(srs_info, m)?)?;
  m.add("NOVA_SNARK_VERSION", folding_core::keys::NOVA_VERSION)?;
  m.add("CIRCUIT_VERSION", folding_core::CIRCUIT_VERSION)?;
  Ok(())
}
