#!/usr/bin/env python3
"""Data preparation for the elocute neural acoustic model (elocute-nn-v1).

1. Writes manifests for the speechocean762 TRAIN split and the synthetic TTS corpus.
2. Aligns both with the elocute CLI (pocketsphinx GMM, Viterbi forced alignment):
   so762 with a lexicon holding each word's canonical pronunciation from train-scores.json (the
   shared so762 lexicon lists variants alphabetically and elocute would align the first one, which
   differs from the corpus' phones for ~40% of the words).
   (--tts-align none, the default: the TTS corpus gets its labels from realign.py instead.)
3. Computes 80-dim log-mel fbank (scripts/psx/frontend.py FBANK80, i.e. the Rust fbank80 front end)
   and frame labels over 39 CMU phones + SIL (alignment frame t <-> 10 ms * t <-> Kaldi frame t).
4. Picks a speaker-disjoint validation fold of the so762 TRAIN split (25 speakers, seed 762).

Outputs under --out (default /work/data/nn):
  so762.npz / tts.npz   feats [N,80] f32, labels [N] i1, fscore [N] f4 (expert score of the frame's
                        phone; 2.0 for TTS; -1 for silence), offsets [U+1], ids [U]
  so762_segments.json   per utt: phones [(start, end, phone_idx, expert_score, gmm_accuracy)], spk
  split.json            {"val_speakers": [...], "train_speakers": [...]}
The speechocean762 TEST split is never read.
"""
import argparse
import json
import os
import subprocess
import sys
import wave
from multiprocessing import Pool

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO, "scripts"))
from psx import frontend as fe  # noqa: E402

PHONES = ["AA", "AE", "AH", "AO", "AW", "AY", "B", "CH", "D", "DH", "EH", "ER", "EY", "F", "G", "HH",
          "IH", "IY", "JH", "K", "L", "M", "N", "NG", "OW", "OY", "P", "R", "S", "SH", "T", "TH", "UH",
          "UW", "V", "W", "Y", "Z", "ZH", "SIL"]
PIDX = {p: i for i, p in enumerate(PHONES)}
SIL = PIDX["SIL"]
SAPI = {"ax": "AH", "h": "HH"}
TICKS = 100000  # 100-ns ticks per 10 ms frame

SO762 = "/work/data/so762"
SHARED = "/work/shared/data/so762"
TTS = "/work/data/tts/manifest.tsv"


def fold_utterances(data, val):
    """fbank [T, 80] of the cached so762 train-split utterances inside (val=True) or outside (val=False)
    the validation fold of data/split.json, in cache order."""
    split = json.load(open(os.path.join(data, "split.json")))
    val_spk = set(split["val_speakers"])
    segs = json.load(open(os.path.join(data, "so762_segments.json")))
    d = np.load(os.path.join(data, "so762.npz"))
    feats, off, ids = d["feats"], d["offsets"], d["ids"]
    return [feats[off[i]:off[i + 1]] for i, u in enumerate(ids) if (segs[str(u)]["spk"] in val_spk) == val]


def sapi_to_cmu(s):
    return SAPI.get(s, s.upper())


def read_wav(path):
    with wave.open(path) as w:
        assert w.getframerate() == 16000 and w.getsampwidth() == 2, path
        x = np.frombuffer(w.readframes(w.getnframes()), np.int16).astype(np.float64)
        if w.getnchannels() > 1:
            x = x.reshape(-1, w.getnchannels()).mean(1)
    return x / 32768.0


_FB = None


def fbank80(samples):
    """Vectorised FBANK80 (same maths as fe.compute(samples, fe.FBANK80), checked in main())."""
    global _FB
    cfg = fe.FBANK80
    if _FB is None:
        _FB = (fe.window(cfg), fe.htk_filterbank(cfg))
    win, W = _FB
    x = np.asarray(samples, np.float64) * cfg["sample_scale"]
    if cfg.get("fill_digital_silence"):
        x = fe.fill_digital_silence(x, cfg["sample_scale"] / 32768.0)
    L, S, N, a = cfg["frame_length"], cfg["frame_shift"], cfg["fft_size"], cfg["preemphasis"]
    T = fe.num_frames(len(x), cfg)
    idx = np.arange(T)[:, None] * S + np.arange(L)[None, :]
    fr = x[idx]
    fr = fr - fr.mean(1, keepdims=True)
    pre = fr.copy()
    pre[:, 1:] = fr[:, 1:] - a * fr[:, :-1]
    pre[:, 0] = fr[:, 0] - a * fr[:, 0]
    pre *= win
    spec = np.fft.rfft(pre, N)
    power = spec.real ** 2 + spec.imag ** 2
    mel = power @ W.T
    return np.log(np.maximum(mel + cfg["log_offset"], cfg["log_floor"])).astype(np.float32)


