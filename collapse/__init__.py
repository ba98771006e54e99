"""The experiment engine of the model-collapse book: data, models, regimes, the generational loop, and theory.

Built on numpy, scipy and pandas (tables), with torch for the neural models, nltk for tokenising and scikit-learn
for the digits and their classifier. Nothing here draws charts or widgets (that is `widgets/`, which imports this
package, never the other way round). Each chapter's experiments live in `collapse/<chapter>.py`, the models in
`collapse/models/` (one file each, listed in `collapse/models/registry.py`).
"""

from collapse.history import History
from collapse.loop import simulate
from collapse.models import ESTIMATORS, GaussianModel, GaussianSource
from collapse.regimes import (REGIME_NAMES, Accumulate, AccumulateSubsample, FixedRealMix, FreshMix, Replace,
                              make_regime)

__all__ = ["ESTIMATORS", "REGIME_NAMES", "Accumulate", "AccumulateSubsample", "FixedRealMix", "FreshMix",
           "GaussianModel", "GaussianSource", "History", "Replace", "make_regime", "simulate"]
