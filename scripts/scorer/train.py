#!/usr/bin/env python3
"""Train elocute's learned scorer on speechocean762 TRAIN and export it to a model folder.

    train.py --features gmm.jsonl --scores train-scores.json --utt2spk so762/train/utt2spk \
             [--cv 5] [--export models/ps-en-us-ptm] [--acoustic-model ps-en-us-ptm]

Input: `elocute features` output (one JSON line per utterance with per-phone feature rows,
see crates/elocute-score/src/features.rs) for three kinds of rows (scripts/scorer/prepare.py):
speechocean762 train utterances (labels: the experts' phone 0-2, word 0-10 and sentence 0-10
scores), the same audio with another utterance's text (`MM-` ids, labels zero) and native TTS
readings (`TTS-` ids, labels perfect for accuracy; fluency and prosody unlabelled).

Model (GOPT-like, Gong et al. 2022): per phone, a linear projection of the standardised features
plus an embedding of the expected phone, a 1-D convolution over neighbouring phones (order
information that works at any length), a small transformer encoder, and three heads: phone
accuracy, word accuracy (per phone, averaged over the word at inference), and five utterance
scores from the mean-pooled sequence (accuracy, completeness, fluency, prosody, total).

--cv K: K-fold speaker-disjoint cross-validation over the so762 speakers (mismatch rows follow
their audio's speaker, TTS rows are always training data), printing Pearson correlations of the
out-of-fold predictions with the experts, aggregated the way the Rust pipeline aggregates them.
--export DIR: train on everything and write DIR/scorer.onnx and DIR/scorer.json.
"""
import argparse
import json
import math
import os
import random
import sys
import time

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rowids import source_utt  # noqa: E402

FEATURE_VERSION = 1
N_FEAT = 97
N_PHONES = 39
UTT_KEYS = ["accuracy", "completeness", "fluency", "prosodic", "total"]
# Rust's completeness: words whose accuracy is at least this count as spoken.
SPOKEN_THRESHOLD = 50.0


def load_rows(path, scores, utt2spk, swapped_weight=1.0, aug_utterance_labels=False):
    """Feature rows with their labels and masks (a label's mask is its weight in the loss)."""
    out, skipped = [], {"error": 0, "no-label": 0, "word-mismatch": 0}
    for line in open(path, encoding="utf-8"):
        r = json.loads(line)
        if "error" in r:
            skipped["error"] += 1
            continue
        assert r["feature_version"] == FEATURE_VERSION, r["feature_version"]
        uid = r["id"]
        x = np.asarray(r["features"], dtype=np.float32)
        n = len(r["phone_ids"])
        word_of = np.asarray(r["word_of"], dtype=np.int64)
        yp = np.zeros(n, np.float32)
        mp = np.zeros(n, np.float32)
        yw = np.zeros((n, 2), np.float32)
        mw = np.zeros(n, np.float32)
        yu = np.zeros(5, np.float32)
        mu = np.zeros(5, np.float32)
        kind, spk, expert = "so762", None, None
        if uid.startswith("SUB-"):
            # One reference word swapped for a minimal pair: its differing phone was not said.
            _, k, i, src = uid.split("-", 3)
            k, i = int(k), int(i)
            idx = np.nonzero(word_of == k)[0]
            if k >= len(r["words"]) or i >= len(idx):
                skipped["word-mismatch"] += 1
                continue
            if src.startswith(("piper-", "hibari-", "festival-", "flite-", "espeak-")) or src not in scores:
                kind = "subst-tts"
                yp[:], mp[:], yw[:], mw[:] = 1.0, 1, 1.0, 1
            else:
                kind, spk, ex = "subst", utt2spk.get(src), scores[src]
                if len(ex["words"]) != len(r["words"]):
                    skipped["word-mismatch"] += 1
                    continue
                for w, ew in enumerate(ex["words"]):
                    widx = np.nonzero(word_of == w)[0]
                    yw[widx, 0], yw[widx, 1], mw[widx] = ew["accuracy"] / 10.0, ew["total"] / 10.0, 1
                    pa = ew.get("phones-accuracy", [])
                    if len(pa) == len(widx):
                        yp[widx], mp[widx] = np.asarray(pa, np.float32) / 2.0, 1
            yp[idx[i]], mp[idx[i]] = 0.0, swapped_weight
            yw[idx, 0] = np.minimum(yw[idx, 0], 0.3)
            yw[idx, 1] = np.minimum(yw[idx, 1], 0.3)
            mw[idx] = 1
        elif uid.startswith("MM-TTS-"):
            kind = "tts-mismatch"
            mp[:] = 1
            mw[:] = 1
            mu[[0, 1, 4]] = 1
        elif uid.startswith("MM-"):
            kind, utt = "mismatch", uid[3:]
            spk = utt2spk.get(utt)
            mp[:] = 1
            mw[:] = 1
            mu[[0, 1, 4]] = 1  # accuracy, completeness, total are zero; fluency/prosody unlabelled
        elif uid.startswith("TTS-"):
            kind = "tts"
            yp[:] = 1.0
            mp[:] = 1
            yw[:] = 1.0
            mw[:] = 1
            yu[[0, 1]] = 1.0
            mu[[0, 1]] = 1
        else:
            # AUG-<kind>-<utt>: utt heard in a noisy or reverberant room, with its experts' labels.
            src_uid = source_utt(uid)
            if src_uid != uid:
                kind = "aug"
            spk = utt2spk.get(src_uid)
            expert = scores.get(src_uid)
            if expert is None:
                skipped["no-label"] += 1
                continue
            words = expert["words"]
            if len(words) != len(r["words"]):
                skipped["word-mismatch"] += 1
                continue
            for w, ew in enumerate(words):
                idx = np.nonzero(word_of == w)[0]
                yw[idx, 0] = ew["accuracy"] / 10.0
                yw[idx, 1] = ew["total"] / 10.0
                mw[idx] = 1
                pa = ew.get("phones-accuracy", [])
                if len(pa) == len(idx):
                    yp[idx] = np.asarray(pa, np.float32) / 2.0
                    mp[idx] = 1
            for k, key in enumerate(UTT_KEYS):
                yu[k] = float(expert[key]) / 10.0
                mu[k] = 0 if kind == "aug" and not aug_utterance_labels else 1
        out.append(dict(id=uid, kind=kind, spk=spk, x=x, ph=np.asarray(r["phone_ids"], np.int64),
                        word_of=word_of, yp=yp, mp=mp, yw=yw, mw=mw, yu=yu, mu=mu, expert=expert,
                        gop=np.asarray(r["gop_accuracy"], np.float32)))
    return out, skipped


