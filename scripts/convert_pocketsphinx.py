#!/usr/bin/env python3
"""Convert the pocketsphinx en-us PTM acoustic model (raw files inside the PyPI wheel pocketsphinx==5.1.1)
into elocute's model folder format:

  model.onnx  feats [T, 39] float32 -> state_loglik [T, 42*3] float32: column p*3+j is the exact
              log-likelihood (natural log, all 128 Gaussians, dequantised 8-bit mixture weights,
              variance floor 1e-4) of the best senone of CI phone p at HMM state j.
  model.json  phones, silence, HMM transitions and the front-end settings (elocute-model reads it).

The graph is checked against an independent float64 numpy scorer and timed with onnxruntime (1 thread).
Deterministic: running it twice writes identical files.

usage: .venv/bin/python scripts/convert_pocketsphinx.py --out models/ps-en-us-ptm [--model-dir DIR]
"""
import argparse, hashlib, json, os, sys, time, wave

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from psx import frontend, graph, scorer  # noqa: E402
from psx.model import PtmModel, model_dir_from_wheel  # noqa: E402

NAME = "ps-en-us-ptm"
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHECK_WAV = os.path.join(REPO, "crates", "elocute-features", "tests", "data", "please_call_stella.wav")
CHECK_FRAMES = 160          # frames scored by the (slow, float64) numpy reference
TOLERANCE = 2e-3            # max |onnx - numpy| accepted


def check_features():
    """Features of a real-ish utterance (the front-end fixture) or, without it, of a synthetic signal."""
    if os.path.exists(CHECK_WAV):
        with wave.open(CHECK_WAV) as w:
            x = np.frombuffer(w.readframes(w.getnframes()), "<i2") / 32768.0
        source = os.path.relpath(CHECK_WAV, REPO)
    else:
        rng = np.random.default_rng(7)
        t = np.arange(32000) / 16000.0
        x = 0.2 * np.sin(2 * np.pi * (200 + 300 * t) * t) * (1 + np.sin(2 * np.pi * 3 * t)) + rng.normal(0, 0.01, len(t))
        source = "synthetic chirp"
    return frontend.compute(x, frontend.SPHINX_EN_US), source


def model_json(model):
    phones = model.phones
    sil = "SIL"
    if sil not in phones:
        raise ValueError("model has no SIL phone")
    return {
        "name": NAME,
        "description": ("pocketsphinx en-us continuous PTM acoustic model (CMU Sphinx, 2015), converted to exact "
                        "per-frame CI-state log-likelihoods: 42 phones x 3 states, 5126 senones over 42 codebooks "
                        "x 3 streams x 128 Gaussians; expects the sphinx en-us 39-dim MFCC front end"),
        "onnx": "model.onnx",
        "input": "feats",
        "output": "state_loglik",
        "output_kind": "loglik",
        "phones": phones,
        "silence": sil,
        "states_per_phone": model.mdef.n_emit,
        # Frames are scored independently, so running in chunks is exact and bounds memory.
        "chunk_frames": 128,
        "transitions": model.transitions(),
        "features": frontend.SPHINX_EN_US,
    }


def dump_json(obj):
    """Pretty JSON with short arrays kept on one line (one phone's transitions per line)."""
    def fmt(v, indent):
        pad = "  " * indent
        if isinstance(v, dict):
            items = [f'{pad}  {json.dumps(k)}: {fmt(x, indent + 1)}' for k, x in v.items()]
            return "{\n" + ",\n".join(items) + f"\n{pad}}}"
        return json.dumps(v)
    return fmt(obj, 0) + "\n"


def time_session(sess, feats, repeats=3):
    long = np.tile(feats, (max(1, 1000 // len(feats)), 1))        # ~10 s of audio
    sess.run(None, {"feats": long})                               # warm-up
    best = min(_timed(sess, long) for _ in range(repeats))
    return best / (len(long) / 100.0) * 1e3                      # ms per second of audio


def _timed(sess, x):
    t = time.perf_counter()
    sess.run(None, {"feats": x})
    return time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, help="model folder to write (created if missing)")
    ap.add_argument("--model-dir", help="raw pocketsphinx model directory (default: the installed wheel's en-us)")
    args = ap.parse_args()
    import onnx
    import onnxruntime as ort

    t0 = time.perf_counter()
    src = args.model_dir or model_dir_from_wheel()
    model = PtmModel(src)
    n_cb, n_stream, n_density, dim = model.means.shape
    print(f"read {src}: {len(model.phones)} CI phones, {model.mdef.n_senones} senones, "
          f"{n_cb} codebooks x {n_stream} streams x {n_density} Gaussians x {dim} dims, "
          f"{model.n_var_floored} variances floored at 1e-4; every senone has one CI phone and one state position")

    onnx_model = graph.build(model)
    data = onnx_model.SerializeToString(deterministic=True)

    # Check the graph against the float64 numpy scorer before writing anything.
    feats, source = check_features()
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    sess = ort.InferenceSession(data, so, providers=["CPUExecutionProvider"])
    got = sess.run(None, {"feats": feats})[0]
    want = scorer.state_loglik(model, feats[:CHECK_FRAMES])
    diff = float(np.abs(got[:CHECK_FRAMES] - want).max())
    if not (np.isfinite(got).all() and diff <= TOLERANCE):
        sys.exit(f"ONNX graph disagrees with the numpy scorer: max |diff| {diff:.3g} > {TOLERANCE}")
    ms = time_session(sess, feats)

    os.makedirs(args.out, exist_ok=True)
    onnx_path = os.path.join(args.out, "model.onnx")
    json_path = os.path.join(args.out, "model.json")
    with open(onnx_path, "wb") as f:
        f.write(data)
    with open(json_path, "w") as f:
        f.write(dump_json(model_json(model)))
    onnx.checker.check_model(onnx_path)
    sha = hashlib.sha256(data).hexdigest()[:16]
    print(f"wrote {onnx_path}: {len(data) / 1e6:.1f} MB, {len(onnx_model.graph.node)} nodes, opset {graph.OPSET}, "
          f"ir_version {graph.IR_VERSION}, sha256 {sha}...")
    print(f"wrote {json_path}: {len(model.phones)} phones, {model.mdef.n_emit} states per phone")
    print(f"check on {source} ({min(len(feats), CHECK_FRAMES)} frames): max |onnx - numpy float64| = {diff:.2e}; "
          f"onnxruntime 1 thread: {ms:.1f} ms per second of audio")
    print(f"done in {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
