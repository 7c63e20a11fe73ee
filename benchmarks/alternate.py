#!/usr/bin/env python3
"""Times commands in alternating rounds: each command once per round, in the order given.

    benchmarks/alternate.py ROUNDS 'LABEL=COMMAND ARGS…' ['LABEL=COMMAND ARGS…' …]

Each command runs on its own (no shell; output discarded), its wall time taken around the
process and its CPU time (user + system, and user alone) and peak RSS from wait4. Prints, for
each label, the fastest and median wall time, the median CPU and user times and the largest peak,
and the exit statuses if any command failed. User time leaves out the kernel's work (zeroing
fresh pages, copying the file), which moves most from run to run on a shared virtual machine. Alternating makes the commands share the machine's moods (load bursts,
memory the host has taken back), so their figures can be compared; the spread shows the rest.
"""
import os
import shlex
import statistics
import subprocess
import sys
import time


def main(argv):
    if len(argv) < 3 or not argv[1].isdigit() or any("=" not in spec for spec in argv[2:]):
        sys.exit(__doc__.strip())
    rounds = int(argv[1])
    specs = [spec.split("=", 1) for spec in argv[2:]]
    runs = {label: [] for label, _ in specs}
    for _ in range(rounds):
        for label, command in specs:
            start = time.perf_counter()
            child = subprocess.Popen(shlex.split(command), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            _, status, usage = os.wait4(child.pid, 0)
            wall = time.perf_counter() - start
            runs[label].append((wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, os.waitstatus_to_exitcode(status), usage.ru_utime))
    width = max(len(label) for label in runs)
    for label, results in runs.items():
        walls = [r[0] for r in results]
        cpus = [r[1] for r in results]
        failed = [r[3] for r in results if r[3] != 0]
        line = (f"{label:{width}}  wall fastest {min(walls) * 1000:8.1f} ms  median {statistics.median(walls) * 1000:8.1f} ms"
                f"  CPU median {statistics.median(cpus) * 1000:7.0f} ms  user median {statistics.median(r[4] for r in results) * 1000:7.0f} ms  peak {max(r[2] for r in results) / 1024:6.0f} MiB"
                f"  ({len(results)} runs)")
        if failed:
            line += f"  FAILED with {sorted(set(failed))}"
        print(line)


if __name__ == "__main__":
    main(sys.argv)
