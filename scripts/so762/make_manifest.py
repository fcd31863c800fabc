#!/usr/bin/env python3
"""Write an elocute batch manifest (id<TAB>wav<TAB>text) for a speechocean762 split.

    make_manifest.py --corpus ../data/so762 --split train --out train.tsv [--limit N] [--speakers-file F]

The corpus root holds WAVE/, train/ and test/ (Kaldi lists: text, wav.scp,
utt2spk). Audio paths are written absolute. --speakers-file keeps only the
speakers it lists (one id per line, e.g. 0001 or SPEAKER0001).

--lexicon-out FILE also writes a CMUdict-format lexicon for the words of the
manifest: each word's pronunciations from resource/lexicon.txt, reordered so
that the one the corpus's canonical transcription (resource/text-phone) uses
most often for this split's utterances comes first. elocute scores the first
pronunciation of a word, and resource/lexicon.txt lists variants
alphabetically, so its first is often a non-rhotic or odd one (ZERO -> Z IH
AH1 OW0, ARM -> AA0 M, CAIRO -> K AH1 IH AH0 R AH0 UW0) that the expert
phone annotation does not use.
"""
import argparse
import os
import sys


def read_kaldi(path):
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip():
                continue
            parts = line.split(None, 1)
            out[parts[0]] = parts[1].strip() if len(parts) > 1 else ""
    return out


def norm_spk(s):
    s = s.strip()
    return s[len("SPEAKER"):] if s.upper().startswith("SPEAKER") else s


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", required=True, help="speechocean762 root (WAVE/, train/, test/)")
    ap.add_argument("--split", required=True, choices=["train", "test"])
    ap.add_argument("--out", required=True, help="manifest to write (TSV)")
    ap.add_argument("--limit", type=int, default=None, help="keep only the first N utterances")
    ap.add_argument("--speakers-file", default=None, help="keep only these speakers")
    ap.add_argument("--lexicon-out", default=None,
                    help="also write a lexicon with the split's canonical pronunciations first")
    a = ap.parse_args(argv)

    root = os.path.abspath(a.corpus)
    split = os.path.join(root, a.split)
    text = read_kaldi(os.path.join(split, "text"))
    wav_scp = os.path.join(split, "wav.scp")
    wavs = read_kaldi(wav_scp) if os.path.exists(wav_scp) else {}
    utt2spk = read_kaldi(os.path.join(split, "utt2spk")) if os.path.exists(os.path.join(split, "utt2spk")) else {}

    keep = None
    if a.speakers_file:
        with open(a.speakers_file, encoding="utf-8") as f:
            keep = {norm_spk(l) for l in f if l.strip()}

    n = missing = 0
    kept = []
    with open(a.out, "w", encoding="utf-8") as out:
        for utt in sorted(text):
            spk = norm_spk(utt2spk.get(utt, utt[:4]))
            if keep is not None and spk not in keep:
                continue
            rel = wavs.get(utt, os.path.join("WAVE", "SPEAKER" + spk, utt + ".WAV"))
            wav = rel if os.path.isabs(rel) else os.path.join(root, rel)
            if not os.path.exists(wav):
                missing += 1
            ref = " ".join(text[utt].replace("\t", " ").split())
            out.write(f"{utt}\t{wav}\t{ref}\n")
            kept.append((utt, ref))
            n += 1
            if a.limit is not None and n >= a.limit:
                break
    print(f"make_manifest: {n} utterances -> {a.out}" + (f" ({missing} wav files missing)" if missing else ""),
          file=sys.stderr)
    if a.lexicon_out:
        write_lexicon(root, kept, a.lexicon_out)
    return 0


def write_lexicon(root, kept, path):
    from collections import Counter, defaultdict

    lex = defaultdict(list)
    with open(os.path.join(root, "resource", "lexicon.txt"), encoding="utf-8") as f:
        for line in f:
            p = line.split()
            if len(p) >= 2:
                pron = " ".join(p[1:])
                if pron not in lex[p[0].upper()]:
                    lex[p[0].upper()].append(pron)
    words = {utt: ref.split() for utt, ref in kept}
    use = defaultdict(Counter)
    seen = set()
    tp = os.path.join(root, "resource", "text-phone")
    if os.path.exists(tp):
        with open(tp, encoding="utf-8") as f:
            for line in f:
                key, _, phones = line.rstrip("\n").partition("\t")
                utt, _, wi = key.rpartition(".")
                if utt not in words or key in seen or not wi.isdigit():
                    continue
                seen.add(key)
                ws = words[utt]
                if int(wi) < len(ws):
                    use[ws[int(wi)].upper()][" ".join(t.split("_")[0] for t in phones.split())] += 1
    vocab = sorted({w.upper() for ws in words.values() for w in ws})
    with open(path, "w", encoding="utf-8") as out:
        for w in vocab:
            prons = list(lex.get(w, []))
            for pron, _ in use[w].most_common():
                if pron not in prons:
                    prons.append(pron)
            prons.sort(key=lambda p: -use[w][p])  # stable: ties keep lexicon order
            for pron in prons:
                out.write(f"{w}\t{pron}\n")
    print(f"make_manifest: lexicon of {len(vocab)} words -> {path}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
