"""No import cycles inside scrubber/: every module can be read without the ones that import it."""

from __future__ import annotations

import grimp


def test_no_import_cycle_inside_scrubber() -> None:
    graph = grimp.build_graph("scrubber", cache_dir=None)
    cycles = set()
    for module in graph.modules:
        for imported in graph.find_modules_directly_imported_by(module):
            back = graph.find_shortest_chain(importer=imported, imported=module)
            if back is not None:
                cycles.add(" -> ".join((module, *back)))
    assert not cycles, "import cycles:\n" + "\n".join(sorted(cycles))
