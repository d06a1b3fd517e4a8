"""Writes the three CNNs of BENCHMARKS.md ("Convolutional networks") as ONNX files, each with
calibration samples and one held-out input, for use with the ``folding`` command line::

    python benchmarks/cnn_models.py models/
    folding compile models/zator-512.onnx --calibration models/zator-512.calibration.npy \\
        --weight-bits 16 -o zator.fold --vk-out zator.vk
    folding prove zator.fold --input models/zator-512.input.npy -o zator.proof
    folding verify zator.proof --vk zator.vk

The networks and data are the ones ``benchmarks/run.py --suite cnn`` measures (same builders,
seeds and samples): Zator's 512-layer CNN, a LeNet-5 trained here on scikit-learn's digits,
and the 52-layer ResNet-style iris stand-in. ``--weight-bits 16`` is Zator's setting (at 8
bits its near-identity kernels lose their small weights); the other two use the defaults.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

from benchmarks.run import CASES_BY_NAME, _case_data

NAMES = ("lenet5", "zator-512", "iris-resnet")


def write_models(out: Path, names: tuple[str, ...] = NAMES) -> list[Path]:
    """Writes ``NAME.onnx``, ``NAME.calibration.npy`` and ``NAME.input.npy`` per network."""
    import numpy as np

    from folding.onnx_import import load_onnx

    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name in names:
        case = CASES_BY_NAME[name]
        onnx = case.onnx()
        calibration, held_out = _case_data(case, load_onnx(onnx).input_dim)
        assert calibration is not None and held_out is not None  # every CNN case has data
        paths = (out / f"{name}.onnx", out / f"{name}.calibration.npy",
                 out / f"{name}.input.npy")
        paths[0].write_bytes(onnx)
        np.save(paths[1], calibration)
        np.save(paths[2], held_out[0][0])
        written += paths
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="directory to write into")
    parser.add_argument("--only", nargs="+", choices=NAMES, default=list(NAMES))
    args = parser.parse_args()
    for path in write_models(args.out, tuple(args.only)):
        print(path)


if __name__ == "__main__":
    main()
