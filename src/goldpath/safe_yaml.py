"""The one loader for YAML that comes from users: safe tags, bounded size and alias expansion.

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
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, SequenceNode

from goldpath.errors import BadRequestError, FieldError

__all__ = [
    "MAX_ALIAS_EXPANSION",
    "MAX_YAML_BYTES",
    "YamlError",
    "load_yaml",
    "load_yaml_all",
]

MAX_YAML_BYTES = 8 * 1024 * 1024
MAX_ALIAS_EXPANSION = 100_000

# libyaml is much faster on big catalogs; the pure-Python loader is the same safe subset
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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
