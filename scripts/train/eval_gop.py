#!/usr/bin/env python3
"""Evaluate the exported ONNX model on the speaker-disjoint validation fold of the so762 TRAIN split.

* frame accuracy against the GMM alignment labels (all frames, and frames of score-2.0 phones + SIL)
* raw GOP per canonical phone, mean over the phone's frames of
    LPP = log P(canonical phone)  and  LPR = log P(canonical) - max_q log P(q)
  (and, for reference, the mean posterior probability "post")
  on (a) the GMM alignment's phone segments and (b) the NN's own Viterbi alignment;
  Pearson against the expert phone score, ROC AUC for detecting phones the experts rated < 1.5.
* the same for the GMM (its phone AccuracyScore from `elocute batch`), on the same phones.
"""
import argparse
import json
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from nnalign import segments, viterbi  # noqa: E402
from prepare import PIDX  # noqa: E402
sys.path.insert(0, os.path.join(HERE, "..", "so762"))
from evaluate import auc, pearson  # noqa: E402  (the evaluation tool's own metrics)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="/work/data/nn")
    ap.add_argument("--model", default=os.path.join(HERE, "..", "..", "models", "elocute-nn-v1", "model.onnx"))
    ap.add_argument("--scores", default="/work/shared/data/so762/train-scores.json")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--min-dur", type=int, default=3, help="min frames per phone in the NN alignment")
    ap.add_argument("--out", default="/work/data/nn/eval.json")
    ap.add_argument("--rows-out", default=None,
                    help="also write the per-phone rows (npz: rows [N, 8] in the order of the names below, "
                         "after the expert score; speakers [N]) for paired comparisons of two models")
    ap.add_argument("--calib-target", type=float, default=86.0,
                    help="mean score of expert-2.0 phones the reported gop_calibration midpoint gives")
    args = ap.parse_args()
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = args.threads
    so.inter_op_num_threads = 1
    sess = ort.InferenceSession(args.model, so, providers=["CPUExecutionProvider"])

    split = json.load(open(os.path.join(args.data, "split.json")))
    val_spk = set(split["val_speakers"])
    segs = json.load(open(os.path.join(args.data, "so762_segments.json")))
    scores = json.load(open(args.scores))
    d = np.load(os.path.join(args.data, "so762.npz"))
    feats, labels, fscore, off, ids = d["feats"], d["labels"], d["fscore"], d["offsets"], d["ids"]

    fa = [0, 0, 0, 0]
    row_spk = []
    rows = []  # expert, gmm, lpp_gmmali, lpr_gmmali, lpp_nnali, lpr_nnali
    nutt = 0
    t_nn = 0.0
    frames_total = 0
    for i, u in enumerate(ids):
        u = str(u)
        if segs[u]["spk"] not in val_spk:
            continue
        s, e = off[i], off[i + 1]
        t = time.perf_counter()
        lp = sess.run(["logpost"], {"feats": feats[s:e]})[0].astype(np.float64)
        t_nn += time.perf_counter() - t
        frames_total += e - s
        hyp = lp.argmax(1)
        lab, fs = labels[s:e], fscore[s:e]
        fa[0] += (hyp == lab).sum()
        fa[1] += len(lab)
        m = (fs == 2.0) | (fs == -1.0)
        fa[2] += (hyp[m] == lab[m]).sum()
        fa[3] += m.sum()
        if not segs[u]["ok"]:
            continue
        nutt += 1
        best = lp.max(1)
        gsegs = segs[u]["phones"]
        words = [[PIDX[p.rstrip("012")] for p in w["phones"]] for w in scores[u]["words"]]
        path, ph, opt, first = viterbi(lp, words, args.min_dur)
        nsegs = segments(path, ph, opt, first) if path is not None else None
        if nsegs is None or len(nsegs) != len(gsegs):
            continue
        for (a, b, p, score, acc, _), (na, nb, npp, _) in zip(gsegs, nsegs):
            assert p == npp
            row_spk.append(segs[u]["spk"])
            rows.append((score, acc,
                         lp[a:b, p].mean(), (lp[a:b, p] - best[a:b]).mean(),
                         lp[na:nb, p].mean(), (lp[na:nb, p] - best[na:nb]).mean(),
                         np.exp(lp[a:b, p]).mean(), np.exp(lp[na:nb, p]).mean()))
    R = np.array(rows)
    bad = R[:, 0] < 1.5
    res = {"nn_align_min_dur": args.min_dur, "val_speakers": len(val_spk), "val_utts_scored": nutt, "phones": len(R),
           "phones_below_1.5": int(bad.sum()),
           "frame_acc_all": fa[0] / fa[1], "frame_acc_good": fa[2] / fa[3],
           "ms_per_audio_second_eval": 1000 * t_nn / (frames_total / 100.0)}
    names = ["gmm_accuracy", "nn_lpp_gmmali", "nn_lpr_gmmali", "nn_lpp_nnali", "nn_lpr_nnali",
             "nn_post_gmmali", "nn_post_nnali"]
    for k, nm in enumerate(names, start=1):
        res[nm] = {"pearson": pearson(R[:, k], R[:, 0]), "auc_below_1.5": auc(-R[:, k], bad)}
    # gop_calibration midpoint (slope 1) at which the phones the experts scored 2.0 average
    # --calib-target points on the model's own alignment (the LPR the Rust scorer uses)
    good = R[R[:, 0] == 2.0, 5]
    lo, hi = -30.0, 30.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if np.mean(100 / (1 + np.exp(-(good - mid)))) > args.calib_target:
            lo = mid
        else:
            hi = mid
    res["gop_midpoint_for_target"] = {"target": args.calib_target, "slope": 1.0, "midpoint": (lo + hi) / 2,
                                      "mean_lpr_nnali_score2": float(good.mean()),
                                      "mean_lpr_nnali_below_1.5": float(R[bad, 5].mean())}
    if args.rows_out:
        np.savez(args.rows_out, rows=R, speakers=np.array(row_spk),
                 columns=np.array(["expert"] + names))
    print(json.dumps(res, indent=1))
    with open(args.out, "w") as f:
        json.dump(res, f, indent=1)


if __name__ == "__main__":
    main()
