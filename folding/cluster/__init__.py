"""Proving on a Ray cluster (DESIGN §7): the segments of one deep network proven at once,
and batches of inputs spread over the workers.

Nothing here imports Ray until it is used; without ``--ray`` folding never needs it.

Example::

    from folding import cluster

    cluster.connect("local")                 # or a cluster address; None: RAY_ADDRESS
    model = cluster.with_segments(model, 2)  # cut the long run in two (a new verifier key)
    with cluster.ProverPool(workers=2) as pool:
        proof = cluster.prove(model, x, pool=pool)          # both segments at once
        proofs = cluster.prove_batch(model, xs, pool=pool)  # one proof per input, in order

Modules: ``runtime`` (connecting, resources), ``witness`` (forward pass and step inputs as
tasks), ``actors`` (the prover actor), ``pool`` (scheduling and worker failures), ``prove``
(segment-parallel and batch proofs).
"""

from folding.cluster.pool import ProverPool, Task
from folding.cluster.prove import prove, prove_batch, with_segments
from folding.cluster.runtime import connect

__all__ = ["ProverPool", "Task", "connect", "prove", "prove_batch", "with_segments"]
