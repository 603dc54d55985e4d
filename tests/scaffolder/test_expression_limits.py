"""Bounded expressions (issue 11): no value grows past the limits, no render runs forever,
and bombs never stall the server."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from tests.scaffolder.conftest import drain, write_template

from goldpath.config import Settings
from goldpath.runtime import Runtime
from goldpath.scaffolder import ExpressionLimits, expression_limits, render_value
from goldpath.scaffolder._expressions import _measure
from goldpath.scaffolder.errors import ExpressionError, ExpressionLimitError
from goldpath.web import create_app

BOMBS = [
    "${{ (9 ** (9 ** 8)) % 7 }}",
    "${{ 'a' * 50000000 }}",
    "before ${{ 'a' * 50000000 }} after",
    "${{ [1, 2] * 50000000 }}",
    "${{ 'x'.ljust(1000000000) }}",
    "${{ 'x' | center(1000000000) }}",
    "${{ '{:>999999999}'.format(1) }}",
    "${{ '%999999999d' % 1 }}",
    "${{ '%s' | format('a') | indent(100000000) }}",
    "${{ [1] | batch(1000000000, 0) | list }}",
    "${{ [1] | slice(100000000) | list }}",
    "${{ ('x' * 100000).replace('x', 'y' * 1000) }}",
    "${{ range(100000) | map('string') | map('center', 100000) | join }}",
    "${{ ('x' * 999999).join(range(100000) | map('string')) }}",
    "{% set s = 'a' * 900000 %}${{ [s, s, s, s] | string }}",
    "{% set ns = namespace(x='ab') %}{% for i in range(60) %}"
    "{% set ns.x = ns.x ~ ns.x %}{% endfor %}${{ ns.x | length }}",
    "{% macro f(n) %}${{ f(n) }}{% endmacro %}${{ f(1) }}",
]
SLOW_BOMBS = [
    "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
    "{% macro f(n) %}{% if n %}${{ f(n-1) }}${{ f(n-1) }}{% endif %}{% endmacro %}${{ f(60) }}",
]
QUICK = ExpressionLimits(seconds=0.3)


@pytest.mark.parametrize("bomb", BOMBS)
def test_a_bomb_is_refused_naming_the_expression(bomb: str) -> None:
    with pytest.raises(ExpressionLimitError) as caught:
        render_value({"message": bomb}, {"parameters": {}}, where="steps.log.input")
    (problem,) = caught.value.errors
    assert problem.field == "steps.log.input.message"
    assert problem.rule == "limit"


@pytest.mark.parametrize("bomb", SLOW_BOMBS)
def test_a_render_that_runs_too_long_is_stopped(bomb: str) -> None:
    with expression_limits(QUICK), pytest.raises(ExpressionLimitError, match="longer than"):
        render_value(bomb, {})


def test_arithmetic_errors_are_expression_errors_not_crashes() -> None:
    for expression in ("${{ 1 / 0 }}", "${{ 10.0 ** 1000 }}"):
        with pytest.raises(ExpressionError, match="Error"):
            render_value(expression, {})


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("${{ 'ab' * 3 }}", "ababab"),
        ("${{ 2 ** 100 }}", 2**100),
        ("${{ range(5) | join(',') }}", "0,1,2,3,4"),
        ("${{ '{:>5}'.format('x') }}", "    x"),
        ("${{ '%05d' % 42 }}", "00042"),
        ("${{ 'a-b' | replace('-', '_') }}", "a_b"),
        (
            "{% set ns = namespace(n=0) %}{% for i in range(1000) %}"
            "{% set ns.n = ns.n + i %}{% endfor %}${{ ns.n }}",
            "499500",
        ),
        ("${{ parameters.names | map('upper') | list }}", ["A", "B"]),
    ],
)
def test_ordinary_expressions_still_render(template: str, expected: Any) -> None:
    assert render_value(template, {"parameters": {"names": ["a", "b"]}}) == expected


SMALL = ExpressionLimits(max_size=5_000, max_int_bits=512, max_work=50_000, seconds=5.0)
operands = st.one_of(st.integers(-50, 50), st.text("ab", max_size=5), st.just("[1, 2]"))
operators = st.sampled_from(["*", "**", "+", "~"])


def _literal(value: object) -> str:
    return repr(value) if not isinstance(value, str) or value == "[1, 2]" else repr(value)


@given(st.tuples(operands, st.lists(st.tuples(operators, operands), min_size=1, max_size=6)))
def test_no_value_outgrows_the_limits(chain: tuple[object, list[tuple[str, object]]]) -> None:
    first, rest = chain
    expression = _literal(first) if first != "[1, 2]" else "[1, 2]"
    for operator, operand in rest:
        right = "[1, 2]" if operand == "[1, 2]" else _literal(operand)
        expression = f"({expression}) {operator} ({right})"
    with expression_limits(SMALL):
        try:
            value = render_value("${{ " + expression + " }}", {})
        except ExpressionError:
            return  # refused (a limit), or not a valid operation (a type error)
        _measure(value, SMALL)  # raises if the value is past the limits


@pytest.fixture
def portal(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


def _bomb_template(expression: str) -> dict[str, Any]:
    return {
        "apiVersion": "scaffolder.backstage.io/v1beta3",
        "kind": "Template",
        "metadata": {"name": "bomb"},
        "spec": {
            "parameters": [],
            "steps": [{"id": "log", "action": "debug:log", "input": {"message": expression}}],
        },
    }


def test_a_dry_run_bomb_is_a_400_naming_the_expression(portal: TestClient) -> None:
    answer = portal.post(
        "/api/scaffolder/v2/dry-run",
        json={"template": _bomb_template("${{ 'a' * 50000000 }}"), "values": {}},
    )
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert error["name"] == "ExpressionLimitError"
    assert error["errors"][0]["field"] == "steps.log.input.message"


def test_a_task_with_a_bomb_fails_naming_the_expression(
    runtime: Runtime, templates_dir: Path
) -> None:
    path = write_template(
        templates_dir,
        name="bomb",
        steps=[{"id": "log", "action": "debug:log", "input": {"message": BOMBS[0]}}],
    )
    runtime.catalog.add_location("file", str(path))
    task_id = runtime.task_creator.create("template:default/bomb", {"name": "x"})
    drain(runtime.task_executor)
    task = runtime.task_store.get(task_id)
    assert task.status == "failed" and task.error is not None
    assert task.error.name == "ExpressionLimitError"
    assert "steps.log.input.message" in task.error.message


def test_the_server_answers_while_ten_bombs_are_refused(portal: TestClient) -> None:
    # each bomb runs until the render's clock stops it (seconds), in the thread pool:
    # health checks and catalog reads must be answered meanwhile, not after
    bomb = _bomb_template(SLOW_BOMBS[0])
    statuses: list[int] = []
    running = threading.Semaphore(0)

    def throw() -> None:
        running.release()
        answer = portal.post("/api/scaffolder/v2/dry-run", json={"template": bomb, "values": {}})
        statuses.append(answer.status_code)

    threads = [threading.Thread(target=throw) for _ in range(10)]
    for thread in threads:
        thread.start()
    for _ in threads:
        running.acquire(timeout=30)
    answered_during: list[tuple[int, int]] = []
    for _ in range(3):
        health = portal.get("/healthz")
        entities = portal.get("/api/catalog/entities/by-query", params={"limit": 5})
        if any(thread.is_alive() for thread in threads):
            answered_during.append((health.status_code, entities.status_code))
    for thread in threads:
        thread.join(timeout=120)
    assert statuses == [400] * 10
    assert answered_during, "the bombs were over before the server was asked anything"
    assert all(pair == (200, 200) for pair in answered_during)
