"""The plays as characters, for the tiny transformer: a 36-symbol alphabet, passages of text, and measures of writing.

Each spoken line of `collapse.text.load_plays()` is lowercased and kept to 36 symbols: the letters a-z, space,
newline and the punctuation , . ; : ? ! ' -. The dash "—" becomes "-"; everything else is dropped: underscores and
asterisks left over from the Markdown, brackets, "&", double quotes and the odd digit (about 1,300 characters in all,
0.03% of the text). Runs of spaces become one space, and lines left empty are dropped. A play is its lines, each
ended by a newline; the training text is every play but the book's held-out ones (`collapse.text.HELDOUT_PLAYS`),
about 3.98 million characters, and the held-out text the four held-out plays, about 485 thousand.

Rows are passages of `passage_length` characters that begin at the start of a line, so a model can start writing
a passage from a newline, as the real ones start. The newline's id is 0, as `collapse.text.END_OF_LINE` is, so that
module's passage helpers apply here unchanged.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import numpy as np

from collapse._checks import check_array, check_instance, check_int, check_memory
from collapse.models.base import RealData
from collapse.text import END_OF_LINE, HELDOUT_PLAYS, TOKENIZER, load_plays, passage_starts, passages

SYMBOLS = "\n abcdefghijklmnopqrstuvwxyz,.;:?!'-"  # id -> character; the newline is id 0
NEWLINE = SYMBOLS.index("\n")
assert NEWLINE == END_OF_LINE  # passages start after a newline: the helpers of collapse.text find them by this id
VOCABULARY_SIZE = len(SYMBOLS)  # 36
SPACE = SYMBOLS.index(" ")
WORD_IDS = [SYMBOLS.index(symbol) for symbol in "abcdefghijklmnopqrstuvwxyz'-"]  # what a word is made of
_SYMBOL_BYTES = np.frombuffer(SYMBOLS.encode("ascii"), dtype=np.uint8)
REPLACED = {"—": "-"}
_ID = np.full(128, -1, dtype=np.int16)
_ID[[ord(symbol) for symbol in SYMBOLS]] = np.arange(VOCABULARY_SIZE)
_DROPPED = re.compile(f"[^{re.escape(SYMBOLS[1:])}]")  # every character but the symbols of a line
_SPACES = re.compile(r" {2,}")


def clean_line(line: str) -> str:
    """One line of speech in the 36 symbols: lowercased, "—" as "-", everything else outside the alphabet dropped."""
    check_instance("line", line, str, "a line of text, a string")
    line = line.lower()
    for old, new in REPLACED.items():
        line = line.replace(old, new)
    return _SPACES.sub(" ", _DROPPED.sub("", line)).strip()


def encode(text: str) -> np.ndarray:
    """Text already in the alphabet (see `clean_line`) as character ids: uint8, one per character."""
    check_instance("text", text, str, "text in the 36-symbol alphabet, a string")
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    ids = _ID[np.minimum(codes, 127)]  # code 127 (delete) is no symbol: it stands for every character beyond ASCII
    if (ids < 0).any():
        wrong = text[int(np.flatnonzero(ids < 0)[0])]
        raise ValueError(f"text must use only the 36 symbols {SYMBOLS!r} (clean it with clean_line); got {wrong!r}.")
    return ids.astype(np.uint8)


def decode(ids) -> str:
    """Character ids back to text."""
    ids = check_array("ids", ids, f"character ids from 0 to {VOCABULARY_SIZE - 1}", integer=True)
    if ids.size and (ids.min() < 0 or ids.max() >= VOCABULARY_SIZE):
        raise ValueError(f"ids must be character ids from 0 to {VOCABULARY_SIZE - 1}; got {ids.min()}..{ids.max()}.")
    return _SYMBOL_BYTES[ids.ravel()].tobytes().decode("ascii")


@dataclass(frozen=True)
class CharCorpus:
    """The training and held-out plays as streams of character ids (uint8), every line ended by a newline."""

    train: np.ndarray
    heldout: np.ndarray


def play_text(lines: list[str]) -> str:
    """A play's lines, cleaned, each ended by a newline."""
    cleaned = (clean_line(line) for line in lines)
    return "".join(line + "\n" for line in cleaned if line)


@functools.cache
def load_char_corpus(heldout_plays: tuple[str, ...] = HELDOUT_PLAYS) -> CharCorpus:
    plays = load_plays()
    missing = set(heldout_plays) - set(plays)
    if missing:
        raise ValueError(f"no play named {sorted(missing)}; the plays are {', '.join(plays)}.")
    text = {play: play_text(lines) for play, lines in plays.items()}
    return CharCorpus(train=encode("".join(t for play, t in text.items() if play not in heldout_plays)),
                      heldout=encode("".join(text[play] for play in heldout_plays)))


