"""A tiny GPT (Radford et al. 2019; laid out as Karpathy's nanoGPT), retrained from scratch on its own writing.

The language models of the collapse papers are GPT-2 and OPT with 9 to 125 million weights (Gerstgrasser et al.
2024, arXiv:2404.01413; Shumailov et al. 2023, arXiv:2305.17493). This is the same kind of network at laptop scale:
characters in, two blocks of causal self-attention, about a hundred thousand weights, a few hundred Adam steps a
generation on one CPU thread. It is far from converged, so what collapses here is the compounded approximation
error of underfit models, not the well-trained regime of the papers.

Rows are passages of `context` character ids. The network reads a newline and then the passage's characters and
predicts each next one, so every character of a passage is predicted (the first from the newline: passages start
at a line start). It writes the same way, starting from a newline, with a key-value cache so that each new
character costs one position's work instead of the whole passage's.

Shapes: B rows (passages), T positions (T <= context), C = d_model channels, H heads of C / H channels each,
V = vocabulary symbols. Losses are in nats per character.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Callable, Sequence

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from collapse._checks import check_array, check_instance, check_int, check_positive, check_real
from collapse.models.base import Model
from collapse.models.torch_tools import check_placement, torch_device, torch_seed, torch_threads

START = 0  # the id every passage is read and written after: the newline (collapse.chars.NEWLINE)
ROWS_PER_BATCH = 4_096  # passages written at once (the order of the uniform draws depends on it: keep it fixed)
# passages scored at once: 4,096 held the activations of a whole held-out set at once and took the live panel's
# kernel to 1.2 GB; at 1,024 it stays near 0.75 GB, and only the order of a float sum changes (last bits)
SCORE_ROWS_PER_BATCH = 1_024
LOSS_TAIL_STEPS = 50  # the training loss a fit reports: the mean over its last this many steps' batches


@dataclass(frozen=True)
class GPTConfig:
    vocabulary_size: int = 36  # symbols, ids 0..V-1 (collapse.chars: a-z, space, newline, 8 punctuation marks)
    context: int = 32  # characters per passage (and positions the network has embeddings for)
    d_model: int = 64  # channels of every position's vector
    heads: int = 4  # attention heads per block, d_model / heads channels each
    blocks: int = 2  # transformer blocks
    dropout: float = 0.0  # no dropout: a few epochs over fresh text do not overfit (and it keeps fits repeatable)
    learning_rate: float = 1e-2  # AdamW's peak step size (1e-2 beat 3e-3 and 4e-2 in our sizing runs)
    warmup_steps: int = 50  # the step size rises linearly to its peak over these steps, then falls to a tenth
    batch_size: int = 32  # passages per Adam step
    epochs: float = 3.0  # passes over an epoch's rows (see GPTModel.epoch_rows): 586 steps for 200k characters
    temperature: float = 1.0  # sampling: logits are divided by it; 1 writes from the model's own distribution
    threads: int = 1  # torch CPU threads; 2 slow torch 10-30x whenever anything else wants a core
    device: str = "cpu"  # "cpu", "cuda" (an NVIDIA GPU, if present) or "auto" (the GPU when there is one)

    def __post_init__(self):
        check_int("vocabulary_size", self.vocabulary_size, 2, 256, why="ids are stored as uint8")
        check_int("context", self.context, 2, 1_024)
        check_int("heads", self.heads, 1, 64)
        check_int("d_model", self.d_model, self.heads, 4_096, why=f"at least one channel per head ({self.heads})")
        if self.d_model % self.heads:
            raise ValueError(f"d_model must be a multiple of heads ({self.heads}), so each head gets "
                             f"d_model / heads channels; got {self.d_model}.")
        check_int("blocks", self.blocks, 1, 64)
        check_real("dropout", self.dropout, 0.0, 0.0, why="dropout is not used: it must be 0")
        check_positive("learning_rate", self.learning_rate)
        check_int("warmup_steps", self.warmup_steps, 0, 1_000_000)
        check_int("batch_size", self.batch_size, 1, 1_000_000)
        check_real("epochs", self.epochs, 0.0, 10_000.0, low_inclusive=False)
        check_positive("temperature", self.temperature)
        check_placement(self.threads, self.device)

    def torch_device(self) -> torch.device:
        return torch_device(self.device)

    def to_dict(self) -> dict:
        return asdict(self)


KeyValues = tuple[torch.Tensor, torch.Tensor]  # one block's cached keys and values, each (B, H, T so far, C / H)


class CausalSelfAttention(nn.Module):
    def __init__(self, config: GPTConfig):
        super().__init__()
        self.heads = config.heads
        self.qkv = nn.Linear(config.d_model, 3 * config.d_model)  # queries, keys and values of every head at once
        self.projection = nn.Linear(config.d_model, config.d_model)

    def forward(self, x: torch.Tensor, past: KeyValues | None) -> tuple[torch.Tensor, KeyValues]:
        B, T, C = x.shape
        q, k, v = self.qkv(x).split(C, dim=2)  # each (B, T, C)
        q, k, v = (t.view(B, T, self.heads, C // self.heads).transpose(1, 2) for t in (q, k, v))  # (B, H, T, C/H)
        if past is not None:  # writing: the new position attends to every earlier one, all in the cache
            k, v = torch.cat([past[0], k], dim=2), torch.cat([past[1], v], dim=2)
        # with no cache, T positions at once: position t must see only positions <= t (the causal mask)
        y = F.scaled_dot_product_attention(q, k, v, is_causal=past is None)  # (B, H, T, C/H)
        return self.projection(y.transpose(1, 2).reshape(B, T, C)), (k, v)


class Block(nn.Module):
    """Pre-LayerNorm: x + attention(norm(x)), then x + MLP(norm(x)), the MLP 4 times as wide as the model."""

    def __init__(self, config: GPTConfig):
        super().__init__()
        self.attention_norm = nn.LayerNorm(config.d_model)
        self.attention = CausalSelfAttention(config)
        self.mlp_norm = nn.LayerNorm(config.d_model)
        self.mlp = nn.Sequential(nn.Linear(config.d_model, 4 * config.d_model), nn.GELU(),
                                 nn.Linear(4 * config.d_model, config.d_model))

    def forward(self, x: torch.Tensor, past: KeyValues | None) -> tuple[torch.Tensor, KeyValues]:
        attended, present = self.attention(self.attention_norm(x), past)
        x = x + attended
        return x + self.mlp(self.mlp_norm(x)), present


class GPT(nn.Module):
    """Token and position embeddings, `blocks` blocks, a final LayerNorm, and the token embedding as output head."""

    def __init__(self, config: GPTConfig, generator: torch.Generator):
        super().__init__()
        self.config = config
        self.token_embedding = nn.Embedding(config.vocabulary_size, config.d_model)
        self.position_embedding = nn.Embedding(config.context, config.d_model)
        self.blocks = nn.ModuleList(Block(config) for _ in range(config.blocks))
        self.final_norm = nn.LayerNorm(config.d_model)
        # GPT-2's initialisation, from our own generator: every weight normal with std 0.02, biases zero, and the two
        # projections that add into the residual stream scaled down by 1/sqrt(2 * blocks), so the stream's variance
        # does not grow with depth. LayerNorms start as the identity (torch's default).
        for name, parameter in self.named_parameters():
            if name.endswith("bias"):
                nn.init.zeros_(parameter)
            elif "norm" not in name:
                residual = name.endswith("projection.weight") or name.endswith("mlp.2.weight")
                std = 0.02 / math.sqrt(2 * config.blocks) if residual else 0.02
                nn.init.normal_(parameter, 0.0, std, generator=generator)

    def forward(self, ids: torch.Tensor, past: list[KeyValues] | None = None,
                ) -> tuple[torch.Tensor, list[KeyValues]]:
        """ids (B, T) -> next-character logits (B, T, V), and every block's keys and values for a cache.

        `past`: the cache of the positions before these (writing one position at a time); None for a whole passage.
        """
        start = 0 if past is None else past[0][0].shape[2]
        positions = torch.arange(start, start + ids.shape[1], device=ids.device)  # (T,)
        x = self.token_embedding(ids) + self.position_embedding(positions)  # (B, T, C)
        present = []
        for index, block in enumerate(self.blocks):
            x, keys_values = block(x, None if past is None else past[index])
            present.append(keys_values)
        # tied head: the output layer is the token embedding, read backwards (Press and Wolf 2017, arXiv:1608.05859)
        return self.final_norm(x) @ self.token_embedding.weight.T, present


def inputs_of(rows: torch.Tensor) -> torch.Tensor:
    """What the network reads to predict `rows` (B, T): the start symbol, then every character but the last."""
    return torch.cat([torch.full_like(rows[:, :1], START), rows[:, :-1]], dim=1)


def passage_loss(network: GPT, rows: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of every character of rows (B, T) given the ones before it: (B, T), nats."""
    logits, _ = network(inputs_of(rows))
    return F.cross_entropy(logits.transpose(1, 2), rows, reduction="none")


