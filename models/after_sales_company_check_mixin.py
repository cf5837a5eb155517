from odoo import models


class AfterSalesCompanyCheckMixin(models.AbstractModel):
    """Odoo's company check (``_check_company``) once per distinct combination of company and
    linked records instead of once per record.

    A bulk import creates thousands of cards and end customers that point at the same few
    products, dealers, contracts and default accounts; Odoo checks the companies of every
    linked record of every new record, one ``filtered_domain`` each (for 2,000 new partners
    0.46-0.60 s, against 0.12 s checked once per combination). The check depends only on
    the record's company (the current company for company-dependent fields) and on the linked
    records, so checking one record of each combination gives the same verdict. Inherited
    by the after-sales documents and by the partners (the end customers an import creates)."""

    _name = "after_sales.company.check.mixin"
    _description = "After-Sales Batched Company Check"

    def _check_company(self, fnames=None):
        if len(self) < 2:
            return super()._check_company(fnames)
        names = (
            list(self._fields)
            if fnames is None or {"company_id", "company_ids"} & set(fnames)
            else list(fnames)
        )
        checked = [
            name
            for name in names
            if self._fields[name].relational and self._fields[name].check_company
        ]
        if not checked:
            return None
        owner = next((name for name in ("company_id", "company_ids") if name in self._fields), None)
        keys = [owner, *checked] if owner else checked
        first_of = {}
        for record in self.sudo():
            first_of.setdefault(tuple(tuple(record[name]._ids) for name in keys), record.id)
        return super(AfterSalesCompanyCheckMixin, self.browse(first_of.values()))._check_company(
            fnames
        )
