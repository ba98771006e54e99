"""Models that follow the interface in `collapse.models.base`, one small file each."""

from collapse.models.gaussian import ESTIMATORS, GaussianModel, GaussianSource

__all__ = ["ESTIMATORS", "GaussianModel", "GaussianSource"]
