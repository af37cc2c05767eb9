"""The demo case: real-format Android and WeChat databases written by a seeded generator, then
imported through the ordinary importers, so the server has something true to analyse at once.

Eight months of one phone (Asia/Shanghai): 90 address-book contacts, calls, SMS and WeChat
(chats, group chats, voice/video calls), with patterns worth finding:
- 张伟 is by far the most frequent caller in the 30 days before the newest record (over the whole
  period 李娜 leads), so "最近" must be relative to the data;
- 刘洋 calls mostly between 00:30 and 04:00 local time;
- 王磊 leaves a burst of 18 missed calls within 90 minutes twelve days before the end.
The same seed gives byte-identical files.
"""

from __future__ import annotations

import random
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from . import formats
from .importing import delete_case, import_paths
from .source import add_android_collations

DEMO_CASE_ID = "demo"
DEMO_CASE_NAME = "演示案件"
DEMO_PACKAGE = "演示手机 (Android)"
DEMO_TIMEZONE = "Asia/Shanghai"

LOCAL = timezone(timedelta(hours=8))
END = datetime(2024, 6, 30, 22, 0, tzinfo=LOCAL)
DAYS = 240
START = END - timedelta(days=DAYS)
OWNER_NUMBER = "+8613800138000"
OWNER_WXID = "wxid_owner8a3k2"

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = ["伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
         "超", "秀兰", "霞", "平", "刚", "桂英", "文", "辉", "建华", "鹏", "华", "红", "玉兰", "飞", "鑫", "波",
         "斌", "宇", "浩", "凯", "婷", "雪", "琳", "晨", "俊", "博", "欣", "佳", "颖", "倩", "瑶", "昊", "然"]
PREFIXES = ["130", "131", "132", "135", "136", "137", "138", "139", "150", "151", "152", "155", "158",
            "159", "176", "177", "180", "181", "183", "186", "187", "188", "189"]
SMS_TEXTS = ["到了吗？", "好的，收到。", "晚上一起吃饭吧", "明天几点见？", "我在路上了", "文件已经发你邮箱了",
             "刚才在开会，稍后回电", "生日快乐！", "钱已经转给你了", "今天加班，晚点回", "东西放门卫了",
             "周末有空吗？", "谢谢！", "别忘了带身份证", "车停在老地方", "电话打不通，回个消息"]
CHAT_TEXTS = ["在吗", "哈哈哈", "好的", "收到", "[微笑]", "晚上几点？", "我到楼下了", "发个定位给我",
              "这个价格可以", "明天再说吧", "辛苦了", "刚看到消息", "老地方见", "已经处理好了", "你问问他",
              "图片收到了", "注意安全", "周五下午有空", "我这边没问题", "等我十分钟"]
GROUP_TEXTS = ["大家好", "收到", "明天的会改到下午三点", "谁有空帮忙接一下孩子", "[红包]", "好的好的",
               "照片发群里了", "周末聚餐定在哪里？", "+1", "我晚点到"]
SERVICE_SMS = [("10086", "【中国移动】尊敬的客户，您本月话费余额为{n}元。"),
               ("95588", "【工商银行】您尾号{n}的账户发生一笔交易。"),
               ("106900000001", "【快递】您的包裹已到驿站，取件码{n}。")]


@dataclass
class Person:
    name: str
    national: str  # 11-digit mainland mobile number
    weight: float
    wxid: str | None = None
    night: bool = False

    def spelling(self, rng: random.Random) -> str:
        n = self.national
        return rng.choice([n, n, n, f"+86{n}", f"+86 {n[:3]} {n[3:7]} {n[7:]}", f"0086-{n}",
                           f"{n[:3]} {n[3:7]} {n[7:]}", f"{n[:3]}-{n[3:7]}-{n[7:]}"])


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _people(rng: random.Random) -> list[Person]:
    used_names, used_numbers, people = set(), set(), []
    fixed = ["李娜", "陈静", "黄明", "赵敏", "张伟", "刘洋", "王磊"]
    while len(people) < 90:
        name = fixed[len(people)] if len(people) < len(fixed) else rng.choice(SURNAMES) + rng.choice(GIVEN)
        number = rng.choice(PREFIXES) + f"{rng.randrange(10**8):08d}"
        if name in used_names or number in used_numbers:
            continue
        used_names.add(name)
        used_numbers.add(number)
        rank = len(people) + 1
        people.append(Person(name, number, 1.0 / rank**0.9))
    people[4].weight *= 0.6  # 张伟: middling over the whole period, dominant in the last 30 days
    people[5].night = True  # 刘洋
    for i, person in enumerate(people):
        if i < 45:
            person.wxid = f"wxid_{rng.randrange(16**10):010x}"
    return people


