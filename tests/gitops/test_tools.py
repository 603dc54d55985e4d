"""Rendered repos against the real tools: promtool (check and unit tests) and kustomize."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from goldpath.gitops import AppSpec, PlatformSpec, render_app, render_platform, validate_tree
from goldpath.gitops._monitoring import alert_rules, rule_group
from tests.gitops.helpers import manifests, spec, write
from tests.support.validators import require_validator

pytestmark = pytest.mark.slow


@pytest.fixture
def promtool() -> str:
    """promtool's path; the test fails (never skips) without it."""
    return require_validator("promtool")


@pytest.fixture
def kubectl() -> str:
    """kubectl's path; the test fails (never skips) without it."""
    return require_validator("kubectl")


needs_promtool = pytest.mark.usefixtures("promtool")
needs_kubectl = pytest.mark.usefixtures("kubectl")
PROMTOOL = "promtool"
KUBECTL = "kubectl"


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=120,
                          check=False)


def _annotations(app: AppSpec, alert: str, description: str) -> dict[str, str]:
    rule = next(r for r in alert_rules(app) if r["alert"] == alert)
    return {**rule["annotations"], "description": description}


def _base_labels(app: AppSpec, alert: str) -> dict[str, str]:
    rule = next(r for r in alert_rules(app) if r["alert"] == alert)
    return dict(rule["labels"])


def _unit_tests(app: AppSpec) -> list[dict[str, Any]]:
    ns, job = app.name, app.name
    series = f'job="{job}",namespace="{ns}"'
    return [
        {   # 5xx ratio: half of all requests fail
            "interval": "1m",
            "input_series": [
                {"series": f'http_requests_total{{{series},route="/",status_code="500"}}',
                 "values": "0+60x30"},
                {"series": f'http_requests_total{{{series},route="/",status_code="200"}}',
                 "values": "0+60x30"},
            ],
            "alert_rule_test": [
                {"eval_time": "3m", "alertname": "AppHighErrorRatio", "exp_alerts": []},
                {"eval_time": "15m", "alertname": "AppHighErrorRatio", "exp_alerts": [{
                    "exp_labels": {**_base_labels(app, "AppHighErrorRatio"), "namespace": ns},
                    "exp_annotations": _annotations(
                        app, "AppHighErrorRatio", f"The 5xx share of {ns} is 50%."),
                }]},
            ],
        },
        {   # no errors: the ratio alert stays silent
            "interval": "1m",
            "input_series": [
                {"series": f'http_requests_total{{{series},route="/",status_code="200"}}',
                 "values": "0+60x30"},
                {"series": f'http_requests_total{{{series},route="/",status_code="500"}}',
                 "values": "0+0x30"},
            ],
            "alert_rule_test": [
                {"eval_time": "20m", "alertname": "AppHighErrorRatio", "exp_alerts": []},
            ],
        },
        {   # p95 latency: every request takes between 0.5 s and 1 s
            "interval": "1m",
            "input_series": [
                {"series": f'http_request_duration_seconds_bucket{{{series},le="0.5"}}',
                 "values": "0+0x30"},
                {"series": f'http_request_duration_seconds_bucket{{{series},le="1"}}',
                 "values": "0+60x30"},
                {"series": f'http_request_duration_seconds_bucket{{{series},le="+Inf"}}',
                 "values": "0+60x30"},
            ],
            "alert_rule_test": [
                {"eval_time": "15m", "alertname": "AppHighLatencyP95", "exp_alerts": [{
                    "exp_labels": {**_base_labels(app, "AppHighLatencyP95"), "namespace": ns},
                    "exp_annotations": _annotations(
                        app, "AppHighLatencyP95", f"p95 latency in {ns} is 975ms."),
                }]},
            ],
        },
        {   # restarts: once a minute
            "interval": "1m",
            "input_series": [
                {"series": "kube_pod_container_status_restarts_total"
                           f'{{namespace="{ns}",container="{app.name}",pod="{app.name}-0"}}',
                 "values": "0+1x60"},
            ],
            "alert_rule_test": [
                {"eval_time": "30m", "alertname": "AppFrequentRestarts", "exp_alerts": [{
                    "exp_labels": {**_base_labels(app, "AppFrequentRestarts"), "namespace": ns,
                                   "pod": f"{app.name}-0"},
                    "exp_annotations": _annotations(
                        app, "AppFrequentRestarts",
                        f"{app.name}-0 in {ns} restarted more than "
                        f"{app.alerts.restarts_per_hour} times in the last hour."),
                }]},
            ],
        },
        {   # target down for longer than the alert's for:
            "interval": "1m",
            "input_series": [
                {"series": f'up{{{series},instance="10.0.0.7:3000"}}', "values": "0x30"},
                {"series": f'up{{{series},instance="10.0.0.8:3000"}}', "values": "1x30"},
            ],
            "alert_rule_test": [
                {"eval_time": "2m", "alertname": "AppTargetDown", "exp_alerts": []},
                {"eval_time": "10m", "alertname": "AppTargetDown", "exp_alerts": [{
                    "exp_labels": {**_base_labels(app, "AppTargetDown"), "namespace": ns,
                                   "job": job, "instance": "10.0.0.7:3000"},
                    "exp_annotations": _annotations(
                        app, "AppTargetDown", f"10.0.0.7:3000 in {ns} has not answered scrapes."),
                }]},
            ],
        },
    ]


