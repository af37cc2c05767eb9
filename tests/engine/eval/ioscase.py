"""The "ios" case: an iPhone extraction (CallHistory.storedata, sms.db, AddressBook.sqlitedb) and the
owner's Android spare phone with WeChat (EnMicroMsg.db), written in the apps' real formats by a
seeded generator (same seed, same bytes) and imported through qbot's importers.

Asia/Shanghai, 2024-04-10 .. 2024-10-09 22:00 (the newest record falls on Wednesday 2024-10-09);
about 4k records. Facts (checked after every build by `cases.check_ios_facts`):
- 孙丽 leads calls over the whole period; 周强 leads the last 30 days (ZADDRESS spells his number
  +86 138 0013 8000, 0086-13800138000, 138-0013-8000, 13800138000, +8613800138000).
- 吴昊 calls between 00:30 and 04:00; he writes iMessage from wuhao.sh@icloud.com and from his
  number and makes FaceTime calls from the e-mail: one person, merged by the address book.
- 郑雪 has a few short phone calls but long WeChat calls: first by call duration only when WeChat
  calls count (phone calls alone: 孙丽).
- 马超 leaves 15 missed calls within ~70 minutes on 2024-09-27 from 21:10.
- 何军 has a mobile, an office line (021-6234 5678) and an e-mail in the address book.
- 林峰 only calls; his name comes from the address book alone.
- 王芳 and 王芳芳 are two persons; the WeChat remarks 王总(建材) and 王总(物流) are two persons who
  both fit "王总".
- SMS from 95555 (【招商银行】), couriers (95338 顺丰, 菜鸟驿站), 京东 codes and 10086; 王芳 also
  mentions 银行 over iMessage, so "银行…短信" reads differently as SMS or as SMS+iMessage.
- iMessage group chat 周末羽毛球 (吴昊, 王芳, 何军); WeChat groups 家人群 and 项目协调群.
"""

from __future__ import annotations

import random
import sqlite3
import uuid
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from qbot.evidence import formats
from qbot.evidence.importing import import_paths

CASE_ID = "ios"
CASE_NAME = "iPhone 与微信备用机案"
TIMEZONE = "Asia/Shanghai"
IPHONE = "机主 iPhone 13"
ANDROID = "机主备用机 (Android 微信)"
LOCAL = timezone(timedelta(hours=8))
START = datetime(2024, 4, 10, tzinfo=LOCAL)
END = datetime(2024, 10, 9, 22, 0, tzinfo=LOCAL)
DAYS = (END - START).days + 1
BURST = datetime(2024, 9, 27, 21, 10, tzinfo=LOCAL)
APPLE = datetime(2001, 1, 1, tzinfo=timezone.utc)
ABSENT_NUMBER = "13999999999"  # no record or contact of the case has it (a DECLINE item asks about it)
OWNER_WXID, OWNER_NUMBER = "wxid_owner_k2x9", "18912340000"
SURNAMES = "李张刘陈杨黄赵周吴徐孙朱胡郭高罗梁宋唐许韩冯邓曹彭曾萧田董潘蒋蔡余杜叶程苏魏吕丁沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = ["伟", "娜", "秀英", "敏", "静", "丽娟", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超", "霞",
         "平", "刚", "桂英", "文", "辉", "建华", "鹏", "红", "玉兰", "飞", "鑫", "波", "斌", "宇", "浩", "凯", "婷"]
PREFIXES = ["130", "131", "132", "135", "136", "137", "138", "139", "150", "151", "152", "155", "158", "159",
            "176", "177", "180", "181", "183", "186", "187", "188", "189"]
CHAT = ["在吗", "好的", "收到", "晚上几点？", "我到楼下了", "这个价格可以", "明天再说吧", "辛苦了", "刚看到消息",
        "老地方见", "已经处理好了", "周五下午有空", "我这边没问题", "等我十分钟", "吃饭了吗", "路上堵车"]
MONEY = ["钱已经转账给你了，注意查收", "[转账]请收款", "明天把尾款转账过来", "转账收到了"]
BADMINTON = ["周六几点打球？", "老地方，下午三点", "我带球拍", "场地订好了", "这周我来不了", "+1", "谁带水？"]


