"""Under `make test`, only a missing ../shared may skip; a missing tool fails the run."""

from __future__ import annotations

from pathlib import Path

from tests.support.strict_skips import strict_skip_failure

SHARED = Path("/work/shared")


def test_missing_tool_skip_becomes_a_failure_naming_the_reason() -> None:
    failure = strict_skip_failure("gitlab-ci-local is not installed", shared_dir=SHARED)
    assert failure is not None
    assert "gitlab-ci-local is not installed" in failure


def test_missing_shared_folder_may_still_skip() -> None:
    reason = "upstream CRD schemas not found at /work/shared/schemas/crds"
    assert strict_skip_failure(reason, shared_dir=SHARED) is None
    assert strict_skip_failure(f"{SHARED} is absent", shared_dir=SHARED) is None


def test_makefile_runs_the_suite_in_strict_mode() -> None:
    makefile = (Path(__file__).resolve().parents[1] / "Makefile").read_text()
    assert "GOLDPATH_STRICT_SKIPS=1 $(BIN)/python -m pytest" in makefile
