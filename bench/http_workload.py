#!/usr/bin/env python3
"""Drive the shared QDA workload through Idiograph's browser workbench over loopback HTTP.

One sequential client (one persistent keep-alive connection, like one browser tab) runs the
phases of /work/shared/bench/README.md with the same keys, against `idiograph serve` started
by this script from a release binary, and writes the shared result JSON:

    {"label", "params", "phases": [{"key", "phase", "count", "wall_s", "lat_p50_ms",
     "lat_p95_ms", "status", ...}], "server_peak_rss_kb"}

Standard library only (Python 3.11). See bench/README.md for how QDA concepts map onto IPA.

    python3 /work/shared/bench/qda_workload.py --docs 100 --doc-kb 60 --tags 20 \\
        --highlights-per-doc 20 --out /work/benchtmp/wl-medium
    cargo build --release -p idiograph
    python3 bench/http_workload.py --workload /work/benchtmp/wl-medium \\
        --bin target/release/idiograph --dir /work/benchtmp/run-medium --out results.json
"""
import argparse
import datetime
import http.client
import json
import os
import re
import subprocess
import sys
import threading
import time
import uuid


# --------------------------------------------------------------------------- server process

class Server:
    """`idiograph serve PROJECT --port 0`, with its pid for /proc measurements."""

    def __init__(self, binary, project, author="bench"):
        env = dict(os.environ, IDIOGRAPH_AUTHOR=author)
        self.proc = subprocess.Popen(
            [binary, "serve", project, "--port", "0"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        line = self.proc.stdout.readline()
        m = re.search(r"http://(127\.0\.0\.1):(\d+)/", line)
        if not m:
            err = self.proc.stderr.read() if self.proc.poll() is not None else ""
            self.proc.kill()
            raise RuntimeError("server did not print its URL: %r %s" % (line, err))
        self.host, self.port = m.group(1), int(m.group(2))
        self.pid = self.proc.pid
        # Keep draining the pipes so the server never blocks on a full pipe.
        for stream in (self.proc.stdout, self.proc.stderr):
            threading.Thread(target=stream.read, daemon=True).start()

    def status(self):
        out = {}
        with open("/proc/%d/status" % self.pid) as fp:
            for line in fp:
                k, _, v = line.partition(":")
                if k in ("VmHWM", "VmRSS"):
                    out[k] = int(v.split()[0])
        return out

    def reset_hwm(self):
        """Resets VmHWM to the current RSS (Linux >= 4.0), so each phase gets its own peak."""
        try:
            with open("/proc/%d/clear_refs" % self.pid, "w") as fp:
                fp.write("5")
            return True
        except OSError:
            return False

    def cpu_s(self):
        """utime + stime of the server process, in seconds."""
        with open("/proc/%d/stat" % self.pid) as fp:
            fields = fp.read().rpartition(")")[2].split()
        tick = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / tick

    def io_bytes(self):
        out = {}
        try:
            with open("/proc/%d/io" % self.pid) as fp:
                for line in fp:
                    k, _, v = line.partition(":")
                    out[k] = int(v)
        except OSError:
            pass
        return out

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(2)  # SIGINT, like Ctrl+C
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# --------------------------------------------------------------------------- HTTP client

class HttpError(Exception):
    pass


class Client:
    """One keep-alive connection; every mutating request carries our own Origin (CSRF guard)."""

    def __init__(self, host, port):
        self.host, self.port = host, port
        self.origin = "http://%s:%d" % (host, port)
        self.conn = http.client.HTTPConnection(host, port, timeout=600)
        self.latencies = []

    def request(self, method, path, body=None, ctype=None, expect=(200, 201)):
        headers = {"Host": "%s:%d" % (self.host, self.port), "Accept": "*/*"}
        if method not in ("GET", "HEAD"):
            headers["Origin"] = self.origin
        if body is not None:
            if isinstance(body, (dict, list)):
                body = json.dumps(body).encode()
                ctype = ctype or "application/json"
            headers["Content-Type"] = ctype or "application/octet-stream"
        t0 = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=headers)
            resp = self.conn.getresponse()
            data = resp.read()
        except (http.client.HTTPException, ConnectionError):
            # A closed keep-alive connection: reconnect once.
            self.conn.close()
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=600)
            t0 = time.perf_counter()
            self.conn.request(method, path, body=body, headers=headers)
            resp = self.conn.getresponse()
            data = resp.read()
        dt = time.perf_counter() - t0
        self.latencies.append(dt)
        if resp.status not in expect:
            raise HttpError("%s %s -> %d %s" % (method, path, resp.status, data[:300]))
        return resp.status, resp.getheader("Content-Type") or "", data

    def json(self, method, path, body=None, expect=(200, 201)):
        _, _, data = self.request(method, path, body, expect=expect)
        return json.loads(data)