@dataclass
class Person:
    name: str  # family name first, as the address book shows it
    numbers: tuple[str, ...]
    email: str | None = None
    wxid: str | None = None
    weight: float = 1.0  # share of ordinary phone calls
    iphone: bool = False  # their messages go over iMessage rather than SMS
    spellings: tuple[str, ...] = ()  # how CallHistory writes the first number

    def spell(self, rng: random.Random) -> str:
        n = self.numbers[0]
        return rng.choice(self.spellings or (n, n, f"+86{n}", f"+86 {n[:3]} {n[3:7]} {n[7:]}"))


def _cast(rng: random.Random) -> list[Person]:
    people = [
        Person("孙丽", ("13912345678",), wxid="wxid_sunli1988", weight=12, iphone=True),
        Person("周强", ("13800138000",), wxid="wxid_zq0451", weight=0.3, spellings=(
            "+86 138 0013 8000", "0086-13800138000", "138-0013-8000", "13800138000", "+8613800138000")),
        Person("吴昊", ("15921876543",), email="wuhao.sh@icloud.com", wxid="wxid_wuhao77", weight=0.3, iphone=True),
        Person("郑雪", ("18621345566",), wxid="wxid_zhengxue", weight=0.5),
        Person("马超", ("13761234590",), weight=1),
        Person("王芳", ("13501234567",), wxid="wxid_wangfang", weight=1.2, iphone=True),
        Person("王芳芳", ("13601234568",), weight=1),
        Person("何军", ("18817654321", "02162345678"), email="hejun@corp-sh.com", weight=1, iphone=True),
        Person("林峰", ("15000112233",), weight=1.5),
    ]
    names = {p.name for p in people}
    numbers = {p.numbers[0] for p in people} | {ABSENT_NUMBER, OWNER_NUMBER}
    while len(people) < 34:
        name, number = rng.choice(SURNAMES) + rng.choice(GIVEN), rng.choice(PREFIXES) + f"{rng.randrange(10**8):08d}"
        if name in names or number in numbers:
            continue
        names.add(name)
        numbers.add(number)
        people.append(Person(name, (number,), weight=rng.uniform(0.2, 1.2), iphone=rng.random() < 0.3))
    return people


def _strangers(rng: random.Random, people: list[Person]) -> list[str]:
    taken = {n for p in people for n in p.numbers} | {ABSENT_NUMBER, OWNER_NUMBER}
    drawn = dict.fromkeys(rng.choice(PREFIXES) + f"{rng.randrange(10**8):08d}" for _ in range(30))
    return [n for n in drawn if n not in taken][:25]


def _day(day: int) -> datetime:
    return START + timedelta(days=day)


def _daytime(rng: random.Random, day: int) -> datetime:
    minute = int(rng.triangular(7 * 60 + 30, 23 * 60 + 50, 19 * 60))
    return _day(day) + timedelta(minutes=minute, seconds=rng.randrange(60))


def _apple_seconds(moment: datetime) -> float:
    return (moment - APPLE).total_seconds()


# -- iPhone: CallHistory.storedata -------------------------------------------------------------

def _calls(rng: random.Random, people: list[Person], strangers: list[str]) -> list[tuple]:
    """(time, address, originated, answered, seconds, ZCALLTYPE, ZSERVICE_PROVIDER)."""
    by = {p.name: p for p in people}
    rows: list[tuple] = []

    def call(moment, person, outgoing=None, provider="com.apple.Telephony", calltype=1, address=None):
        outgoing = rng.random() < 0.5 if outgoing is None else outgoing
        answered = rng.random() < (0.9 if outgoing else 0.88)
        seconds = min(int(rng.expovariate(1 / 150)) + 8, 2400) if answered else 0
        rows.append((moment, address or person.spell(rng), int(outgoing), int(answered), seconds, calltype, provider))

    for day in range(DAYS):
        last30 = day >= DAYS - 30
        weights = [p.weight * (0.06 if last30 and p.name == "孙丽" else 1) for p in people]
        for _ in range(rng.randint(3, 8)):
            moment, roll = _daytime(rng, day), rng.random()
            if roll < 0.05:  # unknown numbers, mostly unanswered
                answered = rng.random() < 0.3
                rows.append((moment, rng.choice(strangers), 0, int(answered),
                             rng.randint(10, 90) if answered else 0, 1, "com.apple.Telephony"))
            elif roll < 0.056:  # number withheld
                rows.append((moment, "", 0, 0, 0, 1, "com.apple.Telephony"))
            else:
                call(moment, rng.choices(people, weights)[0])
        if last30:
            for _ in range(rng.randint(3, 5)):
                call(_daytime(rng, day), by["周强"])
        if rng.random() < 0.6:  # 吴昊 at night
            for _ in range(rng.randint(1, 2)):
                call(_day(day) + timedelta(minutes=rng.randrange(30, 240), seconds=rng.randrange(60)), by["吴昊"],
                     outgoing=rng.random() < 0.15)
        for name, chance, email in (("吴昊", 0.2, True), ("何军", 0.05, True), ("孙丽", 0.08, False)):
            if rng.random() < chance:  # FaceTime: 8 video, 16 audio
                p = by[name]
                call(_daytime(rng, day), p, provider="com.apple.FaceTime", calltype=rng.choice([8, 16]),
                     address=p.email if email else f"+86{p.numbers[0]}")
    moment = BURST
    for _ in range(15):
        rows.append((moment, by["马超"].spell(rng), 0, 0, 0, 1, "com.apple.Telephony"))
        moment += timedelta(minutes=rng.randint(3, 6), seconds=rng.randrange(60))
    return sorted((r for r in rows if r[0] <= END), key=lambda r: r[0])


