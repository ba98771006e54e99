"""Models that follow the interface in `collapse.models.base`, one small file each."""

from collapse.models.gaussian import ESTIMATORS, GaussianModel, GaussianSource

__all__ = ["ESTIMATORS", "GaussianModel", "GaussianSource", "VAEConfig", "VAEModel"]


def __getattr__(name: str):
    # The VAE needs torch, which takes a second and ~200 MB to import: load it only for the chapters that use it.
    if name in ("VAEConfig", "VAEModel"):
        from collapse.models import vae

        return getattr(vae, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
