"""Schema checks: core kinds with kubernetes-validate's schemas, custom kinds with goldpath's.

Validators are built once per kind and version and cached; kubernetes-validate's own
``validate()`` re-reads its schema files on every call, too slow for a thousand apps.
The schema files and the version resolution are kubernetes-validate's.

Each schema is compiled twice. jsonschema-rs (4 us against jsonschema's 1.3 ms on a
rendered Deployment) answers whether a document is valid; a document it accepts has no
problems and is not looked at again. A document it rejects goes to the ``jsonschema``
validator, whose messages are the ones users and tests read, so no message depends on
jsonschema-rs. Where the two would disagree, the ``jsonschema`` verdict stands:
jsonschema-rs refusing what ``jsonschema`` accepts (its ``$`` does not match before a
final newline as Python's does; NaN fails its ``maximum``) costs only the slow path; the
other way round must not happen, and ``tests/gitops/test_schema_fast_path.py`` checks
that on mutated rendered documents.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import jsonschema
import jsonschema_rs
import kubernetes_validate  # type: ignore[import-untyped]
from jsonschema.protocols import Validator
from kubernetes_validate import utils as kv_utils
from referencing import Registry, Resource

from goldpath.gitops._yaml import Manifest

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


_Schema = dict[str, Any]
"""A JSON Schema document as parsed."""


class SchemaProblem(str):
    """A schema failure as a sentence: ``<json path>: <what is wrong>``."""


def supported_kubernetes_versions() -> list[str]:
    """The Kubernetes versions kubernetes-validate has schemas for."""
    return list(kv_utils.all_versions())


def is_custom_kind(api_version: str, kind: str) -> bool:
    """True for the custom kinds goldpath ships schemas for."""
    return (api_version, kind) in CUSTOM_KINDS


@dataclass(frozen=True)
class _Validators:
    """One schema compiled twice: ``fast`` decides, ``full`` explains a refusal."""

    full: Validator
    fast: jsonschema_rs.Validator | None
    """None where jsonschema-rs cannot compile the schema: ``full`` decides alone."""


def _problems(validators: _Validators, document: Manifest) -> list[SchemaProblem]:
    # Verdicts are remembered one level up, by the identity of the parsed document
    # (`_validate._verdicts`): a document refused before is not explained again.
    if _accepts(validators.fast, document):
        return []
    return _validate(validators.full, document)


def _accepts(fast: jsonschema_rs.Validator | None, document: Manifest) -> bool:
    if fast is None:
        return False
    try:
        return fast.is_valid(document)
    except ValueError:
        # Not JSON (a YAML date, bytes, a non-string key, a lone surrogate): jsonschema-rs
        # cannot read it, so the full validator judges it, as it always did.
        return False


def _validate(validator: Validator, document: Manifest) -> list[SchemaProblem]:
    out = []
    for error in sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path)):
        path = ".".join(str(p) for p in error.absolute_path) or "(root)"
        out.append(SchemaProblem(f"{path}: {error.message}"))
    return out


_DATA_KEYWORDS = frozenset({"const", "default", "enum", "examples"})
"""Keywords whose values are instances, not schemas: copied as they are."""


def _for_rs(schema: Any) -> Any:
    """The schema with Go/Python-style leading ``(?i)`` patterns scoped as ``(?i:...)``.

    jsonschema-rs checks patterns as ECMA 262 regular expressions when it compiles a
    schema, and ECMA takes the flag only as a group modifier; a flag at the very start
    applies to the whole pattern, so the group around the rest means the same.
    """
    if isinstance(schema, list):
        return [_for_rs(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: value if key in _DATA_KEYWORDS else _for_rs(value)
           for key, value in schema.items()}
    pattern = out.get("pattern")
    if isinstance(pattern, str) and pattern.startswith("(?i)"):
        out["pattern"] = f"(?i:{pattern.removeprefix('(?i)')})"
    return out


def _no_retrieval(uri: str) -> Any:
    raise LookupError(f"goldpath's schemas are all local; refusing to fetch {uri}")


def _compile(
    cls: Callable[..., jsonschema_rs.Validator],
    schema: _Schema,
    registry: jsonschema_rs.Registry | None = None,
) -> jsonschema_rs.Validator | None:
    # Formats are not asserted, as the jsonschema side does not assert them; offline: a
    # reference outside the registry is an error, never a download.
    try:
        return cls(_for_rs(schema), validate_formats=False, registry=registry, offline=True)
    except (jsonschema_rs.ValidationError, jsonschema_rs.ReferencingError):
        return None


@cache
def _custom_validators(file: str) -> _Validators:
    text = resources.files("goldpath.gitops").joinpath("schemas").joinpath(file).read_text("utf-8")
    schema = json.loads(text)
    cls = jsonschema.validators.validator_for(schema)
    full: Validator = cls(schema)
    return _Validators(full=full, fast=_compile(jsonschema_rs.validator_for, schema))


def custom_schema_problems(document: Manifest) -> list[SchemaProblem]:
    """Problems of a custom resource against goldpath's shipped schema."""
    file = CUSTOM_KINDS[(str(document.get("apiVersion")), str(document.get("kind")))]
    return _problems(_custom_validators(file), document)


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
def _definitions_contents(schema_dir: str) -> _Schema:
    contents: _Schema = kv_utils.schema_contents(
        f"kubernetes-json-schema/{schema_dir}/_definitions.json", ""
    )
    return contents


@cache
def _definitions(schema_dir: str) -> Resource[Any]:
    return Resource.from_contents(_definitions_contents(schema_dir))


@cache
def _fast_definitions(schema_dir: str) -> jsonschema_rs.Registry:
    contents = _definitions_contents(schema_dir)
    return jsonschema_rs.Registry(
        [(contents["$id"], _for_rs(contents))],
        draft=jsonschema_rs.Draft202012,
        retriever=_no_retrieval,
    )


_KIND = re.compile(r"[A-Za-z][A-Za-z0-9]*")
_API_VERSION = re.compile(r"(?:[a-z0-9]([a-z0-9.-]*[a-z0-9])?/)?v[0-9]+(?:(?:alpha|beta)[0-9]+)?")
"""What a kind and an apiVersion look like; anything else names no schema file (a kind of
``../x`` must not reach another file of the package)."""


@cache
def _core_validators(version: str, api_version: str, kind: str) -> _Validators | None:
    schema_dir = _schema_dir(version)
    # kubernetes-validate's file naming: rbac.authorization.k8s.io/v1 -> rbac-v1
    api = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    try:
        schema = kv_utils.schema_contents(
            f"kubernetes-json-schema/{schema_dir}/{kind.lower()}-{api}.json", version
        )
    except (FileNotFoundError, UnicodeEncodeError):  # no such file; no such file name
        return None
    registry: Registry[Any] = Resource.from_contents(schema) @ Registry()
    registry = _definitions(schema_dir) @ registry
    return _Validators(
        full=jsonschema.validators.Draft202012Validator(schema, registry=registry),
        fast=_compile(jsonschema_rs.Draft202012Validator, schema, _fast_definitions(schema_dir)),
    )


def core_schema_problems(
    document: Manifest, kubernetes_version: str
) -> list[SchemaProblem] | None:
    """Problems of a core object in strict mode; ``None`` when no schema knows its kind."""
    api_version, kind = str(document.get("apiVersion")), str(document.get("kind"))
    if not _KIND.fullmatch(kind) or not _API_VERSION.fullmatch(api_version):
        return None  # checked before the cache of validators, which keeps what it is asked
    validators = _core_validators(kubernetes_version, api_version, kind)
    if validators is None:
        return None
    return _problems(validators, document)
