"""A small relations picture: the entity in the middle, related entities in two columns.

Pure layout (numbers in, numbers out); the template draws it as inline SVG. Entities the
entity points "up" to (owner, system, parent, dependencies, consumed APIs) go right;
everything pointing back at it goes left. Columns never overlap by construction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from goldpath.web.pages._views import RelationGroup

__all__ = ["Graph", "GraphEdge", "GraphNode", "relation_graph"]

WIDTH = 760
NODE_WIDTH = 180
NODE_HEIGHT = 44
ROW_GAP = 14
PADDING = 16
MAX_PER_COLUMN = 7
_LABEL_CHARS = 22
_RIGHT_TYPES = frozenset(
    {"ownedBy", "partOf", "childOf", "memberOf", "dependsOn", "consumesApi", "providesApi"}
)


@dataclass(frozen=True, slots=True)
class GraphNode:
    """A box: position, size, label, kind and where it links to."""

    x: float
    y: float
    width: float
    height: float
    label: str
    kind: str
    href: str | None
    center: bool = False


@dataclass(frozen=True, slots=True)
class GraphEdge:
    """A curve from the centre box to a related box, labelled with the relation(s)."""

    path: str
    label: str
    label_x: float
    label_y: float
    anchor: str


@dataclass(frozen=True, slots=True)
class Graph:
    """Everything the SVG needs."""

    width: int
    height: int
    nodes: tuple[GraphNode, ...]
    edges: tuple[GraphEdge, ...]

    @property
    def empty(self) -> bool:
        """True when the entity has no relations to draw."""
        return len(self.nodes) <= 1


def _short(text: str) -> str:
    return text if len(text) <= _LABEL_CHARS else text[: _LABEL_CHARS - 1] + "…"


@dataclass
class _Target:
    label: str
    kind: str
    href: str | None
    types: list[str]


def _column(groups: Sequence[RelationGroup], right: bool) -> list[_Target]:
    targets: dict[str, _Target] = {}
    for group in groups:
        if (group.type in _RIGHT_TYPES) != right:
            continue
        for link in group.links:
            target = targets.setdefault(link.ref, _Target(link.label, link.kind, link.href, []))
            target.types.append(group.type)
    return list(targets.values())


def _fair_share(column: list[_Target], slots: int) -> list[_Target]:
    """Keep ``slots`` targets, taking one of each relation type in turn, in column order.

    A group owning many things still shows its members and its parent.
    """
    by_type: dict[str, list[int]] = {}
    for index, target in enumerate(column):
        by_type.setdefault(target.types[0], []).append(index)
    kept: set[int] = set()
    queues = list(by_type.values())
    while len(kept) < slots and any(queues):
        for queue in queues:
            if queue and len(kept) < slots:
                kept.add(queue.pop(0))
    return [target for index, target in enumerate(column) if index in kept]


def _column_height(count: int) -> float:
    return count * NODE_HEIGHT + max(count - 1, 0) * ROW_GAP


def relation_graph(center_label: str, center_kind: str, groups: Sequence[RelationGroup]) -> Graph:
    """Lay out the entity and its related entities (at most 7 per side, then "+N more")."""
    columns = [_column(groups, right=False), _column(groups, right=True)]
    shown: list[list[_Target]] = []
    for column in columns:
        if len(column) > MAX_PER_COLUMN:
            rest = len(column) - (MAX_PER_COLUMN - 1)
            column = _fair_share(column, MAX_PER_COLUMN - 1)
            column.append(_Target(f"+{rest} more", "", None, []))
        shown.append(column)
    rows = max(1, *(len(c) for c in shown))
    height = int(_column_height(rows) + 2 * PADDING)
    cx = (WIDTH - NODE_WIDTH) / 2
    cy = (height - NODE_HEIGHT) / 2
    nodes = [
        GraphNode(cx, cy, NODE_WIDTH, NODE_HEIGHT, _short(center_label), center_kind, None, True)
    ]
    edges: list[GraphEdge] = []
    for side, column in enumerate(shown):
        x = PADDING if side == 0 else WIDTH - PADDING - NODE_WIDTH
        top = (height - _column_height(len(column))) / 2
        for index, target in enumerate(column):
            y = top + index * (NODE_HEIGHT + ROW_GAP)
            nodes.append(
                GraphNode(
                    x, y, NODE_WIDTH, NODE_HEIGHT, _short(target.label), target.kind, target.href
                )
            )
            if not target.types:
                continue
            mid_y = y + NODE_HEIGHT / 2
            start_x = cx if side == 0 else cx + NODE_WIDTH
            end_x = x + NODE_WIDTH if side == 0 else x
            bend = (start_x + end_x) / 2
            start_y = cy + NODE_HEIGHT / 2
            edges.append(
                GraphEdge(
                    path=(
                        f"M{start_x:.1f},{start_y:.1f} C{bend:.1f},{start_y:.1f} "
                        f"{bend:.1f},{mid_y:.1f} {end_x:.1f},{mid_y:.1f}"
                    ),
                    label=", ".join(dict.fromkeys(target.types)),
                    label_x=end_x + (6 if side == 0 else -6),
                    label_y=mid_y - 5,
                    anchor="start" if side == 0 else "end",
                )
            )
    return Graph(width=WIDTH, height=height, nodes=tuple(nodes), edges=tuple(edges))
