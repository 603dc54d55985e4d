"""The pool of validator processes started ahead of need (`goldpath.gitops._warm`).

A parked kubectl or promtool must give the verdict a cold one gives, be handed out only
once its start-up is behind it, and never outlive the process that owns it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath

import pytest
import yaml

from goldpath.gitops import _tools as tools
from goldpath.gitops import _warm as warm
from goldpath.gitops import render_app, validate_tree
from goldpath.gitops._report import Finding
from goldpath.scratch import process_scratch
from tests.gitops.helpers import spec
from tests.support.validators import require_validator

pytestmark = pytest.mark.slow

Files = dict[PurePosixPath, str]


@pytest.fixture
def programs() -> dict[str, str]:
    """kind -> the validator's path; the test fails (never skips) without them."""
    return {"kustomize": require_validator("kubectl"), "promtool": require_validator("promtool")}


@pytest.fixture
def cold_starts(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The argument lists of every tool process a validation starts itself."""
    started: list[list[str]] = []
    start = tools._start

    def recording(args: list[str], *rest: object, **kwargs: bool) -> tools._Run:
        started.append(args)
        return start(args, *rest, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(tools, "_start", recording)
    return started


@pytest.fixture
def full_pool(tmp_path: Path, programs: dict[str, str],
              monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[], warm.WarmPool]]:
    """Fills the pool of ``tmp_path``'s tmp root and waits until every process is parked."""
    monkeypatch.setattr(warm, "REFILL_AFTER_SECONDS", 0.0)
    pool = warm.warm_pool(tmp_path, kustomize=tools.KUSTOMIZE_PROCESSES)
    assert pool is not None, "Linux with setpriv: the pool is supported here"

    def fill() -> warm.WarmPool:
        pool.refill(programs)
        assert pool.ready(timeout=30), "the pool's processes did not park within 30 s"
        return pool

    yield fill
    pool.close()


def _app() -> Files:
    return dict(render_app(spec(environments=("dev", "staging", "prod"))))


def _edited(files: Files, path: str, edit: Callable[[dict[str, object]], None]) -> Files:
    changed = dict(files)
    key = PurePosixPath(path)
    doc = yaml.safe_load(changed[key])
    edit(doc)
    changed[key] = yaml.safe_dump(doc)
    return changed


def _broken_promql(doc: dict[str, object]) -> None:
    doc["spec"]["groups"][0]["rules"][0]["expr"] = "sum(rate(x[5m]"  # type: ignore[index]


def _bad_patch(doc: dict[str, object]) -> None:
    doc["patches"] = [{"target": {"kind": "Deployment"}, "patch": "not: [a, valid"}]


def _missing_resource(doc: dict[str, object]) -> None:
    doc["resources"].append("missing-file.yaml")  # type: ignore[attr-defined]


def _patch_path_not_there(doc: dict[str, object]) -> None:
    doc["patches"][0]["patch"] = (  # type: ignore[index]
        '[{"op": "replace", "path": "/spec/nothing/here", "value": 1}]')


def _summary(findings: list[Finding]) -> list[tuple[str, str, str | None, str]]:
    return sorted((f.check, f.rule, f.file, f.message) for f in findings)


BROKEN: dict[str, Callable[[Files], Files]] = {
    "sound": lambda files: files,
    "broken PromQL in one environment": lambda files: _edited(
        files, "overlays/staging/prometheusrule.yaml", _broken_promql),
    "a patch that is not YAML in the base": lambda files: _edited(
        files, "base/kustomization.yaml", _bad_patch),
    "a resource that does not exist": lambda files: _edited(
        files, "base/kustomization.yaml", _missing_resource),
    "a JSON patch to a path that is not there": lambda files: _edited(
        files, "overlays/prod/kustomization.yaml", _patch_path_not_there),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_parked_tools_give_the_findings_cold_ones_give(
    case: str, tmp_path: Path, full_pool: Callable[[], warm.WarmPool],
    cold_starts: list[list[str]], monkeypatch: pytest.MonkeyPatch,
) -> None:
    files = BROKEN[case](_app())
    full_pool()
    parked = validate_tree(files, tmp_root=tmp_path)
    combined_cold = [args for args in cold_starts
                     if (args[1] == "kustomize" and Path(args[2]).name.startswith("all-"))
                     or (args[1:3] == ["check", "rules"] and len(args) > 4)]
    assert combined_cold == [], "the combined runs were the parked processes"
    if case == "sound":
        assert cold_starts == []
    monkeypatch.setattr(warm, "_supported", lambda: False)
    cold = validate_tree(files, tmp_root=tmp_path / "cold")
    assert parked.ok == cold.ok == (case == "sound")
    assert _summary(parked.findings) == _summary(cold.findings)
    assert parked.checked == cold.checked


def test_a_full_pool_leaves_nothing_to_start_cold(
    tmp_path: Path, full_pool: Callable[[], warm.WarmPool], cold_starts: list[list[str]],
) -> None:
    pool = full_pool()
    parked = [p.process.pid for kind in pool._parked.values() for p in kind]
    report = validate_tree(_app(), tmp_root=tmp_path)
    assert report.ok, report.failures
    assert "promtool check rules" in report.checked and "kubectl kustomize" in report.checked
    assert cold_starts == []
    # the processes were used up, their verdicts read
    assert all(pid not in [p.process.pid for kind in pool._parked.values() for p in kind]
               for pid in parked)


def test_rule_files_that_share_a_group_name_pass_as_they_do_one_by_one(
    tmp_path: Path, full_pool: Callable[[], warm.WarmPool], cold_starts: list[list[str]],
) -> None:
    # One file cannot hold two groups of one name; two files can. The parked promtool
    # reads every group in one file, fails, and each file is then checked on its own.
    def same_group(doc: dict[str, object]) -> None:
        doc["spec"]["groups"][0]["name"] = "shared.rules"  # type: ignore[index]

    files = _app()
    for env in ("dev", "staging"):
        files = _edited(files, f"overlays/{env}/prometheusrule.yaml", same_group)
    full_pool()
    report = validate_tree(files, tmp_root=tmp_path)
    assert report.ok, report.failures
    one_by_one = [args for args in cold_starts if args[1:3] == ["check", "rules"]]
    assert len(one_by_one) >= 2 and all(len(args) == 4 for args in one_by_one)


def test_a_parked_process_that_died_is_not_handed_out(
    tmp_path: Path, full_pool: Callable[[], warm.WarmPool], cold_starts: list[list[str]],
) -> None:
    pool = full_pool()
    victim = pool._parked["kustomize"][0].process
    victim.kill()
    victim.wait()
    report = validate_tree(_app(), tmp_root=tmp_path)
    assert report.ok, report.failures
    kustomize_cold = [args for args in cold_starts if args[1] == "kustomize"]
    assert len(kustomize_cold) == 1


def test_the_pool_refills_only_once_validations_pause(
    tmp_path: Path, full_pool: Callable[[], warm.WarmPool], monkeypatch: pytest.MonkeyPatch,
) -> None:
    pool = full_pool()
    monkeypatch.setattr(warm, "REFILL_AFTER_SECONDS", 1.0)
    validate_tree(_app(), tmp_root=tmp_path)
    time.sleep(0.3)
    assert not any(pool._parked.values()), "nothing starts while validations may follow"
    assert pool.ready(timeout=30)
    assert len(pool._parked["kustomize"]) == tools.KUSTOMIZE_PROCESSES
    assert len(pool._parked["promtool"]) == 1


def test_closing_the_pool_ends_its_processes_and_removes_its_folder(
    full_pool: Callable[[], warm.WarmPool],
) -> None:
    pool = full_pool()
    processes = [p.process for kind in pool._parked.values() for p in kind]
    assert processes and pool.root.is_dir()
    pool.close()
    assert all(process.poll() is not None for process in processes)
    assert not pool.root.exists()


def test_another_tmp_root_closes_the_pool_before(
    tmp_path: Path, full_pool: Callable[[], warm.WarmPool],
) -> None:
    pool = full_pool()
    processes = [p.process for kind in pool._parked.values() for p in kind]
    other = warm.warm_pool(tmp_path / "other", kustomize=tools.KUSTOMIZE_PROCESSES)
    assert other is not None and other is not pool
    assert all(process.poll() is not None for process in processes)
    other.close()


def test_a_pool_whose_folder_went_is_replaced(
    tmp_path: Path, full_pool: Callable[[], warm.WarmPool], cold_starts: list[list[str]],
) -> None:
    pool = full_pool()
    import shutil

    shutil.rmtree(pool.root)
    assert warm.warm_pool(tmp_path, kustomize=tools.KUSTOMIZE_PROCESSES) is not pool
    report = validate_tree(_app(), tmp_root=tmp_path)
    assert report.ok, report.failures


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return True
    return state in ("Z", "X")  # a zombie waiting for its new parent to reap it


def _owner(script: str, tmp_path: Path) -> tuple[subprocess.Popen[str], list[int]]:
    """A Python process running ``script`` (which prints its pool's pids, then sleeps)."""
    owner = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script)],
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "PYTHONPATH": "src", "TMP_ROOT": str(tmp_path)},
        stdout=subprocess.PIPE, text=True,
    )
    assert owner.stdout is not None
    line = owner.stdout.readline()
    assert line.startswith("pids "), line
    return owner, [int(pid) for pid in line.split()[1:]]


