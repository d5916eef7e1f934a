"""History step: the 連絡帳 of the cases — one thread per case with the team's posts over the case's life
(updates, questions and their answers, the odd correction naming the post it corrects) and who read them.
About `notebook_posts` posts, shared out by how long each case was open."""

from __future__ import annotations

from collections.abc import Iterator

from tsunagu.core.history import AuditItem, HistoryContext, history_step
from tsunagu.meetings.notebook_models import NotebookPost, NotebookRead, NotebookThread, PostKind

from .common import DAY, FICTITIOUS, Calendar, CaseData, StaffData, casework

TEXTS = {
    PostKind.UPDATE: [
        "本日訪問し、本人と話ができた。生活の様子に大きな変化はない。",
        "家計の状況を確認した。今月の支払いは済んでいる。",
        "サービス利用の申請書を受理した。結果は来月の予定。",
        "家族から連絡があり、最近は日中に外出することが増えたとのこと。",
        "通院に同行した。次回の受診日は来月。",
    ],
    PostKind.QUESTION: [
        "次回の訪問はどちらの機関が担当しますか。",
        "申請の結果はもう届いていますか。",
        "家族への連絡はどなたからしていますか。",
    ],
    PostKind.ANSWER: [
        "こちらで担当します。日程が決まり次第共有します。",
        "届いています。内容は次回の会議で共有します。",
        "地域包括支援センターから連絡しています。",
    ],
    PostKind.CORRECTION: ["先ほどの投稿の日付に誤りがありました。正しくは翌週です。"],
}
KINDS = [PostKind.UPDATE] * 14 + [PostKind.QUESTION] * 3 + [PostKind.ANSWER] * 2 + [PostKind.CORRECTION]
POST_COLUMNS = (
    "id",
    "municipality_id",
    "thread_id",
    "author_id",
    "organization_id",
    "kind",
    "refers_to_id",
    "body",
    "document",
    "document_bytes",
    "submission_token",
    "created_at",
)


@history_step("notebook", after=("cases",))
def notebook_step(ctx: HistoryContext) -> None:
    """Case threads of the 連絡帳 with about `notebook_posts` posts and their reads."""
    cases: CaseData = ctx.shared["cases"]
    staff: StaffData = ctx.shared["staff"]
    calendar: Calendar = ctx.shared["calendar"]
    target = ctx.size("notebook_posts")
    if not cases.ids or target <= 0:
        return
    f, rng, muni = ctx.fmt, ctx.rng("notebook"), str(ctx.municipality.pk)
    end = calendar.end_seconds - DAY
    spans = [max(DAY, (cases.closed[n] or end) - cases.opened[n]) for n in range(len(cases.ids))]
    per_second = target / sum(spans)
    plan = []  # (case index, posts)
    for n, span in enumerate(spans):
        expected = span * per_second
        count = int(expected) + (1 if rng.random() < expected - int(expected) else 0)
        if count:
            plan.append((n, count))
    thread_table, post_table, read_table = (
        ctx.table(NotebookThread),
        ctx.table(NotebookPost),
        ctx.table(NotebookRead),
    )
    first_thread = ctx.writer.reserve_ids(thread_table, len(plan))
    total = sum(count for _n, count in plan)
    first_post = ctx.writer.reserve_ids(post_table, total)
    threads: list[tuple[str, ...]] = []
    reads: list[tuple[str, ...]] = []
    audit: list[tuple[int, int, AuditItem]] = []
    org_of = {pk: info[2] for pk, info in staff.info.items()}

    def posts() -> Iterator[tuple[str, ...]]:
        pid = first_post
        for t, (n, count) in enumerate(plan):
            thread = first_thread + t
            case_id = cases.ids[n]
            last = cases.closed[n] or end
            # Who writes: the coordinator and a worker of each team organization that has staff.
            writers = [cases.coordinator[n]] + [
                pool[(case_id + k) % len(pool)]
                for k, org in enumerate(cases.team[n])
                if (pool := casework(staff, org))
            ]
            writers = list(dict.fromkeys(writers))
            moments = sorted(
                rng.randint(cases.opened[n] + 3600, max(cases.opened[n] + 7200, last)) for _ in range(count)
            )
            threads.append((str(thread), muni, str(case_id), f.NULL, f.ts(cases.opened[n])))
            question = None
            by_author: dict[int, int] = {}
            for at in moments:
                author = writers[rng.randrange(len(writers))]
                kind = KINDS[rng.randrange(len(KINDS))]
                refers = question if kind == PostKind.ANSWER else by_author.get(author)
                if kind in (PostKind.ANSWER, PostKind.CORRECTION) and refers is None:
                    kind = PostKind.UPDATE
                if kind != PostKind.ANSWER and kind != PostKind.CORRECTION:
                    refers = None
                texts = TEXTS[kind]
                yield (
                    str(pid),
                    muni,
                    str(thread),
                    str(author),
                    str(org_of[author]),
                    kind,
                    f.NULL if refers is None else str(refers),
                    texts[rng.randrange(len(texts))] + FICTITIOUS,
                    "",
                    "0",
                    f"{rng.getrandbits(128):032x}",
                    f.ts(at),
                )
                audit.append(
                    (
                        at,
                        pid,
                        AuditItem(
                            at,
                            author,
                            "create",
                            (("case", case_id), ("notebook_post", pid)),
                            detail={"kind": kind, "attachment": False, "thread": thread},
                        ),
                    )
                )
                if kind == PostKind.QUESTION:
                    question = pid
                elif kind == PostKind.ANSWER:
                    question = None
                by_author[author] = pid
                others = [s for s in writers if s != author]
                for reader in rng.sample(others, min(len(others), rng.randint(1, 3))):
                    read_at = min(end, at + rng.randint(1800, 3 * DAY))
                    reads.append((muni, str(pid), str(reader), f.ts(read_at)))
                    audit.append(
                        (
                            read_at,
                            pid,
                            AuditItem(
                                read_at,
                                reader,
                                "view",
                                (("case", case_id), ("notebook_thread", thread)),
                                detail={"posts": 1},
                            ),
                        )
                    )
                pid += 1

    with ctx.writer.bulk_load([post_table, read_table]):
        ctx.writer.write(post_table, POST_COLUMNS, posts())
        ctx.writer.write(thread_table, ("id", "municipality_id", "case_id", "item_id", "created_at"), threads)
        first_read = ctx.writer.reserve_ids(read_table, len(reads))
        ctx.writer.write(
            read_table,
            ("id", "municipality_id", "post_id", "staff_id", "read_at"),
            ((str(first_read + k), *row) for k, row in enumerate(reads)),
        )
    audit.sort(key=lambda a: (a[0], a[1]))
    ctx.audit.add("notebook", (item for _at, _n, item in audit), len(audit))