def _local_time(rng: random.Random, day: int, night: bool = False) -> datetime:
    if night:
        minute = rng.randrange(30, 240)
    else:
        minute = int(rng.triangular(7 * 60, 24 * 60 - 1, 19 * 60))
    return START.replace(hour=0, minute=0) + timedelta(days=day, minutes=minute, seconds=rng.randrange(60))


def _calls(rng: random.Random, people: list[Person]) -> list[tuple]:
    """(time, person or None, raw number, type, duration, presentation, name cached)."""
    events = []
    strangers = [rng.choice(PREFIXES) + f"{rng.randrange(10**8):08d}" for _ in range(30)]
    weights = [p.weight for p in people]
    for day in range(DAYS):
        for _ in range(rng.randrange(24, 40)):
            moment = _local_time(rng, day)
            roll = rng.random()
            if roll < 0.04:
                events.append((moment, None, rng.choice(strangers), rng.choice([1, 3, 3, 6]), 0, 1))
                continue
            if roll < 0.045:
                events.append((moment, None, "", 3, 0, 2))  # withheld number
                continue
            person = rng.choices(people, weights)[0]
            events.append((moment, person, None, None, None, 1))
        if day >= DAYS - 30:
            for _ in range(rng.randrange(6, 10)):  # 张伟 in the last 30 days
                events.append((_local_time(rng, day), people[4], None, None, None, 1))
        if rng.random() < 0.55:  # 刘洋 at night
            for _ in range(rng.randrange(1, 4)):
                events.append((_local_time(rng, day, night=True), people[5], None, None, None, 1))
    burst = START.replace(hour=21, minute=5) + timedelta(days=DAYS - 12)
    for i in range(18):  # 王磊: a burst of missed calls
        events.append((burst + timedelta(minutes=5 * i, seconds=rng.randrange(60)), people[6], None, 3, 0, 1))
    rows = []
    for moment, person, raw, ctype, duration, presentation in events:
        if moment > END:
            continue
        if person is not None:
            raw = person.spelling(rng)
            if ctype is None:
                ctype = rng.choices([1, 2, 3, 5], [44, 46, 7, 3])[0]
            if duration is None:
                answered = ctype == 1 or (ctype == 2 and rng.random() > 0.1)
                duration = min(int(rng.expovariate(1 / 150)) + 5, 3600) if answered else 0
        rows.append((moment, person, raw, ctype, duration or 0, presentation))
    rows.sort(key=lambda r: r[0])
    return rows


def _write_contacts2(path: Path, people: list[Person], rng: random.Random) -> None:
    conn = sqlite3.connect(path)
    try:
        add_android_collations(conn)
        for sql in (formats.ANDROID_METADATA, formats.CONTACTS2_MIMETYPES, formats.CONTACTS2_RAW_CONTACTS,
                    formats.CONTACTS2_DATA):
            conn.execute(sql)
        conn.execute("INSERT INTO android_metadata VALUES ('zh_CN')")
        mimes = ["vnd.android.cursor.item/email_v2", "vnd.android.cursor.item/name",
                 "vnd.android.cursor.item/phone_v2", "vnd.android.cursor.item/organization"]
        conn.executemany("INSERT INTO mimetypes (_id, mimetype) VALUES (?, ?)", list(enumerate(mimes, 1)))
        for raw_id, person in enumerate(people, 1):
            conn.execute("INSERT INTO raw_contacts (_id, contact_id, display_name, display_name_alt, sort_key)"
                         " VALUES (?,?,?,?,?)", (raw_id, raw_id, person.name, person.name, person.name))
            conn.execute("INSERT INTO data (mimetype_id, raw_contact_id, data1, data2, data3) VALUES (2,?,?,?,?)",
                         (raw_id, person.name, person.name[1:], person.name[0]))
            written = rng.choice([person.national, f"+86 {person.national[:3]} {person.national[3:7]} "
                                  f"{person.national[7:]}", f"{person.national[:3]}-{person.national[3:7]}-"
                                  f"{person.national[7:]}"])
            conn.execute("INSERT INTO data (mimetype_id, raw_contact_id, data1, data2, data4) VALUES (3,?,?,2,?)",
                         (raw_id, written, "+86" + person.national))
        conn.commit()
    finally:
        conn.close()


