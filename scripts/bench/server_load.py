#!/usr/bin/env python3
"""Load a running `elocute serve` with the recordings of a batch manifest and report its speed.

    server_load.py MANIFEST.tsv [--url http://127.0.0.1:5000] [--clients 2] [--limit N]
                   [--config JSON] [--check BATCH.jsonl]

MANIFEST lines are `id<TAB>wav path<TAB>reference text`, as for `elocute batch`. Each recording
is POSTed as the service's REST short-audio request (`format=detailed`, base64
`Pronunciation-Assessment` header holding --config plus the line's ReferenceText) by one of
--clients threads. Prints requests, failures, audio seconds, wall seconds, the real-time factor
(wall / audio) and latency percentiles. With --check, every answer must equal the `result` of the
same id in the output of `elocute batch MANIFEST --format rest --config ...` (same settings),
which shows the server and the batch tool give the same JSON. Python standard library only.
"""
import argparse
import base64
import json
import os
import sys
import threading
import time
import urllib.request
import wave

PATH = "/speech/recognition/conversation/cognitiveservices/v1?language=en-US&format=detailed"


def read_manifest(path, limit):
    base = os.path.dirname(os.path.abspath(path))
    items = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            uid, wav, text = line.split("\t", 2)
            items.append((uid, os.path.join(base, wav), text))
    return items[:limit] if limit else items


def seconds(path):
    with wave.open(path, "rb") as w:
        return w.getnframes() / w.getframerate()


def post(url, body, config):
    req = urllib.request.Request(url + PATH, data=body, method="POST")
    req.add_header("Pronunciation-Assessment", base64.b64encode(json.dumps(config).encode()).decode())
    req.add_header("Content-Type", "audio/wav; codecs=audio/pcm; samplerate=16000")
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("manifest")
    ap.add_argument("--url", default="http://127.0.0.1:5000")
    ap.add_argument("--clients", type=int, default=2)
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--config", default="{}", help="PronunciationAssessmentConfig JSON (ReferenceText comes from the manifest)")
    ap.add_argument("--check", help="elocute batch --format rest output to compare every answer with")
    args = ap.parse_args()

    items = read_manifest(args.manifest, args.limit)
    bodies = {uid: open(wav, "rb").read() for uid, wav, _ in items}
    audio = sum(seconds(wav) for _, wav, _ in items)
    expected = {}
    if args.check:
        with open(args.check, encoding="utf-8") as f:
            for line in f:
                v = json.loads(line)
                if "result" in v:
                    expected[v["id"]] = v["result"]

    todo = list(reversed(items))
    lock = threading.Lock()
    latencies, failures, mismatches = [], [], []

    def client():
        while True:
            with lock:
                if not todo:
                    return
                uid, _, text = todo.pop()
            config = dict(json.loads(args.config), ReferenceText=text)
            t0 = time.perf_counter()
            status, answer = post(args.url, bodies[uid], config)
            dt = time.perf_counter() - t0
            with lock:
                latencies.append(dt)
                if status != 200:
                    failures.append((uid, status, answer.get("error", {}).get("message")))
                elif args.check and expected.get(uid) != answer:
                    mismatches.append(uid)

    start = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(args.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start

    lat = sorted(latencies)
    pct = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1e3 if lat else 0.0
    print(f"{len(items)} requests, {len(failures)} failed, {args.clients} clients, {audio:.1f} s audio, "
          f"{wall:.2f} s wall, real-time factor {wall / audio:.4f}, {len(items) / wall:.1f} requests/s")
    print(f"latency ms: p50 {pct(0.5):.1f}, p90 {pct(0.9):.1f}, p99 {pct(0.99):.1f}, max {lat[-1] * 1e3 if lat else 0:.1f}")
    for uid, status, message in failures[:10]:
        print(f"  {uid}: {status} {message}", file=sys.stderr)
    if args.check:
        checked = len(items) - len(failures)
        print(f"check: {checked - len(mismatches)} of {checked} answers equal elocute batch's")
        for uid in mismatches[:10]:
            print(f"  differs: {uid}", file=sys.stderr)
    sys.exit(1 if failures or mismatches else 0)


if __name__ == "__main__":
    main()