def canonical_lexicon(scores, path):
    """The so762 lexicon lists pronunciations alphabetically and elocute aligns the first one; the
    corpus' canonical phones differ for ~40% of the words (TO: T AH0 vs T UW0). Write a lexicon whose
    only entry per word is its most frequent canonical pronunciation in the TRAIN split."""
    import collections
    c = collections.defaultdict(collections.Counter)
    for u in scores.values():
        for w in u["words"]:
            c[w["text"].upper()][" ".join(w["phones"])] += 1
    with open(path, "w") as f:
        for w in sorted(c):
            f.write(f"{w}\t{c[w].most_common(1)[0][0]}\n")
    return path


def run_batch(manifest, out, lexicon=None, threads=2):
    if os.path.exists(out) and sum(1 for _ in open(out)) == sum(1 for _ in open(manifest)):
        print(f"prepare: {out} exists, skipping alignment", flush=True)
        return
    exe = os.path.join(REPO, "target", "release", "elocute")
    # the GMM explicitly: frame labels come from the bootstrap model, whatever elocute's default is;
    # --no-scorer: the GMM's phone accuracy stored beside them (eval_gop.py's gmm_accuracy baseline)
    # must be its raw GOP, not its learned scorer, which was trained on every TRAIN speaker
    cmd = [exe, "batch", manifest, "--output", out + ".tmp", "--model", os.path.join(REPO, "models", "ps-en-us-ptm"),
           "--config", '{"GradingSystem":"HundredMark"}', "--threads", str(threads), "--no-scorer"]
    if lexicon:
        cmd += ["--lexicon", lexicon]
    print("prepare:", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, stderr=subprocess.DEVNULL)
    os.replace(out + ".tmp", out)


def load_align(path):
    res = {}
    for line in open(path):
        d = json.loads(line)
        if "result" not in d:
            continue
        words = []
        for w in d["result"]["NBest"][0]["Words"]:
            ph = []
            for p in w.get("Phonemes", []):
                s = p["Offset"] // TICKS
                e = s + p["Duration"] // TICKS
                acc = p.get("PronunciationAssessment", {}).get("AccuracyScore", float("nan"))
                ph.append((sapi_to_cmu(p["Phoneme"]), int(s), int(e), float(acc)))
            words.append((w["Word"], ph))
        res[d["id"]] = words
    return res


def job(args):
    uid, wav, words, scores = args[:4]
    feats = args[4] if len(args) > 4 else fbank80(read_wav(wav))
    T = len(feats)
    labels = np.full(T, SIL, np.int8)
    fscore = np.full(T, -1.0, np.float32)
    segs = []
    ok = scores is None or len(scores) == len(words)
    for wi, (wtext, ph) in enumerate(words):
        canon = None
        if scores is not None and ok:
            sw = scores[wi]
            if len(sw["phones"]) != len(ph):
                ok = False
            else:
                canon = [(p.rstrip("012"), a) for p, a in zip(sw["phones"], sw["phones-accuracy"])]
        for pi, (p, s, e, acc) in enumerate(ph):
            s, e = min(s, T), min(e, T)
            if e <= s:
                continue
            score = 2.0
            if canon is not None:
                if canon[pi][0] != p:
                    ok = False
                score = float(canon[pi][1])
            elif scores is not None:
                score = -2.0  # unknown (alignment does not match the corpus' phones)
            labels[s:e] = PIDX[p]
            fscore[s:e] = score
            segs.append((s, e, PIDX[p], score, acc, wi))
    return uid, feats, labels, fscore, segs, ok


