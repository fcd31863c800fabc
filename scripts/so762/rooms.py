#!/usr/bin/env python3
"""Recordings as heard in a noisy or reverberant room, made with sox: one recipe for the scorer's
training copies (scripts/scorer/prepare.py --augment) and for the test conditions
(scripts/so762/conditions_check.sh).

    rooms.py --manifest IN.tsv --dir D --out OUT.tsv (--noise AMPLITUDE | --reverb REVERBERANCE,ROOM)

writes every manifest line's audio into D/<id>.wav with that treatment and OUT.tsv pointing at it.
Noise: the speech normalised to -6 dBFS peak plus sox `pinknoise` at AMPLITUDE (0.02 gives about 26 dB
SNR as elocute reports it, 0.08 about 16 dB). Reverberation: `gain -6 reverb REVERBERANCE 50 ROOM`
(headroom, so it does not clip), then normalised to -3 dBFS. sox runs in repeatable mode (-R: its noise
and dither are seeded), so the same input always gives the same audio.
"""
import argparse
import os
import subprocess


SOX = ["sox", "-R", "-q"]


def noisy(src, dst, amplitude):
    """`src` with pink noise of this amplitude under the speech (normalised to -6 dBFS)."""
    speech, noise = dst + ".speech.wav", dst + ".noise.wav"
    seconds = subprocess.run(["soxi", "-D", src], check=True, capture_output=True, text=True).stdout.strip()
    subprocess.run(SOX + [src, speech, "gain", "-n", "-6"], check=True)
    subprocess.run(SOX + ["-n", "-r", "16000", "-c", "1", "-b", "16", noise, "synth", seconds,
                                       "pinknoise", "vol", str(amplitude)], check=True)
    subprocess.run(SOX + ["-m", speech, noise, dst], check=True)
    os.remove(speech)
    os.remove(noise)


def reverberant(src, dst, reverberance, room):
    """`src` in a room: sox reverb with this reverberance and room scale (percent)."""
    subprocess.run(SOX + [src, dst, "gain", "-6", "reverb", str(reverberance), "50", str(room),
                                       "gain", "-n", "-3"], check=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--manifest", required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--out", required=True)
    kind = ap.add_mutually_exclusive_group(required=True)
    kind.add_argument("--noise", type=float)
    kind.add_argument("--reverb", help="REVERBERANCE,ROOM (percent)")
    a = ap.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    with open(a.manifest, encoding="utf-8") as f, open(a.out, "w", encoding="utf-8") as o:
        for line in f:
            if not line.strip():
                continue
            utt, wav, text = line.rstrip("\n").split("\t")[:3]
            dst = os.path.join(a.dir, f"{utt}.wav")
            if a.noise is not None:
                noisy(wav, dst, a.noise)
            else:
                reverberance, room = a.reverb.split(",")
                reverberant(wav, dst, reverberance, room)
            o.write(f"{utt}\t{dst}\t{text}\n")


if __name__ == "__main__":
    main()
