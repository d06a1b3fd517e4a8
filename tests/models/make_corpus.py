"""Writes the import corpus: small ONNX files from real exporters, each with an input and
onnxruntime's outputs on it.

Run it where the exporters install (CI does not need them; the files are committed):

    pip install torch onnxscript skl2onnx scikit-learn onnxruntime
    python tests/models/make_corpus.py tests/models

Each fixture is ``NAME.onnx`` plus ``NAME.json``: ``{"exporter", "input" (in the model's
input shape), "calibration" (16 samples like it), "outputs" (onnxruntime's on the input, by
output name), "argmax" (of the first float output, the class a proof must agree on)}``. PyTorch models go through both exporters (the
TorchScript one, ``dynamo=False``, at opsets 13 to 17; the default ``torch.export`` one at
opsets 18 to 20), so the same network arrives in the shapes each writes.
"""

from __future__ import annotations

import io
import json
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort

SEED = 2026


def _ort_outputs(data: bytes, x: np.ndarray) -> dict[str, Any]:
    session = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    feed = {session.get_inputs()[0].name: x}
    names = [o.name for o in session.get_outputs()]
    outputs = {}
    for name, value in zip(names, session.run(None, feed), strict=True):
        if isinstance(value, list):  # ZipMap: a list of dicts
            outputs[name] = [{str(k): float(v) for k, v in item.items()} for item in value]
        else:
            array = np.asarray(value)
            outputs[name] = (array.astype(str).tolist() if array.dtype.kind in "OUS"
                             else array.tolist())
    return outputs


def _write(out: Path, name: str, data: bytes, x: np.ndarray, calibration: np.ndarray,
           exporter: str) -> None:
    onnx.checker.check_model(onnx.load_from_string(data))
    outputs = _ort_outputs(data, x)
    # the class: the first float output's arg-max, or a ZipMap's (its values in class order)
    floats = [np.asarray(list(v[0].values()) if isinstance(v[0], dict) else v, dtype=np.float64)
              for v in outputs.values()
              if isinstance(v[0], dict) or np.asarray(v).dtype.kind == "f"]
    first_float = floats[0]
    (out / f"{name}.onnx").write_bytes(data)
    (out / f"{name}.json").write_text(json.dumps({
        "exporter": exporter, "input": x.tolist(), "calibration": calibration.tolist(),
        "outputs": outputs,
        "argmax": int(np.argmax(first_float.reshape(-1))),
    }, indent=None) + "\n")
    print(f"{name}: {len(data):,} bytes ({exporter})")


# --- PyTorch ------------------------------------------------------------------------------


def _torch_models() -> dict[str, tuple[Any, tuple[int, ...]]]:
    import torch
    from torch import nn

    class Normalised(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.register_buffer("mean", torch.tensor([0.5, -0.2, 0.1, 0.3, 0.0, 0.2]))
            self.register_buffer("std", torch.tensor([1.5, 0.7, 1.1, 0.9, 1.3, 2.0]))
            self.net = nn.Sequential(nn.Linear(6, 10), nn.ReLU(), nn.Linear(10, 3))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.net((x - self.mean) / self.std)

    class ViewFlatten(nn.Module):  # x.view(x.size(0), -1): Shape/Gather/Concat arithmetic
        def __init__(self) -> None:
            super().__init__()
            self.conv = nn.Conv2d(1, 4, 3)
            self.fc = nn.Linear(4 * 6 * 6, 5)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            y = torch.relu(self.conv(x))
            return self.fc(y.view(y.size(0), -1))

    class MeanPool(nn.Module):  # x.mean((2, 3)): ReduceMean
        def __init__(self) -> None:
            super().__init__()
            self.conv = nn.Conv2d(3, 6, 3, padding=1)
            self.bn = nn.BatchNorm2d(6)
            self.fc = nn.Linear(6, 4)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.fc(torch.relu(self.bn(self.conv(x))).mean((2, 3)))

    class Block(nn.Module):
        def __init__(self, c: int) -> None:
            super().__init__()
            self.c1, self.b1 = nn.Conv2d(c, c, 3, padding=1, bias=False), nn.BatchNorm2d(c)
            self.c2, self.b2 = nn.Conv2d(c, c, 3, padding=1, bias=False), nn.BatchNorm2d(c)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            y = torch.relu(self.b1(self.c1(x)))
            return torch.relu(self.b2(self.c2(y)) + x)

    class ResNetTiny(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.stem = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU())
            self.block = Block(4)
            self.pool = nn.AdaptiveAvgPool2d(1)
            self.fc = nn.Linear(4, 3)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.fc(torch.flatten(self.pool(self.block(self.stem(x))), 1))

    class Separable(nn.Module):  # MobileNet-style depthwise + pointwise
        def __init__(self) -> None:
            super().__init__()
            self.dw = nn.Conv2d(4, 4, 3, padding=1, groups=4)
            self.pw = nn.Conv2d(4, 6, 1)
            self.fc = nn.Linear(6 * 4 * 4, 3)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            y = torch.relu(self.pw(torch.relu(self.dw(x))))
            y = nn.functional.max_pool2d(y, 2)
            return self.fc(torch.flatten(y, 1))

    class Dilated(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = nn.Conv2d(2, 3, 3, dilation=2, padding=2)
            self.fc = nn.Linear(3 * 4 * 4, 4)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            y = nn.functional.avg_pool2d(torch.relu(self.conv(x)), 2)
            return self.fc(y.reshape(1, -1))

    class ArgMaxHead(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.net = nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 4))

        def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            logits = self.net(x)
            return logits, torch.argmax(logits, dim=1)

    class Scaled(nn.Module):  # an element-wise scale after a layer, no bias on the last
        def __init__(self) -> None:
            super().__init__()
            self.a, self.b = nn.Linear(7, 9), nn.Linear(9, 3, bias=False)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.b(torch.relu(self.a(x) * 0.5 - 0.1))

    models: dict[str, tuple[Any, tuple[int, ...]]] = {
        "mlp": (nn.Sequential(nn.Linear(8, 12), nn.ReLU(), nn.Linear(12, 12), nn.ReLU(),
                              nn.Linear(12, 4)), (1, 8)),
        "mlp_softmax": (nn.Sequential(nn.Linear(6, 10), nn.ReLU(), nn.Linear(10, 3),
                                      nn.Softmax(dim=1)), (1, 6)),
        "mlp_logsoftmax": (nn.Sequential(nn.Linear(6, 10), nn.ReLU(), nn.Linear(10, 5),
                                         nn.LogSoftmax(dim=-1)), (1, 6)),
        "mlp_sigmoid": (nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 1),
                                      nn.Sigmoid()), (1, 4)),
        "mlp_batchnorm": (nn.Sequential(nn.Linear(6, 10), nn.BatchNorm1d(10), nn.ReLU(),
                                        nn.Linear(10, 3)), (1, 6)),
        "mlp_normalised_input": (Normalised(), (1, 6)),
        "mlp_scaled": (Scaled(), (1, 7)),
        "mlp_argmax": (ArgMaxHead(), (1, 5)),
        "cnn_maxpool": (nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.MaxPool2d(2),
                                      nn.Flatten(), nn.Linear(4 * 3 * 3, 5)), (1, 1, 8, 8)),
        "cnn_view": (ViewFlatten(), (1, 1, 8, 8)),
        "cnn_meanpool": (MeanPool(), (1, 3, 6, 6)),
        "cnn_softmax": (nn.Sequential(nn.Conv2d(2, 3, 3, stride=2, padding=1), nn.ReLU(),
                                      nn.Flatten(), nn.Linear(3 * 4 * 4, 4),
                                      nn.Softmax(dim=1)), (1, 2, 8, 8)),
        "resnet_tiny": (ResNetTiny(), (1, 1, 6, 6)),
        "separable": (Separable(), (1, 4, 8, 8)),
        "dilated": (Dilated(), (1, 2, 8, 8)),
    }
    return models


