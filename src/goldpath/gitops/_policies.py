"""Policies as code: separation of duties and workload security, each with an id.

A policy reads the whole tree (every manifest with its file) and yields violations
naming the file and the object. Policies never touch the disk.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import PurePosixPath
from typing import Any

from goldpath.gitops._names import ecr_repository_name
from goldpath.gitops._secrets import CLUSTER_SECRET_STORE, secret_key_allowed
from goldpath.gitops._spec import DEFAULT_SECRETS_PREFIX
from goldpath.gitops._yaml import Manifest, parsed_yaml

__all__ = ["POLICIES", "Document", "Policy", "Tree", "Violation", "normal_path", "object_ref"]

READ_ONLY_VERBS = frozenset({"get", "list", "watch"})
PLATFORM_ADMIN_ROLE = "platform-admin"
PLATFORM_PROJECT = "platform"
_PLATFORM_PART_OF = "goldpath-platform"
MAX_NAME = 63
_CLUSTER_SCOPED = frozenset(
    {"Namespace", "ClusterRole", "ClusterRoleBinding", "ClusterSecretStore",
     "CustomResourceDefinition", "PersistentVolume", "StorageClass", "Node",
     "PriorityClass", "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration",
     "IngressClass"}
)
_CLUSTER_SCOPED_CUSTOM = frozenset({"ClusterSecretStore"})
_POD_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "Job", "ReplicaSet"}
_ANYWHERE = {"0.0.0.0/0", "::/0"}
_ECR_ARN = re.compile(r"^arn:aws[a-z-]*:ecr:[a-z0-9-]+:[0-9]{12}:repository/(?P<repo>[^*]+)$")


@dataclass(frozen=True, slots=True)
class Document:
    """One parsed manifest and the file it came from."""

    file: PurePosixPath
    body: Manifest
    kind: str = field(init=False, compare=False, repr=False)
    """The object's kind (read once: every policy asks every document)."""
    name: str = field(init=False, compare=False, repr=False)
    """The object's ``metadata.name``."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", str(self.body.get("kind", "")))
        object.__setattr__(self, "name", str((self.body.get("metadata") or {}).get("name", "")))

    @property
    def namespace(self) -> str | None:
        """The object's ``metadata.namespace``, if any."""
        ns = (self.body.get("metadata") or {}).get("namespace")
        return str(ns) if ns is not None else None

    @property
    def labels(self) -> dict[str, str]:
        """The object's labels."""
        return dict((self.body.get("metadata") or {}).get("labels") or {})


def _is_platform_project(doc: Document) -> bool:
    return (
        doc.kind == "AppProject"
        and doc.name == PLATFORM_PROJECT
        and doc.labels.get("app.kubernetes.io/part-of") == _PLATFORM_PART_OF
        and "app.kubernetes.io/name" not in doc.labels
    )


def normal_path(path: PurePosixPath) -> PurePosixPath:
    """``path`` with ``.`` and ``..`` worked out, as kustomize reads a resource's path
    (``..`` above the root stays at the root)."""
    parts: list[str] = []
    for part in path.parts:
        if part == "..":
            if parts:
                parts.pop()
        elif part != ".":
            parts.append(part)
    return PurePosixPath(*parts)


def object_ref(doc: Manifest) -> str:
    """``Kind/namespace/name`` (or ``Kind/name`` for cluster-scoped objects)."""
    meta = doc.get("metadata") or {}
    parts = [str(doc.get("kind", "?")), meta.get("namespace"), str(meta.get("name", "?"))]
    return "/".join(p for p in parts if p)


