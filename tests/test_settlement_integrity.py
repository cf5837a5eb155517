import base64
from datetime import date, datetime

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, TransactionCase, freeze_time, new_test_user, tagged
from odoo.tests.common import JsonRpcException

from .common import TEST_DAY, SettlementCase

FORGED_CONTEXT = {"after_sales_fund_internal": True, "after_sales_settlement": True}


@tagged("post_install", "-at_install")
@freeze_time("2026-07-15")
class TestWriteOffConfirmation(SettlementCase):
    """R15, R16: what is deducted is what the dealer confirmed; posting needs invoicing
    rights; only the dealer's own portal confirmation may post, and only when enabled."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.contract = cls._contract(
            allowance_basis="none",
            claim_reimbursement="flat",
            flat_claim_amount=50.0,
            flat_onsite_amount=30.0,
        )
        cls.desk = new_test_user(
            cls.env,
            "as_wo_desk",
            groups="after_sales_service.after_sales_service_group_user",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )

    def _claim(self, onsite=False):
        card = self._cards(1, date(2026, 1, 10))
        claim = self.env["after_sales.claim"].create(
            {
                "dealer_id": self.dealer.id,
                "card_id": card.id,
                "call_time": datetime(2026, 2, 1, 9, 0),
                "onsite": onsite,
                "cause_category": "product_defect",
            }
        )
        claim.action_submit()
        with freeze_time("2026-02-15"):
            claim.action_approve()
        return claim

    def test_draft_picking_up_claims_needs_a_reason(self):
        q1 = self.env["after_sales.settlement"]._settle_contracts(self.contract, 2026, 1)
        self.assertEqual(q1.reimbursed_amount, 0.0)
        claim = self._claim(onsite=True)  # 50 + 30 on-site, reimbursable from 15 Feb
        with self.assertRaisesRegex(UserError, "has not confirmed the write-off notice"):
            q1.with_user(self.manager).action_post()
        self.env["after_sales.settlement.force.post"].with_user(self.manager).create(
            {"settlement_ids": [Command.set(q1.ids)], "reason": "Agreed at the dealer meeting"}
        ).action_confirm()
        self.assertRecordValues(
            q1,
            [
                {
                    "state": "posted",
                    "reimbursed_amount": 80.0,
                    "forced_post_reason": "Agreed at the dealer meeting",
                }
            ],
        )
        self.assertEqual(q1.claim_ids, claim)
        self.assertEqual(q1.move_ids.amount_total, 80.0)

    def test_desk_records_the_signed_confirmation_finance_posts(self):
        self._claim()
        q1 = self._settle(self.contract, 2026, 1)
        q1.action_notify()
        with self.assertRaisesRegex(UserError, "attach the dealer's signed confirmation"):
            q1.with_user(self.desk).action_confirm(confirmed_by="Wang Lei")
        self.env["after_sales.settlement.confirm"].with_user(self.desk).create(
            {
                "settlement_id": q1.id,
                "confirmed_by": "Wang Lei",
                "scan": base64.b64encode(b"%PDF-1.4 signed and sealed"),
                "scan_name": "signed-notice.pdf",
            }
        ).action_confirm()
        self.assertRecordValues(q1, [{"state": "confirmed", "confirmed_by": "Wang Lei"}])
        self.assertEqual(q1.confirmation_attachment_id.name, "signed-notice.pdf")
        self.assertFalse(q1.move_ids, "recording a confirmation never posts")
        with self.assertRaises(AccessError):
            q1.with_user(self.desk).action_post()
        q1.with_user(self.manager).action_post()
        self.assertEqual(q1.state, "posted")
        self.assertEqual(q1.move_ids.amount_total, 50.0)

    def test_portal_confirmation_and_dispute(self):
        self._claim()
        q1 = self._settle(self.contract, 2026, 1)
        q1.action_notify()
        stranger = self.env["res.partner"].create({"name": "Another dealer", "is_company": True})
        with self.assertRaises(AccessError):
            q1._action_dealer_confirm(stranger)
        q1._action_dealer_dispute(self.dealer_contact, "One claim is not ours")
        self.assertRecordValues(q1, [{"state": "draft", "dispute_reason": "One claim is not ours"}])
        self.assertTrue(q1.activity_ids)
        q1.action_notify()
        q1._action_dealer_confirm(self.dealer_contact)
        # automatic posting is off by default: finance posts the confirmed settlement
        self.assertRecordValues(q1, [{"state": "confirmed", "confirmed_by": "Wang Lei"}])
        self.assertFalse(q1.move_ids)

    def test_credit_note_equals_confirmed_amount_taxed_or_not(self):
        tax = self.env["account.tax"].create(
            {"name": "Reimbursement VAT 10%", "amount": 10.0, "type_tax_use": "sale"}
        )
        product = self.env.ref("after_sales_service.product_after_sales_reimbursement")
        product.taxes_id = tax
        self.company.after_sales_auto_post_confirmed = True
        self._claim()
        q1 = self._settle(self.contract, 2026, 1)
        q1.action_notify()
        q1._action_dealer_confirm(self.dealer_contact)
        # not taxed by the settings: the product's tax is not added on top
        self.assertEqual(q1.state, "posted")
        self.assertEqual(q1.move_ids.amount_total, 50.0)
        self.assertEqual(q1.amount_credited, 50.0)

        self.company.after_sales_reimbursement_taxed = True
        self._claim(onsite=True)
        self._claim()
        q2 = self._settle(self.contract, 2026, 2)
        q2.action_notify()
        # (80 + 50) + 10 % = 143.00: the notice shows the tax, the credit note matches it
        self.assertEqual(q2.reimbursed_amount, 130.0)
        self.assertEqual(q2.notice_tax_amount, 13.0)
        self.assertEqual(q2.amount_credited, 143.0)
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html(
                "after_sales_service.action_report_after_sales_writeoff_notice", q2.ids
            )[0]
            .decode()
        )
        self.assertIn("壹佰肆拾叁元整", html)
        q2._action_dealer_confirm(self.dealer_contact)
        self.assertEqual(q2.move_ids.amount_total, 143.0)

    def test_notice_sent_untaxed_is_not_posted_taxed(self):
        """Finance switched the reimbursement's tax on after the notice went out untaxed: the
        credit note would have deducted 55.00 where the dealer was sent 50.00."""
        tax = self.env["account.tax"].create(
            {"name": "Reimbursement VAT 10% late", "amount": 10.0, "type_tax_use": "sale"}
        )
        self.env.ref("after_sales_service.product_after_sales_reimbursement").taxes_id = tax
        self._claim()
        q1 = self._settle(self.contract, 2026, 1)
        q1.action_notify()
        q1._action_dealer_confirm(self.dealer_contact)
        self.assertEqual(q1.notice_tax_amount, 0.0)
        self.company.after_sales_reimbursement_taxed = True
        with self.assertRaisesRegex(UserError, "was sent with a tax of 0.0, but .* now give 5.0"):
            q1.with_user(self.manager).action_post()
        self.assertEqual(q1.state, "confirmed")
        self.assertFalse(q1.move_ids)
        self.company.after_sales_reimbursement_taxed = False
        q1.with_user(self.manager).action_post()
        self.assertEqual(q1.move_ids.amount_total, 50.0)

    def test_notice_taxed_at_a_rate_changed_since_is_not_posted(self):
        """Sent with 10 % (5.00 on 50.00), the rate is then lowered to 6 %: the credit note
        would have deducted 53.00 where the dealer confirmed 55.00."""
        tax = self.env["account.tax"].create(
            {"name": "Reimbursement VAT 10% changed", "amount": 10.0, "type_tax_use": "sale"}
        )
        self.env.ref("after_sales_service.product_after_sales_reimbursement").taxes_id = tax
        self.company.after_sales_reimbursement_taxed = True
        self._claim()
        q1 = self._settle(self.contract, 2026, 1)
        q1.action_notify()
        q1._action_dealer_confirm(self.dealer_contact)
        self.assertEqual(q1.notice_tax_amount, 5.0)
        tax.amount = 6.0
        with self.assertRaisesRegex(UserError, "was sent with a tax of 5.0, but .* now give 3.0"):
            q1.with_user(self.manager).action_post()
        self.assertFalse(q1.move_ids)
        tax.amount = 10.0
        q1.with_user(self.manager).action_post()
        self.assertEqual(q1.move_ids.amount_total, 55.0)

    def test_price_included_reimbursement_tax_is_added_on_top(self):
        """A reimbursement product whose tax is price-included (Chinese prices usually are):
        the claims' amounts stay the notice's untaxed amount, the tax is added on top, and the
        credit note's line carries the tax-included price, so that the credit note deducts
        exactly the notice's total (the tax taken out of the claims' amounts instead left the
        notice promising 137.65 where the credit note deducted 123.45)."""
        tax = self.env["account.tax"].create(
            {
                "name": "Reimbursement VAT 13% included",
                "amount": 13.0,
                "type_tax_use": "sale",
                "price_include_override": "tax_included",
            }
        )
        self.assertTrue(tax.price_include)
        product = self.env.ref("after_sales_service.product_after_sales_reimbursement")
        product.taxes_id = tax
        self.company.after_sales_reimbursement_taxed = True
        self.contract.sudo().flat_claim_amount = 123.45
        claim = self._claim()
        q1 = self._settle(self.contract, 2026, 1)
        q1.action_notify()
        # 13 % of 123.45 = 16.0485
        self.assertRecordValues(
            q1,
            [{"reimbursed_amount": 123.45, "notice_tax_amount": 16.05, "amount_credited": 139.5}],
        )
        self.assertEqual(q1.amount_credited_cn, "壹佰叁拾玖元伍角整")
        q1.with_user(self.manager).action_post(force_reason="Confirmed by phone")
        note = q1.move_ids
        self.assertRecordValues(note.invoice_line_ids, [{"price_unit": 139.5, "tax_ids": tax.ids}])
        self.assertRecordValues(
            note,
            [
                {
                    "move_type": "out_refund",
                    "state": "posted",
                    "amount_untaxed": 123.45,
                    "amount_tax": 16.05,
                    "amount_total": 139.5,
                }
            ],
        )
        self.assertEqual(claim.state, "settled")

    def test_claims_settled_and_unsettled_are_logged_on_each_claim(self):
        """Posting logs Approved → Settled on each claim's chatter, in one batch at once
        (nothing is left for the commit to log claim by claim); cancelling logs it back."""
        claims = self._claim() | self._claim()
        self.env.flush_all()
        self.env.cr.precommit.run()  # the approvals' own tracking, as their commit logs it

        def state_changes(claim):
            values = claim.message_ids.tracking_value_ids.filtered(
                lambda t: t.field_id.name == "state"
            )
            return [(v.old_value_char, v.new_value_char) for v in values.sorted("id")]

        # as users run it: with the chatter's tracking on (the suite turns it off); a draft
        # posted at once links its claims in the same transaction
        q1 = self._settle(self.contract, 2026, 1).with_context(
            tracking_disable=False, mail_notrack=False
        )
        q1._refresh_figures()
        q1.with_user(self.manager).action_post(force_reason="Confirmed by phone")
        self.env.flush_all()
        self.assertFalse(self.env.cr.precommit.data.get("mail.tracking.after_sales.claim"))
        for claim in claims:
            self.assertEqual(state_changes(claim)[-1:], [("Approved", "Settled")])
            self.assertEqual(claim.message_ids[:1].author_id, self.manager.partner_id)
        q1.with_user(self.manager).action_cancel()
        self.env.flush_all()
        self.assertEqual(set(claims.mapped("state")), {"approved"})
        self.assertFalse(claims.settlement_id)
        for claim in claims:
            self.assertEqual(
                state_changes(claim)[-2:], [("Approved", "Settled"), ("Settled", "Approved")]
            )

    def test_claims_link_and_state_agree_with_the_database_at_once(self):
        """The claims' settlement link and state are written in one SQL statement per step:
        what the records show right after, without reloading, is what the database holds,
        and the claims carry who wrote them last."""
        claims = self._claim() | self._claim()
        Claim = self.env["after_sales.claim"]
        draft = self._settle(self.contract, 2026, 1)
        self.assertEqual(draft.claim_ids, claims)
        self.assertEqual(claims.settlement_id, draft)
        # a deleted draft releases its claims
        draft.with_user(self.manager).unlink()
        self.assertFalse(claims.settlement_id)
        self.assertFalse(Claim.search([("id", "in", claims.ids), ("settlement_id", "!=", False)]))
        q1 = self._settle(self.contract, 2026, 1)
        self.assertEqual(q1.claim_ids, claims)
        self.assertEqual(Claim.search([("settlement_id", "=", q1.id)]), claims)
        q1.with_user(self.manager).action_post(force_reason="Confirmed by phone")
        self.assertEqual(set(claims.mapped("state")), {"settled"})
        self.assertEqual(claims.write_uid, self.manager)
        self.assertEqual(
            Claim.search([("state", "=", "settled"), ("id", "in", claims.ids)]), claims
        )
        q1.with_user(self.manager).action_cancel()
        self.assertFalse(q1.claim_ids)
        self.assertEqual(set(claims.mapped("state")), {"approved"})
        self.assertFalse(Claim.search([("settlement_id", "=", q1.id)]))

    def test_one_credit_note_line_for_the_notice_and_its_tax_on_the_total(self):
        """The write-off credit note has one line for the whole notice, taxed on its total as
        the notice shows it (3 % of 3 x 10.15 is 0.91, where 3 claims taxed one by one give
        0.90 when the company rounds tax per line); a notice frozen with its tax summed claim
        by claim keeps a line per claim."""
        tax = self.env["account.tax"].create(
            {"name": "Reimbursement VAT 3%", "amount": 3.0, "type_tax_use": "sale"}
        )
        product = self.env.ref("after_sales_service.product_after_sales_reimbursement")
        product.taxes_id = tax
        self.company.after_sales_reimbursement_taxed = True
        self.company.tax_calculation_rounding_method = "round_per_line"
        self.contract.sudo().flat_claim_amount = 10.15
        claims = self._claim() | self._claim() | self._claim()
        q1 = self._settle(self.contract, 2026, 1)
        q1.action_notify()
        self.assertRecordValues(q1, [{"reimbursed_amount": 30.45, "notice_tax_amount": 0.91}])
        q1.with_user(self.manager).action_post(force_reason="Confirmed by phone")
        note = q1.move_ids
        self.assertRecordValues(
            note.invoice_line_ids,
            [
                {
                    "name": "2026 Q1 三包索赔（核销通知所列 3 笔）",
                    "quantity": 1.0,
                    "price_unit": 30.45,
                    "tax_ids": tax.ids,
                }
            ],
        )
        self.assertRecordValues(
            note, [{"state": "posted", "amount_untaxed": 30.45, "amount_total": 31.36}]
        )
        self.assertEqual(set(claims.mapped("state")), {"settled"})

        # a notice sent by an earlier version, its tax summed claim by claim
        claims = self._claim() | self._claim() | self._claim()
        q2 = self._settle(self.contract, 2026, 2)
        q2.action_notify()
        q2.sudo().notice_tax_amount = 0.90
        q2.with_user(self.manager).action_post(force_reason="Confirmed by phone")
        lines = q2.move_ids.invoice_line_ids
        self.assertEqual(lines.mapped("price_unit"), [10.15, 10.15, 10.15])
        self.assertEqual([line.name.split()[-1] for line in lines], sorted(claims.mapped("name")))
        self.assertEqual(q2.move_ids.amount_total, 31.35)
        self.assertEqual(q2.amount_credited, 31.35)


@tagged("post_install", "-at_install")
@freeze_time("2026-07-15")
class TestLedgerIntegrity(SettlementCase):
    def test_no_row_in_a_posted_quarter_and_reversal_mark(self):
        contract = self._contract()
        draw = self._draw(contract, 100.0, date(2026, 2, 1))
        with self.assertRaisesRegex(UserError, "only its reversal"):
            draw.sudo().write({"is_reversed": True})
        q1 = self._settle(contract, 2026, 1)
        q1.action_post()
        with self.assertRaisesRegex(UserError, "already settled and posted"):
            self._draw(contract, 10.0, date(2026, 3, 15))
        self._draw(contract, 10.0, date(2026, 4, 2))  # an open quarter takes it
        no_invoicing = new_test_user(
            self.env,
            "as_cancel_no_acc",
            groups="after_sales_service.after_sales_service_group_manager",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        with self.assertRaisesRegex(AccessError, "needs invoicing rights"):
            q1.with_user(no_invoicing).action_cancel()
        q1.with_user(self.manager).action_cancel()
        self.assertEqual(q1.state, "cancel")

    def test_state_and_figures_only_through_actions(self):
        contract = self._contract()
        q1 = self._settle(contract, 2026, 1)
        manager = self.manager
        with self.assertRaises(AccessError):
            q1.with_user(manager).write({"state": "posted"})
        with self.assertRaises(AccessError):
            q1.with_user(manager).write({"accrued_amount": 9999.0})
        with self.assertRaises(AccessError):
            contract.with_user(manager).write({"state": "draft"})
        with self.assertRaises(AccessError):
            self.env["after_sales.settlement"].with_user(manager).create(
                {"contract_id": contract.id, "year": 2026, "quarter": "2"}
            )
        q1.with_user(manager).write({"forfeit": True, "forfeit_reason": "Breach"})
        self.assertTrue(q1.forfeit)

    def test_terms_and_termination_by_a_manager(self):
        contract = self._contract()
        desk = new_test_user(
            self.env,
            "as_terms_desk",
            groups="after_sales_service.after_sales_service_group_user",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        with self.assertRaises(AccessError):
            contract.with_user(desk).action_terminate("Desk wants it")
        contract.with_user(self.manager).action_terminate("Breach", date(2026, 6, 30))
        self.assertEqual(contract.state, "terminated")
        with self.assertRaisesRegex(AccessError, "only an after-sales manager"):
            contract.with_user(desk).write({"allowance_rate": 9.0})


@tagged("post_install", "-at_install")
@TEST_DAY
class TestFundRpcGuards(HttpCase):
    """No client-sent context key opens a lock: each guarded write through JSON-RPC
    ``call_kw``, with the former keys set, is refused."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env,
            "as_rpc_manager",
            groups="after_sales_service.after_sales_service_group_manager,"
            "account.group_account_invoice",
        )
        dealer = cls.env["res.partner"].create({"name": "RPC dealer", "is_company": True})
        cls.contract = cls.env["after_sales.contract"].create(
            {"dealer_id": dealer.id, "date_start": date(2026, 1, 1)}
        )
        cls.contract.action_start()
        cls.entry = cls.contract._fund_post("consumption", -100.0, date(2026, 2, 1), "Parts")
        cls.settlement = (
            cls.env["after_sales.settlement"]
            .sudo()
            .create({"contract_id": cls.contract.id, "year": 2026, "quarter": "1"})
        )

    def _call(self, model, method, *args):
        return self.make_jsonrpc_request(
            f"/web/dataset/call_kw/{model}/{method}",
            {
                "model": model,
                "method": method,
                "args": list(args),
                "kwargs": {"context": FORGED_CONTEXT},
            },
        )

    def test_forged_context_opens_nothing(self):
        self.authenticate("as_rpc_manager", "as_rpc_manager")
        other = self.env["res.partner"].create({"name": "Another dealer", "is_company": True}).id
        refused = [
            ("after_sales.fund.entry", "write", [self.entry.id], {"amount": -1.0}),
            ("after_sales.fund.entry", "write", [self.entry.id], {"is_reversed": True}),
            ("after_sales.fund.entry", "unlink", [self.entry.id]),
            (
                "after_sales.fund.entry",
                "create",
                {
                    "contract_id": self.contract.id,
                    "kind": "accrual",
                    "amount": 5000.0,
                    "date": "2026-02-01",
                    "name": "Forged",
                },
            ),
            ("after_sales.settlement", "write", [self.settlement.id], {"state": "posted"}),
            ("after_sales.settlement", "write", [self.settlement.id], {"reimbursed_amount": 1.0}),
            ("after_sales.contract", "write", [self.contract.id], {"state": "draft"}),
            # what the statement is of: the dealer, the quarter, the numbers
            ("after_sales.settlement", "write", [self.settlement.id], {"dealer_id": other}),
            ("after_sales.settlement", "write", [self.settlement.id], {"date_to": "2026-12-31"}),
            ("after_sales.settlement", "write", [self.settlement.id], {"name": "Forged"}),
            ("after_sales.contract", "write", [self.contract.id], {"dealer_id": other}),
        ]
        for model, method, *args in refused:
            with self.subTest(model=model, method=method, args=args):
                with self.assertRaises(JsonRpcException) as caught:
                    self._call(model, method, *args)
                self.assertRegex(str(caught.exception), "AccessError|UserError")
        self.entry.invalidate_recordset()
        self.assertEqual(self.entry.amount, -100.0)
        self.assertFalse(self.entry.is_reversed)
        self.assertEqual(self.settlement.state, "draft")
        self.assertEqual(self.contract.state, "running")
        self.assertEqual(self.settlement.dealer_id, self.contract.dealer_id)
        self.assertEqual(self.settlement.date_to, date(2026, 3, 31))
        self.assertEqual(self.contract.dealer_id.name, "RPC dealer")
        # a legitimate field still goes through
        self._call("after_sales.settlement", "write", [self.settlement.id], {"forfeit": True})
        self.settlement.invalidate_recordset()
        self.assertTrue(self.settlement.forfeit)


