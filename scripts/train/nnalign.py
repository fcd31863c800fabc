"""Viterbi forced alignment over frame log-posteriors (1 state per phone, optional SIL at the start,
between words and at the end), as used for NN re-alignment and NN-aligned GOP."""
import numpy as np

SIL = 39


def build_states(words):
    """words: list of lists of phone indices -> (phone per state, optional flag, word per state)."""
    ph, opt, wd = [SIL], [True], [-1]
    for wi, w in enumerate(words):
        for p in w:
            ph.append(p)
            opt.append(False)
            wd.append(wi)
        ph.append(SIL)
        opt.append(True)
        wd.append(-1)
    return np.array(ph), np.array(opt), np.array(wd)


def viterbi(lp, words):
    """lp [T, 40] log-posteriors; returns per frame state index (or None if T is too short)."""
    ph, opt, _ = build_states(words)
    S, T = len(ph), len(lp)
    if T < int((~opt).sum()):
        return None, ph, opt
    NEG = -1e30
    emit = lp[:, ph]  # [T, S]
    delta = np.full(S, NEG)
    delta[0] = emit[0, 0]
    delta[1] = emit[0, 1]
    bp = np.zeros((T, S), np.int8)
    skip_ok = np.zeros(S, bool)
    skip_ok[2:] = opt[1:-1]  # s-2 -> s allowed when s-1 is an optional SIL
    for t in range(1, T):
        c0 = delta
        c1 = np.concatenate(([NEG], delta[:-1]))
        c2 = np.where(skip_ok, np.concatenate(([NEG, NEG], delta[:-2])), NEG)
        stack = np.stack([c0, c1, c2])
        arg = stack.argmax(0)
        delta = stack[arg, np.arange(S)] + emit[t]
        bp[t] = arg
    s = S - 1 if delta[S - 1] >= delta[S - 2] else S - 2
    path = np.empty(T, np.int64)
    for t in range(T - 1, -1, -1):
        path[t] = s
        s -= bp[t, s]
    return path, ph, opt


def segments(path, ph, opt):
    """-> list of (start, end, phone, state) for the non-optional (word phone) states, in order."""
    out = []
    T = len(path)
    t = 0
    while t < T:
        s = path[t]
        e = t
        while e < T and path[e] == s:
            e += 1
        if not opt[s]:
            out.append((t, e, int(ph[s]), int(s)))
        t = e
    return out