@dataclass(frozen=True)
class Tree:
    """Everything a policy may look at: manifests, kustomizations and JSON files.

    What the policies ask of the whole tree (its documents by kind, whether it is the
    platform's or an app's) is worked out once per tree: policies ask it per document,
    and the platform repo holds every app's entry, so asking afresh each time made its
    validation grow with the square of the fleet.
    """

    documents: tuple[Document, ...]
    kustomizations: tuple[Document, ...]
    json_files: tuple[tuple[PurePosixPath, Any], ...]
    secrets_prefix: str = DEFAULT_SECRETS_PREFIX

    @cached_property
    def _by_kind(self) -> dict[str, tuple[Document, ...]]:
        by_kind: dict[str, list[Document]] = {}
        for doc in self.documents:
            by_kind.setdefault(doc.kind, []).append(doc)
        return {kind: tuple(docs) for kind, docs in by_kind.items()}

    def of_kind(self, *kinds: str) -> Iterator[Document]:
        """Manifests of the given kinds, in the tree's order."""
        if len(kinds) == 1:
            return iter(self._by_kind.get(kinds[0], ()))
        return (d for d in self.documents if d.kind in kinds)

    @cached_property
    def is_platform_tree(self) -> bool:
        """True for the platform GitOps repo (it has the platform's own AppProject)."""
        return any(_is_platform_project(d) for d in self.of_kind("AppProject"))

    @cached_property
    def is_app_tree(self) -> bool:
        """True for an app's GitOps repo (it has an AppProject and is not the platform's)."""
        return bool(self._by_kind.get("AppProject")) and not self.is_platform_tree

    @cached_property
    def workload_namespaces(self) -> frozenset[str]:
        """Namespaces labelled ``idp-role: workload`` in this tree."""
        return frozenset(
            d.name for d in self.of_kind("Namespace") if d.labels.get("idp-role") == "workload"
        )

    @cached_property
    def app_names(self) -> frozenset[str]:
        """Names of the apps this tree deploys (from its workload namespaces)."""
        return frozenset(
            d.labels.get("app.kubernetes.io/name", d.name)
            for d in self.of_kind("Namespace")
            if d.labels.get("idp-role") == "workload"
        )


@dataclass(frozen=True, slots=True)
class Violation:
    """A broken policy: the sentence, and where (file and object)."""

    message: str
    file: PurePosixPath
    object: str


@dataclass(frozen=True, slots=True)
class Policy:
    """A rule with an id, a one-line title and a check over the tree."""

    id: str
    title: str
    check: Callable[[Tree], Iterator[Violation]]


def _v(doc: Document, message: str) -> Violation:
    return Violation(message=message, file=doc.file, object=object_ref(doc.body))


def _pod_spec(doc: Document) -> Manifest | None:
    if doc.kind == "Pod":
        return doc.body.get("spec") or {}
    if doc.kind in _POD_KINDS:
        return ((doc.body.get("spec") or {}).get("template") or {}).get("spec") or {}
    if doc.kind == "CronJob":
        job = ((doc.body.get("spec") or {}).get("jobTemplate") or {}).get("spec") or {}
        return (job.get("template") or {}).get("spec") or {}
    return None


def _containers(pod: Manifest) -> list[Manifest]:
    return list(pod.get("initContainers") or []) + list(pod.get("containers") or [])


def _pod_security(tree: Tree) -> Iterator[Violation]:
    for doc in tree.documents:
        pod = _pod_spec(doc)
        if pod is None:
            continue
        ctx = pod.get("securityContext") or {}
        if ctx.get("runAsNonRoot") is not True:
            yield _v(doc, "pod securityContext.runAsNonRoot must be true")
        if ctx.get("runAsUser") == 0:
            yield _v(doc, "pod securityContext.runAsUser must not be 0 (root)")
        if (ctx.get("seccompProfile") or {}).get("type") != "RuntimeDefault":
            yield _v(doc, "pod securityContext.seccompProfile.type must be RuntimeDefault")
        for flag in ("hostNetwork", "hostPID", "hostIPC"):
            if pod.get(flag):
                yield _v(doc, f"pod must not set {flag}")
        for volume in pod.get("volumes") or []:
            if "hostPath" in volume:
                yield _v(doc, f"volume {volume.get('name')!r} must not be a hostPath")


def _container_security(tree: Tree) -> Iterator[Violation]:
    for doc in tree.documents:
        pod = _pod_spec(doc)
        if pod is None:
            continue
        for container in _containers(pod):
            name = container.get("name", "?")
            ctx = container.get("securityContext") or {}
            caps = ctx.get("capabilities") or {}
            if ctx.get("allowPrivilegeEscalation") is not False:
                yield _v(doc, f"container {name}: allowPrivilegeEscalation must be false")
            if ctx.get("readOnlyRootFilesystem") is not True:
                yield _v(doc, f"container {name}: readOnlyRootFilesystem must be true")
            if "ALL" not in (caps.get("drop") or []):
                yield _v(doc, f"container {name}: capabilities must drop ALL")
            if caps.get("add"):
                yield _v(doc, f"container {name}: must not add capabilities")
            if ctx.get("privileged"):
                yield _v(doc, f"container {name}: must not be privileged")
            if ctx.get("runAsUser") == 0:
                yield _v(doc, f"container {name}: runAsUser must not be 0 (root)")


