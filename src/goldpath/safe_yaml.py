"""The one loader for YAML that comes from users: safe tags, bounded size and alias expansion;
and the dumper goldpath writes its own YAML with.

Catalog files, ``$yaml`` placeholders, template files, values files and goldpath.yaml
all go through here. Three limits hold on every document:

- the text may be at most ``max_bytes`` long (a caller passes its own, smaller cap);
- aliases may add at most ``MAX_ALIAS_EXPANSION`` nodes beyond the ones written out:
  a "billion laughs" file of a few hundred bytes that would expand to 10**9 nodes is
  refused before anything is built from it, while ordinary anchors (a shared block
  merged in a few places) load as usual;
- an alias may not refer to the node that contains it (a recursive document).

Nesting depth is bounded by libyaml itself (1000 levels), and the tags are the safe
subset: plain data, never Python objects.

`Dumper` is PyYAML's safe dumper (libyaml's emitter when present) with the same output,
except that it also quotes the text Go's YAML readers take for a boolean or a number
(`GO_YAML_NON_TEXT`), made cheaper for plain data: every GitOps manifest goldpath renders
goes through it, and PyYAML's generic representer and tag resolution were most of a
render's time.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from goldpath.errors import BadRequestError, FieldError

__all__ = [
    "MAX_ALIAS_EXPANSION",
    "MAX_YAML_BYTES",
    "GO_YAML_NON_TEXT",
    "Dumper",
    "YamlError",
    "load_yaml",
    "load_yaml_all",
    "written_items",
]

MAX_YAML_BYTES = 8 * 1024 * 1024
MAX_ALIAS_EXPANSION = 100_000

# libyaml is much faster on big catalogs; the pure-Python loader is the same safe subset
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_SafeDumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

_STR, _INT, _BOOL, _NULL, _MAP, _SEQ = (
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "bool", "null", "map", "seq")
)
_RESOLVED_LIMIT = 65536


class Dumper(_SafeDumper):  # type: ignore[misc]  # PyYAML's classes are untyped
    """The safe dumper, byte for byte (quoting `GO_YAML_NON_TEXT` too), with two shortcuts
    that do not change a byte:

    - ``str``, ``int``, ``bool``, None, ``dict`` and ``list`` (exactly those types) become
      the nodes SafeRepresenter would make without its generic dispatch; anything else
      (floats, tuples, subclasses) goes the usual way. A dict or list met twice in one
      document is still one node, written once with an anchor, as PyYAML does;
    - the tag a scalar would resolve to is remembered by its text: the emitter asks it
      twice for every scalar, and a tree of manifests repeats the same few hundred
      strings. The answer depends on the text alone, since the safe dumper has no
      path resolvers.
    """

    _resolved: dict[tuple[str, tuple[bool, bool]], str] = {}

    def represent_data(self, data: Any) -> Any:
        kind = type(data)
        if kind is str:
            return ScalarNode(_STR, data, style=self.default_style)
        if kind is bool:
            return ScalarNode(_BOOL, "true" if data else "false", style=self.default_style)
        if kind is int:
            return ScalarNode(_INT, str(data), style=self.default_style)
        if data is None:
            return ScalarNode(_NULL, "null", style=self.default_style)
        if kind is dict or kind is list:
            seen = self.represented_objects.get(id(data))
            if seen is not None:
                return seen
            self.object_keeper.append(data)
            return self._mapping(data) if kind is dict else self._sequence(data)
        return super().represent_data(data)

    def _mapping(self, data: dict[Any, Any]) -> MappingNode:
        pairs: list[tuple[Any, Any]] = []
        node = MappingNode(_MAP, pairs, flow_style=self.default_flow_style)
        self.represented_objects[id(data)] = node
        best_style = True
        for key, value in written_items(data, sort_keys=self.sort_keys):
            key_node, value_node = self.represent_data(key), self.represent_data(value)
            best_style = best_style and _plain(key_node) and _plain(value_node)
            pairs.append((key_node, value_node))
        if self.default_flow_style is None:
            node.flow_style = best_style
        return node

    def _sequence(self, data: list[Any]) -> SequenceNode:
        items: list[Any] = []
        node = SequenceNode(_SEQ, items, flow_style=self.default_flow_style)
        self.represented_objects[id(data)] = node
        best_style = True
        for item in data:
            item_node = self.represent_data(item)
            best_style = best_style and _plain(item_node)
            items.append(item_node)
        if self.default_flow_style is None:
            node.flow_style = best_style
        return node

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is not ScalarNode or self.yaml_path_resolvers:
            return super().resolve(kind, value, implicit)
        key = (value, implicit)
        tag = self._resolved.get(key)
        if tag is None:
            tag = super().resolve(kind, value, implicit)
            if len(self._resolved) >= _RESOLVED_LIMIT:
                self._resolved.clear()
            self._resolved[key] = tag
        return tag


def written_items(mapping: dict[Any, Any], *, sort_keys: bool) -> list[tuple[Any, Any]]:
    """A mapping's items in the order `Dumper` writes them (and loading gives them back):
    sorted when ``sort_keys`` and the keys can be compared, as they come otherwise."""
    items = list(mapping.items())
    if sort_keys:
        with contextlib.suppress(TypeError):  # keys of mixed types keep their order
            items = sorted(items)
    return items


def _plain(node: Any) -> bool:
    return isinstance(node, ScalarNode) and not node.style


GO_YAML_NON_TEXT: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("tag:yaml.org,2002:bool", re.compile(r"^(?:y|Y|n|N)$"), "yYnN"),
    (
        "tag:yaml.org,2002:float",
        re.compile(r"^[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
        "-+0123456789",
    ),
)
"""Plain text that Go's YAML readers (kubectl, kustomize and Argo CD, through
sigs.k8s.io/yaml) take for something else, where PyYAML reads text: ``y``/``n`` are
booleans to them, ``1e3`` a number. `Dumper` quotes such text, so an app named ``y``
does not become ``name: true`` in a kustomization (found by a property test)."""

for _tag, _pattern, _first in GO_YAML_NON_TEXT:
    Dumper.add_implicit_resolver(_tag, _pattern, list(_first))


class YamlError(BadRequestError):
    """A YAML text is malformed, too big, or expands past the alias limit."""

    def __init__(self, message: str, /, *, where: str, rule: str, line: int | None = None) -> None:
        at = f" at line {line}" if line is not None else ""
        super().__init__(
            f"{where}: {message}{at}",
            errors=[FieldError(where, rule, message + at)],
            where=where,
            line=line,
        )


def _check_expansion(root: Node, where: str, limit: int) -> None:
    """Refuse a node graph whose aliases expand it by more than ``limit`` nodes."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()

    def size(node: Node) -> int:
        key = id(node)
        known = sizes.get(key)
        if known is not None:
            return known
        if key in open_nodes:
            raise YamlError(
                "an alias refers to the node that contains it",
                where=where,
                rule="recursive-alias",
                line=node.start_mark.line + 1 if node.start_mark else None,
            )
        open_nodes.add(key)
        total = 1
        if isinstance(node, SequenceNode):
            total += sum(size(child) for child in node.value)
        elif isinstance(node, MappingNode):
            total += sum(size(k) + size(v) for k, v in node.value)
        open_nodes.discard(key)
        sizes[key] = total
        return total

    expanded = size(root)  # sizes are integers: even 10**100 costs nothing to add up
    written = len(sizes)
    if expanded - written > limit:
        raise YamlError(
            f"aliases expand the document by {expanded - written} nodes; "
            f"at most {limit} are allowed",
            where=where,
            rule="alias-expansion",
        )


