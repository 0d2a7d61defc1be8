"""scikit-learn's own estimator checks, run on both estimators with their default parameters.

No check is skipped or marked as an expected failure: the estimators pass every check that
scikit-learn applies to a classifier / regressor with their tags (sparse input accepted and
densified; NaN allowed only with ``impute``; multi-output regression supported).
"""

from __future__ import annotations

import warnings

import pytest

pytest.importorskip("sklearn")
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from backprop import MLPClassifier, MLPRegressor  # noqa: E402


@parametrize_with_checks([MLPClassifier(), MLPRegressor()])
def test_sklearn_compatible(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence warnings on the checks' tiny data sets
        check(estimator)
