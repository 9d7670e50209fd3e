"""The command that installs the release a date of service needs, named as CMS names the file
(UNVERIFIED for files CMS has not published yet: the names follow the pattern of earlier ones)."""

from __future__ import annotations

from datetime import date

__all__ = ["install_command", "release_file_name"]


def release_file_name(kind: str, day: date) -> str:
    """The CMS (or, for CARC/RARC and CPT, the user's) file that holds the release for a day."""
    quarter = (day.month - 1) // 3 + 1
    if kind == "icd10cm":
        fy = day.year + (1 if day.month >= 10 else 0)
        if 4 <= day.month <= 9 and fy >= 2022:
            return f"icd10cm-table-index-April-1-{day.year}.zip"
        return f"icd10cm-table-index-{fy}.zip"
    if kind == "hcpcs":
        month = date(day.year, (quarter - 1) * 3 + 1, 1).strftime("%B").lower()
        return f"{month}-{day.year}-alpha-numeric-hcpcs-file.zip"
    if kind == "ptp":
        version = f"v{day.year - 1994}{quarter - 1}r0"
        return f"medicare-ncci-{day.year}q{quarter}-practitioner-ptp-edits-ccipra-{version}-f1.zip"
    if kind == "mue":
        start = date(day.year, (quarter - 1) * 3 + 1, 1)
        return f"MCR_MUE_PractitionerServices_Eff_{start:%m-%d-%Y}.csv"
    if kind == "cpt":
        return f"cpt-{day.year}.txt"
    return f"{kind}-list.csv"


def install_command(kind: str, day: date) -> str:
    """``scrub837 content add FILE`` for the release that covers the day."""
    name = release_file_name(kind, day)
    if kind in ("coverage", "carc", "rarc"):
        return f"scrub837 content add {name} --kind {kind} --effective {day.isoformat()}"
    return f"scrub837 content add {name}"
