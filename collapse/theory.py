"""Closed forms the simulations are checked against (see SCIENCE.md in the project's shared notes).

Convention: generation 1 is fitted to the real sample; s_t^2 and mu_t are generation t's fitted variance and mean;
the real distribution is N(mu_0, s_0^2) and every generation has n rows.
"""

from __future__ import annotations

import numpy as np
from scipy.special import digamma, ndtr, polygamma

from collapse._checks import (check_choice, check_fraction, check_generations_array, check_int, check_positive,
                              check_probabilities)
from collapse.models.gaussian import ESTIMATORS
from collapse.regimes import REGIME_NAMES, fresh_row_counts

# The accumulate forms and the moment recursions build one term per generation: at most 8 MB of them.
MAX_CLOSED_FORM_GENERATIONS = 1_000_000
# word_survival iterates once per resampling; by 100,000 a line's extinction chance is within 2e-5 of 1.
MAX_RESAMPLINGS = 100_000
GAUSSIAN_ROWS = "the Gaussian model fits a spread from at least 2 rows"


def _divisor(n: int, estimator: str) -> int:
    check_choice("estimator", estimator, ESTIMATORS)
    n = check_int("n", n, 2, why=GAUSSIAN_ROWS)
    return n if estimator == "mle" else n - 1


def log_variance_step(n: int, estimator: str = "mle") -> float:
    """E[ln(s_{t+1}^2 / s_t^2)] under replace: one refit multiplies the variance by chi2_{n-1} / divisor.

    E[ln chi2_k] = digamma(k/2) + ln 2, so the step is digamma((n-1)/2) + ln(2 / divisor); -0.2206 at n = 10 (MLE).
    """
    n = check_int("n", n, 2)
    return float(digamma((n - 1) / 2) + np.log(2 / _divisor(n, estimator)))


def log_variance_step_variance(n: int) -> float:
    """Var[ln(s_{t+1}^2 / s_t^2)] = Var[ln chi2_{n-1}] = trigamma((n-1)/2); the same for either estimator."""
    n = check_int("n", n, 2)
    return float(polygamma(1, (n - 1) / 2))


def expected_log_variance_replace(t, n: int, estimator: str = "mle", s0: float = 1.0):
    """E[ln s_t^2] under replace: a random walk in log space with drift `log_variance_step` per generation."""
    check_generations_array("t", t, 0)
    check_positive("s0", s0, why="the real standard deviation")
    return np.log(s0**2) + np.asarray(t) * log_variance_step(n, estimator)


def expected_variance_replace(t, n: int, estimator: str = "mle", s0: float = 1.0):
    """E[s_t^2] under replace: s0^2 ((n-1)/n)^t for MLE; exactly s0^2 for the unbiased estimator (a martingale)."""
    check_generations_array("t", t, 0)
    check_positive("s0", s0, why="the real standard deviation")
    divisor = _divisor(n, estimator)  # checks n first
    shrink = (n - 1) / divisor
    return s0**2 * shrink ** np.asarray(t, dtype=float)


def expected_mean_drift_replace(t, n: int, estimator: str = "mle", s0: float = 1.0):
    """E[(mu_t - mu_0)^2] under replace: s0^2 (1 - ((n-1)/n)^t) for MLE (bounded); t s0^2 / n for unbiased (unbounded).

    Each refit moves the mean by a N(0, s_{t-1}^2 / n) step, so the drift adds up the expected variances so far.
    """
    t = np.asarray(check_generations_array("t", t, 0), dtype=float)
    n = check_int("n", n, 2, why=GAUSSIAN_ROWS)
    check_positive("s0", s0, why="the real standard deviation")
    if check_choice("estimator", estimator, ESTIMATORS) == "mle":
        return s0**2 * (1 - ((n - 1) / n) ** t)
    return t * s0**2 / n


