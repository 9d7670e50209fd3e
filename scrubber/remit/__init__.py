"""Remittances (835, 005010X221A1): reading them, matching them to the claim ledger, and what the
payers' denials say (rates, misses, proposed payer-profile rules)."""
