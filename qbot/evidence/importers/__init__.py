"""Importers, one module per source family. Each importer is an object with:

- `format`: a stable name recorded in `source_files.format` (e.g. 'android.calllog');
- `expects`: what it reads, in words, quoted when a file is refused;
- `matches(schema) -> bool`: whether a database's tables are this format (see `detect.Schema`);
- `read(db, schema, out)`: read the opened copy `db` (sqlite3) and hand rows to `out` (`RecordWriter`).

`SQLITE_IMPORTERS` is the detection order: more specific schemas before more general ones.
The JSON case format is not SQLite and is handled by `jsoncase` directly.
"""

from __future__ import annotations

from .android import ANDROID_CALLLOG, ANDROID_CONTACTS2, ANDROID_MMSSMS
from .ios import IOS_ADDRESSBOOK, IOS_CALLHISTORY, IOS_SMS
from .wechat import WECHAT

SQLITE_IMPORTERS: list = [
    WECHAT, IOS_SMS, IOS_CALLHISTORY, IOS_ADDRESSBOOK, ANDROID_CONTACTS2, ANDROID_CALLLOG, ANDROID_MMSSMS,
]
