#!/usr/bin/env python3
"""Does a model folder's scoring catch a dropped phone? (scripts/scorer/README.md, "Rows with a dropped phone")

    .venv-tts/bin/python scripts/scorer/dropped_phone_probe.py [--model models/elocute-nn-v6] [--no-scorer]

14 words, each said by three TTS voices (Piper joe, Hibari, espeak-ng; scripts/train/setup_tts.sh
installs them) in a short sentence, once right and once without one phone ("cat" for "cats"), all
assessed against the full word with `elocute batch` (HundredMark). Prints, per reading, the score
of the phone the reading lacks, and then the totals: its mean, how many fall under 25, how many
words are flagged `Mispronunciation`, and the same for the readings that said the word right.
The audio is synthesised once into --out (default ../data/dropped_phone_probe) and reused.
"""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO, "scripts", "train"))

# (said, reference word, index in the reference's CMUdict phones of the phone the reading lacks)
PAIRS = [("cat", "cats", 3), ("see", "seat", 2), ("tomato", "tomatoes", 6), ("red", "reds", 3),
         ("bed", "bend", 2), ("boy", "boys", 2), ("car", "card", 3), ("play", "played", 3),
         ("walk", "walks", 3), ("ten", "tend", 3), ("go", "goes", 2), ("bow", "bowl", 2),
         ("far", "farm", 3), ("sick", "six", 3)]
FRAMES = ["I have the {} here", "she said {} again", "look at the {} now"]
# Piper's noise is sampled inside its graph, unseeded: without it the audio is the same on every run.
VOICES = [("piper-joe", {"length_scale": 1.0, "noise_scale": 0.0, "noise_w_scale": 0.0}),
          ("hibari-heart", {"speed": 1.0, "seed": 1}),
          ("espeak-en-us-default", {"rate": 160, "pitch": 50})]


def synthesise(out):
    """One WAV per (voice, word said); returns the manifest rows (id, wav, reference text)."""
    from gen_tts import Engines  # the training corpus's own TTS front end

    engines = Engines(out)
    rows = []
    for voice, prm in VOICES:
        for k, (said, ref, _) in enumerate(PAIRS):
            frame = FRAMES[k % len(FRAMES)]
            for w in (said, ref):
                wav = os.path.join(out, f"{voice}-{w}.wav")
                if not os.path.exists(wav):
                    engines.synth(voice, frame.format(w), prm, wav)
                rows.append((f"{voice}|{w}|{ref}", wav, frame.format(ref)))
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default=os.path.join(REPO, "models", "elocute-nn-v6"))
    ap.add_argument("--no-scorer", action="store_true", help="GOP only")
    ap.add_argument("--out", default=os.path.join(REPO, "..", "data", "dropped_phone_probe"))
    ap.add_argument("--elocute", default=os.path.join(REPO, "target", "release", "elocute"))
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    rows = synthesise(a.out)
    manifest = os.path.join(a.out, "manifest.tsv")
    with open(manifest, "w", encoding="utf-8") as f:
        f.writelines(f"{i}\t{w}\t{t}\n" for i, w, t in rows)
    result = os.path.join(a.out, "result.jsonl")
    cmd = [a.elocute, "batch", manifest, "--model", a.model, "--output", result,
           "--config", '{"GradingSystem":"HundredMark"}'] + (["--no-scorer"] if a.no_scorer else [])
    subprocess.run(cmd, check=True, capture_output=True)
    res = {}
    for line in open(result, encoding="utf-8"):
        d = json.loads(line)
        if "error" in d:
            sys.exit(f"dropped_phone_probe: {d['id']}: {d['error']}")
        res[d["id"]] = d["result"]

    def word(id_, w):
        return next(x for x in res[id_]["NBest"][0]["Words"] if x["Word"].lower() == w)

    lacking, right, flagged, flagged_right = [], [], 0, 0
    for voice, _ in VOICES:
        for said, ref, i in PAIRS:
            wm, wr = word(f"{voice}|{said}|{ref}", ref), word(f"{voice}|{ref}|{ref}", ref)
            m = wm["Phonemes"][i]["PronunciationAssessment"]["AccuracyScore"]
            r = wr["Phonemes"][i]["PronunciationAssessment"]["AccuracyScore"]
            lacking.append(m)
            right.append(r)
            flagged += wm["PronunciationAssessment"]["ErrorType"] == "Mispronunciation"
            flagged_right += wr["PronunciationAssessment"]["ErrorType"] == "Mispronunciation"
            print(f"{voice:22s} {said:>7s} for {ref:9s} /{wm['Phonemes'][i]['Phoneme']}/ {m:5.0f} "
                  f"(said right {r:5.0f})  word {wm['PronunciationAssessment']['AccuracyScore']:5.1f} "
                  f"{wm['PronunciationAssessment']['ErrorType']}")
    n = len(lacking)
    print(f"lacking phone: mean {sum(lacking) / n:.1f}, {sum(x < 25 for x in lacking)} of {n} under 25, "
          f"{flagged} words flagged; said right: mean {sum(right) / n:.1f}, {flagged_right} flagged")


if __name__ == "__main__":
    main()
