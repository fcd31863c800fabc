#!/usr/bin/env bash
# Synthesise the phone-alignment fixtures of crates/elocute/tests/alignment.rs with
# festival, which reports the exact phone timings of what it synthesised.
#
#   apt-get install festival festvox-kallpc16k festvox-us-slt-hts sox
#   bash scripts/align_fixtures/make_fixtures.sh [OUTDIR]
#
# Sentences and voices: sentences.tsv beside this script. Phone mapping and file
# formats: festival_to_fixture.py and README.md.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="${1:-$root/crates/elocute/tests/data/align}"

for tool in festival sox python3; do
    command -v "$tool" >/dev/null || {
        echo "make_fixtures.sh: $tool not found (apt-get install festival festvox-kallpc16k festvox-us-slt-hts sox)" >&2
        exit 1
    }
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"

grep -v '^#' "$here/sentences.tsv" | while IFS=$'\t' read -r name voice text; do
    [ -n "$name" ] || continue
    # Festival strings: escape backslashes and double quotes.
    esc="${text//\\/\\\\}"
    esc="${esc//\"/\\\"}"
    cat >"$work/$name.scm" <<EOF
(load "$here/dump_segs.scm")
(voice_$voice)
(set! utt (utt.synth (Utterance Text "$esc")))
(utt.save.wave utt "$work/$name.wav" 'riff)
(dump-segs utt "$work/$name.segs")
EOF
    festival -b "$work/$name.scm"
    python3 "$here/festival_to_fixture.py" "$work/$name.segs" "$work/$name.wav" "$name" "$text" "$out"
done

du -ch "$out"/*.wav | tail -n 1