def build(name, items, out_dir, procs):
    with Pool(procs) as pool:
        results = pool.map(job, items, chunksize=8)
    feats = np.concatenate([r[1] for r in results])
    labels = np.concatenate([r[2] for r in results])
    fscore = np.concatenate([r[3] for r in results])
    offsets = np.cumsum([0] + [len(r[1]) for r in results])
    ids = np.array([r[0] for r in results])
    np.savez(os.path.join(out_dir, f"{name}.npz"), feats=feats, labels=labels, fscore=fscore,
             offsets=offsets, ids=ids)
    segs = {r[0]: {"ok": r[5], "phones": r[4]} for r in results}
    nbad = sum(not r[5] for r in results)
    print(f"prepare: {name}: {len(ids)} utts, {len(feats)} frames ({len(feats)/360000:.2f} h), "
          f"{nbad} utts whose alignment does not match the corpus phones", flush=True)
    return segs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="/work/data/nn")
    ap.add_argument("--procs", type=int, default=2)
    ap.add_argument("--val-speakers", type=int, default=25)
    ap.add_argument("--seed", type=int, default=762)
    ap.add_argument("--tts-align", choices=["gmm", "none"], default="none",
                    help="gmm: align the TTS corpus with elocute batch (slow on a busy machine); "
                         "none: features only, labels come from realign.py (NN Viterbi)")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)

    # front-end check against the reference implementation
    x = read_wav(os.path.join(SO762, "WAVE/SPEAKER0001/000010011.WAV"))
    d = np.abs(fbank80(x) - fe.compute(x, fe.FBANK80)).max()
    assert d < 1e-4, d
    print(f"prepare: vectorised fbank80 == frontend.FBANK80 (max abs diff {d:.2g})", flush=True)

    # ---- so762 TRAIN split
    wavs = dict(l.split() for l in open(os.path.join(SO762, "train/wav.scp")))
    texts = dict(l.rstrip("\n").split("\t", 1) if "\t" in l else l.rstrip("\n").split(" ", 1)
                 for l in open(os.path.join(SO762, "train/text")))
    utt2spk = dict(l.split() for l in open(os.path.join(SO762, "train/utt2spk")))
    ids = sorted(wavs)
    man = os.path.join(args.out, "so762_train.tsv")
    with open(man, "w") as f:
        for u in ids:
            f.write(f"{u}\t{os.path.join(SO762, wavs[u])}\t{texts[u].strip()}\n")
    scores = json.load(open(os.path.join(SHARED, "train-scores.json")))
    lex = canonical_lexicon(scores, os.path.join(args.out, "so762_canonical_lexicon.txt"))
    ali = os.path.join(args.out, "align_so762_train_canon.jsonl")
    run_batch(man, ali, lexicon=lex)

    spks = sorted(set(utt2spk.values()))
    rng = np.random.RandomState(args.seed)
    val = sorted(rng.choice(spks, args.val_speakers, replace=False).tolist())
    with open(os.path.join(args.out, "split.json"), "w") as f:
        json.dump({"seed": args.seed, "val_speakers": val,
                   "train_speakers": [s for s in spks if s not in val]}, f, indent=1)

    A = load_align(ali)
    items = [(u, os.path.join(SO762, wavs[u]), A[u], scores[u]["words"]) for u in ids if u in A]
    old = os.path.join(args.out, "so762.npz")
    if os.path.exists(old):  # features do not depend on the alignment: reuse them
        z = np.load(old)
        f, off = z["feats"], z["offsets"]
        pos = {str(u): i for i, u in enumerate(z["ids"])}
        if all(it[0] in pos for it in items):
            items = [it + (f[off[pos[it[0]]]:off[pos[it[0]] + 1]],) for it in items]
            print("prepare: reusing so762 features from", old, flush=True)
    segs = build("so762", items, args.out, args.procs)
    for u in segs:
        segs[u]["spk"] = utt2spk[u]
    with open(os.path.join(args.out, "so762_segments.json"), "w") as f:
        json.dump(segs, f)

    # ---- synthetic TTS (CMUdict alignment)
    if os.path.exists(os.path.join(args.out, "tts.npz")) and args.tts_align == "none":
        print("prepare: tts.npz exists, skipping", flush=True)
        return
    rows = [l.rstrip("\n").split("\t") for l in open(TTS) if l.strip()]
    man = os.path.join(args.out, "tts.tsv")
    with open(man, "w") as f:
        for r in rows:
            f.write(f"{r[0]}\t{r[1]}\t{r[2]}\n")
    if args.tts_align == "gmm":
        ali = os.path.join(args.out, "align_tts.jsonl")
        run_batch(man, ali)
        A = load_align(ali)
        items = [(r[0], r[1], A[r[0]], None) for r in rows if r[0] in A]
    else:
        items = [(r[0], r[1], [], None) for r in rows]  # all-SIL placeholder labels
    build("tts", items, args.out, args.procs)
    print("prepare: done", flush=True)


if __name__ == "__main__":
    main()
