"""Which 837P loop a segment opens, from its id and qualifier (enough for locating findings)."""

from __future__ import annotations

# NM1 entity codes that open a loop, by the loop they appear under
NM1_LOOPS = {
    "header": {"41": "1000A", "40": "1000B"},
    "2000A": {"85": "2010AA", "87": "2010AB", "PE": "2010AC"},
    "2000B": {"IL": "2010BA", "PR": "2010BB"},
    "2000C": {"QC": "2010CA"},
    "2300": {
        "DN": "2310A",
        "P3": "2310A",
        "82": "2310B",
        "77": "2310C",
        "DQ": "2310D",
        "PW": "2310E",
        "45": "2310F",
    },
    "2320": {
        "IL": "2330A",
        "PR": "2330B",
        "DN": "2330C",
        "P3": "2330C",
        "82": "2330D",
        "77": "2330E",
        "DQ": "2330F",
        "85": "2330G",
    },
    "2400": {
        "82": "2420A",
        "QB": "2420B",
        "77": "2420C",
        "DQ": "2420D",
        "DK": "2420E",
        "DN": "2420F",
        "P3": "2420F",
        "PW": "2420G",
        "45": "2420H",
    },
}


# the only segments that can open a loop (claim_loop and block_loop return the current loop for
# any other): the reader asks about these alone
CLAIM_LOOP_IDS = frozenset({"CLM", "LX", "SBR", "LIN", "SVD", "LQ", "NM1"})
BLOCK_LOOP_IDS = frozenset({"HL", "NM1"})


def claim_loop(segment_id: str, qualifier: str, current: str) -> str:
    """The loop of a segment inside a claim, given the loop of the segment before it."""
    if segment_id == "CLM":
        return "2300"
    if segment_id == "LX":
        return "2400"
    in_line = current.startswith("24")
    if segment_id == "SBR":
        return "2320"
    if segment_id == "LIN":
        return "2410"
    if segment_id == "SVD":
        return "2430"
    if segment_id == "LQ":
        return "2440"
    if segment_id == "NM1":
        if in_line:
            return NM1_LOOPS["2400"].get(qualifier, current)
        if current.startswith("232") or current.startswith("233"):
            return NM1_LOOPS["2320"].get(qualifier, current)
        return NM1_LOOPS["2300"].get(qualifier, current)
    return current


def block_loop(segment_id: str, qualifier: str, level: str, current: str) -> str:
    """The loop of a segment in a 2000A/2000B/2000C block (level = that block's loop)."""
    if segment_id == "HL":
        return level
    if segment_id == "NM1":
        return NM1_LOOPS.get(level, {}).get(qualifier, current)
    return current
