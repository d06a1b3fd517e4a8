"""Uploaded models: content-addressed ONNX files, validated on upload, compiled per variant.

A model's id is the SHA-256 of its ONNX bytes. Upload validates it the way ``folding
compile`` would (import and quantization), so a bad model is refused at once with the node
or setting at fault; the slow part of compiling (key setup) runs once per variant (options),
the first time a job or a caller needs it, and its artefact is kept on disk.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any, Generic, TypeVar

from folding import api
from folding.api import CompiledModel
from folding.onnx_import import load_onnx
from folding.quant_ir import QuantizedModel
from folding.service.config import ServiceConfig
from folding.service.store import ArtefactStore, JobStore, Options
from folding.srs import Srs

K = TypeVar("K")
V = TypeVar("V")


class UnknownModelError(KeyError):
    """No model has this id."""


class _Lru(Generic[K, V]):
    """A small thread-safe LRU map (compiled models of deep networks are large)."""

    def __init__(self, size: int) -> None:
        self._size, self._items, self._lock = size, OrderedDict[K, V](), threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
            return None

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)


def _static_info(quantized: QuantizedModel, params: int) -> dict[str, Any]:
    st = quantized.settings
    return {"layers": len(quantized.layers), "parameters": params,
            "input_dim": quantized.input_dim, "output_dim": quantized.output_dim,
            "settings": {"act_bits": st.act_bits, "weight_bits": st.weight_bits,
                         "shift": st.shift, "input_scale": quantized.input_scale,
                         "output_scale": quantized.output_scale}}


def _variant_info(compiled: CompiledModel) -> dict[str, Any]:
    segments = [{"first_layer": f, "num_steps": n, "layers_per_step": k}
                for f, n, k in compiled.segments]
    srs_id = compiled.verifier_key.srs_id
    return {"commitment": compiled.commitment.hex(), "segments": segments,
            "total_steps": sum(s["num_steps"] for s in segments),
            "verifier_key_bytes": len(compiled.verifier_key.to_bytes()),
            "engine": compiled.engine, "srs_id": srs_id.hex() if srs_id else ""}


class ModelRegistry:
    """The models a server knows, and their compiled variants.

    Args:
        store: Model metadata.
        files: Where the ONNX files and compiled artefacts live.
        config: The server's settings (parameter cache).
    """

    def __init__(self, store: JobStore, files: ArtefactStore, config: ServiceConfig) -> None:
        self._store, self._files, self._config = store, files, config
        self._quantized = _Lru[str, QuantizedModel](4)
        self._compiled = _Lru[tuple[str, Options], CompiledModel](2)
        self._locks: dict[tuple[str, Options], threading.Lock] = {}
        self._locks_lock = threading.Lock()

    def ingest(self, model_id: str, staged: Path) -> tuple[dict[str, Any], bool]:
        """Validates a staged upload whose SHA-256 is ``model_id`` and stores it under that
        id; returns the model's info and whether it is new. An already stored model is not
        validated again.

        Raises:
            ModelImportError, QuantizationError: The model cannot be proven (naming the node
                or setting).
        """
        if self._store.get_model(model_id) is not None:
            staged.unlink(missing_ok=True)
            return self.info(model_id), False
        data = staged.read_bytes()
        float_model = load_onnx(data)
        quantized = api.quantize_model(float_model)
        self._quantized.put(model_id, quantized)
        staged.replace(self._files.model(model_id))
        created = self._store.put_model(model_id, len(data),
                                        _static_info(quantized, float_model.num_parameters))
        return self.info(model_id), created

    def info(self, model_id: str) -> dict[str, Any]:
        """The model's size, layers, settings and compiled variants."""
        found = self._store.get_model(model_id)
        if found is None:
            raise UnknownModelError(model_id)
        size, info = found
        variants = [{"options": o, **v} for o, v in self._store.variants(model_id)]
        return {"model_id": model_id, "size_bytes": size, **info, "compiled": variants}

    def quantized(self, model_id: str) -> QuantizedModel:
        """The quantized model (import and quantization are repeated after a restart)."""
        cached = self._quantized.get(model_id)
        if cached is not None:
            return cached
        if self._store.get_model(model_id) is None:
            raise UnknownModelError(model_id)
        quantized = api.quantize_model(load_onnx(self._files.model(model_id).read_bytes()))
        self._quantized.put(model_id, quantized)
        return quantized

    def variant(self, model_id: str, options: Options) -> dict[str, Any] | None:
        """The info of a compiled variant, or None if it is not compiled yet."""
        if self._store.get_model(model_id) is None:
            raise UnknownModelError(model_id)
        return next((v for o, v in self._store.variants(model_id) if o == options), None)

    def compiled(self, model_id: str, options: Options) -> CompiledModel:
        """The compiled variant, compiling it (once, however many callers ask) if needed."""
        key = (model_id, options)
        with self._locks_lock:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            cached = self._compiled.get(key)
            if cached is not None:
                return cached
            path = self._files.variant(model_id, options)
            if path.exists() and self.variant(model_id, options) is not None:
                compiled = CompiledModel.from_bytes(path.read_bytes())
            else:
                srs = None
                if options.engine == "bn254" and self._config.srs_path is not None:
                    srs = Srs.open(self._config.srs_path)
                compiled = api.compile(
                    self.quantized(model_id), private_weights=options.private_weights,
                    layers_per_step=options.layers_per_step or None,
                    cache_dir=self._config.params_dir, engine=options.engine, srs=srs)
                self._files.write(path, compiled.to_bytes())
                self._store.put_variant(model_id, options, _variant_info(compiled))
            self._compiled.put(key, compiled)
            return compiled
