"""An import-linter contract on kinds of module: higher kinds may import lower ones, never the
reverse, and no modules below the adapters import each other in a cycle.

The domain packages hold modules of several kinds side by side (the strawberry types beside
their services, the tables beside both), so the layers cannot be packages: each module's kind
comes from its dotted name, by the patterns the contract lists in pyproject.toml (fnmatch
patterns, `*` matching across dots). The first kind whose patterns match wins, in the order
`precedence` gives; a module no pattern matches is of the `default` kind.
"""

from __future__ import annotations

from fnmatch import fnmatchcase

from grimp import ImportGraph
from importlinter import Contract, ContractCheck, fields, output


class KindLayersContract(Contract):
    type_name = "kinds"

    layers = fields.ListField(subfield=fields.StringField())  # highest first
    precedence = fields.ListField(subfield=fields.StringField())  # which kind's patterns win
    default = fields.StringField()
    patterns = fields.ListField(subfield=fields.StringField())  # "kind: pattern"
    acyclic_below = fields.StringField(required=False)  # no cycles among kinds below this one

    def _kinds(self) -> dict[str, list[str]]:
        kinds: dict[str, list[str]] = {}
        for entry in self.patterns:  # type: ignore[attr-defined]
            kind, _, pattern = entry.partition(":")
            kinds.setdefault(kind.strip(), []).append(pattern.strip())
        return kinds

    def kind_of(self, module: str) -> str:
        kinds = self._kinds()
        for kind in self.precedence:  # type: ignore[attr-defined]
            if any(fnmatchcase(module, p) for p in kinds.get(kind, [])):
                return kind
        return str(self.default)

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        rank = {kind: i for i, kind in enumerate(self.layers)}  # type: ignore[attr-defined]
        modules = sorted(m for m in graph.modules if not graph.is_module_squashed(m))
        kind = {m: self.kind_of(m) for m in modules}
        upward = []
        for importer in modules:
            for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                if imported not in kind:
                    continue  # an external package
                if rank[kind[imported]] < rank[kind[importer]]:
                    lines = [d["line_number"] for d in graph.get_import_details(
                        importer=importer, imported=imported)]
                    upward.append((importer, kind[importer], imported, kind[imported], lines))
        cycles: list[list[str]] = []
        if self.acyclic_below:  # type: ignore[attr-defined]
            limit = rank[str(self.acyclic_below)]
            below = {m for m in modules if rank[kind[m]] > limit}
            cycles = _cycles(graph, below)
        output.verbose_print(verbose, f"{len(upward)} upward imports, {len(cycles)} cycles")
        return ContractCheck(kept=not upward and not cycles,
                             metadata={"upward": upward, "cycles": cycles})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for importer, importer_kind, imported, imported_kind, lines in check.metadata["upward"]:
            output.print_error(f"{importer} ({importer_kind}) imports {imported} "
                               f"({imported_kind}), a higher kind (line {', '.join(map(str, lines))})")
        for cycle in check.metadata["cycles"]:
            output.print_error("import cycle: " + " -> ".join(cycle + cycle[:1]))


def _cycles(graph: ImportGraph, modules: set[str]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iteratively)."""
    edges = {m: sorted(i for i in graph.find_modules_directly_imported_by(m) if i in modules)
             for m in modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(modules):
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, child = work.pop()
            if child == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            if child < len(edges[node]):
                work.append((node, child + 1))
                nxt = edges[node][child]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return sorted(found)
