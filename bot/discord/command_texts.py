"""Japanese for the command metadata (names, descriptions, options, choices), the help groups, and
permission names as the Discord client shows them. The English strings in the cogs' decorators are the
canonical ones; this catalogue maps each of them to Japanese (bot/discord/translator.py serves them to
Discord, cogs/help renders them, the error handler names parameters and permissions with them).
"""

from __future__ import annotations

from typing import Any, Literal

from discord.ext import commands

Kind = Literal["name", "description", "parameter", "choice"]

JA: dict[Kind, dict[str, str]] = {
    # command and group names: Discord lets a Japanese client show and type these instead
    "name": {
        "remember": "おもいだす", "memorize": "おぼえる", "memories": "記憶一覧", "emotions": "感情",
        "chat": "話す", "forget": "忘れる", "mydata": "自分のデータ", "privacy": "プライバシー",
        "language": "言語", "persona": "ペルソナ", "list": "一覧", "use": "切り替え", "info": "情報",
        "admin": "管理", "learning": "自動学習", "purge": "一括削除", "status": "状態", "help": "ヘルプ",
        "timezone": "タイムゾーン",
    },
    "description": {
        "Search what I remember about you": "あなたについて覚えていることを検索します",
        "Ask me to remember a fact about you": "あなたのことを一つ覚えてもらいます",
        "Your latest memories, page by page": "あなたの最近の記憶をページごとに表示します",
        "Your emotion statistics and a chart over time": "あなたの感情の統計と推移のグラフ",
        "Talk with the channel's persona; it remembers you":
            "このチャンネルのペルソナと話します（あなたのことを覚えています）",
        "Delete one of your memories by ID, or all of them": "あなたの記憶を ID で1件、またはすべて削除します",
        "Get everything I keep about you, as a file by DM":
            "保存しているあなたのデータをすべてファイルで DM に送ります",
        "Stop (off) or allow (on) learning from your messages": "メッセージからの学習を止める（off）・許可する（on）",
        "Reply language: ja, en, or auto": "返事の言語: ja・en・auto（自動）",
        "VTuber personas": "VTuber のペルソナ",
        "List the personas": "ペルソナの一覧",
        "Talk with another persona in this channel": "このチャンネルで話すペルソナを切り替えます",
        "About a persona (the active one by default)": "ペルソナの情報（省略すると使用中のペルソナ）",
        "Server settings for Omoide": "Omoide のサーバー設定",
        "Turn passive learning on or off in a channel": "チャンネルでの自動学習をオン・オフします",
        "Set this server's default persona": "このサーバーの既定のペルソナを設定します",
        "Delete every memory made in a channel (asks first)":
            "チャンネルで作られた記憶をすべて削除します（確認あり）",
        "Default persona and channels with passive learning": "既定のペルソナと自動学習が有効なチャンネル",
        "How to use Omoide, or the details of one command": "Omoide の使い方、または一つのコマンドの詳しい説明",
        "The time zone your dates are shown in": "日付を表示するタイムゾーン",
        "Set this server's default time zone for dates": "このサーバーで日付に使う既定のタイムゾーンを設定します",
        # parameter descriptions
        "What to look for": "探したいこと",
        "The fact to remember": "覚えてほしいこと",
        "Memories per page (1-10)": "1ページの件数（1〜10）",
        "What you want to say": "話したいこと",
        "A memory ID (or its first characters), or 'all'": "記憶の ID（先頭の数文字でも可）、または all（すべて）",
        "off: do not learn from me; on: allow; status: show": "off: 学習しない・on: 学習する・status: 今の設定を見る",
        "ja, en, or auto (follow your Discord language / your messages)":
            "ja・en・auto（Discord の言語設定やメッセージに合わせる）",
        "The persona's memory_id or display name": "ペルソナの memory_id または表示名",
        "on or off": "on または off",
        "The channel (this one by default)": "チャンネル（省略するとこのチャンネル）",
        "A command name (all commands by default)": "コマンド名（省略するとすべてのコマンド）",
        "A zone name such as Asia/Tokyo, or auto (the server's / bot's default)":
            "Asia/Tokyo のようなタイムゾーン名、または auto（サーバーやボットの既定）",
        "A zone name such as Asia/Tokyo, or auto (the bot's TIMEZONE)":
            "Asia/Tokyo のようなタイムゾーン名、または auto（ボットの TIMEZONE）",
    },
    "parameter": {
        "query": "検索語", "text": "内容", "limit": "件数", "message": "メッセージ", "target": "対象",
        "setting": "設定", "language": "言語", "name": "名前", "state": "状態", "channel": "チャンネル",
        "command": "コマンド", "zone": "タイムゾーン",
    },
    "choice": {"on": "オン", "off": "オフ", "status": "今の設定を見る", "auto": "自動", "ja": "日本語",
               "en": "English"},
}


