"""The CMS practitioner PTP loader and THR005 reading a loaded table from the run's notes."""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path

import pytest

from scrubber.catalogue import load_catalogue
from scrubber.ncci import NcciError, load_ptp, table_from_params
from tests.helpers import fires, wrap

# The CMS layout: notices and titles first; a "* = in existence prior to 1996" column between
# the codes and the dates; * as "no deletion date".
CMS_FILE = "\n".join(
    [
        "CPT codes, descriptions and other data only are copyright American Medical Association.",
        "Column 1\tColumn 2\t*=in existence prior to 1996\tEffective Date\tDeletion Date "
        "*=no data\tModifier 0=not allowed 1=allowed 9=not applicable\tPTP Edit Rationale",
        "97110\t97112\t\t20200101\t*\t1\tMutually exclusive procedures",
        "97150\t97110\t*\t19960101\t20210101\t1\tMisuse of column two code",
        "97161\t97530\t\t20200101\t20200401\t0\tMutually exclusive procedures",
        "97760\t97140\t\t20200101\t*\t9\tDeleted",
        "not an edit line",
    ]
)
# The bare layout the brief describes: column 1, column 2, effective, deletion, indicator.
BARE_FILE = "97530\t97140\t20200101\t*\t1\n97164\t97530\t20200101\t*\t0\n"


def write(tmp_path: Path, text: str, name: str = "ptp.txt") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="latin-1")
    return path


def test_load_cms_layout(tmp_path: Path) -> None:
    table = load_ptp(write(tmp_path, CMS_FILE))
    assert len(table) == 4
    edit = table.lookup("97110", "97112", date(2026, 4, 10))
    assert edit is not None and edit.bypassable and edit.deleted is None
    assert edit.effective == date(2020, 1, 1)
    # deleted 2021-01-01: in force the day before, not on the day
    assert table.lookup("97150", "97110", date(2020, 12, 31)) is not None
    assert table.lookup("97150", "97110", date(2021, 1, 1)) is None
    # in force only 2020-01-01 .. 2020-03-31
    assert table.lookup("97161", "97530", date(2019, 12, 31)) is None
    assert table.lookup("97161", "97530", date(2020, 2, 1)) is not None
    # indicator 9: not applicable
    assert table.lookup("97760", "97140", date(2026, 4, 10)) is None
    # ordered pairs
    assert table.lookup("97112", "97110", date(2026, 4, 10)) is None


def test_load_bare_layout_and_zip(tmp_path: Path) -> None:
    table = load_ptp(write(tmp_path, BARE_FILE))
    assert {e.column1 for e in table.pairs(["97140", "97530", "97164"], date(2026, 4, 10))} == {
        "97530",
        "97164",
    }
    archive = tmp_path / "ptp.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("practitioner_ptp_f1.txt", CMS_FILE)
        z.writestr("practitioner_ptp_f2.txt", BARE_FILE)
        z.writestr("readme.pdf", "not read")
    assert len(load_ptp(archive)) == 6


def test_load_errors(tmp_path: Path) -> None:
    with pytest.raises(NcciError, match="holds no PTP edit"):
        load_ptp(write(tmp_path, "nothing here\n"))
    with pytest.raises(NcciError, match="cannot read"):
        load_ptp(tmp_path / "missing.txt")


def test_data_table_from_catalogue() -> None:
    table = table_from_params(load_catalogue()["THR005"].params["pairs"])
    day = date(2026, 4, 10)
    assert table.lookup("97161", "97140", day) is not None
    assert table.lookup("97530", "97140", day) is not None
    assert table.lookup("97161", "97140", date(2019, 12, 31)) is None  # effective 2020-01-01
    assert all(e.unverified for edits in table.edits.values() for e in edits)


def lines(first: str, second: str) -> str:
    return (
        f"CLM*P1*200***11:B:1*Y*A*Y*Y~HI*ABK:M5450~LX*1~{first}DTP*472*D8*20260410~"
        f"LX*2~{second}DTP*472*D8*20260410~"
    )


def test_thr005_uses_the_loaded_file(tmp_path: Path) -> None:
    ptp = write(tmp_path, CMS_FILE + "\n" + BARE_FILE)  # as --ncci FILE
    run_date = date(2026, 4, 15)
    # a pair only the file knows
    text = wrap(lines("SV1*HC:97110:GP*100*UN*1***1~", "SV1*HC:97112:GP*100*UN*1***1~"))
    [finding] = fires(tmp_path / "a", "THR005", text, run_date=run_date, ncci=ptp)
    assert "97112" in finding["message"] and "ptp.txt" in finding["message"]
    # verified (file) pairs want the modifier on the column-2 code, not on column 1
    text = wrap(lines("SV1*HC:97110:GP:59*100*UN*1***1~", "SV1*HC:97112:GP*100*UN*1***1~"))
    assert fires(tmp_path / "b", "THR005", text, run_date=run_date, ncci=ptp)
    text = wrap(lines("SV1*HC:97110:GP*100*UN*1***1~", "SV1*HC:97112:GP:XU*100*UN*1***1~"))
    assert not fires(tmp_path / "c", "THR005", text, run_date=run_date, ncci=ptp)
    # the file replaces the data table: 97161 with 97140 is not in it
    text = wrap(lines("SV1*HC:97161:GP*100*UN*1***1~", "SV1*HC:97140:GP*100*UN*1***1~"))
    assert not fires(tmp_path / "d", "THR005", text, run_date=run_date, ncci=ptp)
    # modifier indicator 0: a modifier does not help
    text = wrap(lines("SV1*HC:97164:GP*100*UN*1***1~", "SV1*HC:97530:GP:59*100*UN*1***1~"))
    [finding] = fires(tmp_path / "e", "THR005", text, run_date=run_date, ncci=ptp)
    assert "indicator is 0" in finding["message"]


def test_thr005_without_file_uses_the_data_table(tmp_path: Path) -> None:
    text = wrap(lines("SV1*HC:97110:GP*100*UN*1***1~", "SV1*HC:97112:GP*100*UN*1***1~"))
    assert not fires(tmp_path, "THR005", text, run_date=date(2026, 4, 15))
