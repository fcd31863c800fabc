"""What a feature row's id says about its audio (the ids prepare.py writes).

`SUB-<k>-<i>-<utt>` (word k swapped for a minimal pair), `MM-<utt>` (another utterance's text),
`AUG-<kind>-<utt>` (utt heard in a noisy, reverberant or babbling room) and plain `<utt>` rows use
utt's audio; `TTS-<id>` and `MM-TTS-<id>` rows use synthetic audio, and their <utt> is a TTS id.
"""


def source_utt(uid):
    """The utterance id whose audio the row `uid` uses (a so762 id, or a TTS id for TTS rows)."""
    if uid.startswith("SUB-"):
        return uid.split("-", 3)[3]
    if uid.startswith("MM-"):
        return uid[3:]
    if uid.startswith("AUG-"):
        return uid.split("-", 2)[2]
    return uid