@tagged("post_install", "-at_install")
@freeze_time("2026-07-15")
class TestPostingBatched(SettlementCase):
    """Posting a quarter is batched: queries per dealer do not grow with its claims, and a
    quarter of several dealers is posted in one go."""

    def _posting_queries(self, claims):
        dealer = self.env["res.partner"].create({"name": f"Dealer {claims}", "is_company": True})
        contract = self._contract(
            dealer_id=dealer.id,
            allowance_basis="none",
            claim_reimbursement="flat",
            flat_claim_amount=50.0,
        )
        for _i in range(claims):
            card = self._cards(1, date(2026, 1, 10), dealer=dealer)
            claim = self.env["after_sales.claim"].create(
                {
                    "dealer_id": dealer.id,
                    "card_id": card.id,
                    "call_time": datetime(2026, 2, 1, 9, 0),
                    "cause_category": "product_defect",
                }
            )
            claim.action_submit()
            with freeze_time("2026-02-15"):
                claim.action_approve()
        settlement = self.env["after_sales.settlement"]._settle_contracts(contract, 2026, 1)
        settlement.action_notify()
        settlement._action_dealer_confirm(dealer)
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        settlement.with_user(self.manager).action_post()
        self.env.flush_all()
        count = self.env.cr.sql_log_count - before
        self.assertEqual(settlement.move_ids.amount_total, 50.0 * claims)
        return count

    def test_queries_constant_in_claims(self):
        few, many = self._posting_queries(2), self._posting_queries(8)
        self.assertLessEqual(many, few + 4, f"posting 2 claims: {few} queries, 8 claims: {many}")

    def test_a_quarter_of_several_dealers_posts_together(self):
        dealers = self.env["res.partner"].create(
            [{"name": f"Batch dealer {i}", "is_company": True} for i in range(3)]
        )
        contracts = self.env["after_sales.contract"]
        for dealer in dealers:
            contracts |= self._contract(dealer_id=dealer.id, allowance_use="payout")
            self._payment(10000.0, date(2026, 2, 1), partner=dealer)
        settlements = self.env["after_sales.settlement"]._settle_contracts(
            contracts, 2026, 1, post=True
        )
        self.assertEqual(settlements.mapped("state"), ["posted"] * 3)
        self.assertEqual(settlements.move_ids.mapped("amount_total"), [300.0] * 3)
        self.assertEqual(settlements.move_ids.partner_id, dealers)


