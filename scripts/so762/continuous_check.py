#!/usr/bin/env python3
"""Continuous mode on real learner speech: speechocean762 readings joined
into long ones, assessed with `elocute batch --continuous`, compared with
the one-shot assessment of each reading and with the experts.

    continuous_check.py --corpus ../data/so762 --scores ../shared/data/so762/train-scores.json \\
        --out target/so762-continuous [--group 5] [--limit-groups N] [--threads 2] [--no-scorer] \\
        [--model DIR] [--speakers-file F]

Each speaker's train-split utterances, in id order, are joined in groups of
--group (the recordings back to back, each with its own leading and trailing
silence as the pause between them); the reference is their texts joined as
sentences. The continuous result's words are split back into the utterances
by word count and paired with the expert scores exactly as
`evaluate.py` pairs a one-shot result. Printed: how the segments fall
against the utterance boundaries, how many words continuous mode found
(not `Omission`), and word / phone Pearson (and phone AUC for phones rated
below 1.5) for continuous and one-shot side by side on the same words.

Only the train split is used. The learned scorer was trained on it, so the
scores are in-sample for both modes; the comparison between the modes is
the point (`--no-scorer` compares the GOP-only scores instead).
"""
import argparse
import json
import os
import subprocess
import sys
import wave

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import evaluate  # noqa: E402


