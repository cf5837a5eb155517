"""19.0.1.2.0: a sales-based allowance no longer counts the settlements' own invoices and credit
notes nor the dealer charges. Mark the existing ones (and their reversals) so that the next
monthly accrual appends the corrections of the months that counted them."""


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        """
        UPDATE account_move m SET after_sales_kind = 'settlement'
          FROM account_move_after_sales_settlement_rel rel
         WHERE rel.account_move_id = m.id
        """
    )
    cr.execute(
        """
        UPDATE account_move m SET after_sales_kind = 'charge'
         WHERE m.after_sales_kind IS NULL
           AND (m.id IN (SELECT charge_move_id FROM after_sales_return
                          WHERE charge_move_id IS NOT NULL)
                OR m.id IN (SELECT charge_invoice_id FROM after_sales_old_part
                             WHERE charge_invoice_id IS NOT NULL))
        """
    )
    # reversals carry the kind of what they reverse (a reversal of a reversal too)
    while True:
        cr.execute(
            """
            UPDATE account_move m SET after_sales_kind = src.after_sales_kind
              FROM account_move src
             WHERE m.reversed_entry_id = src.id
               AND src.after_sales_kind IS NOT NULL
               AND m.after_sales_kind IS NULL
            """
        )
        if not cr.rowcount:
            break
