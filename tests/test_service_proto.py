"""The committed gRPC code in folding/v1/ is what scripts/gen_proto.sh makes of the proto."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_generated_code_matches_the_proto(tmp_path: Path) -> None:
    shutil.copytree(REPO / "proto", tmp_path / "proto")
    subprocess.run([sys.executable, "-m", "grpc_tools.protoc", "-I", "proto",
                    "--python_out=.", "--grpc_python_out=.", "--pyi_out=.",
                    "proto/folding/v1/prover.proto"], cwd=tmp_path, check=True)
    for name in ("prover_pb2.py", "prover_pb2_grpc.py", "prover_pb2.pyi"):
        fresh = (tmp_path / "folding" / "v1" / name).read_text()
        assert fresh == (REPO / "folding" / "v1" / name).read_text(), \
            f"folding/v1/{name} is stale: run bash scripts/gen_proto.sh"
