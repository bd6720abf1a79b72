"""What bench/compare_isso.py needs to run servers and load: tools, processes, wrk, RSS, py-spy.

Every server runs in its own process group on a free 127.0.0.1 port, with its output in a log
file; ``Processes.stop_all`` ends whatever is still running (the orchestrator calls it in a
``finally``). Every wait has a deadline.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
VENV_BIN = Path(sys.executable).parent
WRK_DIR = BENCH / "wrk"
ISSO_VENV = BENCH / ".isso-venv"
ISSO_VERSION = "0.14.0"


def log(message: str) -> None:
    print(message, flush=True)


# --- Tools ---------------------------------------------------------------------------------


def ensure_tools(*, need_isso: bool, need_nginx: bool, need_pyspy: bool) -> dict[str, str]:
    """Install what is missing (wrk, nginx with apt-get; Isso into its own venv; py-spy into
    this venv) and return the versions in use."""
    missing = [
        package
        for package, command, needed in (
            ("wrk", "wrk", True),
            ("nginx", "nginx", need_nginx),
        )
        if needed and shutil.which(command) is None
    ]
    if missing:
        log(f"Installing Debian packages: {' '.join(missing)} (apt-get)")
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", *missing],
            check=True,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
    versions = {"wrk": _first_line(["wrk", "-v"]).split()[1]}
    if need_nginx:
        versions["nginx"] = _first_line(["nginx", "-v"]).rpartition("/")[2]
    if need_isso:
        isso_python = ISSO_VENV / "bin" / "python"
        if not isso_python.exists():
            log(f"Creating {ISSO_VENV.relative_to(ROOT)} and installing isso=={ISSO_VERSION}")
            subprocess.run([sys.executable, "-m", "venv", str(ISSO_VENV)], check=True)
        check = subprocess.run(
            [str(isso_python), "-c", "import isso, gunicorn; print(gunicorn.__version__)"],
            capture_output=True,
            text=True,
        )
        if check.returncode != 0 or _isso_version() != ISSO_VERSION:
            log(f"Installing isso=={ISSO_VERSION} and gunicorn into {ISSO_VENV.name} (pip)")
            subprocess.run(
                [
                    str(isso_python),
                    "-m",
                    "pip",
                    "install",
                    "-q",
                    f"isso=={ISSO_VERSION}",
                    "gunicorn",
                ],
                check=True,
            )
        versions["isso"] = _isso_version()
        versions["gunicorn"] = _first_line(
            [str(isso_python), "-c", "import gunicorn; print(gunicorn.__version__)"]
        )
    if need_pyspy:
        if not (VENV_BIN / "py-spy").exists():
            log("Installing py-spy into this venv (pip) for the profile")
            subprocess.run([sys.executable, "-m", "pip", "install", "-q", "py-spy"], check=True)
        versions["py-spy"] = _first_line([str(VENV_BIN / "py-spy"), "--version"]).split()[-1]
    return versions


def _isso_version() -> str:
    return _first_line(
        [
            str(ISSO_VENV / "bin" / "python"),
            "-c",
            "from importlib.metadata import version; print(version('isso'))",
        ]
    )


def _first_line(command: Sequence[str]) -> str:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    text = (done.stdout or done.stderr).strip()
    return text.splitlines()[0] if text else "?"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- Processes -------------------------------------------------------------------------------


@dataclass
class Server:
    """One running server: its process group, port and log."""

    name: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def pgid(self) -> int:
        return self.process.pid


@dataclass
class Processes:
    """Every process the bench started, so that all of them can be ended."""

    running: list[Server] = field(default_factory=list)
    problems: dict[str, Counter[str]] = field(default_factory=dict)

    def start(
        self,
        name: str,
        command: Sequence[str],
        *,
        port: int,
        ready_path: str,
        log_path: Path,
        env: dict[str, str] | None = None,
        timeout: float = 60.0,
    ) -> Server:
        """Start ``command`` in a new process group and wait (bounded) until
        ``GET ready_path`` answers."""
        handle = log_path.open("ab")
        process = subprocess.Popen(
            list(command),
            stdout=handle,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
            start_new_session=True,
            cwd=log_path.parent,
        )
        handle.close()
        server = Server(name, port, process, log_path)
        self.running.append(server)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with {process.returncode}:\n{tail(log_path)}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", ready_path)
                status = conn.getresponse().status
                conn.close()
                if status < 500:
                    return server
            except OSError:
                pass
            time.sleep(0.1)
        self.stop(server)
        raise RuntimeError(f"{name} did not answer within {timeout:.0f} s:\n{tail(log_path)}")

    def stop(self, server: Server) -> None:
        """SIGINT (fast shutdown for uvicorn, gunicorn and nginx), SIGKILL after 5 s. Only the
        log written before the signal is scanned: a fast shutdown interrupts the requests wrk
        abandoned, and those tracebacks are the bench's doing, not the server's."""
        if server in self.running:
            self.running.remove(server)
        try:
            measured_bytes = server.log_path.stat().st_size
        except OSError:
            measured_bytes = 0
        for sig, wait in ((signal.SIGINT, 5.0), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(server.pgid, sig)
            except ProcessLookupError:
                break
            # The workers may outlive the leader for a moment; wait for the whole group.
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline:
                server.process.poll()
                if not _group_alive(server.pgid):
                    break
                time.sleep(0.05)
            else:
                continue
            break
        server.process.wait(5)
        self._scan(server, measured_bytes)

    def stop_all(self) -> None:
        for server in list(self.running):
            self.stop(server)

    def _scan(self, server: Server, size: int) -> None:
        """Count answers >= 500 in access logs, tracebacks and error lines in the log."""
        found = self.problems.setdefault(server.name, Counter())
        if not server.log_path.exists():
            return
        with server.log_path.open("rb") as handle:
            text = handle.read(size).decode("utf-8", errors="replace")
        if os.environ.get("BENCH_KEEP_LOGS"):
            kept = Path(tempfile.gettempdir()) / "rostra-bench-logs"
            kept.mkdir(exist_ok=True)
            shutil.move(server.log_path, kept / server.log_path.name)
            log(f"  (log kept: {kept / server.log_path.name})")
        else:
            server.log_path.unlink()
        for line in text.splitlines():
            status = ACCESS_STATUS.search(line)
            code = status and next(group for group in status.groups() if group)
            if code and code.startswith("5"):
                found[f"HTTP {code}"] += 1
            elif "Traceback" in line:
                found["Traceback"] += 1
            elif ERROR_LINE.search(line):
                found[line.strip()[:160]] += 1


# uvicorn/gunicorn/nginx access lines, and Rostra's own request lines (`rostra serve`
# turns uvicorn's access log off), console (status=500) or JSON ("status": 500).
ACCESS_STATUS = re.compile(r'HTTP/1\.[01]" (\d{3})|\bstatus=(\d{3})\b|"status": ?(\d{3})\b')
# structlog's console renderer pads the level ("[error    ]"); nginx writes "[error]".
ERROR_LINE = re.compile(
    r"\[(error|crit|alert|emerg|critical)\s*\]|^(ERROR|CRITICAL):|\bexception\b", re.I
)


def serve_rostra(
    processes: Processes,
    database: str,
    *,
    site: str,
    workers: int,
    workdir: Path,
    env: dict[str, str],
) -> Server:
    """Add ``site`` to ``database`` and start `rostra serve --workers N` on it (the posting
    benches: bench/profile_posting.py, bench/postgresql_posting.py)."""
    rostra = str(VENV_BIN / "rostra")
    subprocess.run(
        [rostra, "site", "add", site, "--origin", "https://bench.example", "--database", database],
        env={**os.environ, **env},
        check=True,
        capture_output=True,
    )
    port = free_port()
    command = [rostra, "serve", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", str(workers), "--database", database]
    return processes.start(
        "rostra",
        command,
        port=port,
        ready_path="/healthz",
        log_path=workdir / "server.log",
        env=env,
    )


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def group_rss_kib(pgid: int) -> int:
    """Resident memory of every process in the group (the master and its workers), in KiB."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            fields = stat.rpartition(")")[2].split()
            if int(fields[2]) != pgid:
                continue
            for line in (entry / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except (OSError, ValueError, IndexError):
            continue
    return total


def group_pids(pgid: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rpartition(")")[2].split()
            except OSError:
                continue
            if int(fields[2]) == pgid:
                pids.append(int(entry.name))
    return sorted(pids)


# --- Other load on the machine -------------------------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
CPUS = os.cpu_count() or 1


def machine_busy_ticks() -> int:
    """CPU ticks spent on anything but idle and iowait, all CPUs, since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return sum(values) - values[3] - values[4]


def group_ticks(pgid: int) -> int:
    """CPU ticks (user + system) used by the live processes of one group."""
    total = 0
    for pid in group_pids(pgid):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, ValueError, IndexError):
            continue
    return total


def children_ticks() -> int:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return round((usage.ru_utime + usage.ru_stime) * CLOCK_TICKS)


def wait_for_quiet(limit_s: float = 180.0, threshold: float = 0.15) -> float:
    """Wait (at most ``limit_s``) until other processes use less than ``threshold`` of the
    machine over one second; returns the share seen last."""
    deadline = time.monotonic() + limit_s
    share = 1.0
    announced = False
    while True:
        before = machine_busy_ticks()
        time.sleep(1.0)
        share = (machine_busy_ticks() - before) / (CLOCK_TICKS * CPUS)
        if share < threshold or time.monotonic() > deadline:
            return share
        if not announced:
            log(f"  (other processes use {share:.0%} of the CPUs; waiting up to {limit_s:.0f} s)")
            announced = True


# --- Load ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WrkRun:
    """One wrk run, as its Lua ``done`` hook reported it."""

    requests: int
    seconds: float
    errors: dict[str, int]
    latency_us: dict[str, float]
    statuses: dict[str, int]
    bytes: int
    other_load: float = 0.0  # share of the machine used by processes not in this measurement
    server_cpu: float = 0.0  # CPU seconds the server's processes used during the run

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def socket_errors(self) -> int:
        return sum(v for k, v in self.errors.items() if k != "status")


def wrk_command(
    url: str, *, connections: int, seconds: float, script: str, timeout: str = "30s"
) -> list[str]:
    threads = min(2, connections)
    return [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds:g}s",
        f"--timeout={timeout}",
        "-s",
        str(WRK_DIR / script),
        url,
    ]


def run_wrk(
    url: str,
    *,
    connections: int,
    seconds: float,
    script: str = "get.lua",
    env: dict[str, str] | None = None,
    server_pgid: int | None = None,
) -> WrkRun:
    command = wrk_command(url, connections=connections, seconds=seconds, script=script)
    machine, server, children = machine_busy_ticks(), 0, children_ticks()
    started = time.monotonic()
    if server_pgid is not None:
        server = group_ticks(server_pgid)
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=seconds + 60,
        check=False,
    )
    elapsed = time.monotonic() - started
    ours = children_ticks() - children
    server_cpu = 0.0
    if server_pgid is not None:
        server_ticks = group_ticks(server_pgid) - server
        ours += server_ticks
        server_cpu = server_ticks / CLOCK_TICKS
    other = max(0.0, (machine_busy_ticks() - machine - ours) / (CLOCK_TICKS * CPUS * elapsed))
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("WRKJSON ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    data = json.loads(line.removeprefix("WRKJSON "))
    return WrkRun(
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        errors=data["errors"],
        latency_us=data["latency_us"],
        statuses={str(k): v for k, v in data["statuses"].items()},
        bytes=data["bytes"],
        other_load=other if server_pgid is not None else 0.0,
        server_cpu=server_cpu,
    )


def warm_up(
    port: int, method: str, path: str, body: bytes | None = None, *, count: int = 20
) -> None:
    """A few sequential requests (bounded by count and 5 s), so the first measured request
    does not pay for imports and compiled-query caches."""
    deadline = time.monotonic() + 5.0
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        for _ in range(count):
            if time.monotonic() > deadline:
                break
            headers = {"Content-Type": "application/json"} if body else {}
            conn.request(method, path, body=body, headers=headers)
            conn.getresponse().read()
    finally:
        conn.close()


def fetch(port: int, path: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


# --- Profiles --------------------------------------------------------------------------------


def run_pyspy(pgid: int, seconds: float, output: Path) -> None:
    """Sample the server's processes (master and workers) into a collapsed-stack file."""
    command = [
        str(VENV_BIN / "py-spy"),
        "record",
        "--pid",
        str(pgid),
        "--subprocesses",
        "--nonblocking",
        "--full-filenames",
        "--rate",
        "200",
        "--duration",
        f"{seconds:g}",
        "--format",
        "raw",
        "--output",
        str(output),
    ]
    subprocess.run(command, capture_output=True, timeout=seconds + 60, check=True)


FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^()]+?)(?::(?P<line>\d+))?\)$")