def _write_callhistory(path: Path, rows: list[tuple], rng: random.Random) -> None:
    with closing(sqlite3.connect(path)) as conn:
        conn.execute(formats.IOS_CALLRECORD)
        for sql in formats.IOS_CALLHISTORY_METADATA:
            conn.execute(sql)
        conn.execute("INSERT INTO Z_PRIMARYKEY VALUES (2, 'CallRecord', 0, ?)", (len(rows),))
        conn.executemany(
            "INSERT INTO ZCALLRECORD (Z_PK, Z_ENT, Z_OPT, ZDATE, ZADDRESS, ZORIGINATED, ZANSWERED, ZDURATION,"
            " ZCALLTYPE, ZSERVICE_PROVIDER, ZISO_COUNTRY_CODE, ZNUMBER_AVAILABILITY, ZREAD, ZUNIQUE_ID)"
            " VALUES (?,2,1,?,?,?,?,?,?,?,'cn',?,1,?)",
            [(pk, _apple_seconds(m) + rng.random(), addr, orig, ans, float(sec) + rng.random() * (sec > 0),
              ctype, prov, 1 if addr == "" else 0, str(uuid.UUID(int=rng.getrandbits(128))).upper())
             for pk, (m, addr, orig, ans, sec, ctype, prov) in enumerate(rows, 1)])
        conn.commit()


# -- iPhone: sms.db ----------------------------------------------------------------------------

def _texts(rng: random.Random, people: list[Person]) -> list[tuple]:
    """(time, handle, service, from_me, text, group chat or None)."""
    by = {p.name: p for p in people}
    rows: list[tuple] = []

    def handle(p: Person) -> str:
        if p.email and rng.random() < 0.6:
            return p.email
        return f"+86{p.numbers[0]}"

    for day in range(DAYS):
        for _ in range(rng.randint(2, 6)):
            p = rng.choices(people, [0 if x.name == "林峰" else x.weight + 0.5 for x in people])[0]
            imessage = p.iphone and rng.random() < 0.93
            rows.append((_daytime(rng, day), handle(p) if imessage else f"+86{p.numbers[0]}",
                         "iMessage" if imessage else "SMS", int(rng.random() < 0.5), rng.choice(CHAT), None))
        moment = _daytime(rng, day)
        if day % 3 == 0:
            verb = rng.choice(["消费", "消费", "入账", "转账支出"])
            amount, balance = rng.randint(2000, 500000) / 100, rng.randint(100000, 6000000) / 100
            rows.append((moment, "95555", "SMS", 0, f"【招商银行】您账户8848于{moment:%m月%d日%H:%M}{verb}人民币"
                         f"{amount:.2f}元，余额{balance:.2f}元。", None))
        if day % 5 == 1:
            rows.append((moment + timedelta(minutes=7), "95338", "SMS", 0,
                         f"【顺丰速运】您的快件SF14{rng.randrange(10**10):010d}已由快递员派送，请保持电话畅通。", None))
        if day % 4 == 2:
            rows.append((moment + timedelta(minutes=13), "10690000123", "SMS", 0,
                         f"【菜鸟驿站】您的快递已到小区东门驿站，凭取件码 {rng.randint(1, 9)}-{rng.randint(1, 9)}-"
                         f"{rng.randint(1000, 9999)} 取件。", None))
        if rng.random() < 0.25:
            rows.append((moment + timedelta(minutes=2), "106980095118", "SMS", 0,
                         f"【京东】验证码 {rng.randrange(10**6):06d}，5分钟内有效，请勿泄露。", None))
        if _day(day).day == 1:
            rows.append((_day(day) + timedelta(hours=9), "10086", "SMS", 0, "【中国移动】您上月话费账单已出。", None))
        if _day(day).weekday() >= 4 and rng.random() < 0.7:  # the badminton group, Fri–Sun
            for _ in range(rng.randint(1, 4)):
                p = rng.choice([by["吴昊"], by["王芳"], by["何军"], None])
                rows.append((_daytime(rng, day), handle(p) if p else None, "iMessage", int(p is None),
                             rng.choice(BADMINTON), "chat845512390"))
    for day in (40, 95, 150):  # 王芳 mentions the bank over iMessage (the 短信 trap)
        rows.append((_daytime(rng, day), f"+86{by['王芳'].numbers[0]}", "iMessage", 0, "我在银行排队，晚点回你", None))
    return sorted((r for r in rows if r[0] <= END), key=lambda r: r[0])


