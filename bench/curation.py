#!/usr/bin/env python3
"""Curation under load and under SIGKILL, against the real binary.

    python3 bench/curation.py [--bin target/release/esco-ld] [--items 400] [--kills 12]

Makes a store from the test fixture, a project of ITEMS source concepts (a CSV), runs
suggestions, adds a validator and a reviewer, starts `esco-ld serve`, then:

1. throughput: validates and reviews items over HTTP with 1 and with 4 clients and prints
   decisions/s (every decision is durable before its 200);
2. kill test: keeps deciding while the server is killed with SIGKILL at random moments and
   restarted; records every acknowledged (200) decision; at the end checks, through a fresh
   server, that every acknowledged decision is in the store, every final item has its mapping
   triple and one live mapping record, and no mapping triple exists without its record.

Exits 1 if any check fails. Uses only the Python standard library.
"""

import argparse
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURE = os.path.join(ROOT, "tests", "fixtures")
TITLES = [
    "software developer", "specialist nurse", "cloud engineer", "blockchain developer",
    "software architect", "software analyst", "user interface developer",
    "advanced nurse practitioner", "nurse responsible for general care",
]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Server:
    def __init__(self, binary, store, port, log):
        self.binary, self.store, self.port, self.log = binary, store, port, log
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(
            [self.binary, "serve", "--store", self.store, "--bind", f"127.0.0.1:{self.port}",
             "--no-model"],
            stdout=self.log, stderr=self.log,
            env=dict(os.environ, RUST_LOG="warn"),
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/api/projects", timeout=2)
                return
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.05)
        raise SystemExit("the server did not come up")

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def call(port, method, path, token=None, body=None, timeout=30):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def run(cmd):
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{out.stderr}")
    return out.stdout


def setup(binary, work, items):
    store = os.path.join(work, "store")
    run([binary, "load", "--store", store, "--release", "1.1.1",
         os.path.join(FIXTURE, "esco")])
    csv_path = os.path.join(work, "source.csv")
    with open(csv_path, "w") as f:
        f.write("id,title\n")
        for i in range(items):
            f.write(f"S{i:05d},{TITLES[i % len(TITLES)]} {i}\n")
    run([binary, "map", "create", "bench", "--store", store, "--title", "Bench",
         "--csv", csv_path, "--language", "en", "-k", "5"])
    started = time.time()
    run([binary, "map", "suggest", "bench", "--store", store, "--no-model"])
    suggest_s = time.time() - started
    validator = run([binary, "user", "add", "val", "--store", store,
                     "--role", "validator"]).strip()
    reviewer = run([binary, "user", "add", "rev", "--store", store,
                    "--role", "reviewer"]).strip()
    return store, validator, reviewer, suggest_s


def decide(port, key, validator, reviewer, acks=None):
    """Validate then review one item; appends each acknowledged decision (key, seq, step) to
    `acks` as soon as its 200 arrives, and returns them."""
    acks = [] if acks is None else acks
    s, v = call(port, "POST", f"/api/projects/bench/items/{key}/validate", validator,
                {"candidate": 1, "relation": "exact"})
    if s == 200:
        acks.append((key, v["item"]["decisions"][-1]["seq"], "validation"))
    elif s != 409:
        raise RuntimeError(f"validate {key}: {s} {v}")
    s, v = call(port, "POST", f"/api/projects/bench/items/{key}/review", reviewer,
                {"agree": True})
    if s == 200:
        acks.append((key, v["item"]["decisions"][-1]["seq"], "review"))
    elif s != 409:
        raise RuntimeError(f"review {key}: {s} {v}")
    return acks


