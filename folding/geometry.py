"""Geometry of 2-D sliding windows (convolution and pooling), shared by the float and the
integer forward passes.

Activations are flat per sample: a ``[channels, height, width]`` feature map is stored in
row-major (C) order, which is ONNX's NCHW layout with the batch dimension dropped, so a
``Flatten`` between a convolution and a dense layer changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from folding.errors import ArtefactError

__all__ = ["Window2d", "conv2d", "exact_matmul", "pool2d"]

#: Largest kernel side we accept (bounds the circuit's per-output work).
MAX_KERNEL = 32


def _pair(value: Any, what: str) -> tuple[int, int]:
    pair = tuple(int(v) for v in value)
    if len(pair) != 2:
        raise ValueError(f"{what} must have two values, got {list(value)}")
    return pair


@dataclass(frozen=True)
class Window2d:
    """Where a 2-D window slides over a ``[c, h, w]`` map.

    Attributes:
        in_shape: ``(channels, height, width)`` of the input map.
        kernel: ``(kh, kw)``.
        stride: ``(sh, sw)``.
        pads: ``(top, left, bottom, right)``, as ONNX orders them (begins then ends).

    Raises:
        ValueError: If a size is not positive, a pad is negative or not smaller than the
            kernel, or the window does not fit the padded input.
    """

    in_shape: tuple[int, int, int]
    kernel: tuple[int, int]
    stride: tuple[int, int] = (1, 1)
    pads: tuple[int, int, int, int] = (0, 0, 0, 0)

    def __post_init__(self) -> None:
        shape = tuple(int(v) for v in self.in_shape)
        pads = tuple(int(v) for v in self.pads)
        if len(shape) != 3 or min(shape) <= 0:
            raise ValueError(f"input shape must be three positive sizes, got {list(shape)}")
        if len(pads) != 4 or min(pads) < 0:
            raise ValueError(f"pads must be four non-negative sizes, got {list(pads)}")
        kernel = _pair(self.kernel, "kernel")
        stride = _pair(self.stride, "stride")
        if min(kernel) <= 0 or max(kernel) > MAX_KERNEL:
            raise ValueError(f"kernel {list(kernel)} must be within [1, {MAX_KERNEL}]")
        if min(stride) <= 0:
            raise ValueError(f"stride {list(stride)} must be positive")
        # A pad as wide as the kernel would create windows that see only padding.
        if max(pads[0], pads[2]) >= kernel[0] or max(pads[1], pads[3]) >= kernel[1]:
            raise ValueError(f"pads {list(pads)} must be smaller than the kernel {list(kernel)}")
        if (shape[1] + pads[0] + pads[2] < kernel[0]
                or shape[2] + pads[1] + pads[3] < kernel[1]):
            raise ValueError(
                f"kernel {list(kernel)} does not fit the padded {shape[1]}x{shape[2]} input")
        object.__setattr__(self, "in_shape", shape)
        object.__setattr__(self, "kernel", kernel)
        object.__setattr__(self, "stride", stride)
        object.__setattr__(self, "pads", pads)

    @property
    def out_hw(self) -> tuple[int, int]:
        """``(oh, ow)``: ``floor((h + pads - k) / stride) + 1`` per axis."""
        _, h, w = self.in_shape
        top, left, bottom, right = self.pads
        return ((h + top + bottom - self.kernel[0]) // self.stride[0] + 1,
                (w + left + right - self.kernel[1]) // self.stride[1] + 1)

    @property
    def in_dim(self) -> int:
        """Flat input length."""
        c, h, w = self.in_shape
        return c * h * w

    @property
    def taps(self) -> int:
        """Kernel positions ``kh * kw``."""
        return self.kernel[0] * self.kernel[1]

    def patches(self, x: npt.NDArray[Any], fill: Any = 0) -> npt.NDArray[Any]:
        """The windows of a batch of flat maps.

        Args:
            x: ``[batch, c * h * w]``.
            fill: The value of padding (0 for convolution, the dtype's minimum for max).

        Returns:
            A read-only view ``[batch, oh, ow, c, kh, kw]``.
        """
        c, h, w = self.in_shape
        top, left, bottom, right = self.pads
        maps = x.reshape(x.shape[0], c, h, w)
        if any(self.pads):
            maps = np.pad(maps, ((0, 0), (0, 0), (top, bottom), (left, right)),
                          constant_values=fill)
        view = np.lib.stride_tricks.sliding_window_view(maps, self.kernel, axis=(2, 3))
        oh, ow = self.out_hw
        view = view[:, :, ::self.stride[0], ::self.stride[1]][:, :, :oh, :ow]
        # [batch, c, oh, ow, kh, kw] -> [batch, oh, ow, c, kh, kw]
        return view.transpose(0, 2, 3, 1, 4, 5)

    def valid_taps(self) -> npt.NDArray[np.bool_]:
        """``[oh, ow, kh, kw]``: which taps of each window fall inside the unpadded input."""
        ones = np.ones((1, self.in_dim // self.in_shape[0]), dtype=np.int8)
        single = Window2d((1, *self.in_shape[1:]), self.kernel, self.stride, self.pads)
        mask: npt.NDArray[np.bool_] = single.patches(ones)[0, :, :, 0] == 1
        return mask

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {"in_shape": list(self.in_shape), "kernel": list(self.kernel),
                "stride": list(self.stride), "pads": list(self.pads)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Window2d:
        """Inverse of :meth:`to_dict`.

        Raises:
            ArtefactError: If a field is missing or invalid.
        """
        try:
            return cls(in_shape=tuple(data["in_shape"]),
                       kernel=tuple(data["kernel"]),
                       stride=tuple(data["stride"]),
                       pads=tuple(data["pads"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise ArtefactError(f"window geometry: missing or bad field {exc}") from exc


def conv2d(x: npt.NDArray[Any], weight: npt.NDArray[Any], bias: npt.NDArray[Any],
           window: Window2d) -> npt.NDArray[Any]:
    """``[batch, ci*h*w]`` to ``[batch, co*oh*ow]``: the convolution plus bias, in the dtype
    of the operands (float64 for the float model, int64, exact, for the integer one)."""
    batch = x.shape[0]
    oh, ow = window.out_hw
    # One contiguous 2-D product, which BLAS runs fast (a strided 3-D one falls back to loops).
    cols = np.ascontiguousarray(window.patches(x)).reshape(batch * oh * ow, -1)
    kernel = weight.reshape(weight.shape[0], -1)
    out = (exact_matmul(cols, kernel.T) + bias).reshape(batch, oh * ow, -1)  # [.., co]
    result: npt.NDArray[Any] = np.ascontiguousarray(out.transpose(0, 2, 1)).reshape(batch, -1)
    return result


#: float64 represents every integer below 2^53 exactly, so sums of products stay exact there.
_FLOAT_EXACT = float(1 << 53)


def exact_matmul(x: npt.NDArray[Any], w_t: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """``x @ w_t`` for integer arrays, exact: through float64 (BLAS) when no partial sum can
    reach 2^53, in int64 otherwise. Float arrays multiply as they are."""
    if x.dtype.kind == "f":
        floats: npt.NDArray[Any] = x @ w_t
        return floats
    x_max = float(np.abs(x).max(initial=0))
    fan_in = float(np.abs(w_t).sum(axis=0).max(initial=0))
    if x_max * fan_in < _FLOAT_EXACT:
        product: npt.NDArray[Any] = (x.astype(np.float64) @ w_t.astype(np.float64)).astype(
            np.int64)
        return product
    ints: npt.NDArray[Any] = x @ w_t
    return ints


def pool2d(x: npt.NDArray[Any], op: str, window: Window2d) -> npt.NDArray[Any]:
    """``[batch, c*h*w]`` to ``[batch, c*oh*ow]``: the window max, or (float) the mean."""
    batch = x.shape[0]
    if op == "max":
        fill = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
        pooled = window.patches(x, fill).max(axis=(4, 5))
    else:
        pooled = window.patches(x).sum(axis=(4, 5)) / window.taps
    result: npt.NDArray[Any] = np.ascontiguousarray(pooled.transpose(0, 3, 1, 2)).reshape(
        batch, -1)
    return result
