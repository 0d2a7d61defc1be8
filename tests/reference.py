"""PyTorch autograd as the oracle: the same network, built from the same flat vector."""

from __future__ import annotations

import numpy as np
import torch

ACT = {
    "sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu,
    "identity": lambda s: s, "softmax": lambda s: torch.softmax(s, dim=1),
}


def torch_loss_and_grad(net, X, T, loss, reduction="sum", sample_weight=None):
    """E and dE/dparams of ``net`` computed by torch autograd in float64."""
    p = torch.tensor(np.asarray(net.params, dtype=np.float64), requires_grad=True)
    h = torch.tensor(np.asarray(X, dtype=np.float64))
    at = 0
    for n_in, n_out, act in zip(net.layer_sizes[:-1], net.layer_sizes[1:], net.activations):
        W = p[at:at + n_in * n_out].view(n_out, n_in)
        at += n_in * n_out
        b = p[at:at + n_out]
        at += n_out
        h = ACT[act](torch.nn.functional.linear(h, W, b))
    t = torch.tensor(np.asarray(T, dtype=np.float64)).reshape(h.shape)
    if loss == "squared_error":
        e = 0.5 * ((h - t) ** 2).sum(dim=1)
    elif loss == "binary_cross_entropy":
        e = torch.nn.functional.binary_cross_entropy(h, t, reduction="none").sum(dim=1)
    else:
        e = -(t * torch.log(h)).sum(dim=1)
    if sample_weight is not None:
        w = torch.tensor(np.asarray(sample_weight, dtype=np.float64))
        E = (w * e).sum() / (w.sum() if reduction == "mean" else 1.0)
    else:
        E = e.sum() if reduction == "sum" else e.mean()
    E.backward()
    return E.item(), p.grad.numpy()
