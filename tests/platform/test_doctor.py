"""doctor: the four phases against moto (AWS), scripted kubectl, a fake resolver and portal."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from goldpath.platform import bootstrap_backend
from goldpath.platform._doctor import (
    PLATFORM_KEYS,
    DoctorConfig,
    DoctorReport,
    DohResolver,
    GateFailed,
    KubectlCluster,
    run_doctor,
    run_phases,
)
from goldpath.platform._runner import SubprocessRunner
from tests.platform._fakes import ScriptedRunner, fail, ok

REGION = "us-east-2"
DOMAIN = "platform.example.org"
CONFIG = DoctorConfig(
    region=REGION,
    state_bucket="gp-state",
    lock_table="gp-lock",
    cluster_name="goldpath-poc",
    domain=DOMAIN,
    token="gp_0123456789abcdef_" + "x" * 43,
)
SECRET_VALUES = {key: f"value-of-{key.lower()}" for key in PLATFORM_KEYS}


class _Resolver:
    def __init__(self, answers: list[str]) -> None:
        self.answers = answers

    def nameservers(self, domain: str) -> list[str]:
        return self.answers


def _deployment(ready: int, desired: int = 2) -> str:
    return json.dumps({"spec": {"replicas": desired}, "status": {"readyReplicas": ready}})


def _daemonset(ready: int, desired: int) -> str:
    return json.dumps({"status": {"numberReady": ready, "desiredNumberScheduled": desired}})


def _claim(phase: str) -> str:
    return json.dumps({"status": {"phase": phase}})


def _healthy_kubectl() -> ScriptedRunner:
    runner = ScriptedRunner()
    runner.on(["kubectl", "get", "crd"], lambda a, i: ok(a, json.dumps({"kind": "CRD"})))
    runner.on(["kubectl", "get", "deployment"], lambda a, i: ok(a, _deployment(2)))
    runner.on(["kubectl", "get", "daemonset"], lambda a, i: ok(a, _daemonset(3, 3)))
    runner.on(["kubectl", "get", "pvc"], lambda a, i: ok(a, _claim("Bound")))
    runner.on(
        ["kubectl", "get", "clustersecretstore"],
        lambda a, i: ok(
            a, json.dumps({"status": {"conditions": [{"type": "Ready", "status": "True"}]}})
        ),
    )
    return runner


def _portal(request: httpx.Request) -> httpx.Response:
    if request.url.path == "/healthz":
        return httpx.Response(200, json={"status": "ok"})
    if request.url.path == "/auth/github/login":
        return httpx.Response(
            302, headers={"location": "https://github.com/login/oauth/authorize?x"}
        )
    if request.url.path == "/api/scaffolder/v2/dry-run":
        assert request.headers["authorization"].startswith("Bearer gp_")
        return httpx.Response(200, json={"log": [], "directoryContents": []})
    return httpx.Response(404)


def _infrastructure() -> None:
    bootstrap_backend(bucket="gp-state", table="gp-lock", region=REGION)
    boto3.client("eks", region_name=REGION).create_cluster(
        name="goldpath-poc",
        roleArn="arn:aws:iam::123456789012:role/eks",
        resourcesVpcConfig={"subnetIds": ["subnet-1", "subnet-2"]},
    )
    boto3.client("ecr", region_name=REGION).create_repository(repositoryName="goldpath")


def _zone() -> tuple[str, list[str]]:
    route53 = boto3.client("route53", region_name=REGION)
    zone = route53.create_hosted_zone(Name=DOMAIN, CallerReference="one")
    return zone["HostedZone"]["Id"], zone["DelegationSet"]["NameServers"]


def _issued_certificate(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto import settings as moto_settings

    monkeypatch.setattr(moto_settings, "ACM_VALIDATION_WAIT", -1)
    boto3.client("acm", region_name=REGION).request_certificate(
        DomainName=f"*.{DOMAIN}", ValidationMethod="DNS", SubjectAlternativeNames=[DOMAIN]
    )


def _everything(
    monkeypatch: pytest.MonkeyPatch, values: dict[str, str] = SECRET_VALUES
) -> list[str]:
    _infrastructure()
    zone_id, nameservers = _zone()
    _issued_certificate(monkeypatch)
    boto3.client("secretsmanager", region_name=REGION).create_secret(
        Name="goldpath/platform", SecretString=json.dumps(values)
    )
    boto3.client("route53", region_name=REGION).change_resource_record_sets(
        HostedZoneId=zone_id,
        ChangeBatch={
            "Changes": [
                {
                    "Action": "UPSERT",
                    "ResourceRecordSet": {
                        "Name": f"*.{DOMAIN}",
                        "Type": "A",
                        "AliasTarget": {
                            "HostedZoneId": "Z3AADJGX6KTTL2",
                            "DNSName": "k8s-platform-123.us-east-2.elb.amazonaws.com",
                            "EvaluateTargetHealth": True,
                        },
                    },
                }
            ]
        },
    )
    return nameservers


def _doctor(nameservers: list[str], runner: ScriptedRunner | None = None, **kwargs: Any) -> Any:
    return run_doctor(
        CONFIG,
        cluster=KubectlCluster(runner or _healthy_kubectl()),
        resolver=_Resolver(nameservers),
        portal_transport=httpx.MockTransport(_portal),
        **kwargs,
    )


def test_without_a_cluster_doctor_fails_at_phase_1_and_checks_nothing_after(aws: str) -> None:
    bootstrap_backend(bucket="gp-state", table="gp-lock", region=REGION)
    report = _doctor([])
    assert report.failed_phase == 1
    [backend, cluster, _ecr] = report.phases[0].checks or ()
    assert backend.ok
    assert not cluster.ok and "goldpath-poc does not exist" in cluster.detail
    assert "terraform apply" in cluster.remedy
    assert [p.checks for p in report.phases[1:]] == [None, None, None]


def test_missing_state_backend_points_to_bootstrap(aws: str) -> None:
    report = _doctor([])
    backend = (report.phases[0].checks or ())[0]
    assert (
        not backend.ok and "goldpath platform bootstrap-backend --bucket gp-state" in backend.remedy
    )


def test_undelegated_domain_fails_phase_2_with_the_name_servers_to_set(
    aws: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _infrastructure()
    _, nameservers = _zone()
    _issued_certificate(monkeypatch)
    report = _doctor(["ns1.registrar-parking.example"])
    assert report.phases[0].ok and report.failed_phase == 2
    delegation = (report.phases[1].checks or ())[0]
    assert not delegation.ok and "48 h" in delegation.remedy
    assert all(ns.rstrip(".") in delegation.remedy for ns in nameservers)


def test_duplicate_hosted_zones_are_named(aws: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _infrastructure()
    _zone()
    boto3.client("route53", region_name=REGION).create_hosted_zone(
        Name=DOMAIN, CallerReference="two"
    )
    report = _doctor([])
    delegation = (report.phases[1].checks or ())[0]
    assert "2 public hosted zones" in delegation.detail and "delete" in delegation.remedy


def test_pending_certificate_explains_it_waits_for_dns(aws: str) -> None:
    _infrastructure()
    _, nameservers = _zone()
    boto3.client("acm", region_name=REGION).request_certificate(
        DomainName=f"*.{DOMAIN}", ValidationMethod="DNS"
    )
    report = _doctor(nameservers)
    certificate = (report.phases[1].checks or ())[1]
    assert not certificate.ok and "PENDING_VALIDATION" in certificate.detail
    assert "delegation" in certificate.remedy


def test_every_phase_passes_on_a_complete_platform(
    aws: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    nameservers = _everything(monkeypatch)
    report = _doctor([ns.upper() + "." for ns in nameservers])
    assert report.ok, json.dumps(report.as_dict(), indent=1)
    assert report.failed_phase is None


def test_missing_secret_keys_are_named_and_values_never_shown(
    aws: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    values = {**SECRET_VALUES, "GITLAB_TOKEN": "", "GITOPS_DEPLOY_TOKEN": " "}
    nameservers = _everything(monkeypatch, values)
    report = _doctor(nameservers)
    assert report.failed_phase == 3
    secrets = (report.phases[2].checks or ())[2]
    assert "GITLAB_TOKEN" in secrets.detail and "GITOPS_DEPLOY_TOKEN" in secrets.detail
    rendered = json.dumps(report.as_dict())
    assert not any(value in rendered for value in SECRET_VALUES.values())


def test_portal_not_rolled_out_fails_phase_4(aws: str, monkeypatch: pytest.MonkeyPatch) -> None:
    nameservers = _everything(monkeypatch)
    runner = _healthy_kubectl()
    runner.on(["kubectl", "get", "deployment", "goldpath"], lambda a, i: ok(a, _deployment(0)))
    report = _doctor(nameservers, runner)
    assert report.failed_phase == 4
    rollout = (report.phases[3].checks or ())[0]
    assert "0/2 ready" in rollout.detail and "deploy-portal" in rollout.remedy


def test_missing_argocd_crd_fails_phase_3(aws: str, monkeypatch: pytest.MonkeyPatch) -> None:
    nameservers = _everything(monkeypatch)
    runner = _healthy_kubectl()
    runner.on(
        ["kubectl", "get", "crd", "applications.argoproj.io"],
        lambda a, i: fail(a, 'Error from server (NotFound): "applications.argoproj.io" not found'),
    )
    report = _doctor(nameservers, runner)
    argocd = (report.phases[2].checks or ())[0]
    assert report.failed_phase == 3 and "CRD is not installed" in argocd.detail


def test_missing_prometheus_operator_crds_fail_phase_3(
    aws: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    nameservers = _everything(monkeypatch)
    runner = _healthy_kubectl()
    runner.on(
        ["kubectl", "get", "crd", "servicemonitors.monitoring.coreos.com"],
        lambda a, i: fail(a, 'Error from server (NotFound): "servicemonitors" not found'),
    )
    report = _doctor(nameservers, runner)
    checks = {c.name: c for c in report.phases[2].checks or ()}
    assert report.failed_phase == 3
    assert "servicemonitors.monitoring.coreos.com" in checks["monitoring stack"].detail
    assert "observability" in checks["monitoring stack"].remedy


def test_logs_gate_passes_with_alloy_on_every_node_and_loki_on_its_volume(
    aws: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = _doctor(_everything(monkeypatch))
    logs = {c.name: c for c in report.phases[2].checks or ()}["logs shipped and kept"]
    assert logs.ok
    assert logs.detail == "alloy 3/3 nodes, Loki's volume storage-loki-0 Bound"


@pytest.mark.parametrize(
    ("daemonset", "claim", "detail", "remedy"),
    [
        (None, _claim("Bound"), "daemonset monitoring/alloy does not exist",
         "module observability"),
        (_daemonset(2, 3), _claim("Bound"), "daemonset monitoring/alloy has 2/3 ready",
         "describe daemonset alloy"),
        (_daemonset(0, 0), _claim("Bound"), "daemonset monitoring/alloy has 0/0 ready",
         "describe daemonset alloy"),
        (_daemonset(3, 3), _claim("Pending"),
         "Loki's volume claim monitoring/storage-loki-0 is Pending", "EBS CSI add-on"),
        (_daemonset(3, 3), None,
         "Loki's volume claim monitoring/storage-loki-0 does not exist", "modules ebs-csi"),
    ],
)
def test_logs_gate_fails_phase_3_naming_what_is_missing_and_where_to_look(
    aws: str, monkeypatch: pytest.MonkeyPatch, daemonset: str | None, claim: str | None,
    detail: str, remedy: str,
) -> None:
    nameservers = _everything(monkeypatch)
    runner = _healthy_kubectl()
    not_found = 'Error from server (NotFound): not found'
    runner.on(["kubectl", "get", "daemonset", "alloy", "-n", "monitoring"],
              lambda a, i: fail(a, not_found) if daemonset is None else ok(a, daemonset))
    runner.on(["kubectl", "get", "pvc", "storage-loki-0", "-n", "monitoring"],
              lambda a, i: fail(a, not_found) if claim is None else ok(a, claim))
    report = _doctor(nameservers, runner)
    logs = {c.name: c for c in report.phases[2].checks or ()}["logs shipped and kept"]
    assert report.failed_phase == 3
    assert not logs.ok
    assert logs.detail == detail
    assert remedy in logs.remedy


def test_doh_resolver_reads_ns_answers() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.params["type"] == "NS"
        return httpx.Response(
            200,
            json={"Answer": [{"type": 2, "data": "ns-1.awsdns-01.org."}, {"type": 5, "data": "x"}]},
        )

    assert DohResolver(transport=httpx.MockTransport(handler)).nameservers(DOMAIN) == [
        "ns-1.awsdns-01.org."
    ]


_phase_results = st.lists(st.lists(st.booleans(), min_size=1, max_size=4), min_size=4, max_size=4)


def _check(passes: bool) -> Any:
    def check() -> str:
        if not passes:
            raise GateFailed("broken", "fix it")
        return "fine"

    return check


@given(_phase_results)
def test_doctor_stops_after_the_first_failed_phase_and_reports_the_rest_unchecked(
    results: list[list[bool]],
) -> None:
    phases = [
        (n + 1, f"phase {n + 1}", [(f"c{i}", _check(ok_)) for i, ok_ in enumerate(checks)])
        for n, checks in enumerate(results)
    ]
    report = run_phases(phases)
    first_failed = next((n + 1 for n, checks in enumerate(results) if not all(checks)), None)
    assert report.failed_phase == first_failed
    assert report.ok == (first_failed is None)
    for phase in report.phases:
        if first_failed is not None and phase.number > first_failed:
            assert phase.checks is None
        else:
            assert phase.checks is not None
            assert len(phase.checks) == len(results[phase.number - 1])


def test_missing_kubectl_is_reported_as_a_failed_gate_with_the_install_hint(
    aws: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    nameservers = _everything(monkeypatch)
    monkeypatch.setenv("PATH", str(tmp_path))
    report = run_doctor(
        CONFIG,
        cluster=KubectlCluster(SubprocessRunner()),
        resolver=_Resolver(nameservers),
        portal_transport=httpx.MockTransport(_portal),
    )
    argocd = (report.phases[2].checks or ())[0]
    assert report.failed_phase == 3
    assert "kubectl is not installed" in argocd.detail and "install" in argocd.remedy


def test_kubectl_errors_other_than_not_found_name_the_context_fix(
    aws: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    nameservers = _everything(monkeypatch)
    runner = _healthy_kubectl()
    runner.on(
        ["kubectl", "get", "crd"],
        lambda a, i: fail(a, "Unable to connect to the server: dial tcp: i/o timeout"),
    )
    report = _doctor(nameservers, runner)
    argocd = (report.phases[2].checks or ())[0]
    assert "Unable to connect to the server" in argocd.detail
    assert "update-kubeconfig" in argocd.remedy


def test_missing_gitops_validators_fail_doctor_without_stopping_the_phases(
    aws: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    nameservers = _everything(monkeypatch)

    def doctor() -> DoctorReport:
        return run_doctor(
            CONFIG,
            cluster=KubectlCluster(_healthy_kubectl()),
            resolver=_Resolver(nameservers),
            portal_transport=httpx.MockTransport(_portal),
        )

    installed = doctor()
    assert installed.ok and [c.ok for c in installed.machine] == [True, True]
    monkeypatch.setenv("PATH", str(tmp_path))
    report = doctor()
    promtool, kubectl = report.machine
    assert not report.ok and report.failed_phase is None
    assert "promtool is not installed" in promtool.detail and "make validators" in promtool.remedy
    assert "kubectl is not installed" in kubectl.detail
    assert report.as_dict()["machine"][0]["ok"] is False
