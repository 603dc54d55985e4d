"""Environments: the ``dev``, ``staging`` and ``prod`` overlays over an app's kustomize base.

Each overlay deploys the base into its own namespace (``<app>-<env>``) with that
environment's replicas, resources, host name, log level and secret path; prod also holds
the app's PodDisruptionBudget and never runs fewer than two replicas. Argo CD has one
Application per overlay (`goldpath.gitops._argocd`). Promotion moves an image tag one
step along `ENVIRONMENTS`: the pipeline only ever writes ``dev``, and ``staging`` and
``prod`` change only by promotion. Pure: typed spec in, files and dicts out.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

import yaml

from goldpath.errors import FieldError, InvalidInputError
from goldpath.gitops._dashboard import dashboard_config_map
from goldpath.gitops._monitoring import prometheus_rule
from goldpath.gitops._names import hostname, namespace_name
from goldpath.gitops._policies import (
    Document,
    Policy,
    Tree,
    Violation,
    normal_path,
    object_ref,
)
from goldpath.gitops._secrets import secret_key
from goldpath.gitops._spec import (
    ENVIRONMENTS,
    MIN_PROD_REPLICAS,
    AppSpec,
    EnvironmentSettings,
    Resources,
)
from goldpath.gitops._workload import container_env, pod_disruption_budget
from goldpath.gitops._yaml import Manifest, dump_yaml, load_yaml_all
from goldpath.gitops.errors import (
    GitopsError,
    GitopsRepoNotFoundError,
    ImageNotFoundError,
    NothingToPromoteError,
)

__all__ = [
    "DEPLOY_ENVIRONMENT",
    "ENVIRONMENT_POLICIES",
    "KUSTOMIZATION_API",
    "EnvironmentProfile",
    "TagChange",
    "environment_profile",
    "kustomization",
    "environment_tags",
    "overlay_kustomization",
    "previous_environment",
    "promote_in_tree",
    "render_overlay",
]

KUSTOMIZATION_API = "kustomize.config.k8s.io/v1beta1"
DEPLOY_ENVIRONMENT = "dev"
"""The one environment the pipeline's update-gitops stage writes."""

Files = dict[PurePosixPath, str]

_DEFAULT_LOG_LEVELS = {"dev": "debug", "staging": "info", "prod": "info"}
_DEFAULT_REPLICAS = {"dev": 1, "staging": 1}
_MEMORY = re.compile(r"^(?P<n>[0-9]+)(?P<unit>Ki|Mi|Gi|Ti|k|M|G|T)?$")
_SMALLER_UNIT = {"Ti": ("Gi", 1024), "Gi": ("Mi", 1024), "Mi": ("Ki", 1024), "Ki": ("", 1024),
                 "T": ("G", 1000), "G": ("M", 1000), "M": ("k", 1000), "k": ("", 1000)}


@dataclass(frozen=True, slots=True)
class EnvironmentProfile:
    """Everything one environment sets differently from the base."""

    environment: str
    namespace: str
    host: str
    replicas: int
    resources: Resources
    log_level: str
    secret_key: str
    disruption_budget: bool


def overlay_kustomization(environment: str) -> PurePosixPath:
    """The kustomization holding an environment's image tag."""
    return PurePosixPath("overlays", environment, "kustomization.yaml")


def previous_environment(environment: str) -> str | None:
    """The environment a promotion to ``environment`` takes its tag from (None for dev)."""
    index = ENVIRONMENTS.index(environment)
    return ENVIRONMENTS[index - 1] if index > 0 else None


def _half_cpu(quantity: str) -> str:
    millis = int(quantity[:-1]) if quantity.endswith("m") else round(float(quantity) * 1000)
    return f"{max(1, millis // 2)}m"


def _half_memory(quantity: str) -> str:
    match = _MEMORY.match(quantity)
    if match is None:  # the spec's pattern admits nothing else
        return quantity
    number, unit = int(match["n"]), match["unit"] or ""
    if number % 2 and unit:
        smaller, factor = _SMALLER_UNIT[unit]
        number, unit = number * factor, smaller
    return f"{max(1, number // 2)}{unit}"


def _default_resources(spec: AppSpec, environment: str) -> Resources:
    if environment != "dev":
        return spec.resources
    # dev asks for half of what the app requests and keeps its limits: room to burst,
    # half the reserved capacity for a namespace that mostly idles.
    return spec.resources.model_copy(
        update={
            "cpu_request": _half_cpu(spec.resources.cpu_request),
            "memory_request": _half_memory(spec.resources.memory_request),
        }
    )


def environment_profile(spec: AppSpec, environment: str) -> EnvironmentProfile:
    """An environment's settings: the spec's ``environment_settings`` over the defaults."""
    chosen = next(
        (s for env, s in spec.environment_settings.items() if env == environment),
        EnvironmentSettings(),
    )
    default_replicas = _DEFAULT_REPLICAS.get(environment, max(MIN_PROD_REPLICAS, spec.replicas))
    return EnvironmentProfile(
        environment=environment,
        namespace=namespace_name(spec.name, environment),
        host=hostname(spec.name, spec.platform.domain, environment),
        replicas=chosen.replicas if chosen.replicas is not None else default_replicas,
        resources=chosen.resources or _default_resources(spec, environment),
        log_level=chosen.log_level or _DEFAULT_LOG_LEVELS[environment],
        secret_key=secret_key(spec, environment),
        disruption_budget=environment == "prod",
    )


