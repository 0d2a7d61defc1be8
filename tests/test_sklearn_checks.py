"""scikit-learn's own estimator checks, run on both estimators with their default parameters.

No check is marked as an expected failure: the estimators pass every check that scikit-learn
applies to a classifier / regressor with their tags (``__sklearn_tags__``: sparse input accepted
and densified; NaN allowed only with ``impute``; multi-output regression supported; no
multi-label classification).  The only skips are scikit-learn's own: ``check_array_api_input``
skips itself unless the environment sets ``SCIPY_ARRAY_API=1``.
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
