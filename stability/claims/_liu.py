"""Checks of Liu et al. (2018) (claims L01-L..)."""
