"""Small ONNX graphs made with onnx's helper, and their check against onnxruntime: the
imported float model must compute what onnxruntime computes on the same input."""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper as nh

from folding.onnx_import import load_onnx


def make_model(nodes: list[onnx.NodeProto], consts: dict[str, np.ndarray],
               in_shape: list[int], out_shape: list[int], opset: int = 17) -> onnx.ModelProto:
    """One input ``x``, one output ``y``, the constants as float32 initializers; checked."""
    graph = h.make_graph(nodes, "g", [h.make_tensor_value_info("x", T.FLOAT, in_shape)],
                         [h.make_tensor_value_info("y", T.FLOAT, out_shape)],
                         [nh.from_array(np.asarray(v).astype(np.float32), k)
                          if np.asarray(v).dtype.kind == "f" else nh.from_array(np.asarray(v), k)
                          for k, v in consts.items()])
    model = h.make_model(graph, opset_imports=[h.make_opsetid("", opset)])
    onnx.checker.check_model(model)
    return model


def assert_agrees(model: onnx.ModelProto, in_shape: list[int],
                  rng: np.random.Generator) -> None:
    """The imported model's forward pass equals onnxruntime's on a random input."""
    import onnxruntime as ort

    x = rng.normal(size=in_shape).astype(np.float32)
    expected = ort.InferenceSession(model.SerializeToString(),
                                    providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]
    imported = load_onnx(model.SerializeToString())
    np.testing.assert_allclose(imported.forward(x.reshape(-1)), np.asarray(expected).reshape(-1),
                               rtol=1e-4, atol=1e-4)
