"""Output heads (folding.heads, folding.onnx_heads): Softmax, LogSoftmax, Sigmoid, ArgMax and
scikit-learn's label lookup and ZipMap after the last layer import as functions of the logits,
and applied to the imported model's logits they give what onnxruntime gives; a head operator
anywhere else, or one that does not act on the output vector, is refused naming the node."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper as nh

from folding.errors import ArtefactError, ModelImportError, UnsupportedOperatorError
from folding.heads import Head, HeadOp, apply_heads, heads_from_list, heads_to_list
from folding.onnx_import import inspect_onnx, load_onnx
from folding.testing import mlp_onnx

ort = pytest.importorskip("onnxruntime")
RNG = np.random.default_rng(17)


def _ort(data: bytes, x: np.ndarray) -> dict[str, object]:
    session = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    return dict(zip(names, session.run(None, {session.get_inputs()[0].name: x}), strict=True))


@pytest.mark.parametrize("head", ["Softmax", "LogSoftmax", "ArgMax"])
def test_a_last_softmax_log_softmax_or_argmax_is_a_head(head: str) -> None:
    data = mlp_onnx([5, 7, 4], seed=3, head=head)
    model = load_onnx(data)
    assert model.output_name == "logits" and [h.output for h in model.heads] == ["output"]
    x = RNG.normal(size=(1, 5)).astype(np.float32)
    got = apply_heads(model.heads, model.forward(x.reshape(-1)))["output"]
    np.testing.assert_allclose(np.asarray(got, dtype=np.float64),
                               np.asarray(_ort(data, x)["output"], dtype=np.float64).reshape(-1),
                               rtol=1e-5, atol=1e-6)


def _sklearn_style(labels: list[int] | list[str]) -> bytes:
    """What skl2onnx writes for an MLPClassifier: Cast, MatMul+Add+Relu, MatMul+Add, Softmax,
    then the label (ArgMax, ArrayFeatureExtractor of the classes, Reshape, Cast) and the
    probabilities (ZipMap)."""
    strings = isinstance(labels[0], str)
    classes = (h.make_tensor("classes", T.STRING, [3], [s.encode() for s in labels]) if strings
               else nh.from_array(np.asarray(labels, dtype=np.int64), "classes"))
    inits = [nh.from_array(RNG.normal(size=(4, 6)).astype(np.float32), "W0"),
             nh.from_array(RNG.normal(size=6).astype(np.float32), "b0"),
             nh.from_array(RNG.normal(size=(6, 3)).astype(np.float32), "W1"),
             nh.from_array(RNG.normal(size=3).astype(np.float32), "b1"),
             classes, nh.from_array(np.asarray([-1], dtype=np.int64), "shape")]
    zip_labels = ({"classlabels_strings": labels} if strings else
                  {"classlabels_int64s": labels})
    label_type = T.STRING if strings else T.INT64
    nodes = [h.make_node("Cast", ["X"], ["xc"], to=T.FLOAT),
             h.make_node("MatMul", ["xc", "W0"], ["m0"]), h.make_node("Add", ["m0", "b0"], ["a0"]),
             h.make_node("Relu", ["a0"], ["r0"]),
             h.make_node("MatMul", ["r0", "W1"], ["m1"]), h.make_node("Add", ["m1", "b1"], ["a1"]),
             h.make_node("Softmax", ["a1"], ["probs"], name="softmax"),
             h.make_node("ArgMax", ["probs"], ["idx"], axis=1),
             h.make_node("ArrayFeatureExtractor", ["classes", "idx"], ["picked"],
                         domain="ai.onnx.ml"),
             h.make_node("Reshape", ["picked", "shape"], ["flat"]),
             h.make_node("Cast" if not strings else "Identity", ["flat"], ["label"],
                         **({"to": T.INT64} if not strings else {})),
             h.make_node("ZipMap", ["probs"], ["probabilities"], domain="ai.onnx.ml",
                         **zip_labels)]
    key = T.STRING if strings else T.INT64
    graph = h.make_graph(nodes, "skl", [h.make_tensor_value_info("X", T.FLOAT, [None, 4])],
                         [h.make_tensor_value_info("label", label_type, [None]),
                          h.make_value_info("probabilities", h.make_sequence_type_proto(
                              h.make_map_type_proto(key, h.make_tensor_type_proto(T.FLOAT, []))))],
                         inits)
    model = h.make_model(graph, opset_imports=[h.make_opsetid("", 17),
                                               h.make_opsetid("ai.onnx.ml", 1)])
    onnx.checker.check_model(model)
    return model.SerializeToString()


@pytest.mark.parametrize("labels", [[3, 5, 9], ["setosa", "versicolor", "virginica"]])
def test_scikit_learn_label_and_probability_outputs(labels: list[int] | list[str]) -> None:
    data = _sklearn_style(labels)
    model = load_onnx(data)
    assert [head.output for head in model.heads] == ["label", "probabilities"]
    for _ in range(4):
        x = RNG.normal(size=(1, 4)).astype(np.float32)
        got = apply_heads(model.heads, model.forward(x.reshape(-1)))
        want = _ort(data, x)
        assert got["label"] == [v.decode() if isinstance(v, bytes) else v
                                for v in np.asarray(want["label"]).tolist()]
        (probs,) = want["probabilities"]
        assert got["probabilities"][0].keys() == probs.keys()
        np.testing.assert_allclose([got["probabilities"][0][k] for k in probs],
                                   [probs[k] for k in probs], rtol=1e-5)
    report = inspect_onnx(data)
    assert report.loadable and report.output_name == "a1"
    assert any(n.name == "softmax" and "head softmax" in n.produces for n in report.nodes)
    assert report.to_dict()["heads"] == heads_to_list(model.heads)


def _with_last(nodes: list[onnx.NodeProto], out_type: int = T.FLOAT,
               out_shape: list[int] | None = None) -> bytes:
    inits = [nh.from_array(RNG.normal(size=(3, 4)).astype(np.float32), "W")]
    graph = h.make_graph([h.make_node("Gemm", ["x", "W"], ["z"], transB=1), *nodes], "g",
                         [h.make_tensor_value_info("x", T.FLOAT, [1, 4])],
                         [h.make_tensor_value_info("y", out_type, out_shape or [1, 3])], inits)
    return h.make_model(graph, opset_imports=[h.make_opsetid("", 17)]).SerializeToString()


@pytest.mark.parametrize(("node", "out_type", "message"), [
    (h.make_node("ArgMax", ["z"], ["y"], axis=0, name="bad"), T.INT64, "last axis"),
    (h.make_node("Softmax", ["z"], ["y"], axis=0, name="bad"), T.FLOAT, "last axis"),
    (h.make_node("ArgMax", ["z"], ["y"], axis=1, select_last_index=1, name="bad"), T.INT64,
     "select_last_index"),
    (h.make_node("Cast", ["z"], ["y"], to=T.INT32, name="bad"), T.INT32, "rounds"),
])
def test_heads_that_do_not_act_on_the_output_vector_are_refused(node: onnx.NodeProto,
                                                                out_type: int,
                                                                message: str) -> None:
    with pytest.raises(ModelImportError, match=message) as info:
        load_onnx(_with_last([node], out_type))
    assert info.value.node == "bad"


def test_a_sigmoid_inside_the_network_is_refused_with_the_head_hint() -> None:
    data = _with_last([h.make_node("Sigmoid", ["z"], ["s"], name="mid"),
                       h.make_node("Relu", ["s"], ["y"])])
    with pytest.raises(UnsupportedOperatorError) as info:
        load_onnx(data)
    assert info.value.node == "mid" and "output head" in str(info.value)


def test_a_head_of_a_head_that_makes_no_sense_is_refused() -> None:
    data = _with_last([h.make_node("ArgMax", ["z"], ["i"], axis=1),
                       h.make_node("Softmax", ["i"], ["y"], name="after")])
    with pytest.raises(ModelImportError, match="after an ArgMax") as info:
        load_onnx(data)
    assert info.value.node == "after"


def test_heads_round_trip_and_malformed_heads_are_artefact_errors() -> None:
    heads = (Head("label", (HeadOp("softmax"), HeadOp("argmax"), HeadOp("classes", ("a", "b"))),
                  width=2),)
    assert heads_from_list(heads_to_list(heads), "key") == heads
    assert apply_heads(heads, [0.1, 0.9]) == {"label": ["b"]}
    assert apply_heads(heads, [0.1, 0.9, 2.0, 1.0]) == {"label": [["b"], ["a"]]}  # a batch
    with pytest.raises(ValueError, match="whole number"):
        apply_heads(heads, [1.0, 2.0, 3.0])
    for bad in ([{"output": "y", "width": 2, "ops": [{"op": "cube"}]}],
                [{"output": "y", "width": 3, "ops": [{"op": "classes", "classes": [1]}]}],
                [{"output": "y", "width": 2, "ops": [{"op": "zipmap", "classes": [[1], 2]}]}],
                [{"output": "y", "ops": []}], "garbage"):
        with pytest.raises(ArtefactError, match="bad output heads"):
            heads_from_list(bad, "key")  # type: ignore[arg-type]
