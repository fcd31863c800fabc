"""Readers for the raw files of a pocketsphinx PTM acoustic model (no pocketsphinx code needed).

  mdef                 binary model definition ("BMDF"): CI phones, triphones, senone sequences
  means, variances     Sphinx-3 "s3" Gaussian parameters [codebook, stream, density, dim]
  transition_matrices  Sphinx-3 "s3" HMM transition matrices [tmat, from, to]
  sendump              8-bit quantised mixture weights -log_b(w), b = 1.0001 ** 1024
"""
import math, os, struct
from dataclasses import dataclass

import numpy as np

# pocketsphinx keeps mixture weights in units of log base 1.0001, shifted right by 10 bits.
MIXW_NATS_PER_UNIT = 1024 * math.log(1.0001)
VARIANCE_FLOOR = 1e-4      # pocketsphinx -varfloor default
TRANSITION_FLOOR = 1e-4    # pocketsphinx -tmatfloor default


def model_dir_from_wheel():
    """The en-us model directory inside the installed `pocketsphinx` wheel."""
    import pocketsphinx
    return os.path.join(os.path.dirname(pocketsphinx.__file__), "model", "en-us", "en-us")


# ------------------------------------------------------------------------------------ s3 files
def _s3_body(path):
    """Split an s3 file into (header dict, little-endian body bytes after the byte-order word)."""
    buf = open(path, "rb").read()
    if not buf.startswith(b"s3\n"):
        raise ValueError(f"{path}: not an s3 file")
    end = buf.index(b"endhdr\n") + len(b"endhdr\n")
    header = {}
    for line in buf[3:end].decode("latin1").splitlines():
        parts = line.split(None, 1)
        if len(parts) == 2:
            header[parts[0]] = parts[1]
    if struct.unpack_from("<I", buf, end)[0] != 0x11223344:
        raise ValueError(f"{path}: big-endian s3 files are not supported")
    return header, buf, end + 4


def read_gaussians(path):
    """means / variances -> float32 [n_codebook, n_stream, n_density, dim] (streams of equal length)."""
    _, buf, off = _s3_body(path)
    n_cb, n_stream, n_density = struct.unpack_from("<3i", buf, off)
    off += 12
    dims = struct.unpack_from(f"<{n_stream}i", buf, off)
    off += 4 * n_stream
    (n_values,) = struct.unpack_from("<i", buf, off)
    off += 4
    if len(set(dims)) != 1 or n_values != n_cb * n_density * sum(dims):
        raise ValueError(f"{path}: unexpected layout {n_cb} x {dims} x {n_density}")
    data = np.frombuffer(buf, "<f4", n_values, off)
    return data.reshape(n_cb, n_stream, n_density, dims[0]).copy()


def read_transitions(path):
    """transition_matrices -> float32 [n_tmat, n_emitting, n_emitting + 1]."""
    _, buf, off = _s3_body(path)
    n_tmat, n_from, n_to = struct.unpack_from("<3i", buf, off)
    (n_values,) = struct.unpack_from("<i", buf, off + 12)
    if n_values != n_tmat * n_from * n_to:
        raise ValueError(f"{path}: bad size")
    return np.frombuffer(buf, "<f4", n_values, off + 16).reshape(n_tmat, n_from, n_to).copy()


# -------------------------------------------------------------------------------------- sendump
def read_sendump(path):
    """sendump -> uint8 [n_stream, n_density, n_senone]: quantised -log mixture weights."""
    buf = open(path, "rb").read()
    off, strings = 0, []
    while True:
        (n,) = struct.unpack_from("<i", buf, off)
        off += 4
        if n == 0:
            break
        if not 0 < n < 1000:
            raise ValueError(f"{path}: big-endian or corrupt sendump header")
        strings.append(buf[off:off + n].rstrip(b"\0").decode("latin1"))
        off += n
    counts = {}
    for s in strings:
        key, _, value = s.partition(" ")
        if key in ("feature_count", "mixture_count", "model_count", "cluster_count") and value.strip().isdigit():
            counts[key] = int(value)
    if counts.get("cluster_count", 0) != 0:
        raise ValueError(f"{path}: clustered (4-bit) sendump is not supported")
    n_stream = counts.get("feature_count", 1)
    rows, cols = struct.unpack_from("<2i", buf, off)   # rows = densities, cols = senones (maybe padded)
    off += 8
    n_density, n_sen = counts.get("mixture_count", rows), counts.get("model_count", cols)
    if rows != n_density or cols < n_sen or off + n_stream * rows * cols != len(buf):
        raise ValueError(f"{path}: unexpected size ({n_stream} x {rows} x {cols} for {n_density} x {n_sen})")
    q = np.frombuffer(buf, np.uint8, n_stream * rows * cols, off).reshape(n_stream, rows, cols)
    return q[:, :, :n_sen].copy()


# ----------------------------------------------------------------------------------------- mdef
@dataclass
class Mdef:
    ciphones: list          # CI phone names, in model order
    n_senones: int
    n_emit: int             # emitting states per HMM
    sil: int                # index of SIL
    phone_base: np.ndarray  # [n_phone] CI phone of each phone (CI phones are their own base)
    phone_tmat: np.ndarray  # [n_phone] transition matrix id
    phone_sseq: np.ndarray  # [n_phone, n_emit] senone ids per state


