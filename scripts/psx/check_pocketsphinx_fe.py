#!/usr/bin/env python3
"""Compare this numpy front end with the cepstra pocketsphinx itself logs (-mfclogdir, before CMN).

usage: .venv/bin/python scripts/psx/check_pocketsphinx_fe.py WAV [WAV...]   (16 kHz mono int16)
"""
import glob, os, sys, tempfile, wave

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from psx import frontend  # noqa: E402


def pocketsphinx_cepstra(pcm_bytes):
    from pocketsphinx import Decoder
    with tempfile.TemporaryDirectory() as d:
        dec = Decoder(mfclogdir=d, loglevel="FATAL")
        dec.start_utt()
        dec.process_raw(pcm_bytes, full_utt=True)
        dec.end_utt()
        (path,) = glob.glob(os.path.join(d, "*.mfc"))
        return frontend.read_sphinx_mfc(path)


def main():
    cfg = dict(frontend.SPHINX_EN_US, cmn="none", deltas="none")
    worst = 0.0
    for wav in sys.argv[1:]:
        with wave.open(wav) as w:
            assert w.getframerate() == 16000 and w.getnchannels() == 1 and w.getsampwidth() == 2
            raw = w.readframes(w.getnframes())
        pcm = np.frombuffer(raw, "<i2")
        ref = pocketsphinx_cepstra(raw)
        ours = frontend.compute(pcm / 32768.0, cfg)
        n = min(len(ref), len(ours))
        d = np.abs(ref[:n] - ours[:n])
        worst = max(worst, float(d.max()))
        print(f"{wav}: pocketsphinx {len(ref)} frames, numpy {len(ours)} frames; "
              f"max|diff| {d.max():.2e} (mean {d.mean():.2e}); c0 range {ref[:, 0].min():.2f}..{ref[:, 0].max():.2f}")
    print(f"worst max|diff| {worst:.2e}")


if __name__ == "__main__":
    main()