@torch.no_grad()
def mean_loss(network: GPT, rows: torch.Tensor) -> float:
    """Mean nats per character of rows (N, T), scored SCORE_ROWS_PER_BATCH passages at a time."""
    total = sum(passage_loss(network, chunk).sum().item() for chunk in rows.split(SCORE_ROWS_PER_BATCH))
    return total / rows.numel()


@torch.no_grad()
def write(network: GPT, rows: int, temperature: float, rng: np.random.Generator, device: torch.device) -> np.ndarray:
    """`rows` passages of `context` characters, each started from the start symbol: (rows, context) uint8.

    Each next character is drawn by inverting the cumulative distribution at a uniform number from `rng`, so the
    draw is numpy's and the same on any machine that computes the same probabilities."""
    context = network.config.context
    written = np.empty((rows, context), dtype=np.uint8)
    for first in range(0, rows, ROWS_PER_BATCH):
        count = min(ROWS_PER_BATCH, rows - first)
        ids = torch.full((count, 1), START, dtype=torch.long, device=device)  # (B, 1): the character just written
        cache = None
        for position in range(context):
            logits, cache = network(ids, cache)  # (B, 1, V)
            probabilities = F.softmax(logits[:, -1].double() / temperature, dim=-1).cpu().numpy()  # (B, V)
            cumulative = probabilities.cumsum(axis=1)
            drawn = (cumulative[:, :-1] < rng.random((count, 1)) * cumulative[:, -1:]).sum(axis=1)  # (B,)
            written[first : first + count, position] = drawn
            ids = torch.from_numpy(drawn).to(device)[:, None]
    return written