class Scorer(nn.Module):
    def __init__(self, mean, std, d=48, layers=3, heads=4, dropout=0.1):
        super().__init__()
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32))
        self.register_buffer("std", torch.tensor(std, dtype=torch.float32))
        self.inp = nn.Linear(N_FEAT, d)
        self.emb = nn.Embedding(N_PHONES, d)
        self.conv = nn.Conv1d(d, d, 3, padding=1)
        layer = nn.TransformerEncoderLayer(d, heads, 2 * d, dropout, batch_first=True, norm_first=True)
        self.enc = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(d)
        self.phone = nn.Linear(d, 1)
        self.word = nn.Linear(d, 2)
        self.utt = nn.Sequential(nn.Linear(2 * d, d), nn.GELU(), nn.Linear(d, 5))

    def forward(self, x, ph, pad=None):
        """x [B, N, F], ph [B, N], pad [B, N] True where padding. Outputs on 0-1."""
        h = self.inp((x - self.mean) / self.std) + self.emb(ph)
        m = None if pad is None else (~pad).unsqueeze(-1).float()
        hc = h if m is None else h * m
        h = h + torch.relu(self.conv(hc.transpose(1, 2)).transpose(1, 2))
        h = self.norm(self.enc(h, src_key_padding_mask=pad))
        if m is None:
            pooled = torch.cat([h.mean(1), h.max(1).values], -1)
        else:
            mean = (h * m).sum(1) / m.sum(1).clamp(min=1)
            mx = h.masked_fill(pad.unsqueeze(-1), -1e4).max(1).values
            pooled = torch.cat([mean, mx], -1)
        return self.phone(h).squeeze(-1), self.word(h), self.utt(pooled)


class Export(nn.Module):
    """The ONNX graph: batch of one, outputs on 0-100 and clamped."""

    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, feats, phones):
        p, w, u = self.m(feats, phones)
        return (100 * p).clamp(0, 100), (100 * w[..., 0]).clamp(0, 100), (100 * u).clamp(0, 100)


def batches(rows, bs, rng):
    idx = list(range(len(rows)))
    rng.shuffle(idx)
    for i in range(0, len(idx), bs):
        yield [rows[j] for j in idx[i:i + bs]]


