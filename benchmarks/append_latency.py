#!/usr/bin/env python3
"""Wall time of `ledger-cli append LOG BATCH`, one process per append.

    benchmarks/append_latency.py LOG [--cli .build/release/ledger-cli] [--runs 15] [--batch 10] [APPEND OPTIONS...]

Each run appends a batch of B `accepted` events of new tickets (ids unique to the run) to LOG,
which grows: give a copy (e.g. of `ledger-bench generate --chain`'s year log). Other options go
to `ledger-cli append` (e.g. `--no-state`). Prints every run's wall and CPU time (user + sys,
of the child), their median and min (and the wall max), and the load average when the runs ended.
"""
import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("log")
    parser.add_argument("--cli", default=".build/release/ledger-cli")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--batch", type=int, default=10)
    args, extra = parser.parse_known_args()

    tag = f"{os.getpid()}-{int(time.time())}"
    times, cpus = [], []
    with tempfile.TemporaryDirectory() as folder:
        for run in range(args.runs):
            batch = os.path.join(folder, f"batch-{run}.jsonl")
            with open(batch, "w", encoding="utf-8") as out:
                for k in range(args.batch):
                    out.write(
                        f'{{"id":"lat-{tag}-{run}-{k}","ticket":"LAT-{tag}-{run}-{k}","type":"accepted",'
                        f'"at":"2025-01-01T09:00:00+08:00","channel":"hotline"}}\n'
                    )
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            child = subprocess.run([args.cli, "append", *extra, args.log, batch], capture_output=True, text=True)
            elapsed = time.perf_counter() - started
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            if child.returncode != 0:
                sys.stderr.write(child.stdout + child.stderr)
                return 1
            if child.stderr:
                sys.stderr.write(child.stderr)
            times.append(elapsed * 1000)
            cpus.append(cpu * 1000)
            print(f"run {run + 1}: {elapsed * 1000:.1f} ms wall, {cpu * 1000:.1f} ms CPU (user + sys)")
    print(
        f"append of {args.batch} events, {args.runs} runs: median {statistics.median(times):.1f} ms, "
        f"min {min(times):.1f} ms, max {max(times):.1f} ms; CPU (user + sys) median {statistics.median(cpus):.1f} ms, "
        f"min {min(cpus):.1f} ms"
    )
    print("load average:", " ".join(f"{x:.2f}" for x in os.getloadavg()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