def throughput(port, keys, validator, reviewer, clients):
    todo = list(keys)
    lock = threading.Lock()
    done = [0]

    def worker():
        while True:
            with lock:
                if not todo:
                    return
                key = todo.pop()
            n = len(decide(port, key, validator, reviewer))
            with lock:
                done[0] += n

    started = time.time()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.time() - started
    return done[0], elapsed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "esco-ld"))
    ap.add_argument("--items", type=int, default=400)
    ap.add_argument("--kills", type=int, default=12)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    random.seed(args.seed)
    work = tempfile.mkdtemp(prefix="esco-ld-curation-")
    log = open(os.path.join(work, "server.log"), "w")
    try:
        store, validator, reviewer, suggest_s = setup(args.bin, work, args.items)
        print(f"project: {args.items} source concepts, suggestions (lexical) in {suggest_s:.1f} s")
        port = free_port()
        server = Server(args.bin, store, port, log)
        server.start()
        keys = []
        while True:
            s, items = call(port, "GET", "/api/projects/bench/items?state=suggested&limit=1000"
                            f"&offset={len(keys)}")
            keys += [i["key"] for i in items["items"]]
            if len(keys) >= items["total"]:
                break
        # A fifth each for the throughput runs, the rest for the kill test.
        fifth = len(keys) // 5
        one, four, rest = keys[:fifth], keys[fifth:2 * fifth], keys[2 * fifth:]
        for clients, part in ((1, one), (4, four)):
            n, elapsed = throughput(port, part, validator, reviewer, clients)
            print(f"throughput, {clients} client(s): {n} decisions in {elapsed:.2f} s = "
                  f"{n / elapsed:.0f} decisions/s")

        # Kill test.
        acked = []
        pending = list(rest)
        kills = 0
        stop = threading.Event()

        def killer():
            nonlocal kills
            while not stop.is_set() and kills < args.kills:
                time.sleep(random.uniform(0.05, 0.6))
                if stop.is_set():
                    return
                server.kill()
                kills += 1
                server.start()

        k = threading.Thread(target=killer)
        k.start()
        while pending:
            key = pending[0]
            try:
                decide(port, key, validator, reviewer, acked)
                pending.pop(0)
            except (urllib.error.URLError, ConnectionError, OSError, RuntimeError):
                time.sleep(0.05)  # the server is down: retry the same item
        stop.set()
        k.join()
        server.kill()
        kills += 1
        server.start()
        print(f"kill test: {kills} SIGKILLs, {len(acked)} acknowledged decisions on "
              f"{len(rest)} items")

        failures = []
        for key, seq, step in acked:
            s, item = call(port, "GET", f"/api/projects/bench/items/{key}")
            found = [d for d in item["decisions"] if d["seq"] == seq and d["step"] == step]
            if len(found) != 1:
                failures.append(f"acknowledged {step} #{seq} of {key} is missing")
        s, st = call(port, "GET", "/api/projects/bench")
        final_items = st["states"]["final"]
        q = """PREFIX owl: <http://www.w3.org/2002/07/owl#> PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT (COUNT(*) AS ?n) { GRAPH <http://data.europa.eu/esco/crosswalk/bench> { %s } }"""
        orphans_q = q % ("?s ?p ?o FILTER(?p IN (skos:exactMatch, skos:closeMatch, skos:broadMatch, skos:narrowMatch)) "
                         "FILTER NOT EXISTS { ?r owl:annotatedSource ?s ; owl:annotatedProperty ?p ; owl:annotatedTarget ?o "
                         "FILTER NOT EXISTS { ?r prov:invalidatedAtTime ?t } }")
        records_q = q % ("?r owl:annotatedSource ?s FILTER NOT EXISTS { ?r prov:invalidatedAtTime ?t }")
        triples_q = q % ("?s skos:exactMatch ?o")

        def count(query):
            url = "/sparql?query=" + urllib.parse.quote(query)
            req = urllib.request.Request(f"http://127.0.0.1:{port}{url}",
                                         headers={"Accept": "application/sparql-results+json"})
            with urllib.request.urlopen(req) as r:
                return int(json.loads(r.read())["results"]["bindings"][0]["n"]["value"])

        orphans, records, triples = count(orphans_q), count(records_q), count(triples_q)
        print(f"after restart: {final_items} final items, {triples} mapping triples, "
              f"{records} live records, {orphans} triples without a record")
        if orphans:
            failures.append(f"{orphans} mapping triples without their record")
        if not (records == triples == final_items):
            failures.append("final items, mapping triples and live records differ")
        expected_final = len(one) + len(four) + len(rest)
        if final_items != expected_final:
            failures.append(f"{final_items} final items, expected {expected_final}")
        server.stop()
        if failures:
            print("FAILED:\n  " + "\n  ".join(failures[:20]))
            sys.exit(1)
        print("kill test passed: every acknowledged decision is there, no half-written mapping")
    finally:
        log.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