@needs_promtool
def test_every_alert_passes_its_promtool_unit_test(tmp_path: Path) -> None:
    app = spec()
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump({"groups": [rule_group(app)]}))
    tested = {t["alertname"] for case in _unit_tests(app) for t in case["alert_rule_test"]}
    assert tested == {r["alert"] for r in alert_rules(app)}
    (tmp_path / "tests.yaml").write_text(yaml.safe_dump({
        "rule_files": ["rules.yaml"], "evaluation_interval": "1m", "tests": _unit_tests(app)}))
    result = _run([str(PROMTOOL), "test", "rules", "tests.yaml"], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


@needs_promtool
@pytest.mark.parametrize("environments", [(), ("dev", "staging", "prod")])
def test_rendered_rules_pass_promtool_check(tmp_path: Path, environments: tuple[str, ...]) -> None:
    for index, (_, doc) in enumerate(
        (p, d) for p, d in manifests(render_app(spec(environments=environments)))
        if d["kind"] == "PrometheusRule"
    ):
        target = tmp_path / f"rules-{index}.yaml"
        target.write_text(yaml.safe_dump({"groups": doc["spec"]["groups"]}))
        result = _run([str(PROMTOOL), "check", "rules", str(target)], tmp_path)
        assert result.returncode == 0, result.stdout + result.stderr


def _kustomize_dirs(root: Path) -> list[Path]:
    return sorted(p.parent for p in root.rglob("kustomization.yaml"))


@needs_kubectl
@pytest.mark.parametrize("environments", [(), ("dev", "staging", "prod")])
def test_every_kustomization_builds_and_its_output_validates(
    tmp_path: Path, environments: tuple[str, ...]
) -> None:
    root = write(render_app(spec(environments=environments)), tmp_path / "repo")
    dirs = _kustomize_dirs(root)
    assert len(dirs) == 2 + len(environments)
    for folder in dirs:
        result = _run([str(KUBECTL), "kustomize", str(folder)], root)
        assert result.returncode == 0, result.stderr
        built = {f"built/{folder.name}-{i}.yaml": yaml.safe_dump(doc)
                 for i, doc in enumerate(yaml.safe_load_all(result.stdout)) if doc}
        report = validate_tree(built, tools=False)
        # the built output is a full, valid set of objects for one namespace
        schema_findings = [f for f in report.findings if f.check != "policy"]
        assert not schema_findings, schema_findings


@needs_kubectl
def test_overlays_build_into_their_own_namespace_with_their_host(tmp_path: Path) -> None:
    root = write(render_app(spec(environments=("dev", "prod"))), tmp_path / "repo")
    result = _run([str(KUBECTL), "kustomize", "overlays/dev"], root)
    docs = [d for d in yaml.safe_load_all(result.stdout) if d]
    namespaces = {d["metadata"].get("namespace") for d in docs if d["kind"] != "Namespace"}
    assert namespaces == {"payments-dev"}
    assert next(d for d in docs if d["kind"] == "Namespace")["metadata"]["name"] == "payments-dev"
    host = next(d for d in docs if d["kind"] == "Ingress")["spec"]["rules"][0]["host"]
    assert host == "payments-dev.apps.example.com"
    image = next(d for d in docs if d["kind"] == "Deployment")["spec"]["template"]["spec"][
        "containers"][0]["image"]
    assert image.endswith("/apps/payments:initial")


@needs_kubectl
def test_platform_kustomization_keeps_the_secret_store_cluster_scoped(tmp_path: Path) -> None:
    root = write(render_platform(PlatformSpec()), tmp_path / "repo")
    result = _run([str(KUBECTL), "kustomize", "platform"], root)
    assert result.returncode == 0, result.stderr
    store = next(d for d in yaml.safe_load_all(result.stdout)
                 if d and d["kind"] == "ClusterSecretStore")
    assert "namespace" not in store["metadata"]


@needs_promtool
@needs_kubectl
def test_validate_tree_with_tools_passes_a_rendered_repo() -> None:
    report = validate_tree(render_app(spec(environments=("dev", "prod"))))
    assert report.ok, report.failures
    assert "promtool check rules" in report.checked and "kubectl kustomize" in report.checked


@needs_promtool
def test_validate_tree_reports_broken_promql() -> None:
    files = render_app(spec())
    path = next(p for p in files if p.name == "prometheusrule.yaml")
    doc = yaml.safe_load(files[path])
    doc["spec"]["groups"][0]["rules"][0]["expr"] = "sum(rate(http_requests_total[5m]"
    files[path] = yaml.safe_dump(doc)
    report = validate_tree(files)
    assert [(f.check, f.file) for f in report.findings if f.check == "promtool"] == [
        ("promtool", str(path))]


@needs_kubectl
def test_validate_tree_reports_a_kustomization_that_does_not_build() -> None:
    files = render_app(spec())
    path = next(p for p in files if p.as_posix() == "base/kustomization.yaml")
    doc = yaml.safe_load(files[path])
    doc["patches"] = [{"target": {"kind": "Deployment"}, "patch": "not: [a, valid"}]
    files[path] = yaml.safe_dump(doc)
    report = validate_tree(files)
    assert any(f.check == "kustomize" and f.rule == "build" for f in report.findings)


def test_a_missing_validator_fails_validation_naming_it_and_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    report = validate_tree(render_app(spec()))
    missing = [f for f in report.findings if (f.check, f.rule) == ("tools", "missing")]
    assert not report.ok and report.skipped == []
    assert [f.message.split()[0] for f in missing] == ["promtool", "kubectl"]
    assert all("make validators" in f.message for f in missing)


def test_one_build_covers_each_kustomization_through_the_outermost_ones(tmp_path: Path) -> None:
    # Building an overlay builds its base, so the combined build lists the overlays and
    # argocd/, not base/ beside them.
    from goldpath.gitops._report import ValidationReport
    from goldpath.gitops._tools import ToolChecks
    from goldpath.gitops._validate import parse_tree

    tree = parse_tree(render_app(spec(environments=("dev", "staging", "prod"))),
                      ValidationReport())
    checks = ToolChecks(tree=tree, scratch=tmp_path)
    assert sorted(str(k.file.parent) for k in checks._outermost()) == [
        "argocd", "overlays/dev", "overlays/prod", "overlays/staging"]


@needs_kubectl
def test_a_broken_base_is_named_though_only_its_overlays_are_built_together() -> None:
    files = render_app(spec(environments=("dev", "prod")))
    path = next(p for p in files if p.as_posix() == "base/kustomization.yaml")
    doc = yaml.safe_load(files[path])
    doc["resources"].append("missing-file.yaml")
    files[path] = yaml.safe_dump(doc)
    report = validate_tree(files)
    built = {str(f.file) for f in report.findings if (f.check, f.rule) == ("kustomize", "build")}
    assert str(path) in built


@needs_kubectl
def test_a_kustomization_no_other_lists_is_built_too() -> None:
    files = dict(render_app(spec()))
    extra = Path("extra/kustomization.yaml")
    files[extra] = yaml.safe_dump({"apiVersion": "kustomize.config.k8s.io/v1beta1",
                                   "kind": "Kustomization",
                                   "patches": [{"patch": "not: [a, valid"}]})
    report = validate_tree(files)
    assert {str(f.file) for f in report.findings if f.rule == "build"} == {str(extra)}


@needs_kubectl
def test_a_validation_left_unfinished_stops_its_tools(tmp_path: Path) -> None:
    from goldpath.gitops import validation_started

    files = render_app(spec(environments=("dev", "staging", "prod")))
    with validation_started(files, tmp_root=tmp_path) as validation:
        assert validation.so_far.ok
        runs = list(validation._checks._runs.values())  # type: ignore[union-attr]
        assert runs
    assert all(run.process.returncode is not None for run in runs)


def test_a_finished_validation_is_the_same_report_as_validate_tree() -> None:
    from goldpath.gitops import validation_started

    files = render_app(spec(environments=("dev", "prod")))
    with validation_started(files) as validation:
        first = validation.finish()
        assert validation.finish() is first  # finishing again waits for nothing
    whole = validate_tree(files)
    assert first.checked == whole.checked and first.ok and whole.ok


@settings(max_examples=25, deadline=None)
@given(environments=st.lists(st.sampled_from(["dev", "staging", "prod"]), unique=True),
       processes=st.integers(1, 4))
def test_the_kustomize_groups_cover_every_kustomization_once(
    environments: list[str], processes: int
) -> None:
    import tempfile

    from goldpath.gitops import _tools as tools
    from goldpath.gitops._report import ValidationReport
    from goldpath.gitops._tools import ToolChecks
    from goldpath.gitops._validate import parse_tree

    tree = parse_tree(render_app(spec(environments=tuple(environments))), ValidationReport())
    original = tools.KUSTOMIZE_PROCESSES
    tools.KUSTOMIZE_PROCESSES = processes
    try:
        with tempfile.TemporaryDirectory() as scratch:
            builds = ToolChecks(tree=tree, scratch=Path(scratch))._combined_builds()
    finally:
        tools.KUSTOMIZE_PROCESSES = original
    assert 1 <= len(builds) <= processes
    covered = [k.file for build in builds for k in build.covered]
    # each kustomization is proven by some group; base/ by every group holding an overlay
    assert {k.file for k in tree.kustomizations} == set(covered)
    outermost = [k.file for k in ToolChecks(tree=tree, scratch=Path("/nonexistent"))._outermost()]
    # and each outermost one is built by exactly one group
    assert sorted(f for f in covered if f in outermost) == sorted(outermost)
