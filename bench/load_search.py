"""The parts of bench/load.py that look for the highest rate and price each request type.

find_rate: open-loop runs at rising rates — doubling from --rate until one fails, then bisection
between the last rate that held and the first that failed — bounded by --max-trials and
--search-minutes. A rate holds when p95 < 300 ms, p99 < 1 s, no errors (anything but 2xx/3xx, or a
connection error) and nothing left unanswered at the end.

cpu_table: the server's CPU milliseconds per request type. The request types are sent one at a
time, one type after another, on one connection, and the CPU time (user + system, from
/proc/PID/stat) of the gunicorn master and its workers is read before and after each type: the
difference divided by the count is that type's cost. Sequential on purpose: with concurrent
mixed traffic a process's CPU time cannot be split between the requests its threads serve at
once, and a per-thread clock (time.thread_time) would need a middleware in the application. CPU
time, unlike wall time, hardly depends on what else the machine is doing; the db_worker and
PostgreSQL are not counted (the database's share shows in the wall time).
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

P95_MS, P99_MS = 300, 1000
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds of the processes (those gone count 0)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / CLOCK_TICKS


def verdict(recorder, unfinished: int) -> tuple[bool, float, float, int]:
    """(holds, p95 ms, p99 ms, errors) of a run over all its requests."""
    from intake import percentile

    values = [ms for series in recorder.latency.values() for ms in series]
    errors = sum(
        count
        for statuses in recorder.statuses.values()
        for status, count in statuses.items()
        if not (isinstance(status, int) and 200 <= status < 400)
    )
    p95, p99 = percentile(values, 0.95), percentile(values, 0.99)
    holds = bool(values) and p95 < P95_MS and p99 < P99_MS and not errors and not unfinished
    return holds, p95, p99, errors


def find_rate(
    run_at: Callable[[float], tuple], *, start: float, max_trials: int, budget_s: float
) -> float | None:
    """The highest rate that held, or None if even `start` did not. `run_at(rate)` returns
    (recorder, elapsed, unfinished)."""
    deadline = time.monotonic() + budget_s
    good, bad = None, None
    rate = start
    print(
        f"{'trial':>5} {'rate/s':>8} {'done/s':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}  holds"
    )
    for trial in range(1, max_trials + 1):
        recorder, elapsed, unfinished = run_at(rate)
        holds, p95, p99, errors = verdict(recorder, unfinished)
        done = sum(sum(s.values()) for s in recorder.statuses.values()) / max(elapsed, 1e-9)
        print(
            f"{trial:5d} {rate:8.1f} {done:8.1f} {p95:8.0f} {p99:8.0f} {errors:7d}  "
            f"{'yes' if holds else 'no'}{f' ({unfinished} unfinished)' if unfinished else ''}",
            flush=True,
        )
        if holds:
            good = rate
        else:
            bad = rate
        if bad is None:
            rate *= 2
        elif good is None:
            rate /= 2
            if rate < 0.5:
                break
        elif bad / good <= 1.1:
            break
        else:
            rate = (good + bad) / 2
        if time.monotonic() >= deadline:
            print("search stopped: its time is up")
            break
    return good


def cpu_table(
    send: Callable[[str], list], labels: list[str], pids: Callable[[], list], *, per_label: int
) -> bool:
    """Send each label `per_label` times in turn and print CPU ms per request; False if any
    answer was an error. `send(label)` returns [(label, status), ...]; `pids()` the server's
    processes now."""
    ok = True
    print(f"{'request type':<40} {'n':>4} {'CPU ms/req':>11} {'wall ms p50':>12}  statuses")
    for label in labels:
        walls, statuses = [], {}
        processes = pids()
        before = cpu_seconds(processes)
        for _ in range(per_label):
            began = time.perf_counter()
            for _name, status in send(label):
                statuses[status] = statuses.get(status, 0) + 1
                ok &= isinstance(status, int) and 200 <= status < 400
            walls.append((time.perf_counter() - began) * 1000)
        cpu_ms = (cpu_seconds(processes) - before) * 1000 / per_label
        shown = ", ".join(f"{s}×{n}" for s, n in sorted(statuses.items(), key=str))
        print(
            f"{label:<40} {per_label:4d} {cpu_ms:11.1f} {statistics.median(walls):12.1f}  {shown}"
        )
    return ok
