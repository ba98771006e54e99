"""Models that follow the interface in `collapse.models.base`, one small file each."""

from collapse.models.gaussian import ESTIMATORS, GaussianModel, GaussianSource

__all__ = ["ESTIMATORS", "GPTConfig", "GPTModel", "GaussianModel", "GaussianSource", "VAEConfig", "VAEModel"]


def __getattr__(name: str):
    # The VAE and the GPT need torch, which takes a second and ~200 MB to import: load it only for the chapters
    # that use them.
    if name in ("VAEConfig", "VAEModel"):
        from collapse.models import vae

        return getattr(vae, name)
    if name in ("GPTConfig", "GPTModel"):
        from collapse.models import transformer

        return getattr(transformer, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
