"""The portal's /git/ endpoint: real `git clone` over smart HTTP, read-only, file URLs."""

from __future__ import annotations

import asyncio
import os
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from goldpath.config import Settings, load_settings
from goldpath.providers.git import RepoInfo, clean_git_env, serve_git_http
from goldpath.runtime import Runtime
from goldpath.web import create_app
from goldpath.web._errors import install_error_handlers
from goldpath.web.api import git as git_api
from tests.providers.git._server import serve


def _settings(home: Path, base_url: str) -> Settings:
    return load_settings(
        home=home,
        server={"base_url": base_url},
        catalog={"refresh_enabled": False},
        scaffolder={"workers": 0},
    )


def _publish(
    runtime: Runtime, source_dir: Path, owner: str = "team", repo: str = "svc"
) -> RepoInfo:
    host = runtime.git_hosts.local
    info = host.create_repo(owner, repo)
    host.push(source_dir, info, branch="main", message="init", author_name="A", author_email="a@x")
    return info


def _clone(url: str, dest: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "clone", "--quiet", url, str(dest)],
        env=clean_git_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )


def _minimal_app(runtime: Runtime) -> FastAPI:
    app = FastAPI()
    app.state.runtime = runtime
    install_error_handlers(app)
    app.include_router(git_api.router)
    return app


@pytest.fixture
def portal(goldpath_home: Path) -> Iterator[tuple[str, Runtime]]:
    """The whole goldpath app served by uvicorn on a free port."""
    holder: dict[str, Runtime] = {}

    def make(base_url: str) -> FastAPI:
        runtime = Runtime(_settings(goldpath_home, base_url))
        holder["runtime"] = runtime
        return create_app(runtime.settings, runtime=runtime)

    with serve(make) as base_url:
        yield base_url, holder["runtime"]


def test_git_clone_over_http_from_the_portal(
    portal: tuple[str, Runtime], source_dir: Path, tmp_path: Path
) -> None:
    base_url, runtime = portal
    info = _publish(runtime, source_dir, owner="platform/team")
    assert info.clone_url == f"{base_url}/git/platform/team/svc.git"
    result = _clone(info.clone_url, tmp_path / "clone")
    assert result.returncode == 0, result.stderr
    clone = tmp_path / "clone"
    assert (clone / "src" / "index.js").read_text() == "console.log('hi')\n"
    assert os.access(clone / "run.sh", os.X_OK)
    assert not (clone / "node_modules").exists()


def test_git_clone_from_the_git_router_alone(
    goldpath_home: Path, source_dir: Path, tmp_path: Path
) -> None:
    holder: dict[str, Runtime] = {}

    def make(base_url: str) -> FastAPI:
        holder["runtime"] = Runtime(_settings(goldpath_home, base_url))
        return _minimal_app(holder["runtime"])

    with serve(make):
        info = _publish(holder["runtime"], source_dir)
        result = _clone(info.clone_url, tmp_path / "clone")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "clone" / "catalog-info.yaml").is_file()


def test_push_over_http_without_a_token_is_refused_and_changes_nothing(
    portal: tuple[str, Runtime], source_dir: Path, tmp_path: Path
) -> None:
    _, runtime = portal
    info = _publish(runtime, source_dir)
    before = runtime.git_hosts.local.refs("team", "svc")
    clone = tmp_path / "clone"
    assert _clone(info.clone_url, clone).returncode == 0
    (clone / "new.txt").write_text("x\n")
    env = {
        **clean_git_env(),
        "GIT_AUTHOR_NAME": "M",
        "GIT_AUTHOR_EMAIL": "m@x",
        "GIT_COMMITTER_NAME": "M",
        "GIT_COMMITTER_EMAIL": "m@x",
    }
    subprocess.run(["git", "add", "."], cwd=clone, env=env, check=True)
    subprocess.run(["git", "commit", "-qm", "evil"], cwd=clone, env=env, check=True)
    pushed = subprocess.run(
        ["git", "push", "origin", "main"], cwd=clone, env=env, capture_output=True, text=True
    )
    assert pushed.returncode != 0
    assert runtime.git_hosts.local.refs("team", "svc") == before
    files = runtime.git_hosts.local.list_files("team", "svc", "main")
    assert "new.txt" not in files


@pytest.fixture
def asgi(settings: Settings) -> Iterator[tuple[TestClient, Runtime]]:
    """The git router in an ASGI app, driven in-process through FastAPI's TestClient."""
    runtime = Runtime(settings)
    with TestClient(_minimal_app(runtime), base_url="http://testserver") as client:
        yield client, runtime


