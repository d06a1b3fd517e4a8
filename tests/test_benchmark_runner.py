"""The benchmark runner end to end on its smallest case, so a change to what the prover
reports cannot silently break `benchmarks/run.py` (it runs children and parses their JSON)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from folding.onnx_import import load_onnx

REPO = Path(__file__).resolve().parents[1]


def _run_script(name: str, *args: str, cwd: Path = REPO) -> None:
    """Runs ``benchmarks/<name>`` in a child Python and requires it to succeed."""
    done = subprocess.run([sys.executable, str(REPO / "benchmarks" / name), *args], cwd=cwd,
                          capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


def test_run_py_records_a_small_case(tmp_path: Path) -> None:
    out = tmp_path / "out"
    md = tmp_path / "B.md"
    md.write_text("# B\n\n<!-- results:start -->\n<!-- results:end -->\n")
    _run_script("run.py", "--only", "w16-d4", "--modes", "public", "--out", str(out),
                "--update-md", str(md), "--timeout", "600")
    records = json.loads((out / "results.json").read_text())["results"]
    (r,) = records
    assert r["status"] == "ok" and r["case"] == "w16-d4" and r["mode"] == "public"
    assert r["prove_s"] > 0 and r["verify_ms"] > 0 and r["verify_warm_ms"] > 0
    assert r["segment_stats"] and all(s["steps"] >= 1 for s in r["segment_stats"])
    assert "| w16-d4 | public |" in md.read_text()


def test_cnn_models_script_writes_a_network_its_data_and_an_input(tmp_path: Path) -> None:
    _run_script("cnn_models.py", str(tmp_path), "--only", "zator-512", cwd=tmp_path)
    model = load_onnx((tmp_path / "zator-512.onnx").read_bytes())
    assert len(model.layers) == 512
    calibration = np.load(tmp_path / "zator-512.calibration.npy")
    x = np.load(tmp_path / "zator-512.input.npy")
    assert calibration.shape == (64, model.input_dim) and x.shape == (model.input_dim,)
    assert model.forward(x[None]).shape == (1, 10)


def test_succinct_py_records_a_small_case_through_the_cli(tmp_path: Path) -> None:
    """`benchmarks/succinct.py` drives the CLI and parses its JSON (pasta only: the bn254
    path is the same commands with `--engine bn254`, and `test_engines.py` runs them)."""
    out = tmp_path / "out"
    md = tmp_path / "B.md"
    md.write_text("# B\n")
    _run_script("succinct.py", "--only", "w16-d4", "--engines", "pasta", "--out", str(out),
                "--update-md", str(md), "--timeout", "600")
    (r,) = json.loads((out / "results_succinct.json").read_text())["results"]
    assert r["status"] == "ok" and (r["case"], r["engine"]) == ("w16-d4", "pasta")
    assert r["verifier_key_bytes"] > 0 and r["proof_bytes"] > 0 and r["prove_s"] > 0
    assert 0 < r["verify_s"] <= r["verify_wall_s"] and r["verifier_cache_bytes"] > 0
    text = md.read_text()
    assert "<!-- succinct:start -->" in text and "| w16-d4 | pasta |" in text
