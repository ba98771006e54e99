"""A tagging model for the engine tests: it stands in for a real model so a test can see exactly which rows each
generation trains on. Every row is (origin tag, row number); the rows a model writes are tagged with its generation."""

import numpy as np

from collapse.models.base import Model, RealData


def tagged(seeds: int, rows: int, tag: int) -> np.ndarray:
    """`rows` rows per seed, each (tag, its row number): shape (seeds, rows, 2)."""
    block = np.empty((seeds, rows, 2))
    block[..., 0] = tag
    block[..., 1] = np.arange(rows)
    return block


class TaggingModel(Model):
    """Its summary is the rows themselves; `fit` records what it was given, and generation t writes rows tagged t."""

    name = "tagging"
    min_rows = 1

    def __init__(self, seeds: int):
        self.seeds = seeds
        self.training_sets = []  # generation g's training rows at index g - 1, each (seeds, rows, 2)

    def summarise(self, rows):
        return rows

    def fit(self, summaries, rng=None):
        self.training_sets.append(np.concatenate(summaries, axis=1))
        return len(self.training_sets)  # the generation number is all a tagging model needs

    def sample(self, generation, rows, rng):
        return tagged(self.seeds, rows, generation)

    def score(self, generation, heldout):
        return np.zeros(self.seeds)

    def describe(self, generation):
        return {}


class TaggingSource(RealData):
    """Real rows tagged -1, -2, ... in the order they are drawn; held-out rows tagged 0."""

    def __init__(self):
        self.draws = 0

    def draw(self, seeds, rows, rng):
        self.draws += 1
        return tagged(seeds, rows, -self.draws)

    def heldout(self, rows, rng):
        return tagged(1, rows, 0)


def tag_counts(rows):
    """{tag: rows with that tag}, for one seed's training rows."""
    tags, counts = np.unique(rows[:, 0], return_counts=True)
    return dict(zip(tags.astype(int).tolist(), counts.tolist()))
