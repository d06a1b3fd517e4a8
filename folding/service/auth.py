"""Bearer-token authentication: every call must carry ``authorization: Bearer <token>``,
except health checks and reflection (load balancers and ``grpcurl`` need them).

A missing token is UNAUTHENTICATED, a wrong one PERMISSION_DENIED; tokens are compared in
constant time.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import grpc

OPEN_SERVICES = ("/grpc.health.v1.Health/", "/grpc.reflection.v1alpha.ServerReflection/",
                 "/grpc.reflection.v1.ServerReflection/")

_Request = TypeVar("_Request")
_Response = TypeVar("_Response")


def _denying(handler: grpc.RpcMethodHandler[_Request, _Response], code: grpc.StatusCode,
             message: str) -> grpc.RpcMethodHandler[_Request, _Response]:
    """A handler of the same kind as ``handler`` that ends the call with ``code``."""

    async def deny(_request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> None:
        await context.abort(code, message)

    if handler.request_streaming and handler.response_streaming:
        return grpc.stream_stream_rpc_method_handler(deny)
    if handler.request_streaming:
        return grpc.stream_unary_rpc_method_handler(deny)
    if handler.response_streaming:
        return grpc.unary_stream_rpc_method_handler(deny)
    return grpc.unary_unary_rpc_method_handler(deny)


class TokenAuth(grpc.aio.ServerInterceptor):
    """Requires ``token`` on every call but the open services.

    Args:
        token: The bearer token.
    """

    def __init__(self, token: str) -> None:
        if not token:
            raise ValueError("the token is empty")
        self._expected = f"Bearer {token}".encode()

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails],
                               Awaitable[grpc.RpcMethodHandler[_Request, _Response] | None]],
        details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[_Request, _Response] | None:
        handler = await continuation(details)
        if handler is None or details.method.startswith(OPEN_SERVICES):
            return handler
        given = next((v for k, v in details.invocation_metadata or ()
                      if k == "authorization"), None)
        if given is None:
            return _denying(handler, grpc.StatusCode.UNAUTHENTICATED,
                            "this server requires 'authorization: Bearer <token>' metadata")
        value = given.encode() if isinstance(given, str) else bytes(given)
        if not hmac.compare_digest(value, self._expected):
            return _denying(handler, grpc.StatusCode.PERMISSION_DENIED, "wrong bearer token")
        return handler
