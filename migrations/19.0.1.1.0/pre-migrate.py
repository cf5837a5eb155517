"""19.0.1.1.0: the repair fund ledger kind of a return's charges is named ``return_charge``
(it was ``r5_charge``, after the rule's number). Rename it in the rows before the new selection
is loaded, so no row is left with a value the field no longer knows."""


def migrate(cr, version):
    if not version:
        return
    cr.execute("UPDATE after_sales_fund_entry SET kind = 'return_charge' WHERE kind = 'r5_charge'")
