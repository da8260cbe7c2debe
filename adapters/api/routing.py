"""Routes from tables of views: one route a path, so a wrong method's 405 names every
method the path has; each view is given what the running app made for it."""

from collections.abc import Awaitable, Callable, Mapping
from typing import TypeVar

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

__all__ = ["View", "routes"]

T = TypeVar("T")
View = Callable[[T, Request], Awaitable[Response]]


def routes(table: Mapping[str, Mapping[str, View[T]]], made: Callable[[], T]) -> list[Route]:
    def bind(views: Mapping[str, View[T]]) -> Callable[[Request], Awaitable[Response]]:
        async def handle(request: Request) -> Response:
            return await views[request.method](made(), request)

        return handle

    return [Route(path, bind(views), methods=list(views)) for path, views in table.items()]
