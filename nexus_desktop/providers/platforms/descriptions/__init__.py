"""One module per platform, each defining ``DESCRIPTION`` (see ``../description.py``)."""
