"""The development portal's one Prometheus: file-based service discovery over what runs locally.

Each running service has a target file ``<run root>/prometheus/targets/<namespace>--<name>.json``
labelled ``job=<metrics job>`` (the same job label the ServiceMonitor gives it in a cluster),
so the Metrics panel asks the same PromQL of the local Prometheus as of the platform's.
Storage lives under the home and survives restarts (the 24 h plot keeps its history).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import yaml

from goldpath.live._logs import tail_lines
from goldpath.live._process import clean_env, free_port, spawn, stop_process
from goldpath.live._state import is_alive, process_identity, signal_group
from goldpath.live.errors import LocalRunError

__all__ = ["LocalPrometheus", "prometheus_config", "target_group"]

log = logging.getLogger(__name__)

_READY_TIMEOUT_SECONDS = 30.0


def prometheus_config(*, targets_dir: Path, scrape_interval_seconds: int) -> dict[str, Any]:
    """Prometheus' configuration: one scrape job fed by the target files (pure)."""
    interval = f"{scrape_interval_seconds}s"
    return {
        "global": {"scrape_interval": interval, "evaluation_interval": interval},
        "scrape_configs": [
            {
                "job_name": "goldpath-local",
                "scrape_timeout": interval,
                "file_sd_configs": [
                    {"files": [str(targets_dir / "*.json")], "refresh_interval": interval}
                ],
            }
        ],
    }


def target_group(*, port: int, job: str, component: str) -> list[dict[str, Any]]:
    """The file_sd target group of one service listening on 127.0.0.1:``port`` (pure).

    A target's own ``job`` label wins over the scrape job's name, so the series carry the
    app's job as they do in the cluster.
    """
    return [
        {
            "targets": [f"127.0.0.1:{port}"],
            "labels": {"job": job, "goldpath_component": component},
        }
    ]


