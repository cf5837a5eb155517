from collections import defaultdict

from odoo import models


class AfterSalesCompanyCheckMixin(models.AbstractModel):
    """Odoo's company check (``_check_company``) on a whole batch at once: one
    ``filtered_domain`` per linked field and company instead of one per record and field.

    A bulk import creates thousands of cards and end customers; Odoo checks the companies of
    every linked record of every new record, one ``filtered_domain`` each (about 0.9 ms a new
    partner). Whether a linked record is allowed depends only on its own company and on the
    company it is checked against (the record's company, or the current company for a
    company-dependent field), so the linked records of all the records that share a company
    are checked together. When one is refused, Odoo's own check runs on the records pointing
    at it, so the message is Odoo's, naming record, field and value. Inherited by the
    after-sales documents and by the partners (the end customers an import creates)."""

    _name = "after_sales.company.check.mixin"
    _description = "After-Sales Batched Company Check"

    def _check_company(self, fnames=None):
        owner = next((name for name in ("company_id", "company_ids") if name in self._fields), None)
        if len(self) < 2 or not owner:
            return super()._check_company(fnames)
        names = (
            list(self._fields)
            if fnames is None or {"company_id", "company_ids"} & set(fnames)
            else list(fnames)
        )
        checked = [
            self._fields[name]
            for name in names
            if self._fields[name].relational and self._fields[name].check_company
        ]
        records = self.sudo()
        suspects = set()
        for field in checked:
            # companies checked against -> ([(record id, linked ids)], all linked ids)
            groups = defaultdict(lambda: ([], set()))
            for record in records:
                linked = record[field.name]._ids
                if linked:
                    key = () if field.company_dependent else record[owner]._ids
                    pairs, union = groups[key]
                    pairs.append((record.id, linked))
                    union.update(linked)
            for key, (pairs, union) in groups.items():
                corecords = records.env[field.comodel_name].browse(union)
                companies = (
                    self.env.company
                    if field.company_dependent
                    else self.env["res.company"].browse(key)
                )
                domain = corecords._check_company_domain(companies)
                if not domain:
                    continue
                allowed = corecords.with_context(active_test=False).filtered_domain(domain)
                refused = union.difference(allowed._ids)
                if refused:
                    suspects.update(rid for rid, linked in pairs if refused.intersection(linked))
        if not suspects:
            return None
        return super(
            AfterSalesCompanyCheckMixin, self.browse([rid for rid in self._ids if rid in suspects])
        )._check_company(fnames)
