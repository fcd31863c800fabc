#!/usr/bin/env python3
"""Recordings as heard in a noisy or reverberant room, made with sox: one recipe for the scorer's
training copies (scripts/scorer/prepare.py --augment) and for the test conditions
(scripts/so762/conditions_check.sh).

    rooms.py --manifest IN.tsv --dir D --out OUT.tsv
             (--noise AMPLITUDE | --reverb REVERBERANCE,ROOM | --babble VOLUME)

writes every manifest line's audio into D/<id>.wav with that treatment and OUT.tsv pointing at it.
Noise: the speech normalised to -6 dBFS peak plus sox `pinknoise` at AMPLITUDE (0.02 gives about 26 dB
SNR as elocute reports it, 0.08 about 16 dB). Reverberation: `gain -6 reverb REVERBERANCE 50 ROOM`
(headroom, so it does not clip), then normalised to -3 dBFS. Babble (a classroom where others read
aloud too): three other recordings of the manifest by other speakers (the id's first five digits, as
speechocean762 numbers them; drawn with a fixed seed), each normalised to -6 dBFS, looped to the
speech's length and mixed in at VOLUME (0.2: each talker 14 dB under the speech). sox runs in repeatable
mode (-R: its noise and dither are seeded), so the same input always gives the same audio.
"""
import argparse
import os
import random
import subprocess


SOX = ["sox", "-R", "-q"]


def seconds(src):
    """The length of `src` as soxi prints it (seconds), for sox options that take a time."""
    return subprocess.run(["soxi", "-D", src], check=True, capture_output=True, text=True).stdout.strip()


def other_talkers(rows, utt, rng, k=3):
    """k recordings of `rows` (id, wav, ...) by speakers other than utt's (so762 ids start with the
    speaker's number: its first five digits), drawn with `rng`."""
    others = [r[1] for r in rows if r[0][:5] != utt[:5]]
    if len(others) < k:
        raise SystemExit(f"rooms.py: babble for {utt} needs {k} recordings of other speakers")
    return rng.sample(others, k)


def noisy(src, dst, amplitude):
    """`src` with pink noise of this amplitude under the speech (normalised to -6 dBFS)."""
    speech, noise = dst + ".speech.wav", dst + ".noise.wav"
    length = seconds(src)
    subprocess.run(SOX + [src, speech, "gain", "-n", "-6"], check=True)
    subprocess.run(SOX + ["-n", "-r", "16000", "-c", "1", "-b", "16", noise, "synth", length,
                                       "pinknoise", "vol", str(amplitude)], check=True)
    subprocess.run(SOX + ["-m", speech, noise, dst], check=True)
    os.remove(speech)
    os.remove(noise)


def reverberant(src, dst, reverberance, room):
    """`src` in a room: sox reverb with this reverberance and room scale (percent)."""
    subprocess.run(SOX + [src, dst, "gain", "-6", "reverb", str(reverberance), "50", str(room),
                                       "gain", "-n", "-3"], check=True)


def babble(src, dst, talkers, volume):
    """`src` with the recordings `talkers` (other voices) mixed in under it at `volume` each."""
    length = seconds(src)
    parts = [dst + ".speech.wav"]
    subprocess.run(SOX + [src, parts[0], "gain", "-n", "-6"], check=True)
    for k, t in enumerate(talkers):
        parts.append(f"{dst}.talker{k}.wav")
        # Looped, so that a short recording still covers the whole of the speech.
        subprocess.run(SOX + [t, parts[-1], "gain", "-n", "-6", "repeat", "9", "trim", "0", length], check=True)
    mix = ["-v", "1", parts[0]]
    for part in parts[1:]:
        mix += ["-v", str(volume), part]
    # -m sums the inputs as given (their volumes), the mix normalised so that it cannot clip.
    subprocess.run(SOX + ["-m"] + mix + [dst, "gain", "-n", "-3"], check=True)
    for part in parts:
        os.remove(part)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--manifest", required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--out", required=True)
    kind = ap.add_mutually_exclusive_group(required=True)
    kind.add_argument("--noise", type=float)
    kind.add_argument("--reverb", help="REVERBERANCE,ROOM (percent)")
    kind.add_argument("--babble", type=float, help="volume of each of three other talkers")
    a = ap.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    with open(a.manifest, encoding="utf-8") as f:
        rows = [line.rstrip("\n").split("\t")[:3] for line in f if line.strip()]
    rng = random.Random(762)
    with open(a.out, "w", encoding="utf-8") as o:
        for utt, wav, text in rows:
            dst = os.path.join(a.dir, f"{utt}.wav")
            if a.noise is not None:
                noisy(wav, dst, a.noise)
            elif a.babble is not None:
                babble(wav, dst, other_talkers(rows, utt, rng), a.babble)
            else:
                reverberance, room = a.reverb.split(",")
                reverberant(wav, dst, reverberance, room)
            o.write(f"{utt}\t{dst}\t{text}\n")


if __name__ == "__main__":
    main()
