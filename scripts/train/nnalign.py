"""Viterbi forced alignment over frame log-posteriors (1 state per phone, optional SIL at the start,
between words and at the end), as used for NN re-alignment and NN-aligned GOP."""
import numpy as np

SIL = 39


def build_states(words, min_dur=1):
    """words: list of lists of phone indices -> (phone per state, optional flag, self-loop flag,
    first-state-of-its-phone flag). Each word phone gets min_dur chained states (only the last one
    loops), so a phone lasts at least min_dur frames."""
    ph, opt, loop, first = [SIL], [True], [True], [True]
    for w in words:
        for p in w:
            for k in range(min_dur):
                ph.append(p)
                opt.append(False)
                loop.append(k == min_dur - 1)
                first.append(k == 0)
        ph.append(SIL)
        opt.append(True)
        loop.append(True)
        first.append(True)
    return np.array(ph), np.array(opt), np.array(loop), np.array(first)


def viterbi(lp, words, min_dur=1):
    """lp [T, 40] log-posteriors; returns (per frame state index or None if T is too short,
    phone per state, optional flag per state, first-state flag per state)."""
    ph, opt, loop, first = build_states(words, min_dur)
    S, T = len(ph), len(lp)
    if T < int((~opt).sum()):
        return None, ph, opt, first
    NEG = -1e30
    emit = lp[:, ph]  # [T, S]
    delta = np.full(S, NEG)
    delta[0] = emit[0, 0]
    delta[1] = emit[0, 1]
    bp = np.zeros((T, S), np.int8)
    skip_ok = np.zeros(S, bool)
    skip_ok[2:] = opt[1:-1]  # s-2 -> s allowed when s-1 is an optional SIL
    for t in range(1, T):
        c0 = np.where(loop, delta, NEG)
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
        s -= int(bp[t, s])
    return path, ph, opt, first


def segments(path, ph, opt, first):
    """-> list of (start, end, phone, state) for the word phones (their first state), in order."""
    pid = np.cumsum(first) - 1  # phone-occurrence index per state
    out = []
    T = len(path)
    t = 0
    while t < T:
        s = path[t]
        e = t
        while e < T and pid[path[e]] == pid[s]:
            e += 1
        if not opt[s]:
            out.append((t, e, int(ph[s]), int(s)))
        t = e
    return out
