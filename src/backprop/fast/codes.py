"""The integer codes the compiled layers switch on, and the registry names they stand for.

A network mixes activations layer by layer, so the kernels choose each
layer's g at run time from its code (``layers.py``, ``block.py``); every
registered activation and loss needs a code and a branch there
(``tests/test_registries.py`` fails for one without).
"""

IDENTITY, SIGMOID, TANH, RELU, STEP, SOFTMAX = range(6)
SQUARED_ERROR, BINARY_CROSS_ENTROPY, CROSS_ENTROPY = range(3)

ACTIVATIONS = {"identity": IDENTITY, "sigmoid": SIGMOID, "tanh": TANH, "relu": RELU,
               "step": STEP, "softmax": SOFTMAX}
LOSSES = {"squared_error": SQUARED_ERROR, "binary_cross_entropy": BINARY_CROSS_ENTROPY,
          "cross_entropy": CROSS_ENTROPY}
