"""Work a step begins at the task's start, while the steps before it run.

A step's action may say which of its inputs some of its work does not read
(`Preparation`): when all the others depend on nothing but the parameters, that work can
begin before the step's turn. ``gitops:publish`` renders and validates the GitOps tree
from the app's name, owner and port (not from the answers file an earlier step makes);
its validators run for about a tenth of a second, and before this they started only
after ``fetch:template`` and ``publish:gitlab`` had finished.

A preparation has no effect anyone can see: it works in scratch folders and processes
of its own, and its result is used only by the step it was begun for, and only when
that step's rendered input still has the very values it was begun with (a value an
earlier step's output could have changed is never one of them). A preparation that
fails is forgotten, and the step does the work itself and reports its own error. When
the run ends, however it ends, every preparation is closed: tools stopped, scratch
removed. Each preparation enters and leaves its context on one thread of its own.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from typing import Any

from goldpath.errors import GoldpathError
from goldpath.scaffolder._actions import ActionRegistry, Preparation
from goldpath.scaffolder._expressions import render_value, truthy
from goldpath.scaffolder._template import Template

__all__ = ["StepPreparations"]

log = logging.getLogger(__name__)


class _Prepared:
    """One preparation under way on its thread, from entering its context to leaving it."""

    def __init__(self, step_id: str, values: dict[str, Any], preparation: Preparation) -> None:
        self.values = values
        self._begin = preparation.begin
        self._entered = threading.Event()
        self._release = threading.Event()
        self._value: Any = None
        self._failed = False
        self._thread = threading.Thread(
            target=self._run, name=f"prepare-{step_id}", daemon=True
        )
        self._thread.start()

    def _run(self) -> None:
        try:
            with ExitStack() as stack:
                try:
                    self._value = stack.enter_context(self._begin(self.values))
                except Exception:  # the step does the work itself and reports what went wrong
                    self._failed = True
                    log.debug("a preparation failed; its step works without it", exc_info=True)
                finally:
                    self._entered.set()
                self._release.wait()
        except Exception:  # leaving it failed: nothing waits for this thread's outcome
            log.warning("a step's preparation could not be ended cleanly", exc_info=True)

    def result(self) -> Any:
        """The context's value once entered, or None when beginning it failed."""
        self._entered.wait()
        return None if self._failed else self._value

    def close(self) -> None:
        """Leave the context (on its own thread) and wait until it has been left."""
        self._release.set()
        self._thread.join()


class StepPreparations:
    """The preparations one run began, by step id; `close` ends them all."""

    def __init__(self) -> None:
        self._by_step: dict[str, _Prepared] = {}

    @classmethod
    def begin(
        cls, template: Template, context: Mapping[str, Any], registry: ActionRegistry
    ) -> StepPreparations:
        """Begin every step's preparation whose inputs and condition are known already.

        ``context`` is the run's expression context before any step has run: an input
        or ``if`` that reads an earlier step's output fails to render here, and that
        step is not prepared. Steps with ``each`` are not prepared either.
        """
        preparations = cls()
        for step in template.steps:
            if step.each is not None or step.action not in registry:
                continue
            preparation = registry.get(step.action).prepare
            if preparation is None:
                continue
            try:
                if step.if_ is not None and not truthy(
                    render_value(step.if_, context, where=f"steps.{step.id}.if")
                ):
                    continue
                values = {
                    name: render_value(raw, context, where=f"steps.{step.id}.input.{name}")
                    for name, raw in step.input.items()
                    if name not in preparation.ignores
                }
            except GoldpathError:
                continue  # reads what earlier steps make: the step works when its turn comes
            preparations._by_step[step.id] = _Prepared(step.id, values, preparation)
        return preparations

    def prepared_for(
        self, step_id: str, rendered: Mapping[str, Any], preparation: Preparation | None
    ) -> Callable[[], Any]:
        """What ``ctx.prepared()`` returns for this step with this rendered input: the
        preparation's value when it was begun with exactly these values, else None."""
        prepared = self._by_step.get(step_id)
        if prepared is None or preparation is None:
            return _nothing
        values = {name: value for name, value in rendered.items()
                  if name not in preparation.ignores}
        if values != prepared.values:
            return _nothing
        return prepared.result

    def close(self) -> None:
        """End every preparation (tools stopped, scratch removed)."""
        for prepared in self._by_step.values():
            prepared.close()
        self._by_step.clear()

    def __len__(self) -> int:
        return len(self._by_step)


def _nothing() -> None:
    return None
