"""The claim ledger: what every scrub sent, per claim, and what the payers' 835s said about it."""

from scrubber.ledger.store import Ledger, LedgerError, default_ledger_path

__all__ = ["Ledger", "LedgerError", "default_ledger_path"]
