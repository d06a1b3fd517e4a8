"""The constant-handling pass: initializers, Constant nodes and external tensor data.

Constants are decoded lazily (on first use) so that inspecting a model does not decode tensors
it never needs, and an error names the tensor that caused it.

External data (docs: ``onnx.external_data_helper``) is only ever read from a plain file name
inside the caller's ``base_dir``; a location with a directory part, ``..``, an absolute path,
or a symlink that resolves outside ``base_dir`` is refused, so a model file cannot make the
library read arbitrary files.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import numpy as np
import onnx
from onnx import numpy_helper

from folding.errors import ModelImportError

#: Largest number of elements in one constant tensor (and in the whole model's layers).
MAX_PARAMETERS = 50_000_000

#: Operators evaluated by this pass rather than by a handler.
CONSTANT_OPS = ("Constant",)


def _tensor_elements(tensor: onnx.TensorProto) -> int:
    """The element count declared by ``tensor.dims``."""
    count = 1
    for dim in tensor.dims:
        if dim < 0:
            raise ModelImportError(f"tensor has a negative dimension {dim}", node=tensor.name)
        count *= dim
    return count


def _check_location(location: str) -> None:
    """Refuses any external-data location that is not a plain file name."""
    if (not location or location in (".", "..") or "/" in location or "\\" in location
            or "\0" in location or ":" in location or os.path.isabs(location)):
        raise ValueError(
            f"external data location {location!r} must be a plain file name beside the model "
            f"(no directories, '..' or absolute paths)"
        )


def _external_fields(tensor: onnx.TensorProto) -> dict[str, str]:
    return {entry.key: entry.value for entry in tensor.external_data}


def read_external_data(tensor: onnx.TensorProto, base_dir: str | os.PathLike[str] | None,
                       ) -> bytes:
    """Reads the raw bytes of a tensor stored as external data.

    Args:
        tensor: A tensor whose ``data_location`` is EXTERNAL.
        base_dir: The directory the model was loaded from; ``None`` refuses external data.

    Returns:
        Exactly the tensor's bytes (element count times element size).

    Raises:
        ModelImportError: Naming the tensor, for a refused location, a missing file or a
            size that does not match the tensor.
    """
    name = tensor.name
    if base_dir is None:
        raise ModelImportError(
            "tensor data is stored externally but no base directory was given "
            "(pass base_dir, the directory that holds the model and its data file)", node=name)
    fields = _external_fields(tensor)
    location = fields.get("location", "")
    try:
        _check_location(location)
        offset = int(fields.get("offset", "0"))
        length = int(fields["length"]) if "length" in fields else None
    except ValueError as exc:
        raise ModelImportError(str(exc), node=name) from exc
    if offset < 0 or (length is not None and length < 0):
        raise ModelImportError("external data offset and length must be >= 0", node=name)
    try:
        dtype = onnx.helper.tensor_dtype_to_np_dtype(tensor.data_type)
    except (KeyError, ValueError) as exc:
        raise ModelImportError(f"unknown tensor data type {tensor.data_type}", node=name) from exc
    count = _tensor_elements(tensor)
    if count > MAX_PARAMETERS:
        raise ModelImportError(f"tensor has {count} elements (limit {MAX_PARAMETERS})",
                               node=name)
    expected = count * dtype.itemsize
    if length is not None and length != expected:
        raise ModelImportError(
            f"external data length {length} does not match the tensor's {expected} bytes",
            node=name)
    root = os.path.realpath(os.fspath(base_dir))
    path = os.path.realpath(os.path.join(root, location))
    # realpath resolves symlinks: the file itself must live directly in base_dir.
    if os.path.dirname(path) != root or not os.path.isfile(path):
        raise ModelImportError(
            f"external data file {location!r} does not exist in {os.fspath(base_dir)!r}",
            node=name)
    try:
        with open(path, "rb") as handle:
            handle.seek(offset)
            data = handle.read(expected)
            trailing = handle.read(1) if length is None else b""
    except OSError as exc:
        raise ModelImportError(f"cannot read external data {location!r}: {exc}",
                               node=name) from exc
    if len(data) != expected:
        raise ModelImportError(
            f"external data file {location!r} holds only {len(data)} bytes at offset "
            f"{offset}; the tensor needs {expected}", node=name)
    if trailing:
        # Without a length the data runs to the end of the file, so extra bytes are an error.
        raise ModelImportError(
            f"external data file {location!r} holds more than the tensor's {expected} bytes "
            f"after offset {offset}", node=name)
    return data


def _all_tensors(graph: onnx.GraphProto) -> Iterator[onnx.TensorProto]:
    """Every tensor of the top-level graph: initializers and Constant node values."""
    yield from graph.initializer
    for node in graph.node:
        for attribute in node.attribute:
            if attribute.type == onnx.AttributeProto.TENSOR:
                yield attribute.t


def resolve_external_data(graph: onnx.GraphProto, base_dir: str | os.PathLike[str] | None,
                          ) -> list[ModelImportError]:
    """Replaces every external tensor's reference by its bytes, in place.

    Tensors that cannot be resolved are left external (decoding them later fails with their
    error); the errors are returned in graph order so that the caller decides whether to
    raise the first (loading) or list them all (inspecting).
    """
    problems: list[ModelImportError] = []
    for tensor in _all_tensors(graph):
        if tensor.data_location != onnx.TensorProto.EXTERNAL:
            continue
        try:
            data = read_external_data(tensor, base_dir)
        except ModelImportError as exc:
            problems.append(exc)
            continue
        tensor.raw_data = data
        del tensor.external_data[:]
        tensor.data_location = onnx.TensorProto.DEFAULT
    return problems


def decode_tensor(tensor: onnx.TensorProto) -> np.ndarray[Any, Any]:
    """Decodes an in-memory tensor, refusing oversized or unresolved ones by name."""
    if tensor.data_location == onnx.TensorProto.EXTERNAL:
        raise ModelImportError("tensor data is external and was not loaded", node=tensor.name)
    count = _tensor_elements(tensor)
    if count > MAX_PARAMETERS:
        raise ModelImportError(f"tensor has {count} elements (limit {MAX_PARAMETERS})",
                               node=tensor.name)
    try:
        array: np.ndarray[Any, Any] = numpy_helper.to_array(tensor)
    except Exception as exc:  # onnx raises ValueError, TypeError, KeyError, ... on bad data
        raise ModelImportError(f"cannot decode tensor: {exc}", node=tensor.name) from exc
    return array


def _constant_node_value(node: onnx.NodeProto, name: str) -> onnx.TensorProto | np.ndarray[
        Any, Any]:
    """The value of a Constant node (a tensor or an array built from a scalar attribute)."""
    if len(node.attribute) != 1:
        raise ModelImportError("Constant must have exactly one value attribute", node=name)
    attribute = node.attribute[0]
    if attribute.name == "value":
        tensor: onnx.TensorProto = attribute.t
        return tensor
    if attribute.name == "value_float":
        return np.array(attribute.f, dtype=np.float32)
    if attribute.name == "value_floats":
        return np.array(list(attribute.floats), dtype=np.float32)
    if attribute.name == "value_int":
        return np.array(attribute.i, dtype=np.int64)
    if attribute.name == "value_ints":
        return np.array(list(attribute.ints), dtype=np.int64)
    raise ModelImportError(f"Constant with attribute {attribute.name!r} is not supported",
                           node=name)


class ConstantTable:
    """The model's constant tensors by name, decoded on first use."""

    def __init__(self) -> None:
        self._sources: dict[str, onnx.TensorProto | np.ndarray[Any, Any]] = {}
        self._errors: dict[str, ModelImportError] = {}
        self._cache: dict[str, np.ndarray[Any, Any]] = {}

    def add(self, name: str, source: onnx.TensorProto | np.ndarray[Any, Any]) -> None:
        """Registers a constant (a tensor to decode later, or a ready array)."""
        self._sources[name] = source

    def add_error(self, name: str, error: ModelImportError) -> None:
        """Registers a constant whose value cannot be produced; using it raises ``error``."""
        self._errors[name] = error

    def alias(self, name: str, existing: str) -> None:
        """Registers ``name`` as another name of the constant ``existing``."""
        if existing in self._errors:
            self._errors[name] = self._errors[existing]
        else:
            self._sources[name] = self._sources[existing]

    def has(self, name: str) -> bool:
        """Whether ``name`` is a constant."""
        return name in self._sources or name in self._errors

    def get(self, name: str) -> np.ndarray[Any, Any]:
        """The decoded value of constant ``name``.

        Raises:
            ModelImportError: Naming the tensor if it cannot be decoded.
        """
        if name in self._errors:
            raise self._errors[name]
        if name not in self._cache:
            source = self._sources[name]
            self._cache[name] = (
                source if isinstance(source, np.ndarray) else decode_tensor(source))
        return self._cache[name]


def build_constant_table(graph: onnx.GraphProto) -> tuple[ConstantTable, set[int]]:
    """Collects initializers and evaluates Constant nodes (and Identity of a constant).

    Returns:
        The table, and the indices of the nodes this pass consumed (the chain walk skips them).
    """
    table = ConstantTable()
    for tensor in graph.initializer:
        table.add(tensor.name, tensor)
    consumed: set[int] = set()
    for index, node in enumerate(graph.node):
        name = node.name or f"node{index}_{node.op_type}"
        if node.domain not in ("", "ai.onnx"):
            continue
        if node.op_type == "Constant" and len(node.output) == 1:
            consumed.add(index)
            try:
                table.add(node.output[0], _constant_node_value(node, name))
            except ModelImportError as exc:
                table.add_error(node.output[0], exc)
        elif (node.op_type == "Identity" and len(node.input) == 1 and len(node.output) == 1
              and table.has(node.input[0])):
            # Exporters sometimes pass initializers through Identity; fold it here.
            consumed.add(index)
            table.alias(node.output[0], node.input[0])
    return table, consumed
