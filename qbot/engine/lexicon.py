"""The words the parser knows, each with the slot it fills. Order matters: earlier patterns claim
their characters first, so longer and more specific phrases come before the words inside them
("最近一次" before the time word "最近", "电话号码" before "电话", "给机主打" before "打").

Every pattern runs over normalised text (`qbot.engine.normalize`: simplified, half-width,
lower-case). A word no pattern claims is "not understood", and the engine says so."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

CALLS, MESSAGES, CONTACTS = "calls", "messages", "contacts"


@dataclass(frozen=True)
class Word:
    tag: str  # the slot: source, app, dir, status, measure, group, rank, total, when, who_is, activity, fill, …
    value: Any
    pattern: re.Pattern[str]


def _w(tag: str, value: Any, pattern: str) -> Word:
    return Word(tag, value, re.compile(pattern))


# Claimed before the time words: "最近一次" is the last record, not the window "最近".
LAST = (r"最后一次|最近一次|最近的一次|最近一条|最近一通|上一次|上次|末次|最新(?:的)?(?:一次|一通|一条|一个)?|"
        r"最后(?:的)?(?:一通|一条|一个)|最后|last time")
FIRST = r"最早(?:的)?(?:一次|一通|一条)|第一次|第一条|第一通|最初(?:的)?(?:一次|一通|一条)?|头一次|头一回"
EARLY = [re.compile(LAST), re.compile(FIRST)]

# A source is (kinds, app); app "" means every app holding those kinds.
ALL_CALLS = ((CALLS,), "")
ALL_MESSAGES = ((MESSAGES,), "")
CALLS_AND_MESSAGES = ((CALLS, MESSAGES), "")

WORDS: list[Word] = [
    # "那次通话打了多久" opening the question: one record said before, which a new question does
    # not have ("打给Barney的那通电话" says which); as filler it would have meant every call
    _w("this_record", None, r"(?:^|(?<=[,。?!\s]))(?:那次|这次|那通|这通|那条|这条)"),
    # "机主的电话被李娜挂断": the other side refused the owner's call (before the status words)
    _w("callee_rejected", None, r"机主(?:的)?(?:电话|去电|通话)?被\x00*(?:挂断|挂掉|挂了|拒接|拒绝接听)"),
    # "陌生号码", "通讯录以外的号码": numbers the address book lacks, which no filter says; read as
    # 号码 they would have counted every number (before 通讯录 and 号码 claim their words)
    _w("stranger", None, r"陌生(?:号码|电话|人|号)|(?:不在|没在|未存|没存|没有存)(?:在)?通讯录(?:里|中)?(?:的)?|通讯录(?:以外|之外)(?:的)?"),
    # "给李娜打电话的人": people who called someone else, which the owner's records cannot show
    # (before "…的人有几个" claims 人)
    _w("third_party", None, r"(?:给|向)\x00+(?:打|发|拨)[^的]{0,10}的(?=人|联系人|号码)"),
    # -- before the kind words they follow: "通话量", "消息数" are totals, "…的人数" a count of people
    _w("total", None, r"(?<=[话息信录]) ?(?:数量|数|量)(?![据字])"),
    _w("people_count", None, r"(?<=[的有])人数|(?<=的)(?:人|联系人)(?:一共|总共)?有?(?:几个|几位|多少个?|多少位)"),
    # "前五个人": the people a limit ranks (before the limit claims 前五个)
    _w("group", "person", r"(?:(?<=前[0-9一二两三四五六七八九十][个位名])|(?<=前[0-9一二两三四五六七八九十]{2}[个位名]))"
                          r"(?:联系人|人)"),
    # -- who did what to whom: direction through the owner's place in the sentence
    # "X没接机主的电话", "机主打给谁没人接": the other side did not answer the owner's call.
    _w("callee_missed", None, r"没(?:有)?接(?:听)?机主(?:的)?(?:电话|来电)?|没人接|无人接听|没有人接|对方没接|对方未接(?:听)?"),
    _w("dir", "in", r"(?:给|向|对)机主(?:打|拨|发|回|来)|(?:打|发|拨|回)给机主|(?:打|发)(?:来|过来)给机主|"
                    r"主动(?=\S{0,4}机主)"),
    _w("dir", "out", r"机主主动(?:地)?"),
    # "谁收到机主的短信", "谁接到机主电话": the owner is the sender, whatever 收到 says alone;
    # "谁回复机主": the owner is the one replied to.
    _w("dir", "out", r"(?:收到|接到|接收)(?:了|过)?机主(?=的|发|打|电话|来电|短信|消息|微信|信息)"),
    _w("dir", "in", r"(?:回复|回)(?:了|过)?机主"),
    # "机主在微信上主动发给…": 主动 with the owner before it (out) or after it (in), judged in readings
    _w("initiative", None, r"主动(?:地)?"),
    _w("dir", "in", r"给机主(?!打|发|拨|回)"),
    _w("dir", "out", r"机主(?:主动)?(?:打给|发给|拨给|回给|给|向|呼叫|拨打)|机主(?:主动)?(?=打电话给|发短信给|发消息给|发微信给)"),
    _w("source_in", ((CALLS,), ""), r"(?:呼叫|call(?:s|ed)?\s*)(?=机主)"),
    # "吴昊用邮箱发的": one of a person's handles, which the merged person cannot single out
    _w("one_handle", None, r"(?<!不管)(?<!无论)(?<!不论)(?:用|通过|从)(?:他|她)?(?:的)?(?:邮箱|电子邮件|手机号|手机号码|座机|固话)"),
    # "机主发的短信": the owner is the sender (not after 给/和: "给机主发的" is incoming)
    _w("dir", "out", r"(?<![跟和与给向同对])机主(?:一共|总共|共)?发(?:的|过的)"),
    # "给 X 打/发" with the owner as the subject; X is a person the parser has already claimed
    # (hidden as \x00) or the asked-for person ("给谁打").
    _w("dir", "out", r"(?:给|向)(?=(?:\x00+|谁|哪些人|哪个人|哪位)(?:打|发|拨|回))|(?<=打电话|发短信|发消息|发微信)给(?!机主)"),
    # "机主发微信最多": a bare 发 before a message word has the owner as its subject; weaker than 收到.
    _w("both_ways", None, r"收发(?=微信|短信|消息|信息|imessage)"),  # before 发: "收发消息" is both ways
    _w("send_verb", None, r"发(?=微信|短信|消息|信息|imessage)"),
    _w("dir_owner_calls", "out", r"(?<![跟和与给向同对])机主(?:一共|总共|共)?\x00*(?:一共|总共|共)?打(?:了|过)"),
    _w("groups_included", None, r"(?:群聊|群消息|群)(?:也算|也包括|都算)(?:进去|在内)?|(?:包括|含|算上)群(?:聊|消息)?(?:在内)?"),
    # -- lookups: numbers and accounts ("电话号码" before "电话")
    _w("measure", "lookup", r"号码多少|号码是啥|号码是什么|电话多少|邮箱|电子邮件|e-?mail|(?:的)?(?:电话|手机)?号码?是多少|(?:电话|手机)号码|手机号|联系方式|微信号(?:是多少|是什么|是啥|多少)?|"
                            r"(?:的)?号码是|的号码|(?:几|多少|哪些|什么)个?号码|号码有(?:几|多少|哪些)个?"),
    # -- call states ("未接来电" before "来电")
    _w("status", ("missed",), r"未接来电|未接电话|未接听|未接|漏接|missed"),
    _w("status", ("missed", "rejected", "unanswered"), r"没有接通|没有打通|未能接通|未接通|没接通|没打通|打不通"),
    _w("status", ("missed", "rejected"), r"没有接(?!通)|没接(?!通)|未应答|不接"),
    _w("status", ("rejected",), r"拒接|拒绝接听|拒听|挂断|挂掉|rejected"),
    _w("status", ("answered",), r"接通|已接|接听了|接听过"),
    # -- sources bound to an app
    _w("source", ((CALLS,), "微信"), r"微信(?:上)?(?:的)?(?:语音|视频)(?:和|与|及|、|或)(?:语音|视频)(?:通话|电话)?|"
                                    r"微信(?:上)?(?:的)?(?:语音|视频|音视频)?(?:通话|电话)|微信语音|微信视频"),
    _w("source", ((CALLS,), "FaceTime"), r"facetime(?:通话|电话)?"),
    _w("source", ((MESSAGES,), "iMessage"), r"imessage(?:消息|信息)?"),
    _w("source", ((CALLS,), "电话"), r"普通电话|手机通话|运营商电话|手机电话|电话通话记录|手机打的电话"),
    _w("source", ((MESSAGES,), "短信!"), r"普通短信|sms短信|运营商短信|(?<![a-z])sms(?![a-z])|(?<![a-z])texts?(?![a-z])"),
    _w("source", ((MESSAGES,), "短信"), r"短信|简讯|短消息"),
    _w("source", ((MESSAGES,), "微信"), r"微信(?:上)?(?:的)?(?:消息|聊天(?:记录)?|信息|文字)"),
    # -- sources with a direction built in
    _w("source_in", ALL_CALLS, r"来电|打来|打过来|打进来|呼入|接到(?:的)?电话|incoming"),
    _w("source_out", ALL_CALLS, r"打出去|打出|拨出|呼出|去电|拨打|致电|打给|拨给|呼叫|outgoing|(?<![a-z])owner call(?:ed|s)?(?![a-z])"),
    # -- measures (before the plain kind words they contain)
    _w("measure", "average", r"平均(?:每(?:一)?(?:次|通|个))?(?:的)?(?:通话|电话)?(?:打)?(?:的)?(?:时长|时间|多长时间|多久)"
                             r"|(?:通话|电话)?平均(?:通话)?(?:时长|时间)"),
    _w("measure", "duration", r"通话时长|通话总时长|总时长|时长|通话时间最长|时间最长|最长|最久|多久|多长时间|煲电话粥|"
                              r"聊得最久|聊得久|打得最长|打得最久|打得久|通话时间|longest|duration"),
    _w("measure", "first", FIRST),
    _w("measure", "first", r"第一次|第一条|第一通|第一个|首次|最早(?:的)?(?:一次|一通|一条)?|最开始|first"),
    _w("measure", "last", LAST),
    # -- plain kind words
    _w("source", ALL_CALLS, r"通过话|通过?(?=(?:多少|几|\d+)次?话)|(?<=次)话|打(?:了|过)?(?:的)?电话|电话|通话|语音通话|视频通话|呼叫|(?<![a-z])call(?:s|ed)?(?![a-z])|(?<![a-z])phone(?![a-z])"),
    _w("source", ALL_MESSAGES, r"消息|信息|聊天(?:记录)?|聊|私信|(?<![a-z])messages?(?![a-z])|(?<![a-z])chat(?:s|ted)?(?![a-z])"),
    _w("people_group", None, r"(?<=的)(?:人|联系人)都?有哪些|哪些人|哪几个人|哪几位|有谁|都有谁|哪些联系人"),
    _w("people_count", None, r"多少(?:个|位)?(?:不同的)?(?:人|联系人)|几(?:个|位)(?:不同的)?(?:人|联系人)"),
    # Only when no other source is named: "电话和短信加起来，跟谁联系最多" reads the two named.
    _w("contact_verb", CALLS_AND_MESSAGES, r"联系(?!人|方式)|来往|往来|沟通|交流|互动|(?<![a-z])contact(?:ed)?(?![a-z])"),
    _w("app", "微信", r"微信|(?<![a-z])wechat(?![a-z])"),
    _w("source", ((CONTACTS,), ""), r"通讯录"),
    _w("activity", None, r"活跃|活动|使用情况|概况"),
    # -- how to group and order
    _w("daily", None, r"每天|每日|每一天"),
    _w("group", "day", r"哪一天|哪天|哪日|按天|哪几天|按日"),
    _w("group", "month", r"哪个月|每个月|每月|按月|哪几个月"),
    _w("group", "hour", r"(?:一天(?:中|里|当中|内)?(?:的)?)?(?:几点钟?|哪个钟点|什么钟点)|一天(?:中|里|当中|内)?(?:的)?什么时候|哪个时段|什么时段|哪个时间段|什么时间段|哪个小时|每小时|按小时|"
                        r"一天(?:中|里|当中)?(?:的)?(?:什么时候|哪个时候|什么时间)"),
    _w("group", "weekday", r"(?:一周(?:中|里|当中|内)?(?:的)?)?(?:星期几|周几|礼拜几|哪个星期几)"),
    _w("group", "app", r"按(?:应用|渠道|app)|哪(?:个|些)(?:应用|app|渠道|软件|工具)|各(?:个)?(?:应用|渠道)|分(?:应用|渠道)"),
    _w("rank", "asc", r"最少|最不"),
    # "张伟和李娜谁打来的电话多": a comparison of the people named, answered as their ranking
    _w("rank", "desc", r"(?<=[话息信录天\x00])多(?=$|[?。,!]|吗|呢|一些|些)|更多|多一些"),
    _w("rank", "desc", r"最多|最频繁|比较频繁|很频繁|频繁|最集中|最经常|经常|常常|最常|最勤|最密切|排名|排行|最活跃|(?<![a-z])most(?![a-z])"),
    _w("limit", None, r"排(?:在)?前\s*(\d+|[一二两三四五六七八九十]+)\s*(?:名|位|个)?|前\s*(\d+|[一二两三四五六七八九十]+)\s*(?:名|位|个)?|"
                      r"top\s*(\d+)"),
    _w("rank", "desc", r"排名第一|排第一|第一名"),
    # "第二多", "排第三", "第一是谁": a place in the ranking, answered with the ranking that shows it
    _w("rank", "desc", r"第[二三四五2-5]多|排(?:在)?第[一二三四五六七八九十0-9]{1,2}(?:名|位)?|(?<![0-9a-z])第一(?=是谁|是哪)"),
    _w("by_person", None, r"按(?:联系人|人|对方|号码)|各(?:个)?联系人|每(?:个|一个|位)联系人|每个号码"),
    _w("who_is", None, r"是谁|是哪个|是哪位|是什么人|(?<![a-z])who(?![a-z])"),
    _w("group", "person", r"谁|哪个人|哪位|什么人|哪个联系人|联系人|对方|对象"),
    _w("total", None, r"总次数|总条数|总量|总数|几多|(?:通话|消息|短信|微信|记录)(?:数量|数|量)|多少次|几次|多少通|几通|多少条|几条|多少|几个|总共|一共|总计|合计|共计|总数|数量|次数|条数|"
                      r"how many|(?<![a-z])total(?![a-z])"),
    _w("when", None, r"什么时候|何时|什么时间|哪个时间|when"),
    _w("list", None, r"都列出来|列出来|哪些|有什么|列出|列一下|清单|明细|内容|详情|记录了什么"),
    _w("each", None, r"分别|各自|每个人|每人|各是|(?<=[\u4e00-\u9fff\x00])呢"),
    _w("both_ways", None, r"收发|互相|互发|互打|接打|打接|双向|来回"),
    _w("in_word", None, r"发来|发过来|传来|收到|接到|接收|received"),
    _w("out_word", None, r"发出去|发出|发送|发了|发过|发给|回复|(?<![a-z])sent(?![a-z])"),
    _w("exclude", None, r"不含|不包括|不包含|不算|除了|除去|排除|去掉|不要|不看"),
    _w("kw_intro", None, r"说过|说到|含有|包含|含|说|提到|提及|涉及|关于|讲到|谈到|出现(?:过)?|字样|关键词|关键字|带有"),
    # -- words that carry no meaning of their own here
    _w("yesno", None, r"有没有|是不是|是否|有无|有过吗"),
    _w("include", None, r"也算上|也算|算上|加上|包括|一起算|都算|加起来|合起来|合并|加在一起|也包括|还有"),
    _w("fill", None, r"这个号码|该号码|号码|这个账号|该账号|账号|这个人|这个词|这个字|那通|那条|那次|这通|这条|"
                     r"存的是|存成|存为|保存为|备注为|备注|是什么|各多少条|各多少次|各多少|分别多少|不管是|无论是|不论是|"
                     r"不管|无论|还是|使用|用|通过|所有渠道|全部渠道|各个渠道|各渠道|所有应用|全部应用|各个应用|各应用|搜索|搜一下|"
                     r"查找|找找|那位|那个人|这位|存的|或者|或|以外|之外|提取到的|提取到|提取的|整个提取期间|整个期间|分一下|各有|"
                     r"方式|时段|算进去|在内|pls|please|分布|的一天|时间|时候"),
    # The case and the device: "本案短信总量" counts the case's SMS, it does not search for 本案.
    _w("fill", None, r"本案中|本案|此案|该案|案子里|案子|案件中|案件|检材中|检材|涉案手机|涉案|这台手机|这台|该手机|该iphone|这部手机|"
                     r"这个手机|核查一下|核查|核实"),
    _w("fill", None, r"只看|只算|只统计|只查|仅看|仅统计|仅算|单看|光看|只要|只有|仅"),
    _w("fill", None, r"请问|请你|请|帮我|帮忙|麻烦|能否|可以|能不能|查一下|查查|查询|查下|查看|查|看看|看一下|看下|"
                     r"统计一下|统计|分析一下|分析|一下|告诉我|我想知道|想知道|我想|列出来|显示|给出|找出|找一下|"
                     r"机主|本机|户主|这部手机|手机上|手机|(?<![a-z])owner(?![a-z])|用户|之间|期间|当中|一起算|一起|加起来|加在一起|合并|"
                     r"合起来|算上|都算|也算|包括|比较|情况|记录|数据|所有|全部|总的|分别|一般|到底|究竟|具体|"
                     r"是多少|通知|相关|方面|以来|为止|以内|的时候|那个|这个|一位|一个|累计|累积|加总|总体|整体"),
    _w("fill", None, r"(?<![a-z])(?:the|did|does|do|with|to|has|have|is|was|were|in|on|of|a|an|and|by|made|make|got|"
                     r"leave|left|give|gave|get|receive|from|at|for|which|what|me|please|show)(?![a-z])"),
    _w("fill", None, r"[的了吗呢吧啊呀嘛是都有过和跟与同及在上里中内对把被最次条通个位人给就又还也再很挺太更得地着呐哦么打发算加各找存看共按但而并]"),
]

# Numerals of "前三名".
CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}

QUOTE_MARKS = r"[“”\"「」『』‘’']"
QUOTED = re.compile(r"[“\"「『‘']([^”\"」』’']{1,30})[”\"」』’']")
KEYWORD_AFTER = re.compile(
    r"(?:提到|提及|包含|含有|涉及|关于|说到|说过|讲到|谈到|内容有|带有)(?:了|过)?\s*(?:关键词|关键字)?[:]?\s*"
    r"([^\s,。?!;:的]{1,12}?)(?=的|相关|字样|内容|消息|短信|聊天|信息|记录|吗|没有|最|多少|几|次|条|[,。?!;]|$)")
PUNCTUATION = re.compile(r"[\s,.!?;:、()\[\]{}<>《》“”\"'‘’·…~\-—_/\\|@#$%^&*+=`，。？！；：]+")
