from odoo import api, models

from .after_sales_computed_guard_mixin import check_number_kept


class AfterSalesSequenceMixin(models.AbstractModel):
    """Numbering of the after-sales documents (contracts, claims, returns, requisitions, old
    parts, service plans): a record created without a number takes the next one of the
    sequence whose code is the model's name, in the record's company."""

    _name = "after_sales.sequence.mixin"
    _description = "After-Sales Document Numbering"

    @api.model_create_multi
    def create(self, vals_list):
        new = self.env._("New")
        for vals in vals_list:
            if vals.get("name", new) == new:
                company = self.env["res.company"].browse(vals.get("company_id")) or self.env.company
                vals["name"] = (
                    self.env["ir.sequence"].with_company(company).next_by_code(self._name) or new
                )
        return super().create(vals_list)

    def write(self, vals):
        check_number_kept(self, vals)
        return super().write(vals)
