"""scrub837: a pre-submission scrubber for X12 837 professional claim files."""

__version__ = "0.1.0"