def _write_calllog(path: Path, calls: list[tuple]) -> None:
    conn = sqlite3.connect(path)
    try:
        conn.execute(formats.ANDROID_METADATA)
        conn.execute(formats.CALLLOG_CALLS)
        conn.execute("INSERT INTO android_metadata VALUES ('zh_CN')")
        rows = []
        for i, (moment, person, raw, ctype, duration, presentation) in enumerate(calls):
            cached = person.name if person is not None and i % 5 else None  # some rows lack a cached name
            rows.append((raw if presentation == 1 else "", presentation, _ms(moment), duration, ctype, cached,
                         "CN", 1, int(ctype == 3)))
        conn.executemany("INSERT INTO calls (number, presentation, date, duration, type, name, countryiso,"
                         " is_read, new) VALUES (?,?,?,?,?,?,?,?,?)", rows)
        conn.commit()
    finally:
        conn.close()


def _write_mmssms(path: Path, people: list[Person], rng: random.Random) -> int:
    conn = sqlite3.connect(path)
    try:
        for sql in (formats.ANDROID_METADATA, formats.MMSSMS_SMS, formats.MMSSMS_CANONICAL_ADDRESSES,
                    formats.MMSSMS_THREADS):
            conn.execute(sql)
        conn.execute("INSERT INTO android_metadata VALUES ('zh_CN')")
        weights = [p.weight for p in people[:60]]
        rows, threads = [], {}
        for day in range(DAYS):
            for _ in range(rng.randrange(22, 34)):
                moment = _local_time(rng, day)
                if rng.random() < 0.12:
                    address, template = rng.choice(SERVICE_SMS)
                    rows.append((moment, address, 1, template.format(n=rng.randrange(1000, 9999))))
                    continue
                person = rng.choices(people[:60], weights)[0]
                rows.append((moment, person.spelling(rng), rng.choice([1, 2]), rng.choice(SMS_TEXTS)))
        rows = [r for r in rows if r[0] <= END]
        rows.sort(key=lambda r: r[0])
        out = []
        for moment, address, stype, body in rows:
            thread = threads.setdefault(address, len(threads) + 1)
            out.append((thread, address, _ms(moment), stype, body, 1, int(stype == 1)))
        conn.executemany("INSERT INTO canonical_addresses (_id, address) VALUES (?, ?)",
                         [(t, a) for a, t in threads.items()])
        conn.executemany("INSERT INTO sms (thread_id, address, date, type, body, read, seen) VALUES (?,?,?,?,?,?,?)",
                         out)
        conn.commit()
        return len(out)
    finally:
        conn.close()


def _voip_content(rng: random.Random, text: str, video: bool) -> str:
    room = rng.randrange(10**9)
    return (f'<voipmsg type="VoIPBubbleMsg"><VoIPBubbleMsg><msg><![CDATA[{text}]]></msg>'
            f"<room_type>{0 if video else 1}</room_type><red_dot>false</red_dot><roomid>{room}</roomid>"
            f"<roomkey>0</roomkey><inviteid>{room % 100000}</inviteid><msg_type>100</msg_type>"
            f"<timestamp>{room}</timestamp><duration>0</duration><business>1</business>"
            "<caller_memberid>0</caller_memberid><callee_memberid>1</callee_memberid></VoIPBubbleMsg></voipmsg>")


