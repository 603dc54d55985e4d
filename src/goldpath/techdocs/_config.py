"""``mkdocs.yml`` is user input: validate it against the build policy before MkDocs sees it.

What MkDocs finally reads is not the author's file but a config written here from the
validated values (safe YAML, no tags), next to a copy of the docs folder only.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import yaml

from goldpath.config import TechDocsSettings
from goldpath.errors import FieldError
from goldpath.techdocs._reading import SourceTree
from goldpath.techdocs.errors import DocsConfigError

__all__ = [
    "CONFIG_FILES",
    "DEFAULT_EXTENSIONS",
    "DEFAULT_PLUGINS",
    "MANAGED_EXTENSIONS",
    "PIPELINE_VERSION",
    "BuildPolicy",
    "PreparedSource",
    "prepare_source",
]

# Bumped when what a build produces changes, so every site is rebuilt once.
PIPELINE_VERSION = "1"
CONFIG_FILES = ("mkdocs.yml", "mkdocs.yaml")
MAX_CONFIG_BYTES = 256 * 1024
MAX_NAV_ITEMS = 5_000

# What mkdocs-techdocs-core itself turns on: the plugins it adds and its Markdown set.
DEFAULT_PLUGINS = ("techdocs-core", "search", "monorepo", "gh-admonitions")
DEFAULT_EXTENSIONS = (
    "abbr",
    "admonition",
    "attr_list",
    "def_list",
    "fenced_code",
    "footnotes",
    "markdown_inline_graphviz",
    "md_in_html",
    "mdx_truly_sane_lists",
    "plantuml_markdown",
    "pymdownx.betterem",
    "pymdownx.blocks.admonition",
    "pymdownx.blocks.details",
    "pymdownx.blocks.tab",
    "pymdownx.caret",
    "pymdownx.critic",
    "pymdownx.details",
    "pymdownx.emoji",
    "pymdownx.extra",
    "pymdownx.highlight",
    "pymdownx.inlinehilite",
    "pymdownx.magiclink",
    "pymdownx.mark",
    "pymdownx.smartsymbols",
    "pymdownx.snippets",
    "pymdownx.superfences",
    "pymdownx.tabbed",
    "pymdownx.tasklist",
    "pymdownx.tilde",
    "tables",
    "toc",
)
# Extensions whose options could reach files, commands or the network: goldpath sets them.
MANAGED_EXTENSIONS = frozenset(
    {"pymdownx.snippets", "plantuml_markdown", "markdown_inline_graphviz"}
)

_PASSED_KEYS = (
    "site_name",
    "site_description",
    "site_author",
    "copyright",
    "repo_url",
    "repo_name",
    "edit_uri",
    "strict",
    "validation",
    "not_in_nav",
    "exclude_docs",
    "draft_docs",
)
_IGNORED_KEYS = frozenset(
    {
        "site_url",
        "edit_uri_template",
        "theme",
        "extra",
        "extra_css",
        "use_directory_urls",
        "dev_addr",
        "watch",
        "remote_branch",
        "remote_name",
    }
)
_REFUSED_KEYS = {
    "hooks": "hooks run Python from the repository; they are refused",
    "INHERIT": "a mkdocs.yml may not include another file",
    "site_dir": "goldpath chooses where a site is built; remove site_dir",
    "extra_javascript": "built pages carry no JavaScript; remove extra_javascript",
    "extra_templates": "templates from the repository are not rendered; remove extra_templates",
}
_HANDLED_KEYS = frozenset({"nav", "docs_dir", "plugins", "markdown_extensions"})


@dataclass(frozen=True, slots=True)
class BuildPolicy:
    """What a build may run and use: allow-lists and limits, from ``settings.techdocs``."""

    plugins: frozenset[str]
    extensions: frozenset[str]
    timeout_seconds: float = 60.0
    max_site_bytes: int = 100 * 1024 * 1024
    max_memory_bytes: int = 2 * 1024 * 1024 * 1024

    @classmethod
    def from_settings(cls, settings: TechDocsSettings) -> BuildPolicy:
        """The default allow-lists extended by the settings' extra plugins and extensions."""
        return cls(
            plugins=frozenset(DEFAULT_PLUGINS) | frozenset(settings.extra_plugins),
            extensions=frozenset(DEFAULT_EXTENSIONS)
            | frozenset(settings.extra_markdown_extensions),
            timeout_seconds=settings.build_timeout_seconds,
            max_site_bytes=settings.max_site_bytes,
            max_memory_bytes=settings.max_memory_bytes,
        )

    def fingerprint(self) -> str:
        """What of the policy changes a build's output (part of every source hash)."""
        return json.dumps([sorted(self.plugins), sorted(self.extensions)])


@dataclass(frozen=True, slots=True)
class PreparedSource:
    """A validated source: the config MkDocs will read, the docs files and their hash."""

    config: dict[str, Any]
    docs_dir: str
    docs: dict[str, bytes]
    source_hash: str
    commit: str | None = None


