"""Environments: a kustomize base plus dev, staging and prod overlays, each its own namespace."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st
from pydantic import ValidationError

from goldpath.errors import InvalidInputError
from goldpath.gitops import ENVIRONMENTS, AppSpec, EnvironmentSettings, Resources, render_app
from goldpath.gitops import validate_tree as validate
from goldpath.gitops._environments import (
    DEPLOY_ENVIRONMENT,
    ENVIRONMENT_POLICIES,
    environment_profile,
    environment_tags,
    overlay_kustomization,
    previous_environment,
    promote_in_tree,
)
from goldpath.gitops._report import ValidationReport
from goldpath.gitops._tools import kubectl_path
from goldpath.gitops._validate import parse_tree
from goldpath.gitops._workload import container_env
from goldpath.gitops.errors import NothingToPromoteError
from goldpath.templates._pipeline import DEPLOY_KUSTOMIZATION
from tests.gitops.helpers import LOADER, spec, write
from tests.gitops.strategies import app_specs

P = PurePosixPath
ALL = ("dev", "staging", "prod")


def _kustomize(root: Path, environment: str) -> list[dict[str, Any]]:
    kubectl = kubectl_path()
    if kubectl is None:
        pytest.skip("kubectl is not installed")
    out = subprocess.run(
        [kubectl, "kustomize", str(root / "overlays" / environment)],
        check=True, capture_output=True, text=True,
    ).stdout
    return [doc for doc in yaml.load_all(out, Loader=LOADER) if doc]


def _of(docs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [doc for doc in docs if doc["kind"] == kind]


def _container(docs: list[dict[str, Any]]) -> dict[str, Any]:
    container: dict[str, Any] = _of(docs, "Deployment")[0]["spec"]["template"]["spec"][
        "containers"
    ][0]
    return container


def _policy_failures(files: dict[PurePosixPath, str]) -> list[str]:
    report = ValidationReport()
    tree = parse_tree(files, report)
    return [
        f"{policy.id}: {violation.message}"
        for policy in ENVIRONMENT_POLICIES
        for violation in policy.check(tree)
    ]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict[str, Any]]]:
    root = write(render_app(spec(environments=ALL, replicas=3)), tmp_path_factory.mktemp("r"))
    return {env: _kustomize(root, env) for env in ALL}


def test_each_environment_builds_into_its_own_namespace(
    built: dict[str, list[dict[str, Any]]],
) -> None:
    for env, docs in built.items():
        assert {d["metadata"].get("namespace", f"payments-{env}") for d in docs} == {
            f"payments-{env}"
        }, env
        assert [ns["metadata"]["name"] for ns in _of(docs, "Namespace")] == [f"payments-{env}"]


def test_replicas_log_level_resources_and_host_differ_per_environment(
    built: dict[str, list[dict[str, Any]]],
) -> None:
    replicas = {env: _of(docs, "Deployment")[0]["spec"]["replicas"] for env, docs in built.items()}
    assert replicas == {"dev": 1, "staging": 1, "prod": 3}
    levels = {
        env: {e["name"]: e.get("value") for e in _container(docs)["env"]}["LOG_LEVEL"]
        for env, docs in built.items()
    }
    assert levels == {"dev": "debug", "staging": "info", "prod": "info"}
    requests = {env: _container(docs)["resources"]["requests"] for env, docs in built.items()}
    assert requests["dev"] == {"cpu": "50m", "memory": "64Mi"}
    assert requests["prod"] == {"cpu": "100m", "memory": "128Mi"}
    hosts = {
        env: _of(docs, "Ingress")[0]["spec"]["rules"][0]["host"] for env, docs in built.items()
    }
    assert hosts == {
        "dev": "payments-dev.apps.example.com",
        "staging": "payments-staging.apps.example.com",
        "prod": "payments.apps.example.com",
    }


def test_only_prod_has_a_disruption_budget(built: dict[str, list[dict[str, Any]]]) -> None:
    budgets = {env: len(_of(docs, "PodDisruptionBudget")) for env, docs in built.items()}
    assert budgets == {"dev": 0, "staging": 0, "prod": 1}


def test_each_environment_has_its_own_application_and_project() -> None:
    files = render_app(spec(environments=ALL))
    apps = [d for d in yaml.safe_load_all(files[P("argocd/application.yaml")]) if d]
    targets = {a["metadata"]["name"]: (a["spec"]["source"]["path"],
                                       a["spec"]["destination"]["namespace"]) for a in apps}
    assert targets == {f"payments-{e}": (f"overlays/{e}", f"payments-{e}") for e in ALL}
    projects = [d for d in yaml.safe_load_all(files[P("argocd/appproject.yaml")]) if d]
    assert sorted(p["metadata"]["name"] for p in projects) == sorted(targets)


def test_a_single_replica_app_still_runs_two_in_prod() -> None:
    assert environment_profile(spec(replicas=1), "prod").replicas == 2


def test_environment_settings_override_the_defaults() -> None:
    small = Resources(cpu_request="10m", cpu_limit="20m", memory_request="16Mi",
                      memory_limit="32Mi")
    chosen = spec(environments=ALL, environment_settings={
        "staging": EnvironmentSettings(replicas=2, log_level="warn", resources=small)})
    profile = environment_profile(chosen, "staging")
    assert (profile.replicas, profile.log_level, profile.resources) == (2, "warn", small)
    assert environment_profile(chosen, "dev").log_level == "debug"


def test_fewer_than_two_prod_replicas_are_refused_naming_the_field() -> None:
    with pytest.raises(ValidationError) as caught:
        spec(environment_settings={"prod": {"replicas": 1}})
    assert caught.value.errors()[0]["loc"] == ("environment_settings",)
    assert "at least 2 replicas" in str(caught.value)


@pytest.mark.parametrize(
    ("request_", "half"),
    [("128Mi", "64Mi"), ("1Gi", "512Mi"), ("3Gi", "1536Mi"), ("1", "1"), ("5M", "2500k")],
)
def test_dev_requests_half_the_memory(request_: str, half: str) -> None:
    resources = Resources(memory_request=request_, memory_limit="4Gi")
    assert environment_profile(spec(resources=resources), "dev").resources.memory_request == half


@pytest.mark.parametrize(("request_", "half"), [("100m", "50m"), ("1", "500m"), ("0.5", "250m")])
def test_dev_requests_half_the_cpu(request_: str, half: str) -> None:
    resources = Resources(cpu_request=request_, cpu_limit="2")
    assert environment_profile(spec(resources=resources), "dev").resources.cpu_request == half


def test_three_environments_validate_with_every_tool() -> None:
    report = validate(render_app(spec(environments=ALL)))
    assert report.ok, [str(f) for f in report.failures]
    assert "kubectl kustomize" in report.checked and "promtool check rules" in report.checked


def test_a_prod_overlay_with_one_replica_fails_the_policy() -> None:
    files = render_app(spec(environments=ALL))
    path = overlay_kustomization("prod")
    doc = yaml.safe_load(files[path])
    doc["replicas"] = [{"name": "payments", "count": 1}]
    files[path] = yaml.safe_dump(doc)
    assert _policy_failures(files) == [
        "EN001: prod runs 1 replica(s) of payments; at least 2 are required"
    ]


def test_a_prod_overlay_without_a_disruption_budget_fails_the_policy() -> None:
    files = render_app(spec(environments=ALL))
    path = overlay_kustomization("prod")
    doc = yaml.safe_load(files[path])
    doc["resources"].remove("poddisruptionbudget.yaml")
    files[path] = yaml.safe_dump(doc)
    del files[P("overlays/prod/poddisruptionbudget.yaml")]
    assert _policy_failures(files) == ["EN001: the prod overlay deploys no PodDisruptionBudget"]


def test_an_overlay_in_the_base_namespace_fails_the_policy() -> None:
    files = render_app(spec(environments=ALL))
    path = overlay_kustomization("staging")
    doc = yaml.safe_load(files[path])
    del doc["namespace"]
    files[path] = yaml.safe_dump(doc)
    failures = _policy_failures(files)
    assert len(failures) == 1 and failures[0].startswith("EN002: the staging overlay")


def test_promotion_order_is_dev_staging_prod() -> None:
    assert [previous_environment(e) for e in ENVIRONMENTS] == [None, "dev", "staging"]


def test_the_pipeline_deploys_to_dev_only() -> None:
    assert str(overlay_kustomization(DEPLOY_ENVIRONMENT)) == DEPLOY_KUSTOMIZATION
    root = Path(__file__).parents[2] / "src" / "goldpath" / "templates"
    for skeleton in ("nodejs-service", "python-service"):
        text = (root / skeleton / "skeleton" / ".gitlab-ci.yml").read_text(encoding="utf-8")
        pipeline = yaml.safe_load(text)
        assert pipeline["variables"]["KUSTOMIZATION"] == DEPLOY_KUSTOMIZATION, skeleton
        script = "\n".join(pipeline["update-gitops"]["script"])
        assert "overlays/staging" not in script and "overlays/prod" not in script, skeleton
        assert 'target="$KUSTOMIZATION"' in script, skeleton


@hyp_settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(app_specs(), st.lists(st.sampled_from(ENVIRONMENTS), unique=True, min_size=1))
def test_every_rendered_repo_passes_the_environment_policies(
    app: AppSpec, environments: list[str]
) -> None:
    files = render_app(app.model_copy(update={"environments": tuple(
        e for e in ENVIRONMENTS if e in environments)}))
    assert _policy_failures(files) == []
    if "prod" in environments:
        prod = yaml.safe_load(files[overlay_kustomization("prod")])
        assert prod["replicas"][0]["count"] >= 2
        assert "poddisruptionbudget.yaml" in prod["resources"]


_TAGS = st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}", fullmatch=True).filter(
    lambda t: t != "latest"
)


def _with_tags(files: dict[PurePosixPath, str], tags: dict[str, str]) -> dict[PurePosixPath, str]:
    changed = dict(files)
    for env, tag in tags.items():
        path = overlay_kustomization(env)
        doc = yaml.safe_load(changed[path])
        doc["images"][0]["newTag"] = tag
        changed[path] = yaml.safe_dump(doc)
    return changed


_RENDERED = render_app(spec(environments=ALL))


@hyp_settings(max_examples=60, deadline=None)
@given(st.fixed_dictionaries({env: _TAGS for env in ALL}), st.sampled_from(["staging", "prod"]))
def test_a_promotion_changes_exactly_the_target_overlays_tag(
    tags: dict[str, str], target: str
) -> None:
    files = _with_tags(_RENDERED, tags)
    source = previous_environment(target)
    assert source is not None
    if tags[source] == tags[target]:
        with pytest.raises(NothingToPromoteError):
            promote_in_tree(files, "payments", target)
        return
    changed, change = promote_in_tree(files, "payments", target)
    assert (change.tag, change.before, change.path) == (
        tags[source], tags[target], overlay_kustomization(target)
    )
    assert {p for p in files if files[p] != changed[p]} == {overlay_kustomization(target)}
    assert set(changed) == set(files)
    before = yaml.safe_load(files[overlay_kustomization(target)])
    after = yaml.safe_load(changed[overlay_kustomization(target)])
    before["images"][0]["newTag"] = tags[source]
    assert after == before
    assert environment_tags(changed, "payments") == {**tags, target: tags[source]}


def test_dev_is_not_promoted_to() -> None:
    with pytest.raises(InvalidInputError) as caught:
        promote_in_tree(_RENDERED, "payments", "dev")
    assert caught.value.errors[0].field == "to"


_ENV_NAMES = st.sampled_from(["LOG_LEVEL", "NODE_ENV", "FEATURE_X", "REGION"])


@hyp_settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    env=st.dictionaries(_ENV_NAMES, st.sampled_from(["warn", "a", "b c"]), max_size=3),
    log_level_is_secret=st.booleans(),
)
def test_an_overlay_sets_log_level_once_and_keeps_every_other_variable(
    env: dict[str, str], log_level_is_secret: bool
) -> None:
    # Whatever the base's env holds (LOG_LEVEL as a value, as a secret or not at all), each
    # built overlay has exactly one LOG_LEVEL, the environment's, and the base's other
    # variables in their order: the JSON patch addresses LOG_LEVEL by position.
    secret_keys: tuple[str, ...] = ()
    if log_level_is_secret:
        env.pop("LOG_LEVEL", None)
        secret_keys = ("LOG_LEVEL",)
    app = spec(environments=ALL, env=env, secret_keys=secret_keys)
    with tempfile.TemporaryDirectory() as scratch:
        root = write(render_app(app), Path(scratch))
        for environment in ALL:
            built = _container(_kustomize(root, environment))["env"]
            levels = [e for e in built if e["name"] == "LOG_LEVEL"]
            assert levels == [
                {"name": "LOG_LEVEL", "value": environment_profile(app, environment).log_level}
            ]
            others = [e["name"] for e in built if e["name"] != "LOG_LEVEL"]
            assert others == [e["name"] for e in container_env(app) if e["name"] != "LOG_LEVEL"]
            assert set(others) == {"PORT", *env} - {"LOG_LEVEL"}


def test_an_overlay_fails_to_build_when_the_base_container_was_edited_out_of_step(
    tmp_path: Path,
) -> None:
    # The patch's `test` operations guard its positions: a base whose first container is
    # no longer the app's fails the build (and so validation) instead of patching the
    # wrong container.
    files = render_app(spec(environments=("dev",)))
    base = P("base/deployment.yaml")
    files[base] = files[base].replace(
        "name: payments\n        ports:", "name: sidecar\n        ports:"
    )
    assert "name: sidecar" in files[base]
    report = validate(files)
    assert any(f.check == "kustomize" for f in report.failures), report.failures
