"""The console's words in Japanese and English; the language comes from ?lang=, then a cookie, then the
browser's Accept-Language, then DEFAULT_LOCALE."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from memory.emotions.labels import en_name, ja_name

LANGS = ("ja", "en")
LANG_COOKIE = "omoide_lang"
Translate = Callable[..., str]

WORDS: dict[str, tuple[str, str]] = {  # key: (ja, en)
    "title": ("Omoide コンソール", "Omoide console"),
    "skip": ("本文へ移動", "Skip to content"),
    "nav.personas": ("ペルソナ", "Personas"),
    "nav.logout": ("ログアウト", "Log out"),
    "nav.lang": ("English", "日本語"),
    "login.title": ("ログイン", "Log in"),
    "login.key": ("API キー", "API key"),
    "login.help": ("管理者キーか、範囲を限ったキーを貼り付けてください。キーそのものは保存されません。",
                   "Paste an admin key or a scoped key. The key itself is not stored."),
    "login.submit": ("ログイン", "Log in"),
    "login.bad": ("このキーではログインできません: {reason}", "This key cannot log in: {reason}"),
    "who": ("ログイン中: {name}", "Signed in as {name}"),
    "readonly": ("読み取り専用のキーです", "read-only key"),
    "personas.title": ("ペルソナとキューブ", "Personas and cubes"),
    "personas.none": ("このキーで見られるキューブはまだありません。", "No cube this key may see has memories yet."),
    "col.persona": ("ペルソナ", "Persona"),
    "col.tenant": ("テナント", "Tenant"),
    "col.cube": ("キューブ", "Cube"),
    "col.total": ("記憶", "Memories"),
    "col.users": ("ユーザー", "Users"),
    "col.emotions": ("感情", "Emotions"),
    "col.newest": ("最新", "Newest"),
    "col.created": ("日時", "Created"),
    "col.user": ("ユーザー", "User"),
    "col.tier": ("層", "Tier"),
    "col.memory": ("記憶", "Memory"),
    "col.importance": ("重要度", "Importance"),
    "col.score": ("スコア", "Score"),
    "col.select": ("選択", "Select"),
    "tier.short_term": ("短期", "short-term"),
    "tier.long_term": ("長期", "long-term"),
    "tier.working": ("作業", "working"),
    "browse.title": ("記憶: {cube}", "Memories: {cube}"),
    "browse.filters": ("検索と絞り込み", "Search and filters"),
    "f.q": ("検索（意味と語句）", "Search (meaning and words)"),
    "f.user": ("ユーザー ID", "User ID"),
    "f.tier": ("層", "Tier"),
    "f.tags": ("タグ（カンマ区切り、すべて一致）", "Tags (comma-separated, all must match)"),
    "f.emotion": ("感情", "Emotion"),
    "f.from": ("この日から", "From"),
    "f.to": ("この日まで", "To"),
    "f.type": ("内容の種類", "Content type"),
    "f.any": ("すべて", "any"),
    "f.apply": ("適用", "Apply"),
    "f.clear": ("クリア", "Clear"),
    "browse.count": ("{total} 件中 {first}–{last} 件", "{first}–{last} of {total}"),
    "browse.hits": ("検索結果 {first}–{last} 件（スコア順）", "Results {first}–{last} (by score)"),
    "browse.empty": ("該当する記憶はありません。", "No memory matches."),
    "browse.cursor_gone": ("このページの起点だった記憶は削除されました。ページ番号の位置で表示しています。",
                           "The memory this page followed was deleted: showing the page by its number instead."),
    "browse.prev": ("前へ", "Previous"),
    "browse.next": ("次へ", "Next"),
    "browse.select_all": ("すべて選択", "Select all"),
    "browse.delete_selected": ("選択した記憶を削除", "Delete selected"),
    "browse.confirm_bulk": ("選択した記憶を削除します。元に戻せません。",
                            "Delete the selected memories? This cannot be undone."),
    "browse.deleted": ("{n} 件削除しました。", "Deleted {n}."),
    "browse.list": ("記憶の一覧", "Memory list"),
    "browse.keys": ("↑↓ キーで記憶の間を移動、Enter で開きます。",
                    "Arrow keys move between memories, Enter opens one."),
    "mem.title": ("記憶の詳細", "Memory"),
    "mem.back": ("一覧へ戻る", "Back to the list"),
    "mem.content": ("内容", "Content"),
    "mem.summary": ("要約", "Summary"),
    "mem.emotions": ("感情", "Emotions"),
    "mem.importance": ("重要度（0〜1）", "Importance (0 to 1)"),
    "mem.access": ("呼び出し回数", "Times recalled"),
    "mem.reinforced": ("強化回数", "Times reinforced"),
    "mem.type": ("種類", "Type"),
    "mem.session": ("セッション", "Session"),
    "mem.expires": ("期限", "Expires"),
    "mem.updated": ("更新", "Updated"),
    "mem.tags": ("タグ（カンマ区切り）", "Tags (comma-separated)"),
    "mem.edit": ("編集", "Edit"),
    "mem.save": ("保存（内容を変えると埋め込みを作り直します）", "Save (a new content is re-embedded)"),
    "mem.saved": ("保存しました。", "Saved."),
    "mem.delete": ("この記憶を削除", "Delete this memory"),
    "mem.confirm": ("この記憶を削除します。元に戻せません。", "Delete this memory? This cannot be undone."),
    "mem.history": ("履歴", "History"),
    "mem.action": ("操作", "Action"),
    "mem.actor": ("実行者", "By"),
    "mem.changes": ("変更", "Changes"),
    "mem.none": ("なし", "none"),
    "nav.live": ("ライブ", "Live"),
    "live.title": ("ライブ: {persona}", "Live: {persona}"),
    "live.connectors": ("ライブチャットの接続", "Live chat connectors"),
    "live.no_connectors": ("このペルソナにつながっている接続はありません（LIVE_YOUTUBE / LIVE_TWITCH）。",
                           "No connector feeds this persona (LIVE_YOUTUBE / LIVE_TWITCH)."),
    "live.platform": ("配信先", "Platform"),
    "live.target": ("対象", "Target"),
    "live.state": ("状態", "State"),
    "live.since": ("この状態から", "Since"),
    "live.seen": ("読んだ数", "Messages read"),
    "live.fed": ("渡した数", "Events fed"),
    "live.reconnects": ("再接続", "Reconnects"),
    "live.error": ("直近のエラー", "Last error"),
    "live.events": ("届いたイベント", "Events as they arrive"),
    "live.needs_script": ("このページはスクリプトで更新されます。", "This page updates through its script."),
    "live.connecting": ("接続中…", "Connecting…"),
    "live.open": ("接続しました。新しいイベントを待っています。", "Connected: waiting for events."),
    "live.closed": ("接続が切れました。再読み込みしてください。", "Disconnected: reload the page."),
    "live.viewer": ("視聴者", "Viewer"),
    "live.message": ("メッセージ", "Message"),
    "live.outcome": ("結果", "Outcome"),
    "live.reply": ("返答", "Reply"),
    "live.known": ("常連", "known"),
    "live.new": ("初めて", "new"),
    "live.answered": ("返答済み", "answered"),
    "live.dropped": ("未返答", "not answered"),
    "ops.keys": ("API キー", "API keys"),
    "ops.jobs": ("定期ジョブ", "Scheduled jobs"),
    "ops.snapshots": ("スナップショット", "Snapshots"),
    "ops.settings": ("設定", "Settings"),
    "ops.audit": ("監査ログ", "Audit log"),
    "keys.name": ("名前", "Name"),
    "keys.prefix": ("先頭", "Prefix"),
    "keys.scope": ("範囲", "Scope"),
    "keys.expires": ("期限", "Expires"),
    "keys.state": ("状態", "State"),
    "keys.admin": ("管理者", "admin"),
    "keys.all": ("すべて", "all"),
    "keys.personas": ("ペルソナ", "personas"),
    "keys.tenants": ("テナント", "tenants"),
    "keys.personas_help": ("ペルソナ（カンマ区切り、空ならすべて）", "Personas (comma-separated, empty for all)"),
    "keys.tenants_help": ("テナント（カンマ区切り、空ならすべて）", "Tenants (comma-separated, empty for all)"),
    "keys.expires_days": ("有効日数（空なら無期限）", "Expires after days (empty: never)"),
    "keys.create": ("キーを作成", "Create key"),
    "keys.created": ("キー「{name}」を作りました。この画面でしか表示されません。今コピーしてください。",
                     "Key \"{name}\" created. It is shown this once only: copy it now."),
    "keys.value": ("新しいキー", "New key"),
    "keys.revoke": ("無効にする", "Revoke"),
    "keys.confirm": ("キー「{name}」を無効にします。元に戻せません。",
                     "Revoke the key \"{name}\"? This cannot be undone."),
    "keys.revoked": ("キー {id} を無効にしました。", "Revoked key {id}."),
    "keys.is_revoked": ("無効", "revoked"),
    "keys.active": ("有効", "active"),
    "keys.expired": ("期限切れ", "expired"),
    "jobs.off": ("定期ジョブは止まっています（JOBS_ENABLED=false）。", "Scheduled jobs are off (JOBS_ENABLED=false)."),
    "jobs.job": ("ジョブ", "Job"),
    "jobs.every": ("間隔", "Every"),
    "jobs.last_run": ("前回", "Last run"),
    "jobs.next_run": ("次回", "Next run"),
    "jobs.runs": ("実行 / 失敗", "Runs / failures"),
    "jobs.result": ("前回の結果", "Last result"),
    "jobs.run": ("今すぐ実行", "Run now"),
    "jobs.running": ("実行中", "running"),
    "jobs.ran": ("ジョブ {id} を実行しました。", "Ran job {id}."),
    "snap.taken": ("スナップショット {name} を作りました。", "Took snapshot {name}."),
    "snap.take": ("今すぐ作成", "Take a snapshot now"),
    "snap.none": ("スナップショットはまだありません。", "No snapshot yet."),
    "snap.name": ("名前", "Name"),
    "snap.kind": ("種類", "Kind"),
    "snap.description": ("説明", "Description"),
    "snap.counts": ("件数", "Counts"),
    "snap.size": ("バイト", "Bytes"),
    "snap.restore": ("復元はボットを止めてコマンドで行います: python -m bot restore",
                     "Restoring needs the bot stopped: python -m bot restore"),
    "settings.help": ("いま動いている設定です。秘密の値は *** で隠しています。",
                      "The running settings; secrets show as ***."),
    "settings.name": ("名前", "Name"),
    "settings.value": ("値", "Value"),
    "audit.none": ("記録はまだありません。", "No entry yet."),
    "audit.request": ("リクエスト", "Request"),
    "audit.status": ("結果", "Status"),
    "audit.target": ("対象", "Target"),
    "chart.title": ("感情の移り変わり: {persona}", "Emotions over time: {persona}"),
    "chart.link": ("感情グラフ", "Emotion chart"),
    "chart.help": ("日ごとに、その感情を持つ記憶の数（多い感情から最大 6 つ）。",
                   "Per day, how many memories carried each emotion (the six most frequent)."),
    "chart.empty": ("感情のある記憶はまだありません。", "No memory with emotions yet."),
    "chart.table": ("表で見る", "As a table"),
    "chart.day": ("日付（UTC）", "Day (UTC)"),
    "users.title": ("ユーザーと視聴者: {persona}", "Users and viewers: {persona}"),
    "users.link": ("ユーザーと視聴者", "Users and viewers"),
    "users.help": ("このペルソナが覚えている人（Discord のユーザー、配信の視聴者）。最近見かけた順。",
                   "Everyone this persona remembers (Discord users, livestream viewers), most recently seen first."),
    "users.none": ("まだ誰の記憶もありません。", "No one is remembered yet."),
    "users.platform": ("場所", "Platform"),
    "users.first_seen": ("初めて", "First seen"),
    "users.last_seen": ("最後", "Last seen"),
    "users.links": ("グラフ", "Charts"),
    "users.privacy": ("プライバシー", "Privacy"),
    "users.memories_of": ("{name} の記憶", "Memories of {name}"),
    "users.issue": ("リンクを発行", "Issue a link"),
    "users.issue_for": ("{name} のプライバシーリンクを発行", "Issue a privacy link for {name}"),
    "users.back": ("ユーザー一覧へ戻る", "Back to the users"),
    "issued.title": ("プライバシーリンク", "Privacy link"),
    "issued.help": ("このリンクは本人だけに、DM やメールなど非公開の方法で渡してください"
                    "（{minutes} 分有効、この画面でしか表示されません）。",
                    "Hand this link to the person alone, privately (a DM, an email): it works for {minutes} "
                    "minutes and is shown this once only."),
    "issued.link": ("本人用のリンク", "The person's link"),
    "issued.warning": ("リンクを持つ人は誰でも、その人の記憶を読んで削除できます。"
                       "配信のチャットなど公開の場には貼らないでください。",
                       "Whoever holds the link can read and delete their memories: never post it in a live chat "
                       "or anywhere public."),
    "growth.title": ("記憶の増え方: {persona}", "Memory growth: {persona}"),
    "growth.link": ("増え方", "Growth"),
    "growth.by": ("単位", "Per"),
    "growth.day": ("日", "day"),
    "growth.week": ("週", "week"),
    "growth.help": ("その日（週）に作られ、今も残っている記憶の数と、その累計。",
                    "Memories made in each day (week) and still kept, and the running total."),
    "growth.empty": ("記憶はまだありません。", "No memory yet."),
    "growth.added": ("増えた数", "Added"),
    "growth.total": ("累計", "Total"),
    "growth.start_day": ("日付（UTC）", "Day (UTC)"),
    "growth.start_week": ("週の初め（月曜、UTC）", "Week of (Monday, UTC)"),
    "ask.title": ("配信の視聴者の方へ: あなたのデータ", "Livestream viewers: your data"),
    "ask.step": ("配信のチャットに、次のとおり書き込んでください:", "Type this in the stream's live chat:"),
    "ask.then": ("届くとこのページが自動で、あなたについて保存している記憶のページに変わります"
                 "（チャットへの返事はありません）。",
                 "When it arrives, this page turns into the page of what is kept about you by itself "
                 "(the persona does not answer it)."),
    "ask.until": ("このコードの期限:", "This code works until"),
    "ask.warning": ("自分でこのページを開いて得たコードだけを書き込んでください。人から渡されたコードを書くと、"
                    "その人にあなたのデータが見えてしまいます。",
                    "Only type a code you got from this page yourself: typing a code someone gave you shows them "
                    "your data."),
    "ask.check": ("今すぐ確認", "Check now"),
    "error.title": ("エラー", "Error"),
    "error.login": ("ログインし直してください。", "Please log in again."),
    "privacy.title": ("あなたについて保存している記憶", "What is kept about you"),
    "privacy.intro": ("このページはあなた専用で、読むことと削除ができます。有効期限: ",
                      "This page is yours alone: you can read and delete here. It works until "),
    "privacy.download": ("すべて JSONL でダウンロード", "Download everything (JSONL)"),
    "privacy.delete_all": ("すべて削除", "Delete everything"),
    "privacy.confirm_all": ("あなたについての記憶をすべて削除します。元に戻せません。",
                            "Delete everything kept about you? This cannot be undone."),
    "privacy.delete": ("削除", "Delete"),
    "privacy.confirm": ("この記憶を削除します。", "Delete this memory?"),
    "privacy.none": ("保存されている記憶はありません。", "Nothing is kept about you."),
    "privacy.count": ("{persona}: {total} 件", "{persona}: {total} memories"),
    "privacy.more": ("新しい {shown} 件を表示しています（全件はダウンロードで）。",
                     "Showing the newest {shown} (the download has all)."),
    "privacy.deleted": ("{n} 件削除しました。", "Deleted {n}."),
    "privacy.expired": ("このリンクの期限が切れました。Discord で mydata を使うか、配信の視聴者の方は"
                        "/console/privacy/ask から新しいリンクを受け取れます。",
                        "This link has expired. Use mydata in Discord, or as a livestream viewer "
                        "/console/privacy/ask, for a new one."),
    "privacy.invalid": ("このリンクは使えません。Discord で mydata を使うか、配信の視聴者の方は"
                        "/console/privacy/ask から新しいリンクを受け取れます。",
                        "This link cannot be used. Use mydata in Discord, or as a livestream viewer "
                        "/console/privacy/ask, for a new one."),
}


def pick(request: web.Request, default: str) -> str:
    asked = request.query.get("lang") or request.cookies.get(LANG_COOKIE)
    if asked in LANGS:
        return asked
    best, best_q = default, -1.0
    for part in request.headers.get("Accept-Language", "").split(","):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        primary = tag.split("-")[0].lower()
        if primary in LANGS and q > best_q:
            best, best_q = primary, q
    return best


def translator(lang: str) -> Translate:
    index = LANGS.index(lang)

    def t(key: str, **values: object) -> str:
        words = WORDS.get(key)
        text = words[index] if words else key
        return text.format(**values) if values else text

    return t


def emotion_name(lang: str, key: str) -> str:
    try:
        return ja_name(key) if lang == "ja" else en_name(key)
    except ValueError:
        return key
