"""Former home of the pages' reader, kept only for ``web/__init__.py``'s import.

The reader is :mod:`relogement.web.reader`, the views :mod:`relogement.projections.views`.
Delete this file when the factory imports ``ReadModels`` from ``web.reader``
(plan 24, integration step 4).
"""

from relogement.web.reader import ReadModels

__all__ = ["ReadModels"]
