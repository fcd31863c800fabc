#!/usr/bin/env python3
"""Train elocute-nn-v1 (frame phone classifier, 39 CMU phones + SIL) on prepare.py's caches.

Training frames: so762 TRAIN-split speakers outside the validation fold, only frames of phones the
experts scored 2.0 plus silence (other frames stay as context with weight 0), and all frames of the
synthetic TTS corpus. Labels: the GMM forced alignment (or --relabel DIR: an NN re-alignment).
Random crops of up to --crop frames, batches of --batch crops, AdamW + one-cycle schedule,
label smoothing, SpecAugment-style frequency masking. Deterministic given --seed and --steps.
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import AcousticNet  # noqa: E402


def load(path, keep=None):
    d = np.load(path)
    feats, labels, fscore, off, ids = d["feats"], d["labels"], d["fscore"], d["offsets"], d["ids"]
    utts = []
    for i, u in enumerate(ids):
        if keep is not None and not keep(str(u)):
            continue
        s, e = off[i], off[i + 1]
        f = feats[s:e]
        f = f - f.mean(0, keepdims=True)  # per-utterance CMN (inside the ONNX graph at inference)
        utts.append((str(u), f, labels[s:e].astype(np.int64), fscore[s:e]))
    return utts


def target(lab, fs, mode):
    """labels with -100 where the frame does not train (non-2.0 expert scores)."""
    t = lab.copy()
    if mode == "good":
        t[(fs >= 0) & (fs < 2.0)] = -100
        t[fs == -2.0] = -100
    return t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="/work/data/nn")
    ap.add_argument("--out", default="/work/data/nn/ckpt.pt")
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--batch", type=int, default=24)
    ap.add_argument("--crop", type=int, default=300)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--smooth", type=float, default=0.1)
    ap.add_argument("--tts-weight", type=float, default=0.5, help="share of crops drawn from TTS")
    ap.add_argument("--no-tts", action="store_true")
    ap.add_argument("--ch", type=int, default=256)
    ap.add_argument("--bott", type=int, default=128)
    ap.add_argument("--dilations", default="1,2,3,4,3,2,1")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--relabel-so762", default=None, help="realign.py labels for so762 (else GMM)")
    ap.add_argument("--relabel-tts", default=None, help="realign.py labels for TTS (else no TTS)")
    ap.add_argument("--init", default=None)
    ap.add_argument("--grow", action="store_true",
                    help="--init from a network with fewer blocks (the first ones); the rest start as identity")
    # v2 options (defaults = v1 behaviour)
    ap.add_argument("--k0", type=int, default=5, help="first conv width (context = k0//2 + sum(dilations))")
    ap.add_argument("--tts-labels", default=None, help="tts_labels.py npz: GMM-alignment labels for TTS")
    ap.add_argument("--speed", default="", help="feature-domain speed perturbation factors, e.g. 0.9,1.0,1.1")
    ap.add_argument("--freq-masks", type=int, default=1, help="frequency masks (<= 10 bins each) per crop")
    ap.add_argument("--time-masks", type=int, default=0,
                    help="time masks (<= --time-mask-width frames) per crop; masked frames do not train")
    ap.add_argument("--time-mask-width", type=int, default=15)
    # v3 option: frames of phones the experts scored below --neg-below also train, negatively: their
    # canonical phone's posterior is pushed down (loss -log(1 - P(canonical)), weight --neg-weight),
    # which is what the GOP needs from them (the annotators said that phone was not what was heard)
    ap.add_argument("--neg-weight", type=float, default=0.0)
    ap.add_argument("--neg-below", type=float, default=1.5)
    # Graded targets: frames of phones the experts scored s < 2.0 (0 to 1.9) train P(canonical)
    # towards s / 2 (binary cross-entropy, weight --graded-weight), so that the posterior, and with it
    # the GOP, is graded like the experts' scores instead of only "right" vs "wrong".
    ap.add_argument("--graded-weight", type=float, default=0.0)
    ap.add_argument("--gop-weight", type=float, default=0.0,
                    help="weight of the phone-level loss 1 - Pearson(GOP, expert score) over each batch's "
                         "scored so762 phones (GOP: the mean over the phone's GMM-aligned frames of --gop-kind)")
    ap.add_argument("--gop-kind", choices=["lpr", "lpp"], default="lpr",
                    help="lpr: log P(canonical) - max_q log P(q) (the Rust pipeline's GOP); lpp: log P(canonical)")
    ap.add_argument("--val-every", type=int, default=1000)
    ap.add_argument("--log-every", type=int, default=100)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.RandomState(args.seed)

    split = json.load(open(os.path.join(args.data, "split.json")))
    val_spk = set(split["val_speakers"])
    segs = json.load(open(os.path.join(args.data, "so762_segments.json")))
    spk = {u: v["spk"] for u, v in segs.items()}
    so_train = load(os.path.join(args.data, "so762.npz"), keep=lambda u: spk[u] not in val_spk)
    so_val = load(os.path.join(args.data, "so762.npz"), keep=lambda u: spk[u] in val_spk)
    if args.relabel_so762:
        z = np.load(args.relabel_so762, allow_pickle=True)
        rl, rs = z["labels"].item(), z["fscore"].item()
        so_train = [(u, f, rl[u].astype(np.int64), rs[u]) if u in rl else (u, f, l, s)
                    for u, f, l, s in so_train]
    tts = []
    if args.relabel_tts and not args.no_tts:
        rl = np.load(args.relabel_tts, allow_pickle=True)["labels"].item()
        tts = [(u, f, rl[u].astype(np.int64), s) for u, f, l, s in load(os.path.join(args.data, "tts.npz"))
               if u in rl]
    if args.tts_labels and not args.no_tts:
        z = np.load(args.tts_labels, allow_pickle=True)
        rl = z["labels"].item()
        tts = [(u, f, rl[u].astype(np.int64), s) for u, f, l, s in load(os.path.join(args.data, "tts.npz"))
               if u in rl and len(rl[u]) == len(f)]
    def neg(lab, fs):
        """canonical label on frames of phones rated below --neg-below, -100 elsewhere."""
        t = np.full_like(lab, -100)
        m = (fs >= 0) & (fs < args.neg_below)
        t[m] = lab[m]
        return t

    def phone_rows(u, lab):
        """[3, T]: the frame's phone index within the utterance, its canonical label and round(100 s) of
        its expert score s, on frames of phones the experts scored (else -100): what --gop-weight pools
        into phone GOPs."""
        seg = np.full(len(lab), -100, np.int64)
        sc = np.full(len(lab), -100, np.int64)
        for k, (s, e, _p, score, _acc, _w) in enumerate(segs[u]["phones"]):
            if score >= 0:
                seg[s:e] = k
                sc[s:e] = int(round(100 * score))
        return np.stack([seg, np.where(seg >= 0, lab, -100), sc])

    def graded(lab, fs):
        """[2, T]: canonical label on frames of phones scored 0 <= s < 2.0 (else -100), and round(100 s)."""
        m = (fs >= 0) & (fs < 2.0)
        return np.stack([np.where(m, lab, -100), np.where(m, np.rint(100 * fs), -100).astype(np.int64)])

    # so762 crops carry all targets, stacked as [7, T]: row 0 positive, row 1 negative, rows 2-3 graded,
    # rows 4-6 phone index, label and score (--gop-weight)
    pools = [[(f, np.concatenate([np.stack([target(l, s, "good"), neg(l, s)]), graded(l, s), phone_rows(u, l)]))
              for u, f, l, s in so_train]]
    weights = [1.0]
    if tts:
        pools.append([(f, np.concatenate([l[None], np.full((6, len(l)), -100, np.int64)])) for _, f, l, _ in tts])
        weights = [1 - args.tts_weight, args.tts_weight]
    val = [(f, target(l, s, "good")) for _, f, l, s in so_val]  # [T] targets
    print(f"train: so762 train {len(so_train)} utts, val {len(so_val)} utts "
          f"({len(val_spk)} speakers), tts {len(tts)} utts", flush=True)

    # global variance of the mean-normalised features (baked into the model)
    allf = np.concatenate([f for f, _ in pools[0]] + [f for f, _ in pools[-1]][:2000])
    inv_std = 1.0 / np.maximum(allf.std(0), 1e-3)

    model = AcousticNet(ch=args.ch, bott=args.bott, k0=args.k0,
                        dilations=tuple(int(d) for d in args.dilations.split(",")))
    model.inv_std.copy_(torch.tensor(inv_std, dtype=torch.float32))
    if args.init:
        sd = torch.load(args.init)["state"]
        if args.grow:
            # a deeper network from a shallower one: blocks absent from --init start as the identity
            # (BN scale 0 zeroes the residual branch), so step 0 computes exactly the --init network
            res = model.load_state_dict(sd, strict=False)
            new = sorted({k.split(".")[1] for k in res.missing_keys if k.startswith("blocks.")}, key=int)
            if res.unexpected_keys or any(not k.startswith("blocks.") for k in res.missing_keys):
                sys.exit(f"train: --grow: --init does not match the network ({res})")
            for i in new:
                torch.nn.init.zeros_(model.blocks[int(i)].bn.weight)
            print(f"train: --grow: blocks {','.join(new)} start as the identity", flush=True)
        else:
            model.load_state_dict(sd)
    nparam = sum(p.numel() for p in model.parameters())
    print(f"train: {nparam/1e6:.2f} M parameters, receptive radius {model.radius} frames", flush=True)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-2)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=args.steps,
                                                pct_start=0.1, anneal_strategy="cos")

    speeds = [float(r) for r in args.speed.split(",")] if args.speed else [1.0]
    # speed perturbation in the feature domain: factor r plays the audio r times faster, i.e. time is
    # resampled by r (linear interpolation of frames, nearest label) and every frequency is multiplied
    # by r (log-mel bins re-read at the mel position of f / r, edge bins clamped).
    def mel(hz):
        return 1127.0 * np.log1p(np.asarray(hz) / 700.0)
    lo, hi = mel(20.0), mel(8000.0)
    centres_mel = lo + (hi - lo) * np.arange(1, 81) / 81.0
    centres_hz = 700.0 * np.expm1(centres_mel / 1127.0)
    fmap = {r: np.clip((mel(centres_hz / r) - lo) / (hi - lo) * 81.0 - 1.0, 0, 79) for r in speeds}

    def perturb(f, t, r):
        if r == 1.0:
            return f, t
        n = max(2, int(round(len(f) / r)))
        pos = np.linspace(0, len(f) - 1, n)
        i0 = np.floor(pos).astype(int)
        i1 = np.minimum(i0 + 1, len(f) - 1)
        w = (pos - i0)[:, None]
        g = f[i0] * (1 - w) + f[i1] * w
        t = t[:, np.rint(pos).astype(int)]
        j = fmap[r]
        j0 = np.floor(j).astype(int)
        j1 = np.minimum(j0 + 1, 79)
        v = j - j0
        g = g[:, j0] * (1 - v) + g[:, j1] * v
        return g.astype(np.float32), t

    def batch():
        xs, ys = [], []
        for _ in range(args.batch):
            pool = pools[rng.choice(len(pools), p=weights)]
            f, t = pool[rng.randint(len(pool))]
            r = speeds[rng.randint(len(speeds))] if len(speeds) > 1 else 1.0
            need = args.crop if r == 1.0 else int(np.ceil(args.crop * r)) + 1
            T = len(f)
            s = rng.randint(max(1, T - need + 1))
            f, t = perturb(f[s:s + need], t[:, s:s + need], r)
            f, t = f[:args.crop], t[:, :args.crop].copy()
            for _ in range(args.time_masks):
                w = rng.randint(0, args.time_mask_width + 1)
                t0_ = rng.randint(0, max(1, len(f) - w + 1))
                f = f.copy()
                f[t0_:t0_ + w] = 0
                t[:, t0_:t0_ + w] = -100  # a masked frame does not train (no guessing phones from context)
            xs.append(f)
            ys.append(t)
        L = max(len(x) for x in xs)
        X = np.zeros((len(xs), L, 80), np.float32)
        Y = np.full((len(xs), ys[0].shape[0], L), -100, np.int64)
        for i, (x, y) in enumerate(zip(xs, ys)):
            X[i, :len(x)] = x
            Y[i, :, :y.shape[1]] = y
        X = torch.from_numpy(X).transpose(1, 2)
        # frequency masking (--freq-masks bands of up to 10 bins per crop)
        for i in range(len(xs)):
            for _ in range(args.freq_masks):
                w = rng.randint(0, 11)
                f0 = rng.randint(0, 80 - w + 1)
                X[i, f0:f0 + w, :] = 0
        return X, torch.from_numpy(Y)

    def evaluate():
        model.eval()
        c = n = 0
        with torch.no_grad():
            for f, t in val:
                y = model.forward_batch(torch.from_numpy(f).T[None])[0].argmax(0).numpy()
                m = t >= 0
                c += (y[m] == t[m]).sum()
                n += m.sum()
        model.train()
        return c / max(n, 1)

    def canonical(logp, y):
        """log P(canonical), log(1 - P(canonical)) and the mask, on the frames where y is set."""
        m = y >= 0
        lp = logp.gather(1, y.clamp(min=0)[:, None])[:, 0][m]
        return lp, torch.log(-torch.expm1(lp.clamp(max=-1e-4))), m  # log(1 - p) stably from log p

    def phone_gop(lp, Y):
        """1 - Pearson(GOP, expert score) over the batch's scored phones (a phone cut by a crop or a time
        mask keeps its remaining frames) from log-posteriors lp [B, 40, L], or None when the batch has
        fewer than 3 phones or one score."""
        seg, lab, sc = Y[:, 4], Y[:, 5], Y[:, 6]
        m = seg >= 0
        if m.sum() == 0:
            return None
        frame = lp.gather(1, lab.clamp(min=0)[:, None])[:, 0]
        if args.gop_kind == "lpr":
            frame = frame - lp.max(dim=1).values
        key = (torch.arange(len(seg))[:, None] * 100000 + seg)[m]
        uniq, inv = torch.unique(key, return_inverse=True)
        if len(uniq) < 3:
            return None
        tot = torch.zeros(len(uniq)).index_add_(0, inv, frame[m])
        cnt = torch.zeros(len(uniq)).index_add_(0, inv, torch.ones_like(frame[m]))
        gop = tot / cnt
        score = torch.zeros(len(uniq)).index_add_(0, inv, sc[m].float()) / cnt
        gc, scc = gop - gop.mean(), score - score.mean()
        den = torch.sqrt((gc * gc).sum() * (scc * scc).sum())  # zero when every score is the same
        if den.item() < 1e-8:
            return None
        return 1.0 - (gc * scc).sum() / den

    t0 = time.time()
    model.train()
    run_loss = run_gop = 0.0
    for step in range(1, args.steps + 1):
        X, Y = batch()
        logits = model.forward_batch(X)
        loss = F.cross_entropy(logits, Y[:, 0], ignore_index=-100, label_smoothing=args.smooth)
        logp = F.log_softmax(logits, dim=1) if args.neg_weight > 0 or args.graded_weight > 0 else None
        n_pos = (Y[:, 0] >= 0).sum().clamp(min=1)  # the extra losses are per trained frame too
        if args.neg_weight > 0:
            _, l1p, m = canonical(logp, Y[:, 1])
            if m.any():
                loss = loss + args.neg_weight * (-l1p).sum() / n_pos
        if args.graded_weight > 0:
            lp, l1p, m = canonical(logp, Y[:, 2])
            if m.any():
                q = Y[:, 3][m].float() / 200.0
                loss = loss + args.graded_weight * (-(q * lp + (1 - q) * l1p)).sum() / n_pos
        if args.gop_weight > 0:
            # its own log-softmax, not logp's: sharing it changes float rounding, and v5's run (run_v5.sh)
            # is reproduced bit for bit with this one
            g = phone_gop(F.log_softmax(logits, dim=1), Y)
            if g is not None:
                loss = loss + args.gop_weight * g
                run_gop += g.item()
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        sched.step()
        run_loss += loss.item()
        if step % args.log_every == 0:
            gop = f" (1 - phone Pearson {run_gop/args.log_every:.3f})" if args.gop_weight > 0 else ""
            print(f"train: step {step} loss {run_loss/args.log_every:.3f}{gop} lr {sched.get_last_lr()[0]:.2e} "
                  f"{time.time()-t0:.0f}s", flush=True)
            run_loss = run_gop = 0.0
        if step % args.val_every == 0 or step == args.steps:
            print(f"train: step {step} val frame acc (score-2.0 phones + SIL) {evaluate():.4f}",
                  flush=True)
            torch.save({"state": model.state_dict(), "args": vars(args), "params": nparam,
                        "train_seconds": time.time() - t0, "step": step}, args.out)
    print(f"train: done in {time.time()-t0:.0f}s -> {args.out}", flush=True)


if __name__ == "__main__":
    main()