def expected_variance_accumulate(t, n: int, s0: float = 1.0):
    """E[s_t^2] under accumulate with the MLE: s0^2 prod_{k<=t} (1 - 1/(n k^2)).

    The product converges, to s0^2 sin(pi/sqrt(n)) / (pi/sqrt(n)) (0.843 at n = 10): the variance stops shrinking.
    """
    n = check_int("n", n, 2)
    t = check_generations_array("t", t, 0, MAX_CLOSED_FORM_GENERATIONS)
    check_positive("s0", s0, why="the real standard deviation")
    factors = 1 - 1 / (n * np.arange(1, int(t.max()) + 1) ** 2)
    cumulative = np.concatenate([[1.0], np.cumprod(factors)])
    return s0**2 * cumulative[t.astype(np.intp)]


def variance_limit_accumulate(n: int, s0: float = 1.0) -> float:
    """lim_{t -> inf} E[s_t^2] under accumulate (MLE): the infinite product in closed form."""
    x = np.pi / np.sqrt(check_int("n", n, 2))
    check_positive("s0", s0, why="the real standard deviation")
    return float(s0**2 * np.sin(x) / x)


def mean_drift_bound_accumulate(n: int, s0: float = 1.0) -> float:
    """Upper bound on E[(mu_t - mu_0)^2] under accumulate, for every t: pi^2 s0^2 / (6 n)."""
    check_positive("s0", s0, why="the real standard deviation")
    return float(np.pi**2 * s0**2 / (6 * check_int("n", n, 1)))


def closed_form_spread(regime: str, estimator: str, n: int, t) -> dict[str, np.ndarray]:
    """The closed forms known for the fitted standard deviation at generations `t`, as standard deviations.

    "root mean square" is sqrt(E[s_t^2]); "typical run" is exp(E[ln s_t]), the centre of the log-scale fan. Only the
    combinations derived above are returned: replace (either estimator) and accumulate (MLE); otherwise an empty dict.
    """
    check_choice("regime", regime, REGIME_NAMES)
    check_choice("estimator", estimator, ESTIMATORS)
    t = check_generations_array("t", t, 0)
    if regime == "replace":
        return {"root mean square": np.sqrt(expected_variance_replace(t, n, estimator)),
                "typical run": np.exp(0.5 * expected_log_variance_replace(t, n, estimator))}
    if regime == "accumulate" and estimator == "mle":
        return {"root mean square": np.sqrt(expected_variance_accumulate(t, n))}
    return {}


def word_survival(count: int, resamplings: int) -> float:
    """Probability that a word seen `count` times survives `resamplings` generations of resampling at a fixed size.

    Resampling N tokens from counts c / N gives the word Binomial(N, c / N), about Poisson(c), copies: each copy
    leaves Poisson(1) copies, a branching process. Its line dies out within k generations with probability e_k,
    where e_0 = 0 and e_k = exp(e_{k-1} - 1); the word survives unless all `count` lines die: 1 - e_k^count.

    e_k creeps up to 1 like 1 - 2 / (k + ln(k) / 3): one step per resampling, so `resamplings` is capped at
    MAX_RESAMPLINGS (100,000, where 1 - e_k = 2.0e-5). Beyond it, survival is about 1 - (1 - 2 / k)^count.
    """
    count = check_int("count", count, 0)
    extinct = 0.0
    for _ in range(check_int("resamplings", resamplings, 0, MAX_RESAMPLINGS,
                             why="beyond that the survival is about 1 - (1 - 2 / resamplings)^count")):
        extinct = float(np.exp(extinct - 1))
    return 1 - extinct**count


# --- linear regression with a fixed Gaussian design (Gerstgrasser et al. 2024) -------------------------------------
def regression_first_error(dimension: int, rows: int, noise: float = 1.0) -> float:
    """E||w_hat - w*||^2 of one least-squares fit: sigma^2 E[tr (X'X)^-1] = sigma^2 d / (T - d - 1) for Gaussian X."""
    dimension = check_int("dimension", dimension, 1)
    rows = check_int("rows", rows, dimension + 2, why="the expectation is finite only for T >= d + 2")
    check_positive("noise", noise, why="the standard deviation of the label noise")
    return noise**2 * dimension / (rows - dimension - 1)


def regression_error_replace(t, dimension: int, rows: int, noise: float = 1.0):
    """Under replace each generation adds an independent error of the same size: linear growth, t times the first."""
    t = check_generations_array("t", t, 0)
    return np.asarray(t, dtype=float) * regression_first_error(dimension, rows, noise)


