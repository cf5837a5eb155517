from odoo import fields, models


class StockLocation(models.Model):
    """The Old Parts and Returns locations of a warehouse hold the dealers' old parts and
    returned goods until the technical department appraises them: they are not saleable stock
    and are not valued (a reusable old part or a repaired unit is valued when it moves to
    stock)."""

    _inherit = "stock.location"

    after_sales_unvalued = fields.Boolean(
        string="After-Sales Holding Location",
        copy=False,
        help="Old parts and returned goods waiting for appraisal: not counted in the stock value.",
    )

    def _should_be_valued(self):
        if self.after_sales_unvalued:
            return False
        return super()._should_be_valued()
