"""Keep query strings out of application logs: a search box may carry a resident's name."""

from __future__ import annotations

import logging
import re

_QUERY = re.compile(r"\?[^\s\"']*")


class RedactQueryStrings(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and "?" in record.msg:
            record.msg = _QUERY.sub("?[redacted]", record.msg)
        if record.args:
            if isinstance(record.args, tuple):
                record.args = tuple(
                    _QUERY.sub("?[redacted]", a) if isinstance(a, str) else a for a in record.args
                )
            elif isinstance(record.args, dict):
                record.args = {
                    k: (_QUERY.sub("?[redacted]", v) if isinstance(v, str) else v)
                    for k, v in record.args.items()
                }
        return True
