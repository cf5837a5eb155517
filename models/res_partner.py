from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    after_sales_contract_ids = fields.One2many(
        "after_sales.contract", "dealer_id", string="Service Contracts"
    )
    after_sales_contract_count = fields.Integer(
        string="Service Contract Count",
        compute="_compute_after_sales_contract_count",
        groups="after_sales_service.after_sales_service_group_user",
    )

    # ------------------------------------------------------------
    # COMPUTE
    # ------------------------------------------------------------
    def _compute_after_sales_contract_count(self):
        counts = dict(
            self.env["after_sales.contract"]._read_group(
                [("dealer_id", "in", self.commercial_partner_id.ids)],
                ["dealer_id"],
                ["__count"],
            )
        )
        for partner in self:
            partner.after_sales_contract_count = counts.get(partner.commercial_partner_id, 0)

    # ------------------------------------------------------------
    # ACTION
    # ------------------------------------------------------------
    def action_view_after_sales_contracts(self):
        """Smart button on the partner form: the service contracts of its commercial partner."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "after_sales_service.after_sales_contract_action"
        )
        action["domain"] = [("dealer_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"default_dealer_id": self.commercial_partner_id.id}
        return action
