#!/usr/bin/env python3
"""Time one kind of request against a project that http_workload.py has filled, optionally with
the server under `perf stat` or `perf record`: to find where the time of a slow phase goes.

    python3 bench/http_probe.py --project /work/benchtmp/run-medium/bench.idg \\
        --workload /work/benchtmp/wl-medium --bin target/release/idiograph \\
        --what floor,study,journal,extract,page,tjson --n 50 [--perf-stat] [--perf-record out.data]

The server inherits the environment (e.g. MALLOC_ARENA_MAX=1 to test the allocator's share of
the RSS). Each scenario runs --n times on one keep-alive connection and prints p50/p95/mean latency and the
server CPU time per request. Scenarios that write (journal, extract) change the project: point
--project at a copy (--copy does that for you).

  floor    GET /api/v1/history?limit=1   (one small read; no snapshot)
  study    GET /api/v1/study             (one Workbench::snapshot() and a tiny JSON)
  journal  POST /api/v1/journal          (one durable write; no snapshot)
  extract  POST /api/v1/extracts         (a planned highlight on its theme, as the highlights phase)
  page     GET /transcripts/T<i>         (the three-column page)
  tjson    GET /api/v1/transcripts/T<i>  (the transcript as JSON)
  extracts GET /api/v1/extracts
  qdc      GET /api/v1/reports/qdc
  search   GET /api/v1/search?q=TERM&no_stem=1&kind=transcript (the planted terms in turn)
"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from http_workload import Client, Server, load_workload, pct  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--project", required=True)
    ap.add_argument("--workload", required=True)
    ap.add_argument("--bin", default="target/release/idiograph")
    ap.add_argument("--what", default="floor,study,journal,extract,page,tjson")
    ap.add_argument("--n", type=int, default=50)
    ap.add_argument("--copy", action="store_true", help="work on a copy of the project")
    ap.add_argument("--perf-stat", action="store_true")
    ap.add_argument("--perf-record", metavar="FILE")
    a = ap.parse_args()
    proj = a.project
    if a.copy:
        proj = a.project + ".probe.idg"
        for s in ("", "-wal", "-shm"):
            if os.path.exists(proj + s):
                os.remove(proj + s)
        # A consistent copy through the binary (safe while WAL is in use).
        subprocess.run([a.bin, "-p", a.project, "backup", proj], check=True, capture_output=True)
    plan, _ = load_workload(a.workload)
    srv = Server(a.bin, proj)
    try:
        c = Client(srv.host, srv.port)
        trs = c.json("GET", "/api/v1/transcripts")["transcripts"]
        versions = {t["id"]: t["version"] for t in trs}
        ids = [t["id"] for t in trs]
        themes = []
        for g in c.json("GET", "/api/v1/themes")["gets"]:
            themes.append(g["id"])
        for what in a.what.split(","):
            reqs = []
            for i in range(a.n):
                if what == "floor":
                    reqs.append(("GET", "/api/v1/history?limit=1", None))
                elif what == "study":
                    reqs.append(("GET", "/api/v1/study", None))
                elif what == "journal":
                    reqs.append(("POST", "/api/v1/journal", {"text": "probe %d" % i}))
                elif what == "extract":
                    h = plan["highlights"][i % len(plan["highlights"])]
                    tr = ids[h["doc"] % len(ids)]
                    reqs.append(("POST", "/api/v1/extracts", {
                        "transcript": tr, "version": versions[tr], "start": h["raw_start"],
                        "end": h["raw_end"], "theme": themes[h["tags"][0] % len(themes)]}))
                elif what == "page":
                    reqs.append(("GET", "/transcripts/%s" % ids[i % len(ids)], None))
                elif what == "tjson":
                    reqs.append(("GET", "/api/v1/transcripts/%s" % ids[i % len(ids)], None))
                elif what == "extracts":
                    reqs.append(("GET", "/api/v1/extracts", None))
                elif what == "search":
                    term = ["broadband", "childcare", "pension"][i % 3]
                    reqs.append(("GET", "/api/v1/search?q=%s&no_stem=1&kind=transcript" % term, None))
                elif what == "qdc":
                    reqs.append(("GET", "/api/v1/reports/qdc", None))
                else:
                    sys.exit("unknown scenario %s" % what)
            perf = None
            if a.perf_stat or a.perf_record:
                cmd = ["perf", "stat", "-p", str(srv.pid)] if a.perf_stat else [
                    "perf", "record", "-F", "999", "--call-graph", "dwarf,16384", "-p", str(srv.pid),
                    "-o", "%s.%s" % (a.perf_record, what)]
                perf = subprocess.Popen(cmd, stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
                time.sleep(0.5)
            c.latencies = []
            cpu0 = srv.cpu_s()
            t0 = time.perf_counter()
            for m, p, b in reqs:
                c.request(m, p, b)
            wall = time.perf_counter() - t0
            cpu = srv.cpu_s() - cpu0
            if perf:
                perf.send_signal(signal.SIGINT)
                _, err = perf.communicate()
                if a.perf_stat:
                    print(err)
            lat = [x * 1000 for x in c.latencies]
            st = srv.status()
            print("%-9s n=%-4d wall %7.3f s  mean %7.2f ms  p50 %7.2f ms  p95 %7.2f ms  server cpu %6.2f ms/req"
                  "  server VmHWM %.1f MB VmRSS %.1f MB" % (
                      what, len(lat), wall, sum(lat) / len(lat), pct(lat, 50), pct(lat, 95), cpu * 1000 / len(lat),
                      st["VmHWM"] / 1024, st["VmRSS"] / 1024), flush=True)
    finally:
        srv.stop()


if __name__ == "__main__":
    main()
