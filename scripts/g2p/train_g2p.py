#!/usr/bin/env python3
"""Train elocute's letter-to-phone model from CMUdict (Python 3.8+, standard library only).

1. Reads CMUdict from the cmudict-fast package cargo already unpacked (the same file
   crates/elocute-lexicon/build.rs embeds; ELOCUTE_CMUDICT overrides the search).
2. Holds out a random 5% of the words (fixed seed) for measurement.
3. Aligns every training word's letters to its phones by EM: each letter emits
   nothing, one phone or two phones (stress ignored while aligning).
4. Builds a backoff table of letter contexts: for each letter, the label (its
   phones with stress) seen most often with the same neighbours, for windows
   growing one letter at a time up to 4 letters either side; a window is kept
   only when it changes the answer of the shorter windows.
5. Writes the table (sorted text, binary-searched by the Rust side) and prints
   held-out word accuracy and phone error rate, stress ignored and with stress.

    python3 scripts/g2p/train_g2p.py [--out crates/elocute-lexicon/data/g2p.txt]
"""

import argparse
import glob
import math
import os
import pickle
import random
import re
import sys
import time
from collections import Counter, defaultdict

SEED = 5
HELD_OUT = 0.05
EM_ITERS = 6
# Windows (left letters, right letters), shortest first; each adds one letter to the last.
CHAIN = [(0, 0), (1, 0), (1, 1), (2, 1), (2, 2), (3, 2), (3, 3), (4, 3), (4, 4)]
PAD = 4
EPS = "-"
WORD_RE = re.compile(r"^[a-z']+$")


def find_cmudict():
    if os.environ.get("ELOCUTE_CMUDICT"):
        return os.environ["ELOCUTE_CMUDICT"]
    home = os.environ.get("CARGO_HOME") or os.path.join(os.path.expanduser("~"), ".cargo")
    hits = sorted(
        glob.glob(os.path.join(home, "registry", "src", "*", "cmudict-fast-0.8.0", "resources", "cmudict.dict"))
    )
    if not hits:
        sys.exit("cmudict-fast-0.8.0 not found under CARGO_HOME; run `cargo fetch` or set ELOCUTE_CMUDICT")
    return hits[0]


def read_dict(path):
    """word -> list of pronunciations (tuples of phones with stress), canonical first."""
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.split("#")[0].strip()
            if not line:
                continue
            parts = line.split()
            word = re.sub(r"\(\d+\)$", "", parts[0]).lower()
            if not WORD_RE.match(word) or len(parts) < 2:
                continue
            out.setdefault(word, []).append(tuple(parts[1:]))
    return out


def base(p):
    return p.rstrip("012")


# ---------------------------------------------------------------- alignment


def emissions(word, phones, i, j):
    """Emission choices for letter i at phone position j: (phones consumed, key)."""
    yield 0, (word[i], ())
    if j < len(phones):
        yield 1, (word[i], (phones[j],))
    if j + 1 < len(phones):
        yield 2, (word[i], (phones[j], phones[j + 1]))


def align_em(pairs):
    """EM over letter -> (0, 1 or 2 phones) emissions; returns log-probabilities."""
    prob = defaultdict(lambda: 1e-3)
    # Start: uniform over single phones, nothing and pairs a little less likely.
    for it in range(EM_ITERS):
        counts = defaultdict(float)
        total_ll = 0.0
        for word, phones in pairs:
            n, m = len(word), len(phones)
            fwd = [[0.0] * (m + 1) for _ in range(n + 1)]
            fwd[0][0] = 1.0
            for i in range(n):
                row, nxt = fwd[i], fwd[i + 1]
                for j in range(m + 1):
                    a = row[j]
                    if a == 0.0:
                        continue
                    for k, key in emissions(word, phones, i, j):
                        w = prior(key) if it == 0 else prob.get(key, 0.0)
                        nxt[j + k] += a * w
            z = fwd[n][m]
            if z <= 0.0:
                continue
            total_ll += math.log(z)
            bwd = [[0.0] * (m + 1) for _ in range(n + 1)]
            bwd[n][m] = 1.0
            for i in range(n - 1, -1, -1):
                row, nxt = bwd[i], bwd[i + 1]
                frow = fwd[i]
                for j in range(m + 1):
                    s = 0.0
                    for k, key in emissions(word, phones, i, j):
                        b = nxt[j + k]
                        if b == 0.0:
                            continue
                        w = prior(key) if it == 0 else prob.get(key, 0.0)
                        s += w * b
                        if frow[j] > 0.0:
                            counts[key] += frow[j] * w * b / z
                    row[j] = s
        by_letter = defaultdict(float)
        for (letter, _), c in counts.items():
            by_letter[letter] += c
        prob = defaultdict(float)
        for key, c in counts.items():
            if c >= 0.5:  # drop emissions that almost never happen
                prob[key] = c / by_letter[key[0]]
        print(f"  EM iteration {it + 1}: log-likelihood {total_ll:.0f}, {len(prob)} emissions", flush=True)
    return prob


