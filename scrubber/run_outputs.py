"""The outputs of one file's run: the clean and held 837s and the JSON and HTML reports, written
under temporary names and moved into place together, or all discarded."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from scrubber.report.spool import ClaimSpool
from scrubber.x12.writer import Output837, open_private, temporary_name


class RunOutputs:
    """Where one run's outputs go (`<stem>.clean.837`, `.held.837`, `.report.json/.html`)."""

    def __init__(
        self, *, clean_dir: Path, held_dir: Path, reports_dir: Path, stem: str, html: bool
    ) -> None:
        self.clean = Output837(clean_dir / f"{stem}.clean.837")
        self.held = Output837(held_dir / f"{stem}.held.837")
        self.json_path = reports_dir / f"{stem}.report.json"
        self.html_path = reports_dir / f"{stem}.report.html"
        self.html = html

    def finish(
        self,
        report: dict[str, Any],
        spool: ClaimSpool,
        *,
        claim_files: bool,
        remove_stale: bool,
    ) -> dict[str, Path | None]:
        """Write the reports, then move every output into place together. `claim_files`: the
        run writes its 837s (not in validate mode, not for a rejected file). `remove_stale`: an
        output of an earlier scrub of the same input that this one does not write is removed,
        so that what lies beside the report is what the report names."""
        outputs: dict[str, Path | None] = {"clean": None, "held": None}
        try:
            pending = []
            for name, output in (("clean", self.clean), ("held", self.held)):
                if claim_files and output.finish():
                    pending.append((name, output))
                else:
                    output.discard()
            written = {name for name, _ in pending}
            report["outputs"] = {
                "clean": self.clean.final.name if "clean" in written else None,
                "held": self.held.final.name if "held" in written else None,
                "json": self.json_path.name,
                "html": self.html_path.name if self.html else None,
            }
            json_tmp = temporary_name(self.json_path)
            with open_private(json_tmp) as out:
                from scrubber.report.json_report import write_json

                write_json(out, report, spool)
            html_tmp = None
            if self.html:
                html_tmp = temporary_name(self.html_path)
                from scrubber.report.render import write_html

                with open_private(html_tmp) as out:
                    write_html(out, report, spool)
            for name, output in pending:
                outputs[name] = output.commit()
            if remove_stale:
                self._remove_stale(outputs)
            os.replace(json_tmp, self.json_path)
            outputs["json"] = self.json_path
            if html_tmp is not None:
                os.replace(html_tmp, self.html_path)
                outputs["html"] = self.html_path
        except BaseException:
            self.discard()
            raise
        return outputs

    def _remove_stale(self, written: dict[str, Path | None]) -> None:
        for name, final in (("clean", self.clean.final), ("held", self.held.final)):
            if written.get(name) is None:
                final.unlink(missing_ok=True)
        if not self.html:
            self.html_path.unlink(missing_ok=True)

    def discard_claim_files(self) -> None:
        self.clean.discard()
        self.held.discard()

    def discard(self) -> None:
        self.discard_claim_files()
        for path in (self.json_path, self.html_path):
            temporary_name(path).unlink(missing_ok=True)
