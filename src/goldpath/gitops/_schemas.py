"""Schema checks: core kinds with kubernetes-validate's schemas, custom kinds with goldpath's.

Validators are built once per kind and version and cached; kubernetes-validate's own
``validate()`` re-reads its schema files on every call, too slow for a thousand apps.
The schema files and the version resolution are kubernetes-validate's.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources
from typing import Any

import jsonschema
import kubernetes_validate  # type: ignore[import-untyped]
from jsonschema.protocols import Validator
from kubernetes_validate import utils as kv_utils
from referencing import Registry, Resource

from goldpath.memo import Memo

__all__ = [
    "CUSTOM_KINDS",
    "SchemaProblem",
    "core_schema_problems",
    "custom_schema_problems",
    "is_custom_kind",
    "supported_kubernetes_versions",
]

# apiVersion -> kind -> shipped schema file (under goldpath/gitops/schemas/).
CUSTOM_KINDS: dict[tuple[str, str], str] = {
    ("argoproj.io/v1alpha1", "Application"): "argoproj.io/application_v1alpha1.json",
    ("argoproj.io/v1alpha1", "AppProject"): "argoproj.io/appproject_v1alpha1.json",
    ("monitoring.coreos.com/v1", "ServiceMonitor"): "monitoring.coreos.com/servicemonitor_v1.json",
    ("monitoring.coreos.com/v1", "PrometheusRule"): "monitoring.coreos.com/prometheusrule_v1.json",
    ("external-secrets.io/v1", "ExternalSecret"): "external-secrets.io/externalsecret_v1.json",
    ("external-secrets.io/v1", "ClusterSecretStore"): (
        "external-secrets.io/clustersecretstore_v1.json"
    ),
}


class SchemaProblem(str):
    """A schema failure as a sentence: ``<json path>: <what is wrong>``."""


def supported_kubernetes_versions() -> list[str]:
    """The Kubernetes versions kubernetes-validate has schemas for."""
    return list(kv_utils.all_versions())


def is_custom_kind(api_version: str, kind: str) -> bool:
    """True for the custom kinds goldpath ships schemas for."""
    return (api_version, kind) in CUSTOM_KINDS


def _problems(validator: Validator, document: dict[str, Any]) -> list[SchemaProblem]:
    # Validation is a pure function of the validator and the document: a document seen
    # before (the platform repo's other apps, re-validated at every enrolment; a base
    # validated again through each overlay) costs one serialisation instead.
    key = (id(validator), json.dumps(document, sort_keys=True, default=str))
    return list(_verdicts.get(key, lambda: tuple(_validate(validator, document))))


_verdicts: Memo[tuple[int, str], tuple[SchemaProblem, ...]] = Memo(8192)
"""Verdicts of documents already validated; the validators are cached for the process,
so their ids are stable keys."""


def _validate(validator: Validator, document: dict[str, Any]) -> list[SchemaProblem]:
    out = []
    for error in sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path)):
        path = ".".join(str(p) for p in error.absolute_path) or "(root)"
        out.append(SchemaProblem(f"{path}: {error.message}"))
    return out


@cache
def _custom_validator(file: str) -> Validator:
    text = resources.files("goldpath.gitops").joinpath("schemas").joinpath(file).read_text("utf-8")
    schema = json.loads(text)
    cls = jsonschema.validators.validator_for(schema)
    validator: Validator = cls(schema)
    return validator


def custom_schema_problems(document: dict[str, Any]) -> list[SchemaProblem]:
    """Problems of a custom resource against goldpath's shipped schema."""
    file = CUSTOM_KINDS[(str(document.get("apiVersion")), str(document.get("kind")))]
    return _problems(_custom_validator(file), document)


@cache
def _schema_dir(version: str) -> str:
    wanted = kv_utils.major_minor(version.removeprefix("v"))
    if wanted > kv_utils.latest_version():
        raise ValueError(
            f"kubernetes-validate {kubernetes_validate.__version__} has no schemas for "
            f"Kubernetes {wanted}"
        )
    candidates = [v for v in kv_utils.all_versions() if kv_utils.major_minor(v) <= wanted]
    if not candidates:
        raise ValueError(f"kubernetes-validate has no schemas for Kubernetes {wanted}")
    return f"v{candidates[-1]}-local-strict"


@cache
def _definitions(schema_dir: str) -> Resource[Any]:
    path = f"kubernetes-json-schema/{schema_dir}/_definitions.json"
    contents = kv_utils.schema_contents(path, "")
    return Resource.from_contents(contents)


@cache
def _core_validator(version: str, api_version: str, kind: str) -> Validator | None:
    schema_dir = _schema_dir(version)
    # kubernetes-validate's file naming: rbac.authorization.k8s.io/v1 -> rbac-v1
    api = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    try:
        schema = kv_utils.schema_contents(
            f"kubernetes-json-schema/{schema_dir}/{kind.lower()}-{api}.json", version
        )
    except FileNotFoundError:
        return None
    registry: Registry[Any] = Resource.from_contents(schema) @ Registry()
    registry = _definitions(schema_dir) @ registry
    return jsonschema.validators.Draft202012Validator(schema, registry=registry)


def core_schema_problems(
    document: dict[str, Any], kubernetes_version: str
) -> list[SchemaProblem] | None:
    """Problems of a core object in strict mode; ``None`` when no schema knows its kind."""
    validator = _core_validator(
        kubernetes_version, str(document.get("apiVersion")), str(document.get("kind"))
    )
    if validator is None:
        return None
    return _problems(validator, document)