def collate(rows):
    n = max(len(r["ph"]) for r in rows)
    B = len(rows)
    x = np.zeros((B, n, N_FEAT), np.float32)
    ph = np.zeros((B, n), np.int64)
    pad = np.ones((B, n), bool)
    yp, mp = np.zeros((B, n), np.float32), np.zeros((B, n), np.float32)
    yw, mw = np.zeros((B, n, 2), np.float32), np.zeros((B, n), np.float32)
    for b, r in enumerate(rows):
        k = len(r["ph"])
        x[b, :k], ph[b, :k], pad[b, :k] = r["x"], r["ph"], False
        yp[b, :k], mp[b, :k], yw[b, :k], mw[b, :k] = r["yp"], r["mp"], r["yw"], r["mw"]
    yu = np.stack([r["yu"] for r in rows])
    mu = np.stack([r["mu"] for r in rows])
    t = torch.from_numpy
    return t(x), t(ph), t(pad), t(yp), t(mp), t(yw), t(mw), t(yu), t(mu)


def masked_mse(pred, y, m):
    return ((pred - y) ** 2 * m).sum() / m.sum().clamp(min=1)


class Avg(nn.Module):
    """Several scorers in one graph, with the same inputs and outputs as one scorer.

    The utterance head is the mean of all of them. With `phones_from_first`, the phone and word heads
    are the first scorer's alone: a mean pulls a phone one scorer hears as missing towards the others
    (a dropped /d/: 13 from the first of three, 36 from their mean), over the floor that flags its word.
    The plain mean is nn-v4's shipped scorer since session 13; `phones_from_first` was measured, not
    shipped (scripts/scorer/README.md, "An ensemble of scorers").
    """

    def __init__(self, models, phones_from_first=False):
        super().__init__()
        self.models = nn.ModuleList(models)
        self.phones_from_first = phones_from_first

    def forward(self, x, ph, pad=None):
        outs = [m(x, ph, pad) for m in self.models]
        mean = tuple(torch.stack(o).mean(0) for o in zip(*outs))
        if self.phones_from_first:
            return outs[0][0], outs[0][1], mean[2]
        return mean


def train(rows, a, seed):
    """One scorer, or with --ensemble K the mean of K trained from seeds seed, seed+1000, ..."""
    if a.ensemble > 1:
        models = [train_one(rows, a, seed + 1000 * i) for i in range(a.ensemble)]
        return Avg(models, phones_from_first=a.ensemble_utterance_only).eval()
    return train_one(rows, a, seed)


def train_one(rows, a, seed):
    torch.manual_seed(seed)
    rng = random.Random(seed)
    allx = np.concatenate([r["x"] for r in rows])
    mean, std = allx.mean(0), allx.std(0) + 1e-3
    # A column that never varies in training (speechocean762 texts have no punctuation; omitted
    # phones need miscue) must not explode when it does at inference: it is switched off.
    std = np.where(allx.std(0) < 1e-4, 1e6, std)
    model = Scorer(mean, std, d=a.dim, layers=a.layers, heads=a.heads, dropout=a.dropout)
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=0.01)
    steps = a.epochs * math.ceil(len(rows) / a.batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, a.lr, total_steps=steps, pct_start=0.1)
    model.train()
    for ep in range(a.epochs):
        for chunk in batches(rows, a.batch, rng):
            x, ph, pad, yp, mp, yw, mw, yu, mu = collate(chunk)
            p, w, u = model(x, ph, pad)
            loss = (masked_mse(p, yp, mp) + masked_mse(w[..., 0], yw[..., 0], mw)
                    + 0.5 * masked_mse(w[..., 1], yw[..., 1], mw) + masked_mse(u, yu, mu))
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
    model.eval()
    return model


@torch.no_grad()
def predict(model, rows):
    """Per row: phone, word-per-phone and utterance predictions on 0-100, batch of one as in Rust."""
    out = []
    for r in rows:
        x = torch.from_numpy(r["x"]).unsqueeze(0)
        ph = torch.from_numpy(r["ph"]).unsqueeze(0)
        p, w, u = model(x, ph)
        out.append(((100 * p[0]).clamp(0, 100).numpy(), (100 * w[0, :, 0]).clamp(0, 100).numpy(),
                    (100 * u[0]).clamp(0, 100).numpy()))
    return out


def pron_score(s):
    s = sorted(s)
    lowest = 1.0 - 0.2 * (len(s) - 1)
    return lowest * s[0] + 0.2 * sum(s[1:])