def regression_error_accumulate(t, dimension: int, rows: int, noise: float = 1.0):
    """Under accumulate generation i's noise is averaged over i blocks: the errors add as sum 1/i^2 < pi^2 / 6."""
    t = check_generations_array("t", t, 0, MAX_CLOSED_FORM_GENERATIONS)
    first_error = regression_first_error(dimension, rows, noise)
    partial_sums = np.concatenate([[0.0], np.cumsum(1 / np.arange(1, int(t.max()) + 1) ** 2)])
    return partial_sums[t.astype(np.intp)] * first_error


# --- a validation gate on a Gaussian with known spread (chapter "Throw the worse models away?") --------------------
def _gate_correlations(n: int, validation_rows: int) -> tuple[float, float, float]:
    """Correlations of e, A = e + 2(m - v) and B = e + 2m, in units where Var e = 1 (see gate_deploy_probability)."""
    n = check_int("n", n, 1)
    ratio = n / check_int("validation_rows", validation_rows, 1)
    spread_a = np.sqrt(5 + 4 * ratio)
    return 1 / spread_a, 1 / np.sqrt(5), 5 / (np.sqrt(5) * spread_a)  # (e, A), (e, B), (A, B)


def gate_deploy_probability(n: int, validation_rows: int) -> float:
    """P(the generation-2 candidate is deployed), for the known-spread Gaussian under replace with a validation gate.

    Real data N(0, s^2), spread known; generation 1 fits the mean m of n real rows, m ~ N(0, s^2/n); the validation
    set of v rows has mean vbar ~ N(0, s^2/v). The candidate is the mean of n draws from N(m, s^2): c = m + e with
    e ~ N(0, s^2/n). Its validation loss is lower iff |c - vbar| < |m - vbar|, that is iff e and A = e + 2(m - vbar)
    have opposite signs. For two zero-mean jointly normal variables, P(opposite signs) = arccos(rho) / pi (Sheppard
    1899). In units of s^2/n: Var e = 1, Var A = 5 + 4 n/v, Cov(e, A) = 1, so

        P(deploy) = arccos(1 / sqrt(5 + 4 n / v)) / pi,

    0.352 for a perfect validation set (v -> inf) and 0.392 at v = n: a smaller set deploys more candidates.
    """
    rho_ea, _, _ = _gate_correlations(n, validation_rows)
    return float(np.arccos(rho_ea) / np.pi)


def gate_harmful_deploy_probability(n: int, validation_rows: int) -> float:
    """P(the generation-2 candidate is deployed AND is further from the truth than generation 1): same setting.

    The true error, KL = c^2 / (2 s^2), rises iff |c| > |m|, iff e and B = e + 2m have the same sign; the candidate is
    deployed iff e and A differ in sign. So this is P(A's sign is the odd one out among e, A, B). When three signs
    are not all equal exactly one is the odd one out, and exactly two of the three pairs disagree; adding up the pair
    events gives P(A odd) = (P(e, A differ) + P(A, B differ) - P(e, B differ)) / 2, and Sheppard's formula for each
    pair gives

        P(harmful deployment) = (arccos rho_eA + arccos rho_AB - arccos rho_eB) / (2 pi),

    with Var B = 5, Cov(e, B) = 1, Cov(A, B) = 5 (units s^2/n). It is 0 for a perfect validation set (then A and B
    coincide: the gate sees the truth) and 0.136 at v = n.
    """
    rho_ea, rho_eb, rho_ab = _gate_correlations(n, validation_rows)
    return float((np.arccos(rho_ea) + np.arccos(min(rho_ab, 1.0)) - np.arccos(rho_eb)) / (2 * np.pi))


