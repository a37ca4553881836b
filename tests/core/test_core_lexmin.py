"""``LexMinimizer``: each objective reaches its optimum while every earlier one keeps its own,
checked against brute force over all assignments of small random formulas."""

import itertools
import random

from solver.core.lexmin import LexMinimizer

N = 9  # variables of the random formulas


def _random_formula(rng: random.Random) -> list[list[int]]:
    clauses = []
    for _ in range(rng.randint(8, 20)):
        vs = rng.sample(range(1, N + 1), rng.randint(2, 3))
        clauses.append([v if rng.random() < 0.5 else -v for v in vs])
    return clauses


def _models(clauses):
    for bits in itertools.product((False, True), repeat=N):
        true = {v for v in range(1, N + 1) if bits[v - 1]}
        if all(any((lit in true) if lit > 0 else (-lit not in true) for lit in c) for c in clauses):
            yield true


def _count(true, lits):
    return sum(1 for lit in lits if ((lit in true) if lit > 0 else (-lit not in true)))


def test_sequences_of_counts_reach_the_lexicographic_optimum():
    checked = 0
    for seed in range(120):
        rng = random.Random(seed)
        clauses = _random_formula(rng)
        objectives = [[v if rng.random() < 0.7 else -v for v in rng.sample(range(1, N + 1), rng.randint(1, 6))]
                      for _ in range(3)]
        models = list(_models(clauses))
        opt = LexMinimizer([list(c) for c in clauses], N)
        assert opt.start() == bool(models), seed
        if not models:
            continue
        for lits in objectives:
            best = min(_count(m, lits) for m in models)
            assert opt.minimize(lits) == best, seed
            models = [m for m in models if _count(m, lits) == best]
        assert set(opt.chosen(range(1, N + 1))) in models, seed  # the final model is one of the optima
        checked += 1
    assert checked >= 60


def test_ranked_choices_minimise_the_sum_of_weights():
    # three groups of exactly one choice each; weights per choice; a few random exclusions
    for seed in range(60):
        rng = random.Random(1000 + seed)
        groups = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
        weight = {v: rng.randint(0, 3) for g in groups for v in g}
        clauses = [list(g) for g in groups]
        clauses += [[-a, -b] for g in groups for a, b in itertools.combinations(g, 2)]
        clauses += [[-rng.randint(1, 9), -rng.randint(1, 9)] for _ in range(rng.randint(0, 4))]
        models = list(_models(clauses))
        opt = LexMinimizer([list(c) for c in clauses], N)
        if not opt.start():
            assert not models
            continue
        ladders = [opt.ranked([(v, weight[v]) for v in g]) for g in groups]
        best = min(sum(weight[v] for v in m) for m in models)
        assert opt.minimize(ladders) == best, seed
        assert sum(weight[v] for v in opt.chosen(range(1, N + 1))) == best, seed
