from odoo import api, models

from odoo.addons.base.models.ir_actions_report import _wkhtml


class IrActionsReport(models.Model):
    _inherit = "ir.actions.report"

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------
    @api.model
    def _after_sales_pdf_has_headers(self):
        """Whether the installed wkhtmltopdf prints the external layout's header and footer.

        Only the wkhtmltopdf builds "with patched qt" (the packages of wkhtmltopdf.org) do;
        Debian's and Ubuntu's package ignores ``--header-html``/``--footer-html``. The
        after-sales reports call ``after_sales_service.report_after_sales_letterhead`` so that
        the company's letterhead then prints at the top of the page body instead."""
        return _wkhtml().is_patched_qt
