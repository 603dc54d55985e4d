"""The Fleet page and GET /api/goldpath/v1/fleet."""

from __future__ import annotations

from pathlib import Path

from goldpath.config import Settings
from tests.fleet._fleet import DOCKERFILE, TEMPLATE_REF, create, register_template
from tests.web.conftest import make_client, sign_in_guest


def test_the_fleet_page_and_api_show_versions_behind_and_the_last_upgrade(
    settings: Settings, tmp_path: Path
) -> None:
    for client, runtime in make_client(settings, seed=False):
        folder = tmp_path / "tiny-service"
        register_template(runtime, folder)
        create(runtime, "alpha")
        create(runtime, "bravo")
        (folder / "skeleton" / "Dockerfile").write_text(DOCKERFILE.replace("22", "24"))
        [result] = runtime.fleet.upgrade(component_ref="alpha")
        sign_in_guest(client)
        page = client.get("/fleet")
        assert page.status_code == 200
        assert TEMPLATE_REF in page.text
        assert '<strong data-testid="behind">2</strong> of 2 behind' in page.text
        assert f'href="/merge-requests/{result.merge_request}"' in page.text
        assert 'href="/fleet"' in page.text  # in the navigation
        [item] = client.get("/api/goldpath/v1/fleet").json()["items"]
        assert item["templateRef"] == TEMPLATE_REF and item["behind"] == 2
        members = {m["entityRef"]: m for m in item["members"]}
        assert members["component:default/alpha"]["lastUpgrade"]["id"] == result.merge_request
        assert members["component:default/bravo"]["lastUpgrade"] is None