@tagged("post_install", "-at_install")
@TEST_DAY
class TestPortalConfirmationPath(TransactionCase):
    """The portal controller confirms on a sudo record as the dealer's portal user."""

    def test_sudo_record_of_the_portal_user_is_the_dealer_confirming(self):
        env = self.env(context=dict(self.env.context, tracking_disable=True, lang="en_US"))
        dealer = env["res.partner"].create({"name": "Portal Dealer", "is_company": True})
        contact = env["res.partner"].create(
            {"name": "Portal Contact", "parent_id": dealer.id, "email": "pd@example.com"}
        )
        portal_user = new_test_user(
            env, "as_portal_dbg", groups="base.group_portal", partner_id=contact.id
        )
        contract = env["after_sales.contract"].create(
            {"dealer_id": dealer.id, "date_start": date(2026, 1, 1), "claim_reimbursement": "flat"}
        )
        contract.action_start()
        settlement = env["after_sales.settlement"].create(
            {"contract_id": contract.id, "year": 2026, "quarter": "1"}
        )
        settlement.write({"state": "notified", "reimbursed_amount": 80.0})
        as_portal = settlement.with_user(portal_user)
        as_portal.check_access("read")
        as_portal.sudo().action_confirm(confirmed_by=portal_user.name)
        self.assertEqual(settlement.state, "confirmed")


@tagged("post_install", "-at_install")
@freeze_time("2026-07-15")
class TestPreviewBatched(SettlementCase):
    """The preview accrues and gathers every contract of the run in a few grouped queries."""

    def _preview_queries(self, count):
        contracts = self.env["after_sales.contract"]
        for index in range(count):
            dealer = self.env["res.partner"].create(
                {"name": f"Preview dealer {count}-{index}", "is_company": True}
            )
            contracts |= self._contract(
                dealer_id=dealer.id,
                allowance_basis=("collections", "sales", "units")[index % 3],
            )
            self._payment(1000.0, date(2026, 2, 1), partner=dealer)
        wizard = self.env["after_sales.settlement.create"].create(
            {"year": 2026, "quarter": "1", "company_id": self.company.id}
        )
        wizard.contract_ids = contracts
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        wizard.action_preview()
        self.env.flush_all()
        return self.env.cr.sql_log_count - before

    def test_preview_queries_do_not_grow_per_contract(self):
        one, six = self._preview_queries(1), self._preview_queries(6)
        self.assertLessEqual(six, one + 12, f"preview of 1 contract: {one} queries, 6: {six}")
