"""A real Create records what made the repositories: .goldpath/answers.yaml in both."""

from __future__ import annotations

from pathlib import Path

from goldpath.fleet import Answers, template_version
from goldpath.fleet._snapshots import TemplateSnapshots
from goldpath.runtime import Runtime
from tests.templates.conftest import BASE_PARAMETERS, create_service, embedded_settings


def test_a_create_writes_the_answers_file_in_the_app_and_gitops_repositories(
    tmp_path: Path,
) -> None:
    created = create_service(BASE_PARAMETERS, tmp_path / "clone", home=tmp_path / "home")
    app_answers = Answers.parse((created.path / ".goldpath" / "answers.yaml").read_text())
    assert app_answers.template_ref == "template:default/nodejs-service"
    assert app_answers.values["name"] == "orders-api"
    assert app_answers.values["owner"] == "group:default/team-orders"
    runtime = Runtime(embedded_settings(tmp_path / "home"))
    runtime.prepare()
    try:
        template = runtime.templates.get("template:default/nodejs-service")
        assert app_answers.version == template_version(template)
        gitops = runtime.git_hosts.local.read_file(
            runtime.settings.platform.gitops_group, "orders-api", "main", ".goldpath/answers.yaml"
        )
        assert Answers.parse(gitops) == app_answers
        snapshot = TemplateSnapshots(runtime.database).get(app_answers.version.digest)
        assert snapshot.template_ref == "template:default/nodejs-service"
        assert template_version(template, snapshot.files) == app_answers.version
    finally:
        runtime.stop()
