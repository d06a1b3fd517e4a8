"""Generated gRPC code of the ``folding.v1`` service contract (``proto/folding/v1``).

Regenerate with ``bash scripts/gen_proto.sh``; do not edit the ``*_pb2*`` files by hand.
"""
