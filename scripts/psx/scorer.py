"""Exact acoustic scores of the PTM model in numpy (float64): the ground truth the ONNX graph is checked
against. Direct formulas, no matmul expansion:

  log N_cfk(x_f) = -0.5 * sum_d [ ln(2 pi var_cfkd) + (x_fd - mu_cfkd)^2 / var_cfkd ]
  log b_s(x)     = sum_f logsumexp_k ( ln w_sfk + log N_{cb(s) f k}(x_f) )        (all Gaussians)
  state score    = max over senones s with cb(s) = p and state(s) = j of log b_s(x)
"""
import numpy as np


def gaussian_loglik(model, feats):
    """feats [T, n_stream * dim] -> [T, n_cb, n_stream, n_density] (float64)."""
    n_cb, n_stream, n_density, dim = model.means.shape
    x = np.asarray(feats, np.float64).reshape(len(feats), n_stream, dim)
    var = model.vars.astype(np.float64)
    mu = model.means.astype(np.float64)
    const = -0.5 * np.log(2 * np.pi * var).sum(-1)                           # [cb, f, k]
    out = np.empty((len(feats), n_cb, n_stream, n_density))
    for c in range(n_cb):
        diff = x[:, :, None, :] - mu[c][None]                                  # [T, f, k, d]
        out[:, c] = const[c][None] - 0.5 * (diff * diff / var[c][None]).sum(-1)
    return out


def senone_loglik(model, feats):
    """Exact log b_s(o_t) for every senone: [T, n_senone] (float64)."""
    g = gaussian_loglik(model, feats)                                         # [T, cb, f, k]
    T = len(feats)
    out = np.empty((T, model.mdef.n_senones))
    for c in range(g.shape[1]):
        sens = np.nonzero(model.sen_cb == c)[0]
        total = np.zeros((T, len(sens)))
        for f in range(g.shape[2]):
            a = g[:, c, f, None, :] + model.log_mixw[None, sens, f, :]           # [T, n_s, k]
            m = a.max(-1, keepdims=True)
            total += (m + np.log(np.exp(a - m).sum(-1, keepdims=True)))[..., 0]
        out[:, sens] = total
    return out


def state_loglik(model, feats):
    """[T, n_ci * n_emit]: column p * n_emit + j = max senone score of CI phone p, state j."""
    sen = senone_loglik(model, feats)
    n_ci, n_emit = len(model.phones), model.mdef.n_emit
    out = np.empty((len(feats), n_ci * n_emit))
    for p in range(n_ci):
        for j in range(n_emit):
            out[:, p * n_emit + j] = sen[:, (model.sen_cb == p) & (model.sen_state == j)].max(1)
    return out
