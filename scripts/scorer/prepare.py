#!/usr/bin/env python3
"""Write the manifests a learned scorer is trained on (speechocean762 TRAIN split only).

    prepare.py --corpus ../data/so762 --out DIR [--tts /work/data/tts/manifest.tsv]

DIR/so762.tsv       every train utterance with its own text (labels: the experts' scores)
DIR/mismatch.tsv    600 train utterances paired with another utterance's text (labels: all zero,
                    so that a wrong text scores low; the experts never rated such a reading)
DIR/tts.tsv         up to 800 native synthetic readings (labels: phones 2, words 10, accuracy 10;
                    fluency and prosody unlabelled) when --tts is given, and 400 other TTS readings
                    paired with a so762 text (`MM-TTS-<id>`, labels zero like the so762 mismatches)
DIR/subst.tsv       600 so762 and 600 TTS readings whose text has one word swapped for a CMUdict
                    word that differs from it in exactly one phone (`SUB-<k>-<i>-<id>`: word k,
                    its phone i differs and is scored 0, the word low, the rest as said), so that one
                    wrong phone in otherwise clean (also synthetic) speech costs that word
                    Then up to 600 TTS readings (--missing; --missing-so762 adds so762 ones, default 0)
                    whose text has one word swapped for a word with one phone more (`cat` -> `cats`),
                    same id scheme: the phone the reading lacks is scored 0, so that a dropped phone
                    costs the word too
DIR/aug.tsv         with --augment N: N train utterances (all with N >= 2,500) as heard in a noisy or
                    reverberant room (`AUG-noise-<utt>`, `AUG-reverb-<utt>`; audio in DIR/aug/, made with
                    sox in repeatable mode): two in three with pink noise at an amplitude of 0.01-0.1 under
                    speech normalised to -6 dBFS (about 30 to 12 dB SNR), one in three with room reverberation
                    (reverberance 30-70 %, room scale 30-80 %). Labels: the experts' phone and word scores of the
                    utterance (train.py leaves its utterance scores unlabelled unless --aug-utterance-labels)
                    With --babble N (measured, not shipped): N more (`AUG-babble-<utt>`) with three other
                    speakers' train recordings mixed in at a volume of 0.05-0.25 each (scripts/so762/rooms.py)
DIR/lexicon.txt     the corpus's canonical pronunciation of each train word first
                    (scripts/so762/make_manifest.py --lexicon-out)

Ids carry their kind: mismatch rows are `MM-<utt>`, TTS rows `TTS-<id>`. Seeded: reruns write the same files.
"""
import argparse
import glob
import os
import random
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "so762"))
import rooms  # noqa: E402  (the same room recipe as scripts/so762/conditions_check.sh)


def cmudict_path():
    """CMUdict as elocute embeds it (crates/elocute-lexicon/build.rs); ELOCUTE_CMUDICT overrides."""
    if os.environ.get("ELOCUTE_CMUDICT"):
        return os.environ["ELOCUTE_CMUDICT"]
    home = os.environ.get("CARGO_HOME", os.path.expanduser("~/.cargo"))
    found = sorted(glob.glob(os.path.join(home, "registry", "src", "*", "cmudict-fast-0.8.0", "resources",
                                          "cmudict.dict")))
    if not found:
        sys.exit("cmudict-fast-0.8.0 not found under CARGO_HOME; run `cargo fetch` or set ELOCUTE_CMUDICT")
    return found[0]


def read_prons(lexicon_paths):
    """word -> phones (stress ignored), first pronunciations; later files (the corpus lexicon) win."""
    pron = {}
    for path in lexicon_paths:
        for line in open(path, encoding="utf-8", errors="replace"):
            parts = line.split("#")[0].split()
            if len(parts) < 2 or "(" in parts[0] or not parts[0].replace("'", "").isalpha():
                continue
            w = parts[0].lower()
            pron[w] = tuple(p.rstrip("012") for p in parts[1:])
    return pron


def minimal_pairs(pron):
    """word -> [(other word, index of the phone that differs)]."""
    by_pattern = {}
    for w, ph in pron.items():
        for i in range(len(ph)):
            by_pattern.setdefault(ph[:i] + ("*",) + ph[i + 1:], []).append((w, i))
    pairs = {}
    for w, ph in pron.items():
        out = []
        for i in range(len(ph)):
            out += [(o, i) for o, j in by_pattern[ph[:i] + ("*",) + ph[i + 1:]] if o != w and j == i]
        if out:
            pairs[w] = sorted(out)
    return pairs


def one_phone_more(pron):
    """word -> [(longer word, index of its phone the word lacks)]: `cat` -> (`cats`, 3)."""
    by_phones = {}
    for w, ph in pron.items():
        by_phones.setdefault(ph, []).append(w)
    pairs = {}
    for o, ph in pron.items():
        for i in range(len(ph)):
            shorter = ph[:i] + ph[i + 1:]
            if not shorter:
                continue
            for w in by_phones.get(shorter, []):
                # One entry per longer word: the first index that explains it (cats: 3).
                if all(x != o for x, _ in pairs.get(w, [])):
                    pairs.setdefault(w, []).append((o, i))
    return {w: sorted(v) for w, v in pairs.items()}


