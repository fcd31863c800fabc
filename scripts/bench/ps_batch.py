#!/usr/bin/env python3
"""Peer benchmark: pocketsphinx 5.1.1 forced alignment over an elocute batch manifest.

    ps_batch.py MANIFEST.tsv LEXICON.txt [OUT.json]

For each manifest line (id<TAB>wav<TAB>text; 16 kHz mono 16-bit WAV) it runs the
two documented pocketsphinx alignment passes with the wheel's default en-us
model: (1) set_align_text -> word alignment over an FSG with optional
silences, (2) set_alignment -> phone/state alignment. Settings that survive
speechocean762: bestpath off, beam 1e-80, wbeam 1e-60, pbeam 1e-80, and
start_stream() before each pass (it resets the noise-removal state that
start_utt() keeps). Words the model's dictionary lacks are added from
LEXICON (CMUdict format, stress digits dropped).

Prints audio seconds, decode seconds (both passes, model load excluded), RTF,
and the model load time. OUT.json, if given, gets per-utterance word segments.
"""
import json
import re
import sys
import time
import wave
import warnings

# pocketsphinx 5.1.1 calls start_stream() deprecated, but without it the noise-removal state of one
# pass leaks into the next (start_utt() does not reset it).
warnings.filterwarnings("ignore", message="start_stream", category=DeprecationWarning)


def read_lexicon(path):
    lex = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            p = line.split()
            if len(p) >= 2:
                lex.setdefault(p[0].lower(), " ".join(re.sub(r"\d", "", x) for x in p[1:]))
    return lex


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    from pocketsphinx import Decoder, set_loglevel

    items = []
    with open(sys.argv[1], encoding="utf-8") as f:
        for line in f:
            if line.strip():
                uid, wav, text = line.rstrip("\n").split("\t", 2)
                items.append((uid, wav, text.lower().split()))
    lex = read_lexicon(sys.argv[2])
    set_loglevel("ERROR")
    t0 = time.perf_counter()
    dec = Decoder(lm=None, bestpath=False, beam=1e-80, wbeam=1e-60, pbeam=1e-80)
    load = time.perf_counter() - t0

    audio = decode = 0.0
    failed = 0
    out = {}
    for uid, wav, words in items:
        with wave.open(wav) as w:
            if (w.getframerate(), w.getnchannels(), w.getsampwidth()) != (16000, 1, 2):
                sys.exit(f"{wav}: expected 16 kHz mono 16-bit")
            data = w.readframes(w.getnframes())
            secs = w.getnframes() / 16000.0
        for word in words:
            if dec.lookup_word(word) is None and word in lex:
                dec.add_word(word, lex[word], False)
        t = time.perf_counter()
        try:
            dec.set_align_text(" ".join(words))
            dec.start_stream()
            dec.start_utt()
            dec.process_raw(data, full_utt=True)
            dec.end_utt()
            segs = [(s.word, s.start_frame, s.end_frame) for s in dec.seg()]
            dec.set_alignment()
            dec.start_stream()
            dec.start_utt()
            dec.process_raw(data, full_utt=True)
            dec.end_utt()
            al = dec.get_alignment()
            phones = sum(1 for w in al for _ in w)
            out[uid] = {"secs": secs, "words": segs, "phones": phones}
        except Exception as e:  # noqa: BLE001 - a failed alignment is counted, not fatal
            failed += 1
            out[uid] = {"secs": secs, "error": repr(e)}
        decode += time.perf_counter() - t
        audio += secs
    if len(sys.argv) > 3:
        with open(sys.argv[3], "w") as f:
            json.dump(out, f, indent=1)
    print(f"pocketsphinx: {len(items)} items, {failed} failed, {audio:.1f} s audio, "
          f"{decode:.2f} s decode, RTF {decode / audio:.4f}, throughput {audio / decode:.1f}x, "
          f"model load {load:.2f} s")


if __name__ == "__main__":
    main()
