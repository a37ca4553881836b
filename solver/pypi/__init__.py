"""The PyPI stage: indexes, the target environment, and the resolution on top of the conda result."""