class _StrictLoader(yaml.SafeLoader):
    """Safe YAML with no tags beyond YAML's own: ``!!python/...``, ``!ENV``, ``!relative``
    and ``!include`` all fail as unknown tags."""


def _tag_refused(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    line = node.start_mark.line + 1
    raise DocsConfigError(
        f"mkdocs.yml line {line}: the YAML tag {node.tag} is refused (tags such as "
        "!!python/name, !ENV and !relative run code or read the portal's environment)",
        errors=[FieldError(f"mkdocs.yml:{line}", "yaml-tag", f"tag {node.tag} is refused")],
    )


# YAML's own tags are exact matches and win; every other tag falls to this catch-all
_StrictLoader.add_multi_constructor("", _tag_refused)


def _load_config(data: bytes) -> dict[str, Any]:
    if len(data) > MAX_CONFIG_BYTES:
        raise DocsConfigError(
            f"mkdocs.yml is larger than {MAX_CONFIG_BYTES} bytes",
            errors=[FieldError("mkdocs.yml", "size", f"at most {MAX_CONFIG_BYTES} bytes")],
        )
    try:
        loaded = yaml.load(data, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise DocsConfigError(
            f"mkdocs.yml is not valid YAML{at}: {problem}",
            errors=[FieldError("mkdocs.yml", "yaml", f"not valid YAML{at}")],
        ) from exc
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise DocsConfigError(
            "mkdocs.yml must be a mapping of settings",
            errors=[FieldError("mkdocs.yml", "type", "must be a mapping")],
        )
    return loaded


def _inside(path: str) -> str | None:
    """``path`` normalised when it stays inside its folder (relative, no ``..``), else None."""
    if not path or path.startswith(("/", "\\")) or "\\" in path or "\x00" in path:
        return None
    clean = posixpath.normpath(path)
    if clean in (".", "..") or clean.startswith("../"):
        return None
    return clean


class _Problems:
    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def add(self, field: str, rule: str, message: str) -> None:
        self.errors.append(FieldError(field, rule, message))


def _named_items(
    value: Any, field: str, problems: _Problems
) -> list[tuple[str, dict[str, Any] | None]]:
    """``plugins`` / ``markdown_extensions``: a list of names or one-key mappings, or a mapping."""
    items: Iterable[Any]
    if value is None:
        return []
    if isinstance(value, dict):
        items = [{k: v} for k, v in value.items()]
    elif isinstance(value, list):
        items = value
    else:
        problems.add(field, "type", "must be a list of names")
        return []
    out: list[tuple[str, dict[str, Any] | None]] = []
    for index, item in enumerate(items):
        if isinstance(item, str):
            out.append((item, None))
        elif isinstance(item, dict) and len(item) == 1:
            ((name, options),) = item.items()
            if options is not None and not isinstance(options, dict):
                problems.add(f"{field}[{index}]", "type", f"options of {name} must be a mapping")
                continue
            out.append((str(name), options))
        else:
            problems.add(f"{field}[{index}]", "type", "must be a name or {name: options}")
    return out


def _allowed(
    value: Any, field: str, allowed: frozenset[str], what: tuple[str, str], problems: _Problems
) -> list[tuple[str, dict[str, Any] | None]]:
    """The named items of ``value`` that are on the allow-list; the others are problems."""
    kept = []
    for name, options in _named_items(value, field, problems):
        if name in allowed:
            kept.append((name, options))
        else:
            problems.add(field, "allow-list", f"{what[0]} {name!r} is not allowed ({what[1]})")
    return kept


def _plugins(value: Any, policy: BuildPolicy, problems: _Problems) -> list[Any]:
    what = (
        "plugin",
        f"allowed: {', '.join(sorted(policy.plugins))}; techdocs.extra_plugins adds more",
    )
    found = _allowed(value, "plugins", policy.plugins, what, problems)
    plugins: list[Any] = [{name: options} if options else name for name, options in found]
    if "techdocs-core" not in {name for name, _ in found}:
        plugins.insert(0, "techdocs-core")
    return plugins


def _extensions(value: Any, policy: BuildPolicy, problems: _Problems) -> list[Any]:
    what = (
        "Markdown extension",
        "techdocs-core's set is allowed; techdocs.extra_markdown_extensions adds more",
    )
    extensions: list[Any] = []
    for name, options in _allowed(value, "markdown_extensions", policy.extensions, what, problems):
        if options and name in MANAGED_EXTENSIONS:
            problems.add(
                "markdown_extensions",
                "managed",
                f"options of {name} are set by goldpath (they reach files, commands or the "
                "network); list it without options",
            )
            continue
        extensions.append({name: options} if options else name)
    return extensions


def _nav(value: Any, problems: _Problems) -> Any:
    budget = [MAX_NAV_ITEMS]

    def walk(node: Any, where: str) -> Any:
        budget[0] -= 1
        if budget[0] < 0:
            if budget[0] == -1:
                problems.add("nav", "size", f"nav has more than {MAX_NAV_ITEMS} entries")
            return None
        if isinstance(node, list):
            return [walk(item, f"{where}[{index}]") for index, item in enumerate(node)]
        if isinstance(node, dict):
            if len(node) != 1:
                problems.add(where, "type", "each nav entry is {title: page} or a page")
                return None
            ((title, child),) = node.items()
            return {str(title): walk(child, f"{where}.{title}")}
        if not isinstance(node, str):
            problems.add(where, "type", "must be a page path, a URL or a section")
            return None
        if node.startswith("!include"):
            problems.add(where, "include", "!include reads another mkdocs.yml; it is refused")
            return None
        scheme = urlsplit(node).scheme
        if scheme:
            if scheme not in ("http", "https"):
                problems.add(where, "url", f"only http(s) links are allowed, not {scheme}:")
            return node
        clean = _inside(node)
        if clean is None:
            problems.add(where, "path", f"{node!r} is outside the docs directory")
            return None
        return clean

    return walk(value, "nav")


def _parse(
    raw: dict[str, Any], policy: BuildPolicy, default_site_name: str
) -> tuple[dict[str, Any], str]:
    problems = _Problems()
    for key in raw:
        if key in _REFUSED_KEYS:
            problems.add(str(key), "refused", _REFUSED_KEYS[key])
        elif key not in _HANDLED_KEYS and key not in _IGNORED_KEYS and key not in _PASSED_KEYS:
            problems.add(str(key), "unknown", f"{key} is not a MkDocs setting goldpath builds with")
    theme = raw.get("theme")
    if isinstance(theme, dict) and "custom_dir" in theme:
        problems.add(
            "theme.custom_dir", "refused", "custom themes' templates and Python are refused"
        )
    docs_dir = raw.get("docs_dir", "docs")
    clean_docs_dir = _inside(docs_dir) if isinstance(docs_dir, str) else None
    if clean_docs_dir is None:
        problems.add("docs_dir", "path", "must be a folder inside the repository (not . or ..)")
    config: dict[str, Any] = {"site_name": default_site_name}
    for key in _PASSED_KEYS:
        if key in raw and raw[key] is not None:
            config[key] = raw[key]
    if not isinstance(config["site_name"], str) or not config["site_name"].strip():
        problems.add("site_name", "required", "must be a non-empty string")
    config["docs_dir"] = clean_docs_dir or "docs"
    config["theme"] = {"name": "material"}
    config["use_directory_urls"] = True
    config["plugins"] = _plugins(raw.get("plugins"), policy, problems)
    config["markdown_extensions"] = _extensions(raw.get("markdown_extensions"), policy, problems)
    if raw.get("nav") is not None:
        config["nav"] = _nav(raw["nav"], problems)
    if problems.errors:
        detail = "; ".join(f"{e.field}: {e.message}" for e in problems.errors)
        raise DocsConfigError(f"mkdocs.yml is refused: {detail}", errors=problems.errors)
    return config, config["docs_dir"]


def _hash(policy: BuildPolicy, config: Mapping[str, Any], docs: Mapping[str, bytes]) -> str:
    digest = hashlib.sha256()
    digest.update(f"goldpath-techdocs {PIPELINE_VERSION}\n".encode())
    digest.update(policy.fingerprint().encode())
    digest.update(json.dumps(config, sort_keys=True, default=str).encode())
    for path in sorted(docs):
        digest.update(f"\n{path}\n".encode())
        digest.update(hashlib.sha256(docs[path]).digest())
    return digest.hexdigest()


def prepare_source(
    tree: SourceTree, *, policy: BuildPolicy, default_site_name: str
) -> PreparedSource:
    """Validate the source's ``mkdocs.yml`` and pick its docs folder; DocsConfigError lists
    every problem. A source without ``mkdocs.yml`` gets one naming the entity (as Backstage
    does)."""
    raw: dict[str, Any] = {}
    for name in CONFIG_FILES:
        if name in tree.files:
            raw = _load_config(tree.files[name])
            break
    config, docs_dir = _parse(raw, policy, default_site_name)
    prefix = docs_dir + "/"
    docs: dict[str, bytes] = {}
    for path, data in tree.files.items():
        if not path.startswith(prefix):
            continue
        relative = _inside(path[len(prefix) :])
        if relative is None:
            continue
        docs[relative] = data
    if not any(path.endswith(".md") for path in docs):
        raise DocsConfigError(
            f"the docs folder {docs_dir!r} of {tree.where} has no Markdown pages",
            errors=[FieldError("docs_dir", "empty", f"{docs_dir}/ has no .md files")],
        )
    return PreparedSource(
        config=config,
        docs_dir=docs_dir,
        docs=docs,
        source_hash=_hash(policy, config, docs),
        commit=tree.commit,
    )
