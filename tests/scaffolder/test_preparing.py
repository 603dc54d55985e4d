"""Step preparations: work begun at the task's start, used only for the very input it was
begun with, and always ended with the run."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.scaffolder.test_runner import ListSink, _template

from goldpath.scaffolder import (
    Action,
    ActionContext,
    ActionInput,
    ActionRegistry,
    Preparation,
    run_template,
)


class _Input(ActionInput):
    value: str = ""
    other: str = ""


class _OutInput(ActionInput):
    value: str = ""


class Probe:
    """A preparable action and an action that runs before it, with what they saw."""

    def __init__(self, *, fail_begin: bool = False, wait_in_first: bool = False) -> None:
        self.fail_begin = fail_begin
        self.wait_in_first = wait_in_first
        self.begun: list[dict[str, Any]] = []
        self.entered_on: list[str] = []
        self.exited_on: list[str] = []
        self.began = threading.Event()
        self.seen_by_first: list[bool] = []
        self.results: list[tuple[Any, str]] = []

    @contextmanager
    def _prepared(self, values: Mapping[str, Any]) -> Iterator[str]:
        self.begun.append(dict(values))
        if self.fail_begin:
            raise RuntimeError("the preparation broke")
        self.entered_on.append(threading.current_thread().name)
        self.began.set()
        try:
            yield f"prepared:{values.get('value', '')}"
        finally:
            self.exited_on.append(threading.current_thread().name)

    def registry(self, prepare: bool | Preparation = True) -> ActionRegistry:
        """The actions; ``test:prepared`` with the probe's preparation (True), none
        (False), or the one given."""
        if prepare is True:
            prepare = Preparation(ignores=("other",), begin=self._prepared)

        def first(ctx: ActionContext, params: _OutInput) -> None:
            if self.wait_in_first:  # the later step's preparation runs while this one does
                self.seen_by_first.append(self.began.wait(timeout=10))
            ctx.output("value", params.value)

        def prepared(ctx: ActionContext, params: _Input) -> None:
            got = ctx.prepared()
            self.results.append((got, params.value))
            ctx.output("result", got if got is not None else f"prepared:{params.value}")

        def fail(ctx: ActionContext, params: _OutInput) -> None:
            raise RuntimeError("this step fails")

        return ActionRegistry(
            [
                Action(id="test:first", description="", input=_OutInput, handler=first),
                Action(id="test:fail-step", description="", input=_OutInput, handler=fail),
                Action(
                    id="test:prepared",
                    description="",
                    input=_Input,
                    handler=prepared,
                    prepare=prepare or None,
                ),
            ]
        )


def _run(
    probe: Probe,
    steps: list[dict[str, Any]],
    values: dict[str, Any],
    tmp_path: Path,
    *,
    prepare: bool | Preparation = True,
) -> Any:
    return run_template(
        _template(steps),
        values,
        registry=probe.registry(prepare),
        workspace=tmp_path / "ws",
        task_id="t",
        sink=ListSink(),
    )


def test_a_step_whose_inputs_need_only_parameters_is_prepared_while_earlier_steps_run(
    tmp_path: Path,
) -> None:
    probe = Probe(wait_in_first=True)
    outcome = _run(
        probe,
        [
            {"id": "first", "action": "test:first", "input": {"value": "x"}},
            {"id": "later", "action": "test:prepared",
             "input": {"value": "${{ parameters.name }}",
                       # an input the preparation ignores may read earlier steps
                       "other": "${{ steps.first.output.value }}"}},
        ],
        {"name": "orders"},
        tmp_path,
    )
    assert outcome.status == "completed", outcome.error
    assert probe.seen_by_first == [True]
    assert probe.begun == [{"value": "orders"}]
    assert probe.results == [("prepared:orders", "orders")]
    # entered and left on the preparation's own thread, and left by the run's end
    assert probe.entered_on == ["prepare-later"]
    assert probe.exited_on == ["prepare-later"]


def test_an_input_that_reads_an_earlier_step_is_not_prepared(tmp_path: Path) -> None:
    # "value" is read by the preparation, and an input it does not name (a spelling
    # nobody listed) counts as read: neither may wait for an earlier step
    for later_input in ({"value": "${{ steps.first.output.value }}"},
                        {"value": "x", "spelt_otherwise": "${{ steps.first.output.value }}"}):
        probe = Probe()
        outcome = _run(
            probe,
            [
                {"id": "first", "action": "test:first", "input": {"value": "x"}},
                {"id": "later", "action": "test:prepared", "input": later_input},
            ],
            {},
            tmp_path,
        )
        assert probe.begun == [], later_input
        if "spelt_otherwise" not in later_input:
            assert outcome.status == "completed", outcome.error
            assert probe.results == [(None, "x")]


def test_a_step_with_a_false_or_unknown_condition_is_not_prepared(tmp_path: Path) -> None:
    for condition in ("${{ parameters.go }}", "${{ steps.first.output.value == 'y' }}"):
        probe = Probe()
        _run(
            probe,
            [
                {"id": "first", "action": "test:first", "input": {"value": "y"}},
                {"id": "later", "action": "test:prepared", "if": condition,
                 "input": {"value": "${{ parameters.name }}"}},
            ],
            {"name": "orders", "go": False},
            tmp_path,
        )
        assert probe.begun == [], condition


def test_a_failed_preparation_leaves_the_step_to_do_the_work(tmp_path: Path) -> None:
    probe = Probe(fail_begin=True)
    outcome = _run(
        probe,
        [{"id": "later", "action": "test:prepared", "input": {"value": "${{ parameters.name }}"}}],
        {"name": "orders"},
        tmp_path,
    )
    assert outcome.status == "completed", outcome.error
    assert probe.begun == [{"value": "orders"}]
    assert probe.results == [(None, "orders")]
    assert outcome.steps["later"]["output"] == {"result": "prepared:orders"}


def test_a_run_that_fails_before_the_step_ends_its_preparation(tmp_path: Path) -> None:
    probe = Probe()
    outcome = _run(
        probe,
        [
            {"id": "boom", "action": "test:fail-step"},
            {"id": "later", "action": "test:prepared",
             "input": {"value": "${{ parameters.name }}"}},
        ],
        {"name": "orders"},
        tmp_path,
    )
    assert outcome.status == "failed"
    assert probe.results == []
    assert probe.entered_on == ["prepare-later"]
    assert probe.exited_on == ["prepare-later"]


@settings(max_examples=40, deadline=None)
@given(
    parameter=st.text(alphabet="abc", max_size=3),
    earlier=st.one_of(st.none(), st.text(alphabet="abc", max_size=3)),
)
def test_a_prepared_step_ends_as_an_unprepared_one_would(
    tmp_path_factory: Any, parameter: str, earlier: str | None
) -> None:
    """The invariant: a step's result never depends on whether it was prepared. Its input
    renders to the parameter before the run and to the earlier step's output (when there
    is one) at its turn, so the preparation is used exactly when the two agree."""
    tmp_path = tmp_path_factory.mktemp("prep")
    first_input = {"value": earlier} if earlier is not None else {}
    value = "${{ steps.first.output.value or parameters.p if 'first' in steps else parameters.p }}"
    steps = [
        {"id": "first", "action": "test:first", "input": first_input},
        {"id": "later", "action": "test:prepared", "input": {"value": value}},
    ]
    results = []
    for prepare in (True, False):
        probe = Probe()
        outcome = _run(probe, steps, {"p": parameter}, tmp_path, prepare=prepare)
        assert outcome.status == "completed", outcome.error
        results.append(outcome.steps["later"]["output"])
        if prepare:
            expected = earlier or parameter
            used = probe.results[0][0] is not None
            assert probe.begun == [{"value": parameter}]
            assert used == (expected == parameter)
            assert probe.exited_on == ["prepare-later"]
    assert results[0] == results[1]


def test_a_preparation_that_fails_to_end_is_logged_and_the_run_still_ends(
    tmp_path: Path, caplog: Any
) -> None:
    probe = Probe()

    @contextmanager
    def breaks_on_exit(values: Mapping[str, Any]) -> Iterator[str]:
        yield "prepared"
        raise RuntimeError("could not stop the tools")

    with caplog.at_level("WARNING", logger="goldpath.scaffolder._preparing"):
        outcome = _run(
            probe,
            [{"id": "later", "action": "test:prepared",
              "input": {"value": "${{ parameters.name }}"}}],
            {"name": "orders"},
            tmp_path,
            prepare=Preparation(ignores=(), begin=breaks_on_exit),
        )
    assert outcome.status == "completed", outcome.error
    assert probe.results == [("prepared", "orders")]
    assert "could not be ended cleanly" in caplog.text
