"""A small variational autoencoder (Kingma and Welling 2014, arXiv:1312.6114), retrained on its own samples.

Shumailov et al. (2023, arXiv:2305.17493) train a VAE on MNIST, sample from it, train a new VAE on the samples, and
repeat: the samples drift towards a few typical digits and the rare styles vanish. This file is that model at the
book's scale: one hidden layer in the encoder and one in the decoder, about twenty thousand weights, trained on 8x8
digits or on points in the plane in under a second.

Two decoders. Digits use a Bernoulli decoder: each pixel's intensity, scaled to [0, 1], is scored by cross-entropy
against the decoder's probability of ink, the usual loss of image VAEs. A Gaussian decoder would fit a variance per
pixel, and the pixels that are blank in every image (the digits' borders) would drive theirs to zero and the
likelihood to infinity. The ring's points are real coordinates with no bounds, so they get a Gaussian decoder with a
learned noise level.

Many seeds train side by side as one batch of independent networks: every weight has a leading seed axis and each
layer is one batched matrix product (`torch.baddbmm`). The loss is the sum of the seeds' losses, so each seed's
gradient involves only its own weights, and Adam, which works element by element, steps each network exactly as if
it were trained alone.

Shapes: data rows are (seeds, rows, features); codes are (seeds, rows, latent_size). Losses are in nats per row.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Callable, Sequence

import numpy as np
import torch
from torch import nn

from collapse._checks import check_choice, check_int, check_positive
from collapse.models.base import Model
from collapse.models.torch_tools import check_placement, torch_device, torch_seed, torch_threads

DECODERS = ("bernoulli", "gaussian")
SCORE_DRAWS = 8  # codes drawn per held-out row when estimating its ELBO (a fixed torch seed: the score is repeatable)
ACTIVE_KL_NATS = 0.01  # a latent dimension is "active" if the encoder moves it: average KL above this many nats


@dataclass(frozen=True)
class VAEConfig:
    latent_size: int = 8  # dimensions of the code z; the prior is N(0, I) in this many dimensions
    hidden_size: int = 128  # units in the encoder's hidden layer and in the decoder's
    epochs: int = 60  # passes over one generation's worth of rows (see VAEModel.epoch_rows)
    batch_size: int = 128  # rows per Adam step; 0 trains on the whole training set at every step
    learning_rate: float = 3e-3  # Adam's step size
    decoder: str = "bernoulli"  # "bernoulli": pixel intensities in [0, 1]; "gaussian": points in the plane
    threads: int = 1  # torch CPU threads; 2 are no faster for networks this small (benchmarks/vae.py)
    device: str = "cpu"  # "cpu", "cuda" (an NVIDIA GPU, if present) or "auto" (the GPU when there is one)

    def __post_init__(self):
        check_int("latent_size", self.latent_size, 1, 64)
        check_int("hidden_size", self.hidden_size, 4, 4_096)
        check_int("epochs", self.epochs, 1, 10_000)
        check_int("batch_size", self.batch_size, 0, 1_000_000, why="0 means the whole training set")
        check_positive("learning_rate", self.learning_rate)
        check_choice("decoder", self.decoder, DECODERS)
        check_placement(self.threads, self.device)

    def torch_device(self) -> torch.device:
        return torch_device(self.device)

    def to_dict(self) -> dict:
        return asdict(self)


class SeedwiseLinear(nn.Module):
    """One independent linear layer per seed: (seeds, rows, inputs) -> (seeds, rows, outputs)."""

    def __init__(self, seeds: int, inputs: int, outputs: int, generator: torch.Generator, device: torch.device):
        super().__init__()
        bound = 1 / math.sqrt(inputs)  # the initialisation of torch.nn.Linear, drawn from our own generator
        uniform = lambda *shape: (torch.rand(*shape, generator=generator, device=device) * 2 - 1) * bound  # noqa: E731
        self.weight = nn.Parameter(uniform(seeds, inputs, outputs))
        self.bias = nn.Parameter(uniform(seeds, 1, outputs))

    def forward(self, rows: torch.Tensor) -> torch.Tensor:
        return torch.baddbmm(self.bias, rows, self.weight)


class StackedVAE(nn.Module):
    """`seeds` VAEs with one hidden layer each way: x -> h -> (mean, log variance) of z;  z -> h -> p(x | z).

    `data_std` (seeds, 1, features): the spread of each seed's training data, which sets where a Gaussian decoder's
    noise starts."""

    def __init__(self, seeds: int, features: int, config: VAEConfig, generator: torch.Generator,
                 device: torch.device, data_std: torch.Tensor):
        super().__init__()
        hidden, latent = config.hidden_size, config.latent_size
        layer = lambda inputs, outputs: SeedwiseLinear(seeds, inputs, outputs, generator, device)  # noqa: E731
        self.encoder = nn.Sequential(layer(features, hidden), nn.ReLU(), layer(hidden, 2 * latent))
        self.decoder = nn.Sequential(layer(latent, hidden), nn.ReLU(), layer(hidden, features))
        self.bernoulli = config.decoder == "bernoulli"
        if not self.bernoulli:
            # Gaussian decoder: one learned standard deviation per feature, the same for every code (log scale).
            # It starts at a tenth of the data's spread (`data_std`, (seeds, 1, features)). Started at 1, or at the
            # data's spread, the decoder explains every point as noise around the centre, and that is a local optimum
            # it never leaves: the code is ignored (posterior collapse from the first step, not from recursion).
            self.log_scale = nn.Parameter((0.1 * data_std).log().to(device))

    def encode(self, rows: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mean, log_variance = self.encoder(rows).chunk(2, dim=-1)
        return mean, log_variance

    def decode(self, codes: torch.Tensor) -> torch.Tensor:
        """The decoder's output: Bernoulli logits of each pixel, or the Gaussian mean of each coordinate."""
        return self.decoder(codes)

    def mean_image(self, codes: torch.Tensor) -> torch.Tensor:
        """E[x | z]: pixel intensities in [0, 1], or the point in the plane."""
        out = self.decode(codes)
        return torch.sigmoid(out) if self.bernoulli else out

    def reconstruction_nll(self, rows: torch.Tensor, decoded: torch.Tensor) -> torch.Tensor:
        """-log p(x | z) per row, summed over features: (seeds, rows)."""
        if self.bernoulli:
            # cross-entropy with intensities in [0, 1] as targets: the usual loss of image VAEs on grey pixels
            return nn.functional.binary_cross_entropy_with_logits(decoded, rows, reduction="none").sum(-1)
        scale = self.log_scale.exp()
        return (0.5 * ((rows - decoded) / scale) ** 2 + self.log_scale + 0.5 * math.log(2 * math.pi)).sum(-1)

    def negative_elbo(self, rows: torch.Tensor, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        """Per row, -ELBO = E_q[-log p(x | z)] + KL(q(z | x) || N(0, I)) with one reparameterised code, and the KL
        of each latent dimension: shapes (seeds, rows) and (seeds, rows, latent_size)."""
        mean, log_variance = self.encode(rows)
        noise = torch.randn(mean.shape, generator=generator, device=mean.device)
        codes = mean + (0.5 * log_variance).exp() * noise
        kl = 0.5 * (mean**2 + log_variance.exp() - 1 - log_variance)
        return self.reconstruction_nll(rows, self.decode(codes)) + kl.sum(-1), kl


@dataclass
class VAEParams:
    """The fitted networks of every seed, with what their training recorded."""

    network: StackedVAE
    config: VAEConfig
    device: torch.device
    loss_curve: np.ndarray  # (epochs, seeds): mean -ELBO of the training batches of each epoch, nats per row
    train_loss: np.ndarray  # (seeds,): -ELBO of the whole training set after training
    kl: np.ndarray  # (seeds,): its KL term
    active_latents: np.ndarray  # (seeds,): latent dimensions whose average KL exceeds ACTIVE_KL_NATS

    @property
    def seeds(self) -> int:
        return self.loss_curve.shape[1]


@dataclass(frozen=True)
class VAEModel(Model):
    """A VAE per seed, trained from scratch each generation; it writes by decoding codes drawn from the prior.

    `epoch_rows`: how many rows make an epoch. Each generation takes epochs x ceil(epoch_rows / batch_size) Adam
    steps, however large its training set: pass `samples_per_generation` so that accumulate, whose pool grows by a
    generation every generation, costs the same per generation as replace and the regimes compare at equal compute.
    None: an epoch is one pass over the training set.

    `output_measures(samples)`, if given, names per-seed measurements of what the models wrote, each (seeds,): the
    loop records them every generation (`collapse.images` has the digit classifier and the ring's modes).
    """

    config: VAEConfig = VAEConfig()
    epoch_rows: int | None = None
    output_measures: Callable[[np.ndarray], dict[str, np.ndarray]] | None = field(default=None, compare=False)
    name: str = field(default="VAE", init=False)
    min_rows: int = field(default=2, init=False)
    describes_output = True  # the samples' digit classes or ring modes, every generation

    def __post_init__(self):
        if self.epoch_rows is not None:
            check_int("epoch_rows", self.epoch_rows, 1)

    # A network has no sufficient statistics: a block is summarised by its rows.
    def summarise(self, rows: np.ndarray) -> np.ndarray:
        return np.asarray(rows, dtype=np.float32)

    def fit(self, summaries: Sequence[np.ndarray], rng: np.random.Generator | None = None) -> VAEParams:
        """Train one VAE per seed on all the blocks' rows, from a fresh random initialisation.

        From scratch, not warm-started from the previous generation: each generation then knows only what its
        training data hold, as in Shumailov et al.'s VAE experiment, and the regimes differ only in the data they
        pick. A warm start would carry the earlier models' weights forward as a hidden memory of the real data
        (slowing collapse under replace for reasons that have nothing to do with the data) and would make every
        generation's cost and result depend on how long the chain has run.
        """
        config = self.config
        rows = np.concatenate(list(summaries), axis=1)  # (seeds, training rows, features)
        seeds, total, features = rows.shape
        device = config.torch_device()
        generator = torch.Generator(device=device).manual_seed(torch_seed(rng))
        batch = total if config.batch_size == 0 else min(config.batch_size, total)
        epoch_rows = total if self.epoch_rows is None else self.epoch_rows
        steps_per_epoch = max(1, math.ceil(epoch_rows / batch))
        with torch_threads(config.threads):
            data = torch.from_numpy(rows).to(device)
            network = StackedVAE(seeds, features, config, generator, device,
                                 torch.from_numpy(rows.std(axis=1, keepdims=True)).clamp_min(1e-3))
            # fused: one kernel for all the weights' updates (about 15% faster per step for networks this small)
            optimiser = torch.optim.Adam(network.parameters(), lr=config.learning_rate, fused=True)
            which_seed = torch.arange(seeds, device=device)[:, None]
            loss_curve = np.empty((config.epochs, seeds))
            order, position = None, total  # a fresh shuffle of the training rows, per seed, whenever one runs out
            for epoch in range(config.epochs):
                epoch_loss = torch.zeros(seeds, device=device)
                for _ in range(steps_per_epoch):
                    if position + batch > total:
                        order = torch.rand(seeds, total, generator=generator, device=device).argsort(dim=1)
                        position = 0
                    picked = data[which_seed, order[:, position : position + batch]]  # (seeds, batch, features)
                    position += batch
                    per_row, _ = network.negative_elbo(picked, generator)
                    per_seed = per_row.mean(dim=1)
                    optimiser.zero_grad(set_to_none=True)
                    per_seed.sum().backward()  # seeds share no weights: each gradient is its own seed's
                    optimiser.step()
                    epoch_loss += per_seed.detach()
                loss_curve[epoch] = (epoch_loss / steps_per_epoch).cpu().numpy()
            with torch.no_grad():
                per_row, kl = network.negative_elbo(data, generator)
            kl_per_dimension = kl.mean(dim=1)  # (seeds, latent_size)
        return VAEParams(network, config, device, loss_curve, per_row.mean(dim=1).cpu().numpy().astype(float),
                         kl_per_dimension.sum(-1).cpu().numpy().astype(float),
                         (kl_per_dimension > ACTIVE_KL_NATS).sum(-1).cpu().numpy().astype(float))

    def sample(self, params: VAEParams, rows: int, rng: np.random.Generator) -> np.ndarray:
        """Decode codes drawn from the prior N(0, I): (seeds, rows, features).

        Bernoulli decoder: the image is the decoder's mean, pixel intensities in [0, 1] (the picture every VAE paper
        shows; drawing 0/1 pixels from it would turn grey digits into speckle). Gaussian decoder: the mean plus the
        decoder's own noise, so a point in the plane is a draw from the model's full density."""
        codes = rng.standard_normal((params.seeds, rows, params.config.latent_size), dtype=np.float32)
        with torch_threads(params.config.threads), torch.no_grad():
            mean = params.network.mean_image(torch.from_numpy(codes).to(params.device)).cpu().numpy()
            if params.network.bernoulli:
                return mean
            scale = params.network.log_scale.exp().cpu().numpy()
        return mean + scale * rng.standard_normal(mean.shape, dtype=np.float32)

    def encode_means(self, params: VAEParams, rows: np.ndarray) -> np.ndarray:
        """The encoder's mean code of each row, per seed: rows (seeds or 1, n, features) -> (seeds, n, latent)."""
        rows = np.asarray(rows, dtype=np.float32)
        if rows.shape[0] != params.seeds:
            rows = np.repeat(rows, params.seeds, axis=0)  # one set of rows, encoded by every seed's network
        with torch_threads(params.config.threads), torch.no_grad():
            mean, _ = params.network.encode(torch.from_numpy(rows).to(params.device))
        return mean.cpu().numpy()

    def score(self, params: VAEParams, heldout: np.ndarray) -> np.ndarray:
        """Held-out negative ELBO per seed, nats per row (an upper bound on -log p(x) for the Gaussian decoder;
        for grey pixels under the Bernoulli decoder, the cross-entropy form of it that image VAEs report)."""
        rows = np.repeat(np.asarray(heldout, dtype=np.float32), params.seeds, axis=0)
        generator = torch.Generator(device=params.device).manual_seed(0)
        with torch_threads(params.config.threads), torch.no_grad():
            data = torch.from_numpy(rows).to(params.device)
            total = sum(params.network.negative_elbo(data, generator)[0].mean(dim=1) for _ in range(SCORE_DRAWS))
        return (total / SCORE_DRAWS).cpu().numpy().astype(float)

    def describe(self, params: VAEParams) -> dict[str, np.ndarray]:
        """How well each seed fitted its own training data, and how many latent dimensions it uses."""
        return {"train_loss": params.train_loss, "kl": params.kl, "active_latents": params.active_latents}

    def describe_output(self, params: VAEParams, output: np.ndarray) -> dict[str, np.ndarray]:
        return self.output_measures(output) if self.output_measures else {}
