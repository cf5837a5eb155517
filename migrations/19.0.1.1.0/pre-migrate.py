"""19.0.1.1.0:

- the repair fund ledger kind of a return's charges is named ``return_charge`` (it was
  ``r5_charge``, after the rule's number). Rename it in the rows before the new selection is
  loaded, so no row is left with a value the field no longer knows;
- the portal record rules show a dealer its sub-dealers' records only when its contract says so.
  The rules are loaded ``noupdate``, so an update would keep the old ones: drop them and their XML
  ids here, and the update creates them again from ``security/``."""


def migrate(cr, version):
    if not version:
        return
    cr.execute("UPDATE after_sales_fund_entry SET kind = 'return_charge' WHERE kind = 'r5_charge'")
    cr.execute(
        """
        DELETE FROM ir_rule
         WHERE id IN (SELECT res_id FROM ir_model_data
                       WHERE module = 'after_sales_service' AND model = 'ir.rule' AND noupdate)
        """
    )
    cr.execute(
        """
        DELETE FROM ir_model_data
         WHERE module = 'after_sales_service' AND model = 'ir.rule' AND noupdate
        """
    )
