"""DataLoaders for synchronous resolvers.

GraphQL resolves a list depth-first, item by item, so a naive nested field costs one query
per item. A list resolver *primes* the loaders with the keys of its page; the first `load`
then fetches every primed key in one statement, and later loads hit the cache.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class BatchLoader(Generic[K, V]):
    def __init__(self, fetch: Callable[[list[K]], Mapping[K, V]], default: Callable[[], V]) -> None:
        self._fetch = fetch
        self._default = default
        self._cache: dict[K, V] = {}
        self._pending: set[K] = set()

    def prime(self, keys: Iterable[K]) -> None:
        """Announce keys that will probably be loaded, so they are fetched together."""
        self._pending.update(k for k in keys if k not in self._cache)

    def load(self, key: K) -> V:
        if key not in self._cache:
            batch = sorted(self._pending | {key})  # type: ignore[type-var]
            self._pending.clear()
            found = self._fetch(batch)
            for k in batch:
                self._cache[k] = found[k] if k in found else self._default()
        return self._cache[key]

    def load_many(self, keys: Iterable[K]) -> list[V]:
        keys = list(keys)
        self.prime(keys)
        return [self.load(k) for k in keys]
