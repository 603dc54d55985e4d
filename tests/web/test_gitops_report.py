"""The GitOps policy report of a created component, in the API and on its catalog page."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient
from tests.templates.conftest import BASE_PARAMETERS, CreatedService, create_service
from tests.web.conftest import sign_in_guest

from goldpath.web import create_app

NAME = BASE_PARAMETERS["name"]


@pytest.fixture(scope="module")
def created(tmp_path_factory: pytest.TempPathFactory) -> CreatedService:
    root = tmp_path_factory.mktemp("gitops-report")
    return create_service(BASE_PARAMETERS, root / NAME, home=root / "home")


@pytest.fixture
def client(created: CreatedService) -> Iterator[TestClient]:
    with TestClient(create_app(created.settings)) as test_client:
        yield test_client


def _git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def test_freshly_created_component_passes_every_check(
    created: CreatedService, client: TestClient
) -> None:
    report = client.get(f"/api/gitops/apps/{NAME}/report").json()
    assert report["ok"] is True, report["findings"]
    assert report["objects"] > 10
    checked = " ".join(report["checked"])
    for check in ("kubernetes-validate", "CRD schemas", "policies", "promtool", "kustomize"):
        assert check in checked
    assert report["repository"].endswith(f"/{created.settings.platform.gitops_group}/{NAME}")


def test_a_role_granting_secrets_shows_up_as_a_policy_finding(
    created: CreatedService, client: TestClient, tmp_path: Path
) -> None:
    bare = created.settings.git_root / created.settings.platform.gitops_group / f"{NAME}.git"
    work = tmp_path / "gitops"
    _git("clone", "-q", str(bare), str(work), cwd=tmp_path)
    role_file = next(
        p
        for p in work.rglob("*.yaml")
        if any((d or {}).get("kind") == "Role" for d in yaml.safe_load_all(p.read_text()))
    )
    documents = list(yaml.safe_load_all(role_file.read_text()))
    role = next(d for d in documents if d and d.get("kind") == "Role")
    role["rules"].append({"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"]})
    role_file.write_text(yaml.safe_dump_all(documents))
    _git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qam", "widen", cwd=work)
    _git("push", "-q", "origin", "HEAD", cwd=work)
    report = client.get(f"/api/gitops/apps/{NAME}/report").json()
    assert report["ok"] is False
    assert any(
        f["check"] == "policy" and "secret" in f["message"].lower() for f in report["findings"]
    ), report["findings"]


def test_unknown_app_is_a_404(client: TestClient) -> None:
    answer = client.get("/api/gitops/apps/no-such-app/report")
    assert answer.status_code == 404
    assert answer.json()["error"]["name"] == "GitopsRepoNotFoundError"


def test_component_page_offers_the_report(client: TestClient) -> None:
    sign_in_guest(client)
    page = client.get(f"/catalog/default/component/{NAME}")
    assert page.status_code == 200
    assert f'data-report-url="/api/gitops/apps/{NAME}/report"' in page.text
    assert "gitops-report.js" in page.text