def _documents(
    data: bytes | str, where: str, max_bytes: int, max_expansion: int
) -> Iterator[Any]:
    if len(data) > max_bytes:
        raise YamlError(
            f"is {len(data)} bytes; at most {max_bytes} are allowed", where=where, rule="size"
        )
    anchored = "&" in data if isinstance(data, str) else b"&" in data
    loader = _Loader(data)
    try:
        while loader.check_node():
            node = loader.get_node()
            if anchored:  # with no anchor there is no alias, so nothing can expand
                _check_expansion(node, where, max_expansion)
            yield loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise YamlError(
            f"YAML is not valid: {problem}",
            where=where,
            rule="yaml",
            line=mark.line + 1 if mark is not None else None,
        ) from None
    except RecursionError:
        raise YamlError("YAML is nested too deeply", where=where, rule="depth") from None
    finally:
        loader.dispose()


def load_yaml_all(
    data: bytes | str,
    *,
    where: str = "document",
    max_bytes: int = MAX_YAML_BYTES,
    max_expansion: int = MAX_ALIAS_EXPANSION,
) -> list[Any]:
    """Every non-empty document of a YAML stream; YamlError names ``where`` and the rule."""
    return [
        doc for doc in _documents(data, where, max_bytes, max_expansion) if doc is not None
    ]


def load_yaml(
    data: bytes | str,
    *,
    where: str = "document",
    max_bytes: int = MAX_YAML_BYTES,
    max_expansion: int = MAX_ALIAS_EXPANSION,
) -> Any:
    """The single document of a YAML text (None when empty); more than one is an error."""
    documents = list(_documents(data, where, max_bytes, max_expansion))
    if len(documents) > 1:
        raise YamlError(
            f"holds {len(documents)} YAML documents where one is expected",
            where=where,
            rule="single-document",
        )
    return documents[0] if documents else None