def _resources(tree: Tree) -> Iterator[Violation]:
    for doc in tree.documents:
        pod = _pod_spec(doc)
        if pod is None:
            continue
        for container in pod.get("containers") or []:
            res = container.get("resources") or {}
            for part in ("requests", "limits"):
                for resource in ("cpu", "memory"):
                    if resource not in (res.get(part) or {}):
                        yield _v(
                            doc,
                            f"container {container.get('name', '?')}: {part}.{resource} is missing",
                        )


def _probes(tree: Tree) -> Iterator[Violation]:
    for doc in tree.of_kind("Deployment", "StatefulSet", "DaemonSet"):
        pod = _pod_spec(doc) or {}
        for container in pod.get("containers") or []:
            for probe in ("livenessProbe", "readinessProbe"):
                if probe not in container:
                    yield _v(doc, f"container {container.get('name', '?')}: {probe} is missing")


def _image_pinned(tree: Tree) -> Iterator[Violation]:
    for doc in tree.documents:
        pod = _pod_spec(doc)
        if pod is None:
            continue
        for container in _containers(pod):
            image = str(container.get("image", ""))
            if "@sha256:" in image:
                continue
            last = image.rsplit("/", 1)[-1]
            if ":" not in last or last.endswith(":latest"):
                yield _v(doc, f"container {container.get('name', '?')}: image {image!r} "
                              "needs an explicit tag other than latest")


def _own_service_account(tree: Tree) -> Iterator[Violation]:
    accounts = {(d.namespace, d.name) for d in tree.of_kind("ServiceAccount")}
    for doc in tree.documents:
        pod = _pod_spec(doc)
        if pod is None:
            continue
        account = pod.get("serviceAccountName")
        if not account or account == "default":
            yield _v(doc, "pods must run under their own ServiceAccount, not 'default'")
        elif (doc.namespace, account) not in accounts:
            yield _v(doc, f"ServiceAccount {account!r} is not defined next to the workload")
        if pod.get("automountServiceAccountToken") is not False:
            yield _v(doc, "pod automountServiceAccountToken must be false")
    for doc in tree.of_kind("ServiceAccount"):
        if doc.body.get("automountServiceAccountToken") is not False:
            yield _v(doc, "ServiceAccount automountServiceAccountToken must be false")


def _no_plain_secrets(tree: Tree) -> Iterator[Violation]:
    for doc in tree.of_kind("Secret"):
        yield _v(doc, "Secrets never live in git; use an ExternalSecret")


def _is_default_deny(doc: Document) -> bool:
    spec = doc.body.get("spec") or {}
    return (
        spec.get("podSelector") in ({}, None)
        and set(spec.get("policyTypes") or []) == {"Ingress", "Egress"}
        and not spec.get("ingress")
        and not spec.get("egress")
    )


def _default_deny(tree: Tree) -> Iterator[Violation]:
    denied = {d.namespace for d in tree.of_kind("NetworkPolicy") if _is_default_deny(d)}
    for doc in tree.of_kind("Namespace"):
        if doc.name not in denied:
            yield _v(doc, "namespace has no default-deny NetworkPolicy for ingress and egress")


def _restricted_ingress(tree: Tree) -> Iterator[Violation]:
    for doc in tree.of_kind("NetworkPolicy"):
        for index, rule in enumerate((doc.body.get("spec") or {}).get("ingress") or []):
            peers = rule.get("from") or []
            if not peers:
                yield _v(doc, f"ingress rule {index} allows every source; name the peers")
            for peer in peers:
                cidr = (peer.get("ipBlock") or {}).get("cidr")
                if cidr in _ANYWHERE:
                    yield _v(doc, f"ingress rule {index} allows {cidr}")
        for index, rule in enumerate((doc.body.get("spec") or {}).get("egress") or []):
            for peer in rule.get("to") or []:
                cidr = (peer.get("ipBlock") or {}).get("cidr")
                if cidr in _ANYWHERE and not rule.get("ports"):
                    yield _v(doc, f"egress rule {index} allows {cidr} on every port")


