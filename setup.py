"""Build of the one compiled part: the fused float64 Bateman kernel (see pyproject.toml for
everything else). No -ffast-math: the engine's rounding bounds assume IEEE arithmetic; FMA
contraction is allowed (it only removes roundings)."""

from setuptools import Extension, setup

setup(ext_modules=[Extension(
    "isoflow.physics._bateman",
    sources=["src/isoflow/physics/_bateman.c"],
    extra_compile_args=["-O3", "-fno-math-errno", "-std=c11"],
    optional=True,  # without a C compiler: installs anyway, the numpy path runs
)])
