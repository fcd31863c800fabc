#!/usr/bin/env python3
"""Inference cost of an exported model on one thread (onnxruntime, intra_op_num_threads=1) over the
validation fold's audio: wall time and process CPU time per second of audio, plus the file size.
CPU time is the fair number on a shared machine (wall time includes waiting for a core)."""
import argparse
import json
import os
import time

import numpy as np

from prepare import fold_utterances


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="/work/data/nn")
    ap.add_argument("--model", nargs="+", required=True)
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args()
    import onnxruntime as ort
    utts = fold_utterances(args.data, val=True)
    secs = sum(len(f) for f in utts) / 100.0
    out = {}
    for path in args.model:
        so = ort.SessionOptions()
        so.intra_op_num_threads = 1
        so.inter_op_num_threads = 1
        sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
        for f in utts[:5]:
            sess.run(["logpost"], {"feats": f})
        walls, cpus = [], []
        for _ in range(args.repeats):
            t, c = time.perf_counter(), time.process_time()
            for f in utts:
                sess.run(["logpost"], {"feats": f})
            walls.append(time.perf_counter() - t)
            cpus.append(time.process_time() - c)
        r = {"size_bytes": os.path.getsize(path), "audio_seconds": secs, "utterances": len(utts),
             "wall_ms_per_audio_second_min": 1000 * min(walls) / secs,
             "cpu_ms_per_audio_second_min": 1000 * min(cpus) / secs, "load_avg": os.getloadavg()}
        out[path] = r
        print(path, json.dumps(r), flush=True)


if __name__ == "__main__":
    main()