def _workload_ports_behind_allow_rules(tree: Tree) -> Iterator[Violation]:
    allowed: dict[str | None, set[object]] = {}
    for doc in tree.of_kind("NetworkPolicy"):
        for rule in (doc.body.get("spec") or {}).get("ingress") or []:
            for port in rule.get("ports") or []:
                allowed.setdefault(doc.namespace, set()).add(port.get("port"))
    for doc in tree.of_kind("Deployment", "StatefulSet"):
        pod = _pod_spec(doc) or {}
        for container in pod.get("containers") or []:
            for port in container.get("ports") or []:
                if port.get("containerPort") not in allowed.get(doc.namespace, set()):
                    yield _v(
                        doc,
                        f"port {port.get('containerPort')} has no NetworkPolicy allow rule "
                        "(it is unreachable, or the rules do not name it)",
                    )


def _ingress_https(tree: Tree) -> Iterator[Violation]:
    for doc in tree.of_kind("Ingress"):
        notes = (doc.body.get("metadata") or {}).get("annotations") or {}
        if not notes.get("alb.ingress.kubernetes.io/certificate-arn"):
            yield _v(doc, "Ingress needs alb.ingress.kubernetes.io/certificate-arn (HTTPS)")
        if not notes.get("alb.ingress.kubernetes.io/ssl-redirect"):
            yield _v(doc, "Ingress must redirect HTTP to HTTPS (ssl-redirect)")
        if (doc.body.get("spec") or {}).get("ingressClassName") != "alb":
            yield _v(doc, "Ingress must use ingressClassName alb")


def _read_only_roles(tree: Tree) -> Iterator[Violation]:
    for doc in tree.of_kind("Role", "ClusterRole"):
        if doc.kind == "ClusterRole" and doc.name == PLATFORM_ADMIN_ROLE:
            continue
        for rule in doc.body.get("rules") or []:
            resources = set(rule.get("resources") or [])
            verbs = set(rule.get("verbs") or [])
            if resources & {"secrets", "*"}:
                yield _v(doc, "role grants access to secrets")
            if verbs - READ_ONLY_VERBS:
                extra = ", ".join(sorted(verbs - READ_ONLY_VERBS))
                yield _v(doc, f"role grants write verbs: {extra}")


def _bindings(tree: Tree) -> Iterator[Violation]:
    for doc in tree.of_kind("RoleBinding", "ClusterRoleBinding"):
        ref = doc.body.get("roleRef") or {}
        if ref.get("name") in {"cluster-admin", "admin", "edit"}:
            yield _v(doc, f"binding grants the built-in {ref.get('name')!r} role")
        if tree.is_app_tree and ref.get("kind") != "Role":
            yield _v(doc, "an app may bind only its own namespaced Role")


def _project_scope(tree: Tree) -> Iterator[Violation]:
    for doc in tree.of_kind("AppProject"):
        if _is_platform_project(doc):
            continue  # the platform's own project: see SD009
        spec = doc.body.get("spec") or {}
        repos = spec.get("sourceRepos") or []
        if len(repos) != 1 or "*" in str(repos[0]):
            yield _v(doc, "AppProject must allow exactly one source repo, without wildcards")
        destinations = spec.get("destinations") or []
        if len(destinations) != 1:
            yield _v(doc, "AppProject must allow exactly one destination")
        for dest in destinations:
            ns = str(dest.get("namespace", ""))
            if not ns or "*" in ns or "*" in str(dest.get("server", "*")):
                yield _v(doc, "AppProject destination needs an explicit namespace and server")
        if (spec.get("clusterResourceWhitelist") or []) != [{"group": "", "kind": "Namespace"}]:
            yield _v(doc, "AppProject may create no cluster-scoped resource but its Namespace")


def _application_sync(tree: Tree) -> Iterator[Violation]:
    projects = {d.name: d for d in tree.of_kind("AppProject")}
    for doc in tree.of_kind("Application"):
        spec = doc.body.get("spec") or {}
        automated = (spec.get("syncPolicy") or {}).get("automated") or {}
        if automated.get("prune") is not True or automated.get("selfHeal") is not True:
            yield _v(doc, "Application must sync automatically with prune and selfHeal")
        project = spec.get("project")
        if project in (None, "default"):
            yield _v(doc, "Application must use its own AppProject, never 'default'")
            continue
        source = (spec.get("source") or {}).get("repoURL", "")
        if not str(source).endswith(".git"):
            yield _v(doc, "Application source repoURL must end with .git")
        if project in projects:
            pspec = projects[project].body.get("spec") or {}
            if source not in (pspec.get("sourceRepos") or []):
                yield _v(doc, f"source {source!r} is not allowed by AppProject {project!r}")
            dest_ns = (spec.get("destination") or {}).get("namespace")
            if dest_ns not in {d.get("namespace") for d in pspec.get("destinations") or []}:
                yield _v(doc, f"destination {dest_ns!r} is not allowed by AppProject {project!r}")
        elif tree.is_app_tree or tree.is_platform_tree:
            yield _v(doc, f"AppProject {project!r} is not part of this repo")


