"""lmapp: loss-landscape exploration with energy-landscape methods."""
