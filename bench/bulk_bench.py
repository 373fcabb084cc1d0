"""Throughput and memory of ``enricher bulk``: one process, every core, and Spark ``local[2]``.

Usage: python bench/bulk_bench.py [--reports 20000] [--modes one,all,spark] [--rounds 1] [--json OUT.json]

Writes the labelled corpora (tests/corpus/*.jsonl, ../shared/corpus/dev.jsonl and, when present,
../shared/corpus/real/real-dev.jsonl, read at run time) as DiagnosticReports, repeated with distinct ids
to at least ``--reports`` lines, into a temporary Bulk Data NDJSON file. Each mode runs ``enricher bulk``
in its own process, as a user would; a sampler reads /proc every 0.2 s for the peak resident (RSS) and
proportional (PSS: shared pages divided among their sharers) memory of every process of the run. Each mode
is timed from start to the end of the run (Spark: including its JVM start, which the run reports apart)
and the files of every mode are compared byte for byte. With ``--rounds 2`` the modes alternate, so that
a change of the machine's load shows as a spread, not as a difference between modes.

The projection for 10 million reports takes the measured rate of one process per core times the
measured scaling efficiency of ``--workers`` (rate of all cores / (cores x rate of one)), and assumes that
efficiency holds on more cores of a machine or cluster (the work is independent per report; the writer
is one process and is far from its limit at these rates).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPORA = [ROOT / "tests" / "corpus" / f"{name}.jsonl" for name in ("own", "patterns", "dev")] + [
    ROOT.parent / "shared" / "corpus" / "dev.jsonl", ROOT.parent / "shared" / "corpus" / "real" / "real-dev.jsonl"]
TRANSACTION_TIME = "2026-01-01T00:00:00.000Z"
OUTPUTS = ("DiagnosticReport.ndjson", "Observation.ndjson", "Provenance.ndjson", "OperationOutcome.ndjson")


def write_input(path: Path, reports: int) -> tuple[int, list[str]]:
    texts, used = [], []
    for corpus in CORPORA:
        if corpus.is_file():
            used.append(str(corpus.relative_to(ROOT.parent)))
            texts += [json.loads(line)["text"] for line in corpus.read_text("utf-8").splitlines() if line.strip()]
    written = 0
    with open(path, "w", encoding="utf-8") as handle:
        while written < reports:
            for number, text in enumerate(texts):
                report = {"resourceType": "DiagnosticReport", "id": f"r{written}-{number}", "status": "final",
                          "code": {"text": "MRI spine"}, "subject": {"reference": f"Patient/p{written}"},
                          "conclusion": text}
                handle.write(json.dumps(report, ensure_ascii=False) + "\n")
                written += 1
    return written, used


class Sampler(threading.Thread):
    """Peak RSS and PSS (MB) of a process and all its descendants, by process."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid = pid
        self.peaks: dict[int, dict] = {}
        self.stop = threading.Event()
        self.startup_cpu: float | None = None  # the main process's CPU time when its first child appeared

    def run(self) -> None:
        while not self.stop.is_set():
            children = _descendants(self.pid)
            if children and self.startup_cpu is None:
                self.startup_cpu = _cpu(self.pid)
            for pid in [self.pid, *children]:
                memory = _memory(pid)
                if memory:
                    peak = self.peaks.setdefault(pid, {"rss": 0.0, "pss": 0.0, "name": _name(pid), "cpu": 0.0})
                    peak["rss"] = max(peak["rss"], memory[0])
                    peak["pss"] = max(peak["pss"], memory[1])
                    peak["cpu"] = max(peak["cpu"], _cpu(pid))
            self.stop.wait(0.2)


