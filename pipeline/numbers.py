"""The one ratio of the package: ``num / den``, and 0 where the denominator is 0 (DESIGN §5:
"a ratio with a zero denominator is 0")."""

from __future__ import annotations

import numpy as np
import pandas as pd


def ratio(num, den):
    """``num / den``, 0 where ``den`` is 0.

    Scalars give a float; arrays or Series give float arrays (a Series when either input is
    one, on its index). The division is IEEE's, so the result is the same bits as ``/``.
    """
    if np.ndim(num) == 0 and np.ndim(den) == 0:
        return float(num) / float(den) if den else 0.0
    index = next((x.index for x in (num, den) if isinstance(x, pd.Series)), None)
    n = np.asarray(num, dtype=float)
    d = np.asarray(den, dtype=float)
    out = np.divide(n, d, out=np.zeros(np.broadcast(n, d).shape), where=d != 0)
    return out if index is None else pd.Series(out, index=index)
