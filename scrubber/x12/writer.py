"""Write claims to a clean or held 837: input envelopes, HL tree rebuilt, counts recounted.

Segments nobody changed are written back exactly as read. The file is written under a temporary
name (mode 0600) and only renamed into place by commit(), so a failed run leaves nothing partial.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TextIO

from scrubber.model import BillingProvider, Claim, Patient, Segment, TransactionHeader


def open_private(path: Path) -> TextIO:
    """A new file only the owner can read (837s hold patient data)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    return os.fdopen(fd, "w", encoding="utf-8", errors="surrogateescape", newline="")


def temporary_name(final: Path) -> Path:
    return final.with_name(f".{final.name}.{os.getpid()}.tmp")


class Output837:
    def __init__(self, final: Path) -> None:
        self.final = final
        self.temporary = temporary_name(final)
        self._out: TextIO | None = None
        # what one add() writes, joined into one write at its end (a write per segment costs
        # more than the segment)
        self._pending: list[str] = []
        self.claims = 0
        self._isa: Segment | None = None
        self._gs: Segment | None = None
        self._header: TransactionHeader | None = None
        self._provider: BillingProvider | None = None
        self._provider_hl = ""
        self._segments_in_transaction = 0
        self._transactions_in_group = 0
        self._groups_in_interchange = 0
        self._next_hl = 1
        self._suffix = "~"
        # suffix of each input trailer, by the number of the segment that opens its envelope,
        # so that a recounted trailer ends the same way as the input's (e.g. no final newline)
        self.trailer_suffixes: dict[int, str] = {}

    # -- low level
    def _write(self, segment: Segment) -> None:
        self._pending.append(segment.render())
        self._segments_in_transaction += 1

    def _write_all(self, segments: list[Segment]) -> None:
        self._pending += [segment.render() for segment in segments]
        self._segments_in_transaction += len(segments)

    def _flush(self) -> None:
        assert self._out is not None
        self._out.write("".join(self._pending))
        self._pending.clear()

    def _generated(self, like: Segment, elements: list[str]) -> Segment:
        suffix = self.trailer_suffixes.get(like.number, like.suffix or self._suffix)
        return Segment(elements, suffix, like.number, like.delimiters, like.loop)

    # -- envelopes, opened lazily so that an output holds only envelopes with claims in them
    def _open(self, header: TransactionHeader) -> None:
        if self._out is None:
            self._out = open_private(self.temporary)
        if self._isa is not header.isa:
            self._close_interchange()
            self._isa = header.isa
            self._suffix = header.isa.suffix
            self._pending.append(header.isa.render())
        if self._gs is not header.gs:
            self._close_group()
            self._gs = header.gs
            self._pending.append(header.gs.render())
        if self._header is not header:
            self._close_transaction()
            self._header = header
            self._segments_in_transaction = 0
            self._next_hl = 1
            self._provider = None
            self._write_all(header.segments)

    def _close_transaction(self) -> None:
        if self._header is None:
            return
        st = self._header.st
        self._segments_in_transaction += 1
        suffix = self.trailer_suffixes.get(st.number, st.suffix)
        se = Segment(
            ["SE", str(self._segments_in_transaction), st.get(2)], suffix, 0, st.delimiters, "SE"
        )
        self._pending.append(se.render())
        self._header = None
        self._transactions_in_group += 1

    def _close_group(self) -> None:
        self._close_transaction()
        if self._gs is None:
            return
        ge = self._generated(self._gs, ["GE", str(self._transactions_in_group), self._gs.get(6)])
        self._pending.append(ge.render())
        self._gs = None
        self._transactions_in_group = 0
        self._groups_in_interchange += 1

    def _close_interchange(self) -> None:
        self._close_group()
        if self._isa is None:
            return
        iea = self._generated(
            self._isa, ["IEA", str(self._groups_in_interchange), self._isa.get(13)]
        )
        self._pending.append(iea.render())
        self._isa = None
        self._groups_in_interchange = 0

    def _hl(self, original: Segment, parent: str, level: str, child: str) -> str:
        hl_id = str(self._next_hl)
        self._next_hl += 1
        self._write(original.with_elements_kept(["HL", hl_id, parent, level, child]))
        return hl_id

    # -- the claims
    def add(self, claims: list[Claim]) -> None:
        """Claims of one subscriber block (in file order), all going to this output."""
        if not claims:
            return
        first = claims[0]
        self._open(first.header)
        provider = first.provider
        if provider is not self._provider:
            self._provider = provider
            segments = provider.segments
            if segments and segments[0].id == "HL":
                self._provider_hl = self._hl(segments[0], "", "20", "1")
                segments = segments[1:]
            self._write_all(segments)
        block = first.subscriber
        subscriber_hl = self._provider_hl
        segments = block.segments
        if segments and segments[0].id == "HL":
            has_patients = any(c.patient is not None for c in claims)
            subscriber_hl = self._hl(
                segments[0], self._provider_hl, "22", "1" if has_patients else "0"
            )
            segments = segments[1:]
        self._write_all(segments)
        patient: Patient | None = None
        for claim in claims:
            if claim.patient is not None and claim.patient is not patient:
                patient = claim.patient
                rest = patient.segments
                if rest and rest[0].id == "HL":
                    self._hl(rest[0], subscriber_hl, "23", "0")
                    rest = rest[1:]
                self._write_all(rest)
            self._write_all(claim.segments)
            self.claims += 1
        self._flush()

    def finish(self) -> bool:
        """Close the envelopes; True if the output has claims (else it is discarded)."""
        if self._out is None:
            return False
        self._close_interchange()
        self._flush()
        self._out.close()
        self._out = None
        return self.claims > 0

    def commit(self) -> Path:
        os.replace(self.temporary, self.final)
        return self.final

    def discard(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None
        self.temporary.unlink(missing_ok=True)
