"""Exception hierarchy of the analytics package.

Every error the package raises on purpose derives from :class:`AnalyticsError`, so a caller
(the CLI, the oracle's simulated source, a notebook) can catch the whole family in one
``except`` clause and still tell the cases apart.  Errors about bad caller input also derive
from :class:`ValueError` so generic code that expects ``ValueError`` keeps working.
"""

from __future__ import annotations


class AnalyticsError(Exception):
    """Base class of every error raised on purpose by :mod:`analytics`."""


class InputError(AnalyticsError, ValueError):
    """A value given by the caller is invalid (out of range, not finite, inconsistent)."""


class InsufficientDataError(InputError):
    """Too few observations for the requested statistic (e.g. a 99% VaR from 20 returns)."""


class UnknownIndustryError(InputError):
    """The industry is not one of the whitepaper's Table 3 rows."""


class ConfigError(AnalyticsError, ValueError):
    """A model or run configuration is invalid (wraps pydantic's validation message)."""


class InputFileError(AnalyticsError):
    """An input file cannot be read or parsed (missing, wrong format, bad row)."""


class ConvergenceError(AnalyticsError):
    """A numerical solver (e.g. the yield solver) did not converge."""