def _write_json(path: Path, content: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(content, handle)
    os.replace(tmp, path)


class LocalPrometheus:
    """Starts (once), finds and stops the local Prometheus; keeps its target files."""

    def __init__(
        self,
        run_root: Path,
        *,
        binary: str,
        scrape_interval_seconds: int,
        retention: str,
    ) -> None:
        self.root = run_root / "prometheus"
        self.binary = binary
        self.scrape_interval_seconds = scrape_interval_seconds
        self.retention = retention
        self._process: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self._supervisor: threading.Thread | None = None
        self._ready = threading.Event()
        self._failure: str | None = None

    @property
    def targets_dir(self) -> Path:
        """Where the target files are."""
        return self.root / "targets"

    @property
    def _record(self) -> Path:
        return self.root / "prometheus.json"

    def executable(self) -> str | None:
        """The Prometheus binary when it is on PATH (and not switched off with '')."""
        return shutil.which(self.binary) if self.binary else None

    def url(self) -> str | None:
        """The URL of the running local Prometheus, else None."""
        try:
            record = json.loads(self._record.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(record, dict):
            return None
        if not is_alive(record.get("pid"), record.get("identity")):
            return None
        url = record.get("url")
        return url if isinstance(url, str) else None

    def ensure(self, *, wait: bool = True) -> str | None:
        """The running Prometheus' URL, starting it first when it is not (None: no binary, or
        not ready yet when ``wait`` is False).

        Prometheus is started and then waited on by a thread of its own that lives as long
        as it does: the kernel ties a child's ``PDEATHSIG`` to the thread that started it.
        """
        binary = self.executable()
        with self._lock:
            current = self.url()
            if current is not None or binary is None:
                return current
            if self._supervisor is None or not self._supervisor.is_alive():
                self._ready = threading.Event()
                self._failure = None
                self._supervisor = threading.Thread(
                    target=self._supervise,
                    args=(binary, self._ready),
                    name="goldpath-prometheus",
                    daemon=True,
                )
                self._supervisor.start()
            ready = self._ready
        if not wait:
            return None
        ready.wait(_READY_TIMEOUT_SECONDS + 5)
        if self._failure is not None:
            raise LocalRunError(self._failure)
        return self.url()

    def ensure_in_background(self) -> None:
        """Start Prometheus when it is not running, without waiting for it."""
        try:
            self.ensure(wait=False)
        except LocalRunError as exc:  # pragma: no cover - wait=False raises nothing
            log.warning("%s", exc.message)

    def _supervise(self, binary: str, ready: threading.Event) -> None:
        try:
            process = self._start(binary)
        except LocalRunError as exc:
            self._failure = exc.message
            log.warning("%s", exc.message)
            ready.set()
            return
        ready.set()
        code = process.wait()
        with self._lock:
            owned = self._process is process
            if owned:
                self._process = None
                self._record.unlink(missing_ok=True)
        if owned:
            log.warning("the local Prometheus exited with code %s", code)

    def _start(self, binary: str) -> subprocess.Popen[bytes]:
        self.targets_dir.mkdir(parents=True, exist_ok=True)
        config = self.root / "prometheus.yml"
        config.write_text(
            yaml.safe_dump(
                prometheus_config(
                    targets_dir=self.targets_dir,
                    scrape_interval_seconds=self.scrape_interval_seconds,
                ),
                sort_keys=False,
            ),
            encoding="utf-8",
        )
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        output = self.root / "prometheus.log"
        process = spawn(
            [
                binary,
                f"--config.file={config}",
                f"--storage.tsdb.path={self.root / 'data'}",
                f"--storage.tsdb.retention.time={self.retention}",
                f"--web.listen-address=127.0.0.1:{port}",
                "--log.level=warn",
            ],
            cwd=self.root,
            env=clean_env({}),
            output=output,
        )
        deadline = time.monotonic() + _READY_TIMEOUT_SECONDS
        while True:
            if process.poll() is not None:
                tail = "\n".join(tail_lines(output, 5))
                raise LocalRunError(
                    f"the local Prometheus exited with code {process.returncode}: {tail}"
                )
            try:
                if httpx.get(f"{url}/-/ready", timeout=1.0).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                stop_process(process)
                raise LocalRunError("the local Prometheus did not become ready in 30 s")
            time.sleep(0.2)
        with self._lock:
            self._process = process
        _write_json(
            self._record,
            {
                "pid": process.pid,
                "identity": process_identity(process.pid),
                "url": url,
                "owner_pid": os.getpid(),
                "owner_identity": process_identity(os.getpid()),
            },
        )
        log.info("local Prometheus listening on %s", url)
        return process

    def add_target(self, key: str, *, port: int, job: str, component: str) -> None:
        """Scrape the service ``key`` on ``port`` from now on."""
        _write_json(self._target_file(key), target_group(port=port, job=job, component=component))

    def remove_target(self, key: str) -> None:
        """Stop scraping the service ``key``."""
        self._target_file(key).unlink(missing_ok=True)

    def _target_file(self, key: str) -> Path:
        return self.targets_dir / (key.replace("/", "--") + ".json")

    def reap_orphan(self) -> None:
        """Stop a Prometheus whose starter died without stopping it (a killed portal)."""
        try:
            record = json.loads(self._record.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        if not isinstance(record, dict):
            return
        if is_alive(record.get("owner_pid"), record.get("owner_identity")):
            return
        pid, identity = record.get("pid"), record.get("identity")
        if isinstance(pid, int) and is_alive(pid, identity):
            signal_group(pid, identity)
        self._record.unlink(missing_ok=True)

    def stop(self) -> None:
        """Stop the Prometheus this process started (others' are left alone)."""
        with self._lock:
            process, self._process = self._process, None
        if process is None:
            return
        stop_process(process)
        self._record.unlink(missing_ok=True)
        if self._supervisor is not None:
            self._supervisor.join(5)