def kustomization(resources: list[str], *, namespace: str | None = None, **extra: Any) -> Manifest:
    """A kustomization listing ``resources``; ``extra`` fields as given."""
    doc: Manifest = {
        "apiVersion": KUSTOMIZATION_API,
        "kind": "Kustomization",
        "resources": resources,
    }
    if namespace is not None:
        doc["namespace"] = namespace
    doc.update(extra)
    return doc


def _json_patch(operations: list[Manifest]) -> str:
    # kustomize takes a patch as a string; JSON is YAML, and json.dumps does the quoting.
    return json.dumps(operations, sort_keys=True)


_CONTAINER = "/spec/template/spec/containers/0"


def _deployment_patch(spec: AppSpec, profile: EnvironmentProfile) -> str:
    # JSON 6902, not a strategic merge patch: a strategic merge makes kustomize load the
    # whole Kubernetes OpenAPI document, which tripled the cost of building an overlay.
    # The renderer knows the base's env, so LOG_LEVEL replaces its entry by position (or
    # is appended) and every other variable stays; the ``test`` operations make the build
    # fail, rather than patch the wrong entry, if the base is edited out of step.
    resources = profile.resources
    log_level = {"name": "LOG_LEVEL", "value": profile.log_level}
    operations: list[Manifest] = [
        {"op": "test", "path": f"{_CONTAINER}/name", "value": spec.name},
    ]
    names = [entry["name"] for entry in container_env(spec)]
    if "LOG_LEVEL" in names:
        at = f"{_CONTAINER}/env/{names.index('LOG_LEVEL')}"
        operations += [
            {"op": "test", "path": f"{at}/name", "value": "LOG_LEVEL"},
            {"op": "replace", "path": at, "value": log_level},
        ]
    else:
        operations.append({"op": "add", "path": f"{_CONTAINER}/env/-", "value": log_level})
    operations.append(
        {
            "op": "add",
            "path": f"{_CONTAINER}/resources",
            "value": {
                "requests": {"cpu": resources.cpu_request, "memory": resources.memory_request},
                "limits": {"cpu": resources.cpu_limit, "memory": resources.memory_limit},
            },
        }
    )
    return _json_patch(operations)


def _patches(spec: AppSpec, profile: EnvironmentProfile) -> list[Manifest]:
    host = [{"op": "replace", "path": "/spec/rules/0/host", "value": profile.host}]
    key = [{"op": "replace", "path": "/spec/dataFrom/0/extract/key", "value": profile.secret_key}]
    return [
        {"target": {"kind": "Deployment", "name": spec.name},
         "patch": _deployment_patch(spec, profile)},
        {"target": {"kind": "Ingress", "name": spec.name}, "patch": _json_patch(host)},
        {"target": {"kind": "ExternalSecret", "name": f"{spec.name}-secrets"},
         "patch": _json_patch(key)},
    ]


def render_overlay(
    spec: AppSpec, environment: str, *, images: list[dict[str, str]], dashboard: str | None
) -> Files:
    """One environment's overlay: its kustomization and the objects only it holds."""
    profile = environment_profile(spec, environment)
    root = overlay_kustomization(environment).parent
    files: Files = {root / "prometheusrule.yaml": dump_yaml(prometheus_rule(spec, environment))}
    if dashboard is not None:
        files[root / "dashboard-configmap.yaml"] = dump_yaml(dashboard_config_map(spec, dashboard))
    if profile.disruption_budget:
        files[root / "poddisruptionbudget.yaml"] = dump_yaml(pod_disruption_budget(spec))
    resources = ["../../base", *sorted(path.name for path in files)]
    files[root / "kustomization.yaml"] = dump_yaml(
        kustomization(
            resources,
            namespace=profile.namespace,
            labels=[
                {"pairs": {"goldpath.io/environment": environment}, "includeSelectors": False}
            ],
            images=images,
            replicas=[{"name": spec.name, "count": profile.replicas}],
            patches=_patches(spec, profile),
        )
    )
    return files


# -- image tags per environment and promotion --------------------------------------------------


@dataclass(frozen=True, slots=True)
class TagChange:
    """A promotion's one change: ``environment``'s tag from ``before`` to ``tag``."""

    app: str
    source: str
    environment: str
    tag: str
    before: str
    path: PurePosixPath


def _kustomization_doc(files: Mapping[PurePosixPath, str], path: PurePosixPath) -> Manifest:
    text = files.get(path)
    if text is None:
        raise GitopsRepoNotFoundError(f"the GitOps repo has no {path}", path=str(path))
    try:
        docs = load_yaml_all(text)
    except yaml.YAMLError as exc:
        raise GitopsError(f"{path} is not valid YAML", path=str(path)) from exc
    if len(docs) != 1 or not isinstance(docs[0], dict):
        raise GitopsError(f"{path} is not one kustomization mapping", path=str(path))
    doc: Manifest = docs[0]
    return doc