def aggregate(r, pred):
    """What the Rust pipeline reports for a row (features.rs apply_learned)."""
    p, w, u = pred
    words = []
    for k in range(int(r["word_of"].max()) + 1 if len(r["word_of"]) else 0):
        idx = r["word_of"] == k
        omitted = bool(np.all(r["x"][idx, 83] > 0.5))
        words.append(0.0 if omitted else float(w[idx].mean()))
    phones = np.where(r["x"][:, 83] > 0.5, 0.0, p)
    comp = 100.0 * np.mean([x >= SPOKEN_THRESHOLD for x in words]) if words else 0.0
    acc, flu, pros = float(u[0]), float(u[2]) * comp / 100.0, float(u[3])
    return dict(phones=phones, words=words, accuracy=acc, fluency=flu, completeness=comp, prosody=pros,
                pron=pron_score([acc, flu, comp]), pron_prosody=pron_score([acc, flu, comp, pros]),
                total_head=float(u[4]))


def pearson(x, y):
    x, y = np.asarray(x, float), np.asarray(y, float)
    if len(x) < 2 or x.std() == 0 or y.std() == 0:
        return float("nan")
    return float(np.corrcoef(x, y)[0, 1])


def auc(scores, positive):
    """P(score of a positive < score of a negative): low scores should flag bad phones."""
    s = np.asarray(scores, float)
    pos = np.asarray(positive, bool)
    if pos.all() or not pos.any():
        return float("nan")
    order = np.argsort(-s, kind="mergesort")
    ranks = np.empty(len(s))
    ranks[order] = np.arange(1, len(s) + 1)
    # average ranks for ties
    _, inv, counts = np.unique(-s, return_inverse=True, return_counts=True)
    sums = np.bincount(inv, ranks)
    ranks = sums[inv] / counts[inv]
    npos, nneg = pos.sum(), (~pos).sum()
    return float((ranks[pos].sum() - npos * (npos + 1) / 2) / (npos * nneg))


def metrics(rows, preds):
    acc = {k: ([], []) for k in ["phone", "word_accuracy", "word_total", "sentence_accuracy",
                                 "sentence_accuracy_from_words",
                                 "fluency", "completeness", "prosodic", "total", "total_with_prosody",
                                 "total_head", "phone_gop"]}
    for r, pr in zip(rows, preds):
        e = r["expert"]
        if r["kind"] != "so762" or e is None:
            continue
        g = aggregate(r, pr)
        for i in np.nonzero(r["mp"] > 0)[0]:
            acc["phone"][0].append(g["phones"][i])
            acc["phone"][1].append(r["yp"][i] * 2)
            acc["phone_gop"][0].append(r["gop"][i])
            acc["phone_gop"][1].append(r["yp"][i] * 2)
        for k, ew in enumerate(e["words"]):
            acc["word_accuracy"][0].append(g["words"][k])
            acc["word_accuracy"][1].append(ew["accuracy"])
            acc["word_total"][0].append(g["words"][k])
            acc["word_total"][1].append(ew["total"])
        acc["sentence_accuracy_from_words"][0].append(float(np.mean(g["words"])))
        acc["sentence_accuracy_from_words"][1].append(e["accuracy"])
        for key, ours, theirs in [("sentence_accuracy", "accuracy", "accuracy"), ("fluency", "fluency", "fluency"),
                                  ("completeness", "completeness", "completeness"),
                                  ("prosodic", "prosody", "prosodic"), ("total", "pron", "total"),
                                  ("total_with_prosody", "pron_prosody", "total"),
                                  ("total_head", "total_head", "total")]:
            acc[key][0].append(g[ours])
            acc[key][1].append(e[theirs])
    res = {k: dict(pearson=pearson(*v), n=len(v[0])) for k, v in acc.items()}
    res["phone"]["auc"] = auc(acc["phone"][0], np.asarray(acc["phone"][1]) < 1.5)
    res["phone_gop"]["auc"] = auc(acc["phone_gop"][0], np.asarray(acc["phone_gop"][1]) < 1.5)
    return res


def side_checks(rows, preds):
    """Mean scores of the rows that are not expert-rated: wrong texts should be low, TTS high."""
    out = {}
    for kind in ["mismatch", "tts-mismatch", "tts", "subst", "subst-tts"]:
        g = [aggregate(r, p) for r, p in zip(rows, preds) if r["kind"] == kind]
        if g:
            out[kind] = dict(n=len(g), accuracy=float(np.mean([x["accuracy"] for x in g])),
                             word=float(np.mean([np.mean(x["words"]) for x in g])),
                             pron=float(np.mean([x["pron"] for x in g])))
            if kind.startswith("subst"):
                ks = [int(r["id"].split("-")[1]) for r in rows if r["kind"] == kind]
                out[kind]["swapped_word"] = float(np.mean([x["words"][k] for x, k in zip(g, ks)]))
                out[kind]["other_words"] = float(np.mean(
                    [np.mean([v for j, v in enumerate(x["words"]) if j != k]) for x, k in zip(g, ks)
                     if len(x["words"]) > 1]))
    return out


