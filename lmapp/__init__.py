"""lmapp: loss-landscape exploration with energy-landscape methods."""

#: The one version number (package metadata, `lmapp --version`, About, project files).
__version__ = "0.2.0"