def _image(doc: Manifest, app: str, path: PurePosixPath) -> Manifest:
    for entry in doc.get("images") or []:
        if isinstance(entry, dict) and str(entry.get("name", "")).rsplit("/", 1)[-1] == app:
            return entry
    raise ImageNotFoundError(f"{path} has no image entry for {app!r}", app=app)


def environment_tags(files: Mapping[PurePosixPath, str], app: str) -> dict[str, str]:
    """The image tag each environment of the repo deploys, in promotion order."""
    tags: dict[str, str] = {}
    for environment in ENVIRONMENTS:
        path = overlay_kustomization(environment)
        if path in files:
            tags[environment] = str(_image(_kustomization_doc(files, path), app, path).get(
                "newTag", ""))
    return tags


def promote_in_tree(
    files: Mapping[PurePosixPath, str], app: str, environment: str
) -> tuple[dict[PurePosixPath, str], TagChange]:
    """The repo with ``environment``'s image tag set to the previous environment's.

    Only that overlay's kustomization changes, and in it only the app's ``newTag``.
    GitopsError when there is nothing to promote (dev, or the tags already agree).
    """
    if environment not in ENVIRONMENTS or previous_environment(environment) is None:
        rule = "promotable" if environment in ENVIRONMENTS else "environment"
        raise InvalidInputError(
            f"cannot promote to {environment!r}: promote to staging or prod",
            errors=[FieldError("to", rule, "must be staging or prod (dev is the pipeline's)")],
        )
    source = previous_environment(environment)
    assert source is not None
    source_path = overlay_kustomization(source)
    tag = str(_image(_kustomization_doc(files, source_path), app, source_path).get("newTag", ""))
    path = overlay_kustomization(environment)
    doc = _kustomization_doc(files, path)
    entry = _image(doc, app, path)
    before = str(entry.get("newTag", ""))
    if before == tag:
        raise NothingToPromoteError(
            f"{environment} already runs {tag}, the tag {source} runs; nothing to promote",
            environment=environment,
            tag=tag,
        )
    entry["newTag"] = tag
    changed = dict(files)
    changed[path] = dump_yaml(doc)
    return changed, TagChange(
        app=app, source=source, environment=environment, tag=tag, before=before, path=path
    )


# -- policies over overlays ------------------------------------------------------------------


def _reachable(tree: Tree, kust: Document, seen: set[PurePosixPath]) -> Iterator[Document]:
    """Every manifest a kustomization builds from, through the kustomizations it lists."""
    by_dir = {k.file.parent: k for k in tree.kustomizations}
    for resource in kust.body.get("resources") or []:
        target = normal_path(kust.file.parent / str(resource))
        if target in by_dir:
            if target not in seen:
                seen.add(target)
                yield from _reachable(tree, by_dir[target], seen)
        else:
            yield from (d for d in tree.documents if d.file == target)


def _overlays(tree: Tree) -> Iterator[tuple[str, Document]]:
    for kust in tree.kustomizations:
        parts = kust.file.parts
        if len(parts) == 3 and parts[0] == "overlays" and parts[1] in ENVIRONMENTS:
            yield parts[1], kust


def _prod_is_highly_available(tree: Tree) -> Iterator[Violation]:
    for environment, kust in _overlays(tree):
        if environment != "prod":
            continue
        built = list(_reachable(tree, kust, set()))
        for deployment in (d for d in built if d.kind == "Deployment"):
            counts = [
                r.get("count") for r in kust.body.get("replicas") or []
                if isinstance(r, dict) and r.get("name") == deployment.name
            ]
            replicas = counts[-1] if counts else (deployment.body.get("spec") or {}).get("replicas")
            if not isinstance(replicas, int) or replicas < MIN_PROD_REPLICAS:
                yield Violation(
                    message=f"prod runs {replicas} replica(s) of {deployment.name}; "
                    f"at least {MIN_PROD_REPLICAS} are required",
                    file=kust.file,
                    object=object_ref(deployment.body),
                )
        if built and not any(d.kind == "PodDisruptionBudget" for d in built):
            yield Violation(
                message="the prod overlay deploys no PodDisruptionBudget",
                file=kust.file,
                object="Kustomization/prod",
            )


def _own_namespace_per_environment(tree: Tree) -> Iterator[Violation]:
    for environment, kust in _overlays(tree):
        namespace = str(kust.body.get("namespace") or "")
        if not namespace.endswith(f"-{environment}"):
            yield Violation(
                message=f"the {environment} overlay must deploy into its own namespace "
                f"'<app>-{environment}', not {namespace or 'the base namespace'!r}",
                file=kust.file,
                object=f"Kustomization/{environment}",
            )


ENVIRONMENT_POLICIES: tuple[Policy, ...] = (
    Policy("EN001", "prod runs at least two replicas with a PodDisruptionBudget",
           _prod_is_highly_available),
    Policy("EN002", "each environment deploys into its own namespace <app>-<env>",
           _own_namespace_per_environment),
)
