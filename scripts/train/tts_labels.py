#!/usr/bin/env python3
"""Frame labels for the synthetic TTS corpus from the GMM forced alignment (v2).

Aligns $DATA/tts.tsv (written by prepare.py) with `elocute batch` and the default GMM model
(`ps-en-us-ptm`, CMUdict lexicon), unless the alignment exists, and writes
$OUT/tts_labels.npz {"labels": {utt id: int8 [T]}} over the frames of $DATA/tts.npz (the same format
as realign.py's, so train.py --tts-labels reads it). All frames of a TTS utterance train (native speech).
"""
import argparse
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from prepare import job, load_align, run_batch  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="/work/data/nn", help="prepare.py's cache (tts.tsv, tts.npz)")
    ap.add_argument("--out", default="/work/data/nn2")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    ali = os.path.join(args.out, "align_tts.jsonl")
    run_batch(os.path.join(args.data, "tts.tsv"), ali, threads=args.threads)
    A = load_align(ali)
    z = np.load(os.path.join(args.data, "tts.npz"))
    off, ids = z["offsets"], z["ids"]
    labels = {}
    for i, u in enumerate(ids):
        u = str(u)
        if u not in A:
            continue
        T = int(off[i + 1] - off[i])
        _, _, lab, _, _, _ = job((u, None, A[u], None, np.zeros((T, 1), np.float32)))
        labels[u] = lab
    tot = sum(len(v) for v in labels.values())
    print(f"tts_labels: {len(labels)} of {len(ids)} utts aligned, {tot} frames ({tot/360000:.2f} h)", flush=True)
    np.savez(os.path.join(args.out, "tts_labels.npz"), labels=np.array(labels, dtype=object))


if __name__ == "__main__":
    main()
