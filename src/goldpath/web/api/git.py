"""The local git host over HTTP: git's smart HTTP and GitLab-style file URLs.

``/git/<owner>/<repo>.git/...`` is answered by ``git http-backend`` with plain responses
git clients understand. Clones and fetches are open to whoever may reach the portal;
a push (``git-receive-pack``) needs a goldpath API token as the HTTP basic password and
the git server's permission (``goldpath.gitserver``). ``/git/<owner>/<repo>/-/blob|raw/
<branch>/<path>`` serves a file's bytes; ``/git/<owner>/<repo>`` lists the default
branch's files.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from anyio import to_thread
from fastapi import APIRouter, Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response, StreamingResponse

from goldpath.errors import GoldpathError, NotFoundError
from goldpath.gitserver import PushSession, RefUpdate, parse_push_commands
from goldpath.links import component_page_path
from goldpath.providers.git import (
    GitPathNotFoundError,
    LocalGitHost,
    RepoNotFoundError,
    check_owner,
    check_repo_name,
    serve_git_http,
)
from goldpath.providers.git._smart_http import GIT_PATH, is_push_request
from goldpath.web._deps import git_hosts, git_server
from goldpath.web.auth import identity_from_scope
from goldpath.web.pages._repository import repository_page

__all__ = ["router"]

router = APIRouter(tags=["git"], include_in_schema=False)

_SAFE_HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"}
# A clone's negotiation body is small; anything bigger than this is not a git client.
MAX_REQUEST_BYTES = 16 * 1024 * 1024


def _local(request: Request) -> LocalGitHost:
    return git_hosts(request).local


def _split_repo(repo_path: str) -> tuple[str, str]:
    owner, _, repo = repo_path.strip("/").rpartition("/")
    if check_owner(owner) or check_repo_name(repo):
        raise RepoNotFoundError(f"no repository {repo_path!r}")
    return owner, repo


@router.api_route("/git/{path:path}", methods=["GET", "POST"])
async def git_route(path: str, request: Request) -> Response:
    """Dispatch a /git/ request to smart HTTP, a file, or the repository listing."""
    if GIT_PATH.match(path) or ".git/" in path:
        return await _smart_http(path, request)
    if "/-/" in path:
        repo_path, _, tail = path.partition("/-/")
        mode, _, rest = tail.partition("/")
        if mode == "pipelines":
            return await _pipelines(repo_path, request)
        if mode == "tree":
            return _listing(repo_path, request, ref=rest.strip("/") or None)
        return _file(path, request)
    if path.endswith(".git"):
        # a clone URL opened in a browser: the repository's page, as GitLab answers it
        return RedirectResponse(f"/git/{path.removesuffix('.git')}", status_code=303)
    return _listing(path, request)


async def _smart_http(path: str, request: Request) -> Response:
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_REQUEST_BYTES:
            return PlainTextResponse("request body too large", status_code=413)
        chunks.append(chunk)
    body = b"".join(chunks)
    client = request.client
    headers = {k.lower(): v for k, v in request.headers.items()}
    session: PushSession | None = None
    if is_push_request(path, request.url.query):
        decided = await _push_session(path, request)
        if isinstance(decided, Response):
            return decided
        session = decided
    answer = await serve_git_http(
        project_root=_local(request).root,
        path=path,
        method=request.method,
        query_string=request.url.query,
        headers=headers,
        body=body,
        remote_addr=client.host if client else "127.0.0.1",
        remote_user=session.user_ref if session is not None else None,
        allow_push=session is not None,
        env=session.env if session is not None else None,
        config=session.config if session is not None else None,
    )
    stream = answer.body
    if session is not None and request.method == "POST":
        commands = parse_push_commands(body, content_encoding=headers.get("content-encoding", ""))
        stream = _recording(request, session, commands, answer.body)
    return StreamingResponse(stream, status_code=answer.status, headers=dict(answer.headers))


def _challenge(message: str) -> Response:
    # git asks for (or sends stored) credentials only after a 401 naming Basic.
    return PlainTextResponse(
        message + "\n",
        status_code=401,
        headers={"WWW-Authenticate": 'Basic realm="goldpath git"', **_SAFE_HEADERS},
    )


async def _push_session(path: str, request: Request) -> PushSession | Response:
    """Who pushes, and whether they may: a session, or the plain-text answer git shows."""
    identity = identity_from_scope(request)
    if identity is None or identity.method != "token":
        return _challenge(
            "pushing needs a goldpath API token: use it as the password "
            "(git clone http://<any name>:<token>@host/git/...), see docs/git-hosting.md"
        )
    match = GIT_PATH.match(path)
    assert match is not None  # _smart_http is only called for repository paths
    owner, repo = _split_repo(match.group("repo").removesuffix(".git"))
    try:
        return await to_thread.run_sync(
            git_server(request).authorize, identity.user_ref, owner, repo
        )
    except NotFoundError as exc:
        return PlainTextResponse(exc.message + "\n", status_code=404, headers=_SAFE_HEADERS)
    except GoldpathError as exc:
        # text/plain: git prints the body as "remote: ..." beside its own error line
        return PlainTextResponse(exc.message + "\n", status_code=403, headers=_SAFE_HEADERS)


async def _recording(
    request: Request,
    session: PushSession,
    commands: list[RefUpdate],
    body: AsyncIterator[bytes],
) -> AsyncIterator[bytes]:
    """git's answer as it streams, then the push recorded once git has finished."""
    server = git_server(request)
    try:
        async for chunk in body:
            yield chunk
    finally:
        if commands:
            await to_thread.run_sync(server.finish, session, commands)


def _file(path: str, request: Request) -> Response:
    repo_path, _, tail = path.partition("/-/")
    mode, _, ref_and_path = tail.partition("/")
    if mode not in ("blob", "raw"):
        raise GitPathNotFoundError(f"unknown repository view {mode!r} (blob or raw)")
    owner, repo = _split_repo(repo_path)
    host = _local(request)
    ref, file_path = host.split_ref_and_path(owner, repo, ref_and_path)
    data = host.read_file(owner, repo, ref, file_path)
    try:
        data.decode("utf-8")
        media_type = "text/plain; charset=utf-8"
    except UnicodeDecodeError:
        media_type = "application/octet-stream"
    # Never text/html: a file in someone's repository must not run as the portal's page.
    return Response(data, media_type=media_type, headers=_SAFE_HEADERS)


async def _pipelines(repo_path: str, request: Request) -> Response:
    """GitLab's pipelines page has no local twin: the component page's live panels show
    the pipeline (or the last commit) instead; a repository no component claims shows
    its own page."""
    owner, repo = _split_repo(repo_path)
    _local(request).get_repo(owner, repo)
    components = await to_thread.run_sync(git_server(request).components_of, owner, repo)
    if components:
        name = str(components[0]["metadata"]["name"])
        return RedirectResponse(component_page_path(name), status_code=303)
    return RedirectResponse(f"/git/{owner}/{repo}", status_code=303)


def _listing(path: str, request: Request, *, ref: str | None = None) -> Response:
    owner, repo = _split_repo(path)
    host = _local(request)
    if "text/html" in request.headers.get("accept", ""):
        return repository_page(request, host, owner, repo, ref)
    info = host.get_repo(owner, repo)
    files = host.list_files(owner, repo, info.default_branch)
    lines = [
        f"{info.full_name}",
        f"clone: git clone {info.clone_url}",
        f"branch: {info.default_branch}",
        "",
        *(files or ["(no commits yet)"]),
    ]
    return PlainTextResponse("\n".join(lines) + "\n", headers=_SAFE_HEADERS)