def _cluster_scope(tree: Tree) -> Iterator[Violation]:
    if not tree.is_app_tree:
        return
    for doc in tree.documents:
        if doc.kind in _CLUSTER_SCOPED and doc.kind != "Namespace":
            yield _v(doc, f"an app repo may not hold cluster-scoped {doc.kind} objects")


def _platform_repo(tree: Tree) -> Iterator[Violation]:
    if not tree.is_platform_tree:
        return
    for doc in tree.of_kind("AppProject"):
        if not _is_platform_project(doc):
            continue
        spec = doc.body.get("spec") or {}
        repos = spec.get("sourceRepos") or []
        if len(repos) != 1 or "*" in str(repos[0]):
            yield _v(doc, "the platform project allows exactly one source repo (its own)")
        for dest in spec.get("destinations") or []:
            if "*" in str(dest.get("namespace", "*")) or "*" in str(dest.get("server", "*")):
                yield _v(doc, "the platform project names each destination namespace")
        for entry in spec.get("clusterResourceWhitelist") or []:
            if "*" in (str(entry.get("group", "")), str(entry.get("kind", ""))):
                yield _v(doc, "the platform project names each cluster-scoped kind")
    workload = tree.workload_namespaces
    for doc in tree.documents:
        if doc.kind == "Namespace" and doc.name in workload:
            yield _v(doc, "the platform repo holds no app namespace; apps live in their repos")
        elif _pod_spec(doc) is not None:
            yield _v(doc, "the platform repo holds no workloads; apps live in their repos")


def _namespaced_kustomizations(tree: Tree) -> Iterator[Violation]:
    by_file: dict[PurePosixPath, list[Document]] = {}
    for doc in tree.documents:
        by_file.setdefault(doc.file, []).append(doc)
    for kust in tree.kustomizations:
        if not kust.body.get("namespace"):
            continue
        for resource in kust.body.get("resources") or []:
            path = normal_path(kust.file.parent / str(resource))
            for doc in by_file.get(path, []):
                if doc.kind in _CLUSTER_SCOPED_CUSTOM:
                    yield Violation(
                        message=f"{doc.kind} is cluster-scoped; kustomize would namespace it "
                        "here: keep it out of namespaced kustomizations",
                        file=kust.file,
                        object=object_ref(doc.body),
                    )


def _ecr_own_repository(tree: Tree) -> Iterator[Violation]:
    apps = tree.app_names
    for path, policy in tree.json_files:
        if path.parts[:1] != ("iam",) or not isinstance(policy, dict):
            continue
        for index, statement in enumerate(policy.get("Statement") or []):
            actions = statement.get("Action") or []
            actions = [actions] if isinstance(actions, str) else list(actions)
            targets = statement.get("Resource") or []
            targets = [targets] if isinstance(targets, str) else list(targets)
            where = f"Statement/{statement.get('Sid', index)}"
            if any("*" in a for a in actions):
                yield Violation("IAM actions must be named, not wildcards", path, where)
            if actions == ["ecr:GetAuthorizationToken"]:
                continue
            for target in targets:
                match = _ECR_ARN.match(str(target))
                if match is None:
                    yield Violation(f"{target!r} is not one ECR repository ARN", path, where)
                elif apps and match.group("repo") not in {ecr_repository_name(a) for a in apps}:
                    own = ", ".join(sorted(ecr_repository_name(a) for a in apps))
                    yield Violation(
                        f"{target!r} is not the app's own repository ({own})",
                        path,
                        where,
                    )