def _copy_schema(source: Path, conn: sqlite3.Connection) -> None:
    """The real app's tables, indexes and triggers, read from a copy of a real database."""
    with closing(sqlite3.connect(f"file:{source}?immutable=1", uri=True)) as real:
        statements = real.execute(
            "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%'"
            " ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 ELSE 2 END, rowid").fetchall()
    for (sql,) in statements:
        conn.execute(sql)


def _write_sms(path: Path, rows: list[tuple], schema_from: Path, rng: random.Random) -> None:
    with closing(sqlite3.connect(path)) as conn:
        _copy_schema(schema_from, conn)
        handles: dict[tuple[str, str], int] = {}
        chats: dict[str, int] = {}

        def chat(guid: str, identifier: str, service: str, group: bool) -> int:
            if guid not in chats:
                cur = conn.execute(
                    "INSERT INTO chat (guid, style, state, chat_identifier, service_name, room_name, display_name)"
                    " VALUES (?,?,3,?,?,?,?)", (guid, 43 if group else 45, identifier, service,
                                                identifier if group else None, "周末羽毛球" if group else ""))
                chats[guid] = cur.lastrowid
            return chats[guid]

        for moment, address, service, from_me, text, room in rows:
            handle_id = 0
            if address:
                if (address, service) not in handles:
                    handles[(address, service)] = conn.execute(
                        "INSERT INTO handle (id, country, service, uncanonicalized_id) VALUES (?,'cn',?,?)",
                        (address, service, address.removeprefix("+86"))).lastrowid
                handle_id = handles[(address, service)]
            nanos = int(_apple_seconds(moment)) * 10**9 + rng.randrange(10**9)  # iOS 11+: nanoseconds
            cur = conn.execute(
                "INSERT INTO message (guid, text, handle_id, service, account, date, date_delivered, date_read,"
                " is_from_me, is_sent, is_delivered, is_finished, is_read) VALUES (?,?,?,?,?,?,?,?,?,?,1,1,?)",
                (str(uuid.UUID(int=rng.getrandbits(128))).upper(), text, handle_id, service,
                 "e:owner@icloud.com" if service == "iMessage" else "p:+86" + OWNER_NUMBER, nanos, nanos,
                 0 if from_me else nanos + 60 * 10**9, from_me, from_me, 1 - from_me))
            chat_id = chat(f"iMessage;+;{room}", room, service, True) if room else \
                chat(f"{service};-;{address}", address, service, False)
            conn.execute("INSERT INTO chat_message_join (chat_id, message_id) VALUES (?,?)", (chat_id, cur.lastrowid))
            if handle_id:
                conn.execute("INSERT OR IGNORE INTO chat_handle_join (chat_id, handle_id) VALUES (?,?)",
                             (chat_id, handle_id))
        conn.commit()


# -- iPhone: AddressBook.sqlitedb ----------------------------------------------------------------

VALUE_SQL = "INSERT INTO ABMultiValue (record_id, property, identifier, label, value) VALUES (?,?,?,?,?)"


