"""Acknowledgments for partner mode (`scrub837 validate`): TA1, 999 and 277CA."""
