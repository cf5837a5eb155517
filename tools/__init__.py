"""Pure business rules of the addon: no ``odoo`` import, so they are tested and reused alone."""

from . import coverage
from . import monthly
from . import periods
from . import parts
from . import sla
