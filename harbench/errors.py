"""Errors that are part of harbench's API.

Every error names what is wrong (the file, dataset id, key or shape) and says what to do.
"""


class HarbenchError(Exception):
    """Base class of every error harbench raises on purpose."""


class UnknownIdError(HarbenchError, KeyError):
    """A dataset, pipeline, protocol or suite id that harbench does not know."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class DatasetNotFoundError(HarbenchError, FileNotFoundError):
    """The data of a dataset is not where harbench was told to look."""


class DataIntegrityError(HarbenchError, ValueError):
    """A data file is missing from its archive, corrupt, truncated or inconsistent."""


class InputValidationError(HarbenchError, ValueError):
    """Arrays handed to a pipeline have the wrong rank, shape, dtype or contain NaN."""


class LeakageError(HarbenchError, AssertionError):
    """A split puts the same subject on two sides."""


class SuiteError(HarbenchError, ValueError):
    """A suite file is malformed or names something unknown."""