def _wait_gone(pids: list[int]) -> bool:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if all(_gone(pid) for pid in pids):
            return True
        time.sleep(0.05)
    return False


def test_parked_processes_end_when_their_owner_is_killed(
    tmp_path: Path, programs: dict[str, str],
) -> None:
    owner, pids = _owner(f"""
        import os, time
        from pathlib import Path
        from goldpath.gitops import _warm
        _warm.REFILL_AFTER_SECONDS = 0
        pool = _warm.warm_pool(Path(os.environ["TMP_ROOT"]), kustomize=2)
        pool.refill({programs!r})
        assert pool.ready(30)
        print("pids", *[p.process.pid for ps in pool._parked.values() for p in ps], flush=True)
        time.sleep(60)
    """, tmp_path)
    assert len(pids) == 3 and not any(_gone(pid) for pid in pids)
    owner.send_signal(signal.SIGKILL)
    owner.wait()
    assert _wait_gone(pids), "a parked validator outlived the process that owned it"


def test_a_process_still_starting_ends_when_its_owner_is_killed(tmp_path: Path) -> None:
    # A program that never opens its input stands for one killed mid start-up: nobody
    # would ever write to its pipe, so the kernel must end it (setpriv --pdeathsig).
    slow = tmp_path / "slow-kubectl"
    slow.write_text("#!/bin/sh\nexec sleep 60\n")
    slow.chmod(0o755)
    owner, pids = _owner(f"""
        import os, time
        from pathlib import Path
        from goldpath.gitops import _warm
        _warm.REFILL_AFTER_SECONDS = 0
        pool = _warm.warm_pool(Path(os.environ["TMP_ROOT"]), kustomize=1, promtool=0)
        pool.refill({{"kustomize": {str(slow)!r}}})
        while not pool._parked.get("kustomize"):
            time.sleep(0.01)
        [process] = pool._parked["kustomize"]
        assert not process.parked()
        print("pids", process.process.pid, flush=True)
        time.sleep(60)
    """, tmp_path)
    owner.send_signal(signal.SIGKILL)
    owner.wait()
    assert _wait_gone(pids), "a validator still starting outlived the process that owned it"


