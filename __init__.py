from . import controllers
from . import models
from . import tools
from . import wizard


def _after_sales_post_init(env):
    """Give the warehouses that existed before the install their after-sales parts operation
    types and Old Parts location (new warehouses get them at creation)."""
    env["stock.warehouse"].with_context(active_test=False).search([])._after_sales_setup_parts()
