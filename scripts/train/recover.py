#!/usr/bin/env python3
"""A train.py checkpoint from a shipped model.onnx (float, or export.py --int8's QDQ graph).

Training checkpoints live outside the repository and vanish with the machine; the shipped graphs stay.
export.py folds each BatchNorm into the convolution before it, so this script unfolds: every Conv's
weight (dequantised for int8) becomes the module's weight, and its folded bias goes into the BatchNorm
after it, with running statistics measured on --calib so762 train utterances and the BN scale set to
match them. In eval mode the rebuilt network computes the graph's float function exactly (for an int8
graph: its dequantised weights without activation rounding); in train mode BN normalises by batch
statistics close to those, so fine-tuning starts where the shipped model is.

    recover.py --onnx models/elocute-nn-v4/model.onnx --out /work/data/nn4/v4-recovered.pt

The network shape (channels, bottleneck, dilations, first-conv width) is read from the graph. The
checkpoint's "args" are v3's training options (run_v3.sh) so export.py describes it as v3 and v4.
"""
import argparse
import os
import sys

import numpy as np
import onnx
import torch
from onnx import numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import AcousticNet  # noqa: E402
from prepare import fold_utterances  # noqa: E402


def dequantised(graph):
    """name -> float array for every initializer and every DequantizeLinear of initializers."""
    vals = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    for n in graph.node:
        if n.op_type == "DequantizeLinear" and all(i in vals for i in n.input):
            q = vals[n.input[0]].astype(np.float64)
            s = vals[n.input[1]].astype(np.float64)
            z = vals[n.input[2]].astype(np.float64) if len(n.input) > 2 else np.zeros_like(s)
            axis = next((a.i for a in n.attribute if a.name == "axis"), 1)
            if s.ndim == 1 and q.ndim > 1:
                shape = [1] * q.ndim
                shape[axis] = -1
                s, z = s.reshape(shape), z.reshape(shape)
            vals[n.output[0]] = ((q - z) * s).astype(np.float32)
    return {k: np.array(v) for k, v in vals.items()}  # writable copies for torch


def convs(path):
    """[(weight, bias or None, dilation)] of the graph's Conv nodes in order, and the inv_std vector."""
    m = onnx.load(path)
    vals = dequantised(m.graph)
    out = []
    inv_std = None
    for n in m.graph.node:
        if n.op_type == "Conv":
            dil = next((list(a.ints)[0] for a in n.attribute if a.name == "dilations"), 1)
            b = vals[n.input[2]] if len(n.input) > 2 else None
            out.append((vals[n.input[1]], b, dil))
        elif n.op_type == "Mul" and inv_std is None:
            c = [vals[i] for i in n.input if i in vals]
            if c and c[0].size == 80:
                inv_std = c[0].reshape(80)
    return out, inv_std


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--onnx", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--data", default="/work/data/nn", help="prepare.py cache (so762.npz, split.json)")
    ap.add_argument("--calib", type=int, default=200, help="train-split utterances for the BN statistics")
    args = ap.parse_args()

    cv, inv_std = convs(args.onnx)
    if inv_std is None or len(cv) < 3 or (len(cv) - 2) % 2:
        sys.exit(f"recover: {args.onnx}: not an AcousticNet graph ({len(cv)} convolutions)")
    (w0, b0, _), blocks, (wo, bo, _) = cv[0], cv[1:-1], cv[-1]
    ch, k0 = w0.shape[0], w0.shape[2]
    bott = blocks[0][0].shape[0]
    dilations = tuple(blocks[i][2] for i in range(0, len(blocks), 2))
    model = AcousticNet(ch=ch, bott=bott, dilations=dilations, k0=k0)
    model.eval()
    bns = [model.bn0] + [b.bn for b in model.blocks]
    folded = [b0] + [blocks[i + 1][1] for i in range(0, len(blocks), 2)]
    with torch.no_grad():
        model.inv_std.copy_(torch.from_numpy(inv_std))
        model.conv0.weight.copy_(torch.from_numpy(w0))
        for j, blk in enumerate(model.blocks):
            blk.conv.weight.copy_(torch.from_numpy(blocks[2 * j][0]))
            blk.proj.weight.copy_(torch.from_numpy(blocks[2 * j + 1][0]))
        model.out.weight.copy_(torch.from_numpy(wo))
        model.out.bias.copy_(torch.from_numpy(bo))
        # first an identity BN plus the folded bias: the graph's function exactly
        for bn, b in zip(bns, folded):
            bn.running_mean.zero_()
            bn.running_var.fill_(1.0 - bn.eps)
            bn.weight.fill_(1.0)
            bn.bias.copy_(torch.from_numpy(b))

    # BN input statistics on train-split utterances outside the validation fold
    utts = fold_utterances(args.data, val=False)
    pick = np.random.RandomState(0).permutation(len(utts))[:args.calib]
    sums = [torch.zeros(ch, dtype=torch.float64) for _ in bns]
    sq = [torch.zeros(ch, dtype=torch.float64) for _ in bns]
    count = [0]
    hooks = []
    for j, bn in enumerate(bns):
        def hook(_m, inp, j=j):
            z = inp[0][0].double()  # [C, T]
            sums[j] += z.sum(1)
            sq[j] += (z * z).sum(1)
        hooks.append(bn.register_forward_pre_hook(hook))
    with torch.no_grad():
        for i in pick:
            f = utts[i]
            model(torch.from_numpy(f))
            count[0] += len(f)
    for h in hooks:
        h.remove()
    x = torch.from_numpy(utts[pick[0]])
    with torch.no_grad():
        before = model(x)
        for j, (bn, b) in enumerate(zip(bns, folded)):
            mu = sums[j] / count[0]
            var = (sq[j] / count[0] - mu * mu).clamp(min=1e-6)
            bn.running_mean.copy_(mu.float())
            bn.running_var.copy_(var.float())
            bn.weight.copy_(torch.sqrt(var + bn.eps).float())
            bn.bias.copy_(mu.float() + torch.from_numpy(b))
        after = model(x)
    diff = (before - after).abs().max().item()
    nparam = sum(p.numel() for p in model.parameters())
    a = {"ch": ch, "bott": bott, "dilations": ",".join(str(v) for v in dilations), "k0": k0,
         "neg_weight": 2.0, "neg_below": 1.5, "tts_labels": "(recovered)", "recovered_from": args.onnx}
    torch.save({"state": model.state_dict(), "args": a, "params": nparam, "step": 0,
                "train_seconds": None}, args.out)
    print(f"recover: {args.onnx} -> {args.out}: {nparam/1e6:.2f} M parameters, ch {ch}, bott {bott}, "
          f"dilations {a['dilations']}, k0 {k0}; BN statistics from {len(pick)} utterances "
          f"({count[0]} frames), reparametrised output max abs change {diff:.2e}")


if __name__ == "__main__":
    main()
