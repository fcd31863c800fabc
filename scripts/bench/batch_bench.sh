#!/usr/bin/env bash
# Batch and cold-start benchmark of target/release/elocute, with pocketsphinx as the peer.
#
#   scripts/bench/batch_bench.sh [--corpus DIR] [--lexicon FILE] [--limit N] [--out DIR] [--skip-peer]
#
# 1. elocute batch over the first N (200) speechocean762 TRAIN utterances with
#    --threads 1 and --threads 2: audio seconds, wall seconds, RTF, throughput
#    (x real time) and peak RSS (/usr/bin/time -v); the two JSONL outputs must be
#    byte-identical.
# 2. The peer on the same files: pocketsphinx 5.1.1 two-pass forced alignment
#    (scripts/bench/ps_batch.py, in .venv), its RTF and elocute's speed-up.
# 3. Cold start: wall time (hyperfine, else a loop) and peak RSS of
#    `elocute assess` on a 3-second clip (espeak-ng, padded to 3.0 s).
#
# The load average is printed beside every measurement: the machine may be shared.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CORPUS=/work/data/so762
LEXICON=/work/shared/data/so762/lexicon.txt
LIMIT=200
OUT="${TMPDIR:-/tmp}/elocute-batch-bench"
PEER=1
while [ $# -gt 0 ]; do
    case "$1" in
        --corpus) CORPUS="$2"; shift 2 ;;
        --lexicon) LEXICON="$2"; shift 2 ;;
        --limit) LIMIT="$2"; shift 2 ;;
        --out) OUT="$2"; shift 2 ;;
        --skip-peer) PEER=0; shift ;;
        -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
        *) echo "unknown argument $1" >&2; exit 2 ;;
    esac
done

BIN="${ELOCUTE_BIN:-$ROOT/target/release/elocute}"
PY="$ROOT/.venv/bin/python"
[ -x "$BIN" ] || { echo "build first: cargo build --release" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "needs GNU time: apt-get install time" >&2; exit 1; }
mkdir -p "$OUT"

load() { cut -d' ' -f1-3 /proc/loadavg; }
# Field of a /usr/bin/time -v log.
tv() { grep -F "$2" "$1" | awk -F': ' '{print $2}'; }
# Elapsed wall clock "m:ss.ss" or "h:mm:ss" -> seconds.
secs() { awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.3f", s }'; }

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(date -u +%F)"
echo "== elocute $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"

MANIFEST="$OUT/manifest.tsv"
python3 "$ROOT/scripts/so762/make_manifest.py" --corpus "$CORPUS" --split train --out "$MANIFEST" --limit "$LIMIT"
AUDIO=$(python3 - "$MANIFEST" <<'EOF'
import sys, wave
total = 0.0
for line in open(sys.argv[1], encoding="utf-8"):
    if line.strip():
        with wave.open(line.split("\t")[1]) as w:
            total += w.getnframes() / w.getframerate()
print(f"{total:.2f}")
EOF
)
echo "== $(wc -l < "$MANIFEST") utterances, $AUDIO s of audio"

# Warm the page cache so the first run does not pay for disk reads.
cut -f2 "$MANIFEST" | xargs cat > /dev/null

printf '\n%-22s %8s %8s %8s %10s %9s %s\n' run "audio_s" "wall_s" RTF "x_realtime" "rss_MB" "load(1,5,15)"
for n in 1 2; do
    L=$(load)
    /usr/bin/time -v -o "$OUT/time_$n.txt" "$BIN" batch "$MANIFEST" --output "$OUT/out_$n.jsonl" \
        --lexicon "$LEXICON" --threads "$n" 2> "$OUT/stderr_$n.txt" || true
    WALL=$(tv "$OUT/time_$n.txt" "Elapsed (wall clock)" | secs)
    RSS=$(tv "$OUT/time_$n.txt" "Maximum resident set size")
    # The CLI summary times the batch loop: after the model load, including extra threads' first ONNX sessions.
    INNER=$(grep -o '[0-9.]* s wall' "$OUT/stderr_$n.txt" | cut -d' ' -f1)
    awk -v a="$AUDIO" -v w="$WALL" -v r="$RSS" -v l="$L" -v n="$n" -v i="$INNER" 'BEGIN {
        printf "%-22s %8.1f %8.2f %8.4f %10.1f %9.1f %s\n", "elocute --threads " n, a, w, w / a, a / w, r / 1024, l
        printf "%-22s %8.1f %8.2f %8.4f %10.1f %9s\n", "  (batch loop only)", a, i, i / a, a / i, "" }'
    echo "$WALL" > "$OUT/wall_$n.txt"
    grep -c '"error"' "$OUT/out_$n.jsonl" | sed 's/^/  items with an error: /' || true
