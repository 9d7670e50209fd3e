"""A TR3 validator compiled from pyx12's own map data: pyx12's pass, replayed.

CompiledRun does what walk._Run does (pyx12's reader, its 005010X222A1 map walk and its
per-segment validation, errors by segment number) without paying for pyx12 on every segment:
reader.py holds pyx12's reader checks on the elements split once, transitions.py the map walk
as transitions each simulated once by pyx12's walker and then replayed, content.py per segment
node a compiled check that asks pyx12 about each distinct element value once. Whenever a
segment is not certainly free of errors, pyx12's own validator checks it, so every error
(code, message, place) is pyx12's own; pyx12 is the reference (`--tr3=pyx12`).
"""

from scrubber.x12.tr3.compiled.run import CompiledRun

__all__ = ["CompiledRun"]
