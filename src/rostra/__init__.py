"""Rostra: comments, inline feedback and reader support for news sites."""

import os

__version__ = "0.1.0"

# numpy's BLAS (the screen's classifier, the optional semantic stage) starts a thread per core
# for every matrix product. A worker is one of several busy processes on its host, where those
# threads only contend: when the encoder still ran in numpy, screening one comment cost 130-370
# ms of CPU with them and 15-17 ms with one. Set before numpy loads; an operator's own value wins.
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")