def test_info_refs_advertises_upload_pack(
    asgi: tuple[TestClient, Runtime], source_dir: Path
) -> None:
    client, runtime = asgi
    _publish(runtime, source_dir)
    response = client.get("/git/team/svc.git/info/refs", params={"service": "git-upload-pack"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/x-git-upload-pack-advertisement"
    assert response.content.startswith(b"001e# service=git-upload-pack\n")


def test_receive_pack_without_a_token_is_challenged_as_plain_text(
    asgi: tuple[TestClient, Runtime], source_dir: Path
) -> None:
    client, runtime = asgi
    _publish(runtime, source_dir)
    advert = client.get("/git/team/svc.git/info/refs", params={"service": "git-receive-pack"})
    post = client.post("/git/team/svc.git/git-receive-pack", content=b"0000")
    for response in (advert, post):
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Basic")
        assert response.headers["content-type"].startswith("text/plain")
        assert "API token" in response.text


def test_unknown_repository_is_a_plain_404_for_git(asgi: tuple[TestClient, Runtime]) -> None:
    client, _ = asgi
    response = client.get("/git/team/ghost.git/info/refs", params={"service": "git-upload-pack"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/plain")


def test_path_traversal_never_reaches_git(asgi: tuple[TestClient, Runtime]) -> None:
    client, _ = asgi
    for path in ("/git/../../etc/passwd.git/HEAD", "/git/team/..%2F..%2Fx.git/HEAD"):
        assert client.get(path).status_code == 404


def test_blob_and_raw_urls_serve_file_bytes_as_plain_text(
    asgi: tuple[TestClient, Runtime], source_dir: Path
) -> None:
    client, runtime = asgi
    _publish(runtime, source_dir)
    for mode in ("blob", "raw"):
        response = client.get(f"/git/team/svc/-/{mode}/main/catalog-info.yaml")
        assert response.status_code == 200
        assert response.text.startswith("apiVersion: backstage.io/v1alpha1")
        assert response.headers["content-type"] == "text/plain; charset=utf-8"
        assert response.headers["x-content-type-options"] == "nosniff"


def test_repo_contents_url_is_readable_over_http(
    asgi: tuple[TestClient, Runtime], source_dir: Path
) -> None:
    client, runtime = asgi
    _publish(runtime, source_dir)
    host = runtime.git_hosts.local
    url = host.contents_url("team", "svc", "main") + "/src/index.js"
    path = url.removeprefix(runtime.settings.server.public_url)
    assert client.get(path).content == host.read(url)


def test_missing_file_is_a_not_found_error(
    asgi: tuple[TestClient, Runtime], source_dir: Path
) -> None:
    client, runtime = asgi
    _publish(runtime, source_dir)
    response = client.get("/git/team/svc/-/blob/main/nope.yaml")
    assert response.status_code == 404
    assert response.json()["error"]["name"] == "GitPathNotFoundError"


def test_repository_page_lists_files_and_clone_url(
    asgi: tuple[TestClient, Runtime], source_dir: Path
) -> None:
    client, runtime = asgi
    info = _publish(runtime, source_dir)
    response = client.get("/git/team/svc")
    assert response.status_code == 200
    assert f"git clone {info.clone_url}" in response.text
    assert "src/index.js" in response.text


def test_oversized_request_body_is_refused(
    asgi: tuple[TestClient, Runtime], source_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, runtime = asgi
    _publish(runtime, source_dir)
    monkeypatch.setattr(git_api, "MAX_REQUEST_BYTES", 1024)
    response = client.post("/git/team/svc.git/git-upload-pack", content=b"0" * 4096)
    assert response.status_code == 413


_tokens = st.sampled_from(
    ["team", "svc.git", "outside", "x.git", "..", ".", "info", "refs", "HEAD", "objects", ""]
)


@pytest.fixture(scope="module")
def traversal_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A root holding team/svc.git, beside a repository outside it (outside/x.git)."""
    base = tmp_path_factory.mktemp("traversal")
    for repo in (base / "root" / "team" / "svc.git", base / "outside" / "x.git"):
        repo.parent.mkdir(parents=True)
        subprocess.run(["git", "init", "-q", "--bare", str(repo)], env=clean_git_env(), check=True)
    return base / "root"


def _serve(root: Path, path: str) -> tuple[int, bytes]:
    """One smart-HTTP GET through serve_git_http, body drained in the same event loop."""

    async def go() -> tuple[int, bytes]:
        answer = await serve_git_http(
            project_root=root,
            path=path,
            method="GET",
            query_string="service=git-upload-pack",
            headers={},
            body=b"",
        )
        return answer.status, b"".join([chunk async for chunk in answer.body])

    # A Playwright test earlier in this xdist worker leaves an event loop running on the
    # main thread; a thread of our own always gets a fresh one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, go()).result()


@settings(max_examples=80, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parts=st.lists(_tokens, min_size=1, max_size=8))
def test_no_path_escapes_the_repository_root(traversal_root: Path, parts: list[str]) -> None:
    path = "/".join(parts)
    status, _ = _serve(traversal_root, path)
    if status == 200:
        served = Path(os.path.normpath(traversal_root / path))
        assert traversal_root in served.parents
        assert path.startswith("team/svc.git/")


def test_the_repository_inside_the_root_is_served(traversal_root: Path) -> None:
    status, body = _serve(traversal_root, "team/svc.git/info/refs")
    assert status == 200
    assert body.startswith(b"001e# service=git-upload-pack")