def japanese(kind: Kind, text: str) -> str | None:
    return JA[kind].get(text)


def localized(kind: Kind, text: str, locale: str) -> str:
    """`text` in `locale` (the English original unless the locale is ja and a translation exists)."""
    return (japanese(kind, text) if locale == "ja" else None) or text


# The groups `help` shows, the way users think of them (qualified command names, in order).
HELP_GROUPS: tuple[tuple[str, dict[str, str], tuple[str, ...]], ...] = (
    ("talk", {"ja": "💬 話す", "en": "💬 Talk"}, ("chat", "persona list", "persona use", "persona info")),
    ("remember", {"ja": "🧠 覚える・思い出す", "en": "🧠 Remember"}, ("memorize", "remember", "memories", "emotions")),
    ("data", {"ja": "🔒 あなたのデータ", "en": "🔒 Your data"},
     ("mydata", "forget", "privacy", "language", "timezone")),
    ("admin", {"ja": "🛠️ サーバー管理", "en": "🛠️ Server admin"},
     ("admin learning", "admin persona", "admin purge", "admin timezone", "admin status")),
)

# Permission names as the Discord client shows them (Server Settings > Roles), ja and en.
PERMISSIONS: dict[str, tuple[str, str]] = {
    "administrator": ("管理者", "Administrator"),
    "view_audit_log": ("監査ログを表示", "View Audit Log"),
    "manage_guild": ("サーバー管理", "Manage Server"),
    "manage_roles": ("ロールの管理", "Manage Roles"),
    "manage_channels": ("チャンネルの管理", "Manage Channels"),
    "kick_members": ("メンバーをキック", "Kick Members"),
    "ban_members": ("メンバーをBAN", "Ban Members"),
    "moderate_members": ("メンバーをタイムアウト", "Timeout Members"),
    "create_instant_invite": ("招待を作成", "Create Invite"),
    "change_nickname": ("ニックネームの変更", "Change Nickname"),
    "manage_nicknames": ("ニックネームの管理", "Manage Nicknames"),
    "manage_webhooks": ("ウェブフックの管理", "Manage Webhooks"),
    "view_channel": ("チャンネルを見る", "View Channels"),
    "send_messages": ("メッセージを送信", "Send Messages"),
    "send_messages_in_threads": ("スレッドでメッセージを送信", "Send Messages in Threads"),
    "embed_links": ("埋め込みリンク", "Embed Links"),
    "attach_files": ("ファイルを添付", "Attach Files"),
    "add_reactions": ("リアクションの追加", "Add Reactions"),
    "use_external_emojis": ("外部の絵文字を使用する", "Use External Emoji"),
    "mention_everyone": ("@everyone、@here、全てのロールにメンション", "Mention @everyone, @here, and All Roles"),
    "manage_messages": ("メッセージの管理", "Manage Messages"),
    "manage_threads": ("スレッドの管理", "Manage Threads"),
    "read_message_history": ("メッセージ履歴を読む", "Read Message History"),
    "use_application_commands": ("アプリコマンドを使う", "Use Application Commands"),
}


def permission_names(permissions: list[str], locale: str) -> str:
    """'manage_channels' -> 「チャンネルの管理」 / "Manage Channels", joined the way each language lists."""
    names = []
    for perm in permissions:
        known = PERMISSIONS.get(perm)
        fallback = perm.replace("guild", "server").replace("_", " ").title()
        names.append((known[0] if locale == "ja" else known[1]) if known else fallback)
    return ("、" if locale == "ja" else ", ").join(names)


def usage(command: commands.Command[Any, ..., Any], prefix: str, locale: str) -> str:
    """`!memorize <内容>`: the command as typed, its parameters named in the reader's language."""
    params = []
    for name, param in command.clean_params.items():
        label = localized("parameter", name, locale)
        params.append(f"<{label}>" if param.required else f"[{label}]")
    return " ".join([f"{prefix}{command.qualified_name}", *params])
