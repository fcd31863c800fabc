#!/usr/bin/env python3
"""Write the manifests a learned scorer is trained on (speechocean762 TRAIN split only).

    prepare.py --corpus ../data/so762 --out DIR [--tts /work/data/tts/manifest.tsv]

DIR/so762.tsv       every train utterance with its own text (labels: the experts' scores)
DIR/mismatch.tsv    600 train utterances paired with another utterance's text (labels: all zero,
                    so that a wrong text scores low; the experts never rated such a reading)
DIR/tts.tsv         up to 800 native synthetic readings (labels: phones 2, words 10, accuracy 10;
                    fluency and prosody unlabelled) when --tts is given
DIR/lexicon.txt     the corpus's canonical pronunciation of each train word first
                    (scripts/so762/make_manifest.py --lexicon-out)

Ids carry their kind: mismatch rows are `MM-<utt>`, TTS rows `TTS-<id>`. Seeded: reruns write the same files.
"""
import argparse
import os
import random
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--tts", default=None, help="TTS manifest (id, wav, text, voice, augmentation)")
    ap.add_argument("--mismatch", type=int, default=600)
    ap.add_argument("--tts-count", type=int, default=800)
    ap.add_argument("--seed", type=int, default=762)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    so = os.path.join(a.out, "so762.tsv")
    subprocess.run([sys.executable, os.path.join(HERE, "..", "so762", "make_manifest.py"),
                    "--corpus", a.corpus, "--split", "train", "--out", so,
                    "--lexicon-out", os.path.join(a.out, "lexicon.txt")], check=True)
    rows = [l.rstrip("\n").split("\t") for l in open(so, encoding="utf-8") if l.strip()]
    rng = random.Random(a.seed)
    picked = rng.sample(rows, min(a.mismatch, len(rows)))
    with open(os.path.join(a.out, "mismatch.tsv"), "w", encoding="utf-8") as f:
        for utt, wav, text in picked:
            other = text
            while other == text:
                other = rng.choice(rows)[2]
            f.write(f"MM-{utt}\t{wav}\t{other}\n")
    if a.tts:
        tts = [l.rstrip("\n").split("\t") for l in open(a.tts, encoding="utf-8") if l.strip()]
        tts = [r for r in tts if len(r) >= 3 and os.path.exists(r[1])]
        tts = rng.sample(tts, min(a.tts_count, len(tts)))
        with open(os.path.join(a.out, "tts.tsv"), "w", encoding="utf-8") as f:
            for r in tts:
                f.write(f"TTS-{r[0]}\t{r[1]}\t{r[2]}\n")
    print(f"prepare.py: {len(rows)} so762, {len(picked)} mismatched"
          + (f", {len(tts)} TTS" if a.tts else "") + f" rows in {a.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