def gaussian_fit_kl(rows: int) -> float:
    """E[KL(N(0, 1) || N(m, s^2))] for the maximum-likelihood fit of a Gaussian to `rows` real rows.

    KL = ln s + (1 + m^2) / (2 s^2) - 1/2, with m ~ N(0, 1/N) independent of N s^2 ~ chi2_{N-1}. So
    E[ln s^2] = digamma((N-1)/2) + ln(2/N), E[1/s^2] = N / (N - 3) (N >= 4) and E[m^2] = 1/N:

        E[KL] = (digamma((N-1)/2) + ln(2/N)) / 2 + (N + 1) / (2 (N - 3)) - 1/2,

    0.175 at N = 10 and about 1/N for large N. The yardstick for what real rows buy when they are used for training.
    """
    rows = check_int("rows", rows, 4, why="the expected KL is finite only from 4 rows")
    return float(0.5 * log_variance_step(rows) + (rows + 1) / (2 * (rows - 3)) - 0.5)


# --- a categorical distribution refitted by counting: the Wright-Fisher chain ------------------------------------
def gini_simpson_replace(t, n: int, initial: float):
    """E[1 - sum p_t^2] under replace, n draws per generation: initial (1 - 1/n)^t, exactly, for any K and any start.

    Counts c ~ Multinomial(n, p) give E[sum (c_i / n)^2] = (1 - 1/n) sum p_i^2 + 1/n, so each generation multiplies
    the expected Gini-Simpson index (the heterozygosity of population genetics) by 1 - 1/n: the classic decay of
    heterozygosity under genetic drift (Wright 1931; Ewens 2004, Mathematical Population Genetics, section 3.2).
    `initial` is the index of the real distribution, which generation 1 counts its draws from.
    """
    t = check_generations_array("t", t, 0)
    n = check_int("n", n, 1)
    check_fraction("initial", initial, why="a Gini-Simpson index: the chance that two draws differ")
    return initial * (1 - 1 / n) ** np.asarray(t, dtype=float)


def fixation_time_diffusion(probabilities, n: int) -> float:
    """Expected generations until one outcome has every draw, from real probabilities p: -2n sum (1 - p_i) ln(1 - p_i).

    The diffusion approximation of the neutral Wright-Fisher chain with n draws per generation (Kimura and Ohta 1969
    for two outcomes; Littler 1975 for K). 1.90 n for 10 equal outcomes. It is a large-n approximation: the discrete
    chain fixes a few generations sooner, an error of order one generation rather than of order n.
    """
    p = check_probabilities("probabilities", probabilities)
    n = check_int("n", n, 1)
    remaining = 1 - p[p < 1]
    return float(-2 * n * np.sum(remaining * np.log(remaining)))


# --- a human-AI feedback loop: human writing drifts towards the models (collapse/feedback.py) ----------------------
# H_1 is the true distribution and H_{t+1} = (1 - a) H_t + a M_t, with adoption rate a and M_t generation t's model.
# The loop and the remedies are the book's own (chapter "Reality is a moving target"), built on the article's remark
# that people copy model output; the derivations below use only the mixture weights and the moments of a mixture.
def feedback_fresh_share(t, adoption: float):
    """Expected share of the human block drawn at generation t (from H_t) that copies some model: 1 - (1 - a)^(t-1).

    Unrolling the recursion, H_t keeps weight (1 - a)^(t-1) on the true distribution; the rest is on models 1..t-1.
    """
    t = check_generations_array("t", t, 1)
    adoption = check_fraction("adoption", adoption)
    return 1 - (1 - adoption) ** (np.asarray(t, dtype=float) - 1)


def feedback_pool_share(t, adoption: float):
    """Expected share of copied rows among the t equal human blocks gathered by generation t (from H_1, ..., H_t).

    The average of 1 - (1 - a)^(s-1) over s = 1..t: a geometric sum, 1 - (1 - (1 - a)^t) / (a t); 0 when a = 0.
    """
    adoption = check_fraction("adoption", adoption)
    t = np.asarray(check_generations_array("t", t, 1), dtype=float)
    if adoption == 0:
        return np.zeros_like(t)
    return 1 - (1 - (1 - adoption) ** t) / (adoption * t)


