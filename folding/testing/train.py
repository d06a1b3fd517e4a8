"""A small NumPy trainer for LeNet-5, so that the test suite and the benchmarks can measure
quantization on a *trained* CNN without a deep-learning framework or a download.

Data: scikit-learn's bundled 8x8 handwritten digits (1,797 images), each scaled up 3x to
24x24 and padded to LeNet's 28x28. Training: plain mini-batch SGD with momentum on the
softmax cross-entropy, weights initialised as :func:`folding.testing.cnn.lenet5_onnx` would.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from folding.geometry import Window2d

__all__ = ["Lenet5Weights", "digits_28x28", "lenet5_forward", "train_lenet5",
           "trained_lenet5_onnx"]

Array = npt.NDArray[np.float64]

#: LeNet-5's layer shapes on a 1x28x28 input.
_CONV1 = Window2d((1, 28, 28), (5, 5), (1, 1), (2, 2, 2, 2))
_CONV2 = Window2d((6, 14, 14), (5, 5), (1, 1), (0, 0, 0, 0))


def digits_28x28() -> tuple[Array, npt.NDArray[np.int64]]:
    """scikit-learn's digits as ``[1797, 784]`` floats in ``[0, 1]`` and their labels."""
    from sklearn.datasets import load_digits  # type: ignore[import-untyped]  # test-only

    digits = load_digits()
    images = digits.images / 16.0
    big = np.kron(images, np.ones((3, 3)))  # 8x8 -> 24x24
    padded = np.pad(big, ((0, 0), (2, 2), (2, 2)))
    return padded.reshape(len(padded), -1), digits.target.astype(np.int64)


@dataclass
class Lenet5Weights:
    """The ten parameter arrays, in :func:`folding.testing.cnn.lenet5_onnx` order."""

    arrays: list[Array]


def _conv_forward(x: Array, w: Array, b: Array, win: Window2d) -> tuple[Array, Array]:
    batch = x.shape[0]
    oh, ow = win.out_hw
    cols = np.ascontiguousarray(win.patches(x)).reshape(batch * oh * ow, -1)
    out = cols @ w.reshape(w.shape[0], -1).T + b
    return out.reshape(batch, oh, ow, -1).transpose(0, 3, 1, 2), cols


def _conv_backward(grad: Array, cols: Array, w: Array, win: Window2d
                   ) -> tuple[Array, Array, Array]:
    """Gradients of the weights, bias and input of a convolution (stride 1)."""
    batch = grad.shape[0]
    c, h, wd = win.in_shape
    kh, kw = win.kernel
    oh, ow = win.out_hw
    g = grad.transpose(0, 2, 3, 1).reshape(batch * oh * ow, -1)
    dw = (g.T @ cols).reshape(w.shape)
    db = g.sum(axis=0)
    dcols = (g @ w.reshape(w.shape[0], -1)).reshape(batch, oh, ow, c, kh, kw)
    top, left, bottom, right = win.pads
    dx = np.zeros((batch, c, h + top + bottom, wd + left + right))
    for ky in range(kh):
        for kx in range(kw):
            dx[:, :, ky:ky + oh, kx:kx + ow] += dcols[:, :, :, :, ky, kx].transpose(0, 3, 1, 2)
    return dw, db, dx[:, :, top:top + h, left:left + wd].reshape(batch, -1)


