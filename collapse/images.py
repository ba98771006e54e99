"""Real data for the VAE chapter, and the rulers that measure what a VAE wrote.

Two real worlds, neither downloaded:
- scikit-learn's 8x8 handwritten digits (1,797 images, 0-16 grey levels, shipped inside the scikit-learn package),
  scaled to [0, 1] and split once, by a fixed seeded permutation, into 80% for training and 20% held out;
- a ring of eight Gaussians in the plane, made by the code: the classic picture of mode collapse, fast to train on
  and easy to plot.

And the measures of collapse: for digits, a classifier trained once on the real training images labels generated
images (which digits survive, how evenly) and a reference encoder places them in a fixed latent space (how far they
spread); for the ring, how many of the eight modes still get a share of the samples.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from collapse._checks import check_array, check_fraction, check_instance, check_int, check_positive
from collapse.models.base import RealData

DIGIT_SIDE = 8  # pixels per side of a digit image
DIGIT_PIXELS = DIGIT_SIDE * DIGIT_SIDE
DIGIT_CLASSES = 10
GREY_LEVELS = 16  # scikit-learn's digits count ink in 0..16; we divide by 16
HELDOUT_SHARE = 0.2  # of the 1,797 images, held out for testing
SPLIT_SEED = 0  # the permutation that splits them: fixed, so every run and every reader gets the same split
COVERED_SHARE = 0.02  # a digit class or a ring mode is "covered" if at least this share of the samples falls in it


@dataclass(frozen=True)
class DigitImages:
    train: np.ndarray  # (1,438, 64) float32 intensities in [0, 1], row by row from the top left
    train_labels: np.ndarray  # (1,438,) digits 0-9
    heldout: np.ndarray  # (359, 64)
    heldout_labels: np.ndarray  # (359,)


@functools.cache
def load_digits() -> DigitImages:
    """The digits, scaled to [0, 1] and split 80/20 by a fixed seeded permutation."""
    from sklearn.datasets import load_digits as sklearn_digits

    bunch = sklearn_digits()
    images = (bunch.data / GREY_LEVELS).astype(np.float32)
    order = np.random.default_rng(SPLIT_SEED).permutation(len(images))
    held = round(HELDOUT_SHARE * len(images))
    test, train = order[:held], order[held:]
    return DigitImages(images[train], bunch.target[train], images[test], bunch.target[test])


@dataclass(frozen=True)
class DigitsSource(RealData):
    """The digits as the generational loop sees them: training images drawn at random, a fixed held-out set.

    Each seed's draw is distinct images (without replacement) while the request fits in the training split.
    """

    values_per_row = DIGIT_PIXELS

    def draw(self, seeds: int, rows: int, rng: np.random.Generator) -> np.ndarray:
        seeds, rows = check_int("seeds", seeds, 1), check_int("rows", rows, 1)
        train = load_digits().train
        if rows > len(train):
            raise ValueError(f"rows must be at most {len(train):,}, the training digits; got {rows:,}.")
        # the `rows` smallest of independent uniform keys are a uniformly random subset, per seed
        chosen = np.argpartition(rng.random((seeds, len(train))), rows - 1, axis=1)[:, :rows]
        return train[chosen]

    def heldout(self, rows: int, rng: np.random.Generator) -> np.ndarray:
        rows = check_int("heldout_rows", rows, 1)
        heldout = load_digits().heldout
        if rows > len(heldout):
            raise ValueError(f"heldout_rows must be at most {len(heldout):,} (the held-out digits); got {rows:,}.")
        return heldout[None, :rows]


@dataclass(frozen=True)
class RingSource(RealData):
    """Points in the plane from an equal mixture of `modes` Gaussians evenly spaced on a circle."""

    modes: int = 8
    radius: float = 1.0
    std: float = 0.08  # of each mode, in each coordinate: neighbours on the circle are ~10 standard deviations apart

    values_per_row = 2  # a point in the plane

    def __post_init__(self):
        check_int("modes", self.modes, 2, 64)
        check_positive("radius", self.radius)
        check_positive("std", self.std)

    @property
    def centres(self) -> np.ndarray:
        angles = 2 * np.pi * np.arange(self.modes) / self.modes
        return self.radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)  # (modes, 2)

    def draw(self, seeds: int, rows: int, rng: np.random.Generator) -> np.ndarray:
        seeds, rows = check_int("seeds", seeds, 1), check_int("rows", rows, 1)
        mode = rng.integers(0, self.modes, size=(seeds, rows))
        return (self.centres[mode] + self.std * rng.standard_normal((seeds, rows, 2))).astype(np.float32)

    def heldout(self, rows: int, rng: np.random.Generator) -> np.ndarray:
        return self.draw(1, rows, rng)


# --- measuring collapse -----------------------------------------------------------------------------------------
def histogram_measures(labels: np.ndarray, classes: int, counted: np.ndarray | None = None,
                       covered_share: float = COVERED_SHARE) -> tuple[np.ndarray, np.ndarray]:
    """Per seed, from labels (seeds, rows): how many classes hold at least `covered_share` of all rows, and the
    entropy in bits of the histogram of the counted rows (all of them unless `counted` says otherwise)."""
    classes = check_int("classes", classes, 1)
    labels = check_array("labels", labels, f"class labels from 0 to {classes - 1} shaped (seeds, rows)", integer=True)
    if labels.ndim != 2 or labels.shape[1] == 0 or labels.min() < 0 or labels.max() >= classes:
        raise ValueError(f"labels must be class labels from 0 to {classes - 1}, shaped (seeds, rows) with at least "
                         f"one row; got shape {labels.shape}.")
    covered_share = check_fraction("covered_share", covered_share)
    seeds, rows = labels.shape
    if counted is not None and np.shape(counted) != labels.shape:
        raise ValueError(f"counted must be booleans shaped like labels {labels.shape}; got shape {np.shape(counted)}.")
    counted = np.ones(labels.shape, bool) if counted is None else counted
    counts = np.zeros((seeds, classes))
    np.add.at(counts, (np.repeat(np.arange(seeds), rows), labels.ravel()), counted.ravel())
    covered = (counts / rows >= covered_share).sum(axis=1)
    shares = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        entropy = -np.where(shares > 0, shares * np.log2(shares), 0.0).sum(axis=1)
    return covered.astype(float), entropy + 0.0  # + 0.0: a single class gives 0 bits, not -0


@functools.cache
def digit_classifier():
    """A multinomial logistic regression trained once on the real training digits (about a second)."""
    from sklearn.linear_model import LogisticRegression

    digits = load_digits()
    return LogisticRegression(C=1.0, max_iter=2_000).fit(digits.train, digits.train_labels)


def classifier_accuracy() -> float:
    """Share of the held-out real digits the classifier labels correctly."""
    digits = load_digits()
    return float((digit_classifier().predict(digits.heldout) == digits.heldout_labels).mean())


@functools.cache
def reference_encoder():
    """The generation-0 encoder: a VAE (default configuration) trained once on all the real training digits.

    Shumailov et al. encode every generation's samples with the encoder of the model trained on real data and
    watch the spread of the codes shrink. Here that encoder is one fixed model shared by every run, seed and regime,
    so its latent space is a ruler all of them are measured with. Its data are fixed, and so is the torch seed the
    VAE derives from them: every kernel trains the same ruler. Returns (model, params).
    """
    from collapse.models.vae import VAEConfig, VAEModel

    model = VAEModel(VAEConfig())
    return model, model.fit([load_digits().train[None]])


def latent_spread(images: np.ndarray) -> np.ndarray:
    """Per seed, the spread of the reference encoder's mean codes of `images` (seeds, rows, 64): the root mean
    square, over latent dimensions, of each dimension's standard deviation across the images."""
    images = check_array("images", images, f"images shaped (seeds, rows, {DIGIT_PIXELS})")
    if images.ndim != 3 or images.shape[2] != DIGIT_PIXELS or images.shape[1] < 2:
        raise ValueError(f"images must be shaped (seeds, rows, {DIGIT_PIXELS}) with at least 2 rows; got "
                         f"{images.shape}.")
    model, params = reference_encoder()
    seeds, rows, _ = images.shape
    codes = model.encode_means(params, images.reshape(1, seeds * rows, DIGIT_PIXELS)).reshape(seeds, rows, -1)
    return np.sqrt(codes.var(axis=1).mean(axis=1)).astype(float)


