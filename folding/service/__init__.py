"""The gRPC proving service (``folding serve``): long-running proof jobs that survive
restarts, with progress, limits and auth. The contract is ``proto/folding/v1/prover.proto``.

Modules, one job each:

- :mod:`~folding.service.config`: limits and settings;
- :mod:`~folding.service.store`: the SQLite job store and the on-disk artefact store;
- :mod:`~folding.service.models`: uploaded models, their validation and compiled variants;
- :mod:`~folding.service.jobs`: the job runner (queue, workers, checkpoints, drain);
- :mod:`~folding.service.servicer`: the gRPC servicer (requests to library calls, errors to
  status codes; no proving logic);
- :mod:`~folding.service.auth`, :mod:`~folding.service.metrics`,
  :mod:`~folding.service.server`: bearer tokens, Prometheus metrics, the server itself.

The CLI and this service call the same library functions (:mod:`folding.api`).
"""
