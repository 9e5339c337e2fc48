"""Regressions found by the hostile review of the merged work (#11, #13, #14, #15)."""

import numpy as np
import pytest

import stability as st


@pytest.mark.parametrize("criterion", ["mean-square", "almost-sure"])
def test_threshold_unknown_method_refused_with_random_delay_criterion(criterion):
    # threshold(Uniform(1, 3), method="bogus", criterion="mean-square") used to return
    # 0.632 silently: the method was only checked on the way to the mean edge.
    with pytest.raises(ValueError, match="bogus"):
        st.threshold(st.Uniform(1, 3), method="bogus", criterion=criterion)
    with pytest.raises(ValueError, match="bogus"):
        st.threshold_array([st.Uniform(1, 3)], method="bogus", criterion=criterion)
