"""Bounded fuzzing of ONNX import (item 8 of the import issue): mutated and truncated models and
random bytes, through ``load_onnx``, ``inspect_onnx`` and the quantizer. Every outcome is a
model or a typed :mod:`folding.errors` error that says what is wrong, never another
exception. Mutations are of the bytes (see ``fuzz_support.py``) or of the graph: a node
dropped, renamed to another operator, an attribute, initializer, shape, input or opset
replaced by something random, then serialized again (the checks past the protobuf decoder
are what the structural mutations reach)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from fuzz_support import FUZZ, mutate_bytes, outcome
from hypothesis import given
from hypothesis import strategies as st
from onnx import helper

from folding.errors import ModelImportError
from folding.ir import FloatModel
from folding.onnx_import import inspect_onnx, load_onnx
from folding.quantize import quantize

CORPUS = Path(__file__).parent / "models"
SEEDS = ("mlp_dynamo18", "resnet_tiny_ts13", "sklearn_mlp_iris", "cnn_view_ts13",
         "mlp_softmax_ts17", "separable_dynamo20")
OPS = ("Relu", "Gemm", "MatMul", "Conv", "Add", "Mul", "Reshape", "Softmax", "ArgMax",
       "MaxPool", "ReduceMean", "BatchNormalization", "Flatten", "Concat", "NoSuchOp", "")


def _seed(name: str) -> bytes:
    return (CORPUS / f"{name}.onnx").read_bytes()


def _structural(data: st.DataObject, raw: bytes) -> bytes:
    model = onnx.load_from_string(raw)
    graph = model.graph
    how = data.draw(st.sampled_from(["drop_node", "op_type", "attribute", "initializer",
                                     "input_shape", "rewire", "duplicate", "opset",
                                     "output"]), label="structure")
    nodes = list(graph.node)
    index = data.draw(st.integers(0, max(len(nodes) - 1, 0)), label="node")
    if how == "drop_node" and nodes:
        del graph.node[index]
    elif how == "op_type" and nodes:
        graph.node[index].op_type = data.draw(st.sampled_from(OPS), label="op")
    elif how == "attribute" and nodes:
        node = graph.node[index]
        name = data.draw(st.sampled_from(["axis", "group", "kernel_shape", "pads", "strides",
                                          "transB", "keepdims", "dilations", "to", "epsilon"]),
                         label="attribute")
        value = data.draw(st.one_of(st.integers(-5, 40), st.floats(allow_nan=True),
                                    st.lists(st.integers(-3, 9), max_size=5),
                                    st.text(max_size=4)), label="value")
        kept = [a for a in node.attribute if a.name != name]
        del node.attribute[:]
        node.attribute.extend(kept)
        if value != [] and value != "":
            node.attribute.append(helper.make_attribute(name, value))
    elif how == "initializer" and graph.initializer:
        tensors = list(graph.initializer)
        tensor = graph.initializer[data.draw(st.integers(0, len(tensors) - 1), label="init")]
        change = data.draw(st.sampled_from(["dims", "truncate", "remove", "nan"]), label="how")
        if change == "dims":
            del tensor.dims[:]
            tensor.dims.extend(data.draw(st.lists(st.integers(0, 9), max_size=4), label="d"))
        elif change == "truncate" and tensor.raw_data:
            tensor.raw_data = tensor.raw_data[: len(tensor.raw_data) // 2]
        elif change == "remove":
            graph.initializer.remove(tensor)
        elif tensor.data_type == onnx.TensorProto.FLOAT and tensor.raw_data:
            tensor.raw_data = np.full(len(tensor.raw_data) // 4, np.nan, "<f4").tobytes()
    elif how == "input_shape":
        dims = graph.input[0].type.tensor_type.shape.dim
        if dims:
            dim = dims[data.draw(st.integers(0, len(dims) - 1), label="dim")]
            dim.dim_value = data.draw(st.integers(-2, 1 << 22), label="size")
    elif how == "rewire" and nodes:
        node = graph.node[index]
        if node.input:
            names = [o for n in nodes for o in n.output] + [i.name for i in graph.input]
            slot = data.draw(st.integers(0, len(node.input) - 1), label="slot")
            node.input[slot] = data.draw(st.sampled_from([*names, "nowhere"]), label="from")
    elif how == "duplicate" and nodes:
        graph.node.append(nodes[index])
    elif how == "opset":
        model.opset_import[0].version = data.draw(st.integers(-1, 40), label="opset")
    elif how == "output":
        graph.output[0].name = data.draw(st.sampled_from(
            [o for n in nodes for o in n.output] + ["nowhere"]), label="output")
    return model.SerializeToString()


def _check(mutated: bytes) -> None:
    loaded = outcome(lambda: load_onnx(mutated))
    report = outcome(lambda: inspect_onnx(mutated))
    if isinstance(loaded, FloatModel):
        assert not isinstance(report, ModelImportError) and report.loadable
        outcome(lambda: quantize(loaded, act_bits=16, weight_bits=8))
    elif not isinstance(report, ModelImportError):
        # inspect reports what load raises, naming the same problem
        assert not report.loadable and report.error == str(loaded)


@FUZZ
@given(st.data())
def test_mutated_models_import_or_fail_with_a_typed_error(data: st.DataObject) -> None:
    name, other = data.draw(st.sampled_from(SEEDS)), data.draw(st.sampled_from(SEEDS))
    raw = _seed(name)
    if data.draw(st.booleans(), label="structural"):
        mutated = _structural(data, raw)
    else:
        mutated = mutate_bytes(data, raw, _seed(other))
    _check(mutated)


@FUZZ
@given(st.binary(max_size=512))
def test_random_bytes_are_refused_with_a_typed_error(blob: bytes) -> None:
    _check(blob)


# --- what the fuzzer found, pinned -------------------------------------------------------


def test_an_attribute_of_the_wrong_kind_is_an_error_naming_it() -> None:
    model = onnx.load_from_string(_seed("cnn_view_ts13"))
    conv = next(n for n in model.graph.node if n.op_type == "Conv")
    kept = [a for a in conv.attribute if a.name != "kernel_shape"]
    del conv.attribute[:]
    conv.attribute.extend([*kept, helper.make_attribute("kernel_shape", 0)])
    error = outcome(lambda: load_onnx(model.SerializeToString()))
    assert isinstance(error, ModelImportError) and "'kernel_shape' must be a list" in str(error)


def test_a_name_that_is_not_utf8_is_an_import_error() -> None:
    raw = _seed("cnn_view_ts13")
    mutated = raw[:245] + b"\x80" + raw[246:]  # inside a node's name (found by the fuzzer)
    for read in (load_onnx, inspect_onnx):
        error = outcome(lambda read=read: read(mutated))  # type: ignore[misc]
        assert isinstance(error, ModelImportError) and "UTF-8" in str(error)


def test_a_head_operator_that_feeds_itself_is_refused_not_looped_on() -> None:
    model = onnx.load_from_string(_seed("mlp_softmax_ts17"))
    softmax = next(n for n in model.graph.node if n.op_type == "Softmax")
    softmax.input[0] = softmax.output[0]
    _check(model.SerializeToString())
    assert isinstance(outcome(lambda: load_onnx(model.SerializeToString())), ModelImportError)
