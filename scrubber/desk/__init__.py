"""The desk: a web application where coders resolve held claims in their browser (SPEC.md)."""
