"""What the dealers and the staff read is written for them: the documents a dealer receives
(statement, write-off notice, return authorization) in the dealer's language whoever prints
them, the return-visit to-dos in their responsible's language, dates in the company's day, and
the service desk's monthly report only for its own dealer on the portal."""

import importlib.util
import json
import pathlib
from datetime import date, datetime

from odoo.exceptions import AccessError
from odoo.tests import freeze_time, tagged

from .common_portal import PortalCase
from .common_service import ServiceCase
from .test_fund_rules import FundCase
from .test_return import ReturnCase


def _chinese(env):
    env["res.lang"]._activate_lang("zh_CN")
    env["ir.module.module"]._load_module_terms(["after_sales_service"], ["zh_CN"])


def _html(env, report, ids):
    return env["ir.actions.report"]._render_qweb_html(report, ids)[0].decode()


@tagged("post_install", "-at_install")
class TestSettlementDocumentsLanguage(FundCase):
    def test_english_desk_prints_a_chinese_dealers_statement_and_notice_in_chinese(self):
        _chinese(self.env)
        dealer = self.env["res.partner"].create(
            {"name": "华南经销商", "is_company": True, "lang": "zh_CN"}
        )
        contract = self._contract(
            dealer_id=dealer.id, allowance_basis="units", allowance_use="payout"
        )
        self._cards(3, date(2026, 2, 10), dealer=dealer)
        settlement = self._settle(contract, 2026, 1)
        english = self.env(context=dict(self.env.context, lang="en_US"))
        statement = _html(
            english, "after_sales_service.action_report_after_sales_settlement", settlement.ids
        )
        self.assertIn("专项维修费用季度结算", statement)
        self.assertIn("期初余额", statement)
        self.assertNotIn("Opening balance", statement)
        notice = _html(
            english, "after_sales_service.action_report_after_sales_writeoff_notice", settlement.ids
        )
        self.assertIn("以下属于", notice)
        self.assertNotIn("The following three-guarantee claims of", notice)


@tagged("post_install", "-at_install")
class TestReturnAuthorizationLanguage(ReturnCase):
    def test_printed_in_the_dealers_language(self):
        _chinese(self.env)
        self.dealer.lang = "zh_CN"
        ret = self._return()
        html = _html(
            self.env(context=dict(self.env.context, lang="en_US")),
            "after_sales_service.after_sales_return_report_action",
            ret.ids,
        )
        self.assertIn("退货/返修批准书", html)
        self.assertNotIn("Return Authorization", html)
        self.assertIn("货物须包装完整", html)


@tagged("post_install", "-at_install")
@freeze_time("2026-06-01 04:00:00")
class TestReturnVisitActivityLanguage(ServiceCase):
    def test_written_in_the_responsibles_language(self):
        _chinese(self.env)
        self.company.partner_id.tz = "Asia/Shanghai"
        self.user_manager.lang = "zh_CN"
        self.user_desk.lang = "en_US"
        claim = self._claim(call_time=datetime(2026, 5, 30, 2, 0), user_id=self.user_manager.id)
        claim.with_user(self.user_desk).write({"completion_time": datetime(2026, 6, 1, 2, 0)})
        activities = claim.activity_ids.sorted("date_deadline")
        self.assertEqual(activities.mapped("summary"), ["第一次回访", "第二次回访"])
        self.assertEqual(activities.user_id, self.user_manager)


@tagged("post_install", "-at_install")
class TestMonthlyReportOnThePortal(PortalCase):
    def test_a_dealer_reads_its_own_monthly_report_only(self):
        report = self.env["report.after_sales_service.report_monthly_repair"]
        data = {"year": 2026, "month": 3}
        own = report.with_user(self.user_a)._get_report_values(self.dealer_a.ids, data)
        self.assertEqual(own["docs"], self.dealer_a)
        report.with_user(self.user_a)._get_report_values((self.dealer_a | self.sub_a).ids, data)
        for dealers in (self.dealer_b, self.dealer_a | self.dealer_b):
            with (
                self.subTest(dealers=dealers.mapped("name")),
                self.assertRaisesRegex(AccessError, "not one of your dealer's"),
            ):
                report.with_user(self.user_a)._get_report_values(dealers.ids, data)
        with self.assertRaisesRegex(AccessError, "not one of your dealer's"):
            report.with_user(self.user_sub)._get_report_values(self.dealer_a.ids, data)
        desk = report.with_user(self.desk)._get_report_values(self.dealer_b.ids, data)
        self.assertEqual(desk["docs"], self.dealer_b)


@tagged("post_install", "-at_install")
class TestCompanyDay(ServiceCase):
    """A user in Los Angeles working for a company in Shanghai: at 10:00 on 1 April in
    Shanghai it is still 31 March for her, but the documents she opens are dated the
    company's day (a defect found on 31 March is 15 days after a sale of 16 March: a quality
    defect the manufacturer pays; on 1 April it is the dealer's in-warranty return)."""

    @freeze_time("2026-04-01 02:00:00")
    def test_new_documents_take_the_company_day(self):
        self.company.partner_id.tz = "Asia/Shanghai"
        self.user_desk.tz = "America/Los_Angeles"
        self.user_manager.tz = "America/Los_Angeles"
        day = date(2026, 4, 1)
        for model, fnames, user in (
            ("after_sales.return", ["date_request", "date_defect"], self.user_desk),
            ("after_sales.parts.request", ["date_request"], self.user_desk),
            ("after_sales.contract", ["date_start"], self.user_manager),
        ):
            with self.subTest(model=model):
                defaults = self.env[model].with_user(user).default_get(fnames)
                self.assertEqual([defaults[f] for f in fnames], [day] * len(fnames))


@tagged("post_install", "-at_install")
class TestNoticeMailMigration(ServiceCase):
    def test_existing_template_gets_the_notice_total(self):
        """The notice mail's template is not updated from its data file: the migration to
        19.0.1.4.0 rewrites the amounts in each language's body, and leaves the rest."""
        path = pathlib.Path(__file__).parents[1] / "migrations" / "19.0.1.4.0" / "post-migrate.py"
        spec = importlib.util.spec_from_file_location("after_sales_notice_migration", path)
        migration = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)
        template = self.env.ref("after_sales_service.mail_template_after_sales_writeoff_notice")
        amount = """<strong t-out="format_amount(object.reimbursed_amount, object.currency_id) \
or ''">620.00</strong>"""
        capitals = """<t t-out="object.amount_credited_cn or ''"/>"""
        old = {
            "en_US": f"<p>{amount} ({capitals}) will be deducted</p>",
            "zh_CN": f"<p>{amount}（{capitals}）将从贵方应付货款中扣除</p>",
        }
        self.env.cr.execute(
            "UPDATE mail_template SET body_html = %s::jsonb WHERE id = %s",
            [json.dumps(old), template.id],
        )
        template.invalidate_recordset(["body_html"])
        migration.migrate(self.env.cr, "19.0.1.3.0")
        total = "object.reimbursed_amount + object.notice_tax_amount"
        for lang in ("en_US", "zh_CN"):
            with self.subTest(lang=lang):
                body = template.with_context(lang=lang).body_html
                self.assertIn(f"format_amount({total}, object.currency_id)", body)
                self.assertIn(f"object._amount_cn({total})", body)
                self.assertNotIn("amount_credited_cn", body)
        self.assertIn("将从贵方应付货款中扣除", template.with_context(lang="zh_CN").body_html)