# Frames where a thread is blocked, not working, but which py-spy still samples: C calls that
# wait without its idle heuristics noticing. Their samples are shown apart, not in the shares.
WAITS = {
    "aiosqlite/core.py:59": "aiosqlite's thread waiting for the next query (tx.get())",
    "selectors.py:468": "an event loop waiting for I/O (epoll)",
    "threading.py:327": "a thread waiting on a condition (e.g. a pool's thread)",
    "threading.py:331": "a thread waiting on a condition with a timeout",
}
# Start-up and loop frames that sit under everything and say nothing about costs.
PLUMBING = ("threading", "multiprocessing", "<string>", "runpy", "selectors")
PLUMBING_FILES = (
    "asyncio/base_events.py",
    "asyncio/runners.py",
    "asyncio/events.py",
    "uvicorn/_compat.py",
    "uvicorn/server.py",
    "uvicorn/supervisors/",
    "uvicorn/_subprocess.py",
    "uvicorn/main.py",
    "rostra/cli/",
    "typer/",
    "click/",
)


def summarize_profile(path: Path, top: int = 15) -> dict[str, list[tuple[str, float]]]:
    """Shares of the working samples: per line where the sample was taken (self), per
    function anywhere on the stack (inclusive, start-up and loop frames left out), and per
    package (self); plus the blocked samples py-spy did not recognize as idle."""
    self_time: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    packages: Counter[str] = Counter()
    waits: Counter[str] = Counter()
    total = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [frame for frame in map(_frame, stack.split(";")) if frame is not None]
        if not frames:
            continue
        leaf = frames[-1]
        wait = next((note for where, note in WAITS.items() if leaf.location.endswith(where)), None)
        if wait is not None:
            waits[wait] += count
            continue
        total += count
        self_time[f"{leaf.function} ({leaf.location})"] += count
        packages[leaf.package] += count
        for name in {frame.name for frame in frames if not frame.plumbing}:
            inclusive[name] += count
    if not total:
        return {"self": [], "inclusive": [], "packages": [], "waits": [], "samples": []}

    def share(counter: Counter[str], of: int = total) -> list[tuple[str, float]]:
        return [(name, 100.0 * n / of) for name, n in counter.most_common(top)]

    every = total + sum(waits.values())
    return {
        "self": share(self_time),
        "inclusive": share(inclusive),
        "packages": share(packages),
        "waits": share(waits, every),
        "samples": [("working", float(total)), ("all", float(every))],
    }


@dataclass(frozen=True)
class Frame:
    function: str
    location: str  # short file:line
    package: str
    plumbing: bool

    @property
    def name(self) -> str:
        return f"{self.function} ({self.location.rpartition(':')[0] or self.location})"


def _frame(frame: str) -> Frame | None:
    match = FRAME.match(frame.strip())
    if match is None:
        return None  # the "process 123:…" entries
    short = _short(match.group("file"))
    package = _package(short)
    plumbing = package in PLUMBING or any(short.startswith(p) for p in PLUMBING_FILES)
    location = f"{short}:{match.group('line')}" if match.group("line") else short
    return Frame(match.group("func"), location, package, plumbing)


def _short(file: str) -> str:
    for marker in ("site-packages/", "/src/", "lib/python3.11/"):
        if marker in file:
            return file.split(marker, 1)[1]
    return file


def _package(short: str) -> str:
    if short.startswith("rostra/"):
        return "rostra." + short.split("/")[1].removesuffix(".py")
    return short.split("/", 1)[0].removesuffix(".py") or short


Callback = Callable[[], None]
