"""isoflow — the radioisotope chain from reactor to patient."""

__version__ = "0.1.0"