def substitute(text, pairs, rng):
    """The text with one word swapped for a minimal-pair neighbour: (new text, word, phone) or None."""
    words = text.split()
    cands = [k for k, w in enumerate(words) if w.lower() in pairs]
    if not cands:
        return None
    k = rng.choice(cands)
    other, i = rng.choice(pairs[words[k].lower()])
    return " ".join(words[:k] + [other.upper()] + words[k + 1:]), k, i


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--tts", default=None, help="TTS manifest (id, wav, text, voice, augmentation)")
    ap.add_argument("--mismatch", type=int, default=600)
    ap.add_argument("--tts-count", type=int, default=800)
    ap.add_argument("--tts-mismatch", type=int, default=400)
    ap.add_argument("--subst", type=int, default=600, help="substituted-word rows per source (so762, TTS)")
    ap.add_argument("--missing", type=int, default=600, help="one-phone-more word rows on TTS audio (0 = none)")
    ap.add_argument("--missing-so762", type=int, default=0, help="one-phone-more word rows on so762 audio")
    ap.add_argument("--augment", type=int, default=0, help="noisy/reverberant copies of so762 rows (0 = none)")
    ap.add_argument("--babble", type=int, default=0, help="copies of so762 rows with other talkers (0 = none)")
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
        rng.shuffle(tts)
        right, wrong = tts[:a.tts_count], tts[a.tts_count:a.tts_count + a.tts_mismatch]
        with open(os.path.join(a.out, "tts.tsv"), "w", encoding="utf-8") as f:
            for r in right:
                f.write(f"TTS-{r[0]}\t{r[1]}\t{r[2]}\n")
            # Wrong texts for native audio too: otherwise "sounds synthetic" would mean "scores high".
            for r in wrong:
                f.write(f"MM-TTS-{r[0]}\t{r[1]}\t{rng.choice(rows)[2]}\n")
    pron = read_prons([cmudict_path(), os.path.join(a.out, "lexicon.txt")])
    pairs = minimal_pairs(pron)
    used = set()

    def write_swaps(f, src, n, table):
        """Up to n readings of src with one word swapped through table; returns the rows written."""
        count = 0
        for utt, wav, text in rng.sample(src, min(n, len(src))):
            sub = substitute(text, table, rng)
            rid = sub and f"SUB-{sub[1]}-{sub[2]}-{utt}"
            if sub and rid not in used:
                f.write(f"{rid}\t{wav}\t{sub[0]}\n")
                used.add(rid)
                count += 1
        return count

    with open(os.path.join(a.out, "subst.tsv"), "w", encoding="utf-8") as f:
        sources = [rows]
        if a.tts:
            sources.append([r[:3] for r in right])
        n_sub = sum(write_swaps(f, src, a.subst, pairs) for src in sources)
        # After the substitutions, so that their rows (and the random draws) stay as they were.
        longer = one_phone_more(pron)
        n_missing = sum(write_swaps(f, src, a.missing_so762 if src is rows else a.missing, longer)
                        for src in sources)
    print(f"prepare.py: {n_sub} substituted-word rows, {n_missing} one-phone-more rows", file=sys.stderr)
    augment(rows, a)
    print(f"prepare.py: {len(rows)} so762, {len(picked)} mismatched"
          + (f", {len(right)} + {len(wrong)} mismatched TTS" if a.tts else "") + f" rows in {a.out}", file=sys.stderr)


def augment(rows, a):
    """DIR/aug.tsv and DIR/aug/*.wav (see the module doc); removes a stale aug.tsv when there are none."""
    path = os.path.join(a.out, "aug.tsv")
    if a.augment <= 0 and a.babble <= 0:
        if os.path.exists(path):
            os.remove(path)
        return
    if not (shutil.which("sox") and shutil.which("soxi")):
        sys.exit("prepare.py: --augment and --babble need sox and soxi on PATH (scripts/setup.sh installs sox)")
    folder = os.path.join(a.out, "aug")
    os.makedirs(folder, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        if a.augment > 0:
            # A generator of its own, so that the rows above are the same with or without augmentation.
            rng = random.Random(a.seed + 1)
            picked = rows if a.augment >= len(rows) else rng.sample(rows, a.augment)
            for utt, wav, text in picked:
                kind = rng.choice(["noise", "noise", "reverb"])
                out = os.path.join(folder, f"{utt}.wav")
                if kind == "noise":
                    rooms.noisy(wav, out, round(10 ** rng.uniform(-2.0, -1.0), 4))
                else:
                    rooms.reverberant(wav, out, rng.randint(30, 70), rng.randint(30, 80))
                f.write(f"AUG-{kind}-{utt}\t{out}\t{text}\n")
            print(f"prepare.py: {len(picked)} noisy or reverberant copies of so762 rows", file=sys.stderr)
        if a.babble > 0:
            # Its own generator too, so that the copies above do not depend on --babble.
            rng = random.Random(a.seed + 2)
            picked = rows if a.babble >= len(rows) else rng.sample(rows, a.babble)
            for utt, wav, text in picked:
                # Other speakers, so the reader stays the loudest voice.
                talkers = rooms.other_talkers(rows, utt, rng)
                out = os.path.join(folder, f"babble-{utt}.wav")
                rooms.babble(wav, out, talkers, round(rng.uniform(0.05, 0.25), 3))
                f.write(f"AUG-babble-{utt}\t{out}\t{text}\n")
            print(f"prepare.py: {len(picked)} copies of so762 rows with other talkers", file=sys.stderr)


if __name__ == "__main__":
    main()