@dataclass(frozen=True)
class DigitMeasures:
    """What a digit VAE wrote, per seed: digit classes covered, the entropy of the class histogram (bits), and the
    spread of the images' codes under the reference encoder."""

    covered_share: float = COVERED_SHARE

    def __post_init__(self):
        check_fraction("covered_share", self.covered_share)

    def __call__(self, images: np.ndarray) -> dict[str, np.ndarray]:
        seeds, rows, _ = images.shape
        labels = digit_classifier().predict(images.reshape(-1, DIGIT_PIXELS)).reshape(seeds, rows)
        covered, entropy = histogram_measures(labels, DIGIT_CLASSES, covered_share=self.covered_share)
        return {"classes_covered": covered, "class_entropy_bits": entropy, "latent_spread": latent_spread(images)}


@dataclass(frozen=True)
class RingMeasures:
    """What a ring VAE wrote, per seed: modes covered, the entropy of the histogram of points near a mode (bits),
    and the share of points near any mode. A point is near a mode within `near` (3 of the modes' standard
    deviations, which holds 98.9% of real points)."""

    source: RingSource = RingSource()
    near_stds: float = 3.0
    covered_share: float = COVERED_SHARE

    def __post_init__(self):
        check_instance("source", self.source, RingSource, "a RingSource, such as RingSource(modes=8)")
        check_positive("near_stds", self.near_stds)
        check_fraction("covered_share", self.covered_share)

    def __call__(self, points: np.ndarray) -> dict[str, np.ndarray]:
        distances = np.linalg.norm(points[:, :, None, :] - self.source.centres, axis=-1)  # (seeds, rows, modes)
        nearest = distances.argmin(axis=-1)
        near = distances.min(axis=-1) <= self.near_stds * self.source.std
        covered, entropy = histogram_measures(nearest, self.source.modes, near, self.covered_share)
        return {"modes_covered": covered, "mode_entropy_bits": entropy, "near_mode_share": near.mean(axis=1)}