def _write_addressbook(path: Path, people: list[Person], schema_from: Path, rng: random.Random) -> None:
    extra = [Person("物业刘师傅", ("13122334455",)), Person("老家座机", ("057188886666",))]  # never in touch
    with closing(sqlite3.connect(path)) as conn:
        conn.create_function("ab_generate_guid", 0, lambda: str(uuid.UUID(int=rng.getrandbits(128))).upper())
        with closing(sqlite3.connect(f"file:{schema_from}?immutable=1", uri=True)) as real:
            for name in ("ABPerson", "ABMultiValue", "ABMultiValueLabel"):
                (sql,), = real.execute("SELECT sql FROM sqlite_master WHERE name = ?", (name,)).fetchall()
                conn.execute(sql)
        conn.executemany("INSERT INTO ABMultiValueLabel (value) VALUES (?)",
                         [("_$!<Mobile>!$_",), ("_$!<Work>!$_",), ("_$!<Home>!$_",), ("iPhone",)])
        created = int(_apple_seconds(START - timedelta(days=400)))
        for rowid, p in enumerate(people + extra, 1):
            conn.execute("INSERT INTO ABPerson (ROWID, First, Last, CreationDate, ModificationDate)"
                         " VALUES (?,?,?,?,?)", (rowid, p.name[1:], p.name[0], created + rowid, created + rowid))
            for index, n in enumerate(p.numbers):
                area = 3 if n.startswith("02") else 4
                written = rng.choice([n, f"{n[:3]} {n[3:7]} {n[7:]}", f"+86 {n[:3]}-{n[3:7]}-{n[7:]}"]) \
                    if n[0] == "1" else f"{n[:area]}-{n[area:-4]} {n[-4:]}"  # a landline: 021-6234 5678
                conn.execute(VALUE_SQL, (rowid, 3, index, 1 if index == 0 else 2, written))
            if p.email:
                conn.execute(VALUE_SQL, (rowid, 4, 0, 2 if "corp" in p.email else 3, p.email))
        conn.commit()


# -- Android spare phone: WeChat EnMicroMsg.db -----------------------------------------------------

def _voip(rng: random.Random, text: str, video: bool) -> str:
    room = rng.randrange(10**9)
    return (f'<voipmsg type="VoIPBubbleMsg"><VoIPBubbleMsg><msg><![CDATA[{text}]]></msg>'
            f"<room_type>{0 if video else 1}</room_type><red_dot>false</red_dot><roomid>{room}</roomid>"
            f"<roomkey>0</roomkey><msg_type>100</msg_type><business>1</business></VoIPBubbleMsg></voipmsg>")


def _talk(seconds: int) -> str:
    h, rest = divmod(seconds, 3600)
    return f"{h}:{rest // 60:02d}:{rest % 60:02d}" if h else f"{rest // 60:02d}:{rest % 60:02d}"


