"""The head start's jobs, shared by the workers of one test run.

Slow preparations (the real index, the eval command, LibreOffice's renderings) run
beside the tests from the session's start. Under pytest-xdist every worker collects every test, so each would
start them all; instead the first worker to take a lock in the run's shared folder runs them (the leader) and
writes each job's result there, and the others wait for those files (`Awaited`, `RenderedFiles`). A run without
workers is its own leader."""
from __future__ import annotations

import contextlib
import json
import os
import subprocess
import threading
import time
from concurrent.futures import Future
from pathlib import Path

from filelock import FileLock, Timeout

from plansearch.settings import REPO_ROOT

POLL = 0.2          # seconds between looks at a result file


def _write_json(path: Path, data) -> None:
    """Written whole or not at all: a reader never sees half a file."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)


def _wait_for(path: Path, timeout: float, what: str) -> dict:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: no result after {timeout} s ({path})")
        time.sleep(POLL)
    return json.loads(path.read_text(encoding="utf-8"))


class HeadStart:
    """This run's shared folder and whether this process leads it (runs the jobs)."""

    def __init__(self, tmp_path_factory):
        worker = os.environ.get("PYTEST_XDIST_WORKER")
        if worker is None:
            self.root = tmp_path_factory.mktemp("head-start")
            self.leader, self._lock = True, None
            return
        # every worker's basetemp is a folder of the run's own (pytest-N/popen-gwK): its parent is shared
        self.root = tmp_path_factory.getbasetemp().parent / "head-start"
        self.root.mkdir(exist_ok=True)
        self._lock = FileLock(str(self.root / "leader.lock"))
        try:
            self._lock.acquire(timeout=0)           # held until the session ends: one leader per run
        except Timeout:
            self.leader = False
            return
        led = self.root / "led"
        self.leader = not led.exists()              # a worker starting after the leader has finished follows it
        if self.leader:
            led.touch()
        else:
            self._lock.release()

    def result_file(self, name: str) -> Path:
        return self.root / (name.replace("/", "_").replace(" ", "_")[:120] + ".json")

    def release(self) -> None:
        if self._lock is not None and self.leader:
            self._lock.release()


class Background:
    """A subprocess run by a thread of its own from session start, or as soon as the jobs it needs (`after`)
    have succeeded; with `slot`, one job holding that slot runs at a time. `wait` gives (exit code, stdout,
    stderr). With `result_file`, the job's argv, extra environment and result are written there for the other
    workers."""

    def __init__(self, args: list[str], env: dict[str, str] | None = None, after: tuple[Background, ...] = (),
                 slot: threading.Semaphore | None = None, result_file: Path | None = None):
        self.args, self.extra = args, dict(env or {})
        self.env = {**os.environ, **self.extra}
        self._file = result_file
        self._stopped = threading.Event()
        self._proc: subprocess.Popen | None = None
        self._result = (-1, "", "stopped before it started")
        self._thread = threading.Thread(target=self._run, args=(after, slot), daemon=True)
        self._thread.start()

    def _run(self, after: tuple[Background, ...], slot: threading.Semaphore | None) -> None:
        try:
            for job in after:
                code, _, err = job.wait()
                if code != 0:
                    self._result = (code, "", f"a job this one needs failed: {err[-3000:]}")
                    return
            with slot or contextlib.nullcontext():
                if self._stopped.is_set():
                    return
                self._proc = subprocess.Popen(self.args, env=self.env, stdout=subprocess.PIPE,
                                              stderr=subprocess.PIPE, text=True, cwd=REPO_ROOT)
                out, err = self._proc.communicate()
                self._result = (self._proc.returncode, out, err)
        finally:
            if self._file is not None:
                code, out, err = self._result
                _write_json(self._file, {"args": self.args, "extra": self.extra, "code": code, "out": out,
                                         "err": err})

    def wait(self, timeout: float = 900) -> tuple[int, str, str]:
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise TimeoutError(f"{self.args} still running after {timeout} s")
        return self._result

    def finish(self, timeout: float = 900) -> None:
        """Let the job end (other workers may still need its result)."""
        self._thread.join(timeout)

    def stop(self) -> None:
        self._stopped.set()
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
        self._thread.join(30)


class Awaited:
    """Another worker's `Background` job, seen through its result file: the same `wait`, `args` and `env`."""

    def __init__(self, result_file: Path, name: str):
        self._file, self._name = result_file, name
        self._data: dict | None = None

    def _get(self, timeout: float = 900) -> dict:
        if self._data is None:
            self._data = _wait_for(self._file, timeout, self._name)
        return self._data

    def wait(self, timeout: float = 900) -> tuple[int, str, str]:
        data = self._get(timeout)
        return data["code"], data["out"], data["err"]

    @property
    def args(self) -> list[str]:
        return self._get()["args"]

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, **self._get()["extra"]}

    def finish(self, timeout: float = 900) -> None:
        pass

    def stop(self) -> None:
        pass


class RenderedFiles:
    """The rendered plan files as a future: made here by `make(root)` on a thread (leader), or read from the
    leader's list (others). `result` gives {(txt stem, format): path}."""

    def __init__(self, shared: HeadStart, make=None):
        self._list = shared.result_file("rendered")
        self._future: Future | None = None
        if shared.leader:
            root = shared.root / "rendered"
            root.mkdir()
            self._future = Future()
            threading.Thread(target=self._make, args=(make, root), name="render", daemon=True).start()

    def _make(self, make, root: Path) -> None:
        try:
            out = make(root)
        except BaseException as exc:          # the tests that need the files fail with this message
            _write_json(self._list, {"error": f"{type(exc).__name__}: {exc}"})
            self._future.set_exception(exc)
            return
        _write_json(self._list, {"files": [[stem, fmt, str(path)] for (stem, fmt), path in out.items()]})
        self._future.set_result(out)

    def result(self, timeout: float = 900) -> dict[tuple[str, str], Path]:
        if self._future is not None:
            return self._future.result(timeout=timeout)
        data = _wait_for(self._list, timeout, "rendered plan files")
        if "error" in data:
            raise RuntimeError(f"rendering the plan files failed: {data['error']}")
        return {(stem, fmt): Path(path) for stem, fmt, path in data["files"]}

    def finish(self, timeout: float = 900) -> None:
        if self._future is not None:
            with contextlib.suppress(BaseException):
                self._future.result(timeout=timeout)

    def stop(self) -> None:
        pass