def multipart(fields, files):
    """multipart/form-data body: fields [(name, value)], files [(field, filename, bytes)]."""
    boundary = "----idiographbench" + uuid.uuid4().hex
    out = []
    for name, value in fields:
        out.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n"
                    % (boundary, name, value)).encode())
    for field, filename, data in files:
        out.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
                    "Content-Type: text/plain\r\n\r\n" % (boundary, field, filename)).encode())
        out.append(data)
        out.append(b"\r\n")
    out.append(("--%s--\r\n" % boundary).encode())
    return b"".join(out), "multipart/form-data; boundary=%s" % boundary


# --------------------------------------------------------------------------- phases

def pct(values, p):
    if not values:
        return None
    v = sorted(values)
    k = (len(v) - 1) * p / 100.0
    lo, hi = int(k), min(int(k) + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


class Runner:
    def __init__(self, server, client, verbose=True):
        self.server, self.client = server, client
        self.phases = []
        self.verbose = verbose

    def phase(self, key, title, fn):
        """Runs fn() -> (count, status, extra) and records wall time, latencies, RSS, CPU."""
        self.server.reset_hwm()
        self.client.latencies = []
        cpu0, io0 = self.server.cpu_s(), self.server.io_bytes()
        ccpu0 = time.process_time()
        t0 = time.perf_counter()
        try:
            count, status, extra = fn()
        except Exception as e:  # record the failure, keep measuring the rest
            count, status, extra = len(self.client.latencies), "error: %s" % e, {}
        wall = time.perf_counter() - t0
        ccpu = time.process_time() - ccpu0
        cpu1, io1 = self.server.cpu_s(), self.server.io_bytes()
        st = self.server.status()
        lat = [x * 1000 for x in self.client.latencies]
        row = {
            "key": key, "phase": title, "count": count, "wall_s": round(wall, 6),
            "lat_p50_ms": round(pct(lat, 50), 3) if lat else None,
            "lat_p95_ms": round(pct(lat, 95), 3) if lat else None,
            "lat_max_ms": round(max(lat), 3) if lat else None,
            "requests": len(lat),
            "status": status,
            "server_cpu_s": round(cpu1 - cpu0, 3),
            "client_cpu_s": round(ccpu, 3),
            "server_hwm_kb": st.get("VmHWM"), "server_rss_kb_after": st.get("VmRSS"),
            "server_write_bytes": io1.get("write_bytes", 0) - io0.get("write_bytes", 0),
        }
        row.update(extra)
        self.phases.append(row)
        if self.verbose:
            print("%-22s n=%-5s %9.3f s  p50 %8s ms  p95 %8s ms  srv cpu %6.2f s  hwm %6.1f MB  %s" % (
                key, count, wall, row["lat_p50_ms"], row["lat_p95_ms"], row["server_cpu_s"],
                (row["server_hwm_kb"] or 0) / 1024, status), flush=True)
        return row


def load_workload(d):
    with open(os.path.join(d, "plan.json")) as fp:
        plan = json.load(fp)
    texts = []
    for doc in plan["docs"]:
        with open(os.path.join(d, doc["filename"]), "rb") as fp:
            texts.append(fp.read())
    return plan, texts


def run_batch_import(args, plan, texts):
    """import as ONE multipart request with every file, into a scratch project (one participant:
    the upload form imports files for one case at a time)."""
    proj = os.path.join(args.dir, "batch.idg")
    if os.path.exists(proj):
        os.remove(proj)
    subprocess.run([args.bin, "init", proj, "--title", "batch import"], check=True, capture_output=True)
    srv = Server(args.bin, proj)
    try:
        c = Client(srv.host, srv.port)
        r = Runner(srv, c, verbose=not args.quiet)
        p = c.json("POST", "/api/v1/participants", {"pseudonym": "All"})
        pid = p["id"]
        body, ctype = multipart([("participant", pid)],
                                [("files", d["filename"], t) for d, t in zip(plan["docs"], texts)])

        def go():
            _, _, data = c.request("POST", "/api/v1/transcripts", body, ctype=ctype)
            got = json.loads(data)
            n = len(got["imported"])
            return n, "ok" if n == len(texts) and not got["refused"] else "imported %d, refused %s" % (
                n, got["refused"]), {"request_bytes": len(body)}
        row = r.phase("import_batch", "import %d docs (.txt) in ONE multipart request (one participant)"
                      % len(texts), go)
        return row
    finally:
        srv.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--workload", required=True, help="directory written by qda_workload.py")
    ap.add_argument("--bin", default="target/release/idiograph")
    ap.add_argument("--dir", required=True, help="scratch directory for project files (real disk)")
    ap.add_argument("--out", help="result JSON (default: DIR/idiograph-nN-….json)")
    ap.add_argument("--label", default=None)
    ap.add_argument("--no-batch", action="store_true", help="skip the batch-upload import variant")
    ap.add_argument("--keep", action="store_true", help="leave the server running at the end (prints URL)")
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args()
    args = a
    os.makedirs(a.dir, exist_ok=True)
    plan, texts = load_workload(a.workload)
    params = plan["params"]
    ndocs, ntags = len(plan["docs"]), len(plan["tags"])
    label = a.label or "idiograph-n%d-kb%d-h%d-%s" % (
        ndocs, params["doc_kb"], params["highlights_per_doc"],
        datetime.datetime.now().strftime("%Y%m%d-%H%M%S"))
    meta = {"machine": os.uname().nodename, "nproc": os.cpu_count(), "binary": os.path.abspath(a.bin),
            "project_dir": os.path.abspath(a.dir),
            "loadavg_start": open("/proc/loadavg").read().split()[:3]}

    batch_row = None if a.no_batch else run_batch_import(a, plan, texts)

    proj = os.path.join(a.dir, "bench.idg")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(proj + suffix):
            os.remove(proj + suffix)
    t0 = time.perf_counter()
    subprocess.run([a.bin, "init", proj, "--title", "QDA workload"], check=True, capture_output=True)
    init_s = time.perf_counter() - t0
    srv = Server(a.bin, proj)
    meta["server_pid"] = srv.pid
    meta["server_rss_kb_idle"] = srv.status().get("VmRSS")
    c = Client(srv.host, srv.port)
    r = Runner(srv, c, verbose=not a.quiet)
    if not a.quiet:
        print("server pid %d at http://%s:%d/ (project %s, init %.3f s)" % (srv.pid, srv.host, srv.port, proj, init_s))

    themes = []          # tag index -> "TH<n>"
    participants = []    # doc index -> "P<n>"
    transcripts = []     # doc index -> "T<n>"
    versions = {}        # "T<n>" -> version id

    def setup():
        c.json("PATCH", "/api/v1/study", {"title": "QDA workload %d docs" % ndocs})
        for t in plan["tags"]:
            th = c.json("POST", "/api/v1/themes", {"title": t["path"], "description": t["description"]})
            themes.append(th["id"])
        return 1 + ntags, "ok", {"note": "project file made by `idiograph init` (%.3f s, not HTTP, not counted);"
                                         " 1 PATCH study + %d group themes (GETs)" % (init_s, ntags)}
    r.phase("setup", "setup: study title + %d group themes (codes)" % ntags, setup)

    def add_participants():
        for d in plan["docs"]:
            pseudonym = d["name"].split()[-1]  # "Interview P001" -> "P001", the speaker label
            p = c.json("POST", "/api/v1/participants", {"pseudonym": pseudonym})
            participants.append(p["id"])
        return ndocs, "ok", {}
    r.phase("participants", "add %d participants (cases), one per document" % ndocs, add_participants)

    def imp():
        for d, t, pid in zip(plan["docs"], texts, participants):
            got = c.json("POST", "/api/v1/transcripts?participant=%s&name=%s" % (pid, d["filename"]), t)
            if len(got["imported"]) != 1:
                raise HttpError("import refused: %s" % got)
            transcripts.append(got["imported"][0]["id"])
        return ndocs, "ok", {"bytes": sum(len(t) for t in texts)}
    r.phase("import", "import %d docs (.txt), one request each (raw body)" % ndocs, imp)

    if batch_row:
        r.phases.append(batch_row)

    # Highlights: one extract per (highlight, tag) on the group theme of that tag.
    nmarks = sum(len(h["tags"]) for h in plan["highlights"])

    def highlights():
        for t in c.json("GET", "/api/v1/transcripts")["transcripts"]:
            versions[t["id"]] = t["version"]
        for h in plan["highlights"]:
            tr = transcripts[h["doc"]]
            for tag in h["tags"]:
                c.json("POST", "/api/v1/extracts", {
                    "transcript": tr, "version": versions[tr], "start": h["raw_start"],
                    "end": h["raw_end"], "unit": "utf8", "theme": themes[tag]})
        return len(plan["highlights"]), "ok", {
            "marks": nmarks, "note": "%d highlights = %d extracts (20%% carry 2 tags), one POST per extract"
                                     % (len(plan["highlights"]), nmarks)}
    r.phase("highlights", "create %d highlights (%d extracts, one request each)"
            % (len(plan["highlights"]), nmarks), highlights)

    tag_use = [0] * ntags
    for h in plan["highlights"]:
        for tag in h["tags"]:
            tag_use[tag] += 1
    top = max(range(ntags), key=lambda k: tag_use[k])
    expected_top = tag_use[top]

    def quote_ok(x, docmap):
        a = x["anchor"]
        d = docmap[a["transcript"]]
        return texts[d][a["start"]:a["end"]].decode() == a["quote"]

    docmap = {}

    def list_tag():
        docmap.update({tr: i for i, tr in enumerate(transcripts)})
        _, _, html = c.request("GET", "/themes/%s" % themes[top])
        html = html.decode()
        n = html.count('<li class="extract-item')  # one item (quote + citation) per extract
        return expected_top, "ok" if n == expected_top else "count %d != %d" % (n, expected_top), {
            "bytes": len(html), "endpoint": "GET /themes/{id} (the theme page the UI shows)"}
    r.phase("list_tag", "list tag %s (%s, %d segments) with text: theme page HTML"
            % (plan["tags"][top]["path"], themes[top], expected_top), list_tag)

    def list_tag_api():
        th = c.json("GET", "/api/v1/themes/%s" % themes[top])
        ids = set(th["extracts"])
        xs = [x for x in c.json("GET", "/api/v1/extracts")["extracts"] if x["id"] in ids]
        bad = sum(1 for x in xs if not quote_ok(x, docmap))
        ok = len(xs) == expected_top and bad == 0
        return len(xs), "ok" if ok else "count %d/%d, %d bad quotes" % (len(xs), expected_top, bad), {
            "endpoint": "GET /api/v1/themes/{id} + GET /api/v1/extracts, filtered by the client"}
    r.phase("list_tag_api", "list tag %s via the JSON API (no per-theme extract endpoint)"
            % themes[top], list_tag_api)

    def list_all():
        _, _, data = c.request("GET", "/api/v1/extracts")
        xs = json.loads(data)["extracts"]
        bad = sum(1 for x in xs if not quote_ok(x, docmap))
        ok = len(xs) == nmarks and bad == 0
        return len(xs), "ok" if ok else "count %d/%d, %d bad quotes" % (len(xs), nmarks, bad), {
            "bytes": len(data), "endpoint": "GET /api/v1/extracts"}
    r.phase("list_all", "list all %d extracts with text" % nmarks, list_all)

    def search():
        spec = c.json("GET", "/api/v1/openapi.json")
        paths = [p for p in spec.get("paths", {}) if p.startswith("/api/") and "search" in p]
        if not paths:
            return 0, "not available", {"note": "no search endpoint in /api/v1/openapi.json"}
        path = paths[0]
        got = {}
        for term in plan["search_terms"]:
            # Whole words (no stemming), in transcript text only; the default page of hits (100),
            # as the search page asks for; `total` counts every hit.
            res = c.json("GET", "%s?q=%s&no_stem=1&kind=transcript" % (path, term))
            got[term] = res
        counts = {}
        for term, res in got.items():
            for k in ("occurrences", "total", "count", "hits"):
                if isinstance(res.get(k), int):
                    counts[term] = res[k]
                    break
            else:
                for k in ("hits", "results", "matches"):
                    if isinstance(res.get(k), list):
                        counts[term] = len(res[k])
                        break
        want = {t: v["occurrences"] for t, v in plan["search_terms"].items()}
        status = "ok" if counts == want else "counts %s != expected %s" % (counts, want)
        return len(got), status, {"endpoint": path}
    r.phase("search", "search %d planted terms, whole word, case-insensitive" % len(plan["search_terms"]), search)

    def export(fmt, magic):
        def go():
            _, _, data = c.request("GET", "/api/v1/reports/%s" % fmt)
            ok = data.startswith(magic)
            return 1, "ok" if ok else "unexpected body %r" % data[:40], {"bytes": len(data)}
        return go
    r.phase("export_project", "export project .qdpx (REFI-QDA)", export("qdpx", b"PK"))
    r.phase("export_codebook_qdc", "export codebook .qdc (REFI-QDA)", export("qdc", b"<?xml"))

    per_doc = [0] * ndocs
    for h in plan["highlights"]:
        per_doc[h["doc"]] += len(h["tags"])

    def open_docs():
        total = 0
        for i, tr in enumerate(transcripts):
            _, _, html = c.request("GET", "/transcripts/%s" % tr)
            total += len(html)
        return ndocs, "ok", {"bytes": total, "endpoint": "GET /transcripts/{id} (the three-column page, HTML)"}
    r.phase("open_docs", "open %d docs: transcript page HTML (text + its extracts)" % ndocs, open_docs)

    def open_docs_api():
        total, bad = 0, 0
        for i, tr in enumerate(transcripts):
            _, _, data = c.request("GET", "/api/v1/transcripts/%s" % tr)
            total += len(data)
            j = json.loads(data)
            if len(j["extracts"]) != per_doc[i] or j["text"].encode() != texts[i]:
                bad += 1
        return ndocs, "ok" if bad == 0 else "%d docs wrong" % bad, {
            "bytes": total, "endpoint": "GET /api/v1/transcripts/{id} (JSON: text, lines, turns, annotations)"}
    r.phase("open_docs_api", "open %d docs: JSON API" % ndocs, open_docs_api)

    peak = max((p.get("server_hwm_kb") or 0) for p in r.phases if p["key"] != "import_batch")
    st = srv.status()
    size = sum(os.path.getsize(proj + s) for s in ("", "-wal") if os.path.exists(proj + s))
    meta["loadavg_end"] = open("/proc/loadavg").read().split()[:3]
    meta["project_bytes_db_plus_wal"] = size
    result = {
        "label": label,
        "params": params,
        "phases": r.phases,
        "server_peak_rss_kb": peak,
        "server_rss_kb_end": st.get("VmRSS"),
        "meta": meta,
    }
    out = a.out or os.path.join(a.dir, label + ".json")
    with open(out, "w") as fp:
        json.dump(result, fp, indent=1)
    if not a.quiet:
        print("server peak RSS %.1f MB (max of per-phase VmHWM); wrote %s" % (peak / 1024, out))
    if a.keep:
        print("server left running: pid %d http://%s:%d/" % (srv.pid, srv.host, srv.port), flush=True)
        srv.proc.wait()
    else:
        srv.stop()
    bad = [p["key"] for p in r.phases if p["status"] not in ("ok", "not available")]
    if bad:
        print("phases not ok: %s" % ", ".join(bad), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
