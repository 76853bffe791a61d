"""Validate each GraphQL document once per process, not once per request.

Clients send the same few documents over and over (graphql/operations/), and validating one
against the schema and every rule (depth, aliases, the built-in rules) took about a third of a
typical request's CPU time (docs/benchmarks.md, "Load").
strawberry's own ValidationCache cannot help here: its key includes the validation rule
classes, and the limiter extensions build new classes for every request.

The outcome of validation depends only on the schema, the document's text and the rule set
(no rule looks at the caller), so documents that passed are remembered under those three, in
a bounded LRU; a rule that depended on the caller would have to be keyed here too. Refused
documents are never remembered: they run through every rule each time, and a flood of unique
documents only churns the LRU.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator

from strawberry.extensions import SchemaExtension

MAX_DOCUMENTS = 512


class _ValidDocuments:
    """The keys of documents that passed validation, least recently used first out."""

    def __init__(self, maxsize: int) -> None:
        self._keys: OrderedDict[tuple, None] = OrderedDict()
        self._maxsize = maxsize
        self._lock = threading.Lock()

    def __contains__(self, key: tuple) -> bool:
        with self._lock:
            if key in self._keys:
                self._keys.move_to_end(key)
                return True
            return False

    def add(self, key: tuple) -> None:
        with self._lock:
            self._keys[key] = None
            self._keys.move_to_end(key)
            while len(self._keys) > self._maxsize:
                self._keys.popitem(last=False)

    def __len__(self) -> int:
        return len(self._keys)


valid_documents = _ValidDocuments(MAX_DOCUMENTS)


class ValidatedDocumentCache(SchemaExtension):
    """Skip validation of a document that already passed it with the same rules."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        rules = tuple(sorted(f"{r.__module__}.{r.__qualname__}" for r in context.validation_rules))
        key = (id(context.schema), context.query or "", rules)
        if context.query and key in valid_documents:
            context.pre_execution_errors = []  # strawberry then skips its validation step
            yield
            return
        yield
        if context.query and context.pre_execution_errors == []:
            valid_documents.add(key)
