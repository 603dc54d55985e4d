"""cost --group-by: the bill from Cost Explorer (a moto server) grouped by a cost tag."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from goldpath.cli import app
from goldpath.errors import InvalidInputError
from goldpath.gitops import aws_cost_tags
from goldpath.platform import COST_TAGS, cost_by_tag, load_hcl, tag_cost_report

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2] / "infra/terraform/envs/poc"
START, END = date(2026, 11, 1), date(2026, 12, 1)


def _group(key: str, amount: str) -> dict[str, Any]:
    return {"Keys": [key], "Metrics": {"UnblendedCost": {"Amount": amount, "Unit": "USD"}}}


def _page(groups: list[dict[str, Any]], token: str | None = None) -> dict[str, Any]:
    page: dict[str, Any] = {
        "ResultsByTime": [{
            "TimePeriod": {"Start": START.isoformat(), "End": END.isoformat()},
            "Total": {}, "Groups": groups, "Estimated": False,
        }],
        "DimensionValueAttributes": [],
    }
    if token:
        page["NextPageToken"] = token
    return page


def _queue(endpoint: str, *pages: dict[str, Any]) -> None:
    httpx.post(f"{endpoint}/moto-api/static/ce/cost-and-usage-results",
               json={"results": list(pages)}, timeout=10).raise_for_status()


def test_groups_the_bill_by_app_with_untagged_spend(aws: str) -> None:
    _queue(aws, _page([_group("app$payments", "12.50"), _group("app$goldpath", "230.10"),
                       _group("app$", "3.40")]))
    report = cost_by_tag("app", start=START, end=END, endpoint_url=aws)
    assert [(g.value, round(g.usd, 2)) for g in report.groups] == [
        ("goldpath", 230.10), ("payments", 12.50), ("(untagged)", 3.40)]
    assert round(report.total_usd, 2) == 246.00


def test_follows_every_page(aws: str) -> None:
    _queue(aws, _page([_group("owner$team-a", "1.00")], token="next"),
           _page([_group("owner$team-a", "2.00"), _group("owner$team-b", "5.00")]))
    report = cost_by_tag("owner", start=START, end=END, endpoint_url=aws)
    assert {g.value: g.usd for g in report.groups} == {"team-a": 3.0, "team-b": 5.0}


@pytest.mark.parametrize(("tag", "start", "end", "field"), [
    ("Owner", START, END, "group_by"),
    ("app", END, START, "end"),
])
def test_bad_requests_name_the_field_and_call_nothing(
    tag: str, start: date, end: date, field: str
) -> None:
    with pytest.raises(InvalidInputError) as caught:
        cost_by_tag(tag, start=start, end=end, endpoint_url="http://127.0.0.1:9")
    assert [e.field for e in caught.value.errors] == [field]


@given(st.lists(st.tuples(st.sampled_from(["app$a", "app$b", "app$", "app$c-1"]),
                          st.decimals(min_value=0, max_value=10_000, places=2)), max_size=20))
def test_report_total_is_the_sum_of_every_group(rows: list[tuple[str, Any]]) -> None:
    pages = [_page([_group(key, str(amount)) for key, amount in rows])]
    report = tag_cost_report(pages, tag="app", start=START, end=END)
    assert abs(report.total_usd - float(sum(a for _, a in rows))) < 1e-6
    assert len({g.value for g in report.groups}) == len(report.groups)
    assert all(g.value for g in report.groups)


def test_the_cli_prints_the_bill_by_cost_center(aws: str, monkeypatch: pytest.MonkeyPatch,
                                                 tmp_path: Path) -> None:
    monkeypatch.setenv("GOLDPATH_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("GOLDPATH_PLATFORM__AWS_ENDPOINT_URL", aws)
    _queue(aws, _page([_group("cost-center$cc-42", "9.99")]))
    result = runner.invoke(app, ["platform", "cost", "--group-by", "cost-center",
                                 "--start", "2026-11-01", "--end", "2026-12-01", "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["groups"] == [{"value": "cc-42", "usd": 9.99}]


def test_the_cli_wants_exactly_one_mode() -> None:
    result = runner.invoke(app, ["platform", "cost"])
    assert result.exit_code != 0
    assert "--group-by" in result.output


def test_terraform_and_goldpath_tag_with_the_same_keys() -> None:
    providers = load_hcl(ROOT / "providers.tf")
    tags = {k: v for block in providers["locals"] for k, v in block.items()}["tags"]
    terraform = set(re.findall(r"[{,] *([A-Za-z-]+) *=", str(tags)))
    goldpath = set(aws_cost_tags(app="a", owner="o", cost_center="c"))
    assert set(COST_TAGS) <= goldpath <= terraform
