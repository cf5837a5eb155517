from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from odoo.tests import BaseCase, tagged

from ..tools.cn_amount import amount_to_chinese
from .property_settings import PROPERTY_SETTINGS

DIGIT_VALUES = {c: i for i, c in enumerate("零壹贰叁肆伍陆柒捌玖")}
SMALL = {"拾": 10, "佰": 100, "仟": 1000}


def parse_chinese(text):
    """Read capital numerals back into a Decimal (test oracle for the round trip)."""
    sign = -1 if text.startswith("负") else 1
    text = text.removeprefix("负").removesuffix("整")
    yuan_text, _, rest = text.partition("元") if "元" in text else ("", "", text)
    total = 0
    section = 0
    number = 0
    for char in yuan_text:
        if char in DIGIT_VALUES:
            number = DIGIT_VALUES[char]
        elif char in SMALL:
            section += number * SMALL[char]
            number = 0
        elif char == "万":
            total += (section + number) * 10**4
            section = number = 0
        elif char == "亿":
            total = (total + section + number) * 10**8
            section = number = 0
    total += section + number
    cents = 0
    number = 0
    for char in rest:
        if char in DIGIT_VALUES:
            number = DIGIT_VALUES[char]
        elif char == "角":
            cents += number * 10
            number = 0
        elif char == "分":
            cents += number
            number = 0
    return sign * (Decimal(total) + Decimal(cents) / 100)


@tagged("post_install", "-at_install")
class TestChineseAmount(BaseCase):
    def test_table(self):
        rows = [
            ("12345.67", "壹万贰仟叁佰肆拾伍元陆角柒分"),
            ("1005", "壹仟零伍元整"),
            ("100000", "壹拾万元整"),
            ("0", "零元整"),
            ("0.05", "伍分"),
            ("0.50", "伍角整"),
            ("1.05", "壹元零伍分"),
            ("10", "壹拾元整"),
            ("10.5", "壹拾元伍角整"),
            ("15", "壹拾伍元整"),
            ("110", "壹佰壹拾元整"),
            ("101", "壹佰零壹元整"),
            ("1010", "壹仟零壹拾元整"),
            ("10005", "壹万零伍元整"),
            ("100010000", "壹亿零壹万元整"),
            ("100000001", "壹亿零壹元整"),
            ("10000100", "壹仟万零壹佰元整"),
            ("2700", "贰仟柒佰元整"),
            ("620", "陆佰贰拾元整"),
            ("1500.00", "壹仟伍佰元整"),
            ("60200.09", "陆万零贰佰元零玖分"),
            ("-1800", "负壹仟捌佰元整"),
            ("0.005", "壹分"),
            (
                "9999999999999999.99",
                "玖仟玖佰玖拾玖万玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分",
            ),
        ]
        for amount, expected in rows:
            with self.subTest(amount=amount):
                self.assertEqual(amount_to_chinese(amount), expected)
        self.assertEqual(amount_to_chinese(1234.5), "壹仟贰佰叁拾肆元伍角整")
        with self.assertRaises(ValueError):
            amount_to_chinese(10**16)

    @PROPERTY_SETTINGS
    @given(st.integers(min_value=-(10**16) + 1, max_value=10**18 - 1))
    def test_round_trip(self, fen):
        amount = Decimal(fen) / 100
        if abs(amount) > Decimal("9999999999999999.99"):
            return
        text = amount_to_chinese(amount)
        self.assertEqual(parse_chinese(text), amount, text)

    @PROPERTY_SETTINGS
    @given(st.integers(min_value=1, max_value=10**12))
    def test_zero_rules(self, fen):
        text = amount_to_chinese(Decimal(fen) / 100)
        self.assertNotIn("零零", text)
        self.assertFalse(text.startswith("零"), text)
        self.assertNotIn("零元", text)
        self.assertNotIn("零万", text)
        self.assertNotIn("零亿", text)
        self.assertEqual(text.endswith("整"), fen % 10 == 0)
