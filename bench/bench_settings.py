"""Settings for the benchmarks: the project's own, plus a hello view behind the same middleware."""

from tsunagu.settings import *  # noqa: F403

ROOT_URLCONF = "bench_urls"