def prior(key):
    return {0: 0.2, 1: 1.0, 2: 0.05}[len(key[1])]


def viterbi(word, phones, prob):
    """Best alignment: per letter, the number of phones it emits."""
    n, m = len(word), len(phones)
    best = [[None] * (m + 1) for _ in range(n + 1)]
    best[0][0] = (0.0, None)
    for i in range(n):
        for j in range(m + 1):
            if best[i][j] is None:
                continue
            s = best[i][j][0]
            for k, key in emissions(word, phones, i, j):
                p = prob.get(key, 0.0)
                if p <= 0.0:
                    continue
                v = s + math.log(p)
                cur = best[i + 1][j + k]
                if cur is None or v > cur[0]:
                    best[i + 1][j + k] = (v, k)
    if best[n][m] is None:
        return None
    ks, j = [], m
    for i in range(n, 0, -1):
        k = best[i][j][1]
        ks.append(k)
        j -= k
    return ks[::-1]


# ---------------------------------------------------------------- context table


def window(padded, i, a, b):
    """Key of letter i (index into the unpadded word) with a letters left, b right."""
    c = i + PAD
    return padded[c - a : c] + "." + padded[c] + "." + padded[c + 1 : c + 1 + b]


def pad(word):
    return "#" * PAD + word + "#" * PAD


def build_table(samples, min_count):
    """samples: list of (word, labels). Returns {key: label} with pruned windows."""
    table = {}
    for level, (a, b) in enumerate(CHAIN):
        stats = defaultdict(Counter)
        for word, labels in samples:
            padded = pad(word)
            for i, lab in enumerate(labels):
                stats[window(padded, i, a, b)][lab] += 1
        kept = 0
        for key, cnt in stats.items():
            lab, n = max(cnt.items(), key=lambda kv: (kv[1], kv[0]))
            if level == 0:
                table[key] = lab
                kept += 1
                continue
            if n < min_count:
                continue
            if predict_key_from(table, key, a, b, level) != lab:
                table[key] = lab
                kept += 1
        print(f"  window {a}+{b}: {len(stats)} seen, {kept} kept", flush=True)
    return table


def predict_key_from(table, key, a, b, level):
    """What the shorter windows say about the letter at the centre of `key`."""
    left, c, right = key.split(".")
    for a2, b2 in reversed(CHAIN[:level]):
        k = left[len(left) - a2 :] + "." + c + "." + right[:b2] if a2 else "." + c + "." + right[:b2]
        if k in table:
            return table[k]
    return EPS


# Said for the first vowel letter when a word with vowel letters came out with no vowel phone.
VOWEL_DEFAULT = {"a": "AE1", "e": "EH1", "i": "IH1", "o": "AA1", "u": "AH1", "y": "IY1"}


def is_vowel(p):
    return p[-1] in "012"


def predict(table, word):
    padded = pad(word)
    labels = []
    for i in range(len(word)):
        lab = EPS
        for a, b in reversed(CHAIN):
            k = window(padded, i, a, b)
            if k in table:
                lab = table[k]
                break
        labels.append(lab)
    fix_vowel_r(word, labels)
    fix_double_letters(word, labels)
    out = [p for lab in labels if lab != EPS for p in lab.split("_")]
    if not any(is_vowel(p) for p in out):
        first = next((i for i, c in enumerate(word) if c in VOWEL_DEFAULT), None)
        if first is not None:
            labels[first] = VOWEL_DEFAULT[word[first]]
            out = [p for lab in labels if lab != EPS for p in lab.split("_")]
    return fix_stress(out)


MONOPHTHONGS = {"AA", "AE", "AH", "AO", "EH", "IH", "UH", "ER"}


