#!/usr/bin/env python3
"""Write the test fixture of crates/elocute-features: a short espeak-ng utterance at 16 kHz and the
reference features this numpy front end computes for it (both presets), as raw little-endian float32.

usage: .venv/bin/python scripts/psx/make_fixture.py [OUT_DIR]   (default crates/elocute-features/tests/data)
needs: espeak-ng and sox on PATH. Deterministic: same tools -> same bytes.
"""
import json, os, subprocess, sys, tempfile, wave

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from psx import frontend  # noqa: E402

TEXT = "Please call Stella, and ask her."


def synthesise(path):
    with tempfile.TemporaryDirectory() as d:
        raw = os.path.join(d, "espeak.wav")
        subprocess.run(["espeak-ng", "-v", "en-us", "-s", "170", "-w", raw, TEXT], check=True)
        res = os.path.join(d, "16k.wav")
        subprocess.run(["sox", raw, "-r", "16000", "-c", "1", "-b", "16", "-e", "signed-integer", res], check=True)
        with wave.open(res) as w:
            pcm = np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.int32)
    # espeak's silences are digital zeros; real microphones never are: add a little fixed noise
    noise = np.random.default_rng(1234).normal(0.0, 4.0, len(pcm)).round().astype(np.int32)
    pcm = np.clip(pcm + noise, -32768, 32767).astype("<i2")
    with wave.open(path, "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(16000)
        w.writeframes(pcm.tobytes())
    return pcm


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "crates/elocute-features/tests/data"
    os.makedirs(out, exist_ok=True)
    pcm = synthesise(os.path.join(out, "please_call_stella.wav"))
    x = pcm.astype(np.float64) / 32768.0
    meta = {"wav": "please_call_stella.wav", "text": TEXT, "samples": int(len(pcm)), "features": {}}
    for name, cfg in (("sphinx_en_us", frontend.SPHINX_EN_US), ("fbank80", frontend.FBANK80)):
        f = frontend.compute(x, cfg)
        fn = f"{name}.f32"
        f.astype("<f4").tofile(os.path.join(out, fn))
        meta["features"][name] = {"file": fn, "frames": int(f.shape[0]), "dim": int(f.shape[1])}
        print(f"{name}: {f.shape[0]} frames x {f.shape[1]} -> {os.path.join(out, fn)}")
    with open(os.path.join(out, "fixture.json"), "w") as fh:
        json.dump(meta, fh, indent=2)
        fh.write("\n")
    print(f"{len(pcm)} samples ({len(pcm) / 16000:.2f} s) -> {os.path.join(out, 'please_call_stella.wav')}")


if __name__ == "__main__":
    main()