def test_a_forked_child_starts_a_pool_of_its_own(
    tmp_path: Path, full_pool: Callable[[], warm.WarmPool],
) -> None:
    pool = full_pool()
    processes = [p.process for kind in pool._parked.values() for p in kind]
    pid = os.fork()
    if pid == 0:  # the child: its own pool, the parent's left alone
        code = 1
        try:
            mine = warm.warm_pool(tmp_path, kustomize=tools.KUSTOMIZE_PROCESSES)
            code = 0 if mine is not None and mine is not pool and mine.owner == os.getpid() else 2
            assert mine is not None
            mine.close()
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert all(process.poll() is None for process in processes)
    assert all(p.parked() for kind in pool._parked.values() for p in kind)
    report = validate_tree(_app(), tmp_root=tmp_path)
    assert report.ok, report.failures


def _pool_folders(tmp_root: Path) -> list[Path]:
    """Pool folders in this process's scratch of ``tmp_root`` (where `warm_pool` makes
    them). One level only: a validation's scratch folder may still be being removed in the
    background, and walking into it races with that removal."""
    return list(process_scratch(tmp_root).glob("warm-validators-*"))


@pytest.fixture
def configured() -> Iterator[Callable[[int | None], None]]:
    """Set the pool's size as the composition root does; unset again after."""
    yield warm.configure_warm_pool
    warm.configure_warm_pool(None)