def _max_pool(x: Array) -> tuple[Array, Array]:
    """2x2 stride-2 max pooling of ``[batch, c, h, w]``; returns the output and the mask."""
    b, c, h, w = x.shape
    blocks = x.reshape(b, c, h // 2, 2, w // 2, 2)
    out = blocks.max(axis=(3, 5))
    mask = blocks == out[:, :, :, None, :, None]
    return out, mask


def lenet5_forward(weights: Lenet5Weights, x: Array) -> Array:
    """The float logits ``[batch, 10]`` (the same function as the exported ONNX model)."""
    return _forward(weights.arrays, x)[0]


def _forward(p: list[Array], x: Array) -> tuple[Array, dict[str, Any]]:
    batch = x.shape[0]
    a1, cols1 = _conv_forward(x, p[0], p[1], _CONV1)
    r1 = np.maximum(a1, 0.0)
    m1, mask1 = _max_pool(r1)
    a2, cols2 = _conv_forward(m1.reshape(batch, -1), p[2], p[3], _CONV2)
    r2 = np.maximum(a2, 0.0)
    m2, mask2 = _max_pool(r2)
    f = m2.reshape(batch, -1)
    h1 = np.maximum(f @ p[4].T + p[5], 0.0)
    h2 = np.maximum(h1 @ p[6].T + p[7], 0.0)
    logits = h2 @ p[8].T + p[9]
    cache = {"cols1": cols1, "a1": a1, "mask1": mask1, "cols2": cols2, "a2": a2,
             "mask2": mask2, "f": f, "h1": h1, "h2": h2}
    return logits, cache


def _unpool(grad: Array, mask: Array) -> Array:
    return (mask * grad[:, :, :, None, :, None]).reshape(
        grad.shape[0], grad.shape[1], grad.shape[2] * 2, grad.shape[3] * 2)


def _backward(p: list[Array], x: Array, y: npt.NDArray[np.int64]) -> tuple[float, list[Array]]:
    batch = x.shape[0]
    logits, c = _forward(p, x)
    shifted = logits - logits.max(axis=1, keepdims=True)
    probs = np.exp(shifted)
    probs /= probs.sum(axis=1, keepdims=True)
    loss = float(-np.log(probs[np.arange(batch), y] + 1e-12).mean())
    d = probs
    d[np.arange(batch), y] -= 1.0
    d /= batch
    grads: list[Array] = [np.zeros_like(a) for a in p]
    grads[8], grads[9] = d.T @ c["h2"], d.sum(axis=0)
    d = (d @ p[8]) * (c["h2"] > 0)
    grads[6], grads[7] = d.T @ c["h1"], d.sum(axis=0)
    d = (d @ p[6]) * (c["h1"] > 0)
    grads[4], grads[5] = d.T @ c["f"], d.sum(axis=0)
    d = (d @ p[4]).reshape(batch, 16, 5, 5)
    d = _unpool(d, c["mask2"]) * (c["a2"] > 0)
    grads[2], grads[3], dm1 = _conv_backward(d, c["cols2"], p[2], _CONV2)
    d = _unpool(dm1.reshape(batch, 6, 14, 14), c["mask1"]) * (c["a1"] > 0)
    grads[0], grads[1], _ = _conv_backward(d, c["cols1"], p[0], _CONV1)
    return loss, grads


def train_lenet5(x: Array, y: npt.NDArray[np.int64], *, epochs: int = 8, batch: int = 32,
                 lr: float = 0.05, momentum: float = 0.9, seed: int = 0) -> Lenet5Weights:
    """Trains LeNet-5 on ``x`` ``[n, 784]`` with labels ``y`` in ``0..9``."""
    rng = np.random.default_rng(seed)
    shapes = [(6, 1, 5, 5), (6,), (16, 6, 5, 5), (16,), (120, 400), (120,), (84, 120), (84,),
              (10, 84), (10,)]
    params: list[Array] = []
    for shape in shapes:
        fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else 0
        params.append(rng.normal(0.0, np.sqrt(2.0 / fan_in), shape) if fan_in
                      else np.zeros(shape))
    velocity = [np.zeros_like(a) for a in params]
    for _ in range(epochs):
        order = rng.permutation(len(x))
        for start in range(0, len(x), batch):
            idx = order[start:start + batch]
            _, grads = _backward(params, x[idx], y[idx])
            for a, v, g in zip(params, velocity, grads, strict=True):
                v *= momentum
                v -= lr * g
                a += v
    return Lenet5Weights(params)


def trained_lenet5_onnx(seed: int = 0, epochs: int = 8) -> bytes:
    """LeNet-5 trained on the first 1,400 of the digits (shuffled with ``seed``) as ONNX;
    the other 397 are held out (as the benchmarks take them)."""
    from folding.testing.cnn import lenet5_onnx

    x, y = digits_28x28()
    order = np.random.default_rng(seed).permutation(len(x))
    weights = train_lenet5(x[order[:1400]], y[order[:1400]], epochs=epochs, seed=seed)
    return lenet5_onnx(weights=weights.arrays)
