#!/usr/bin/env python3
"""Correlate elocute batch results with speechocean762 expert scores.

    evaluate.py --results OUT.jsonl --scores train-scores.json [--folds 5 --seed 0] [--json]
                [--speakers-file SPEAKERS.txt]

OUT.jsonl is what `elocute batch` writes (one {"id", "result"} or {"id", "error"}
per line); the scores file maps utterance id to the expert annotation
(accuracy, completeness, fluency, prosodic, total on 0-10; words with
accuracy, total 0-10 and phones-accuracy 0-2 per phone).

For each pair (ours, expert) it prints the Pearson correlation over all
items and the mean squared error of a least-squares linear fit
expert ~ a + b*ours, cross-validated over --folds speaker-disjoint folds (so the
MSE is in the expert's units and the fit never saw the held-out speakers).
It also prints the AUC for detecting phones the experts rated below 1.5 from
our phone AccuracyScore (lower = worse), and how our word `ErrorType` `Mispronunciation`
agrees with the experts' mispronounced words (word accuracy below 6 of 10): flags, precision,
recall. --speakers-file (one speaker id per line, e.g. `scripts/scorer/heldout.sh`'s
speakers.txt) keeps only those speakers' utterances.

Phones are matched by word index and position within the word: our Words
are the normalised reference words in order. An utterance whose word count
differs from the annotation, a word whose text or phone count differs, and a
phone whose identity differs are skipped and counted. Speakers come from
--utt2spk (default: train-utt2spk beside the scores file, if present),
otherwise from the utterance id (its first five digits).

Only numpy is needed.
"""
import argparse
import json
import math
import os
import re
import sys

import numpy as np

# Our phone spellings (SAPI or IPA) back to CMU base phones.
CMU = ["AA", "AE", "AH", "AO", "AW", "AY", "B", "CH", "D", "DH", "EH", "ER", "EY", "F", "G", "HH",
       "IH", "IY", "JH", "K", "L", "M", "N", "NG", "OW", "OY", "P", "R", "S", "SH", "T", "TH", "UH",
       "UW", "V", "W", "Y", "Z", "ZH"]
SAPI = ["aa", "ae", "ah", "ao", "aw", "ay", "b", "ch", "d", "dh", "eh", "er", "ey", "f", "g", "h",
        "ih", "iy", "jh", "k", "l", "m", "n", "ng", "ow", "oy", "p", "r", "s", "sh", "t", "th", "uh",
        "uw", "v", "w", "y", "z", "zh"]
IPA = ["ɑ", "æ", "ʌ", "ɔ", "aʊ", "aɪ", "b", "tʃ", "d", "ð", "ɛ", "ɝ", "eɪ", "f", "ɡ", "h", "ɪ", "i",
       "dʒ", "k", "l", "m", "n", "ŋ", "oʊ", "ɔɪ", "p", "ɹ", "s", "ʃ", "t", "θ", "ʊ", "u", "v", "w",
       "j", "z", "ʒ"]
TO_CMU = {}
for _c, _s, _i in zip(CMU, SAPI, IPA):
    TO_CMU[_s] = _c
    TO_CMU[_i] = _c
    TO_CMU[_c] = _c
TO_CMU.update({"ax": "AH", "ə": "AH", "ɚ": "ER", "hh": "HH", "g": "G"})

FRAME_TICKS = 100_000  # 100-ns ticks per 10 ms frame


def cmu_base(p):
    """CMU base phone of one of our spellings or an annotated phone (AH0, ah, ə)."""
    p = p.strip()
    if p in TO_CMU:
        return TO_CMU[p]
    q = re.sub(r"[^A-Za-z]", "", p).upper()
    return q


def norm_word(w):
    return re.sub(r"[^A-Z0-9']", "", w.upper())


def load_results(path):
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line:
                rec = json.loads(line)
                out[str(rec.get("id"))] = rec
    return out


def load_utt2spk(path):
    m = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            p = line.split()
            if len(p) >= 2:
                m[p[0]] = p[1]
    return m


def speaker_of(utt, utt2spk):
    if utt in utt2spk:
        return utt2spk[utt]
    return utt[:5] if len(utt) >= 9 else utt


def speaker_folds(speakers, k, seed):
    """Speaker -> fold index, a seeded shuffle dealt round-robin."""
    uniq = sorted(set(speakers))
    rng = np.random.default_rng(seed)
    rng.shuffle(uniq)
    return {s: i % k for i, s in enumerate(uniq)}


def pearson(x, y):
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    if len(x) < 2 or x.std() == 0 or y.std() == 0:
        return float("nan")
    return float(np.corrcoef(x, y)[0, 1])


def cv_linear_mse(x, y, folds):
    """MSE of y ~ a + b x fitted on the other folds, over all held-out items."""
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    folds = np.asarray(folds)
    err = np.empty_like(y)
    for f in np.unique(folds):
        tr, te = folds != f, folds == f
        if tr.sum() < 2 or np.ptp(x[tr]) == 0:
            a, b = (y[tr].mean() if tr.any() else 0.0), 0.0
        else:
            b, a = np.polyfit(x[tr], y[tr], 1)
        err[te] = y[te] - (a + b * x[te])
    return float(np.mean(err ** 2)) if len(y) else float("nan")


