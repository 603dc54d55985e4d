"""The development-only local runner: a component's app, checked out, installed and supervised.

``run`` claims the component (its state file, under a lock shared with other processes),
then a supervisor thread checks the app out of the local git host, runs ``npm ci`` with the
shared npm cache, starts ``npm start`` on a free port with its dev environment, waits for
it to answer HTTP, hands it to the local Prometheus, and waits for it to end. It never
restarts anything: a crash is recorded as the run's error. ``stop`` (on exit of the
process that owns the runs) ends every run it started, and the Prometheus it started.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from goldpath.config import Settings
from goldpath.live._component import LocalRepo
from goldpath.live._logs import tail_lines
from goldpath.live._process import clean_env, free_port, spawn, stop_process
from goldpath.live._prometheus import LocalPrometheus
from goldpath.live._state import (
    AppFiles,
    RunState,
    is_alive,
    list_app_files,
    process_identity,
    signal_group,
)
from goldpath.live.errors import AlreadyRunningError, LocalRunError, NotRunningError
from goldpath.providers.git import GitHostError, LocalGitHost, run_git

__all__ = ["LocalRunner", "RunTarget"]

log = logging.getLogger(__name__)

_STOP_WAIT_SECONDS = 20.0
_POLL_SECONDS = 0.2


@dataclass(frozen=True, slots=True)
class RunTarget:
    """A component the runner can run: where its code is and what its metrics are called."""

    key: str
    ref: str
    repo: LocalRepo
    job: str


@dataclass
class _Owned:
    """A run this process supervises."""

    session: str
    stopping: threading.Event = field(default_factory=threading.Event)
    process: subprocess.Popen[bytes] | None = None
    thread: threading.Thread | None = None


class _Stopped(Exception):
    """Someone asked the run to stop while it was being prepared."""


class LocalRunner:
    """Runs components from the local git host as supervised child processes."""

    def __init__(
        self,
        settings: Settings,
        local_host: LocalGitHost,
        *,
        prometheus: LocalPrometheus | None,
    ) -> None:
        self._settings = settings
        self._live = settings.live
        self._root = settings.run_root
        self._local = local_host
        self.prometheus = prometheus
        self._owned: dict[str, _Owned] = {}
        self._guard = threading.Lock()

    # -- the portal's background service ---------------------------------------------------

    def start(self) -> None:
        """Reap what a killed earlier process left running; restart nothing."""
        self.reap_orphans()
        if self.prometheus is not None and self.running():
            self.prometheus.ensure_in_background()

    def stop(self) -> None:
        """Stop every run this process started, then its Prometheus."""
        with self._guard:
            keys = list(self._owned)
        for key in keys:
            self._stop_owned(key)
        if self.prometheus is not None:
            self.prometheus.stop()

    # -- reading ---------------------------------------------------------------------------

    def files(self, key: str) -> AppFiles:
        """Where the run of ``key`` keeps its files."""
        return AppFiles.of(self._root, key)

    def state(self, key: str) -> RunState | None:
        """The run of ``key`` as recorded; a run whose supervisor died reads as stopped."""
        state = self.files(key).read()
        if state is None:
            return None
        if state.phase != "stopped" and not state.owner_alive:
            return state.with_changes(
                phase="stopped",
                error=f"its supervisor (pid {state.owner_pid}) ended without stopping it",
            )
        return state

    def running(self) -> list[RunState]:
        """Every run that is starting or running, with a live supervisor."""
        states = (files.read() for files in list_app_files(self._root))
        return [s for s in states if s is not None and s.active]

    # -- starting --------------------------------------------------------------------------

    def run(self, target: RunTarget) -> RunState:
        """Claim ``target`` and start it on a supervisor thread; return the starting state.

        AlreadyRunningError (nothing changed) when it is starting or running already.
        """
        if shutil.which("npm") is None:
            raise LocalRunError("npm is not installed: goldpath runs Node.js services with npm")
        files = self.files(target.key)
        me = os.getpid()
        with files.locked():
            current = files.read()
            if current is not None and current.active:
                raise AlreadyRunningError(
                    f"{target.ref} is already {current.phase} (pid {current.owner_pid} "
                    "supervises it); stop it first",
                    ref=target.ref,
                )
            files.stop_marker.unlink(missing_ok=True)
            files.log.unlink(missing_ok=True)  # the logs shown are this run's
            state = RunState(
                key=target.key,
                ref=target.ref,
                session=uuid.uuid4().hex,
                phase="starting",
                detail="checking out",
                owner_pid=me,
                owner_identity=process_identity(me),
                started_at=time.time(),
            )
            files.write(state)
        owned = _Owned(session=state.session)
        with self._guard:
            self._owned[target.key] = owned
        owned.thread = threading.Thread(
            target=self._supervise,
            args=(target, owned),
            name=f"goldpath-run-{target.key}",
            daemon=True,
        )
        owned.thread.start()
        return state

    def wait(self, key: str, *, timeout: float | None = None) -> RunState | None:
        """Block until the run of ``key`` this process supervises has ended."""
        with self._guard:
            owned = self._owned.get(key)
        if owned is not None and owned.thread is not None:
            owned.thread.join(timeout)
        return self.state(key)

    def wait_until_settled(self, key: str, *, timeout: float) -> RunState | None:
        """Block until the run of ``key`` is running or has stopped (or ``timeout``)."""
        deadline = time.monotonic() + timeout
        while True:
            state = self.state(key)
            if state is None or state.phase != "starting" or time.monotonic() > deadline:
                return state
            time.sleep(_POLL_SECONDS)

    def _update(self, files: AppFiles, owned: _Owned, **changes: object) -> RunState | None:
        """Change the run's state, if the state file still records this very run."""
        with files.locked():
            current = files.read()
            if current is None or current.session != owned.session:
                return None
            updated = current.with_changes(**changes)
            files.write(updated)
            return updated

    def _finish(self, files: AppFiles, owned: _Owned, error: str | None) -> None:
        with files.locked():
            current = files.read()
            if current is not None and current.session == owned.session:
                if error is None:
                    files.remove_state()
                else:
                    files.write(
                        current.with_changes(
                            phase="stopped", error=error, pid=None, pid_identity=None
                        )
                    )

    def _supervise(self, target: RunTarget, owned: _Owned) -> None:
        files = self.files(target.key)
        error: str | None = None
        try:
            self._checkout(target, files)
            self._check_stop(files, owned)
            self._update(files, owned, detail="installing dependencies (npm ci)")
            self._install(files, owned)
            self._check_stop(files, owned)
            exit_code = self._serve(target, files, owned)
            if not self._stop_requested(files, owned):
                error = f"the service exited with code {exit_code}"
        except _Stopped:
            error = None
        except (LocalRunError, GitHostError) as exc:
            error = None if self._stop_requested(files, owned) else exc.message
        except Exception as exc:  # the supervisor must record every end, never die silently
            log.exception("supervising %s failed", target.ref)
            error = f"the local runner failed: {type(exc).__name__}: {exc}"
        finally:
            if self.prometheus is not None:
                self.prometheus.remove_target(target.key)
            self._finish(files, owned, error)
            with self._guard:
                if self._owned.get(target.key) is owned:
                    del self._owned[target.key]

    def _stop_requested(self, files: AppFiles, owned: _Owned) -> bool:
        return owned.stopping.is_set() or files.stop_marker.exists()

    def _check_stop(self, files: AppFiles, owned: _Owned) -> None:
        if self._stop_requested(files, owned):
            raise _Stopped()

    def _checkout(self, target: RunTarget, files: AppFiles) -> None:
        repo = self._local.get_repo(target.repo.owner, target.repo.name)
        shutil.rmtree(files.checkout, ignore_errors=True)
        run_git(
            [
                "clone",
                "--quiet",
                "--branch",
                repo.default_branch,
                str(self._local.repo_path(target.repo.owner, target.repo.name)),
                str(files.checkout),
            ]
        )
        if not (files.checkout / "package.json").is_file():
            raise LocalRunError(
                f"{target.repo.full_name} has no package.json: goldpath runs Node.js "
                "services (npm start) locally"
            )

    def _npm_cache(self) -> Path:
        return self._live.npm_cache or (self._settings.home / "cache" / "npm")

    def _start_child(
        self, files: AppFiles, owned: _Owned, command: list[str], env: dict[str, str], output: Path
    ) -> subprocess.Popen[bytes]:
        with self._guard:
            if owned.stopping.is_set():
                raise _Stopped()
            process = spawn(command, cwd=files.checkout, env=env, output=output)
            owned.process = process
        self._update(files, owned, pid=process.pid, pid_identity=process_identity(process.pid))
        return process

    def _install(self, files: AppFiles, owned: _Owned) -> None:
        env = clean_env(
            {
                "npm_config_cache": str(self._npm_cache()),
                "npm_config_update_notifier": "false",
                "npm_config_fund": "false",
                "npm_config_audit": "false",
                "npm_config_prefer_offline": "true",
                "CI": "true",
            }
        )
        process = self._start_child(files, owned, ["npm", "ci"], env, files.install_log)
        try:
            code = process.wait(timeout=self._live.install_timeout_seconds)
        except subprocess.TimeoutExpired:
            stop_process(process)
            raise LocalRunError(
                f"npm ci did not finish in {self._live.install_timeout_seconds:g} s"
            ) from None
        if code != 0:
            self._check_stop(files, owned)
            tail = " | ".join(tail_lines(files.install_log, 6))
            raise LocalRunError(f"npm ci failed (exit {code}): {tail}")

    def _serve(self, target: RunTarget, files: AppFiles, owned: _Owned) -> int:
        port = free_port()
        env = clean_env(
            {
                "PORT": str(port),
                "NODE_ENV": "development",
                "LOG_LEVEL": "info",
                "npm_config_update_notifier": "false",
            }
        )
        self._update(files, owned, detail="starting (npm start)", port=port)
        process = self._start_child(files, owned, ["npm", "start"], env, files.log)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + self._live.start_timeout_seconds
        while not self._answers(url):
            if process.poll() is not None:
                return process.returncode
            if self._stop_requested(files, owned):
                return stop_process(process)
            if time.monotonic() > deadline:
                stop_process(process)
                raise LocalRunError(
                    f"the service did not answer on port {port} within "
                    f"{self._live.start_timeout_seconds:g} s"
                )
            time.sleep(_POLL_SECONDS)
        if self.prometheus is not None:  # a target before "running": whoever sees it scrapes it
            self.prometheus.add_target(target.key, port=port, job=target.job, component=target.ref)
            self.prometheus.ensure_in_background()
        self._update(files, owned, phase="running", detail="", url=url)
        log.info("%s runs at %s", target.ref, url)
        return process.wait()

    @staticmethod
    def _answers(url: str) -> bool:
        try:
            httpx.get(f"{url}/healthz", timeout=1.0)
        except httpx.HTTPError:
            return False
        return True

    # -- stopping --------------------------------------------------------------------------

    def _stop_owned(self, key: str) -> None:
        with self._guard:
            owned = self._owned.get(key)
            if owned is None:
                return
            owned.stopping.set()
            process = owned.process
        self.files(key).root.mkdir(parents=True, exist_ok=True)
        self.files(key).stop_marker.touch()
        if process is not None:
            stop_process(process)
        if owned.thread is not None:
            owned.thread.join(_STOP_WAIT_SECONDS)

    def request_stop(self, key: str) -> RunState | None:
        """Stop the run of ``key``, whichever process supervises it; wait until it ended.

        NotRunningError when nothing runs. The supervisor records the end; a run whose
        supervisor is gone is stopped and forgotten here.
        """
        files = self.files(key)
        state = files.read()
        if state is None or state.phase == "stopped":
            raise NotRunningError(f"{key} is not running on this machine", key=key)
        with self._guard:
            mine = key in self._owned and self._owned[key].session == state.session
        if mine:
            self._stop_owned(key)
            return self.state(key)
        files.stop_marker.touch()
        if not state.owner_alive:
            if state.pid:
                signal_group(state.pid, state.pid_identity)
            if self.prometheus is not None:
                self.prometheus.remove_target(key)
            with files.locked():
                current = files.read()
                if current is not None and current.session == state.session:
                    files.remove_state()
            return self.state(key)
        deadline = time.monotonic() + _STOP_WAIT_SECONDS
        signalled: int | None = None
        while time.monotonic() < deadline:
            current = files.read()
            if current is None or current.session != state.session or not current.active:
                return self.state(key)
            if current.pid and current.pid != signalled:
                signal_group(current.pid, current.pid_identity)
                signalled = current.pid
            time.sleep(_POLL_SECONDS)
        current = files.read()
        if current is not None and current.pid:
            signal_group(current.pid, current.pid_identity, signal.SIGKILL)
        return self.state(key)

    def reap_orphans(self) -> None:
        """Stop runs whose supervisor died (a killed portal or CLI) and forget them."""
        for files in list_app_files(self._root):
            state = files.read()
            if state is None or state.phase == "stopped" or state.owner_alive:
                continue
            if state.pid and is_alive(state.pid, state.pid_identity):
                log.warning("stopping %s: the process that started it is gone", state.ref)
                signal_group(state.pid, state.pid_identity)
            if self.prometheus is not None:
                self.prometheus.remove_target(state.key)
            with files.locked():
                current = files.read()
                if current is not None and current.session == state.session:
                    files.write(
                        current.with_changes(
                            phase="stopped",
                            error=f"its supervisor (pid {state.owner_pid}) ended without "
                            "stopping it",
                            pid=None,
                            pid_identity=None,
                        )
                    )
        if self.prometheus is not None:
            self.prometheus.reap_orphan()