@dataclass(frozen=True)
class CharSource(RealData):
    """Real text for the generational loop: passages of `passage_length` characters that start at a line start.

    Fresh draws start at random line starts of the training plays (with replacement: 3.98 million characters hold
    about 99 thousand line starts). The held-out set is the same for every seed and every call: passages that do not
    overlap, spread evenly over the four held-out plays.
    """

    passage_length: int = 32

    def __post_init__(self):
        check_int("passage_length", self.passage_length, 2, 4_096)

    @property
    def values_per_row(self) -> int:
        return self.passage_length

    def draw(self, seeds: int, rows: int, rng: np.random.Generator) -> np.ndarray:
        """(seeds, rows, passage_length) character ids."""
        seeds, rows = check_int("seeds", seeds, 1), check_int("rows", rows, 1)
        check_memory(f"{seeds:,} seeds x {rows:,} passages of {self.passage_length:,} characters",
                     seeds * rows * self.passage_length, "the seeds or the rows")
        train = load_char_corpus().train
        chosen = rng.choice(passage_starts(train, self.passage_length), size=(seeds, rows))
        return passages(train, chosen.ravel(), self.passage_length).reshape(seeds, rows, -1)

    def heldout_starts(self) -> np.ndarray:
        """Every line start of the held-out plays at which a passage begins that overlaps no earlier one."""
        starts, taken, free_from = passage_starts(load_char_corpus().heldout, self.passage_length), [], 0
        for start in starts.tolist():
            if start >= free_from:
                taken.append(start)
                free_from = start + self.passage_length
        return np.array(taken)

    def heldout(self, rows: int, rng: np.random.Generator | None = None) -> np.ndarray:
        """(1, rows, passage_length): `rows` of the non-overlapping held-out passages, evenly spaced. No randomness."""
        starts = self.heldout_starts()
        rows = check_int("heldout_rows", rows, 1, starts.size,
                         why=f"the held-out plays hold {starts.size:,} passages of {self.passage_length} characters")
        chosen = starts[np.linspace(0, starts.size - 1, rows).round().astype(int)]
        return passages(load_char_corpus().heldout, chosen, self.passage_length)[None]


# --- measures of writing ------------------------------------------------------------------------------------------
def words_of(rows: np.ndarray) -> list[str]:
    """The words in passages of character ids (rows, passage_length), split as `collapse.text.tokenize` splits them.

    A passage's last word is left out unless a space, newline or punctuation follows it: the passage may have cut it
    short ("the kin" of "the king"), and a cut word would count as an invented one."""
    rows = np.asarray(rows)
    in_word = np.isin(rows, WORD_IDS)  # (rows, passage_length)
    # the run of word characters that ends a passage, if it ends in one: True from its first character to the end
    trailing = np.cumprod(in_word[:, ::-1], axis=1)[:, ::-1].astype(bool)
    kept = np.where(trailing, SPACE, rows)
    separated = np.concatenate([kept, np.full((len(rows), 1), NEWLINE, dtype=kept.dtype)], axis=1)
    return [token for token in TOKENIZER.tokenize(decode(separated)) if token[-1].isalpha()]


@functools.cache
def training_words() -> frozenset[str]:
    """Every word of the training plays: what counts as a real word."""
    train = load_char_corpus().train
    return frozenset(token for token in TOKENIZER.tokenize(decode(train)) if token[-1].isalpha())


def distinct_character_ngrams(rows: np.ndarray, n: int) -> int:
    """How many different runs of `n` characters occur within the passages (rows, passage_length)."""
    n = check_int("n", n, 1, 10, why="each character is a 6-bit digit of a 64-bit key")
    rows = check_array("rows", rows, "character ids", integer=True).astype(np.int64)
    if rows.shape[-1] < n:
        return 0
    keys = sum(rows[..., i : rows.shape[-1] - n + 1 + i] << (6 * (n - 1 - i)) for i in range(n))
    return int(np.unique(keys).size)


def writing_measures(rows: np.ndarray) -> dict[str, np.ndarray]:
    """Diversity of what each seed wrote, rows (seeds, rows, passage_length) -> measures each (seeds,).

    distinct_words: different words; distinct_real_words: different words that occur in the training plays;
    real_word_share: the share of all words written that occur in the training plays; distinct_4grams: different
    runs of 4 characters. Compare them between samples of the same size: all of them grow with the text's length.
    """
    real = training_words()
    measures = {"distinct_words": [], "distinct_real_words": [], "real_word_share": [], "distinct_4grams": []}
    for seed_rows in np.asarray(rows):
        words = words_of(seed_rows)
        distinct = set(words)
        measures["distinct_words"].append(len(distinct))
        measures["distinct_real_words"].append(len(distinct & real))
        measures["real_word_share"].append(sum(word in real for word in words) / len(words) if words else np.nan)
        measures["distinct_4grams"].append(distinct_character_ngrams(seed_rows, 4))
    return {name: np.array(values, dtype=float) for name, values in measures.items()}
