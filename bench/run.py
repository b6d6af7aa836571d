"""Runs every benchmark: `make bench` (`BENCH_QUICK=1` or `--quick`: a smaller smoke run).

`python -m bench.run P1 P3` runs only those.
"""
from __future__ import annotations

import os
import platform
import sys
import time
from datetime import datetime, timezone

from . import p1_completion, p2_inbox, p3_timer_sweep, p4_hearing, p5_throughput
from . import p6_council, p7_search, p8_case_page, p9_heatmap, p10_registration  # issue 19
from . import p11_review_register, p12_hearing_note  # issues 14 and 16
from . import p13_agenda_pack  # issue 15
from .common import quick

BENCHMARKS = {"P1": p1_completion, "P2": p2_inbox, "P3": p3_timer_sweep, "P4": p4_hearing, "P5": p5_throughput}
BENCHMARKS.update({"P6": p6_council, "P7": p7_search, "P8": p8_case_page, "P9": p9_heatmap,  # issue 19
                   "P10": p10_registration, "P11": p11_review_register,  # issue 14
                   "P12": p12_hearing_note})  # issue 16
BENCHMARKS["P13"] = p13_agenda_pack  # issue 15: the agenda pack with 60 attached PDFs


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    chosen = [a.upper() for a in argv if not a.startswith("-")] or list(BENCHMARKS)
    print(f"Byplan benchmarks {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC on {platform.node()}: "
          f"{os.cpu_count()} cores, Python {platform.python_version()}" + (" (quick)" if quick() else ""))
    results = []
    for name in chosen:
        t0 = time.perf_counter()
        result = BENCHMARKS[name].run()
        print()
        print(result.table())
        print(f"    ({time.perf_counter() - t0:.0f} s)")
        results.append(result)
    print()
    print("Summary: " + ", ".join(f"{r.name} {'PASS' if r.passed else 'MISS'}" for r in results))
    return 0  # a miss is a finding, not a failure of the run


if __name__ == "__main__":
    sys.exit(main())
