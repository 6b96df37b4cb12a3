"""What the team caseload benchmarks share (``team_load_benchmark.py``, ``team_statement_counts.py``):
the import path (the project, its ``tests`` for ``postgres_cluster``, and ``benchmarks``), no demo
prompt, a throwaway PostgreSQL cluster with TLS (``tests/postgres_cluster.py``) and a work folder
(the PersonalBudget home in it), both removed at the end, and the server's CPU time.

Import it before anything of the project's: ``import team_cluster`` (the script's folder is on the
path), then ``with team_cluster.cluster("pb-load-") as (server, workdir): ...``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for _folder in (ROOT / "benchmarks", ROOT / "tests", ROOT):
    if str(_folder) not in sys.path:
        sys.path.insert(0, str(_folder))
os.environ["PERSONALBUDGET_NO_DEMO_PROMPT"] = "1"


@contextlib.contextmanager
def cluster(prefix: str) -> Iterator[tuple[Any, Path]]:
    """A throwaway PostgreSQL cluster (``postgres_cluster.start_server``) and a new work folder
    (``prefix`` + random), with ``PERSONALBUDGET_HOME`` in it unless one is set; on leaving, the
    cluster is stopped and both folders removed, whatever happened."""
    from postgres_cluster import start_server

    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    os.environ.setdefault("PERSONALBUDGET_HOME", str(workdir / "home"))
    try:
        server = start_server()
        try:
            yield server, workdir
        finally:
            server.stop()
            shutil.rmtree(server.folder, ignore_errors=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def server_cpu_s(server: Any) -> float:
    """CPU seconds used so far by the PostgreSQL server: the postmaster, the backends it has
    reaped, and those still running (from /proc; 0 where there is none)."""
    try:
        postmaster = int((server.data_dir / "postmaster.pid").read_text().split()[0])
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, ValueError):
                fields = stat.read_text().rsplit(")", 1)[1].split()
                pid, parent = int(stat.parent.name), int(fields[1])
                if pid == postmaster:
                    total += sum(int(f) for f in fields[11:15])  # utime, stime, cutime, cstime
                elif parent == postmaster:
                    total += int(fields[11]) + int(fields[12])
        return total / ticks
    except (OSError, ValueError, IndexError):
        return 0.0