def read_mdef(path):
    """Binary mdef (BMDF, written by pocketsphinx's mdef_convert)."""
    buf = open(path, "rb").read()
    if buf[:4] != b"BMDF":
        raise ValueError(f"{path}: not a binary (BMDF) mdef")
    _, hlen = struct.unpack_from("<2i", buf, 4)
    off = 12 + hlen
    (n_ci, n_phone, n_emit, _n_ci_sen, n_sen, _n_tmat, n_sseq, _n_ctx, n_cd_tree, sil) = struct.unpack_from("<10i", buf, off)
    off += 40
    names, p = [], off
    for _ in range(n_ci):
        e = buf.index(b"\0", p)
        names.append(buf[p:e].decode("ascii"))
        p = e + 1
    p = off + ((p - off + 3) & ~3)     # names are padded to a 4-byte boundary
    p += 8 * n_cd_tree                 # the triphone lookup tree: not needed here
    phones = np.frombuffer(buf, np.dtype([("ssid", "<i4"), ("tmat", "<i4"), ("info", "u1", 4)]), n_phone, p)
    p += 12 * n_phone
    (sseq_len,) = struct.unpack_from("<i", buf, p)
    if sseq_len != n_sseq * n_emit:
        raise ValueError(f"{path}: senone sequence table size {sseq_len} != {n_sseq} x {n_emit}")
    sseq = np.frombuffer(buf, "<u2", sseq_len, p + 4).reshape(n_sseq, n_emit)
    # CI phones: info = (filler flag, ...); CD phones: info = (word position, base, left, right)
    base = np.where(np.arange(n_phone) < n_ci, np.arange(n_phone), phones["info"][:, 1].astype(np.int64))
    return Mdef(ciphones=names, n_senones=n_sen, n_emit=n_emit, sil=sil, phone_base=base,
                phone_tmat=phones["tmat"].astype(np.int64), phone_sseq=sseq[phones["ssid"]].astype(np.int64))


def senone_codebook_and_state(md):
    """For every senone: its CI phone (= its codebook in a PTM model) and its HMM state position.
    Raises if a senone is shared between CI phones or between state positions."""
    cb = np.full(md.n_senones, -1, np.int64)
    pos = np.full(md.n_senones, -1, np.int64)
    for j in range(md.n_emit):
        s, b = md.phone_sseq[:, j], md.phone_base
        for arr, val, what in ((cb, b, "CI phone"), (pos, np.full_like(s, j), "state position")):
            seen = arr[s]
            clash = (seen >= 0) & (seen != val)
            if clash.any():
                raise ValueError(f"senone {int(s[clash][0])} belongs to more than one {what}")
            arr[s] = val
    if (cb < 0).any():
        raise ValueError(f"{int((cb < 0).sum())} senones are used by no phone")
    return cb, pos


# ---------------------------------------------------------------------------------------- model
class PtmModel:
    """All parameters of the PTM model in float form, ready for scoring."""

    def __init__(self, model_dir=None):
        d = model_dir or model_dir_from_wheel()
        self.dir = d
        self.mdef = read_mdef(os.path.join(d, "mdef"))
        self.means = read_gaussians(os.path.join(d, "means"))
        raw_var = read_gaussians(os.path.join(d, "variances"))
        self.n_var_floored = int((raw_var < VARIANCE_FLOOR).sum())
        self.vars = np.maximum(raw_var, VARIANCE_FLOOR)
        self.tmat = read_transitions(os.path.join(d, "transition_matrices"))
        q = read_sendump(os.path.join(d, "sendump"))                     # [stream, density, senone]
        self.log_mixw = -q.astype(np.float64).transpose(2, 0, 1) * MIXW_NATS_PER_UNIT  # [senone, stream, density]
        self.sen_cb, self.sen_state = senone_codebook_and_state(self.mdef)
        n_cb, n_stream, n_density, _ = self.means.shape
        if (n_cb != len(self.mdef.ciphones) or self.log_mixw.shape != (self.mdef.n_senones, n_stream, n_density)
                or self.vars.shape != self.means.shape):
            raise ValueError("means / sendump / mdef sizes disagree: not a PTM model?")

    @property
    def phones(self):
        return list(self.mdef.ciphones)

    def transitions(self):
        """Per CI phone, per emitting state j: [ln P(stay), ln P(next)] (state n_emit-1: next = exit).
        Rows normalised, non-zero entries floored at TRANSITION_FLOOR, renormalised (tmat.c)."""
        out = {}
        n = self.mdef.n_emit
        for p, name in enumerate(self.mdef.ciphones):
            t = self.tmat[self.mdef.phone_tmat[p]].astype(np.float64)
            rows = []
            for j in range(n):
                r = t[j] / t[j].sum()
                r = np.where(r > 0, np.maximum(r, TRANSITION_FLOOR), 0.0)
                r = r / r.sum()
                if np.any(r[j + 2:] > 0) or np.any(r[:j] > 0):
                    raise ValueError(f"{name}: transition matrix has skips or backward arcs")
                rows.append([round(float(np.log(r[j])), 6), round(float(np.log(r[j + 1])), 6)])
            out[name] = rows
        return out
