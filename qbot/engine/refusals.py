"""Questions that read well but ask what no query can say, each declined with its reason, and
the call medium a question names. Kept out of readings so each rule is one short function."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from qbot.engine import direction
from qbot.engine import lexicon as lx

if TYPE_CHECKING:
    from qbot.engine.parser import Slots

_EXCLUDED = re.compile(r"(?:不含|不包括|不包含|不算|除了|除去|排除|去掉|不要|不看)\s*$")
_OWNERS_OWN = re.compile(r"机主(?:本人|自己)?(?:的)?\s*$")


def before_sources(found: Slots) -> str | None:
    """The reason to decline, known from the words alone, or None."""
    if _voice_messages(found):
        return ("“发…条微信语音”说的是语音消息，不是语音通话；消息的类型（语音、图片）还不能单独统计。"
                "要问语音通话，请说“打了几次微信语音”。")
    if any(not any(0 <= m.span[0] - t.span[1] <= 1 for m in found.mentions) for t in found.of("stranger")):
        # "陌生号码177 7327 0296" describes the number named; alone it would be a filter
        return "“陌生号码”（不在通讯录里的号码）还不能作为筛选条件；可以问某个号码，或列出来电后查看。"
    if any(_EXCLUDED.search(found.text[:t.span[0]]) for t in found.of("status")):
        # "不算未接来电，通话一共几次": read as a filter, the status would count only those calls
        return "去掉某种通话状态（如“不算未接”）还不能计算；请直接说要看的状态，例如“接通的通话有几次”。"
    if found.has("this_record"):
        return "“那次”“这条”指的是哪一条记录不能确定；请说明对象和时间，例如“机主最后一次和李娜通话打了多久”。"
    if found.has("callee_rejected"):
        return ("对方挂断机主打出的电话，在通话记录里与对方没有接听无法区分（都记为未接通）；"
                "可以问“李娜没接机主的电话有几次”。")
    if found.has("one_handle"):
        return ("一个人的号码、邮箱和微信号是合并统计的；只看其中一个号码或邮箱还不能计算。"
                "可以去掉“用邮箱”这类说法，按这个人统计。")
    if found.has("third_party") or direction.between_others(found):
        return ("记录只有机主和对方之间的往来，看不到其他人之间的通话和消息（谁给某人打过电话）；"
                "可以问机主和此人的往来，例如“机主和李娜通话几次”。")
    return None


def owners_own(found: Slots) -> str | None:
    """"机主的微信号": the records hold the other side's numbers, not the owner's own."""
    lookups = [t for t in found.of("measure") if t.value == "lookup"]
    if not found.mentions and lookups and _OWNERS_OWN.search(found.text[:lookups[0].span[0]]):
        return ("机主本人的号码和微信号不在本案的通讯录和往来记录里（记录只有对方的号码和账号），"
                "只能查联系人的号码，例如“张伟的手机号是多少”。")
    return None


def media(found: Slots) -> str:
    """"微信视频", "视频通话": video calls only, which the call records tell apart; naming 语音 as
    well (语音和视频, 音视频) means every call, and 微信语音 alone stays every WeChat call."""
    video = any("视频" in found.word(t) for t in found.of("source"))
    return "video" if video and "语音" not in found.text and "音视频" not in found.text else ""


def _voice_messages(found: Slots) -> bool:
    """"发了多少条微信语音": sent by the piece (条, 发), 微信语音 is a voice message, not a call."""
    voice = any("语音" in found.word(t) and t.value[0] == (lx.CALLS,) for t in found.of("source"))
    sent = any("条" in found.word(t) for t in found.of("total")) or any(
        "发" in found.word(t) for t in found.of("out_word", "in_word", "send_verb", "dir"))
    return voice and sent
