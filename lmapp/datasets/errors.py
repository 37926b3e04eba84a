"""The single exception type of the datasets layer.

Every bad-input path raises ``DatasetError`` with a one-line, user-facing message that names the
row/column and the problem, so a GUI or CLI can show it verbatim.
"""


class DatasetError(ValueError):
    """Invalid dataset input or parameters (message is meant for the end user)."""