def step_size_factor(step: int, steps: int, warmup_steps: int) -> float:
    """The step size of step `step` (from 0) of `steps`, as a share of the peak: a linear warm-up, then half a cosine
    down to a tenth. Without the warm-up the network sat on the plateau of unigram frequencies (about 3.5 bits per
    character) for most of a 600-step fit, and ended at 3.3-3.5 bits instead of 2.8."""
    if step < warmup_steps:
        return (step + 1) / warmup_steps
    progress = (step - warmup_steps) / max(1, steps - warmup_steps)
    return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress))


@dataclass
class GPTParams:
    """The fitted network of every seed, with what its training recorded."""

    networks: list[GPT]
    config: GPTConfig
    device: torch.device
    train_loss: np.ndarray  # (seeds,): mean nats per character of the last LOSS_TAIL_STEPS training batches
    steps: np.ndarray  # (seeds,): Adam steps each fit took

    @property
    def seeds(self) -> int:
        return len(self.networks)


@dataclass(frozen=True)
class GPTModel(Model):
    """A GPT per seed, trained from scratch each generation on passages of `config.context` characters.

    `epoch_rows`: how many rows make an epoch. A fit takes ceil(epochs x epoch_rows / batch_size) Adam steps.
    None (the default): an epoch is one pass over the training set, so the steps grow with it, as in Gerstgrasser et
    al. (2024, arXiv:2404.01413), who trained every model for a fixed number of epochs; accumulate's pool grows by a
    generation every generation, and so does its compute. Pass `samples_per_generation` for equal steps: every
    generation takes the same steps however much it trains on, and accumulate sees each row less often.

    `output_measures(rows)`, if given, names per-seed measurements of what the models wrote, each (seeds,)
    (`collapse.chars.writing_measures`); the model adds its own loss on its writing, `self_loss`.

    `on_step(done, steps)`, if given, is called after every Adam step of a fit with the steps done so far and the
    fit's total, over all its seeds (a live panel's progress bar). It changes nothing the fit computes.
    """

    config: GPTConfig = GPTConfig()
    epoch_rows: int | None = None
    output_measures: Callable[[np.ndarray], dict[str, np.ndarray]] | None = field(default=None, compare=False)
    on_step: Callable[[int, int], None] | None = field(default=None, compare=False)
    name: str = field(default="GPT", init=False)
    min_rows: int = field(default=1, init=False)
    describes_output = True  # its loss on its own writing, and the writing's diversity, every generation

    def __post_init__(self):
        check_instance("config", self.config, GPTConfig, "a GPTConfig, such as GPTConfig(d_model=64)")
        if self.epoch_rows is not None:
            check_int("epoch_rows", self.epoch_rows, 1, why="the rows that make an epoch; None: the training set")

    def passages(self, name: str, rows) -> np.ndarray:
        """`rows` checked: character ids shaped (seeds, rows, context)."""
        config = self.config
        rows = check_array(name, rows, f"character ids from 0 to {config.vocabulary_size - 1}", integer=True)
        if rows.ndim != 3 or rows.shape[2] != config.context or rows.shape[1] < 1:
            raise ValueError(f"{name} must be shaped (seeds, rows, context={config.context}); got {rows.shape}.")
        if rows.min() < 0 or rows.max() >= config.vocabulary_size:
            raise ValueError(f"{name} must be character ids from 0 to {config.vocabulary_size - 1}; got "
                             f"{rows.min()}..{rows.max()}.")
        return rows

    # A network has no sufficient statistics: a block is summarised by its rows.
    def summarise(self, rows: np.ndarray) -> np.ndarray:
        return self.passages("rows", rows).astype(np.uint8)

    def steps_for(self, training_rows: int) -> int:
        epoch_rows = training_rows if self.epoch_rows is None else self.epoch_rows
        return math.ceil(self.config.epochs * epoch_rows / self.config.batch_size)

    def fit(self, summaries: Sequence[np.ndarray], rng: np.random.Generator | None = None) -> GPTParams:
        """Train one GPT per seed on all the blocks' passages, from a fresh random initialisation.

        From scratch, as Gerstgrasser et al. and Shumailov et al. retrain each generation: a warm start would carry
        earlier generations' weights forward as a hidden memory of the real text. Minibatches are drawn without
        replacement, a fresh shuffle each time the training set runs out. Seeds train one after the other."""
        config = self.config
        rows = np.concatenate(list(summaries), axis=1)  # (seeds, training rows, context)
        seeds, total, _ = rows.shape
        device = config.torch_device()
        batch = min(config.batch_size, total)
        steps = self.steps_for(total)
        networks, train_loss = [], np.empty(seeds)
        with torch_threads(config.threads):
            for seed in range(seeds):
                generator = torch.Generator().manual_seed(torch_seed(rng))  # initial weights and shuffles, on the CPU
                network = GPT(config, generator).to(device)
                # beta2 0.99 and the schedule as in nanoGPT's character-level Shakespeare model
                optimiser = torch.optim.AdamW(network.parameters(), lr=config.learning_rate, betas=(0.9, 0.99))
                schedule = torch.optim.lr_scheduler.LambdaLR(optimiser, lambda step: step_size_factor(
                    step, steps, config.warmup_steps))
                data = torch.from_numpy(rows[seed].astype(np.int64)).to(device)  # (total, T)
                order, position, tail = None, total, []
                for step in range(steps):
                    if position + batch > total:
                        order = torch.randperm(total, generator=generator).to(device)
                        position = 0
                    loss = passage_loss(network, data[order[position : position + batch]]).mean()
                    position += batch
                    optimiser.zero_grad(set_to_none=True)
                    loss.backward()
                    optimiser.step()
                    schedule.step()
                    if step >= steps - LOSS_TAIL_STEPS:
                        tail.append(loss.detach())
                    if self.on_step:
                        self.on_step(seed * steps + step + 1, seeds * steps)
                networks.append(network.eval())
                train_loss[seed] = torch.stack(tail).mean().item()
        return GPTParams(networks, config, device, train_loss, np.full(seeds, float(steps)))

    def sample(self, params: GPTParams, rows: int, rng: np.random.Generator) -> np.ndarray:
        """`rows` passages per seed, each written from a newline at `config.temperature`: (seeds, rows, context)."""
        rows = check_int("rows", rows, 1)
        with torch_threads(params.config.threads):
            return np.stack([write(network, rows, params.config.temperature, rng, params.device)
                             for network in params.networks])

    def losses(self, params: GPTParams, rows: np.ndarray) -> np.ndarray:
        """Mean nats per character of passages (seeds or 1, n, context) under each seed's network: (seeds,)."""
        rows = self.passages("rows", rows)
        shared = len(rows) == 1  # one set of passages (the held-out ones) for every seed, or each seed its own
        with torch_threads(params.config.threads):
            return np.array([mean_loss(network, torch.from_numpy(rows[0 if shared else seed].astype(np.int64))
                                       .to(params.device)) for seed, network in enumerate(params.networks)])

    def score(self, params: GPTParams, heldout: np.ndarray) -> np.ndarray:
        """Held-out cross-entropy per seed, in nats per character (divide by ln 2 for bits per character)."""
        return self.losses(params, heldout)

    def describe(self, params: GPTParams) -> dict[str, np.ndarray]:
        """How well each seed fitted its training text (nats per character), and how many steps it took."""
        return {"train_loss": params.train_loss, "steps": params.steps}

    def describe_output(self, params: GPTParams, output: np.ndarray) -> dict[str, np.ndarray]:
        """Each seed's cross-entropy on its own writing (nats per character; it falls as a model grows sure of
        itself), and the `output_measures` of the writing."""
        measures = {"self_loss": self.losses(params, output)}
        return {**measures, **(self.output_measures(output) if self.output_measures else {})}