def _export_torch(out: Path) -> None:
    import torch

    torch.manual_seed(SEED)
    rng = np.random.default_rng(SEED)
    for name, (module, shape) in _torch_models().items():
        module.eval()
        with torch.no_grad():  # non-trivial batch-norm statistics
            for m in module.modules():
                if isinstance(m, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d)):
                    m.running_mean.uniform_(-0.5, 0.5)
                    m.running_var.uniform_(0.5, 2.0)
                    m.weight.uniform_(0.5, 1.5)
                    m.bias.uniform_(-0.3, 0.3)
        x = rng.standard_normal(shape).astype(np.float32)
        calibration = rng.standard_normal((16, *shape[1:])).astype(np.float32)
        for dynamo, opsets in ((False, (13, 17)), (True, (18, 20))):
            for opset in opsets:
                tag = f"{name}_{'dynamo' if dynamo else 'ts'}{opset}"
                buffer = io.BytesIO()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    kwargs: dict[str, Any] = {"dynamo": dynamo, "opset_version": opset,
                                              "input_names": ["input"]}
                    if not dynamo:
                        kwargs["do_constant_folding"] = opset == 17
                    program = torch.onnx.export(module, (torch.from_numpy(x),),
                                                buffer if not dynamo else None, **kwargs)
                data = (buffer.getvalue() if not dynamo
                        else program.model_proto.SerializeToString())
                exporter = (f"torch {torch.__version__.split('+')[0]} "
                            f"{'dynamo' if dynamo else 'torchscript'} opset {opset}")
                _write(out, tag, data, x, calibration, exporter)


# --- scikit-learn ---------------------------------------------------------------------------


def _export_sklearn(out: Path) -> None:
    import skl2onnx
    from sklearn.datasets import load_digits, load_iris
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    iris_x, iris_y = load_iris(return_X_y=True)
    digits_x, digits_y = load_digits(return_X_y=True)
    digits_x = digits_x[:, ::4] / 16.0  # 16 features, to keep it small
    cases = [
        ("sklearn_mlp_iris", MLPClassifier(hidden_layer_sizes=(8,), max_iter=800, random_state=0), iris_x,
         iris_y, {}),
        ("sklearn_mlp_iris_nozipmap", MLPClassifier(hidden_layer_sizes=(8, 8), max_iter=800, random_state=1),
         iris_x, iris_y, {"zipmap": False}),
        ("sklearn_mlp_digits", MLPClassifier(hidden_layer_sizes=(12,), max_iter=400, random_state=2), digits_x,
         digits_y, {"zipmap": False}),
        ("sklearn_mlp_regressor", MLPRegressor(hidden_layer_sizes=(8,), max_iter=800, random_state=3), iris_x,
         iris_x[:, 0] * 2 - iris_x[:, 3], None),
    ]
    for name, estimator, features, target, options in cases:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            estimator.fit(features, target)
        sample = features[:1].astype(np.float32)
        kwargs = {"options": {id(estimator): options}} if options else {}
        model = skl2onnx.to_onnx(estimator, sample, target_opset=17, **kwargs)
        _write(out, name, model.SerializeToString(), sample,
               features[1::8][:16].astype(np.float32),
               f"skl2onnx {skl2onnx.__version__} opset 17")


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else Path(__file__).parent
    out.mkdir(parents=True, exist_ok=True)
    _export_torch(out)
    _export_sklearn(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