def fix_vowel_r(word, labels):
    """Letters are predicted one by one, and CMUdict spells a vowel before r both ways
    ("or" as AO1 R, "doctor" with o silent and r as ER0): make each vowel-r pair agree."""
    for i in range(len(word) - 1):
        if word[i] not in VOWEL_DEFAULT or word[i + 1] != "r":
            continue
        vowels = [p for p in labels[i].split("_") if is_vowel(p)] if labels[i] != EPS else []
        if not vowels and labels[i + 1] == "R":
            labels[i + 1] = "ER0"  # o-eps + R would lose the syllable
        elif vowels and base(vowels[-1]) in MONOPHTHONGS and base(labels[i + 1]) == "ER":
            labels[i + 1] = "R"  # AO1 + ER0 says the vowel twice


def fix_double_letters(word, labels):
    """A doubled consonant letter is one consonant ("zz" in "zyzzyva" is Z, not Z Z)."""
    for i in range(len(word) - 1):
        lab = labels[i]
        if word[i] == word[i + 1] and lab == labels[i + 1] and lab != EPS and "_" not in lab and not is_vowel(lab):
            labels[i + 1] = EPS


def fix_stress(phones):
    """At least one primary stress when there are vowels: promote the first secondary, else the first vowel."""
    vowels = [i for i, p in enumerate(phones) if is_vowel(p)]
    if vowels and not any(phones[i].endswith("1") for i in vowels):
        sec = [i for i in vowels if phones[i].endswith("2")]
        i = sec[0] if sec else vowels[0]
        phones[i] = base(phones[i]) + "1"
    return phones


# ---------------------------------------------------------------- measurement


def edit_distance(a, b):
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i]
        for j, y in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y)))
        prev = cur
    return prev[-1]


def measure(table, test, dictionary):
    res = {}
    for stress in (False, True):
        f = (lambda ps: list(ps)) if stress else (lambda ps: [base(p) for p in ps])
        words = errs = ref_len = 0
        for w in test:
            hyp = f(predict(table, w))
            refs = [f(p) for p in dictionary[w]]
            d, r = min((edit_distance(hyp, ref), len(ref)) for ref in refs)
            words += d == 0
            errs += d
            ref_len += r
        res[stress] = (words / len(test), errs / ref_len)
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--out", default=os.path.join(here, "..", "..", "crates", "elocute-lexicon", "data", "g2p.txt"))
    ap.add_argument("--min-count", type=int, default=1, help="windows seen fewer times are not kept (beyond single letters)")
    ap.add_argument("--chain", help="windows to try, e.g. 0:0,0:1,1:1 (the Rust side's WINDOWS must match)")
    ap.add_argument("--cache", help="keep the training alignment in this file and reuse it (for experiments)")
    args = ap.parse_args()
    if args.chain:
        CHAIN[:] = [tuple(int(x) for x in w.split(":")) for w in args.chain.split(",")]

    t0 = time.time()
    path = find_cmudict()
    dictionary = read_dict(path)
    words = sorted(dictionary)
    rng = random.Random(SEED)
    test = set(rng.sample(words, int(len(words) * HELD_OUT)))
    train = [w for w in words if w not in test]
    print(f"{path}: {len(words)} words, {len(train)} train, {len(test)} held out")

    def fit(ws):
        if args.cache and os.path.exists(args.cache):
            with open(args.cache, "rb") as f:
                return build_table(pickle.load(f), args.min_count)
        pairs = [(w, tuple(base(p) for p in dictionary[w][0])) for w in ws]
        pairs = [(w, ps) for w, ps in pairs if len(ps) <= 2 * len(w)]
        prob = align_em(pairs)
        samples = []
        for w in ws:
            pron = dictionary[w][0]
            ks = viterbi(w, tuple(base(p) for p in pron), prob)
            if ks is None:
                continue
            labels, j = [], 0
            for k in ks:
                labels.append("_".join(pron[j : j + k]) or EPS)
                j += k
            samples.append((w, labels))
        print(f"  aligned {len(samples)} of {len(ws)} words", flush=True)
        if args.cache:
            with open(args.cache, "wb") as f:
                pickle.dump(samples, f)
        return build_table(samples, args.min_count)

    table = fit(train)
    res = measure(table, sorted(test), dictionary)
    for stress, (acc, per) in res.items():
        label = "with stress " if stress else "stress ignored"
        print(f"held-out {label}: word accuracy {acc:.1%}, phone error rate {per:.1%}")
    out = os.path.normpath(args.out)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w", encoding="ascii", newline="\n") as f:
        for key in sorted(table):
            f.write(f"{key} {table[key]}\n")
    print(f"wrote {out}: {len(table)} windows, {os.path.getsize(out)} bytes, {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