def _external_secret_keys(body: Manifest) -> Iterator[tuple[str, str]]:
    """Every (field, key) an ExternalSecret reads; ("...", "") for what cannot be bounded."""
    spec = body.get("spec") or {}
    for index, item in enumerate(spec.get("data") or []):
        item = item if isinstance(item, dict) else {}
        ref = item.get("remoteRef") or {}
        yield f"spec.data[{index}].remoteRef.key", str(ref.get("key", ""))
        if "sourceRef" in item:
            yield f"spec.data[{index}].sourceRef", ""
    for index, item in enumerate(spec.get("dataFrom") or []):
        item = item if isinstance(item, dict) else {}
        if "extract" in item:
            yield f"spec.dataFrom[{index}].extract.key", str((item["extract"] or {}).get("key", ""))
        if "find" in item:
            # A search reads whatever matches: allowed only when bounded by a path inside.
            yield f"spec.dataFrom[{index}].find.path", str((item["find"] or {}).get("path", ""))
        if "sourceRef" in item:
            yield f"spec.dataFrom[{index}].sourceRef", ""
        if not {"extract", "find"} & set(item):
            yield f"spec.dataFrom[{index}]", ""


def _keys_in(value: object, where: str) -> Iterator[tuple[str, str]]:
    """Every ``key``/``path`` string (and every ``sourceRef``) inside a patched value."""
    if isinstance(value, dict):
        for name, inner in value.items():
            if name in ("key", "path") and isinstance(inner, str):
                yield f"{where}.{name}", inner
            elif name in ("sourceRef", "secretStoreRef"):
                yield f"{where}.{name}", ""
            else:
                yield from _keys_in(inner, f"{where}.{name}")
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _keys_in(inner, f"{where}[{index}]")


def _patched_keys(tree: Tree) -> Iterator[tuple[Document, str, str]]:
    """Keys kustomize patches write into ExternalSecrets (JSON 6902 or strategic merge)."""
    for kust in tree.kustomizations:
        for patch in kust.body.get("patches") or []:
            if not isinstance(patch, dict):
                continue
            if (patch.get("target") or {}).get("kind") != "ExternalSecret":
                continue
            if "patch" not in patch:
                yield kust, f"patch file {patch.get('path', '?')} (inline the patch)", ""
                continue
            documents = parsed_yaml(str(patch["patch"]))  # JSON is YAML too
            if isinstance(documents, str) or len(documents) > 1:
                yield kust, "an unreadable patch", ""
                continue
            loaded = documents[0] if documents else None
            if isinstance(loaded, dict):  # strategic merge
                yield from ((kust, f"patch {w}", k) for w, k in _keys_in(loaded, "patch"))
                continue
            for op in loaded if isinstance(loaded, list) else []:
                op = op if isinstance(op, dict) else {}
                path = str(op.get("path", ""))
                value = op.get("value")
                if op.get("op") in ("remove", "test", None):
                    continue
                if op.get("op") in ("copy", "move"):
                    yield kust, f"patch {op.get('op')} to {path}", ""
                elif isinstance(value, str):
                    if path.rsplit("/", 1)[-1] in ("key", "path"):
                        yield kust, f"patch {path}", value
                    elif "secretStoreRef" in path or "sourceRef" in path:
                        yield kust, f"patch {path}", ""
                else:
                    for where, key in _keys_in(value, f"patch {path}"):
                        yield kust, where, key


def _external_secrets_own_prefix(tree: Tree) -> Iterator[Violation]:
    apps = tree.app_names
    workload = tree.workload_namespaces
    for doc in tree.of_kind("ExternalSecret"):
        if not (tree.is_app_tree or doc.namespace in workload):
            continue  # the platform's own ExternalSecrets (Argo CD repo credentials)
        app = doc.labels.get("app.kubernetes.io/name", "")
        if app not in apps:
            yield _v(doc, "an app's ExternalSecret must carry app.kubernetes.io/name "
                          "naming the app whose secrets it reads")
            continue
        prefix = f"{tree.secrets_prefix}/{app}"
        store = (doc.body.get("spec") or {}).get("secretStoreRef") or {}
        if store != {"kind": "ClusterSecretStore", "name": CLUSTER_SECRET_STORE}:
            yield _v(doc, "an app's ExternalSecret reads through the ClusterSecretStore "
                          f"{CLUSTER_SECRET_STORE!r} only (secretStoreRef)")
        for where, key in _external_secret_keys(doc.body):
            if not secret_key_allowed(key, prefix):
                yield _v(doc, f"{where} reads {key!r}, outside the app's own secrets "
                              f"{prefix!r} (and {prefix}/...)")
    if not tree.is_app_tree or len(apps) != 1:
        return
    prefix = f"{tree.secrets_prefix}/{next(iter(apps))}"
    for kust, where, key in _patched_keys(tree):
        if not secret_key_allowed(key, prefix):
            yield Violation(
                message=f"{where} makes an ExternalSecret read {key!r}, outside the app's "
                f"own secrets {prefix!r} (and {prefix}/...)",
                file=kust.file,
                object="ExternalSecret",
            )