def speaker_folds(speakers, k, seed):
    s = sorted(speakers)
    random.Random(seed).shuffle(s)
    return {spk: i % k for i, spk in enumerate(s)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--features", required=True, nargs="+")
    ap.add_argument("--scores", required=True)
    ap.add_argument("--utt2spk", required=True)
    ap.add_argument("--cv", type=int, default=0)
    ap.add_argument("--export", default=None)
    ap.add_argument("--acoustic-model", default=None)
    ap.add_argument("--epochs", type=int, default=40)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--dim", type=int, default=48)
    ap.add_argument("--layers", type=int, default=3)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--dropout", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=762)
    ap.add_argument("--ensemble", type=int, default=1,
                    help="train K scorers from different seeds and average them (one exported graph)")
    ap.add_argument("--aug-utterance-labels", action="store_true",
                    help="train the utterance head on AUG- rows too (default: their phone and word labels only)")
    ap.add_argument("--swapped-phone-weight", type=float, default=1.0,
                    help="loss weight of the phone a swapped-word row's reading lacks or replaces")
    ap.add_argument("--ensemble-utterance-only", action="store_true",
                    help="with --ensemble: average only the utterance head; phones and words from the first")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--no-mismatch", action="store_true")
    ap.add_argument("--no-tts", action="store_true")
    ap.add_argument("--json-out", default=None)
    ap.add_argument("--subset-speakers", default=None,
                    help="JSON with val_speakers: also report CV metrics on these speakers only "
                         "(those an acoustic model trained on so762 did not see)")
    ap.add_argument("--ckpt", default=None, help="save the final PyTorch model here")
    ap.add_argument("--from-ckpt", default=None, help="export this saved model instead of training")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    scores = json.load(open(a.scores, encoding="utf-8"))
    utt2spk = dict(l.split() for l in open(a.utt2spk, encoding="utf-8") if l.strip())
    rows, skipped = [], {}
    for f in a.features:
        r, s = load_rows(f, scores, utt2spk, a.swapped_phone_weight, a.aug_utterance_labels)
        rows += r
        for k, v in s.items():
            skipped[k] = skipped.get(k, 0) + v
    if a.no_mismatch:
        rows = [r for r in rows if r["kind"] != "mismatch"]
    if a.no_tts:
        rows = [r for r in rows if r["kind"] not in ("tts", "tts-mismatch", "subst-tts")]
    kinds = {k: sum(r["kind"] == k for r in rows)
             for k in ["so762", "aug", "mismatch", "tts", "tts-mismatch", "subst", "subst-tts"]}
    print(f"rows {kinds}, skipped {skipped}", file=sys.stderr)
    report = dict(args=vars(a), rows=kinds, skipped=skipped)

    if a.cv:
        folds = speaker_folds({r["spk"] for r in rows if r["kind"] == "so762"}, a.cv, a.seed)
        oof = [None] * len(rows)
        t0 = time.time()
        for k in range(a.cv):
            # TTS rows have no so762 speaker: split them over the folds by position.
            fold_of = [folds.get(r["spk"]) if r["spk"] is not None else i % a.cv for i, r in enumerate(rows)]
            tr = [r for r, f in zip(rows, fold_of) if f != k]
            te = [i for i, f in enumerate(fold_of) if f == k]
            m = train(tr, a, a.seed + k)
            for i, p in zip(te, predict(m, [rows[i] for i in te])):
                oof[i] = p
            print(f"fold {k}: {len(tr)} train, {len(te)} held out, {time.time() - t0:.0f} s", file=sys.stderr)
        held = [(r, p) for r, p in zip(rows, oof) if p is not None]
        res = metrics([r for r, _ in held], [p for _, p in held])
        side = side_checks([r for r, _ in held], [p for _, p in held])
        report["cv"] = res
        report["cv_side"] = side
        if a.subset_speakers:
            keep = set(json.load(open(a.subset_speakers))["val_speakers"])
            sub = [(r, p) for r, p in held if r["spk"] in keep]
            report["cv_subset"] = metrics([r for r, _ in sub], [p for _, p in sub])
        print(f"\n{a.cv}-fold speaker-disjoint CV on speechocean762 train (out-of-fold predictions):")
        for k, v in res.items():
            extra = f"  AUC(<1.5) {v['auc']:.3f}" if "auc" in v else ""
            print(f"  {k:20s} Pearson {v['pearson']:.3f}  n={v['n']}{extra}")
        for k, v in side.items():
            print(f"  {k}: {v}")
        if a.subset_speakers:
            print(f"\nthe same, only the speakers of {a.subset_speakers} (val_speakers):")
            for k, v in report["cv_subset"].items():
                extra = f"  AUC(<1.5) {v['auc']:.3f}" if "auc" in v else ""
                print(f"  {k:20s} Pearson {v['pearson']:.3f}  n={v['n']}{extra}")
    if a.export:
        t0 = time.time()
        if a.from_ckpt:
            m = torch.load(a.from_ckpt, weights_only=False)
            if isinstance(m, Avg):
                m.phones_from_first = a.ensemble_utterance_only
        else:
            m = train(rows, a, a.seed)
            print(f"final model: {len(rows)} rows, {time.time() - t0:.0f} s", file=sys.stderr)
            if a.ckpt:
                torch.save(m, a.ckpt)
        m.eval()
        os.makedirs(a.export, exist_ok=True)
        path = os.path.join(a.export, "scorer.onnx")
        ex = Export(m).eval()
        r0 = next(r for r in rows if r["kind"] == "so762")
        x = torch.from_numpy(r0["x"]).unsqueeze(0)
        ph = torch.from_numpy(r0["ph"]).unsqueeze(0)
        # The torch.export-based exporter keeps the phone count symbolic (the legacy tracer
        # baked the example's length into the attention reshapes).
        n = torch.export.Dim("n", min=1, max=1_000_000)
        torch.onnx.export(ex, (x, ph), path, input_names=["feats", "phones"],
                          output_names=["phone", "word", "utterance"],
                          dynamic_shapes={"feats": {1: n}, "phones": {1: n}},
                          opset_version=18, dynamo=True, external_data=False)
        import onnxruntime as ort
        sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        worst = 0.0
        for r in rows[:40] + [r for r in rows if len(r["ph"]) <= 2][:5] + sorted(rows, key=lambda r: -len(r["ph"]))[:5]:
            got = sess.run(None, {"feats": r["x"][None], "phones": r["ph"][None]})
            want = ex(torch.from_numpy(r["x"])[None], torch.from_numpy(r["ph"])[None])
            worst = max(worst, max(float(np.abs(g - w.detach().numpy()).max()) for g, w in zip(got, want)))
        print(f"ONNX vs torch max abs diff over 50 utterances (1 to {max(len(r['ph']) for r in rows)} phones): {worst:.2e}", file=sys.stderr)
        assert worst < 1e-2, worst
        name = a.acoustic_model or os.path.basename(os.path.normpath(a.export))
        cfg = dict(name=f"{name}-scorer", description=(
            "GOPT-like learned scorer (phone, word and utterance heads over per-phone GOP features) trained on the "
            f"speechocean762 train split ({kinds['so762']} utterances, CC BY 4.0) with mismatched-text negatives "
            f"({kinds['mismatch']} so762, {kinds['tts-mismatch']} TTS) and native TTS readings ({kinds['tts']})"
            + (f"; readings with one word swapped for a minimal pair or said without one of its phones "
               f"({kinds['subst']} so762, {kinds['subst-tts']} TTS)" if kinds["subst"] + kinds["subst-tts"] else "")
            + (f"; {kinds['aug']} noisy or reverberant copies of so762 readings" if kinds["aug"] else "")
            + ((f"; the utterance head the mean of {a.ensemble} scorers trained from different seeds"
                if a.ensemble_utterance_only else f"; the mean of {a.ensemble} scorers trained from different seeds")
               if a.ensemble > 1 else "")
            + "; rebuilt by scripts/scorer/run_all.sh."),
            onnx="scorer.onnx", feature_version=FEATURE_VERSION, features=N_FEAT, acoustic_model=name)
        with open(os.path.join(a.export, "scorer.json"), "w") as f:
            json.dump(cfg, f, indent=2)
            f.write("\n")
        report["export"] = dict(path=path, bytes=os.path.getsize(path), onnx_max_diff=worst)
    if a.json_out:
        with open(a.json_out, "w") as f:
            json.dump(report, f, indent=2)


if __name__ == "__main__":
    main()