def _write_wechat(path: Path, people: list[Person], rng: random.Random) -> None:
    conn = sqlite3.connect(path)
    try:
        for sql in (formats.WECHAT_MESSAGE, formats.WECHAT_RCONTACT, formats.WECHAT_USERINFO):
            conn.execute(sql)
        conn.executemany("INSERT INTO userinfo (id, type, value) VALUES (?,?,?)",
                         [(2, 3, OWNER_WXID), (4, 3, "机主"), (6, 3, OWNER_NUMBER)])
        friends = [p for p in people if p.wxid]
        groups = [("20938412345@chatroom", "家人群"), ("18837261934@chatroom", "项目同事群"),
                  ("25519384772@chatroom", "老同学")]
        contacts = [(p.wxid, f"wx_{p.national[-6:]}", p.name if i % 4 else "", f"昵称{p.name[-1]}{i}", 3)
                    for i, p in enumerate(friends)]
        contacts += [(g, "", "", name, 2) for g, name in groups]
        contacts += [("filehelper", "", "", "文件传输助手", 1), ("weixin", "", "", "微信团队", 1),
                     ("gh_3dfda90e39d6", "", "", "某某公众号", 3)]
        conn.executemany("INSERT INTO rcontact (username, alias, conRemark, nickname, type) VALUES (?,?,?,?,?)",
                         contacts)
        weights = [p.weight for p in friends]
        rows = []
        for day in range(DAYS):
            for _ in range(rng.randrange(62, 96)):
                moment = _local_time(rng, day)
                if rng.random() < 0.25:
                    group, _ = rng.choice(groups)
                    outgoing = rng.random() < 0.3
                    text = rng.choice(GROUP_TEXTS)
                    content = text if outgoing else f"{rng.choice(friends).wxid}:\n{text}"
                    rows.append((moment, group, 1, int(outgoing), content))
                    continue
                person = rng.choices(friends, weights)[0]
                mtype = rng.choices([1, 3, 34, 47, 49, 50], [80, 6, 5, 4, 2, 3])[0]
                outgoing = rng.random() < 0.5
                if mtype == 50:
                    video = rng.random() < 0.3
                    if rng.random() < 0.75:
                        secs = min(int(rng.expovariate(1 / 240)) + 3, 7200)
                        label = "视频通话时长" if video else "通话时长"
                        text = f"{label} {secs // 60:02d}:{secs % 60:02d}"
                    else:
                        text = rng.choice(["已取消", "对方无应答", "对方已拒绝"] if outgoing else
                                          ["对方已取消", "未接听", "已拒绝"])
                    content = _voip_content(rng, text, video)
                elif mtype == 1:
                    content = rng.choice(CHAT_TEXTS)
                else:
                    content = {3: '<msg><img length="52311" /></msg>', 34: '<msg><voicemsg voicelength="4200" /></msg>',
                               47: '<msg><emoji md5="0" /></msg>', 49: "<msg><appmsg><title>分享链接</title></appmsg></msg>"}[mtype]
                rows.append((moment, person.wxid, mtype, int(outgoing), content))
        rows = [r for r in rows if r[0] <= END]
        rows.sort(key=lambda r: r[0])
        conn.executemany(
            "INSERT INTO message (msgId, msgSvrId, type, status, isSend, isShowTimer, createTime, talker, content)"
            " VALUES (?,?,?,?,?,0,?,?,?)",
            [(i, rng.randrange(10**15), mtype, 2 if outgoing else 3, outgoing, _ms(moment), talker, content)
             for i, (moment, talker, mtype, outgoing, content) in enumerate(rows, 1)],
        )
        conn.commit()
    finally:
        conn.close()


def write_demo_files(folder: Path, seed: int = 7) -> list[Path]:
    """Write the demo's evidence databases into `folder` (replacing earlier ones)."""
    rng = random.Random(seed)
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    people = _people(rng)
    files = [folder / "contacts2.db", folder / "calllog.db", folder / "mmssms.db", folder / "EnMicroMsg.db"]
    _write_contacts2(files[0], people, rng)
    _write_calllog(files[1], _calls(rng, people))
    _write_mmssms(files[2], people, rng)
    _write_wechat(files[3], people, rng)
    return files


def build_demo(db_path: Path, work_dir: Path, seed: int = 7) -> None:
    """(Re)build the demo case "demo" in the evidence store at `db_path`; files go in `work_dir`."""
    files = write_demo_files(Path(work_dir) / "demo-evidence", seed)
    delete_case(Path(db_path), DEMO_CASE_ID)
    summary = import_paths(Path(db_path), DEMO_CASE_ID, files, package=DEMO_PACKAGE, case_name=DEMO_CASE_NAME,
                           timezone=DEMO_TIMEZONE, region="CN")
    if not summary.ok:  # the generator and the importers disagree: a bug, not bad evidence
        raise RuntimeError(f"demo import failed:\n{summary}")
