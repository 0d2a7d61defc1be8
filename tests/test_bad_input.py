"""Bad input raises one clear error naming the problem and the valid choices."""

import warnings

import numpy as np
import pytest

import backprop
from backprop import ConfigError, DataError, Network


@pytest.mark.parametrize("kwargs,message", [
    ({"layer_sizes": [2, 0, 1]}, "every layer size must be an integer >= 1"),
    ({"layer_sizes": [2]}, "at least an input and an output size"),
    ({"layer_sizes": [2, 1.5]}, "integer >= 1"),
    ({"layer_sizes": "ab"}, "sequence of integers"),
    ({"layer_sizes": [2, 2, 1], "activation": "sigmoidd"},
     "unknown activation 'sigmoidd'; valid choices: identity, linear, logistic, relu, sigmoid, softmax, step, tanh"),
    ({"layer_sizes": [2, 2, 1], "output_activation": "soft"}, "unknown activation 'soft'"),
    ({"layer_sizes": [2, 2, 1], "activation": "softmax"}, "softmax is only available as the output"),
    ({"layer_sizes": [2, 2, 1], "init": "gauss"}, "unknown init 'gauss'; valid choices:"),
    ({"layer_sizes": [2, 2, 1], "dtype": np.int32}, "dtype must be float32 or float64"),
    ({"layer_sizes": [2, 2, 1], "activation": ["tanh"]}, "got 1 activations for 2 weight layers"),
])
def test_bad_construction(kwargs, message):
    with pytest.raises(ConfigError) as info:
        Network(**kwargs)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


@pytest.fixture
def net():
    return Network([3, 4, 2], random_state=0)


@pytest.mark.parametrize("X,T,message", [
    (np.ones((5, 2)), np.ones((5, 2)), "X must have shape (n_samples, 3), got (5, 2)"),
    (np.ones((5, 3, 1)), np.ones((5, 2)), "X must have shape (n_samples, 3)"),
    (np.ones((5, 3)), np.ones((4, 2)), "T must have shape (5, 2)"),
    (np.ones((5, 3)), np.ones((5, 3)), "T must have shape (5, 2)"),
    (np.array([[1, np.nan, 0]] * 2), np.ones((2, 2)), "X contains NaN (row 0, column 1)"),
    (np.array([[1, 0, 0], [0, np.inf, 1]]), np.ones((2, 2)), "X contains infinity (row 1, column 1)"),
    (np.ones((2, 3)), np.array([[1, 0], [np.nan, 1]]), "T contains NaN (row 1, column 0)"),
    (np.array([["a", "b", "c"]]), np.ones((1, 2)), "X must be numeric"),
    (np.ones((2, 3)), np.array([0, 5]), "class indices in T must lie in [0, 1]"),
])
def test_bad_data(net, X, T, message):
    with pytest.raises(DataError) as info:
        net.loss_and_grad(X, T)
    assert message in str(info.value)


def test_bad_loss_and_reduction(net):
    X, T = np.ones((2, 3)), np.ones((2, 2))
    with pytest.raises(ConfigError, match="unknown loss 'l2'; valid choices: .*squared_error"):
        net.loss_and_grad(X, T, loss="l2")
    with pytest.raises(ConfigError, match="unknown reduction 'avg'; valid choices: sum, mean"):
        net.loss_and_grad(X, T, reduction="avg")
    with pytest.raises(ConfigError, match="needs an output activation in"):
        Network([3, 2], activation="tanh").loss_and_grad(X, T, loss="binary_cross_entropy")


def test_bad_sample_weight_and_out(net):
    X, T = np.ones((2, 3)), np.ones((2, 2))
    with pytest.raises(DataError, match=r"sample_weight must have shape \(2,\)"):
        net.loss_and_grad(X, T, sample_weight=[1.0])
    with pytest.raises(DataError, match="non-negative"):
        net.loss_and_grad(X, T, sample_weight=[1.0, -1.0])
    with pytest.raises(DataError, match="out must have shape"):
        net.loss_and_grad(X, T, out=np.empty(3))


def test_errors_are_value_errors_and_backprop_errors():
    assert issubclass(ConfigError, ValueError) and issubclass(DataError, backprop.BackpropError)


def test_integer_class_labels_become_one_hot(net):
    X = np.ones((3, 3))
    E1, g1 = net.loss_and_grad(X, np.array([0, 1, 1]))
    E2, g2 = net.loss_and_grad(X, np.array([[1, 0], [0, 1], [0, 1]], float))
    assert E1 == E2 and np.array_equal(g1, g2)


@pytest.mark.parametrize("X,by", [
    ([[1e308, -1e308], [-1e308, 1e308], [1e308, 1e308]], "differ by 1x"),   # both overflow: was nan
    ([[1e308, 1.0], [-1e308, 2.0], [1e308, 3.0]], "differ by 1.15e+308x"),   # was inf
    ([[1e308, 1e-300], [-1e308, 2e-300], [1e308, 3e-300]], "differ by more than 1e308x"),
])
def test_diagnosis_of_huge_inputs_reads_correctly(X, by):
    from backprop.training.diagnosis import diagnose
    with warnings.catch_warnings():
        warnings.simplefilter("error")              # and no overflow warnings on the way
        text = diagnose(Network([2, 3, 1], random_state=0), np.array(X), learning_rate=0.1).message("")
    assert f"column standard deviations {by}" in text and "nan" not in text and "infx" not in text