done
if cmp -s "$OUT/out_1.jsonl" "$OUT/out_2.jsonl"; then
    echo "outputs with 1 and 2 threads: byte-identical ($(sha256sum < "$OUT/out_1.jsonl" | cut -c1-16))"
else
    echo "outputs with 1 and 2 threads: DIFFER" >&2
    DIFFER=1
fi

if [ "$PEER" = 1 ]; then
    echo
    L=$(load)
    /usr/bin/time -v -o "$OUT/time_ps.txt" "$PY" "$ROOT/scripts/bench/ps_batch.py" "$MANIFEST" "$LEXICON" \
        "$OUT/ps.json" | tee "$OUT/ps.txt"
    PS_WALL=$(tv "$OUT/time_ps.txt" "Elapsed (wall clock)" | secs)
    PS_RSS=$(tv "$OUT/time_ps.txt" "Maximum resident set size")
    PS_DEC=$(grep -o '[0-9.]* s decode' "$OUT/ps.txt" | cut -d' ' -f1)
    awk -v a="$AUDIO" -v w="$PS_WALL" -v d="$PS_DEC" -v r="$PS_RSS" -v l="$L" -v e1="$(cat "$OUT/wall_1.txt")" 'BEGIN {
        printf "%-22s %8.1f %8.2f %8.4f %10.1f %9.1f %s\n", "pocketsphinx (process)", a, w, w / a, a / w, r / 1024, l
        printf "%-22s %8.1f %8.2f %8.4f %10.1f\n", "  (decode only)", a, d, d / a, a / d
        printf "elocute --threads 1 is %.1fx faster than pocketsphinx (process wall), %.1fx (its decode only)\n", w / e1, d / e1 }'
fi

echo
CLIP="$OUT/clip3s.wav"
espeak-ng -v en-us -w "$OUT/clip_raw.wav" "Please call Stella and ask her to bring these things."
sox -V1 "$OUT/clip_raw.wav" -r 16000 "$CLIP" pad 0 3 trim 0 3
TEXT="Please call Stella and ask her to bring these things."
echo "== cold start: elocute assess on a $(soxi -D "$CLIP") s clip"
L=$(load)
if command -v hyperfine > /dev/null; then
    hyperfine --warmup 2 --runs 20 --export-json "$OUT/cold.json" \
        "$BIN assess --audio $CLIP --text '$TEXT'" 2>&1 | grep -E 'Time|Range'
    python3 -c "import json; r = json.load(open('$OUT/cold.json'))['results'][0]; print(f\"cold start: mean {r['mean']*1e3:.0f} ms, median {r['median']*1e3:.0f} ms, min {r['min']*1e3:.0f} ms (load $L)\")"
else
    "$BIN" assess --audio "$CLIP" --text "$TEXT" > /dev/null
    python3 - "$BIN" "$CLIP" "$TEXT" "$L" <<'EOF'
import subprocess, sys, time
ts = []
for _ in range(20):
    t = time.perf_counter()
    subprocess.run([sys.argv[1], "assess", "--audio", sys.argv[2], "--text", sys.argv[3]], check=True, stdout=subprocess.DEVNULL)
    ts.append(time.perf_counter() - t)
ts.sort()
print(f"cold start: mean {sum(ts)/len(ts)*1e3:.0f} ms, median {ts[len(ts)//2]*1e3:.0f} ms, min {ts[0]*1e3:.0f} ms (load {sys.argv[4]})")
EOF
fi
/usr/bin/time -v -o "$OUT/time_cold.txt" "$BIN" assess --audio "$CLIP" --text "$TEXT" > /dev/null
echo "cold start peak RSS: $(( $(tv "$OUT/time_cold.txt" "Maximum resident set size") / 1024 )) MB (load $(load))"
exit "${DIFFER:-0}"