def _descendants(pid: int) -> list[int]:
    found, queue = [], [pid]
    while queue:
        parent = queue.pop()
        try:
            tasks = os.listdir(f"/proc/{parent}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                children = Path(f"/proc/{parent}/task/{task}/children").read_text().split()
            except OSError:
                continue
            for child in map(int, children):
                found.append(child)
                queue.append(child)
    return found


def _memory(pid: int) -> tuple[float, float] | None:
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return None
    values = {key: int(value) / 1024 for key, value in re.findall(r"^(Rss|Pss):\s+(\d+) kB", text, re.M)}
    return values.get("Rss", 0.0), values.get("Pss", 0.0)


def _cpu(pid: int) -> float:
    """User and system seconds of the process itself (not of its children)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _name(pid: int) -> str:
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return "?"
    text = " ".join(part.decode(errors="replace") for part in command[:4])
    if "java" in command[0].decode(errors="replace"):
        return "java"
    if "pyspark.daemon" in text:  # the daemon and the workers it forks
        return "python worker"
    return "python"


def run_mode(mode: str, source: Path, out: Path, cores: int, baseline: str | None = None) -> dict:
    command = [sys.executable, "-m", "service.cli", "bulk", str(source), str(out),
               "--transaction-time", TRANSACTION_TIME]
    kind = mode.removesuffix("-baseline")
    command += {"one": ["--workers", "1"], "all": ["--workers", str(cores)],
                "spark": ["--spark", "--master", "local[2]"]}[kind]
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    if kind != mode:  # the code of another checkout (git archive of a commit), for before/after runs
        env["PYTHONPATH"] = baseline
    load_before = os.getloadavg()[0]
    cpu_before = _children_cpu()
    started = time.monotonic()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True, cwd=baseline if kind != mode else None)
    sampler = Sampler(process.pid)
    sampler.start()
    _, err = process.communicate()
    seconds = time.monotonic() - started
    cpu = max(_children_cpu() - cpu_before, sum(peak["cpu"] for peak in sampler.peaks.values()))
    sampler.stop.set()
    sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"{mode} failed:\n{err[-3000:]}")
    summary = next(line for line in err.splitlines() if line.startswith("enricher bulk: "))
    reports = int(re.search(r"(\d+) reports", summary).group(1))
    run_seconds = float(re.search(r", ([\d.]+) s \(", summary).group(1))
    peaks = list(sampler.peaks.values())
    workers = [peak for peak in peaks if peak["name"] == "python worker"] if kind == "spark" else \
        ([peak for peak in peaks[1:] if peak["name"] == "python"] or peaks[:1])
    if kind == "one":
        workers = peaks[:1]
    return {
        "mode": mode, "reports": reports, "seconds": round(seconds, 2), "reports_per_s": round(reports / seconds, 1),
        "load_before": round(load_before, 2), "load_after": round(os.getloadavg()[0], 2),
        "worker_processes": len(workers),
        "worker_rss_mb_max": round(max((peak["rss"] for peak in workers), default=0.0), 1),
        "worker_pss_mb_max": round(max((peak["pss"] for peak in workers), default=0.0), 1),
        "main_rss_mb": round(peaks[0]["rss"], 1) if peaks else 0.0,
        "main_cpu_seconds": round(peaks[0]["cpu"], 2) if peaks else 0.0,
        # The main process's own CPU time per report (with --workers N it reads, hands out and writes;
        # with one worker it is the whole run), and the workers' (summed, and each worker's seconds).
        "main_cpu_ms_per_report": round(1000 * peaks[0]["cpu"] / reports, 3) if peaks else 0.0,
        # With workers: the main process's CPU time before it started them (imports, the engine's load,
        # which the workers inherit), and per report after that: what handing out and writing costs.
        "main_startup_cpu_seconds": None if sampler.startup_cpu is None else round(sampler.startup_cpu, 2),
        "main_cpu_ms_per_report_after_startup": None if sampler.startup_cpu is None or not peaks else
        round(1000 * (peaks[0]["cpu"] - sampler.startup_cpu) / reports, 3),
        "workers_cpu_ms_per_report": round(1000 * sum(peak["cpu"] for peak in workers) / reports, 3),
        "worker_cpu_seconds": [round(peak["cpu"], 2) for peak in workers],
        "java_rss_mb": round(sum(peak["rss"] for peak in peaks if peak["name"] == "java"), 1),
        "run_seconds_reported": run_seconds,
        # CPU time of the run's processes (Spark's JVM and Python workers too), which the other users of
        # the machine do not change: what the work costs, apart from the wait for a core.
        "cpu_seconds": round(cpu, 1), "cpu_ms_per_report": round(1000 * cpu / reports, 2),
    }


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def projections(results: list[dict], cores: int) -> dict:
    best = {}
    for result in results:
        best[result["mode"]] = max(best.get(result["mode"], 0.0), result["reports_per_s"])
    if "one" not in best:
        return {}
    one = best["one"]
    efficiency = best.get("all", one * cores) / (one * cores)
    projected = {}
    for n in (2, 16, 64):
        rate = one * n * efficiency
        projected[f"{n}_cores_hours"] = round(10_000_000 / rate / 3600, 1)
    if "spark" in best:
        spark_per_core = best["spark"] / 2
        for n in (16, 64):
            projected[f"spark_{n}_cores_hours"] = round(10_000_000 / (spark_per_core * n) / 3600, 1)
    cpu = {result["mode"]: result["cpu_ms_per_report"] for result in results}
    # On idle cores the rate is what the CPU time per report allows (the mean of the runs), the
    # start-up left aside: it is seconds against hours.
    by_cpu = {}
    for mode in dict.fromkeys(result["mode"] for result in results):
        runs = [result["cpu_ms_per_report"] for result in results if result["mode"] == mode]
        if mode != "one" and runs:
            by_cpu[mode] = {str(n): round(10_000_000 * sum(runs) / len(runs) / n / 3_600_000, 2) for n in (2, 16, 64)}
    return {"one_process_reports_per_s": one,
            "cpu_ms_per_report": cpu,
            # On idle cores every process gets a whole core: the rate its CPU time per report allows.
            "idle_machine_estimate_reports_per_s": {mode: round(1000 * (1 if mode == "one" else 2) / ms, 1)
                                                    for mode, ms in cpu.items() if ms}, "all_cores_reports_per_s": best.get("all"),
            "scaling": round(best.get("all", one) / one, 2), "efficiency": round(efficiency, 2),
            "spark_reports_per_s": best.get("spark"),
            "spark_vs_all_cores": round(best["spark"] / best["all"], 2) if "spark" in best and "all" in best else None,
            "ten_million_reports": projected, "ten_million_reports_idle_cores_by_cpu": by_cpu}


def table(results: list[dict], projection: dict) -> list[str]:
    """The numbers the issue asks for, as text: per mode every run's rate, CPU and memory, then the
    projected hours for 10 million reports."""
    lines = ["mode | reports/s | CPU ms/report | main ms/report* | workers ms/report | worker peak RSS / PSS MB"]
    for mode in dict.fromkeys(result["mode"] for result in results):
        runs = [result for result in results if result["mode"] == mode]

        def each(key: str) -> str:
            return ", ".join("-" if run.get(key) is None else f"{run[key]:g}" for run in runs)

        lines.append(f"{mode} | {each('reports_per_s')} | {each('cpu_ms_per_report')} | "
                     f"{each('main_cpu_ms_per_report_after_startup')} | {each('workers_cpu_ms_per_report')} | "
                     f"{max(run['worker_rss_mb_max'] for run in runs):g} / "
                     f"{max(run['worker_pss_mb_max'] for run in runs):g}")
    lines.append("* the main process after its start-up (with one process: none; on Spark: the driver after "
                 "the JVM started)")
    hours = projection.get("ten_million_reports", {})
    if hours:
        lines.append("10 million reports, from the measured rates: " + ", ".join(
            f"{n} cores {hours[f'{n}_cores_hours']} h" for n in (2, 16, 64)) + "".join(
            f"; Spark on {n} cores {hours[f'spark_{n}_cores_hours']} h" for n in (16, 64)
            if f"spark_{n}_cores_hours" in hours))
    by_cpu = projection.get("ten_million_reports_idle_cores_by_cpu", {})
    for mode, hours in by_cpu.items():
        lines.append(f"10 million reports on idle cores, from {mode}'s CPU time per report: " +
                     ", ".join(f"{n} cores {hours[str(n)]} h" for n in (2, 16, 64)))
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=20_000)
    parser.add_argument("--modes", default="one,all,spark")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--baseline", help="a checkout whose code the modes ending in -baseline run "
                                           "(e.g. spark-baseline), for alternating before/after runs")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    modes = args.modes.split(",")
    with tempfile.TemporaryDirectory(prefix="bulk-bench-") as folder:
        source = Path(folder) / "DiagnosticReport.ndjson"
        reports, used = write_input(source, args.reports)
        print(f"input: {reports} reports, {source.stat().st_size / 1e6:.1f} MB, from {', '.join(used)}; "
              f"{cores} cores", flush=True)
        results, reference = [], None
        for round_number in range(args.rounds):
            for mode in modes:
                out = Path(folder) / f"out-{mode}-{round_number}"
                result = run_mode(mode, source, out, cores, args.baseline and str(Path(args.baseline).resolve()))
                files = [(out / name).read_bytes() for name in OUTPUTS]
                result["identical_output"] = reference is None or files == reference
                reference = reference or files
                results.append(result)
                print(json.dumps(result), flush=True)
                for name in OUTPUTS:
                    (out / name).unlink()
    summary = {"cores": cores, "reports": reports, "corpora": used, "results": results,
               "projection": projections(results, cores)}
    print(json.dumps(summary["projection"], indent=1))
    print("\n".join(table(results, summary["projection"])))
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
