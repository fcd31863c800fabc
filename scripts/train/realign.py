#!/usr/bin/env python3
"""Re-align training data with a neural model (ONNX): Viterbi over its log-posteriors, 1 state per
phone, optional SIL between words. so762 uses the corpus' canonical phones (train-scores.json), the
TTS corpus CMUdict's first pronunciation (what elocute aligns). Writes {id: labels[T] int8} npz files
that train.py takes with --relabel-so762 / --relabel-tts. Validation speakers are aligned too but
never trained on (train.py drops them)."""
import argparse
import glob
import json
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from nnalign import SIL, viterbi  # noqa: E402
from prepare import PIDX  # noqa: E402


def cmudict():
    env = os.environ.get("ELOCUTE_CMUDICT")
    if env:
        path = env
    else:
        home = os.environ.get("CARGO_HOME", os.path.expanduser("~/.cargo"))
        hits = glob.glob(os.path.join(home, "registry/src/*/cmudict-fast-0.8.0/resources/cmudict.dict"))
        path = hits[0]
    d = {}
    for line in open(path, encoding="utf-8"):
        parts = line.split("#")[0].split()
        if len(parts) < 2 or "(" in parts[0]:
            continue
        d.setdefault(parts[0].lower(), [PIDX[p.rstrip("012")] for p in parts[1:]])
    return d


def align_all(sess, npz, words_of, out, min_dur=1):
    d = np.load(npz)
    feats, off, ids = d["feats"], d["offsets"], d["ids"]
    res, fsc = {}, {}
    t0 = time.time()
    for i, u in enumerate(ids):
        u = str(u)
        got = words_of(u)
        if got is None:
            continue
        words, pscores = got
        lp = sess.run(["logpost"], {"feats": feats[off[i]:off[i + 1]]})[0]
        path, ph, opt, _ = viterbi(lp, words, min_dur)
        if path is None:
            continue
        # per-state expert score (-1 for SIL states), 2.0 when the corpus has no scores
        st = np.full(len(ph), -1.0, np.float32)
        st[~opt] = np.repeat(pscores, min_dur) if pscores is not None else 2.0
        res[u] = ph[path].astype(np.int8)
        fsc[u] = st[path]
    np.savez(out, labels=np.array(res, dtype=object), fscore=np.array(fsc, dtype=object))
    frac = np.mean(np.concatenate([v for v in res.values()]) == SIL)
    print(f"realign: {out}: {len(res)}/{len(ids)} utts aligned, SIL share {frac:.3f}, "
          f"{time.time()-t0:.0f}s", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="/work/data/nn")
    ap.add_argument("--model", required=True)
    ap.add_argument("--tag", default="nn1")
    ap.add_argument("--scores", default="/work/shared/data/so762/train-scores.json")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--min-dur", type=int, default=1,
                    help="min frames per phone (1 = what made elocute-nn-v1's pass-2 labels; 3 avoids "
                         "the 1-2 frame phones that a 1-state alignment gives ~20%% of the phones)")
    args = ap.parse_args()
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = args.threads
    sess = ort.InferenceSession(args.model, so, providers=["CPUExecutionProvider"])

    scores = json.load(open(args.scores))
    align_all(sess, os.path.join(args.data, "so762.npz"),
              lambda u: ([[PIDX[p.rstrip("012")] for p in w["phones"]] for w in scores[u]["words"]],
                         [a for w in scores[u]["words"] for a in w["phones-accuracy"]]),
              os.path.join(args.data, f"relabel_so762_{args.tag}.npz"), args.min_dur)
    cd = cmudict()
    texts = dict(l.rstrip("\n").split("\t")[0::2][:2] for l in open(os.path.join(args.data, "tts.tsv")))

    def tts_words(u):
        ws = [cd.get(w.lower()) for w in texts[u].split()]
        return None if any(w is None for w in ws) else (ws, None)

    align_all(sess, os.path.join(args.data, "tts.npz"), tts_words,
              os.path.join(args.data, f"relabel_tts_{args.tag}.npz"), args.min_dur)


if __name__ == "__main__":
    main()
