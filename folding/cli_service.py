"""The service verbs of the ``folding`` command line: ``serve`` runs a proving server,
``remote upload|submit|watch|wait|fetch|verify|status|cancel|list`` talk to one.

Exit codes follow the CLI's: 0 ok, 1 rejected (an error status from the server, an invalid
proof, a failed job), 2 usage error.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

from folding.cli_types import positive_int

if TYPE_CHECKING:
    from folding.v1 import prover_pb2 as pb

# grpc and protobuf are imported by the verbs that use them: every `folding` command builds
# this parser, and `folding verify` should not pay for them at start-up.

EXIT_OK, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2


def add_serve(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("serve", parents=[common], help="run the gRPC proving service")
    p.add_argument("--address", default="127.0.0.1:7433", help="host:port (port 0: any)")
    p.add_argument("--data-dir", type=Path, default=Path("folding-data"), metavar="DIR",
                   help="job store, models, proofs and checkpoints")
    p.add_argument("--workers", type=positive_int, default=1, help="jobs proven at once")
    p.add_argument("--max-queue", type=positive_int, default=64, metavar="N")
    p.add_argument("--max-model-mib", type=positive_int, default=1024, metavar="MIB")
    p.add_argument("--max-input-len", type=positive_int, default=1 << 20, metavar="N")
    p.add_argument("--max-concurrent-rpcs", type=positive_int, default=1000, metavar="N",
                   help="calls in progress at once, streams included (more: RESOURCE_EXHAUSTED)")
    p.add_argument("--checkpoint-every", type=int, default=8, metavar="STEPS")
    p.add_argument("--cache-dir", type=Path, metavar="DIR",
                   help="public-parameter cache (default: DATA_DIR/params)")
    p.add_argument("--srs", type=Path, metavar="FILE.ptau",
                   help="the SRS bn254 variants are compiled with (default: a local "
                        "single-party SRS in the parameter cache)")
    p.add_argument("--tls-cert", type=Path, metavar="PEM")
    p.add_argument("--tls-key", type=Path, metavar="PEM")
    p.add_argument("--token-file", type=Path, metavar="FILE",
                   help="require this bearer token (the file's first line)")
    p.add_argument("--metrics-port", type=int, metavar="PORT",
                   help="serve Prometheus /metrics on 127.0.0.1:PORT")
    p.add_argument("--port-file", type=Path, metavar="FILE",
                   help="write the bound ports here as JSON once serving")
    p.add_argument("--log-format", choices=("json", "text"), default="json")
    p.add_argument("--ray", metavar="ADDRESS", nargs="?", const="",
                   help="prove jobs on Ray: a cluster address, 'local', or nothing for "
                        "RAY_ADDRESS")
    p.add_argument("--ray-workers", type=positive_int, default=2, metavar="N",
                   help="prover actors on the cluster (default 2)")
    p.set_defaults(func=_cmd_serve)


def _read_token(path: Path | None) -> str | None:
    if path is None:
        return None
    token = path.read_text().strip().splitlines()[0].strip() if path.exists() else ""
    if not token:
        raise SystemExit(f"error: no token in {path}")
    return token


def _cmd_serve(args: argparse.Namespace) -> int:
    from folding.service.config import MiB, ServiceConfig
    from folding.service.server import TlsFiles, configure_logging, serve

    if (args.tls_cert is None) != (args.tls_key is None):
        print("error: --tls-cert and --tls-key go together", file=sys.stderr)
        return EXIT_USAGE
    configure_logging(args.log_format, logging.DEBUG if args.verbose else logging.INFO)
    config = ServiceConfig(
        data_dir=args.data_dir, workers=args.workers, max_queue=args.max_queue,
        max_model_bytes=args.max_model_mib * MiB, max_input_len=args.max_input_len,
        max_concurrent_rpcs=args.max_concurrent_rpcs, ray_address=args.ray,
        ray_workers=args.ray_workers,
        checkpoint_every=args.checkpoint_every, token=_read_token(args.token_file),
        cache_dir=args.cache_dir, srs_path=args.srs)
    tls = TlsFiles(args.tls_cert, args.tls_key) if args.tls_cert else None
    asyncio.run(serve(args.address, config, tls=tls, metrics_port=args.metrics_port,
                      port_file=args.port_file))
    return EXIT_OK


def add_remote(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("remote", help="talk to a proving server")
    verbs = p.add_subparsers(dest="verb", required=True, metavar="VERB")
    conn = argparse.ArgumentParser(add_help=False, parents=[common])
    conn.add_argument("--server", default="127.0.0.1:7433", metavar="HOST:PORT")
    conn.add_argument("--token-file", type=Path, metavar="FILE")
    conn.add_argument("--tls-ca", type=Path, metavar="PEM", help="use TLS, trusting this CA")
    conn.add_argument("--timeout", type=float, default=60.0, metavar="S",
                      help="deadline of each call")
    variant = argparse.ArgumentParser(add_help=False)
    variant.add_argument("--private-weights", action="store_true")
    variant.add_argument("--layers-per-step", type=positive_int, metavar="N")
    variant.add_argument("--engine", choices=("pasta", "bn254"), default="",
                         help="engine profile of the variant (default: the server's, pasta)")

    v = verbs.add_parser("upload", parents=[conn], help="upload an ONNX model")
    v.add_argument("model", type=Path, metavar="MODEL.onnx")
    v = verbs.add_parser("submit", parents=[conn, variant], help="submit a proof job")
    v.add_argument("model_id")
    v.add_argument("--input", type=Path, required=True, metavar="X.json|X.npy")
    v.add_argument("--request-id", help="idempotency key (default: a random one)")
    for name, help_ in (("status", "show a job"), ("cancel", "cancel a job"),
                        ("watch", "follow a job's progress until it ends")):
        verbs.add_parser(name, parents=[conn], help=help_).add_argument("job_id")
    v = verbs.add_parser("wait", parents=[conn], help="wait for a job to end")
    v.add_argument("job_id")
    v.add_argument("--wait-timeout", type=float, default=3600.0, metavar="S")
    v = verbs.add_parser("fetch", parents=[conn], help="download a job's proof")
    v.add_argument("job_id")
    v.add_argument("-o", "--output", type=Path, required=True, metavar="PROOF")
    v = verbs.add_parser("verify", parents=[conn, variant],
                         help="verify a proof on the server")
    v.add_argument("model_id")
    v.add_argument("proof", type=Path, metavar="PROOF")
    v = verbs.add_parser("fetch-vk", parents=[conn, variant],
                         help="download a compiled model's verifier key")
    v.add_argument("model_id")
    v.add_argument("-o", "--output", type=Path, required=True, metavar="FILE.vk")
    verbs.add_parser("list", parents=[conn], help="list jobs")
    p.set_defaults(func=_cmd_remote)


class _Variant(TypedDict):
    """The compiled variant a remote call names (keyword arguments of the client)."""

    private_weights: bool
    layers_per_step: int | None
    engine: str


def _job_dict(job: pb.Job) -> dict[str, Any]:
    from google.protobuf import json_format

    return json_format.MessageToDict(job, preserving_proto_field_name=True)


def _progress_line(job: pb.Job) -> str:
    from folding.v1 import prover_pb2 as pb

    p = job.progress
    eta = f", eta {p.eta_s:.0f}s" if p.eta_s else ""
    rate = f", {p.rate:.2f} steps/s" if p.rate else ""
    seg = f" segment {p.segment + 1}/{p.segments}" if p.segments else ""
    return (f"{job.job_id} {pb.JobState.Name(job.state)} {p.stage}{seg} "
            f"step {p.steps_done}/{p.total_steps}{rate}{eta}")


def _cmd_remote(args: argparse.Namespace) -> int:
    import grpc
    from google.protobuf import json_format

    from folding.cli import _load_input  # the same input formats as `folding prove`
    from folding.client import Client
    from folding.v1 import prover_pb2 as pb

    tls_ca = args.tls_ca.read_bytes() if args.tls_ca else None
    client = Client(args.server, token=_read_token(args.token_file), tls_ca=tls_ca,
                    timeout_s=args.timeout)
    variant: _Variant = {"private_weights": getattr(args, "private_weights", False),
                         "layers_per_step": getattr(args, "layers_per_step", None),
                         "engine": getattr(args, "engine", "")}
    out: dict[str, Any]
    code = EXIT_OK
    try:
        if args.verb == "upload":
            info = client.upload_model(args.model.read_bytes())
            out = json_format.MessageToDict(info, preserving_proto_field_name=True)
            text = f"model {info.model_id} ({info.layers} layers, {info.parameters:,} " \
                   f"parameters){'' if info.created else ', already there'}"
        elif args.verb == "submit":
            job = client.submit(args.model_id, _load_input(args.input),
                                request_id=args.request_id, **variant)
            out, text = _job_dict(job), job.job_id
        elif args.verb in ("status", "cancel"):
            job = (client.get_job if args.verb == "status" else client.cancel)(args.job_id)
            out, text = _job_dict(job), _progress_line(job)
        elif args.verb == "watch":
            job = None
            for job in client.watch(args.job_id, timeout_s=1e9):
                if not args.json:
                    print(_progress_line(job), file=sys.stderr, flush=True)
            assert job is not None
            out, text = _job_dict(job), _progress_line(job)
            code = EXIT_OK if job.state == pb.SUCCEEDED else EXIT_REJECTED
        elif args.verb == "wait":
            job = client.wait(args.job_id, timeout_s=args.wait_timeout)
            out, text = _job_dict(job), _progress_line(job)
            code = EXIT_OK if job.state == pb.SUCCEEDED else EXIT_REJECTED
        elif args.verb == "fetch":
            data = client.fetch_proof(args.job_id)
            args.output.write_bytes(data)
            out, text = {"proof": str(args.output), "bytes": len(data)}, \
                f"proof: {args.output} ({len(data):,} bytes)"
        elif args.verb == "fetch-vk":
            data = client.fetch_verifier_key(args.model_id, **variant)
            args.output.write_bytes(data)
            out, text = {"verifier_key": str(args.output), "bytes": len(data)}, \
                f"verifier key: {args.output} ({len(data):,} bytes)"
        elif args.verb == "verify":
            result = client.verify(args.model_id, args.proof.read_bytes(), **variant)
            out = json_format.MessageToDict(result, preserving_proto_field_name=True,
                                            always_print_fields_with_no_presence=True)
            text = f"VALID: output {list(result.output)}" if result.valid else \
                f"INVALID: {result.reason}"
            code = EXIT_OK if result.valid else EXIT_REJECTED
        else:  # list
            jobs = client.list_jobs()
            out = {"jobs": [_job_dict(j) for j in jobs]}
            text = "\n".join(_progress_line(j) for j in jobs) or "no jobs"
    except grpc.RpcError as exc:
        print(f"error: {exc.code().name}: {exc.details()}", file=sys.stderr)
        return EXIT_REJECTED
    finally:
        client.close()
    print(json.dumps(out) if args.json else text)
    return code
