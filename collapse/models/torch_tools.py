"""What the book's torch models share: where they run, how many CPU threads they use, where their randomness comes
from."""

from __future__ import annotations

import contextlib

import numpy as np
import torch

from collapse._checks import check_choice, check_int

DEVICES = ("cpu", "cuda", "auto")  # a model config's device: the CPU, an NVIDIA GPU, or the GPU when there is one


def check_placement(threads: int, device: str) -> None:
    """A torch config's CPU threads (1 to 256) and device (one of DEVICES), checked."""
    check_int("threads", threads, 1, 256)
    check_choice("device", device, DEVICES)


def torch_device(name: str) -> torch.device:
    """The torch device a config's `device` names; refused, saying what to use instead, where there is no GPU."""
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError("device='cuda' needs an NVIDIA GPU and a CUDA build of torch; use 'cpu' or 'auto'.")
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


@contextlib.contextmanager
def torch_threads(count: int):
    """Run the block with `count` intra-op CPU threads, then restore the previous count.

    A fixed count keeps CPU results repeatable (reductions split across threads can sum in a different order)."""
    previous = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def torch_seed(rng: np.random.Generator | None) -> int:
    """The seed of a fit's torch generator (initial weights, shuffles, the codes of the reparameterisation trick).

    Drawn from the loop's fitting generator, so a run is repeatable and each seed and generation trains a different
    network. (It was once a hash of the training rows' bytes: on another processor those rows differ in the last
    bits, the hash then differs completely, and the rest of the run with it. Drawn from `rng`, a last-bit difference
    stays a last-bit difference.) A fit called without `rng` uses seed 0.
    """
    return 0 if rng is None else int(rng.integers(2**63))
