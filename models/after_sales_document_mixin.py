import datetime

import pytz

from odoo import api, models
from odoo.exceptions import AccessError, UserError

from .after_sales_computed_guard_mixin import (  # noqa: F401 (shared by the models)
    check_number_kept,
    check_protected_write,
    model_label,
)

# The after-sales groups, named once (DOMAIN.md §9).
GROUP_USER = "after_sales_service.after_sales_service_group_user"
GROUP_APPRAISER = "after_sales_service.after_sales_service_group_appraiser"
GROUP_MANAGER = "after_sales_service.after_sales_service_group_manager"


class AfterSalesDocumentMixin(models.AbstractModel):
    """Shared guards of the after-sales documents (cards, claims...): the state moves only
    through the documents' action methods, which check the group and the current state, and
    dates are read in the company's time zone, whoever saves the record.

    The inheriting model declares ``state`` and ``company_id``. Action methods check with
    :meth:`_check_state` / :meth:`_check_group`, then write the new state under ``sudo()``;
    :meth:`_check_state_write` refuses the same write from any user (ORM or JSON-RPC).
    Inherited by cards, claims, returns, parts requisitions and old parts: the one home of
    their state labels, state checks and group checks."""

    _name = "after_sales.document.mixin"
    _inherit = ["after_sales.company.check.mixin", "after_sales.computed.guard.mixin"]
    _description = "After-Sales Document Guards"

    # ------------------------------------------------------------
    # BUSINESS: state and groups
    # ------------------------------------------------------------
    def _state_label(self, state=None):
        """The translated label of ``state`` (the record's own by default)."""
        labels = dict(self._fields["state"]._description_selection(self.env))
        return labels.get(state if state is not None else self.state, state or "")

    def _document_label(self):
        """The model's description in the user's language ("退货申请" for a return), for
        messages that name the kind of document."""
        return model_label(self)

    def _check_state(self, *states):
        """Refuse unless every record of ``self`` is in one of ``states``, naming it."""
        for record in self:
            if record.state not in states:
                raise UserError(
                    self.env._(
                        "%(document)s %(name)s is %(state)s; this needs it to be %(expected)s.",
                        document=self._document_label(),
                        name=record.display_name,
                        state=record._state_label(),
                        expected=" / ".join(self._state_label(s) for s in states),
                    )
                )

    def _check_group(self, group_xmlid, message):
        """Refuse with ``message`` unless the user is in ``group_xmlid`` (or code runs as
        superuser)."""
        if not self.env.su and not self.env.user.has_group(group_xmlid):
            raise AccessError(message)

    def _check_state_write(self, vals):
        """Users never write ``state``: only the action methods do, under ``sudo()``."""
        if "state" in vals and not self.env.su:
            raise AccessError(
                self.env._(
                    "The status of %(document)s changes only through its buttons "
                    "(submit, approve, register...), not by writing it.",
                    document=self._document_label(),
                )
            )

    def _check_protected_write(self, vals, fnames):
        """Refuse, for every caller but code running under ``sudo()``, a write of the computed
        or system-managed ``fnames`` (money, coverage, settlement links)."""
        check_protected_write(self, vals, fnames)

    # ------------------------------------------------------------
    # BUSINESS: dates in the company's time zone
    # ------------------------------------------------------------
    def _company_tz(self):
        """The time zone this document's company works in (see ``res.company``)."""
        return self._get_document_company()._after_sales_tz()

    def _get_document_company(self):
        """The company whose days this document goes by: its own, else the current one."""
        company = self.company_id[:1] if "company_id" in self._fields else self.env["res.company"]
        return company or self.env.company

    def _local_date(self, moment):
        """The company-local date of the naive UTC datetime ``moment`` (None stays None)."""
        if not moment:
            return None
        if isinstance(moment, datetime.datetime):
            return pytz.utc.localize(moment).astimezone(self._company_tz()).date()
        return moment

    @api.model
    def _company_today(self):
        """Today in the company's time zone."""
        return self._get_document_company()._after_sales_today()
