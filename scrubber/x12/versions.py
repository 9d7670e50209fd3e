"""Which transaction an ST/GS pair says it is: the 837P versions read, and the names of others."""

from __future__ import annotations

PROFESSIONAL_VERSIONS = ("005010X222A1", "005010X222A2", "005010X222")
# read with the X222A1 rules; the report says so
RELABELLED_VERSIONS = ("005010X222A2", "005010X222")
KNOWN_VERSIONS = {  # by version prefix
    "005010X223": "an 837 institutional (837I) claim file",
    "005010X224": "an 837 dental (837D) claim file",
    "004010X098": "an 837 professional claim file in the retired 4010 version",
    "004010X096": "an 837 institutional claim file in the retired 4010 version",
    "004010X097": "an 837 dental claim file in the retired 4010 version",
    "005010X221": "an 835 payment/remittance advice",
    "005010X231": "a 999 acknowledgment",
    "005010X279": "a 270/271 eligibility transaction",
    "005010X212": "a 276/277 claim status transaction",
    "005010X214": "a 277CA claim acknowledgment",
}
TRANSACTION_NAMES = {
    "835": "an 835 payment/remittance advice",
    "999": "a 999 acknowledgment",
    "997": "a 997 acknowledgment",
    "270": "a 270 eligibility inquiry",
    "271": "a 271 eligibility response",
    "276": "a 276 claim status inquiry",
    "277": "a 277 claim status response",
    "834": "an 834 enrollment file",
}


def _names_another_transaction(st01: str, st03: str) -> bool:
    """ST01/ST03 that clearly name a transaction other than an 837P (a garbled value does not)."""
    if st01 in TRANSACTION_NAMES:
        return True
    return any(st03.startswith(prefix) for prefix in KNOWN_VERSIONS)


def describe_version(st01: str, version: str, gs01: str) -> str:
    if st01 != "837":
        return TRANSACTION_NAMES.get(st01, f"an X12 {st01 or 'unknown'} transaction")
    for prefix, what in KNOWN_VERSIONS.items():
        if version.startswith(prefix):
            return what
    if version.startswith("004010"):
        return "an 837 in the retired 4010 version"
    return f"an 837 with version label {version or '(none)'}"
