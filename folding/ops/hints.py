"""What would make an unsupported operator supported: one hint per operator family, appended
to its error (and so listed by ``folding inspect`` for every unsupported node at once)."""

from __future__ import annotations

_NONLINEAR = ("a non-linear activation inside the network needs lookup tables, which are "
              "planned; Softmax, LogSoftmax, Sigmoid and ArgMax are supported as output "
              "heads, after the last layer")
_HEAD_ONLY = ("supported only as an output head, after the last layer (the proof states the "
              "logits and the head is applied to them)")
_BRANCHES = ("graphs that branch and merge are not supported yet: only a chain, with "
             "residual Add connections")
_RECURRENT = "recurrent ops and control flow are not supported (only feed-forward networks)"
_NORMALIZE = ("normalising by a statistic of the activation is not affine; only inference-"
              "time BatchNormalization (constant statistics) is supported")

#: Hints by operator type (qualified with the domain outside the default one).
HINTS: dict[str, str] = {
    **dict.fromkeys(("Tanh", "Erf", "Gelu", "Exp", "Log", "Softplus", "Softsign", "Elu",
                     "Selu", "Celu", "HardSigmoid", "HardSwish", "LeakyRelu", "PRelu", "Clip",
                     "Abs", "Floor", "Ceil", "Round", "Sqrt", "Pow", "Mish", "Sign",
                     "Reciprocal", "ThresholdedRelu", "Sin", "Cos"), _NONLINEAR),
    **dict.fromkeys(("Softmax", "LogSoftmax", "ArgMax", "ArgMin", "Sigmoid", "Hardmax"),
                    _HEAD_ONLY),
    **dict.fromkeys(("Concat", "Split", "Slice", "Gather", "Where", "Max", "Min", "Sum",
                     "Mean"), _BRANCHES + " (with constant operands they fold away)"),
    **dict.fromkeys(("LSTM", "GRU", "RNN", "Loop", "Scan", "If"), _RECURRENT),
    **dict.fromkeys(("LayerNormalization", "InstanceNormalization", "GroupNormalization",
                     "LpNormalization", "MeanVarianceNormalization"), _NORMALIZE),
    "Transpose": ("a transpose of the activation is not supported yet; export channels-first "
                  "(as PyTorch does), or transpose only constants (folded before import)"),
    "Pad": "padding the activation is not supported yet; write it as the pads of the Conv",
    "Resize": "resizing (upsampling) is not supported",
    "Upsample": "resizing (upsampling) is not supported",
    "ConvTranspose": "transposed convolutions are not supported",
    "Einsum": "Einsum is not supported; export the product as MatMul with a constant",
    "ai.onnx.ml.LinearClassifier": "convert the model with its coefficients as MatMul and Add "
                                   "(skl2onnx does this for MLPClassifier)",
}


def hint(op_type: str) -> str:
    """`` (hint)`` for ``op_type``, or ``""``."""
    text = HINTS.get(op_type)
    return f" ({text})" if text else ""
