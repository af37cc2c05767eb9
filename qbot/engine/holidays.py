"""The official days off of China's public holidays, from the chinese-calendar package.

A holiday's days off are the State Council's yearly notice, not a rule that can be computed (the
lunar festivals move, and weekends are joined or swapped each year), so they come from the
package's tables: a year it does not cover has no answer here, never a guess."""

from __future__ import annotations

import functools
from datetime import date, timedelta

# chinese_calendar.Holiday member names (the spec's `holiday` field) → the examiner's word.
NAMES = {
    "new_years_day": "元旦",
    "spring_festival": "春节",
    "tomb_sweeping_day": "清明节",
    "labour_day": "劳动节",
    "dragon_boat_festival": "端午节",
    "national_day": "国庆节",
    "mid_autumn_festival": "中秋节",
}


@functools.cache
def _labelled() -> dict[tuple[str, int], tuple[date, ...]]:
    """(holiday, year) → the days the package labels with that holiday, sorted."""
    import chinese_calendar  # here, not at import: only a holiday question pays for its tables

    names = {chinese_calendar.Holiday[name].value: name for name in NAMES}
    found: dict[tuple[str, int], list[date]] = {}
    for day, label in chinese_calendar.holidays.items():
        if (name := names.get(label)) is None:
            continue
        # New Year's days off may begin on 30/31 December (2024's did): they are the next year's.
        year = day.year + (name == "new_years_day" and day.month == 12)
        found.setdefault((name, year), []).append(day)
    return {key: tuple(sorted(days)) for key, days in found.items()}


def _unlabelled_rest_day(day: date) -> bool:
    import chinese_calendar

    try:
        return chinese_calendar.get_holiday_detail(day) == (True, None)
    except NotImplementedError:  # outside the package's years
        return False


@functools.lru_cache(maxsize=512)  # each lookup walks the package's tables
def days_off(name: str, year: int) -> tuple[date, date] | None:
    """The first and last official day off of holiday `name` in `year`, or None when the package
    has no such days (a year it does not cover, or before 清明/端午/中秋 became holidays in 2008).

    When National Day and Mid-autumn share one block, each holiday keeps the days labelled with
    its own name (2023: 中秋 29 September, 国庆 30 September to 6 October); a day of the other
    holiday inside the span (2017's 中秋 on 4 October) stays in it, a window being one span."""
    labelled = _labelled().get((name, year))
    if not labelled:
        return None
    first, last = labelled[0], labelled[-1]
    # The tables label only some of the weekend days joined to a holiday ("与周末连休": 2024's
    # 端午 is labelled on Monday 10 June, off from Saturday the 8th), so the block grows over
    # unlabelled rest days on either side; a labelled day of another holiday stops it.
    while _unlabelled_rest_day(first - timedelta(days=1)):
        first -= timedelta(days=1)
    while _unlabelled_rest_day(last + timedelta(days=1)):
        last += timedelta(days=1)
    return first, last