def test_a_pool_of_size_0_is_none_and_validations_start_their_tools_cold(
    tmp_path: Path, programs: dict[str, str], cold_starts: list[list[str]],
    configured: Callable[[int | None], None],
) -> None:
    configured(0)
    assert warm.warm_pool(tmp_path, kustomize=tools.KUSTOMIZE_PROCESSES) is None
    report = validate_tree(_app(), tmp_root=tmp_path)
    assert report.ok, report.failures
    assert any(args[1:2] == ["kustomize"] for args in cold_starts)
    assert not _pool_folders(tmp_path), "no pool folder is made"


def test_a_new_size_closes_the_pool_of_the_old_one(
    tmp_path: Path, full_pool: Callable[[], warm.WarmPool],
    configured: Callable[[int | None], None], programs: dict[str, str],
) -> None:
    pool = full_pool()
    processes = [p.process for kind in pool._parked.values() for p in kind]
    configured(1)
    assert all(process.poll() is not None for process in processes)
    smaller = warm.warm_pool(tmp_path, kustomize=tools.KUSTOMIZE_PROCESSES)
    assert smaller is not None and smaller is not pool and smaller.kustomize == 1
    smaller.refill(programs)
    assert smaller.ready(timeout=30)
    assert len(smaller._parked["kustomize"]) == 1
    smaller.close()


@pytest.mark.parametrize("size", [0, 1])
def test_the_runtime_sizes_the_pool_from_the_settings_while_it_runs(
    tmp_path: Path, configured: Callable[[int | None], None], programs: dict[str, str],
    size: int,
) -> None:
    from goldpath.config import load_settings
    from goldpath.runtime import Runtime

    settings = load_settings(home=tmp_path / "home", gitops={"validator_pool": size},
                             catalog={"refresh_enabled": False}, scaffolder={"workers": 0})
    runtime = Runtime(settings)
    runtime.start()
    try:
        pool = warm.warm_pool(settings.tmp_root, kustomize=tools.KUSTOMIZE_PROCESSES)
        assert (pool is None) if size == 0 else (pool is not None and pool.kustomize == size)
    finally:
        runtime.stop()
    # stopped, the runtime's pool is closed and a validation makes none
    assert pool is None or not pool.root.exists()
    assert warm.warm_pool(settings.tmp_root) is None


def test_a_process_that_set_no_pool_up_validates_with_cold_tools_and_makes_none(
    tmp_path: Path, programs: dict[str, str], cold_starts: list[list[str]],
    configured: Callable[[int | None], None],
) -> None:
    configured(None)  # a one-shot command: no runtime started
    report = validate_tree(_app(), tmp_root=tmp_path)
    assert report.ok, report.failures
    assert any(args[1:2] == ["kustomize"] for args in cold_starts)
    assert warm.warm_pool(tmp_path) is None
    assert not _pool_folders(tmp_path), "no pool folder is made"


def test_a_process_of_a_program_replaced_since_it_parked_is_not_handed_out(
    tmp_path: Path, programs: dict[str, str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    # An upgrade of kubectl replaces its file; a process parked before it would give the
    # old version's verdict once, so it is ended instead and the new one starts.
    monkeypatch.setattr(warm, "REFILL_AFTER_SECONDS", 0.0)
    wrapper = tmp_path / "bin" / "kubectl"
    wrapper.parent.mkdir()

    def install(version: str) -> None:
        staged = wrapper.with_name("kubectl.new")
        staged.write_text(f'#!/bin/sh\n# {version}\nexec {programs["kustomize"]} "$@"\n')
        staged.chmod(0o755)
        os.replace(staged, wrapper)  # as a package manager does: a new file in its place

    install("v1")
    pool = warm.warm_pool(tmp_path, kustomize=1)
    assert pool is not None
    try:
        pool.refill({"kustomize": str(wrapper)})
        assert pool.ready(timeout=30)
        [old] = pool._parked["kustomize"]
        install("v2")
        assert pool.take("kustomize", str(wrapper)) is None
        old.process.wait(timeout=10)  # ended, not left parked
        pool.refill({"kustomize": str(wrapper)})
        assert pool.ready(timeout=30)
        fresh = pool.take("kustomize", str(wrapper))
        assert fresh is not None and fresh is not old
        assert fresh.binary == warm.program_identity(str(wrapper))
        fresh.feed("resources: []\n")
        assert fresh.process.wait(timeout=30) == 0
    finally:
        pool.close()
