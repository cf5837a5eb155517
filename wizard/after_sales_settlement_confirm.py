from odoo import fields, models


class AfterSalesSettlementConfirm(models.TransientModel):
    """The service desk or a manager records a dealer's confirmation of its write-off notice
    from the signed and sealed paper, with the scan attached. The settlement is then confirmed
    and waits for finance to post it."""

    _name = "after_sales.settlement.confirm"
    _description = "Record a Dealer's Confirmation"

    settlement_id = fields.Many2one("after_sales.settlement", required=True, ondelete="cascade")
    confirmed_by = fields.Char(string="Signed by", required=True)
    scan = fields.Binary(string="Signed Notice", required=True, attachment=False)
    scan_name = fields.Char()

    def action_confirm(self):
        """Attach the scan to the settlement and record the confirmation."""
        self.ensure_one()
        attachment = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": self.scan_name or self.env._("Signed write-off notice"),
                    "datas": self.scan,
                    "res_model": "after_sales.settlement",
                    "res_id": self.settlement_id.id,
                }
            )
        )
        self.settlement_id.action_confirm(confirmed_by=self.confirmed_by, attachment=attachment)
        return {"type": "ir.actions.act_window_close"}
