"""Pure business rules of the addon: no ``odoo`` import, so they are tested and reused alone."""

from . import cn_amount
from . import coverage
from . import monthly
from . import parts
from . import periods
from . import returns
from . import settlement
from . import sla
from . import terms