def _labels(tree: Tree) -> Iterator[Violation]:
    apps = tree.app_names
    for doc in tree.documents:
        labels = doc.labels
        for key in ("app.kubernetes.io/managed-by", "app.kubernetes.io/part-of"):
            if key not in labels:
                yield _v(doc, f"label {key} is missing")
        if tree.is_app_tree and labels.get("app.kubernetes.io/name") not in apps:
            yield _v(doc, "label app.kubernetes.io/name must name the app")


def _name_lengths(tree: Tree) -> Iterator[Violation]:
    for doc in tree.documents:
        for what, value in (("name", doc.name), ("namespace", doc.namespace or "")):
            if len(value) > MAX_NAME:
                yield _v(doc, f"metadata.{what} is longer than {MAX_NAME} characters")
        for key, value in doc.labels.items():
            if len(str(value)) > MAX_NAME:
                yield _v(doc, f"label {key} is longer than {MAX_NAME} characters")


def _dashboards(tree: Tree) -> Iterator[Violation]:
    for path, model in tree.json_files:
        if path.parts[:1] != ("dashboards",):
            continue
        if not isinstance(model, dict) or not model.get("uid") or not model.get("tags"):
            yield Violation("a dashboard needs a uid and tags (the catalog finds it by tag)",
                            path, "")
        elif len(str(model["uid"])) > 40:
            yield Violation("Grafana dashboard uids are at most 40 characters", path, "")
    for doc in tree.of_kind("ConfigMap"):
        if doc.labels.get("grafana_dashboard") != "1":
            continue
        for key, text in (doc.body.get("data") or {}).items():
            try:
                json.loads(text)
            except (TypeError, ValueError):
                yield _v(doc, f"data {key!r} is not dashboard JSON")


POLICIES: tuple[Policy, ...] = (
    Policy("MD001", "objects carry the app's labels", _labels),
    Policy("MD002", "names, namespaces and label values stay within 63 characters", _name_lengths),
    Policy("MD003", "dashboards carry a uid and tags and are valid JSON", _dashboards),
    Policy("SD001", "roles are read-only and never reach secrets", _read_only_roles),
    Policy("SD002", "apps bind only their own Role, never built-in admin roles", _bindings),
    Policy("SD003", "an AppProject allows one repo, one namespace, only its Namespace",
           _project_scope),
    Policy("SD004", "an Application auto-syncs (prune, selfHeal) within its own project",
           _application_sync),
    Policy("SD005", "an app repo holds no cluster-scoped object but its Namespace",
           _cluster_scope),
    Policy("SD006", "cluster-scoped custom kinds stay out of namespaced kustomizations",
           _namespaced_kustomizations),
    Policy("SD007", "the ECR policy names only the app's own repository", _ecr_own_repository),
    Policy("SD008", "an app's ExternalSecrets read only the app's own Secrets Manager prefix",
           _external_secrets_own_prefix),
    Policy("SD009", "the platform repo: one source, named destinations and kinds, no workloads",
           _platform_repo),
    Policy("WS001", "pods run as non-root with RuntimeDefault seccomp, no host access",
           _pod_security),
    Policy("WS002", "containers drop ALL capabilities, read-only root, no escalation",
           _container_security),
    Policy("WS003", "containers set CPU and memory requests and limits", _resources),
    Policy("WS004", "containers have liveness and readiness probes", _probes),
    Policy("WS005", "images carry an explicit tag other than latest", _image_pinned),
    Policy("WS006", "pods use their own ServiceAccount without a mounted token",
           _own_service_account),
    Policy("WS007", "no plain Secret objects in git", _no_plain_secrets),
    Policy("WS008", "every namespace has a default-deny NetworkPolicy both ways", _default_deny),
    Policy("WS009", "NetworkPolicy rules name their peers; nothing open to the world",
           _restricted_ingress),
    Policy("WS010", "every container port is reachable only through an allow rule",
           _workload_ports_behind_allow_rules),
    Policy("WS011", "Ingresses are HTTPS on the shared ALB", _ingress_https),
)
