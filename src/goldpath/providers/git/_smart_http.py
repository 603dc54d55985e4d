"""git's smart HTTP protocol, served by ``git http-backend`` (CGI) for an ASGI app."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from goldpath.providers.git._cli import clean_git_env

__all__ = ["GIT_PATH", "SmartHttpResponse", "is_push_request", "serve_git_http"]

log = logging.getLogger(__name__)

# <owner path>/<repo>.git/<git's own path>: what http-backend is allowed to see.
GIT_PATH = re.compile(
    r"^(?P<repo>(?:[A-Za-z0-9_][A-Za-z0-9._-]*/)+[A-Za-z0-9_][A-Za-z0-9._-]*\.git)"
    r"/(?P<rest>info/refs|git-upload-pack|git-receive-pack|HEAD|objects/[0-9a-zA-Z/._-]+)$"
)
_CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class SmartHttpResponse:
    """What to answer: status, headers and the body as it streams out of git."""

    status: int
    headers: list[tuple[str, str]]
    body: AsyncIterator[bytes]


def is_push_request(path: str, query_string: str) -> bool:
    """Whether a smart-HTTP request is (the start of) a push."""
    return path.endswith("/git-receive-pack") or "service=git-receive-pack" in query_string


async def _single(data: bytes) -> AsyncIterator[bytes]:
    yield data


def _plain(status: int, message: str) -> SmartHttpResponse:
    return SmartHttpResponse(
        status=status,
        headers=[("content-type", "text/plain; charset=utf-8")],
        body=_single(message.encode() + b"\n"),
    )


def _parse_cgi_headers(raw: bytes) -> tuple[int, list[tuple[str, str]]]:
    status = 200
    headers: list[tuple[str, str]] = []
    for line in raw.decode("latin-1").splitlines():
        if not line.strip():
            continue
        name, _, value = line.partition(":")
        name, value = name.strip(), value.strip()
        if name.lower() == "status":
            status = int(value.split()[0])
        else:
            headers.append((name.lower(), value))
    return status, headers


async def serve_git_http(
    *,
    project_root: Path,
    path: str,
    method: str,
    query_string: str,
    headers: Mapping[str, str],
    body: bytes,
    remote_addr: str = "127.0.0.1",
    remote_user: str | None = None,
    allow_push: bool = False,
    env: Mapping[str, str] | None = None,
    config: Mapping[str, str] | None = None,
) -> SmartHttpResponse:
    """Run ``git http-backend`` for one request under ``project_root``.

    ``path`` is relative to the root (``owner/repo.git/info/refs``). Pushes are refused
    with 403 unless ``allow_push`` (the portal allows them only after deciding who may
    push there; test fakes of remote hosts allow them outright). ``env`` and ``config``
    reach git (and its hooks) as environment variables and configuration: the portal
    passes its pre-receive hook and ref rules this way. Anything that is not a repository
    path gets a plain 404.
    """
    match = GIT_PATH.match(path)
    if match is None or ".." in path.split("/"):
        return _plain(404, "not a git repository path")
    if is_push_request(path, query_string) and not allow_push:
        return _plain(403, "this git server is read-only: pushes are not accepted")
    repo_dir = project_root / match.group("repo")
    if not (repo_dir / "HEAD").is_file():
        return _plain(404, "repository not found")
    cgi = {
        "GIT_PROJECT_ROOT": str(project_root),
        "GIT_HTTP_EXPORT_ALL": "1",
        "PATH_INFO": "/" + path,
        "REQUEST_METHOD": method.upper(),
        "QUERY_STRING": query_string,
        "CONTENT_TYPE": headers.get("content-type", ""),
        "CONTENT_LENGTH": str(len(body)),
        "REMOTE_ADDR": remote_addr,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "GATEWAY_INTERFACE": "CGI/1.1",
    }
    if headers.get("content-encoding"):
        cgi["HTTP_CONTENT_ENCODING"] = headers["content-encoding"]
    if headers.get("git-protocol"):
        cgi["GIT_PROTOCOL"] = headers["git-protocol"]
    if remote_user:
        cgi["REMOTE_USER"] = remote_user
    process_env = clean_git_env(
        {**(env or {}), **cgi},
        config={
            **(config or {}),
            "http.receivepack": "true" if allow_push else "false",
            "http.uploadpack": "true",
            "safe.directory": "*",
        },
    )
    process = await asyncio.create_subprocess_exec(
        "git",
        "http-backend",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=process_env,
    )
    assert process.stdin is not None and process.stdout is not None
    assert process.stderr is not None
    stdin, stdout, stderr = process.stdin, process.stdout, process.stderr

    async def feed() -> None:
        # git may exit without reading its input (a GET, a refused request): a closed pipe
        # or transport here is normal, not an error of the request.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError, RuntimeError):
            if body:
                stdin.write(body)
                await stdin.drain()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError, RuntimeError):
            stdin.close()

    feeder = asyncio.create_task(feed())
    errors = asyncio.create_task(stderr.read())
    head = b""
    while b"\r\n\r\n" not in head and b"\n\n" not in head:
        chunk = await stdout.read(_CHUNK)
        if not chunk:
            break
        head += chunk
    separator = b"\r\n\r\n" if b"\r\n\r\n" in head else b"\n\n"
    raw_headers, _, first = head.partition(separator)
    status, cgi_headers = _parse_cgi_headers(raw_headers)

    async def stream() -> AsyncIterator[bytes]:
        try:
            if first:
                yield first
            while True:
                chunk = await stdout.read(_CHUNK)
                if not chunk:
                    break
                yield chunk
            await feeder
            message = await errors
            code = await process.wait()
            if code != 0:
                log.warning(
                    "git http-backend exited %s for %s: %s",
                    code,
                    path,
                    message.decode("utf-8", "replace").strip(),
                )
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
            feeder.cancel()
            errors.cancel()

    return SmartHttpResponse(status=status, headers=cgi_headers, body=stream())
