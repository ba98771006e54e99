"""The experiment engine of the model-collapse book: data, models, regimes, the generational loop, and theory.

numpy, scipy and torch only: nothing here draws charts or widgets (that is `widgets/`).
"""

from collapse.history import History
from collapse.loop import simulate
from collapse.models import ESTIMATORS, GaussianModel, GaussianSource
from collapse.regimes import (REGIME_NAMES, Accumulate, AccumulateSubsample, FixedRealMix, FreshMix, Replace,
                              make_regime)

__all__ = ["ESTIMATORS", "REGIME_NAMES", "Accumulate", "AccumulateSubsample", "FixedRealMix", "FreshMix",
           "GaussianModel", "GaussianSource", "History", "Replace", "make_regime", "simulate"]
