"""The training hot path allocates no parameter-sized arrays when given buffers."""

import tracemalloc

import numpy as np

from backprop import Network


def peak_bytes(fn, repeat=3):
    fn()  # warm up: workspaces for this batch size are created once
    tracemalloc.start()
    tracemalloc.reset_peak()
    for _ in range(repeat):
        fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def test_loss_and_grad_with_out_allocates_far_less_than_the_parameters():
    net = Network([64, 512, 256, 10], activation="relu", output_activation="softmax", random_state=0)
    X = np.random.default_rng(0).normal(size=(8, 64))
    T = np.random.default_rng(1).integers(0, 10, size=8)
    out = np.empty_like(net.params)
    param_bytes = net.params.nbytes  # about 1.2 MB
    peak = peak_bytes(lambda: net.loss_and_grad(X, T, loss="cross_entropy", out=out))
    assert peak < param_bytes / 10, (peak, param_bytes)


def test_workspace_is_reused_across_calls():
    net = Network([4, 8, 1], random_state=0)
    X = np.ones((16, 4))
    net.loss_and_grad(X, np.zeros(16))
    ws = net._workspace[16]
    net.loss_and_grad(X + 1, np.zeros(16))
    assert net._workspace[16] is ws