def feedback_fresh_crawl_moments(t, n: int, adoption: float, s0: float = 1.0) -> dict[str, np.ndarray]:
    """Gaussian, MLE fit to a fresh crawl of n rows of H_t each generation: expected moments at generation t.

    Let m_t and V_t be the mean and variance of H_t (H_t is a mixture, not a Gaussian; only its moments matter). Given
    H_t, the fit has E[mu_t] = m_t, E[(mu_t - m_t)^2] = V_t / n and E[s_t^2] = (n - 1) V_t / n. The variance of the
    mixture (1 - a) H_t + a M_t is (1 - a) V_t + a s_t^2 + a (1 - a) (mu_t - m_t)^2, so
        E[V_{t+1}] = (1 - a^2 / n) E[V_t]      and      E[m_{t+1}^2] = E[m_t^2] + a^2 E[V_t] / n:
    human writing loses spread geometrically, a^2 / n per generation, while its mean wanders (E[m^2 + V] is
    conserved). At a = 1 this is the replace loop of Shumailov et al. (2023, arXiv:2305.17493).
    Returns E[V_t] ("human variance"), E[s_t^2] ("model variance") and E[(mu_t - mu_0)^2] ("model mean drift").
    """
    t = check_generations_array("t", t, 1)
    n = check_int("n", n, 2)
    adoption = check_fraction("adoption", adoption)
    check_positive("s0", s0, why="the real standard deviation")
    human_variance = s0**2 * (1 - adoption**2 / n) ** (np.asarray(t, dtype=float) - 1)
    return {"human variance": human_variance,
            "model variance": (n - 1) / n * human_variance,
            "model mean drift": s0**2 - (1 - 1 / n) * human_variance}


# --- fresh data (Bertrand et al. 2023, arXiv:2310.00429) -----------------------------------------------------------
def _linear_recursion(step: np.ndarray, start: np.ndarray, offset: np.ndarray, generations: int) -> np.ndarray:
    """x_1 = start, x_{t+1} = step @ x_t + offset, for t = 1 .. generations: shape (generations, len(start))."""
    values = np.empty((generations, start.size))
    values[0] = start
    for t in range(1, generations):
        values[t] = step @ values[t - 1] + offset
    return values


def fresh_mix_moments(generations: int, n: int, real_share: float, s0: float = 1.0) -> dict[str, np.ndarray]:
    """E[s_t^2] and E[(mu_t - mu_0)^2] for t = 1 .. generations under fresh-mix (MLE), real data N(mu_0, s0^2).

    Each generation trains on k new real rows and n - k rows of the last model. Given k, with p = k / n and a = 1 - p,
    and given the last fit (mu_t, s_t^2), in units of s0^2:
        E[(mu_{t+1} - mu_0)^2] = a^2 (mu_t - mu_0)^2 + (p + a s_t^2) / n    (the mean is a weighted average of blocks)
        E[s_{t+1}^2] = p a (mu_t - mu_0)^2 + (1 - 1/n)(p + a s_t^2)        (within-block spread, plus the block gap)
    from E[sum (x_i - xbar)^2] = sum (m_i - mbar)^2 + (1 - 1/n) sum v_i for independent rows of means m_i and
    variances v_i. Both are linear in the last fit's moments, with coefficients that are polynomials in p (of degree
    at most 2). The engine draws k afresh each generation (`collapse.regimes.fresh_row_counts`: floor(real_share n)
    or one more, so that E[k] = real_share n), independently of the last fit; so taking expectations over both,
    V_t = E[s_t^2] and D_t = E[(mu_t - mu_0)^2] follow x_{t+1} = E_k[step(p)] x_t + E_k[offset(p)], the step matrix
    and offset averaged over the two possible k with their probabilities (one k, exactly, when real_share n is
    whole). Starting from V_1 = (n-1)/n, D_1 = 1/n. When k can be 1 or more the recursion is a contraction and both
    moments settle at a level above zero; for real_share = 0 it is replace. The expectations are over runs: the seeds
    of one run share their draws of k, so their average is conditional on that run's sequence of k.
    """
    generations = check_int("generations", generations, 1)
    n = check_int("n", n, 2)
    step, offset = np.zeros((2, 2)), np.zeros(2)  # (V, D)
    for fresh_rows, probability in fresh_row_counts(check_fraction("real_share", real_share), n):
        share = fresh_rows / n
        synthetic = 1 - share
        step += probability * np.array([[synthetic * (1 - 1 / n), share * synthetic],
                                        [synthetic / n, synthetic**2]])
        offset += probability * np.array([share * (1 - 1 / n), share / n])
    values = _linear_recursion(step, np.array([(n - 1) / n, 1 / n]), offset, generations)
    return {"variance": s0**2 * values[:, 0], "mean_drift": s0**2 * values[:, 1]}


