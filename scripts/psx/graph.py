"""The ONNX graph computing CI-state log-likelihoods of the PTM model exactly (float32).

  input  feats         [T, 39]         (13 cepstra + deltas + delta-deltas; 3 streams of 13)
  output state_loglik  [T, n_ci * 3]   column p*3 + j = max_{s: cb(s)=p, state(s)=j} log b_s(o_t)

Layout ("grouped"): per stream f one MatMul scores all n_cb * 128 Gaussians,
  g = [x^2, x] @ A_f + C_f     with  A_f = [-0.5/var ; mu/var],  C_f = log-normaliser - 0.5 sum mu^2/var,
then per codebook c the mixtures of all its senones are one MatMul of exp(g_c - max_k g_c) against the
(dequantised) mixture weights. Because every senone of codebook c shares the per-stream maxima m_cf,
  max_s log b_s = sum_f m_cf + log max_s prod_f P_sf,     P_sf = sum_k w_sfk exp(g_cfk - m_cf),
so the log is taken once per state column. P_sf >= the smallest weight (the argmax Gaussian
contributes exp(0) = 1), so the product of three cannot underflow float32.
Each codebook's senone columns are laid out state-major, so a Slice + ReduceMax per state gives the 3
state scores (measured a little faster than padding the state groups to equal width and reshaping).
"""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 18
IR_VERSION = 9


def build(model):
    n_cb, n_stream, n_density, dim = model.means.shape
    n_emit = model.mdef.n_emit
    mu = model.means.astype(np.float64)
    var = model.vars.astype(np.float64)
    w = np.exp(model.log_mixw)                                                  # [senone, f, k]
    nodes, inits = [], []

    def const(name, arr):
        inits.append(numpy_helper.from_array(np.ascontiguousarray(arr), name))
        return name

    def op(kind, inputs, output, **attrs):
        nodes.append(helper.make_node(kind, inputs, [output], **attrs))
        return output

    const("axis1", np.array([1], np.int64))
    const("axis2", np.array([2], np.int64))
    const("floor", np.array(-80.0, np.float32))
    maxima, parts = [], []
    for f in range(n_stream):
        iv = 1.0 / var[:, f].reshape(n_cb * n_density, dim)
        m = mu[:, f].reshape(n_cb * n_density, dim)
        A = np.concatenate([-0.5 * iv, m * iv], 1).T.astype(np.float32)                     # [2*dim, G]
        C = (-0.5 * np.log(2 * np.pi / iv).sum(1) - 0.5 * (m * m * iv).sum(1)).astype(np.float32)
        x = op("Slice", ["feats", const(f"start{f}", np.array([f * dim], np.int64)),
                         const(f"end{f}", np.array([(f + 1) * dim], np.int64)), "axis1"], f"x{f}")
        z = op("Concat", [op("Mul", [x, x], f"xx{f}"), x], f"z{f}", axis=1)                   # [T, 2*dim]
        g = op("Add", [op("MatMul", [z, const(f"A{f}", A)], f"zA{f}"), const(f"C{f}", C)], f"g{f}")
        g = op("Reshape", [g, const(f"shape_g{f}", np.array([-1, n_cb, n_density], np.int64))], f"g3_{f}")
        mx = op("ReduceMax", [g, "axis2"], f"max{f}", keepdims=1)                            # [T, cb, 1]
        # Clamp at -80 so Exp never yields subnormals (they make the MatMuls below several times
        # slower); exp(-80) is far below any mixture weight, so the scores do not change.
        gm = op("Max", [op("Sub", [g, mx], f"gm{f}"), "floor"], f"gmc{f}")
        e = op("Exp", [gm], f"e{f}")                                                          # [T, cb, k]
        outs = [f"e{f}_{c}" for c in range(n_cb)]
        nodes.append(helper.make_node("Split", [e], outs, axis=1, num_outputs=n_cb))         # [T, 1, k] each
        # 2-D operands make the per-codebook MatMuls real GEMMs (a [T, 1, k] operand runs as T GEMVs)
        parts.append([op("Squeeze", [o, "axis1"], f"{o}_2d") for o in outs])                # [T, k] each
        maxima.append(mx)

    state_max = []
    for c in range(n_cb):
        groups = [np.nonzero((model.sen_cb == c) & (model.sen_state == j))[0] for j in range(n_emit)]
        cols = np.concatenate(groups)                                                         # state-major
        prod = None
        for f in range(n_stream):
            Wc = w[cols, f, :].T.astype(np.float32)                                           # [k, n_senones_c]
            p = op("MatMul", [parts[f][c], const(f"W{f}_{c}", Wc)], f"p{f}_{c}")               # [T, n_senones_c]
            prod = p if prod is None else op("Mul", [prod, p], f"pp{f}_{c}")
        start = 0
        for j, g in enumerate(groups):
            sl = op("Slice", [prod, const(f"lo{c}_{j}", np.array([start], np.int64)),
                              const(f"hi{c}_{j}", np.array([start + len(g)], np.int64)), "axis1"], f"ps{c}_{j}")
            state_max.append(op("ReduceMax", [sl, "axis1"], f"smax{c}_{j}", keepdims=1))    # [T, 1]
            start += len(g)
    allmax = op("Concat", state_max, "states", axis=1)                                      # [T, cb*n_emit]
    logp = op("Reshape", [op("Log", [allmax], "logstates"),
                          const("shape_cs", np.array([-1, n_cb, n_emit], np.int64))], "logstates3")
    msum = maxima[0]
    for f in range(1, n_stream):
        msum = op("Add", [msum, maxima[f]], f"msum{f}")                                    # [T, cb, 1]
    tot = op("Add", [logp, msum], "tot")                                                    # [T, cb, n_emit]
    op("Reshape", [tot, const("shape_out", np.array([-1, n_cb * n_emit], np.int64))], "state_loglik")

    graph = helper.make_graph(
        nodes, "ps_en_us_ptm_state_loglik",
        [helper.make_tensor_value_info("feats", TensorProto.FLOAT, ["T", n_stream * dim])],
        [helper.make_tensor_value_info("state_loglik", TensorProto.FLOAT, ["T", n_cb * n_emit])],
        inits)
    onnx_model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                                   producer_name="elocute scripts/convert_pocketsphinx.py", producer_version="1")
    onnx_model.ir_version = IR_VERSION
    onnx_model.doc_string = ("Exact per-frame CI-state log-likelihoods (natural log) of the pocketsphinx en-us PTM "
                             "acoustic model (BSD-2-style; CMU 1999-2016, model (c) 2015 Alpha Cephei).")
    onnx.checker.check_model(onnx_model, full_check=True)
    return onnx_model
