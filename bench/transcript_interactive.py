#!/usr/bin/env python3
"""The "20,000-word transcript with 2,000 annotations is interactive in Chromium in < 300 ms"
measurement: builds such a project through the JSON API, serves it, and runs
bench/transcript_interactive.mjs (Node + playwright-core + /usr/bin/chromium) on /transcripts/T1.

    python3 bench/transcript_interactive.py --bin target/release/idiograph \\
        --dir /work/benchtmp/interactive [--words 20000 --notes 2000 --runs 5] [--out result.json]

The transcript is deterministic (seed 1): alternating `Interviewer:` / `P001:` turns of words
from the shared workload's vocabulary, exactly --words whitespace-separated words (labels
included). The annotations are --notes exploratory notes (descriptive, linguistic, conceptual in
turn) on word-aligned spans of 20-300 bytes inside participant turns, so many overlap, each
created with POST /api/v1/notes (UTF-8 byte offsets).
"""
import argparse
import json
import os
import random
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from http_workload import Client, Server  # noqa: E402

try:
    sys.path.insert(0, "/work/shared/bench")
    from qda_workload import WORDS  # noqa: E402
except ImportError:  # pragma: no cover
    WORDS = ("the a and to of in that it was we they I you but so just really think know like mean "
             "people time work home family school money job day week year community support").split()


def make_transcript(nwords, seed=1):
    rng = random.Random("%s/interactive" % seed)
    turns, count, i = [], 0, 0
    while count < nwords:
        label = "Interviewer:" if i % 2 == 0 else "P001:"
        n = min(rng.randint(8, 25) if i % 2 == 0 else rng.randint(30, 160), nwords - count - 1)
        if n <= 0:
            break
        words = [rng.choice(WORDS) for _ in range(n)]
        words[0] = words[0].capitalize()
        turns.append("%s %s." % (label, " ".join(words)))
        count += n + 1
        i += 1
    text = "\n\n".join(turns) + "\n"
    return text


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default="target/release/idiograph")
    ap.add_argument("--dir", required=True)
    ap.add_argument("--words", type=int, default=20000)
    ap.add_argument("--notes", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--out")
    a = ap.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    proj = os.path.join(a.dir, "interactive.idg")
    for s in ("", "-wal", "-shm"):
        if os.path.exists(proj + s):
            os.remove(proj + s)
    subprocess.run([a.bin, "init", proj, "--title", "interactive"], check=True, capture_output=True)
    text = make_transcript(a.words)
    data = text.encode()
    assert len(text.split()) == a.words, len(text.split())
    srv = Server(a.bin, proj)
    try:
        c = Client(srv.host, srv.port)
        p = c.json("POST", "/api/v1/participants", {"pseudonym": "P001"})
        got = c.json("POST", "/api/v1/transcripts?participant=%s&name=long.txt" % p["id"], data)
        tid = got["imported"][0]["id"]
        t = c.json("GET", "/api/v1/transcripts/%s" % tid)
        version = t["version"]
        # Participant turns, and word starts inside each turn's body.
        rng = random.Random("1/interactive-notes")
        spans = []
        for m in re.finditer(r"^P001: (.*)$", text, re.M):
            body_start = m.start(1)
            starts = [body_start + w.start() for w in re.finditer(r"\S+", m.group(1))]
            spans.append((starts, m.end(1)))
        kinds = ["descriptive", "linguistic", "conceptual"]
        t0 = time.perf_counter()
        c.latencies = []
        for i in range(a.notes):
            starts, end_of_turn = rng.choice(spans)
            s = rng.choice(starts[: max(1, len(starts) * 2 // 3)])
            e = min(end_of_turn, s + rng.randint(20, 300))
            c.json("POST", "/api/v1/notes", {"transcript": tid, "version": version, "start": s, "end": e,
                                             "kind": kinds[i % 3], "text": "Note %d on this passage." % (i + 1)})
        notes_s = time.perf_counter() - t0
        lat = sorted(c.latencies)
        print("transcript %s: %d words, %d bytes, %d lines; %d notes in %.2f s (p50 %.2f ms)" % (
            tid, a.words, len(data), len(t["lines"]), a.notes, notes_s, lat[len(lat) // 2] * 1000), flush=True)
        # Server-side time of the page alone, from a Python GET (no browser).
        c.latencies = []
        for _ in range(5):
            c.request("GET", "/transcripts/%s" % tid)
        page_ms = sorted(x * 1000 for x in c.latencies)[2]
        print("GET /transcripts/%s from Python: median %.1f ms" % (tid, page_ms), flush=True)
        url = "http://%s:%d/transcripts/%s" % (srv.host, srv.port, tid)
        out = a.out or os.path.join(a.dir, "interactive.json")
        here = os.path.dirname(os.path.abspath(__file__))
        subprocess.run(["node", os.path.join(here, "transcript_interactive.mjs"), url, str(a.runs), out], check=True)
        # Then changes shown in place on the same page: key press → note visible (issue #15).
        edits = os.path.join(a.dir, "edits.json")
        subprocess.run(["node", os.path.join(here, "edits_in_place.mjs"), url,
                        "http://%s:%d/deid" % (srv.host, srv.port), "20", "0", edits], check=True)
        with open(out) as fp:
            res = json.load(fp)
        with open(edits) as fp:
            res["edits_in_place"] = json.load(fp)
        res["setup"] = {"words": a.words, "bytes": len(data), "lines": len(t["lines"]), "notes": a.notes,
                        "notes_wall_s": notes_s, "page_get_python_median_ms": page_ms,
                        "server_hwm_kb": srv.status().get("VmHWM")}
        with open(out, "w") as fp:
            json.dump(res, fp, indent=1)
        print("wrote %s" % out)
    finally:
        srv.stop()


if __name__ == "__main__":
    main()