def auc(scores, positive):
    """ROC AUC of `scores` (higher = more likely positive), ties counted half."""
    s = np.asarray(scores, float)
    pos = np.asarray(positive, bool)
    n1, n0 = int(pos.sum()), int((~pos).sum())
    if n1 == 0 or n0 == 0:
        return float("nan")
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s), float)
    ss = s[order]
    i = 0
    while i < len(ss):
        j = i
        while j + 1 < len(ss) and ss[j + 1] == ss[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2.0 + 1.0
        i = j + 1
    return float((ranks[pos].sum() - n1 * (n1 + 1) / 2.0) / (n1 * n0))


def collect(results, scores, utt2spk):
    """Pair our scores with the experts'. Returns (pairs, phone rows, counts).

    pairs: name -> list of (ours, expert, speaker).
    phones: list of dicts with our accuracy, the expert's, speaker, utt, word index, position.
    """
    pairs = {k: [] for k in ("word_acc", "word_total", "sent_acc", "fluency", "completeness",
                             "pron", "prosody", "flag")}
    phones = []
    c = dict(items=0, ok=0, failed=0, not_annotated=0, no_result=0, utt_word_mismatch=0,
             word_text_mismatch=0, word_phone_count_mismatch=0, phone_identity_mismatch=0,
             words_matched=0, phones_matched=0)
    for utt, rec in results.items():
        c["items"] += 1
        if utt not in scores:
            c["not_annotated"] += 1
            continue
        if "error" in rec or "result" not in rec:
            c["failed"] += 1
            continue
        nb = (rec["result"].get("NBest") or [None])[0]
        if nb is None:
            c["no_result"] += 1
            continue
        c["ok"] += 1
        exp = scores[utt]
        spk = speaker_of(utt, utt2spk)
        pa = nb.get("PronunciationAssessment", {})
        for name, ours, theirs in (("sent_acc", "AccuracyScore", "accuracy"),
                                   ("fluency", "FluencyScore", "fluency"),
                                   ("completeness", "CompletenessScore", "completeness"),
                                   ("pron", "PronScore", "total"),
                                   ("prosody", "ProsodyScore", "prosodic")):
            if pa.get(ours) is not None and exp.get(theirs) is not None:
                pairs[name].append((float(pa[ours]), float(exp[theirs]), spk))
        words = nb.get("Words") or []
        ewords = exp.get("words") or []
        if len(words) != len(ewords):
            c["utt_word_mismatch"] += 1
            continue
        for wi, (w, ew) in enumerate(zip(words, ewords)):
            if norm_word(w.get("Word", "")) != norm_word(ew.get("text", "")):
                c["word_text_mismatch"] += 1
                continue
            wacc = (w.get("PronunciationAssessment") or {}).get("AccuracyScore")
            if wacc is not None:
                c["words_matched"] += 1
                pairs["word_acc"].append((float(wacc), float(ew["accuracy"]), spk))
                pairs["word_total"].append((float(wacc), float(ew["total"]), spk))
                flagged = w["PronunciationAssessment"].get("ErrorType") == "Mispronunciation"
                pairs["flag"].append((flagged, float(ew["accuracy"]) < 6, spk))
            ph = w.get("Phonemes") or []
            eph = ew.get("phones") or []
            eacc = ew.get("phones-accuracy") or []
            if len(ph) != len(eph) or len(eph) != len(eacc):
                c["word_phone_count_mismatch"] += 1
                continue
            for pi, (p, ep, ea) in enumerate(zip(ph, eph, eacc)):
                if cmu_base(p.get("Phoneme", "")) != cmu_base(ep):
                    c["phone_identity_mismatch"] += 1
                    continue
                acc = (p.get("PronunciationAssessment") or {}).get("AccuracyScore")
                if acc is None:
                    continue
                c["phones_matched"] += 1
                phones.append(dict(ours=float(acc), expert=float(ea), spk=spk, utt=utt, word=wi,
                                   pos=pi, phone=cmu_base(ep)))
    return pairs, phones, c


def table(pairs, phones, folds_k, seed):
    all_spk = [s for v in pairs.values() for _, _, s in v] + [p["spk"] for p in phones]
    fold_of = speaker_folds(all_spk, folds_k, seed)
    rows = []

    def row(name, x, y, spk):
        f = [fold_of[s] for s in spk]
        rows.append(dict(metric=name, n=len(x), pearson=pearson(x, y),
                         mse=cv_linear_mse(x, y, f) if len(x) > 1 else float("nan")))

    if phones:
        row("phone accuracy vs expert phone (0-2)", [p["ours"] for p in phones],
            [p["expert"] for p in phones], [p["spk"] for p in phones])
    labels = {"word_acc": "word accuracy vs expert word accuracy",
              "word_total": "word accuracy vs expert word total",
              "sent_acc": "AccuracyScore vs accuracy",
              "fluency": "FluencyScore vs fluency",
              "completeness": "CompletenessScore vs completeness",
              "pron": "PronScore vs total",
              "prosody": "ProsodyScore vs prosodic"}
    for k, label in labels.items():
        v = pairs[k]
        if v:
            row(label, [a for a, _, _ in v], [b for _, b, _ in v], [s for _, _, s in v])
    extra = {}
    if pairs["flag"]:
        flagged = sum(f for f, _, _ in pairs["flag"])
        bad = sum(b for _, b, _ in pairs["flag"])
        hit = sum(f and b for f, b, _ in pairs["flag"])
        extra["mispronunciation_flags"] = dict(
            words=len(pairs["flag"]), mispronounced=bad, flags=flagged,
            precision=hit / flagged if flagged else float("nan"),
            recall=hit / bad if bad else float("nan"))
    if phones:
        pos = [p["expert"] < 1.5 for p in phones]
        extra["phone_auc_below_1.5"] = auc([-p["ours"] for p in phones], pos)
        extra["phones_below_1.5"] = int(sum(pos))
        e = np.array([p["expert"] for p in phones])
        o = np.array([p["ours"] for p in phones])
        extra["mean_ours_by_expert"] = {f"{v:g}": float(o[e == v].mean())
                                        for v in sorted(set(e.tolist())) if (e == v).sum() >= 20}
    return rows, extra


def fmt(v, d=3):
    return "   nan" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.{d}f}"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--results", required=True)
    ap.add_argument("--scores", required=True)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--utt2spk", default=None)
    ap.add_argument("--json", action="store_true", help="print the table as JSON")
    ap.add_argument("--speakers-file", default=None, help="only these speakers (one id per line)")
    a = ap.parse_args(argv)

    with open(a.scores, encoding="utf-8") as f:
        scores = json.load(f)
    results = load_results(a.results)
    u2s_path = a.utt2spk or os.path.join(os.path.dirname(os.path.abspath(a.scores)), "train-utt2spk")
    utt2spk = load_utt2spk(u2s_path) if os.path.exists(u2s_path) else {}
    if a.speakers_file:
        with open(a.speakers_file, encoding="utf-8") as f:
            keep = {line.strip() for line in f if line.strip()}
        results = {u: r for u, r in results.items() if speaker_of(u, utt2spk) in keep}

    pairs, phones, counts = collect(results, scores, utt2spk)
    rows, extra = table(pairs, phones, a.folds, a.seed)
    counts["skipped"] = (counts["not_annotated"] + counts["no_result"] + counts["utt_word_mismatch"])

    if a.json:
        def clean(v):
            if isinstance(v, float) and math.isnan(v):
                return None
            if isinstance(v, dict):
                return {k: clean(x) for k, x in v.items()}
            if isinstance(v, list):
                return [clean(x) for x in v]
            return v
        print(json.dumps(clean(dict(counts=counts, rows=rows, folds=a.folds, seed=a.seed, **extra)), indent=2))
        return 0
    print(f"items {counts['items']}  ok {counts['ok']}  failed {counts['failed']}  "
          f"skipped {counts['skipped']} (not annotated {counts['not_annotated']}, "
          f"word count mismatch {counts['utt_word_mismatch']}, no NBest {counts['no_result']})")
    print(f"words matched {counts['words_matched']} (text mismatch {counts['word_text_mismatch']}, "
          f"phone count mismatch {counts['word_phone_count_mismatch']}); phones matched "
          f"{counts['phones_matched']} (identity mismatch {counts['phone_identity_mismatch']})")
    w = max(len(r["metric"]) for r in rows) if rows else 10
    print(f"{'metric':<{w}}  {'n':>6}  {'pearson':>7}  {'cv-mse':>7}")
    for r in rows:
        print(f"{r['metric']:<{w}}  {r['n']:>6}  {fmt(r['pearson']):>7}  {fmt(r['mse']):>7}")
    if "phone_auc_below_1.5" in extra:
        print(f"phone AUC (expert < 1.5, {extra['phones_below_1.5']} positives): "
              f"{fmt(extra['phone_auc_below_1.5'])}")
        print("mean phone AccuracyScore by expert rating: " + ", ".join(
            f"{k}: {v:.1f}" for k, v in extra["mean_ours_by_expert"].items()))
    if "mispronunciation_flags" in extra:
        m = extra["mispronunciation_flags"]
        print(f"Mispronunciation flags (expert word accuracy < 6: {m['mispronounced']} of {m['words']} words): "
              f"{m['flags']} flags, precision {fmt(m['precision'])}, recall {fmt(m['recall'])}")
    print(f"(pearson over all items; cv-mse: linear fit, {a.folds}-fold speaker-disjoint, seed {a.seed};"
          " expert units: phone 0-2, others 0-10)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