def _write_wechat(path: Path, people: list[Person], rng: random.Random) -> None:
    friends = [(p.wxid, p.name, "", p.name) for p in people if p.wxid]  # remark = address-book name
    friends += [("wxid_wz_jiancai", "王总(建材)", "", "王建材"), ("wxid_wz_wuliu", "王总(物流)", "", "物流王"),
                ("wxid_ajie2020", "", "", "阿杰"), ("wxid_mom1962", "妈妈", "", "幸福一家"),
                ("wxid_dad1960", "爸爸", "", "老爸")]
    groups = {"21837461234@chatroom": ("家人群", ["wxid_mom1962", "wxid_dad1960", "wxid_sunli1988"]),
              "19283746512@chatroom": ("项目协调群", ["wxid_wz_jiancai", "wxid_wz_wuliu", "wxid_zq0451", "wxid_x8k2m"])}
    chat_weight = {"郑雪": 5, "孙丽": 2, "周强": 1, "王芳": 1, "吴昊": 0.5, "王总(建材)": 0.8, "王总(物流)": 0.6,
                   "阿杰": 0.7, "妈妈": 1.2, "爸爸": 0.4}
    wxid_of = {remark or nick: wxid for wxid, remark, _, nick in friends}
    rows: list[tuple] = []  # (time, type, is_send, talker, content)
    for day in range(DAYS):
        last30 = day >= DAYS - 30
        weights = [chat_weight[n] * (4 if last30 and n == "周强" else 1) for n in chat_weight]
        for _ in range(rng.randint(3, 8)):
            name = rng.choices(list(chat_weight), weights)[0]
            mtype, send = rng.choices([1, 3, 34], [85, 8, 7])[0], int(rng.random() < 0.5)
            text = rng.choice(MONEY) if name in ("周强", "王总(建材)") and rng.random() < 0.15 else rng.choice(CHAT)
            content = {1: text, 3: '<msg><img length="20480" /></msg>', 34: '<msg><voicemsg voicelength="4200"/></msg>'}
            rows.append((_daytime(rng, day), mtype, send, wxid_of[name], content[mtype]))
        for room, (_, members) in groups.items():
            for _ in range(rng.choice([0, 0, 1, 2, 3])):
                send, text = rng.random() < 0.3, rng.choice(CHAT)
                content = text if send else f"{rng.choice(members)}:\n{text}"  # a member's line names them
                rows.append((_daytime(rng, day), 1, int(send), room, content))
        for name, chance, low, high in (("郑雪", 0.4, 900, 4200), ("周强", 0.8 if last30 else 0, 60, 600),
                                        ("孙丽", 0.05, 60, 900), ("王总(建材)", 0.06, 60, 500),
                                        ("王总(物流)", 0.05, 60, 400)):
            if rng.random() < chance:  # type 50: a voice/video call, its outcome in the bubble text
                send, video, roll = rng.random() < 0.5, rng.random() < 0.2, rng.random()
                if roll < 0.85:
                    text = f"{'视频' if video else ''}通话时长 {_talk(rng.randint(low, high))}"
                elif send:
                    text = "对方无应答"
                else:
                    text = "已拒绝" if roll < 0.9 else "对方已取消"
                rows.append((_daytime(rng, day), 50, int(send), wxid_of[name], _voip(rng, text, video)))
    rows = sorted((r for r in rows if r[0] <= END), key=lambda r: r[0])
    with closing(sqlite3.connect(path)) as conn:
        for sql in (formats.WECHAT_MESSAGE, formats.WECHAT_RCONTACT, formats.WECHAT_USERINFO):
            conn.execute(sql)
        conn.executemany("INSERT INTO userinfo (id, type, value) VALUES (?,?,?)",
                         [(2, 3, OWNER_WXID), (4, 3, "机主"), (6, 3, OWNER_NUMBER)])
        conn.executemany("INSERT INTO rcontact (username, alias, conRemark, nickname, type) VALUES (?,?,?,?,3)",
                         [(wxid, alias, remark, nick) for wxid, remark, alias, nick in friends])
        conn.executemany("INSERT INTO rcontact (username, nickname, type) VALUES (?,?,2)",
                         [(room, name) for room, (name, _) in groups.items()])
        conn.executemany(
            "INSERT INTO message (msgId, msgSvrId, type, status, isSend, createTime, talker, content)"
            " VALUES (?,?,?,?,?,?,?,?)",
            [(i, rng.getrandbits(62), mtype, 2 if send else 3, send, int(m.timestamp() * 1000) + rng.randrange(1000),
              talker, content) for i, (m, mtype, send, talker, content) in enumerate(rows, 1)])
        conn.commit()


def write_files(folder: Path, testdata: Path, seed: int = 2024) -> dict[str, list[Path]]:
    """The four evidence files; `testdata` is a private copy of ../shared/testdata (real schemas)."""
    rng = random.Random(seed)
    people = _cast(rng)
    strangers = _strangers(rng, people)
    library = folder / "iphone" / "HomeDomain" / "Library"
    paths = {"ab": library / "AddressBook" / "AddressBook.sqlitedb",
             "calls": library / "CallHistoryDB" / "CallHistory.storedata", "sms": library / "SMS" / "sms.db",
             "wechat": folder / "android" / "com.tencent.mm" / "MicroMsg" / "EnMicroMsg.db"}
    for path in paths.values():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
    _write_addressbook(paths["ab"], people, testdata / "ios" / "addressbook-wal" / "AddressBook.sqlitedb", rng)
    _write_callhistory(paths["calls"], _calls(rng, people, strangers), rng)
    _write_sms(paths["sms"], _texts(rng, people), testdata / "ios" / "sms.db", rng)
    _write_wechat(paths["wechat"], people, rng)
    return {IPHONE: [paths["ab"], paths["calls"], paths["sms"]], ANDROID: [paths["wechat"]]}


def build(db_path: Path, folder: Path, testdata: Path, seed: int = 2024) -> None:
    for package, files in write_files(folder, testdata, seed).items():
        summary = import_paths(db_path, CASE_ID, files, package=package, case_name=CASE_NAME, timezone=TIMEZONE,
                               region="CN")
        if not summary.ok or len(summary.by_status("imported")) != len(files):
            raise RuntimeError(f"ios case import failed (generator and importers disagree):\n{summary}")