def read_manifest(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            utt, wav, text = line.rstrip("\n").split("\t", 2)
            rows.append((utt, wav, text))
    return rows


def join_wavs(paths, out):
    frames, params = [], None
    for p in paths:
        with wave.open(p, "rb") as w:
            if params is None:
                params = w.getparams()
            elif (w.getnchannels(), w.getsampwidth(), w.getframerate()) != (
                    params.nchannels, params.sampwidth, params.framerate):
                raise SystemExit(f"{p}: format differs from the group's first file")
            frames.append(w.readframes(w.getnframes()))
    with wave.open(out, "wb") as w:
        w.setnchannels(params.nchannels)
        w.setsampwidth(params.sampwidth)
        w.setframerate(params.framerate)
        for f in frames:
            w.writeframes(f)


def run_batch(binary, manifest, output, lexicon, config, threads, extra):
    cmd = [binary, "batch", manifest, "--output", output, "--threads", str(threads),
           "--lexicon", lexicon, "--config", config] + extra
    r = subprocess.run(cmd, stderr=subprocess.PIPE, text=True)
    tail = r.stderr.strip().splitlines()[-1:] or [""]
    print(f"  {' '.join(os.path.basename(c) for c in cmd[:2])} {' '.join(extra)}: {tail[0].strip()}")
    if r.returncode not in (0, 3):
        raise SystemExit(r.stderr)


def load_jsonl(path):
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            out[rec["id"]] = rec
    return out


def split_back(groups, long_results, short_results):
    """Per utterance, a one-shot-shaped result made of the continuous words."""
    per_utt, stats = {}, dict(groups=0, failed=0, utterances=0, words=0, found=0,
                               segments=0, segments_one_utt=0, boundary_shared=0,
                               count_mismatch=0)
    for gid, members in groups.items():
        rec = long_results.get(gid)
        if rec is None or "result" not in rec:
            stats["failed"] += 1
            continue
        stats["groups"] += 1
        res = rec["result"]
        words = res.get("Words") or []
        counts = []
        for utt, _, _ in members:
            s = short_results.get(utt, {}).get("result")
            n = len(s["NBest"][0].get("Words") or []) if s else None
            counts.append(n)
        if None in counts or sum(counts) != len(words):
            stats["count_mismatch"] += 1
            continue
        # Which utterance each word belongs to, and where each segment's words come from.
        owner, at = [], 0
        for k, n in enumerate(counts):
            owner += [k] * n
            per_utt[members[k][0]] = {"result": {"NBest": [{
                "PronunciationAssessment": {},
                "Words": words[at:at + n]}]}}
            at += n
        stats["utterances"] += len(members)
        stats["words"] += len(words)
        stats["found"] += sum(1 for w in words
                              if w["PronunciationAssessment"]["ErrorType"] != "Omission")
        # Segments: how many hold words of one utterance only (a segment's words are copies of Words').
        index = {}
        for i, w in enumerate(words):
            index.setdefault((w["Word"], w["Offset"], w["Duration"]), []).append(i)
        seg_owners = []
        for seg in res.get("Segments") or []:
            idx = [index[(w["Word"], w["Offset"], w["Duration"])].pop(0)
                   for w in seg["NBest"][0].get("Words") or []]
            seg_owners.append({owner[i] for i in idx})
        stats["segments"] += len(seg_owners)
        stats["segments_one_utt"] += sum(1 for o in seg_owners if len(o) == 1)
        # Utterance boundaries that a segment boundary falls on.
        for k in range(1, len(members)):
            stats["boundary_shared"] += int(not any({k - 1, k} <= o for o in seg_owners))
    return per_utt, stats


def scores_for(results, scores, utt2spk, keep):
    pairs, phones, _ = evaluate.collect({u: r for u, r in results.items() if u in keep}, scores, utt2spk)
    return pairs, phones


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--scores", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--group", type=int, default=5)
    ap.add_argument("--limit-groups", type=int, default=None)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--no-scorer", action="store_true")
    ap.add_argument("--model", default=None, help="model folder (default: the CLI's default model)")
    ap.add_argument("--segmentation-silence-ms", type=int, default=None)
    ap.add_argument("--speakers-file", default=None, help="only these speakers (one id per line)")
    ap.add_argument("--bin", default=os.path.join(HERE, "..", "..", "target", "release", "elocute"))
    a = ap.parse_args(argv)

    os.makedirs(os.path.join(a.out, "wav"), exist_ok=True)
    train_tsv = os.path.join(a.out, "train.tsv")
    lexicon = os.path.join(a.out, "lexicon.txt")
    subprocess.run([sys.executable, os.path.join(HERE, "make_manifest.py"), "--corpus", a.corpus,
                    "--split", "train", "--out", train_tsv, "--lexicon-out", lexicon]
                   + (["--speakers-file", a.speakers_file] if a.speakers_file else []), check=True)
    rows = read_manifest(train_tsv)
    utt2spk = evaluate.load_utt2spk(os.path.join(a.corpus, "train", "utt2spk"))
    by_spk = {}
    for r in rows:
        by_spk.setdefault(evaluate.speaker_of(r[0], utt2spk), []).append(r)
    groups = {}
    for spk in sorted(by_spk):
        utts = by_spk[spk]
        for i in range(0, len(utts) - a.group + 1, a.group):
            groups[f"{spk}-{i // a.group:02d}"] = utts[i:i + a.group]
    if a.limit_groups:
        groups = dict(list(groups.items())[:a.limit_groups])
    long_tsv = os.path.join(a.out, "long.tsv")
    short_tsv = os.path.join(a.out, "short.tsv")
    with open(long_tsv, "w", encoding="utf-8") as lf, open(short_tsv, "w", encoding="utf-8") as sf:
        for gid, members in groups.items():
            wav = os.path.join(a.out, "wav", gid + ".wav")
            if not os.path.exists(wav):
                join_wavs([m[1] for m in members], wav)
            text = " ".join(m[2].rstrip(".") + "." for m in members)
            lf.write(f"{gid}\t{os.path.abspath(wav)}\t{text}\n")
            for m in members:
                sf.write("\t".join(m) + "\n")
    config = '{"GradingSystem":"HundredMark"}'
    extra = (["--no-scorer"] if a.no_scorer else []) + (["--model", a.model] if a.model else [])
    print(f"{len(groups)} readings of {a.group} utterances ({sum(len(m) for m in groups.values())} utterances)")
    long_out = os.path.join(a.out, "long.jsonl")
    short_out = os.path.join(a.out, "short.jsonl")
    run_batch(a.bin, long_tsv, long_out, lexicon, config, a.threads, extra + ["--continuous"] + (
        ["--segmentation-silence-ms", str(a.segmentation_silence_ms)] if a.segmentation_silence_ms else []))
    run_batch(a.bin, short_tsv, short_out, lexicon, config, a.threads, extra)
    whole_out = os.path.join(a.out, "whole.jsonl")
    run_batch(a.bin, long_tsv, whole_out, lexicon, config, a.threads, extra)
    long_res, short_res = load_jsonl(long_out), load_jsonl(short_out)
    per_utt, st = split_back(groups, long_res, short_res)
    # The same readings assessed in one piece (one-shot), split back the same way.
    whole = {}
    for gid, rec in load_jsonl(whole_out).items():
        if "result" in rec:
            r = rec["result"]
            whole[gid] = {"result": {**r, "Words": r["NBest"][0].get("Words") or [], "Segments": []}}
    whole_utt, _ = split_back(groups, whole, short_res)
    scores = json.load(open(a.scores, encoding="utf-8"))
    keep = set(per_utt)
    cp, cph = scores_for(per_utt, scores, utt2spk, keep)
    sp, sph = scores_for(short_res, scores, utt2spk, keep)
    wp, wph = scores_for(whole_utt, scores, utt2spk, keep)

    def corr(pairs):
        return evaluate.pearson([p[0] for p in pairs], [p[1] for p in pairs]) if pairs else float("nan")

    def phone_auc(ph):
        return evaluate.auc([-p["ours"] for p in ph], [p["expert"] < 1.5 for p in ph]) if ph else float("nan")

    b = max(1, st["utterances"] - st["groups"])
    out = {
        "readings": st["groups"], "failed": st["failed"], "count_mismatch": st["count_mismatch"],
        "utterances": st["utterances"], "segments": st["segments"],
        "segments_within_one_utterance": st["segments_one_utt"],
        "utterance_boundaries_on_a_segment_boundary": f"{st['boundary_shared']}/{b}",
        "words": st["words"], "words_found": st["found"],
        "continuous": {"word_acc": corr(cp["word_acc"]), "phone": corr([(p["ours"], p["expert"]) for p in cph]),
                       "phone_auc": phone_auc(cph), "words": len(cp["word_acc"]), "phones": len(cph)},
        "one_shot": {"word_acc": corr(sp["word_acc"]), "phone": corr([(p["ours"], p["expert"]) for p in sph]),
                     "phone_auc": phone_auc(sph), "words": len(sp["word_acc"]), "phones": len(sph)},
        "one_shot_whole_reading": {"word_acc": corr(wp["word_acc"]),
                                   "phone": corr([(p["ours"], p["expert"]) for p in wph]),
                                   "phone_auc": phone_auc(wph), "words": len(wp["word_acc"]), "phones": len(wph)},
    }
    json.dump(out, open(os.path.join(a.out, "check.json"), "w"), indent=1)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