def fixed_real_contraction(real_rows: int, synthetic_rows: int) -> float:
    """lambda / (1 + lambda) with lambda = synthetic_rows / real_rows: the factor by which the gap between the model's
    mean and the real set's mean shrinks, in expectation, per generation under fixed-real-mix.

    mu_{t+1} = (n m_R + N ybar) / (n + N) with E[ybar | mu_t] = mu_t,
    so E[mu_{t+1} - m_R | mu_t] = N / (n + N) (mu_t - m_R).
    """
    real_rows = check_int("real_rows", real_rows, 1)
    synthetic_rows = check_int("synthetic_rows", synthetic_rows, 1)
    return synthetic_rows / (real_rows + synthetic_rows)


def fixed_real_moments(generations: int, real_rows: int, synthetic_rows: int) -> dict[str, np.ndarray]:
    """E[s_t^2] / S_R^2 and E[(mu_t - m_R)^2] / S_R^2 under fixed-real-mix (MLE), given the real set R of n rows with
    mean m_R and MLE variance S_R^2 (generation 1 fits R exactly, so both ratios start at 1 and 0).

    With q = N / (n + N), the pooled fit of R and N synthetic rows gives
        D_{t+1} = q^2 (D_t + V_t / N)
        V_{t+1} = (1 - q) + q (1 - 1/(n + N)) V_t + q (1 - q) D_t
    The step's largest eigenvalue is below 1 for every lambda = N / n, so the model settles near the real set
    (Bertrand et al.'s stability, exact for this model); it settles more slowly as lambda grows (q -> 1).
    """
    generations = check_int("generations", generations, 1, MAX_CLOSED_FORM_GENERATIONS)
    q = fixed_real_contraction(real_rows, synthetic_rows)
    total = real_rows + synthetic_rows
    step = np.array([[q * (1 - 1 / total), q * (1 - q)],  # (V, D)
                     [q**2 / synthetic_rows, q**2]])
    values = _linear_recursion(step, np.array([1.0, 0.0]), np.array([1 - q, 0.0]), generations)
    return {"variance": values[:, 0], "mean_drift": values[:, 1]}


# --- filtering synthetic data (Feng et al. 2024, arXiv:2406.07515) --------------------------------------------------
def likelihood_filter_keep_share(threshold: float) -> float:
    """P(|Z| < c) = 2 Phi(c) - 1: the share of a Gaussian model's samples within c of its standard deviations."""
    return float(1 - 2 * ndtr(-check_positive("threshold", threshold)))


def truncated_variance_factor(threshold: float) -> float:
    """v(c) = Var(Z | |Z| < c) = 1 - 2 c phi(c) / (2 Phi(c) - 1) for a standard normal Z (below 1 for every c)."""
    threshold = check_positive("threshold", threshold)
    density = np.exp(-0.5 * threshold**2) / np.sqrt(2 * np.pi)
    return float(1 - 2 * threshold * density / likelihood_filter_keep_share(threshold))


def expected_variance_likelihood_filter(t, n: int, threshold: float, s0: float = 1.0):
    """E[s_t^2] under replace with the likelihood filter |x - mu| < c sigma (MLE): s0^2 ((n-1)/n)^t v(c)^(t-1).

    Generation 1 fits the real sample; each later one fits n iid rows of a normal truncated at +-c sigma, whose
    variance is v(c) sigma^2, and the MLE keeps (n-1)/n of it on average. Without a filter v = 1 (replace).
    """
    n = check_int("n", n, 2)
    t = np.asarray(check_generations_array("t", t, 1), dtype=float)
    check_positive("s0", s0, why="the real standard deviation")
    return s0**2 * ((n - 1) / n) ** t * truncated_variance_factor(threshold) ** (t - 1)
