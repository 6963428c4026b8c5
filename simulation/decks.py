"""Dealing from decks: exact shares among the demo's signed leases, even on small samples."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any


class _Deck:
    """A shuffled deck of categories in the target proportions (per 100 cards).

    ``draw(allowed)``: a card that is not allowed for this household is kept aside and
    dealt to the next household that can take it, so infeasible cases (a T6 cannot move
    into a larger dwelling) do not pull the share away from its target.
    """

    def __init__(self, rng: random.Random, weights: dict[Any, int]) -> None:
        self.rng = rng
        self.weights = weights
        self.cards: list[Any] = []
        self.aside: list[Any] = []

    def _refill(self) -> None:
        self.cards = [k for k, n in self.weights.items() for _ in range(n)]
        self.rng.shuffle(self.cards)

    def draw(self, allowed: Callable[[Any], bool] = lambda _: True) -> Any:
        for i, card in enumerate(self.aside):
            if allowed(card):
                return self.aside.pop(i)
        for _ in range(len(self.weights) * 100):
            if not self.cards:
                self._refill()
            card = self.cards.pop()
            if allowed(card):
                return card
            self.aside.append(card)
        raise ValueError("no allowed card")


def _flag_deck(rng: random.Random, percent: int) -> _Deck:
    return _Deck(rng, {True: percent, False: 100 - percent})
