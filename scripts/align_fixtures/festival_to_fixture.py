#!/usr/bin/env python3
"""Turn one festival utterance (wave + segment dump) into an alignment fixture.

Usage: festival_to_fixture.py SEGS WAV NAME TEXT OUTDIR

SEGS is the output of dump-segs (dump_segs.scm): start, end, phone, word, stress
per festival segment. Writes into OUTDIR:

  NAME.wav         16 kHz 16-bit mono, leading/trailing pause trimmed to PAD_S
  NAME.phones.tsv  start_s<TAB>end_s<TAB>CMU phone (pauses as SIL)
  NAME.dict        CMUdict-format pronunciations festival actually used
  NAME.txt         the reference text

Festival's US voices use the "radio" phone set, which is ARPAbet in lower case
plus a few extra symbols. The mapping to CMU phones is PHONE_MAP below: the 39
shared phones map to themselves, the reduced vowels merge into their CMU
spelling (ax -> AH0, axr -> ER0, ix -> IH0), pau becomes SIL. Phones with no
single CMU counterpart (syllabic el/em/en, flap dx, nx) make the script fail:
choose sentences that avoid them rather than guess a split of their time.
"""

import subprocess
import sys
from pathlib import Path

PAD_S = 0.08  # silence kept before the first and after the last phone

SHARED = (
    "aa ae ah ao aw ay b ch d dh eh er ey f g hh ih iy jh k l m n ng ow oy p r s sh t th "
    "uh uw v w y z zh"
).split()
PHONE_MAP = {p: p.upper() for p in SHARED}
PHONE_MAP.update({"ax": "AH", "axr": "ER", "ix": "IH", "pau": "SIL", "h#": "SIL"})
# Reduced vowels are unstressed whatever the syllable says.
FORCED_STRESS = {"ax": "0", "axr": "0", "ix": "0"}
VOWELS = {"AA", "AE", "AH", "AO", "AW", "AY", "EH", "ER", "EY", "IH", "IY", "OW", "OY", "UH", "UW"}


def main() -> None:
    segs_path, wav, name, text, outdir = sys.argv[1:6]
    out = Path(outdir)
    rows = []
    for line in Path(segs_path).read_text().splitlines():
        if not line.strip():
            continue
        start, end, phone, word, stress = line.split("\t")
        if phone not in PHONE_MAP:
            sys.exit(f"{name}: festival phone {phone!r} has no single CMU counterpart; "
                     "rephrase the sentence")
        rows.append([float(start), float(end), phone, word, stress])

    # Merge adjacent pauses; trim the outer ones to PAD_S.
    merged = []
    for r in rows:
        if merged and r[2] == "pau" and merged[-1][2] == "pau":
            merged[-1][1] = r[1]
        else:
            merged.append(r)
    rows = merged
    cut = 0.0
    if rows[0][2] == "pau":
        cut = max(0.0, rows[0][1] - PAD_S)
    end_s = rows[-1][1]
    if rows[-1][2] == "pau":
        end_s = min(end_s, rows[-1][0] + PAD_S)
    for r in rows:
        r[0] = max(0.0, r[0] - cut)
        r[1] = min(end_s, r[1]) - cut
    rows = [r for r in rows if r[1] > r[0] + 1e-6]

    # Words: a new word starts when the word name changes or after a pause
    # (the sentences never repeat a word twice in a row).
    words = []  # (word, [CMU phones with stress])
    prev_word = None
    tsv = []
    for start, end, phone, word, stress in rows:
        cmu = PHONE_MAP[phone]
        tsv.append(f"{start:.4f}\t{end:.4f}\t{cmu}")
        if cmu == "SIL":
            prev_word = None
            continue
        if word != prev_word:
            words.append((word.upper(), []))
            prev_word = word
        if cmu in VOWELS:
            cmu += FORCED_STRESS.get(phone, stress if stress in ("0", "1", "2") else "0")
        words[-1][1].append(cmu)

    lexicon = {}
    for word, phones in words:
        if lexicon.setdefault(word, phones) != phones:
            sys.exit(f"{name}: festival said {word} two ways ({lexicon[word]} and {phones}); "
                     "a lexicon holds one; rephrase the sentence")

    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.phones.tsv").write_text("\n".join(tsv) + "\n")
    (out / f"{name}.dict").write_text(
        "".join(f"{w}  {' '.join(p)}\n" for w, p in sorted(lexicon.items())))
    (out / f"{name}.txt").write_text(text.strip() + "\n")
    subprocess.run(
        ["sox", wav, "-r", "16000", "-b", "16", "-c", "1", "-e", "signed-integer",
         str(out / f"{name}.wav"), "trim", f"{cut:.4f}", f"{end_s - cut:.4f}"],
        check=True)
    print(f"{name}: {len(words)} words, {sum(len(p) for _, p in words)} phones, "
          f"{end_s - cut:.2f} s")


if __name__ == "__main__":
    main()
