"""Integer codes the kernels use for activations, losses, optimizers and scalar state slots."""

IDENTITY, SIGMOID, TANH, RELU, STEP, SOFTMAX = 0, 1, 2, 3, 4, 5
SQUARED_ERROR, BINARY_CROSS_ENTROPY, CROSS_ENTROPY = 0, 1, 2
SGD, ADAGRAD, RMSPROP, ADAM, ADAMAX, NADAM, RPROP, QUICKPROP = range(8)
T_, LR, BC1, BC2, MU, MU_NEXT, MU_PROD = range(7)   # slots of the scalar state ``sc``
