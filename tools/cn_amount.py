"""Amounts in Chinese capital numerals (人民币大写), as finance writes them on vouchers and on the
write-off notice: 壹万贰仟叁佰肆拾伍元陆角柒分, 壹仟零伍元整, 壹拾万元整.

The rules are those of the People's Bank of China's bookkeeping norms (《支付结算办法》附一):
- digits 零壹贰叁肆伍陆柒捌玖, units 拾佰仟 inside a group of four, groups 万 and 亿;
- one 零 stands for any run of zeros between two non-zero digits, also across a group boundary
  (壹万零伍元, 壹亿零壹万元), but no 零 before 元 when the yuan end in zeros (壹拾万元整);
- 元 then 角 and 分; 整 after 元 or 角 when there are no 分; when there are yuan but no 角 and
  there are 分, a 零 stands for the 角 (壹元零伍分); leading 壹拾 keeps its 壹 (壹拾元整);
- zero is 零元整; a negative amount is written 负 before it.
"""

from decimal import ROUND_HALF_UP, Decimal

DIGITS = "零壹贰叁肆伍陆柒捌玖"
SMALL_UNITS = ("", "拾", "佰", "仟")
GROUP_UNITS = ("", "万", "亿", "万亿")
MAX_YUAN = 10**16 - 1


def _group_to_text(group):
    """Write a number 0..9999 with 拾佰仟, marking internal zeros with one 零; no leading or
    trailing 零 (the caller handles zeros between groups)."""
    text = ""
    pending_zero = False
    for position in range(3, -1, -1):
        digit = group // 10**position % 10
        if digit == 0:
            if text:
                pending_zero = True
            continue
        if pending_zero:
            text += DIGITS[0]
            pending_zero = False
        text += DIGITS[digit] + SMALL_UNITS[position]
    return text


def _yuan_to_text(yuan):
    groups = []
    while yuan:
        groups.append(yuan % 10000)
        yuan //= 10000
    text = ""
    need_zero = False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            need_zero = bool(text)
            continue
        if text and (need_zero or group < 1000):
            text += DIGITS[0]
        unit = GROUP_UNITS[index]
        if index == 3 and groups[2]:
            unit = "万"  # 玖仟万玖仟亿: the 亿 of the next group covers both
        text += _group_to_text(group) + unit
        need_zero = False
    return text


def amount_to_chinese(amount):
    """Return ``amount`` (int, float, str or Decimal, in yuan) in Chinese capital numerals,
    rounded half-up to the fen. Raises ``ValueError`` beyond 9,999,999,999,999,999.99 yuan."""
    value = Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "负" if value < 0 else ""
    fen_total = int(abs(value) * 100)
    yuan, cents = divmod(fen_total, 100)
    if yuan > MAX_YUAN:
        raise ValueError(f"amount too large for Chinese capital numerals: {amount}")
    jiao, fen = divmod(cents, 10)
    if not yuan and not cents:
        return "零元整"
    text = ""
    if yuan:
        text = _yuan_to_text(yuan) + "元"
    if not cents:
        return sign + text + "整"
    if jiao:
        text += DIGITS[jiao] + "角"
    elif yuan:
        text += DIGITS[0]
    if fen:
        text += DIGITS[fen] + "分"
    else:
        text += "整"
    return sign + text
