"""The elocute-nn-v1 acoustic model: a dilated 1-D conv stack over 80-dim log-mel fbank.

Frame-synchronous: every output frame t sees input frames t-R..t+R (R = receptive radius), with zero
padding (after mean normalisation, zero = the utterance mean) at the edges. Per-utterance mean
normalisation (CMN) and a global variance scaling live inside the network, so the exported ONNX graph
takes raw fbank [T, 80] and returns log-posteriors [T, 40].
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

NUM_PHONES = 40


class Block(nn.Module):
    """Factorised TDNN-style residual block: k-tap dilated conv to a bottleneck, 1x1 back, BN, ReLU."""

    def __init__(self, ch, bott, k, dil):
        super().__init__()
        self.conv = nn.Conv1d(ch, bott, k, dilation=dil, padding=dil * (k - 1) // 2, bias=False)
        self.proj = nn.Conv1d(bott, ch, 1, bias=False)
        self.bn = nn.BatchNorm1d(ch)

    def forward(self, x):
        return x + F.relu(self.bn(self.proj(self.conv(x))))


class AcousticNet(nn.Module):
    def __init__(self, ch=384, bott=192, dilations=(1, 2, 3, 4, 3, 2, 1), k0=5, dropout=0.1):
        super().__init__()
        self.register_buffer("inv_std", torch.ones(80))
        self.conv0 = nn.Conv1d(80, ch, k0, padding=k0 // 2, bias=False)
        self.bn0 = nn.BatchNorm1d(ch)
        self.blocks = nn.ModuleList([Block(ch, bott, 3, d) for d in dilations])
        self.drop = nn.Dropout(dropout)
        self.out = nn.Conv1d(ch, NUM_PHONES, 1)
        self.radius = k0 // 2 + sum(dilations)

    def forward_batch(self, x):
        """x: [B, 80, T] mean-normalised fbank -> logits [B, 40, T]."""
        x = x * self.inv_std[None, :, None]
        x = F.relu(self.bn0(self.conv0(x)))
        for b in self.blocks:
            x = self.drop(b(x))
        return self.out(x)

    def forward(self, feats):
        """feats: [T, 80] raw fbank -> log-posteriors [T, 40] (the exported graph)."""
        x = feats - feats.mean(dim=0, keepdim=True)
        x = x.transpose(0, 1).unsqueeze(0)
        y = self.forward_batch(x)[0].transpose(0, 1)
        return F.log_softmax(y, dim=-1)
