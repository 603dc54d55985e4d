"""``cost --group-by``: what AWS actually billed, grouped by a cost-allocation tag.

Every AWS resource carries ``app``, ``owner``, ``cost-center`` and ``managed-by``: the
platform's through Terraform's ``default_tags``, each app's (ECR repository, secret) from
its Create. Cost Explorer groups the bill by one of them; spend on resources without the
tag is reported as ``(untagged)``. The tags must be activated as cost-allocation tags in
the Billing console once; AWS applies them from then on, not retroactively.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal, get_args

from goldpath.errors import FieldError, InvalidInputError
from goldpath.providers._aws import aws_client, aws_errors

__all__ = [
    "COST_TAGS",
    "UNTAGGED",
    "CostTag",
    "TagCost",
    "TagCostReport",
    "cost_by_tag",
    "tag_cost_report",
]

CostTag = Literal["app", "owner", "cost-center"]
COST_TAGS: tuple[str, ...] = get_args(CostTag)
UNTAGGED = "(untagged)"
# Cost Explorer has one endpoint, in us-east-1, whatever region the resources are in.
_CE_REGION = "us-east-1"
_METRIC = "UnblendedCost"
_MAX_PAGES = 100


@dataclass(frozen=True, slots=True)
class TagCost:
    """The spend of one tag value over the period."""

    value: str
    usd: float

    def as_dict(self) -> dict[str, Any]:
        """A JSON-friendly form."""
        return {"value": self.value, "usd": round(self.usd, 2)}


@dataclass(frozen=True, slots=True)
class TagCostReport:
    """Spend over ``[start, end)`` grouped by one tag, largest first."""

    tag: str
    start: date
    end: date
    groups: tuple[TagCost, ...]

    @property
    def total_usd(self) -> float:
        """The sum over every group."""
        return sum(g.usd for g in self.groups)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-friendly form of the report."""
        return {
            "tag": self.tag,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "metric": _METRIC,
            "total_usd": round(self.total_usd, 2),
            "groups": [g.as_dict() for g in self.groups],
        }


def _check(tag: str, start: date, end: date) -> None:
    problems: list[FieldError] = []
    if tag not in COST_TAGS:
        problems.append(FieldError("group_by", "enum", f"must be one of {', '.join(COST_TAGS)}"))
    if end <= start:
        problems.append(FieldError("end", "after-start", "must be later than start"))
    if problems:
        raise InvalidInputError("cannot group the bill as asked", errors=problems)


def _tag_value(key: str, tag: str) -> str:
    # Cost Explorer names a group "<tag>$<value>"; "<tag>$" is spend without the tag.
    value = key.split("$", 1)[1] if key.startswith(f"{tag}$") else key
    return value or UNTAGGED


def tag_cost_report(
    pages: list[Mapping[str, Any]], *, tag: str, start: date, end: date
) -> TagCostReport:
    """Fold Cost Explorer ``GetCostAndUsage`` responses into one report (pure)."""
    totals: dict[str, float] = {}
    for page in pages:
        for period in page.get("ResultsByTime") or []:
            for group in period.get("Groups") or []:
                keys = group.get("Keys") or [""]
                amount = ((group.get("Metrics") or {}).get(_METRIC) or {}).get("Amount", "0")
                value = _tag_value(str(keys[0]), tag)
                totals[value] = totals.get(value, 0.0) + float(amount)
    groups = sorted((TagCost(v, usd) for v, usd in totals.items()),
                    key=lambda g: (-g.usd, g.value))
    return TagCostReport(tag=tag, start=start, end=end, groups=tuple(groups))


def cost_by_tag(
    tag: str, *, start: date, end: date, endpoint_url: str | None = None
) -> TagCostReport:
    """The unblended cost over ``[start, end)`` grouped by ``tag`` (Cost Explorer)."""
    _check(tag, start, end)
    ce = aws_client("ce", region=_CE_REGION, endpoint_url=endpoint_url)
    request: dict[str, Any] = {
        "TimePeriod": {"Start": start.isoformat(), "End": end.isoformat()},
        "Granularity": "MONTHLY",
        "Metrics": [_METRIC],
        "GroupBy": [{"Type": "TAG", "Key": tag}],
    }
    pages: list[Mapping[str, Any]] = []
    for _ in range(_MAX_PAGES):
        with aws_errors("ce:GetCostAndUsage", tag=tag):
            page = ce.get_cost_and_usage(**request)
        pages.append(page)
        token = page.get("NextPageToken")
        if not token:
            break
        request["NextPageToken"] = token
    return tag_cost_report(pages, tag=tag, start=start, end=end)
