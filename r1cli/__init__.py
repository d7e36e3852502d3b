"""r1cli: a terminal chat client for reasoning models.

Importing the package has no side effects and imports nothing heavy: `r1 --version`
reads `__version__` from here before Typer is loaded.
"""

__version__ = "0.1.0"
